/** Ansible's tag selection: --tags / --skip-tags with the special tags `always`, `never`, `all`, `tagged`, `untagged`. */
export interface TagFilter {
  only?: string[];
  skip?: string[];
}

export function shouldRunTags(taskTags: string[], filter: TagFilter): boolean {
  const tags = new Set(taskTags);
  const only = filter.only?.filter(Boolean) ?? [];
  const skip = filter.skip?.filter(Boolean) ?? [];
  if (skip.length) {
    if (skip.includes('all') && !tags.has('always')) return false;
    if (skip.some((t) => tags.has(t))) return false;
    if (skip.includes('tagged') && tags.size > 0 && !tags.has('always')) return false;
    if (skip.includes('untagged') && tags.size === 0) return false;
  }
  if (only.length === 0 || only.includes('all')) return !tags.has('never') || only.some((t) => tags.has(t));
  if (tags.has('always')) return true;
  if (only.includes('tagged') && tags.size > 0) return true;
  if (only.includes('untagged') && tags.size === 0) return true;
  return only.some((t) => tags.has(t));
}
