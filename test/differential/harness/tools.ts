// Running ansible-playbook and tsplay on one side and reading their results into one shape.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Recap, RunReport } from '../../../src/engine/report.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TSPLAY_BIN = path.join(REPO, 'bin', 'tsplay.mjs');
const CALLBACKS = path.join(REPO, 'test', 'differential', 'ansible', 'callback_plugins');

export type Tool = 'ansible' | 'tsplay';
export type Status = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

/** One host's result of one task. */
export interface TaskRow {
  play: string;
  task: string;
  host: string;
  status: Status;
  /** A failure under ignore_errors. */
  ignored?: boolean;
  register?: string;
  result?: Record<string, unknown>;
}

export type { Recap };

/** Where a tool's error message points (file, 1-based line). */
export interface ErrorLocation {
  file: string;
  line: number;
  message: string;
}

export interface ToolRun {
  tool: Tool;
  exitCode: number;
  /** Null when the tool wrote no results (the playbook was rejected, or the tool crashed). */
  rows: TaskRow[] | null;
  recap: Record<string, Recap> | null;
  /** stdout + stderr, for messages. */
  output: string;
  errors: ErrorLocation[];
  /** Killed at the run's timeout (`rows` then holds what finished before, when the tool says). */
  timedOut?: boolean;
  /** The final value of each registered variable, per host. */
  registered: Record<string, Record<string, Record<string, unknown>>>;
  durationMs: number;
}

export interface RunSpec {
  playbook: string;
  inventory: string;
  extraVars: Record<string, string>;
  /** Scratch dir for this run's output files. */
  scratch: string;
  cwd?: string;
  timeoutMs?: number;
  /** `--vault-password-file` for both tools (a playbook case's `vault-pass.txt`). */
  vaultPasswordFile?: string;
  /** Flags given to both tools as written (a playbook case's `cli_args:`). */
  cliArgs?: string[];
}

const vaultArgs = (s: RunSpec): string[] => [...(s.vaultPasswordFile ? ['--vault-password-file', s.vaultPasswordFile] : []), ...(s.cliArgs ?? [])];

/** Process groups of the tool runs under way: killed by killRunning() when the harness is interrupted. */
const running = new Set<number>();

export function killRunning(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  running.clear();
}

function spawnCollect(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number): Promise<{ code: number; output: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (child.pid) running.add(child.pid);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => chunks.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (child.pid) running.delete(child.pid);
      const output = Buffer.concat(chunks).toString('utf8') + (timedOut ? `\n(killed after ${Math.round(timeoutMs / 1000)} s)` : '');
      resolve({ code: code ?? -1, output, timedOut });
    });
  });
}

/** Environment every ansible-playbook run gets: no prompts, no colour, our callback, pipelining. */
export function ansibleEnv(scratch: string, outFile: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ANSIBLE_CONFIG: path.join(scratch, 'no-ansible.cfg'),
    ANSIBLE_STDOUT_CALLBACK: 'tsplay_diff',
    ANSIBLE_CALLBACK_PLUGINS: CALLBACKS,
    TSPLAY_DIFF_OUT: outFile,
    ANSIBLE_HOST_KEY_CHECKING: 'False',
    ANSIBLE_PIPELINING: 'True',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_DEPRECATION_WARNINGS: 'False',
    ANSIBLE_LOCALHOST_WARNING: 'False',
    ANSIBLE_LOCAL_TEMP: path.join(scratch, 'ansible-local'),
    ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(path.dirname(scratch), 'cp'),
    ANSIBLE_SSH_ARGS: '-o ControlMaster=auto -o ControlPersist=120s -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR',
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
  };
}

/** Run ansible-playbook (ansible-core) with the harness's callback. */
export async function runAnsible(s: RunSpec): Promise<ToolRun> {
  const outFile = path.join(s.scratch, `ansible-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const t0 = Date.now();
  const r = await spawnCollect(
    'ansible-playbook',
    ['-i', s.inventory, s.playbook, '-e', JSON.stringify(s.extraVars), ...vaultArgs(s)],
    ansibleEnv(s.scratch, outFile),
    s.cwd ?? path.dirname(s.playbook),
    s.timeoutMs ?? 600_000,
  );
  let rows: TaskRow[] | null = null;
  let recap: Record<string, Recap> | null = null;
  let registered: ToolRun['registered'] = {};
  if (existsSync(outFile)) {
    type Line =
      | { result: TaskRow & { register: string | null } }
      | {
          end: {
            recap: Record<string, { ok: number; changed: number; failures: number; skipped: number; unreachable: number; rescued: number; ignored: number }>;
            registered: ToolRun['registered'];
          };
        };
    const lines = readFileSync(outFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => {
        try {
          return [parsePythonJson(l) as Line];
        } catch {
          return [];
        }
      });
    rmSync(outFile, { force: true });
    rows = [];
    for (const l of lines) {
      if ('result' in l) rows.push({ ...l.result, register: l.result.register ?? undefined, ignored: l.result.ignored || undefined });
      else {
        registered = l.end.registered ?? {};
        recap = {};
        for (const [h, x] of Object.entries(l.end.recap))
          recap[h] = { ok: x.ok, changed: x.changed, failed: x.failures, skipped: x.skipped, unreachable: x.unreachable, rescued: x.rescued, ignored: x.ignored };
      }
    }
    // Killed before the end, or refused before the first task: what ran is kept, if anything.
    if (!recap && !rows.length) rows = null;
  }
  return { tool: 'ansible', exitCode: r.code, rows, recap, output: r.output, errors: ansibleErrors(r.output), registered, timedOut: r.timedOut, durationMs: Date.now() - t0 };
}

/**
 * JSON from Python's json.dumps, which writes float('inf') and float('nan') as bare Infinity / NaN:
 * those become the strings "Infinity" / "NaN" (outside strings only).
 */
export function parsePythonJson(text: string): unknown {
  return JSON.parse(text.replace(/"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)/g, (m, bare: string | undefined) => (bare ? `"${bare}"` : m)));
}

/** `The error appears to be in '/x/pb.yml': line 12, column 5` */
export function ansibleErrors(output: string): ErrorLocation[] {
  const out: ErrorLocation[] = [];
  const first = /ERROR! (.*)/.exec(output)?.[1] ?? 'ansible-playbook rejected the playbook';
  for (const m of output.matchAll(/The error appears to be in '([^']+)': line (\d+), column \d+/g)) out.push({ file: m[1]!, line: Number(m[2]), message: first });
  if (!out.length) {
    // Template and vars errors name the file without a line.
    for (const m of output.matchAll(/ERROR! .*?(\/[^\s'":]+\.(?:ya?ml|j2))/g)) out.push({ file: m[1]!, line: 0, message: first });
  }
  return out;
}

const WORKER = path.join(REPO, 'test', 'differential', 'harness', 'tsplay-worker.mjs');

interface Worker {
  child: ChildProcess;
  ready: Promise<void>;
  /** stderr written while the current request runs (warnings printed outside the Io). */
  stderr: string;
}

/**
 * Long-lived tsplay processes (tsplay-worker.mjs), one request at a time each: the CLI's `main`
 * with its output captured, without paying tsx's start-up per run. A worker that overruns the
 * timeout is killed (its run reported as such) and replaced on the next request.
 */
export class TsplayWorkers {
  private idle: Worker[] = [];
  private all = new Set<Worker>();
  private seq = 0;
  private started = 0;

  private start(): Worker {
    // Cases run concurrently against one twin container on purpose (each in its own diff_root): each
    // worker takes the host run lock on a file of its own, so they do not wait for each other.
    const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', TSPLAY_LOCK_PATH: process.env['TSPLAY_LOCK_PATH'] ?? `/tmp/tsplay-diff-${process.pid}-${++this.started}.lock` };
    const child = fork(WORKER, [], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const w: Worker = { child, stderr: '', ready: Promise.resolve() };
    w.ready = new Promise((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`tsplay worker exited at start (code ${code}): ${w.stderr.slice(-2000)}`)));
    });
    child.stdout!.on('data', (b: Buffer) => (w.stderr += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (w.stderr += b.toString()));
    child.on('exit', () => {
      this.all.delete(w);
      this.idle = this.idle.filter((x) => x !== w);
    });
    this.all.add(w);
    return w;
  }

  async run(argv: string[], timeoutMs: number): Promise<{ code: number; output: string; timedOut: boolean }> {
    const w = this.idle.pop() ?? this.start();
    await w.ready;
    w.stderr = '';
    const id = ++this.seq;
    const r = await new Promise<{ code: number; output: string; dead?: boolean; timedOut?: boolean }>((resolve) => {
      const timer = setTimeout(() => {
        w.child.kill('SIGKILL');
        resolve({ code: -1, output: `(tsplay killed after ${Math.round(timeoutMs / 1000)} s)`, dead: true, timedOut: true });
      }, timeoutMs);
      const onMsg = (m: { id?: number; code: number; output: string }): void => {
        if (m.id !== id) return;
        clearTimeout(timer);
        w.child.off('message', onMsg);
        w.child.off('exit', onExit);
        resolve(m);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, output: `(tsplay died: ${signal ? `killed by ${signal}` : `exit ${code}`})`, dead: true });
      };
      w.child.on('message', onMsg);
      w.child.once('exit', onExit);
      w.child.send({ id, argv });
    });
    const output = r.output + (w.stderr ? `\n${w.stderr}` : '');
    if (!r.dead) this.idle.push(w);
    return { code: r.code, output, timedOut: !!r.timedOut };
  }

  close(): void {
    for (const w of this.all) w.child.kill('SIGKILL');
    this.all.clear();
    this.idle = [];
  }
}

/**
 * Run tsplay's CLI (`tsplay run … --json`), the contract the e2e tests use: in a long-lived worker
 * (`workers`), or as `node bin/tsplay.mjs` per run when none is given.
 */
export async function runTsplay(s: RunSpec, workers?: TsplayWorkers): Promise<ToolRun> {
  const outFile = path.join(s.scratch, `tsplay-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const t0 = Date.now();
  const argv = ['run', s.playbook, '-i', s.inventory, '-e', JSON.stringify(s.extraVars), '--json', outFile, '--no-history', ...vaultArgs(s)];
  const r = workers
    ? await workers.run(argv, s.timeoutMs ?? 600_000)
    : await spawnCollect(
        process.execPath,
        [TSPLAY_BIN, ...argv],
        { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', TSPLAY_LOCK_PATH: process.env['TSPLAY_LOCK_PATH'] ?? `/tmp/tsplay-diff-${path.basename(outFile, '.json')}.lock` },
        s.cwd ?? REPO,
        s.timeoutMs ?? 600_000,
      );
  let rows: TaskRow[] | null = null;
  let recap: Record<string, Recap> | null = null;
  if (existsSync(outFile)) {
    const rep = JSON.parse(readFileSync(outFile, 'utf8')) as RunReport;
    rmSync(outFile, { force: true });
    rows = [];
    for (const p of rep.plays)
      for (const t of p.tasks)
        for (const h of t.results) {
          const ignored = h.status === 'ignored';
          // Ansible reports an ignored or rescued failure as a failed task (the recap counts them apart).
          const status: Status = ignored || h.status === 'rescued' ? 'failed' : (h.status as Status);
          rows.push({ play: p.name, task: t.name, host: h.host, status, ignored: ignored || undefined, register: t.register, result: h.result });
        }
    recap = rep.recap as Record<string, Recap>;
  }
  // The last task that registers a name sets it (a skipped task too, as in Ansible).
  const registered: ToolRun['registered'] = {};
  for (const row of rows ?? []) if (row.register && row.result) (registered[row.host] ??= {})[row.register] = row.result;
  return { tool: 'tsplay', exitCode: r.code, rows, recap, output: r.output, errors: tsplayErrors(r.output), registered, timedOut: r.timedOut, durationMs: Date.now() - t0 };
}

/** tsplay's validation errors: `/x/pb.yml:11:21: message` (+ an indented hint line). */
export function tsplayErrors(output: string): ErrorLocation[] {
  const out: ErrorLocation[] = [];
  const lines = output.split('\n');
  lines.forEach((l, i) => {
    const m = /(\/[^\s:]+):(\d+):(\d+):? (.*)$/.exec(l);
    if (!m) return;
    const hint = /^\s+hint: (.*)/.exec(lines[i + 1] ?? '')?.[1];
    out.push({ file: m[1]!, line: Number(m[2]), message: m[4]! + (hint ? ` (hint: ${hint})` : '') });
  });
  return out;
}
