/**
 * Word handling for `command` and `shell`: POSIX shlex splitting (Python's `shlex.split`, what the
 * command module does to the templated command line) and rendering argv words as shell words that
 * behave like Ansible's execve (no shell syntax) with its `$VAR` / `~` expansion. Taking
 * `chdir=`/`creates=` out of a free-form string is Ansible's parse_kv: src/loader/splitter.ts.
 */
import { quote, Shell } from '../../commands/quote.js';

export { shlexSplit, SplitError } from '../../commands/shlex.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * One argv word as a shell word that yields exactly the word, except that (when `expand`) a leading
 * `~`/`~user` and `$NAME`/`${NAME}` of variables set on the target expand, like Python's
 * expanduser + expandvars that Ansible's command module applies. Unset variables stay literal.
 */
export function shellWord(word: string, expand: boolean): string {
  if (!expand) return quote(word);
  let out = '';
  let rest = word;
  const tilde = /^~([A-Za-z0-9._-]*)(\/|$)/.exec(rest);
  if (tilde) {
    out += '~' + tilde[1] + tilde[2];
    rest = rest.slice(tilde[0].length);
    if (rest === '') return out;
  }
  const parts: string[] = [];
  let lit = '';
  const re = /\$([A-Za-z0-9_]+|\{[^}]*\})/g;
  let last = 0;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    const braced = m[1]!.startsWith('{');
    const name = braced ? m[1]!.slice(1, -1) : m[1]!;
    if (!NAME.test(name)) continue;
    lit += rest.slice(last, m.index);
    if (lit !== '') parts.push(quote(lit));
    lit = '';
    parts.push(braced ? `"\${${name}-\\\${${name}\\}}"` : `"\${${name}-\\$${name}}"`);
    last = m.index + m[0].length;
  }
  lit += rest.slice(last);
  if (lit !== '' || parts.length === 0) parts.push(quote(lit));
  return out + parts.join('');
}

/** argv words as an execve-like command line: `exec` so shell keywords, builtins and `A=b` words are never interpreted. */
export function execLine(words: string[], expand: boolean): Shell {
  return new Shell('exec ' + words.map((w) => shellWord(w, expand)).join(' '));
}
