import { noteArgAliases } from '../arg-aliases.js';
import { z } from 'zod';
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { argv, raw, sh, type Shell } from '../../commands/quote.js';
import type { Command, PutCommand, ShellCommand } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import type { FileDiff, Outcome, Plan } from '../types.js';
import type { FileState, InodeInfo } from './state.js';

// ---------------------------------------------------------------------------------------------
// Arguments

export { bool } from '../ansible-bool.js';
export { modeArg, modeOrPreserveArg, resolveMode } from './mode.js';
import { modeArg, resolveMode } from './mode.js';
import { str as pyStr } from '../../template/jinja/py.js';

/** owner/group: a name or a numeric id. */
export const idArg = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().min(1));

/**
 * Strings that Ansible accepts as str but YAML may have typed (numbers, booleans); a list or a
 * mapping (a rendered "[{{ item }}]" that read as a list) becomes its Python text, as
 * check_type_str converts it.
 */
export const str = z.preprocess(
  (v) =>
    typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : Array.isArray(v) || (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
        ? pyStr(v)
        : v,
  z.string(),
);

/**
 * Ansible's SELinux file arguments. ansible-core sets them only where SELinux is enabled and
 * ignores them elsewhere (set_context_if_different); tsplay takes them with no effect, as on a
 * host without SELinux (docs/ansible-compat.md lists the difference on SELinux hosts).
 */
export const selinuxArgs = {
  seuser: z.string().nullish().describe('SELinux user of the file (no effect: tsplay sets no SELinux contexts)'),
  serole: z.string().nullish().describe('SELinux role of the file (no effect: tsplay sets no SELinux contexts)'),
  setype: z.string().nullish().describe('SELinux type of the file (no effect: tsplay sets no SELinux contexts)'),
  selevel: z.string().nullish().describe('SELinux level of the file (no effect: tsplay sets no SELinux contexts)'),
};

export const attrArgs = {
  mode: modeArg.optional(),
  owner: idArg.optional(),
  group: idArg.optional(),
  ...selinuxArgs,
};

/**
 * Rename Ansible's aliases to the canonical argument names before validation (path/dest/name...).
 * Giving both an alias and its canonical name is an error, like Ansible.
 */
export function withAliases<S extends z.ZodType>(aliases: Record<string, string>, schema: S) {
  const wrapped = z.preprocess((input, ctx) => {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
      const canon = aliases[k.replace(/^ansible\.builtin\./, '')] ?? k;
      if (canon in out) {
        ctx.addIssue({ code: 'custom', message: `"${k}" and "${canon}" are the same argument; give only one`, path: [k] });
        continue;
      }
      out[canon] = v;
    }
    return out;
  }, schema);
  return noteArgAliases(wrapped, aliases);
}

/** Ansible's mutually_exclusive check, as a zod refinement message. */
export function exclusive(args: Record<string, unknown>, groups: string[][], ctx: z.RefinementCtx): void {
  for (const g of groups) {
    // A boolean left at its default (false) does not count as given.
    const given = g.filter((k) => args[k] !== undefined && args[k] !== null && args[k] !== false);
    if (given.length > 1) ctx.addIssue({ code: 'custom', message: `parameters are mutually exclusive: ${g.join('|')}`, path: [given[1]!] });
  }
}

// ---------------------------------------------------------------------------------------------
// Attributes (what a mode argument means: ./mode.ts)

export interface AttrWant {
  mode?: string;
  owner?: string;
  group?: string;
}

function sameId(want: string, name: string, id: number): boolean {
  return want === name || (/^\d+$/.test(want) && Number(want) === id);
}

/** Which of mode/owner/group differ on an existing inode, and the shell commands that fix them. */
export function attrChanges(
  path: string,
  info: InodeInfo | undefined,
  want: AttrWant,
  opts: { recurse?: boolean; noFollow?: boolean } = {},
): { commands: ShellCommand[]; before: Record<string, string>; after: Record<string, string> } {
  const commands: ShellCommand[] = [];
  const before: Record<string, string> = {};
  const after: Record<string, string> = {};
  const R = opts.recurse ? raw(' -R') : raw('');
  const h = opts.noFollow ? raw(' -h') : raw('');
  if (want.owner !== undefined && !(info && sameId(want.owner, info.owner, info.uid))) {
    commands.push({ kind: 'shell', cmd: sh`chown${R}${h} ${want.owner} -- ${path}`, describe: `chown ${want.owner} ${path}` });
    if (info) before.owner = info.owner;
    after.owner = want.owner;
  }
  if (want.group !== undefined && !(info && sameId(want.group, info.group, info.gid))) {
    commands.push({ kind: 'shell', cmd: sh`chgrp${R}${h} ${want.group} -- ${path}`, describe: `chgrp ${want.group} ${path}` });
    if (info) before.group = info.group;
    after.group = want.group;
  }
  if (want.mode !== undefined && !(opts.noFollow && info?.type === 'link')) {
    const target = resolveMode(want.mode, info?.mode, info?.type === 'directory');
    if (!info || target !== info.mode) {
      // The mode Ansible's rules computed; a symbolic mode for a file that does not exist yet is left
      // to chmod, relative to the mode the file is created with.
      const m = info || /^[0-7]+$/.test(want.mode) ? target : want.mode;
      commands.push({ kind: 'shell', cmd: sh`chmod${R} ${m} -- ${path}`, describe: `chmod ${m} ${path}` });
      if (info) before.mode = info.mode;
      after.mode = target;
    }
  }
  return { commands, before, after };
}

/** A short text for an attribute diff ("mode: 0644"). */
export function attrText(a: Record<string, string>): string {
  return Object.entries(a)
    .map(([k, v]) => `${k}: ${v}\n`)
    .join('');
}

// ---------------------------------------------------------------------------------------------
// Writing file contents

export const BACKUP_MARK = 'tsplay-backup-file=';

/**
 * Copy `path` to `path.<pid>.<YYYY-MM-DD@HH:MM:SS>~` keeping mode/owner (Ansible's backup_local) and
 * print the name, which `backupFileFrom` picks out of the outputs.
 */
export function backupCommand(path: string): ShellCommand {
  return {
    kind: 'shell',
    // a copy that fails part way (a full disk) leaves no truncated file named like a backup
    cmd: sh`b=${path}.$$.$(date +%Y-%m-%d@%H:%M:%S~) && { cp -p -- ${path} "$b" || { rm -f -- "$b"; exit 1; }; } && printf '%s%s\\n' ${BACKUP_MARK} "$b"`,
    describe: `back up ${path}`,
  };
}

/** The backup file name printed by a backupCommand, if one ran. */
export function backupFileFrom(outputs: RunResult[]): string | undefined {
  for (const o of outputs) {
    const line = o?.stdout?.split('\n').find((l) => l.startsWith(BACKUP_MARK));
    if (line) return line.slice(BACKUP_MARK.length);
  }
  return undefined;
}

/** Split a validate command like Python's shlex (quotes and backslashes), so `%s` can be one word. */
export function shellWords(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "'") {
      const j = s.indexOf("'", i + 1);
      if (j < 0) throw new Error('unterminated quote in validate');
      cur += s.slice(i + 1, j);
      i = j;
      inWord = true;
    } else if (c === '"') {
      i++;
      for (; i < s.length && s[i] !== '"'; i++) {
        if (s[i] === '\\' && i + 1 < s.length && '"\\$`'.includes(s[i + 1]!)) i++;
        cur += s[i];
      }
      if (i >= s.length) throw new Error('unterminated quote in validate');
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

export interface WriteSpec {
  /** The path the user named (for messages). */
  path: string;
  /** Where to write: the realpath when the path is a symlink (Ansible follows links). */
  target: string;
  content: Buffer;
  /** Existing inode (to keep its attributes when the user did not ask for others). */
  existing?: InodeInfo;
  want: AttrWant;
  backup: boolean;
  validate?: string;
  /** Create missing parent directories first (lineinfile/blockinfile create=yes). */
  mkdirParents?: boolean;
}

/**
 * Commands that replace a file's bytes atomically: optional backup, optional validate on a temp copy,
 * then a put carrying the final mode/owner/group (the existing ones unless the user set others).
 */
export function writeCommands(w: WriteSpec): Command[] {
  const cmds: Command[] = [];
  if (w.mkdirParents) {
    const dir = posix.dirname(w.target);
    if (dir && dir !== '.' && dir !== '/') cmds.push({ kind: 'shell', cmd: sh`mkdir -p -- ${dir}`, describe: `mkdir -p ${dir}` });
  }
  if (w.backup && w.existing) cmds.push(backupCommand(w.target));
  const mode = w.want.mode !== undefined ? resolveMode(w.want.mode, w.existing?.mode ?? '0644', false) : w.existing?.mode;
  const owner = w.want.owner ?? (w.existing ? String(w.existing.uid) : undefined);
  const group = w.want.group ?? (w.existing ? String(w.existing.gid) : undefined);
  if (w.validate !== undefined) {
    const tmp = posix.join(posix.dirname(w.target), `.tsplay-validate-${createHash('sha1').update(w.content).digest('hex').slice(0, 12)}`);
    const words = shellWords(w.validate).map((word) => word.split('%s').join(tmp));
    cmds.push({ kind: 'put', path: tmp, content: w.content, mode: '0600', describe: `stage ${w.path} for validation` });
    cmds.push({
      kind: 'shell',
      cmd: sh`${argv(words)}; rc=$?; rm -f -- ${tmp}; if [ $rc -ne 0 ]; then echo ${'failed to validate: rc:'}$rc >&2; fi; exit $rc`,
      describe: `validate: ${w.validate}`,
    });
  }
  const put: PutCommand = { kind: 'put', path: w.target, content: w.content, describe: `write ${w.path}` };
  if (mode !== undefined) put.mode = mode;
  if (owner !== undefined) put.owner = owner;
  if (group !== undefined) put.group = group;
  cmds.push(put);
  return cmds;
}

/** `validate` must contain %s (Ansible's check). */
export function validateProblem(validate: string | undefined): string | undefined {
  if (validate !== undefined && !validate.includes('%s')) return `validate must contain %s: ${validate}`;
  return undefined;
}

/** Text for a diff: UTF-8, or a marker for binary data. */
export function diffText(b: Buffer | undefined): string {
  if (!b) return '';
  if (b.includes(0)) return '(binary data)\n';
  return b.toString('utf8');
}

/** The content diff of one file, with Ansible's "(content)" headers. */
export function contentDiff(path: string, before: Buffer | undefined, after: Buffer): FileDiff {
  return {
    path,
    before: diffText(before),
    after: diffText(after),
    beforeHeader: `${path} (content)`,
    afterHeader: `${path} (content)`,
  };
}

/** Plan-time failure with Ansible's message (and rc where Ansible sets one). */
export function failedPlan(msg: string, result: Record<string, unknown> = {}): Plan {
  return { changed: false, commands: [], failed: msg, msg, result: { failed: true, msg, ...result } };
}

/** Attach an `interpret` that fills in backup_file from the backup command's output. */
export function withBackupResult(plan: Plan, key: 'backup_file' | 'backup' = 'backup_file'): Plan {
  if (!plan.commands.some((c) => c.kind === 'shell' && c.describe?.startsWith('back up '))) return plan;
  const base = { ...(plan.result ?? {}) };
  plan.interpret = (outputs: RunResult[]): Outcome => {
    const file = backupFileFrom(outputs);
    const result: Record<string, unknown> = { ...base };
    if (file) {
      result.backup_file = file;
      if (key === 'backup') result.backup = file;
    }
    return { changed: plan.changed, result, ...(plan.msg !== undefined ? { msg: plan.msg } : {}) };
  };
  return plan;
}

/** The inode that a write to this path would replace (following links). */
export function existingFile(st: FileState | undefined): InodeInfo | undefined {
  if (!st?.exists) return undefined;
  return st.resolved;
}

/** Where to write: follow symlinks like Ansible's realpath. */
export function writeTarget(st: FileState | undefined, path: string): string {
  return st?.realPath ?? path;
}

/** Raise-free assertion that a probe ran (the engine passes parsed probes by key). */
export function probed<T>(probedMap: Record<string, unknown>, key: string): T {
  const v = probedMap[key];
  if (v === undefined) throw new Error(`internal: probe ${key} was not run`);
  return v as T;
}

export type { Shell };

/**
 * Commands for an in-place edit (lineinfile, blockinfile, env_file, yaml_edit): rewrite the file when
 * its content changed (the put carries mode/owner/group), else only fix attributes that differ.
 * `attrsChanged` says whether the existing file's attributes differ (Ansible's check_file_attrs,
 * reported after the content change).
 */
export function editCommands(e: { path: string; st: FileState; exists: boolean; content: Buffer; contentChanged: boolean; want: AttrWant; backup: boolean; validate?: string }): {
  commands: Command[];
  attrsChanged: boolean;
} {
  const target = e.st.realPath ?? e.path;
  const commands: Command[] = e.contentChanged
    ? writeCommands({
        path: e.path,
        target,
        content: e.content,
        existing: e.exists ? e.st.resolved : undefined,
        want: e.want,
        backup: e.backup,
        validate: e.validate,
        mkdirParents: !e.exists,
      })
    : [];
  let attrsChanged = false;
  if (e.exists) {
    const attrs = attrChanges(target, e.st.resolved, e.want);
    attrsChanged = attrs.commands.length > 0;
    if (attrsChanged && !e.contentChanged) commands.push(...attrs.commands);
  }
  return { commands, attrsChanged };
}

/** AnsibleModule.add_path_info: the stat fields exit_json adds when a result's `path` exists (lstat for mode and size). */
export function pathInfo(st: FileState | undefined): Record<string, unknown> {
  if (!st?.exists || !st.self || !st.resolved) return {};
  const s = st.self;
  const state = s.type === 'link' ? 'link' : st.resolved.type === 'directory' ? 'directory' : st.resolved.nlink > 1 ? 'hard' : 'file';
  return { uid: s.uid, gid: s.gid, owner: s.owner, group: s.group, mode: `0${parseInt(s.mode, 8).toString(8).padStart(3, '0')}`, state, size: s.size };
}

/**
 * The outcome when a plan's validate command failed: Ansible's "failed to validate: rc:N error:STDERR",
 * with nothing changed (the file was not written). Undefined when validation passed or did not run.
 */
export function validateFailed(commands: Command[], outputs: RunResult[]): Outcome | undefined {
  const at = commands.findIndex((c) => c.kind === 'shell' && c.describe?.startsWith('validate: '));
  const v = at >= 0 ? outputs[at] : undefined;
  if (!v || v.rc === 0) return undefined;
  const msg = `failed to validate: rc:${v.rc} error:${v.stderr.replace(/failed to validate: rc:\d+\n?$/, '')}`;
  return { changed: false, failed: msg, result: { msg } };
}

/** Attach validateFailed to a plan that writes with validate (keeping its other interpret, e.g. the backup's). */
export function withValidateOutcome(plan: Plan): Plan {
  if (!plan.commands.some((c) => c.kind === 'shell' && c.describe?.startsWith('validate: '))) return plan;
  const next = plan.interpret;
  plan.interpret = (outputs) =>
    validateFailed(plan.commands, outputs) ?? (next ? next(outputs) : { changed: plan.changed, result: plan.result, ...(plan.msg !== undefined ? { msg: plan.msg } : {}) });
  return plan;
}
