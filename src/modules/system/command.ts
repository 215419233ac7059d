/** `command`: run a program with arguments on the host, without a shell (Ansible semantics). */
import { z } from 'zod';
import { raw, Shell } from '../../commands/quote.js';
import type { ShellCommand } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { defineModule, type Outcome, type Plan, type PlanContext, type Probe } from '../types.js';
import { bool, lines, str, strList } from './args.js';
import { execLine, shellWord, shlexSplit, SplitError } from './words.js';

const common = {
  _raw_params: str.optional(),
  cmd: str.optional(),
  chdir: str.optional(),
  creates: str.optional(),
  removes: str.optional(),
  stdin: str.optional(),
  stdin_add_newline: bool.optional(),
  strip_empty_ends: bool.optional(),
};

export const commandArgs = z.strictObject({
  ...common,
  argv: strList.optional(),
  expand_argument_vars: bool.optional(),
});
export type CommandArgs = z.infer<typeof commandArgs>;

export const shellArgs = z.strictObject({ ...common, executable: str.optional() });
export type ShellArgs = z.infer<typeof shellArgs>;

/** Both modules after free-form options are merged: what to run and how. */
export interface RunSpec {
  shell: boolean;
  /** `command`: argv words; `shell`: the script text. */
  argv?: string[];
  script?: string;
  executable?: string;
  expand: boolean;
  chdir?: string;
  creates?: string;
  removes?: string;
  stdin?: string;
  stdinAddNewline: boolean;
  strip: boolean;
}

/**
 * The args as one spec; a user error as a string. Free-form `chdir=`/`creates=` words were taken out
 * of the text by the loader (Ansible's parse_kv, before templating): a templated command that turns
 * into `ls chdir=/x` runs `ls` with that word, as in Ansible.
 */
export function runSpec(args: CommandArgs | ShellArgs, shell: boolean): RunSpec | string {
  const text = args._raw_params;
  const explicit = args as Record<string, unknown>;
  const merged: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(explicit)) if (v !== undefined && k !== '_raw_params') merged[k] = v;
  const parsed = (shell ? shellArgs : commandArgs).safeParse({ ...merged, ...(text !== undefined ? { _raw_params: text } : {}) });
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  const a = parsed.data as CommandArgs & ShellArgs;
  const given = [a._raw_params, a.cmd].filter((x) => x !== undefined && x.trim() !== '');
  const hasArgv = a.argv !== undefined && a.argv.length > 0;
  if (given.length + (hasArgv ? 1 : 0) === 0) return 'no command given';
  if (given.length + (hasArgv ? 1 : 0) > 1) return 'only command or argv can be given, not both';
  const spec: RunSpec = {
    shell,
    expand: a.expand_argument_vars ?? true,
    chdir: a.chdir,
    creates: a.creates,
    removes: a.removes,
    stdin: a.stdin,
    stdinAddNewline: a.stdin_add_newline ?? true,
    strip: a.strip_empty_ends ?? true,
    executable: a.executable,
  };
  if (shell) {
    spec.script = given[0]!;
  } else if (hasArgv) {
    spec.argv = a.argv!;
  } else {
    try {
      spec.argv = shlexSplit(given[0]!);
    } catch (e) {
      if (e instanceof SplitError) return `cannot split the command line: ${e.message}`;
      throw e;
    }
  }
  return spec;
}

interface Guard {
  chdirMissing: boolean;
  creates?: boolean;
  removes?: boolean;
}

/** One probe: does chdir exist, does the creates/removes glob match (relative to chdir, like Ansible). */
export function guardProbe(spec: RunSpec): Probe | undefined {
  if (spec.creates === undefined && spec.removes === undefined && spec.chdir === undefined) return undefined;
  let script = '';
  if (spec.chdir !== undefined) script += `cd -- ${shellWord(spec.chdir, true)} 2>/dev/null || { echo chdir=missing; exit 0; }; `;
  // IFS= keeps a pattern with spaces one word while still letting the shell glob it.
  script += 'IFS=; ';
  for (const key of ['creates', 'removes'] as const) {
    const pattern = spec[key];
    if (pattern === undefined) continue;
    script += `p=${shellWord(pattern, true)}; m=0; for f in $p; do if [ -e "$f" ] || [ -L "$f" ]; then m=1; break; fi; done; echo ${key}=$m; `;
  }
  return {
    key: 'guard',
    cmd: raw(script.trim()),
    parse(r: RunResult): Guard {
      const out = r.stdout;
      const g: Guard = { chdirMissing: /^chdir=missing$/m.test(out) };
      const c = /^creates=(\d)$/m.exec(out);
      if (c) g.creates = c[1] === '1';
      const m = /^removes=(\d)$/m.exec(out);
      if (m) g.removes = m[1] === '1';
      return g;
    },
  };
}

/** The command line: execve-like words for `command`, `sh -c SCRIPT` for `shell`. */
export function commandLine(spec: RunSpec): Shell {
  const body = spec.shell ? new Shell(`exec ${shellWord(spec.executable ?? '/bin/sh', true)} -c ${shellWord(spec.script!, false)}`) : execLine(spec.argv!, spec.expand);
  if (spec.chdir === undefined) return body;
  return new Shell(`cd -- ${shellWord(spec.chdir, true)} && ${body.text}`);
}

/** datetime.datetime.now() as Python prints it (the command/pause result's start/end). */
export function pyTime(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}000`;
}

function pyDelta(ms: number): string {
  const s = Math.floor(ms / 1000);
  const us = String((ms % 1000) * 1000).padStart(6, '0');
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.${us}`;
}

/** rc/stdout/stderr → Ansible's command result; a non-zero rc fails with "non-zero return code". */
export function interpretRun(spec: RunSpec, r: RunResult | undefined, now = new Date()): Outcome {
  const cmd = spec.shell ? spec.script : spec.argv;
  if (!r) return { changed: false, failed: 'the command did not run', result: { cmd, rc: null } };
  const strip = (s: string) => (spec.strip ? s.replace(/[\r\n]+$/, '') : s);
  const stdout = strip(r.stdout);
  const stderr = strip(r.stderr);
  const start = new Date(now.getTime() - r.durationMs);
  const result: Record<string, unknown> = {
    cmd,
    rc: r.rc,
    stdout,
    stderr,
    stdout_lines: lines(stdout),
    stderr_lines: lines(stderr),
    start: pyTime(start),
    end: pyTime(now),
    delta: pyDelta(r.durationMs),
    msg: '',
  };
  if (r.timedOut) {
    result.msg = 'the command timed out';
    return { changed: true, failed: 'the command timed out', result, msg: 'the command timed out' };
  }
  if (r.rc !== 0) {
    result.msg = 'non-zero return code';
    return { changed: true, failed: 'non-zero return code', result, msg: 'non-zero return code' };
  }
  return { changed: true, result };
}

/** Python's repr() of a str's UTF-8 bytes (the chdir path in the module's OSError text). */
export function pyBytesRepr(s: string): string {
  const bytes = Buffer.from(s, 'utf8');
  const q = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  let out = `b${q}`;
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (b === q.charCodeAt(0)) out += `\\${q}`;
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b < 0x20 || b >= 0x7f) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(b);
  }
  return out + q;
}

/** Plan shared by `command` and `shell`. */
export function planRun(spec: RunSpec | string, ctx: PlanContext): Plan {
  if (typeof spec === 'string') return { changed: false, commands: [], failed: spec, result: { rc: 256, msg: spec } };
  const cmd = spec.shell ? spec.script : spec.argv;
  const guard = ctx.probed.guard as Guard | undefined;
  const shoulda = ctx.check ? 'Would' : 'Did';
  const notRun = (msg: string, stdout: string): Plan => ({
    changed: false,
    commands: [],
    msg,
    result: { cmd, rc: 0, stdout, stdout_lines: [stdout], stderr: '', stderr_lines: [], start: null, end: null, delta: null, msg },
  });
  // The module changes directory before it looks at check mode, so a missing chdir fails in both.
  if (guard?.chdirMissing) {
    const msg = `Unable to change directory before execution: [Errno 2] No such file or directory: ${pyBytesRepr(spec.chdir ?? '')}`;
    return {
      changed: false,
      commands: [],
      failed: msg,
      result: { cmd, rc: null, stdout: '', stdout_lines: [], stderr: '', stderr_lines: [], start: null, end: null, delta: null, msg },
    };
  }
  if (guard && !guard.chdirMissing) {
    if (spec.creates !== undefined && guard.creates) {
      return notRun(`${shoulda} not run command since '${spec.creates}' exists`, `skipped, since ${spec.creates} exists`);
    }
    if (spec.removes !== undefined && guard.removes === false) {
      return notRun(`${shoulda} not run command since '${spec.removes}' does not exist`, `skipped, since ${spec.removes} does not exist`);
    }
  }
  // Ansible's partial check mode: with creates/removes the task would change; without, it is skipped.
  if (ctx.check) {
    const guarded = spec.creates !== undefined || spec.removes !== undefined;
    const msg = 'Command would have run if not in check mode';
    const result: Record<string, unknown> = { cmd, rc: 0, stdout: '', stdout_lines: [], stderr: '', stderr_lines: [], start: null, end: null, delta: null, msg };
    if (!guarded) result.skipped = true;
    return { changed: guarded, commands: [], msg, result };
  }
  const run: ShellCommand = {
    kind: 'shell',
    cmd: commandLine(spec),
    mayFail: true,
    describe: spec.shell ? spec.script : spec.argv!.join(' '),
  };
  if (spec.stdin !== undefined) run.stdin = spec.stdin + (spec.stdinAddNewline ? '\n' : '');
  return {
    changed: true,
    unpredictable: true,
    commands: [run],
    interpret: (outputs) => interpretRun(spec, outputs[0]),
  };
}

export const commandModule = defineModule<CommandArgs>({
  name: 'command',
  factsFree: true,
  returns: {
    cmd: 'the command as run (argv)',
    rc: 'exit code',
    stdout: 'standard output',
    stdout_lines: 'stdout split into lines',
    stderr: 'standard error',
    stderr_lines: 'stderr split into lines',
    start: 'start time',
    end: 'end time',
    delta: 'run time',
  },
  description: 'Run a program with arguments on the host, without a shell ($VAR and ~ still expand, like Ansible).',
  args: commandArgs,
  freeForm: '_raw_params',
  probes(args) {
    const spec = runSpec(args, false);
    const p = typeof spec === 'string' ? undefined : guardProbe(spec);
    return p ? [p] : [];
  },
  plan(args, ctx) {
    return planRun(runSpec(args, false), ctx);
  },
});
