/** Python's `shlex.split(s, comments=…)` (posix=True) refused the text; `message` is Python's. */
export class SplitError extends Error {}

/**
 * Python's `shlex.split(s)` in POSIX mode: the command module's argv (`command: ls -l "a b"`) and
 * Ansible's INI inventory host lines (`comments: true`: an unquoted `#` ends the line, even inside a
 * word). Throws SplitError on an unbalanced quote or a trailing backslash.
 */
export function shlexSplit(s: string, opts: { comments?: boolean } = {}): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      i++;
    } else if (c === '#' && opts.comments) {
      break;
    } else if (c === '\\') {
      if (i + 1 >= s.length) throw new SplitError('No escaped character');
      cur += s[i + 1];
      inWord = true;
      i += 2;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new SplitError('No closing quotation');
      cur += s.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      inWord = true;
      for (;;) {
        if (i >= s.length) throw new SplitError('No closing quotation');
        const d = s[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && i + 1 < s.length && (s[i + 1] === '"' || s[i + 1] === '\\')) {
          cur += s[i + 1];
          i += 2;
          continue;
        }
        cur += d;
        i++;
      }
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) out.push(cur);
  return out;
}
