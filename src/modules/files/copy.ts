import { z } from 'zod';
import { jsonDumps } from '../../template/jinja/filters/serialize.js';
import { str as pyStr } from '../../template/jinja/py.js';
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { sh } from '../../commands/quote.js';
import { defineModule, type Plan, type PlanContext } from '../types.js';
import { probeFileState, type FileState } from './state.js';
import {
  attrArgs,
  attrChanges,
  bool,
  contentDiff,
  failedPlan,
  modeOrPreserveArg,
  probed,
  resolveMode,
  validateProblem,
  withAliases,
  withBackupResult,
  writeCommands,
  type AttrWant,
} from './common.js';

const schema = z
  .object({
    src: z.string().min(1).optional(),
    // ansible-core's copy action: a dict or list content is written as json.dumps of it; other values as their text
    content: z
      .preprocess(
        (v) => (v !== null && typeof v === 'object' && !(v instanceof String) ? jsonDumps(v) : typeof v === 'number' || typeof v === 'boolean' ? pyStr(v) : v),
        z.string(),
      )
      .optional(),
    dest: z.string().min(1),
    force: bool.default(true),
    remote_src: bool.default(false),
    // Ansible decrypts a vault-encrypted src on the controller unless decrypt is false.
    decrypt: bool.default(true),
    backup: bool.default(false),
    follow: bool.default(false).describe("a dest that is a symlink: write through it (true) or replace it by a regular file (false, Ansible's default)"),
    validate: z.string().optional(),
    ...attrArgs,
    mode: modeOrPreserveArg.optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.src !== undefined && a.content !== undefined) ctx.addIssue({ code: 'custom', message: 'parameters are mutually exclusive: content|src', path: ['content'] });
    if (a.src === undefined && a.content === undefined) ctx.addIssue({ code: 'custom', message: 'src (or content) is required', path: ['src'] });
    if (a.remote_src && a.src === undefined) ctx.addIssue({ code: 'custom', message: 'remote_src needs src (a path on the host)', path: ['remote_src'] });
    if (a.content !== undefined && a.dest.endsWith('/')) ctx.addIssue({ code: 'custom', message: 'can not use content with a dir as dest', path: ['dest'] });
    const v = validateProblem(a.validate);
    if (v) ctx.addIssue({ code: 'custom', message: v, path: ['validate'] });
  });

export type CopyArgs = z.infer<typeof schema>;

/** What to put where, once the source bytes are known (shared by copy and template). */
export interface PutFileSpec {
  dest: string;
  content: Buffer;
  force: boolean;
  backup: boolean;
  validate?: string;
  want: AttrWant;
  /**
   * `follow`: a dest that is a symlink is written through (its target gets the content). Without
   * it (Ansible's default) the link is replaced by a regular file, and that is always a change:
   * the action plugin's stat of a link has no checksum.
   */
  follow?: boolean;
  /** Extra result fields (src). */
  result?: Record<string, unknown>;
}

/** Probe keys used by copy/template: the dest, dest/<basename(src)> (dest may be a directory), the parent. */
export function putFileProbes(dest: string, src: string | undefined) {
  const probes = [probeFileState(dest, { content: true, key: 'dest' }), probeFileState(posix.dirname(dest), { key: 'parent' })];
  if (src !== undefined) probes.push(probeFileState(posix.join(dest, posix.basename(src)), { content: true, key: 'dest_in_dir' }));
  return probes;
}

/**
 * Plan writing whole-file content: changed when the bytes differ (force) or mode/owner/group differ.
 * `states` are the probes of putFileProbes.
 */
export function planPutFile(
  spec: PutFileSpec,
  states: { dest: FileState; parent?: FileState; destInDir?: FileState },
  srcName?: string,
  ctx: Pick<PlanContext, 'diff'> = { diff: true },
): Plan {
  let dest = spec.dest;
  let st = states.dest;
  if (dest.endsWith('/') || st.resolved?.type === 'directory') {
    if (srcName === undefined) return failedPlan('can not use content with a dir as dest');
    dest = posix.join(dest, posix.basename(srcName));
    st = states.destInDir ?? { path: dest, exists: false, state: 'absent' };
  } else if (states.parent && !states.parent.exists) {
    return failedPlan(`Destination directory ${posix.dirname(dest)} does not exist`);
  }
  if (st.exists && st.resolved && st.resolved.type !== 'file') return failedPlan(`Destination ${dest} exists and is not a regular file (${st.state})`);
  const existed = st.exists && st.resolved !== undefined;
  // A link replaced by a regular file: the new file is written as a new one (umask mode, the user's owner).
  const replacesLink = st.state === 'link' && !spec.follow;
  if (replacesLink) st = { path: st.path, exists: false, state: 'absent' };
  // follow: the link's target is the dest (the module's realpath), also in the result
  else if (st.state === 'link' && st.realPath) dest = st.realPath;
  const exists = st.exists && st.resolved !== undefined;
  const same = exists && st.content?.equals(spec.content);
  const checksum = createHash('sha1').update(spec.content).digest('hex');
  const finalMode = spec.want.mode !== undefined ? resolveMode(spec.want.mode, st.resolved?.mode ?? '0644', false) : (st.resolved?.mode ?? undefined);
  const result: Record<string, unknown> = {
    dest,
    ...(spec.result ?? {}),
    checksum,
    size: spec.content.length,
    state: 'file',
    ...(finalMode ? { mode: finalMode } : {}),
    ...((spec.want.owner ?? st.resolved?.owner) ? { owner: spec.want.owner ?? st.resolved?.owner } : {}),
    ...((spec.want.group ?? st.resolved?.group) ? { group: spec.want.group ?? st.resolved?.group } : {}),
  };
  const target = st.realPath ?? dest;

  if (existed && !same && !spec.force) {
    // Ansible: force=no never touches an existing file (nor a link to one).
    return { changed: false, commands: [], result: { ...result, changed: false } };
  }
  if (!same) {
    const commands = writeCommands({
      path: dest,
      target,
      content: spec.content,
      existing: exists ? st.resolved : undefined,
      want: spec.want,
      backup: spec.backup,
      validate: spec.validate,
    });
    // the copy module unlinks the link and creates an empty file in its place, whose mode (the
    // umask's) the written file then keeps
    if (replacesLink) commands.unshift({ kind: 'shell', cmd: sh`rm -f -- ${dest} && : > ${dest}`, describe: `replace the link ${dest} by a regular file` });
    const plan: Plan = { changed: true, commands, result: { ...result, changed: true } };
    if (ctx.diff) plan.diff = [contentDiff(dest, exists ? st.content : undefined, spec.content)];
    return withBackupResult(plan);
  }
  const attrs = attrChanges(target, st.resolved, spec.want);
  const changed = attrs.commands.length > 0;
  return { changed, commands: attrs.commands, result: { ...result, changed } };
}

export const copy = defineModule<CopyArgs>({
  name: 'copy',
  factsFree: true,
  description: 'Write a file from inline content or a controller file (files/), with mode/owner/group, backup and validate',
  args: withAliases({ thirsty: 'force' }, schema) as unknown as z.ZodType<CopyArgs>,
  probes: (a) => [...putFileProbes(a.dest, a.src), ...(a.remote_src ? [probeFileState(a.src!, { content: true, key: 'remote_src' })] : [])],
  plan: (a, ctx) => {
    let content: Buffer;
    let mode = a.mode;
    if (mode === 'preserve') {
      // Ansible: the source's mode (a content= source is the action plugin's 0600 temp file).
      if (a.remote_src) {
        const src = probed<FileState>(ctx.probed, 'remote_src');
        mode = src.resolved?.mode;
      } else if (a.content !== undefined) mode = '0600';
      else if (ctx.controllerFileMode) mode = ctx.controllerFileMode(a.src!, 'files');
      else return failedPlan('mode: preserve needs the source file, which this run cannot stat');
    }
    if (a.remote_src) {
      // The bytes come from the host (read by the probe) and go back with one put.
      const src = probed<FileState>(ctx.probed, 'remote_src');
      if (!src.exists || !src.resolved) return failedPlan(`Source ${a.src} not found`);
      if (src.resolved.type !== 'file' || src.content === undefined) return failedPlan(`Source ${a.src} is a ${src.state}: tsplay copies single files with remote_src`);
      content = src.content;
    } else content = a.content !== undefined ? Buffer.from(a.content, 'utf8') : ctx.readControllerFile(a.src!, 'files', { decrypt: a.decrypt });
    return planPutFile(
      {
        dest: a.dest,
        content,
        force: a.force,
        backup: a.backup,
        validate: a.validate,
        follow: a.follow,
        want: { mode, owner: a.owner, group: a.group },
        result: a.src !== undefined ? { src: a.src } : {},
      },
      {
        dest: probed<FileState>(ctx.probed, 'dest'),
        parent: ctx.probed.parent as FileState | undefined,
        destInDir: ctx.probed.dest_in_dir as FileState | undefined,
      },
      a.src,
      ctx,
    );
  },
});
