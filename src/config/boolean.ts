/** Ansible's boolean table (module_utils.parsing.convert_bool): the one place tsplay reads true/false. */
export const TRUE_WORDS = ['yes', 'on', '1', 'true', 'y', 't'] as const;
export const FALSE_WORDS = ['no', 'off', '0', 'false', 'n', 'f'] as const;
const TRUE = new Set<string>(TRUE_WORDS);
const FALSE = new Set<string>(FALSE_WORDS);

/** true/false for what Ansible takes as a boolean (case-insensitive strings, 1/0); undefined otherwise. */
export function ansibleBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' || v instanceof String) {
    const s = String(v).trim().toLowerCase();
    if (TRUE.has(s)) return true;
    if (FALSE.has(s)) return false;
    return undefined;
  }
  if (v === 1) return true;
  if (v === 0) return false;
  return undefined;
}
