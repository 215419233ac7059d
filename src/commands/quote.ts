import { TsplayError } from '../errors.js';

/**
 * The one function that turns a value into a POSIX-shell word. Every command tsplay sends is built
 * from typed values through `quote`/`sh`; no user string is ever glued into a shell line unquoted.
 */
export function quote(value: string | number | boolean): string {
  const s = String(value);
  if (s === '') return "''";
  if (s.includes('\0')) throw new TsplayError('MODULE', 'embedded null byte: an argument contains a NUL byte (\\0), which no command or path can hold');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return "'" + s.replace(/'/g, `'"'"'`) + "'";
}

/** A fragment of shell that is already safe (built by `sh` or a literal the code wrote). */
export class Shell {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Mark a literal shell snippet written by tsplay's own code (never user input) as safe. */
export function raw(text: string): Shell {
  return new Shell(text);
}

/**
 * Tagged template: interpolated values are quoted; arrays become several quoted words;
 * `Shell` values are inserted as they are.
 *   sh`mkdir -p ${dir} && chmod ${mode} ${dir}`
 */
export function sh(strings: TemplateStringsArray, ...values: unknown[]): Shell {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Shell(out);
}

function render(v: unknown): string {
  if (v instanceof Shell) return v.text;
  if (Array.isArray(v)) return v.map(render).join(' ');
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return quote(v);
  throw new Error(`cannot put a ${v === null ? 'null' : typeof v} into a shell command`);
}

/** Join argv words into one command line. */
export function argv(words: Array<string | number>): Shell {
  return new Shell(words.map((w) => quote(w)).join(' '));
}
