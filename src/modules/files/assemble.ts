import { z } from 'zod';
import { createHash } from 'node:crypto';
import { raw, sh } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { defineModule, type Plan, type PlanContext, type Probe } from '../types.js';
import { fileStateCommand, parseFileState, probeFileState, type FileState } from './state.js';
import { attrArgs, attrChanges, backupFileFrom, bool, failedPlan, pathInfo, probed, str, validateFailed, validateProblem, writeCommands } from './common.js';
import { compilePyRegex, PyRegexError } from './pyregex.js';
import { pyDecode } from './pycodec.js';
import { planPutFile, putFileProbes } from './copy.js';

const schema = z
  .object({
    src: z.string().min(1),
    dest: z.string().min(1),
    backup: bool.default(false),
    delimiter: str.optional(),
    remote_src: bool.default(true),
    regexp: str.optional(),
    ignore_hidden: bool.default(false),
    validate: z.string().optional(),
    decrypt: bool.default(true),
    // Only used when an atomic rename fails; tsplay's writes are renamed into place, so it has no effect.
    unsafe_writes: bool.optional(),
    ...attrArgs,
  })
  .strict()
  .superRefine((a, ctx) => {
    const v = validateProblem(a.validate);
    if (v) ctx.addIssue({ code: 'custom', message: v, path: ['validate'] });
  });

export type AssembleArgs = z.infer<typeof schema>;

/** One directory entry as os.listdir + os.path.isfile see it, with a regular file's bytes. */
export interface Fragment {
  /** The name as bytes (latin1 string), decoded for sorting and regexp like Python's surrogateescape. */
  name: string;
  isFile: boolean;
  content?: Buffer;
}

export type SourceDir = { ok: true; entries: Fragment[] } | { ok: false; error: 'missing' | 'notdir' };

/** One read-only round trip: every entry of the directory (hidden ones too) and each regular file's bytes. */
export function sourceDirProbe(src: string): Probe {
  const each = raw(
    `for f in * .[!.]* ..?*; do if [ -e "$f" ] || [ -L "$f" ]; then printf 'E %s ' "$(printf %s "$f" | base64 -w0)"; ` +
      `if [ -f "$f" ]; then printf '1 '; base64 -w0 < "$f"; echo; else echo 0; fi; fi; done; echo END`,
  );
  return {
    key: 'src',
    cmd: sh`if [ ! -e ${src} ]; then echo MISSING; elif [ ! -d ${src} ]; then echo NOTDIR; else cd -- ${src} && ${each}; fi`,
    parse: (r: RunResult): SourceDir => parseSourceDir(r.stdout),
  };
}

/** Parse sourceDirProbe's output. */
export function parseSourceDir(stdout: string): SourceDir {
  const lines = stdout.split('\n');
  if (lines[0] === 'MISSING') return { ok: false, error: 'missing' };
  if (lines[0] === 'NOTDIR') return { ok: false, error: 'notdir' };
  const entries: Fragment[] = [];
  for (const l of lines) {
    const m = /^E (\S*) ([01])(?: (\S*))?$/.exec(l);
    if (!m) continue;
    const e: Fragment = { name: Buffer.from(m[1]!, 'base64').toString('latin1'), isFile: m[2] === '1' };
    if (e.isFile) e.content = Buffer.from(m[3] ?? '', 'base64');
    entries.push(e);
  }
  return { ok: true, entries };
}

/** Python's codecs.escape_decode of a str (its UTF-8 bytes, backslash escapes undone). */
export function escapeDecode(s: Buffer): Buffer {
  const out: number[] = [];
  const ESC: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34 };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== 0x5c || i + 1 >= s.length) {
      out.push(c);
      continue;
    }
    const e = String.fromCharCode(s[i + 1]!);
    if (e === '\n') i++;
    else if (ESC[e] !== undefined) {
      out.push(ESC[e]!);
      i++;
    } else if (/[0-7]/.test(e)) {
      let j = i + 1;
      let o = '';
      while (j < s.length && o.length < 3 && /[0-7]/.test(String.fromCharCode(s[j]!))) o += String.fromCharCode(s[j++]!);
      out.push(parseInt(o, 8) & 0xff);
      i = j - 1;
    } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(s.subarray(i + 2, i + 4).toString('latin1'))) {
      out.push(parseInt(s.subarray(i + 2, i + 4).toString('latin1'), 16));
      i += 3;
    } else if (e === 'x') throw new Error(`invalid \\x escape at position ${i}`);
    else out.push(c);
  }
  return Buffer.from(out);
}

const byCodePoint = (a: string, b: string): number => {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
};

/**
 * Ansible's assemble_from_fragments: sorted names, regexp searched in each name, regular files only,
 * a newline after a fragment without one, the delimiter between fragments (escape-decoded again at
 * every use, as Ansible reassigns it). `remote`: the module's rule (a newline after a delimiter not
 * ending in one); the controller-side action plugin always adds one.
 */
export function assembleFragments(entries: Fragment[], o: { delimiter?: string; regexp?: string; ignoreHidden: boolean; remote: boolean }): Buffer {
  const rx = o.regexp !== undefined ? compilePyRegex(o.regexp, { unicode: true }) : undefined;
  const named = entries.map((e) => ({ ...e, text: pyDecode(Buffer.from(e.name, 'latin1'), 'utf-8') }));
  named.sort((a, b) => byCodePoint(a.text, b.text));
  const parts: Buffer[] = [];
  let delimiter: Buffer | undefined = o.delimiter ? Buffer.from(o.delimiter, 'utf8') : undefined;
  let delimitMe = false;
  let addNewline = false;
  for (const e of named) {
    if (rx && !rx.re.exec(e.text)) continue;
    if (!e.isFile || (o.ignoreHidden && e.text.startsWith('.'))) continue;
    const content = e.content ?? Buffer.alloc(0);
    if (addNewline) parts.push(Buffer.from('\n'));
    if (delimitMe && delimiter !== undefined && delimiter.length > 0) {
      delimiter = escapeDecode(delimiter);
      parts.push(delimiter);
      if (!o.remote || delimiter[delimiter.length - 1] !== 10) parts.push(Buffer.from('\n'));
    }
    parts.push(content);
    delimitMe = true;
    addNewline = !content.subarray(-1).equals(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/**
 * remote_src: false: ansible-core's action assembles the controller's directory and hands the file to
 * the copy module (its checksum test compares the temp file's name, so copy always decides).
 */
export function planAssembleFromController(a: AssembleArgs, ctx: Pick<PlanContext, 'check' | 'diff' | 'readControllerDir' | 'probed'>): Plan {
  if (!ctx.readControllerDir) return failedPlan('assemble: this run cannot read controller directories (remote_src: false)');
  let dir: ReturnType<NonNullable<PlanContext['readControllerDir']>>;
  try {
    dir = ctx.readControllerDir(a.src, { decrypt: a.decrypt });
  } catch (e) {
    return failedPlan(e instanceof Error ? e.message : String(e));
  }
  if (!dir.isDir) return failedPlan(`Source (${dir.path}) is not a directory`);
  let content: Buffer;
  try {
    content = assembleFragments(dir.entries, { delimiter: a.delimiter, regexp: a.regexp, ignoreHidden: a.ignore_hidden, remote: false });
  } catch (e) {
    if (e instanceof Error) return failedPlan(e.message);
    throw e;
  }
  const md5sum = createHash('md5').update(content).digest('hex');
  return planPutFile(
    { dest: a.dest, content, force: true, backup: a.backup, validate: a.validate, want: { mode: a.mode, owner: a.owner, group: a.group }, result: { md5sum } },
    { dest: probed<FileState>(ctx.probed, 'dest'), parent: ctx.probed.parent as FileState | undefined },
    undefined,
    ctx,
  );
}

/** ansible-core's assemble action does not support check mode: the task is skipped. */
function checkModeSkipped(): Plan {
  const msg = 'check mode is not supported for this task.';
  return { changed: false, commands: [], msg, result: { changed: false, skipped: true, msg } };
}

/** Plan assemble (remote_src) from the probed fragments and dest. */
export function planAssemble(a: AssembleArgs, srcDir: SourceDir, dest: FileState, ctx: Pick<PlanContext, 'check'> = { check: false }): Plan {
  if (ctx.check) return checkModeSkipped();
  if (!srcDir.ok) return failedPlan(srcDir.error === 'missing' ? `Source (${a.src}) does not exist` : `Source (${a.src}) is not a directory`);
  if (dest.resolved?.type === 'directory') return failedPlan(`[Errno 21] Is a directory: '${a.dest}'`);
  let content: Buffer;
  try {
    content = assembleFragments(srcDir.entries, { delimiter: a.delimiter, regexp: a.regexp, ignoreHidden: a.ignore_hidden, remote: true });
  } catch (e) {
    if (e instanceof PyRegexError) return failedPlan(`Invalid Regexp (${e.message}) in "${a.regexp}"`);
    if (e instanceof Error && e.message.startsWith('invalid \\x escape')) return failedPlan(`delimiter: ${e.message}`);
    throw e;
  }
  const checksum = createHash('sha1').update(content).digest('hex');
  const md5sum = createHash('md5').update(content).digest('hex');
  const exists = dest.exists && dest.resolved !== undefined;
  const destSum = exists
    ? createHash('sha1')
        .update(dest.content ?? Buffer.alloc(0))
        .digest('hex')
    : undefined;
  const want = { mode: a.mode, owner: a.owner, group: a.group };
  const contentChanged = checksum !== destSum;
  const base: Record<string, unknown> = { src: a.src, dest: a.dest, checksum, md5sum, msg: 'OK' };
  // Ansible renames its temp file over dest: a symlink is replaced, its target's attributes kept.
  const commands = contentChanged
    ? writeCommands({ path: a.dest, target: a.dest, content, existing: exists ? dest.resolved : undefined, want, backup: a.backup, validate: a.validate })
    : attrChanges(a.dest, dest.resolved, want).commands;
  const changed = contentChanged || commands.length > 0;
  const plan: Plan = { changed, commands, msg: 'OK', result: { ...base, changed, ...pathInfo(dest) } };
  if (commands.length === 0) return plan;
  commands.push({ kind: 'shell', cmd: fileStateCommand(a.dest), describe: `stat ${a.dest}`, mayFail: true });
  const validateAt = commands.findIndex((c) => c.kind === 'shell' && c.describe?.startsWith('validate: '));
  plan.interpret = (outputs) => {
    const failed = validateFailed(commands, outputs);
    if (failed) return failed;
    const v = validateAt >= 0 ? outputs[validateAt] : undefined;
    // A command before the stat failed: the engine reports which one, with its rc and stderr.
    if (outputs.length < commands.length - 1) return { changed: false, result: {} };
    const result: Record<string, unknown> = { ...base, changed };
    const backup = backupFileFrom(outputs);
    if (backup) result.backup_file = backup;
    if (v) result.validation = { rc: v.rc, stdout: v.stdout, stderr: v.stderr };
    const last = outputs[commands.length - 1];
    if (last && outputs.length === commands.length) Object.assign(result, pathInfo(parseFileState(a.dest, last)));
    return { changed, msg: 'OK', result };
  };
  return plan;
}

export const assemble = defineModule<AssembleArgs>({
  name: 'assemble',
  factsFree: true,
  description: "Concatenate a directory's files (sorted, optional regexp and delimiter) into one file, ansible.builtin.assemble",
  args: schema as unknown as z.ZodType<AssembleArgs>,
  probes: (a) => (a.remote_src ? [sourceDirProbe(a.src), probeFileState(a.dest, { content: true, key: 'dest' })] : putFileProbes(a.dest, undefined)),
  plan: (a, ctx) => {
    if (ctx.check) return checkModeSkipped();
    if (a.remote_src) return planAssemble(a, probed<SourceDir>(ctx.probed, 'src'), probed<FileState>(ctx.probed, 'dest'), ctx);
    return planAssembleFromController(a, ctx);
  },
  returns: {
    checksum: 'sha1 of the assembled bytes',
    md5sum: 'md5 of them',
    src: 'the fragment directory',
    dest: 'the file',
    validation: 'rc/stdout/stderr of validate, when it ran',
  },
});
