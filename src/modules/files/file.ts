import { z } from 'zod';
import { posix } from 'node:path';
import { raw, sh, type Shell } from '../../commands/quote.js';
import type { Command, ShellCommand } from '../../commands/types.js';
import { defineModule, type FileDiff, type Plan } from '../types.js';
import { probeFileState, type FileState, type InodeInfo } from './state.js';
import { attrArgs, attrChanges, attrText, bool, failedPlan, probed, resolveMode, withAliases, type AttrWant } from './common.js';

const STATES = ['file', 'directory', 'absent', 'link', 'touch', 'hard'] as const;

const schema = z
  .object({
    path: z.string().min(1),
    state: z.enum(STATES).optional(),
    src: z.string().min(1).optional(),
    recurse: bool.default(false),
    force: bool.default(false),
    follow: bool.default(true),
    // 'now', 'preserve' or a time in *_format; which of them tsplay carries out: planFile.
    modification_time: z.string().optional(),
    modification_time_format: z.string().optional(),
    access_time: z.string().optional(),
    access_time_format: z.string().optional(),
    ...attrArgs,
  })
  .strict();

export type FileArgs = z.infer<typeof schema>;

/** Absolute location of a symlink's src, as Ansible checks it (relative to the link's directory). */
export function linkSrcPath(path: string, src: string): string {
  return posix.isAbsolute(src) ? src : posix.join(posix.dirname(path), src);
}

function describeState(path: string, state: string, attrs: Record<string, string> = {}): string {
  return `path: ${path}\nstate: ${state}\n${attrText(attrs)}`;
}

function stateDiff(path: string, before: string, after: string, b: Record<string, string> = {}, a: Record<string, string> = {}): FileDiff {
  return { path, before: describeState(path, before, b), after: describeState(path, after, a), beforeHeader: `${path} (state)`, afterHeader: `${path} (state)` };
}

function cmd(c: Shell, describe: string): ShellCommand {
  return { kind: 'shell', cmd: c, describe };
}

/** Each missing component of `path` is created and given the wanted attributes (Ansible's ensure_directory). */
function mkdirChain(path: string, want: AttrWant): Shell {
  const abs = posix.isAbsolute(path);
  const parts = path.split('/').filter((p) => p !== '');
  const steps: string[] = [];
  let cur = '';
  for (const p of parts) {
    cur = abs || cur !== '' ? `${cur}/${p}` : p;
    if (!abs && cur.startsWith('/')) cur = cur.slice(1);
    const fix: string[] = [];
    if (want.owner !== undefined) fix.push(sh`chown ${want.owner} -- ${cur}`.text);
    if (want.group !== undefined) fix.push(sh`chgrp ${want.group} -- ${cur}`.text);
    if (want.mode !== undefined) fix.push(sh`chmod ${want.mode} -- ${cur}`.text);
    steps.push(sh`{ [ -e ${cur} ] || { mkdir -- ${cur}`.text + fix.map((f) => ' && ' + f).join('') + '; }; }');
  }
  return raw(steps.join(' && '));
}

interface Ctx {
  st: FileState;
  srcSt?: FileState;
}

/** Plan the file module from the probed state of path (and of src for links). */
export function planFile(a: FileArgs, { st, srcSt }: Ctx): Plan {
  let path = a.path;
  const prev = st.state === 'other' ? 'file' : st.state;
  const state = a.state ?? (prev !== 'absent' ? prev : a.recurse ? 'directory' : 'file');
  const want: AttrWant = { mode: a.mode, owner: a.owner, group: a.group };
  if (a.recurse && state !== 'directory') return failedPlan("recurse option requires state to be 'directory'", { path });
  if (a.src !== undefined && state !== 'link' && state !== 'hard') return failedPlan("src option requires state to be 'link' or 'hard'", { path });
  // Ansible's defaults: 'now' for touch, 'preserve' for every other state.
  const times = { modification_time: a.modification_time ?? (state === 'touch' ? 'now' : 'preserve'), access_time: a.access_time ?? (state === 'touch' ? 'now' : 'preserve') };
  for (const [k, v] of Object.entries(times)) {
    if (v === 'preserve' || (v === 'now' && state === 'touch')) continue;
    return failedPlan(`${k}: tsplay takes 'preserve' here${state === 'touch' ? " or 'now'" : " (or 'now' with state: touch)"}, not '${v}'`, { path });
  }

  const done = (changed: boolean, commands: Command[], result: Record<string, unknown>, diff?: FileDiff): Plan => {
    const plan: Plan = { changed, commands, result: { changed, ...result } };
    if (changed && diff) plan.diff = [diff];
    return plan;
  };
  const attrsOf = (info: InodeInfo | undefined): Record<string, unknown> =>
    info ? { mode: info.mode, owner: info.owner, group: info.group, uid: info.uid, gid: info.gid, size: info.size } : {};

  switch (state) {
    case 'absent': {
      if (prev === 'absent') return done(false, [], { path, state: 'absent' });
      const c = prev === 'directory' ? cmd(sh`rm -rf -- ${path}`, `rm -rf ${path}`) : cmd(sh`rm -f -- ${path}`, `rm -f ${path}`);
      return done(true, [c], { path, state: 'absent' }, stateDiff(path, prev, 'absent'));
    }
    case 'file': {
      let cur: string = prev;
      let info = st.self;
      if (cur === 'link' && a.follow) {
        path = st.realPath ?? path;
        info = st.resolved;
        cur = !info ? 'absent' : info.type === 'directory' ? 'directory' : info.nlink > 1 ? 'hard' : 'file';
      }
      if (cur !== 'file' && cur !== 'hard') return failedPlan(`file (${path}) is ${cur}, cannot continue`, { path, state: cur });
      const attrs = attrChanges(path, info, want);
      const changed = attrs.commands.length > 0;
      return done(changed, attrs.commands, { path, state: 'file', ...attrsOf(info), ...attrs.after }, stateDiff(path, 'file', 'file', attrs.before, attrs.after));
    }
    case 'directory': {
      let cur: string = prev;
      let info = st.self;
      if (cur === 'link' && a.follow) {
        path = st.realPath ?? path;
        info = st.resolved;
        cur = !info ? 'absent' : info.type === 'directory' ? 'directory' : 'file';
      }
      if (cur === 'absent') {
        return done(true, [cmd(mkdirChain(path, want), `mkdir ${path}`)], { path, state: 'directory' }, stateDiff(path, 'absent', 'directory'));
      }
      if (cur !== 'directory') return failedPlan(`${path} already exists as a ${cur}`, { path });
      const attrs = attrChanges(path, info, want);
      const commands: Command[] = [...attrs.commands];
      if (a.recurse && want.mode !== undefined && isSymbolic(want.mode)) {
        // A symbolic mode gives each entry its own result (X, u=g, +/-): Ansible applies it file by
        // file. Each distinct (type, mode) below that changes gets one exact-match find | chmod.
        if (st.childrenDiffer) commands.push(...attrChanges(path, undefined, { owner: want.owner, group: want.group }, { recurse: true }).commands);
        for (const c of st.childModes ?? []) {
          const target = resolveMode(want.mode, c.mode, c.type === 'd');
          if (target === c.mode) continue;
          commands.push(
            cmd(
              sh`find ${path} -mindepth 1 -type ${c.type} -perm ${c.mode} -exec chmod ${target} {} +`,
              `chmod ${target} the ${c.type === 'd' ? 'directories' : 'files'} under ${path} that are ${c.mode}`,
            ),
          );
        }
      } else if (a.recurse && st.childrenDiffer) {
        const r = attrChanges(path, undefined, want, { recurse: true });
        commands.splice(0, commands.length, ...r.commands);
      }
      const changed = commands.length > 0;
      return done(changed, commands, { path, state: 'directory', ...attrsOf(info), ...attrs.after }, stateDiff(path, 'directory', 'directory', attrs.before, attrs.after));
    }
    case 'touch': {
      const info = prev === 'absent' ? undefined : a.follow ? st.resolved : st.self;
      const attrs = attrChanges(path, info, want);
      // touch -m / -a sets only that time to now; with both preserved an existing file keeps its times.
      const m = times.modification_time === 'now';
      const at = times.access_time === 'now';
      const only = m && at ? [] : m ? ['-m'] : at ? ['-a'] : [];
      const touch = m || at || prev === 'absent' ? [cmd(sh`touch ${[...only, '--', path]}`, `touch ${[...only, path].join(' ')}`)] : [];
      const commands: Command[] = [...touch, ...attrs.commands];
      const changed = commands.length > 0;
      return done(changed, commands, { dest: path, state: prev === 'absent' ? 'file' : prev, ...attrs.after }, stateDiff(path, prev, 'touch', attrs.before, attrs.after));
    }
    case 'link': {
      let src = a.src;
      if (src === undefined && a.follow && st.state === 'link') src = st.linkTarget;
      const absSrc = src !== undefined ? linkSrcPath(path, src) : undefined;
      const srcExists = srcSt ? srcSt.exists && srcSt.resolved !== undefined : false;
      if (!a.force && a.src !== undefined && !srcExists) {
        return failedPlan(`src file does not exist, use "force=yes" if you really want to create the link: ${absSrc}`, { path, src });
      }
      if (prev === 'directory') {
        if (!a.force) return failedPlan(`refusing to convert from directory to symlink for ${path}`, { path });
        if (st.dirEmpty === false) return failedPlan(`the directory ${path} is not empty, refusing to convert it`, { path });
      } else if ((prev === 'file' || prev === 'hard') && !a.force) {
        return failedPlan(`refusing to convert from ${prev} to symlink for ${path}`, { path });
      }
      let changed = false;
      const commands: Command[] = [];
      const before: Record<string, string> = {};
      const after: Record<string, string> = {};
      if (prev !== 'link') {
        if (src === undefined) return failedPlan('src is required for creating new symlinks');
        changed = true;
        if (prev === 'directory') commands.push(cmd(sh`rmdir -- ${path} && ln -s -- ${src} ${path}`, `ln -s ${src} ${path}`));
        else if (prev === 'absent') commands.push(cmd(sh`ln -s -- ${src} ${path}`, `ln -s ${src} ${path}`));
        else commands.push(cmd(sh`ln -sfn -- ${src} ${path}`, `ln -sfn ${src} ${path}`));
      } else if (src !== undefined && st.linkTarget !== src) {
        before.src = st.linkTarget ?? '';
        after.src = src;
        changed = true;
        commands.push(cmd(sh`ln -sfn -- ${src} ${path}`, `ln -sfn ${src} ${path}`));
      }
      // Attributes go to the link's target when following (skipped for a dangling target), else to the link.
      const targetInfo = changed ? (srcExists ? srcSt?.resolved : undefined) : st.resolved;
      const targetPath = changed ? (srcSt?.realPath ?? absSrc ?? path) : (st.realPath ?? path);
      if (a.follow) {
        if (targetInfo) {
          const attrs = attrChanges(targetPath, targetInfo, want);
          commands.push(...attrs.commands);
          Object.assign(before, attrs.before);
          Object.assign(after, attrs.after);
          if (attrs.commands.length > 0) changed = true;
        }
      } else {
        const attrs = attrChanges(path, changed ? undefined : st.self, { owner: want.owner, group: want.group }, { noFollow: true });
        if (!changed || attrs.commands.length > 0) {
          commands.push(...attrs.commands);
          if (attrs.commands.length > 0) changed = true;
        }
      }
      return done(changed, commands, { dest: path, src, state: 'link' }, stateDiff(path, prev, 'link', before, after));
    }
    case 'hard': {
      const src = a.src;
      if (prev !== 'hard' && src === undefined) return failedPlan('src is required for creating new hardlinks');
      if (src !== undefined && !(srcSt?.exists && srcSt.resolved)) return failedPlan('src does not exist', { dest: path, src });
      let changed = false;
      if (prev === 'absent') changed = true;
      else if (prev === 'link') changed = true;
      else if (prev === 'hard' || prev === 'file') {
        const same = src === undefined || (st.self && srcSt?.resolved && st.self.inode === srcSt.resolved.inode && st.self.device === srcSt.resolved.device);
        if (!same) {
          if (!a.force)
            return failedPlan(prev === 'hard' ? 'Cannot link, different hard link exists at destination' : `Cannot link, ${prev} exists at destination`, { dest: path, src });
          changed = true;
        }
      } else if (prev === 'directory') return failedPlan(`Cannot link, directory exists at destination`, { dest: path, src });
      const commands: Command[] = [];
      if (changed) commands.push(cmd(sh`ln -f -- ${src!} ${path}`, `ln -f ${src} ${path}`));
      const info = changed ? srcSt?.resolved : st.self;
      const attrs = attrChanges(path, info, want);
      commands.push(...attrs.commands);
      if (attrs.commands.length > 0) changed = true;
      return done(changed, commands, { dest: path, src, state: 'hard' }, stateDiff(path, prev, 'hard', attrs.before, attrs.after));
    }
  }
}

export const file = defineModule<FileArgs>({
  name: 'file',
  factsFree: true,
  description: 'Manage files, directories, symlinks and hard links and their mode/owner/group',
  args: withAliases({ dest: 'path', name: 'path' }, schema) as unknown as z.ZodType<FileArgs>,
  probes: (a) => {
    const symbolic = a.mode !== undefined && isSymbolic(a.mode);
    const children = a.recurse ? { mode: symbolic ? undefined : a.mode, owner: a.owner, group: a.group } : undefined;
    const probes = [
      probeFileState(a.path, { key: 'path', emptiness: a.state === 'link' && a.force, ...(children ? { children } : {}), ...(a.recurse && symbolic ? { childModes: true } : {}) }),
    ];
    if (a.src !== undefined) probes.push(probeFileState(a.state === 'hard' ? a.src : linkSrcPath(a.path, a.src), { key: 'src' }));
    return probes;
  },
  plan: (a, ctx) => planFile(a, { st: probed<FileState>(ctx.probed, 'path'), srcSt: ctx.probed.src as FileState | undefined }),
});

function isSymbolic(mode: string): boolean {
  return !/^[0-7]+$/.test(mode);
}
