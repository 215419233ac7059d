import { z } from 'zod';
import { isDeepStrictEqual } from 'node:util';
import { Document, isCollection, isMap, isScalar, isSeq, parseDocument, type ToStringOptions } from 'yaml';
import { defineModule, type Plan, type PlanContext } from '../types.js';
import { probeFileState, type FileState } from './state.js';
import { attrArgs, bool, contentDiff, editCommands, failedPlan, probed, withAliases, withBackupResult } from './common.js';

const schema = z
  .object({
    path: z.string().min(1),
    set: z.record(z.string().min(1), z.unknown()).default({}),
    delete: z.array(z.string().min(1)).default([]),
    create: bool.default(false),
    backup: bool.default(false),
    ...attrArgs,
  })
  .strict();

export type YamlEditArgs = z.infer<typeof schema>;

/** "a.b.0.c" → ["a","b","0","c"]; a dot inside a key is written `\.`. */
export function splitPath(p: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\' && p[i + 1] === '.') {
      cur += '.';
      i++;
    } else if (p[i] === '.') {
      out.push(cur);
      cur = '';
    } else cur += p[i];
  }
  out.push(cur);
  return out;
}

class PathError extends Error {}

/** Map path segments to the real keys of the document: numbers in sequences, existing key scalars in maps. */
function resolveKeys(doc: Document, dotted: string): unknown[] {
  const segs = splitPath(dotted);
  const keys: unknown[] = [];
  let node: unknown = doc.contents;
  for (const seg of segs) {
    if (node !== null && node !== undefined && isSeq(node)) {
      if (!/^\d+$/.test(seg)) throw new PathError(`${dotted}: "${seg}" is not a list index (${keys.join('.') || 'the root'} is a list)`);
      keys.push(Number(seg));
      node = node.items[Number(seg)];
    } else if (node !== null && node !== undefined && isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === seg);
      const key = pair ? (isScalar(pair.key) ? pair.key.value : pair.key) : seg;
      keys.push(key);
      node = pair?.value;
    } else if (node === null || node === undefined) {
      keys.push(/^\d+$/.test(seg) && keys.length > 0 ? Number(seg) : seg);
      node = undefined;
    } else {
      throw new PathError(`${dotted}: ${keys.join('.') || 'the root'} is a scalar, not a mapping or list`);
    }
  }
  return keys;
}

function currentValue(doc: Document, keys: unknown[]): { found: boolean; value: unknown } {
  if (!doc.hasIn(keys)) return { found: false, value: undefined };
  const v = doc.getIn(keys, false);
  return { found: true, value: isCollection(v) ? v.toJSON() : v };
}

/** Pick the sequence indentation the file already uses, so an edit does not re-indent every list. */
function formatFor(original: string, doc: Document): ToStringOptions {
  const base: ToStringOptions = { lineWidth: 0 };
  if (original === '') return base;
  let best = base;
  let bestScore = -1;
  for (const indentSeq of [true, false]) {
    const opts = { ...base, indentSeq };
    const text = doc.toString(opts);
    const a = new Set(original.split('\n'));
    const score = text.split('\n').filter((l) => a.has(l)).length;
    if (score > bestScore) {
      bestScore = score;
      best = opts;
    }
  }
  return best;
}

export interface YamlEdit {
  after: string;
  changed: boolean;
  set: string[];
  deleted: string[];
}

/** Apply set/delete to YAML text keeping comments and key order; throws a message naming file:line:col on bad YAML. */
export function editYamlText(path: string, text: string | null, a: Pick<YamlEditArgs, 'set' | 'delete'>): YamlEdit {
  const doc = text === null ? new Document({}) : parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    throw new PathError(`${path}${pos ? `:${pos.line}:${pos.col}` : ''}: not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const fmt = formatFor(text ?? '', doc);
  const setKeys: string[] = [];
  const deleted: string[] = [];
  for (const [dotted, value] of Object.entries(a.set)) {
    const keys = resolveKeys(doc, dotted);
    const cur = currentValue(doc, keys);
    if (cur.found && isDeepStrictEqual(cur.value, value)) continue;
    if (doc.contents !== null && !isCollection(doc.contents)) throw new PathError(`${path}: the document is a scalar, not a mapping`);
    doc.setIn(keys, value);
    setKeys.push(dotted);
  }
  for (const dotted of a.delete) {
    const keys = resolveKeys(doc, dotted);
    if (!doc.hasIn(keys)) continue;
    doc.deleteIn(keys);
    deleted.push(dotted);
  }
  const changed = setKeys.length + deleted.length > 0 || text === null;
  return { after: changed ? doc.toString(fmt) : (text ?? ''), changed, set: setKeys, deleted };
}

/** Plan yaml_edit from the probed file. */
export function planYamlEdit(a: YamlEditArgs, st: FileState, ctx: Pick<PlanContext, 'diff'> = { diff: true }): Plan {
  const path = a.path;
  if (st.resolved?.type === 'directory') return failedPlan(`Path ${path} is a directory !`, { rc: 256 });
  const exists = st.exists && st.resolved !== undefined;
  if (!exists && !a.create) return failedPlan(`Destination ${path} does not exist ! (create: true makes it)`, { rc: 257 });
  let edit: YamlEdit;
  try {
    edit = editYamlText(path, exists ? (st.content ?? Buffer.alloc(0)).toString('utf8') : null, a);
  } catch (e) {
    if (e instanceof PathError) return failedPlan(e.message);
    throw e;
  }
  const want = { mode: a.mode, owner: a.owner, group: a.group };
  const after = Buffer.from(edit.after, 'utf8');
  const { commands, attrsChanged } = editCommands({ path, st, exists, content: after, contentChanged: edit.changed, want, backup: a.backup });
  const changed = edit.changed || attrsChanged;
  const parts: string[] = [];
  if (!exists) parts.push('file created');
  if (edit.set.length) parts.push(`set ${edit.set.join(', ')}`);
  if (edit.deleted.length) parts.push(`deleted ${edit.deleted.join(', ')}`);
  if (attrsChanged) parts.push('ownership or perms changed');
  const msg = parts.join('; ');
  const plan: Plan = { changed, commands, msg, result: { changed, msg, path, set: edit.set, deleted: edit.deleted } };
  if (edit.changed && ctx.diff) plan.diff = [contentDiff(path, exists ? st.content : undefined, after)];
  return withBackupResult(plan);
}

/** tsplay's own: set/delete dotted paths in a YAML file with the `yaml` Document API (comments survive). */
export const yamlEdit = defineModule<YamlEditArgs>({
  name: 'yaml_edit',
  factsFree: true,
  description: 'Set or delete dotted paths (a.b.0.c) in a YAML file, keeping comments and key order',
  args: withAliases({ dest: 'path', name: 'path' }, schema) as unknown as z.ZodType<YamlEditArgs>,
  probes: (a) => [probeFileState(a.path, { content: true, key: 'dest' })],
  plan: (a, ctx) => planYamlEdit(a, probed<FileState>(ctx.probed, 'dest'), ctx),
});
