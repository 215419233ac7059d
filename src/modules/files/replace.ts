import { z } from 'zod';
import { defineModule, type Plan, type PlanContext } from '../types.js';
import { probeFileState, type FileState } from './state.js';
import { attrArgs, bool, editCommands, failedPlan, probed, str, validateProblem, withAliases, withBackupResult, withValidateOutcome } from './common.js';
import { compilePyRegex, pySubn, PyRegexError } from './pyregex.js';
import { pyCodec, pyDecode, pyEncode } from './pycodec.js';

const schema = z
  .object({
    path: z.string().min(1),
    regexp: str,
    replace: str.default(''),
    after: str.optional(),
    before: str.optional(),
    backup: bool.default(false),
    validate: z.string().optional(),
    encoding: z.string().default('utf-8'),
    // Only used when an atomic rename fails; tsplay's writes are renamed into place, so it has no effect.
    unsafe_writes: bool.optional(),
    ...attrArgs,
  })
  .strict()
  .superRefine((a, ctx) => {
    const v = validateProblem(a.validate);
    if (v) ctx.addIssue({ code: 'custom', message: v, path: ['validate'] });
    if (pyCodec(a.encoding) === undefined) {
      ctx.addIssue({ code: 'custom', message: `tsplay reads and writes utf-8, latin-1 and ascii only, not ${JSON.stringify(a.encoding)}`, path: ['encoding'] });
    }
  });

export type ReplaceArgs = z.infer<typeof schema>;

export interface ReplaceEdit {
  /** The new text, when something changed. */
  after?: string;
  /** How many matches re.subn counted. */
  count: number;
  /** The after/before narrowing pattern did not match: Ansible stops there (no attribute changes). */
  noSection?: string;
}

/** Ansible's replace on decoded text: the after/before region (DOTALL), then re.subn with MULTILINE in it. */
export function replaceText(contents: string, a: Pick<ReplaceArgs, 'regexp' | 'replace' | 'after' | 'before'>): ReplaceEdit {
  let pattern = '';
  if (a.after && a.before) pattern = `${a.after}(?P<subsection>.*?)${a.before}`;
  else if (a.after) pattern = `${a.after}(?P<subsection>.*)`;
  else if (a.before) pattern = `(?P<subsection>.*)${a.before}`;
  let section = contents;
  let start = 0;
  let end = contents.length;
  if (pattern) {
    const rx = compilePyRegex(pattern, { unicode: true, dotAll: true });
    const m = new RegExp(rx.re.source, rx.re.flags + 'd').exec(contents);
    const at = m?.indices?.[rx.names.get('subsection')!];
    if (!m || !at) return { count: 0, noSection: pattern };
    [start, end] = at;
    section = contents.slice(start, end);
  }
  const sub = pySubn(compilePyRegex(a.regexp, { unicode: true, multiline: true }), a.replace, section);
  if (sub.count === 0 || sub.text === section) return { count: sub.count };
  return { count: sub.count, after: contents.slice(0, start) + sub.text + contents.slice(end) };
}

/** Plan replace from the probed file state. */
export function planReplace(a: ReplaceArgs, st: FileState, ctx: Pick<PlanContext, 'diff'> = { diff: true }): Plan {
  const path = a.path;
  if (st.resolved?.type === 'directory') return failedPlan(`Path ${path} is a directory !`, { rc: 256 });
  if (!st.exists || st.resolved === undefined) return failedPlan(`Path ${path} does not exist !`, { rc: 257 });
  const codec = pyCodec(a.encoding)!;
  const original = st.content ?? Buffer.alloc(0);
  const contents = pyDecode(original, codec);
  let edit: ReplaceEdit;
  let afterBytes = original;
  try {
    edit = replaceText(contents, a);
    if (edit.after !== undefined) afterBytes = pyEncode(edit.after, codec);
  } catch (e) {
    if (e instanceof PyRegexError) return failedPlan(e.message);
    if (e instanceof Error && e.message.includes("codec can't encode")) return failedPlan(e.message);
    throw e;
  }
  if (edit.noSection !== undefined) {
    const msg = `Pattern for before/after params did not match the given file: ${edit.noSection}`;
    return { changed: false, commands: [], msg, result: { rc: 0, changed: false, msg } };
  }
  const contentChanged = edit.after !== undefined;
  const want = { mode: a.mode, owner: a.owner, group: a.group };
  const { commands, attrsChanged } = editCommands({ path, st, exists: true, content: afterBytes, contentChanged, want, backup: a.backup, validate: a.validate });
  let msg = contentChanged ? `${edit.count} replacements made` : '';
  const changed = contentChanged || attrsChanged;
  if (attrsChanged) msg += (contentChanged ? ' and ' : '') + 'ownership, perms or SE linux context changed';
  const result: Record<string, unknown> = { rc: 0, changed, msg };
  const plan: Plan = { changed, commands, msg, result };
  if (contentChanged && ctx.diff) {
    plan.diff = [{ path, before: contents, after: edit.after!, beforeHeader: path, afterHeader: path }];
    result.diff = { before_header: path, before: contents, after_header: path, after: edit.after! };
  }
  return withValidateOutcome(withBackupResult(plan));
}

export const replace = defineModule<ReplaceArgs>({
  name: 'replace',
  factsFree: true,
  description: "Replace every match of a Python regex in a file (MULTILINE, optionally between after/before), Ansible's replace",
  args: withAliases({ dest: 'path', destfile: 'path', name: 'path' }, schema) as unknown as z.ZodType<ReplaceArgs>,
  probes: (a) => [probeFileState(a.path, { content: true, key: 'dest' })],
  plan: (a, ctx) => planReplace(a, probed<FileState>(ctx.probed, 'dest'), ctx),
  returns: { msg: '"N replacements made" (and/or the attribute change)', backup_file: 'the backup copy, with backup=yes', rc: 'always 0' },
});
