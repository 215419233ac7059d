/**
 * What a `mode:` argument means, as ansible-core's AnsibleModule.set_mode_if_different reads it:
 * - a number is the mode itself: `mode: 0644` (YAML 1.1 octal, the int 420) is rw-r--r--, and
 *   `mode: 644` (the decimal int 644 == 0o1204) is what Ansible makes of it too: --w----r-T;
 * - a string is octal when Python's int(s, 8) takes it ("0644", "644", "0o644", " 644 ");
 * - otherwise it is symbolic (`u=rw,g=r,o=r`, `u+x`, `a-w`, `=r`, `X`, `s`, `t`, `u=g`), applied
 *   to the current mode like _symbolic_mode_to_octal (no `who` means all, minus the umask).
 * The argument is normalised to four octal digits ("0644") or kept as the symbolic text.
 */
import { z } from 'zod';

/** The umask Ansible's module process usually runs under (used for `+x` / `=rw` without a who). */
export const DEFAULT_UMASK = 0o022;

/** Python's int(s, 8): whitespace around, a sign, an optional 0o prefix, digits with single underscores. */
export function parseOctal(s: string): number | undefined {
  const m = /^\s*([-+]?)(?:0[oO])?(_?[0-7](?:_?[0-7])*)\s*$/.exec(s);
  if (!m) return undefined;
  // `_644` is not a number in Python; `0o_644` is.
  if (m[2]!.startsWith('_') && !/0[oO]/.test(s)) return undefined;
  const n = parseInt(m[2]!.replace(/_/g, ''), 8);
  return m[1] === '-' ? -n : n;
}

const S_IRWXU = 0o700;
const S_IRWXG = 0o070;
const S_IRWXO = 0o007;
const PERM_BITS = 0o7777;

/**
 * AnsibleModule._symbolic_mode_to_octal: apply a symbolic mode to `current` (the file's mode bits;
 * `isDir` for `X`). Throws on a mode Ansible refuses ("mode must be in octal or symbolic form").
 */
export function symbolicModeToOctal(symbolic: string, current: number, isDir: boolean, umask = DEFAULT_UMASK): number {
  const prev = current & PERM_BITS;
  let mode = prev;
  const revUmask = umask ^ PERM_BITS;
  const applyX = isDir || (prev & 0o111) > 0;
  for (const clause of symbolic.split(',')) {
    const permlist = clause.split(/[+=-]/);
    const opers = clause.match(/[+=-]/g) ?? [];
    let users = permlist.shift()!;
    const useUmask = users === '';
    if (users === 'a' || users === '') users = 'ugo';
    // Ansible's USERS_RE.match / PERMS_RE.match look at the first character only; a bad later
    // character fails on the table lookup below instead.
    if (/^[^ugo]/.test(users)) throw new Error(`bad symbolic permission for mode: ${clause}`);
    permlist.forEach((perms, idx) => {
      if (/^[^rwxXstugo]/.test(perms)) throw new Error(`bad symbolic permission for mode: ${clause}`);
      for (const user of users) {
        const apply = permsFor(user, perms, prev, applyX, useUmask, revUmask);
        mode = applyOperation(user, opers[idx]!, apply, mode);
      }
    });
  }
  return mode;
}

function permsFor(user: string, perms: string, prev: number, applyX: boolean, useUmask: boolean, revUmask: number): number {
  const m = (bit: number) => (useUmask ? revUmask & bit : bit);
  const table: Record<string, Record<string, number>> = {
    u: { r: m(0o400), w: m(0o200), x: m(0o100), s: 0o4000, t: 0, u: prev & S_IRWXU, g: (prev & S_IRWXG) << 3, o: (prev & S_IRWXO) << 6, X: applyX ? 0o100 : 0 },
    g: { r: m(0o040), w: m(0o020), x: m(0o010), s: 0o2000, t: 0, u: (prev & S_IRWXU) >> 3, g: prev & S_IRWXG, o: (prev & S_IRWXO) << 3, X: applyX ? 0o010 : 0 },
    o: { r: m(0o004), w: m(0o002), x: m(0o001), s: 0, t: 0o1000, u: (prev & S_IRWXU) >> 6, g: (prev & S_IRWXG) >> 3, o: prev & S_IRWXO, X: applyX ? 0o001 : 0 },
  };
  const row = table[user];
  if (!row) throw new Error(`bad symbolic permission for mode: unknown user '${user}'`);
  let out = 0;
  for (const p of perms) {
    const bits = row[p];
    if (bits === undefined) throw new Error(`bad symbolic permission for mode: unknown permission '${p}'`);
    out |= bits;
  }
  return out;
}

function applyOperation(user: string, op: string, apply: number, current: number): number {
  if (op === '=') {
    const mask = user === 'u' ? S_IRWXU | 0o4000 : user === 'g' ? S_IRWXG | 0o2000 : S_IRWXO | 0o1000;
    return (current & (mask ^ PERM_BITS)) | apply;
  }
  if (op === '+') return current | apply;
  return current - (current & apply);
}

/** Four octal digits, as the file state probe reports modes ("0644", "4755"). */
export function octalText(n: number): string {
  return n.toString(8).padStart(4, '0');
}

/**
 * A mode argument as text: four octal digits for a number or an octal string, the symbolic text
 * otherwise; an error message for what Ansible would refuse (or, for out-of-range numbers, what it
 * would pass to chmod and report as changed on every run).
 */
export function normalizeMode(v: unknown, opts: { preserve?: boolean; symbolic?: boolean } = {}): string | { error: string } {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > PERM_BITS) return { error: `mode ${v} is not a permission number (0 to 0o7777); write it as an octal string like "0644"` };
    return octalText(v);
  }
  if (typeof v !== 'string') return { error: 'mode must be in octal or symbolic form' };
  if (opts.preserve && v === 'preserve') return v;
  const n = parseOctal(v);
  if (n !== undefined) {
    if (n < 0 || n > PERM_BITS) return { error: `mode "${v}" is out of range (0 to 7777 octal)` };
    return octalText(n);
  }
  if (opts.symbolic === false) return { error: `mode must be octal like "0644" (symbolic modes such as "${v}" are not supported here)` };
  try {
    symbolicModeToOctal(v, 0o644, false);
  } catch {
    return { error: `mode must be in octal or symbolic form ("0644", "u=rw,g=r,o=r"), got "${v}"` };
  }
  return v;
}

function modeSchema(opts: { preserve?: boolean; symbolic?: boolean }) {
  return z.unknown().transform((v, ctx) => {
    const r = normalizeMode(v, opts);
    if (typeof r === 'string') return r;
    ctx.addIssue({ code: 'custom', message: r.error });
    return z.NEVER;
  });
}

/** `mode:` of file, lineinfile, blockinfile…: octal (number or string) or symbolic. */
export const modeArg = modeSchema({});
/** `mode:` of copy and template: also `preserve` (the source file's mode). */
export const modeOrPreserveArg = modeSchema({ preserve: true });
/** An octal-only `mode:` (modules that cannot apply a symbolic mode). */
export const octalModeArg = modeSchema({ symbolic: false });

/**
 * The mode bits a normalised mode argument gives a file whose mode is `current` (four octal digits,
 * or undefined for a file that does not exist yet: 0644, what Ansible's new files get under 022).
 */
export function resolveMode(mode: string, current: string | undefined, isDir: boolean, umask = DEFAULT_UMASK): string {
  if (/^[0-7]{4}$/.test(mode)) return mode;
  const n = parseOctal(mode);
  if (n !== undefined) return octalText(n);
  const cur = current !== undefined ? parseInt(current, 8) : isDir ? 0o777 & ~umask : 0o666 & ~umask;
  return octalText(symbolicModeToOctal(mode, cur, isDir, umask));
}
