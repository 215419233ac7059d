/** Argument helpers shared by the system modules: Ansible's loose booleans, ints, lists and aliases. */
import { noteArgAliases } from '../arg-aliases.js';
import { z } from 'zod';

export { bool } from '../ansible-bool.js';

/** An integer that may arrive as a numeric string after templating. */
export const int = z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v), z.number().int());

/** A non-negative number of seconds (int or float, maybe a string). */
export const seconds = z.preprocess((v) => (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v), z.number().nonnegative());

/** A string Ansible accepts as str although YAML typed it (numbers, booleans). */
export const str = z.preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), z.string());

/** Ansible's `type='list', elements='str'`: a list, or a comma-separated string. */
export const strList = z.preprocess((v) => {
  if (typeof v === 'string')
    return v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  if (typeof v === 'number') return [String(v)];
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'number' || typeof x === 'boolean' ? String(x) : x));
  return v;
}, z.array(z.string()));

/** owner/group: a name or a numeric id. */
export const idArg = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().min(1));

/** An octal file mode as Ansible reads it (int 420 or "0644"/"644"; see modules/files/mode.ts), as four digits. */
export { octalModeArg as octalMode } from '../files/mode.js';

/**
 * Rename Ansible's argument aliases to canonical names before validation. Giving an alias and its
 * canonical name together is an error, like Ansible.
 */
export function withAliases<S extends z.ZodType>(aliases: Record<string, string>, schema: S) {
  const wrapped = z.preprocess((input, ctx) => {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
      const canonical = aliases[k] ?? k;
      if (canonical in out) {
        ctx.issues.push({ code: 'custom', message: `"${k}" and "${canonical}" are the same argument; give only one`, input });
        continue;
      }
      out[canonical] = v;
    }
    return out;
  }, schema);
  return noteArgAliases(wrapped, aliases);
}

/** The first line of a multi-line text (for messages). */
export function firstLine(s: string): string {
  return (
    s
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? ''
  );
}

/** Ansible's `strip_empty_ends` plus `_lines` lists. */
export function lines(s: string): string[] {
  return s === '' ? [] : s.split(/\r?\n/);
}

/** A probe's `key=value` lines as [key, value, line] (a line without `=` is a key with an empty value). */
export function probeLines(stdout: string): Array<[string, string, string]> {
  return stdout.split('\n').map((line) => {
    const eq = line.indexOf('=');
    return eq < 0 ? [line, '', line] : [line.slice(0, eq), line.slice(eq + 1), line];
  });
}

/** A probe's `stat MODE UID GID` line (stat -c '%a %u %g'): the mode as 4 octal digits. */
export function statLine(line: string): { mode: string; uid: string; gid: string } {
  const [, mode, uid, gid] = line.split(' ');
  return { mode: (mode ?? '644').padStart(4, '0'), uid: uid ?? '0', gid: gid ?? '0' };
}
