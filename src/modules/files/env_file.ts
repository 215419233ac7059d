import { z } from 'zod';
import { defineModule, type Plan, type PlanContext } from '../types.js';
import { probeFileState, type FileState } from './state.js';
import { attrArgs, bool, contentDiff, editCommands, failedPlan, probed, withAliases, withBackupResult } from './common.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

const value = z.union([z.string().refine((v) => !/[\r\n\0]/.test(v), 'an env file value cannot contain a newline or NUL'), z.number(), z.boolean(), z.null()]);

const schema = z
  .object({
    path: z.string().min(1),
    set: z.record(z.string().regex(KEY, 'keys must look like shell variable names (A-Z, a-z, 0-9, _)'), value).default({}),
    remove: z.array(z.string().regex(KEY)).default([]),
    create: bool.default(true),
    after_comment: z.string().optional(),
    quote: z.enum(['auto', 'always', 'never']).default('auto'),
    backup: bool.default(false),
    ...attrArgs,
  })
  .strict()
  .superRefine((a, ctx) => {
    for (const k of a.remove) if (k in a.set && a.set[k] !== null) ctx.addIssue({ code: 'custom', message: `${k} is both set and removed`, path: ['remove'] });
  });

export type EnvFileArgs = z.infer<typeof schema>;

/** One line of a KEY=VALUE file, parsed (comments and blanks have no key). */
interface EnvLine {
  text: string; // without its line ending
  eol: string;
  key?: string;
  exported?: boolean;
  value?: string;
}

const ASSIGN = /^(\s*)(export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/;

/** The value a reader (shell `.`, systemd EnvironmentFile) sees: quotes removed, escapes in "" undone. */
export function parseEnvValue(raw: string): string {
  const v = raw.trim();
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  return v;
}

/** How tsplay writes a value: bare when safe, else double-quoted with \ " $ ` escaped. */
export function formatEnvValue(v: string, mode: 'auto' | 'always' | 'never'): string {
  if (mode === 'never') return v;
  if (mode === 'auto' && /^[A-Za-z0-9_@%+=:,./-]*$/.test(v) && v !== '') return v;
  return '"' + v.replace(/(["\\$`])/g, '\\$1') + '"';
}

function parseLines(text: string): EnvLine[] {
  const out: EnvLine[] = [];
  const re = /([^\n]*?)(\r?\n|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) && (m[0] !== '' || re.lastIndex < text.length)) {
    const line: EnvLine = { text: m[1]!, eol: m[2]! };
    const a = ASSIGN.exec(line.text);
    if (a && !line.text.trimStart().startsWith('#')) {
      line.key = a[3];
      line.exported = a[2] !== undefined;
      line.value = parseEnvValue(a[4]!);
    }
    out.push(line);
    if (m[2] === '') break;
  }
  return out;
}

export interface EnvEdit {
  after: string;
  set: string[];
  removed: string[];
}

/**
 * Apply set/remove to a KEY=VALUE text. A key that is set replaces its first line in place (keeping an
 * `export ` prefix) and later duplicate lines of that key are dropped, so the file has one effective value;
 * new keys go below `after_comment` (after the assignments that follow it) or at the end.
 */
export function editEnvText(text: string, a: Pick<EnvFileArgs, 'set' | 'remove' | 'after_comment' | 'quote'>): EnvEdit {
  const lines = text === '' ? [] : parseLines(text);
  const eol = lines.find((l) => l.eol !== '')?.eol ?? '\n';
  const setKeys: string[] = [];
  const removed: string[] = [];
  const toRemove = new Set(a.remove);
  const wanted = new Map<string, string>();
  for (const [k, v] of Object.entries(a.set)) {
    if (v === null) toRemove.add(k);
    else wanted.set(k, String(v));
  }
  const seen = new Set<string>();
  const out: EnvLine[] = [];
  for (const l of lines) {
    if (l.key === undefined) {
      out.push(l);
      continue;
    }
    if (toRemove.has(l.key)) {
      if (!removed.includes(l.key)) removed.push(l.key);
      continue;
    }
    const want = wanted.get(l.key);
    if (want === undefined) {
      out.push(l);
      continue;
    }
    if (seen.has(l.key)) {
      // A later duplicate would override the value we set for most readers: drop it.
      if (!setKeys.includes(l.key)) setKeys.push(l.key);
      continue;
    }
    seen.add(l.key);
    if (l.value === want) out.push(l);
    else {
      out.push({ ...l, text: `${l.exported ? 'export ' : ''}${l.key}=${formatEnvValue(want, a.quote)}`, value: want });
      setKeys.push(l.key);
    }
  }
  const fresh = [...wanted.entries()].filter(([k]) => !seen.has(k));
  if (fresh.length > 0) {
    const newLines: EnvLine[] = fresh.map(([k, v]) => ({ text: `${k}=${formatEnvValue(v, a.quote)}`, eol, key: k, value: v }));
    let at = out.length;
    if (a.after_comment !== undefined) {
      const c = out.findIndex((l) => l.key === undefined && l.text.trim() === a.after_comment!.trim());
      if (c >= 0) {
        at = c + 1;
        while (at < out.length && out[at]!.key !== undefined) at++;
      }
    }
    // The line before the insertion point needs a line ending (file without a final newline).
    if (at > 0 && out[at - 1]!.eol === '') out[at - 1] = { ...out[at - 1]!, eol };
    out.splice(at, 0, ...newLines);
    for (const [k] of fresh) setKeys.push(k);
  }
  return { after: out.map((l) => l.text + l.eol).join(''), set: setKeys, removed };
}

/** Plan env_file from the probed file. */
export function planEnvFile(a: EnvFileArgs, st: FileState, ctx: Pick<PlanContext, 'diff'> = { diff: true }): Plan {
  const path = a.path;
  if (st.resolved?.type === 'directory') return failedPlan(`Path ${path} is a directory !`, { rc: 256 });
  const exists = st.exists && st.resolved !== undefined;
  if (!exists && !a.create) return failedPlan(`Destination ${path} does not exist !`, { rc: 257 });
  const before = exists ? (st.content ?? Buffer.alloc(0)).toString('utf8') : '';
  const edit = editEnvText(before, a);
  const contentChanged = edit.after !== before || !exists;
  const want = { mode: a.mode, owner: a.owner, group: a.group };
  const after = Buffer.from(edit.after, 'utf8');
  const { commands, attrsChanged } = editCommands({ path, st, exists, content: after, contentChanged, want, backup: a.backup });
  const parts: string[] = [];
  if (edit.set.length) parts.push(`set ${edit.set.join(', ')}`);
  if (edit.removed.length) parts.push(`removed ${edit.removed.join(', ')}`);
  if (!exists) parts.unshift('file created');
  const changed = contentChanged || attrsChanged;
  if (attrsChanged) parts.push('ownership or perms changed');
  const msg = parts.join('; ');
  const plan: Plan = { changed, commands, msg, result: { changed, msg, path, set: edit.set, removed: edit.removed } };
  if (contentChanged && ctx.diff) plan.diff = [contentDiff(path, exists ? st.content : undefined, after)];
  return withBackupResult(plan);
}

/** tsplay's own: keep a KEY=VALUE file (docker --env-file, systemd EnvironmentFile) in shape. */
export const envFile = defineModule<EnvFileArgs>({
  name: 'env_file',
  factsFree: true,
  description: 'Set or remove KEY=VALUE entries in an env file, keeping comments, blank lines and order',
  args: withAliases({ dest: 'path', name: 'path' }, schema) as unknown as z.ZodType<EnvFileArgs>,
  probes: (a) => [probeFileState(a.path, { content: true, key: 'dest' })],
  plan: (a, ctx) => planEnvFile(a, probed<FileState>(ctx.probed, 'dest'), ctx),
});
