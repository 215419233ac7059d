/**
 * `getent`: one NSS database (or one key of it) as `ansible_facts.getent_<database>`, as
 * ansible-core 2.14's getent module: each line split (`:` for passwd/shadow/group/gshadow, else
 * whitespace, or `split`), keyed by its first field, duplicates gathered into a list. Reads only,
 * so check mode is the plain run.
 */
import { z } from 'zod';
import { argv } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { bool, str } from '../system/args.js';
import { defineModule, type Plan, type Probe } from '../types.js';

export const getentArgs = z.strictObject({
  database: str,
  key: str.optional(),
  service: str.optional(),
  split: str.optional(),
  fail_key: bool.default(true),
});
export type GetentArgs = z.infer<typeof getentArgs>;

const COLON = ['passwd', 'shadow', 'group', 'gshadow'];

/** Python's str.splitlines() line breaks. */
const LINE_BREAKS = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** Python's str.split(sep): sep undefined splits on whitespace runs, ignoring the ends. */
function pySplit(s: string, sep: string | undefined): string[] {
  if (sep === undefined) {
    const t = s.trim();
    return t === '' ? [] : t.split(/\s+/);
  }
  return s.split(sep);
}

/** The getent_<database> mapping from getent's output, as the module builds it. */
export function getentTree(stdout: string, sep: string | undefined): Record<string, unknown> {
  const tree = new Map<string, unknown>();
  const seen = new Map<string, number>();
  const lines = stdout.split(LINE_BREAKS);
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const record = pySplit(line, sep);
    // An all-blank line under whitespace splitting has no first field: Python fails on record[0].
    const k = record[0] ?? '';
    const rest = record.slice(1);
    const n = seen.get(k);
    if (n !== undefined) {
      if (n === 1) tree.set(k, [tree.get(k)]);
      (tree.get(k) as unknown[]).push(rest);
      seen.set(k, n + 1);
    } else {
      tree.set(k, rest);
      seen.set(k, 1);
    }
  }
  return Object.fromEntries(tree);
}

export const getentModule = defineModule<GetentArgs>({
  name: 'getent',
  description: 'One getent database (or key) as ansible_facts.getent_<database>, as ansible-core 2.14.',
  args: getentArgs,
  returns: { ansible_facts: 'getent_<database>: first field → the other fields (a list of lists for duplicate keys)' },
  probes(a): Probe[] {
    const words = ['getent', a.database, ...(a.key !== undefined ? [a.key] : []), ...(a.service !== undefined ? ['-s', a.service] : [])];
    return [{ key: 'getent', cmd: argv(words), parse: (r: RunResult) => r }];
  },
  plan(a, ctx): Plan {
    const r = ctx.probed.getent as RunResult;
    const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });
    if (a.split === '') return fail('empty separator');
    const sep = a.split ?? (COLON.includes(a.database) ? ':' : undefined);
    const db = `getent_${a.database}`;
    const facts = (tree: Record<string, unknown>): Plan => {
      const ansible = { [db]: tree };
      return { changed: false, commands: [], result: { ansible_facts: ansible }, gatheredFacts: { facts: ctx.facts, ansible } };
    };
    if (r.rc === 0) return facts(getentTree(r.stdout, sep));
    if (r.rc === 1) return fail('Missing arguments, or database unknown.');
    if (r.rc === 2) {
      const msg = 'One or more supplied key could not be found in the database.';
      if (!a.fail_key) {
        const p = facts({ [a.key ?? 'null']: null });
        return { ...p, msg, result: { ...p.result, msg } };
      }
      return fail(msg);
    }
    if (r.rc === 3) return fail('Enumeration not supported on this database.');
    return fail('Unexpected failure!');
  },
});
