/**
 * Runs fuzz cases through main(argv) in a worker thread (cli-worker.mjs): each case has a time
 * limit and the worker a heap limit; a case past its limit terminates the worker (a busy loop or a
 * regex stuck backtracking blocks only that thread) and the next case gets a fresh one.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { EXIT } from '../../../src/cli/exit-codes.js';
import type { FuzzCase } from './generators.js';

export const CASE_TIMEOUT_MS = 5000;
const OUTPUT_FLAGS = new Set(['--json', '--junit', '--history']);
export const CASE_HEAP_MB = 512;

export interface Outcome {
  /** exit code, or 'hang' (past CASE_TIMEOUT_MS) or 'crash' (the worker died: out of memory…). */
  code: number | 'hang' | 'crash';
  text: string;
}

const WORKER = new URL('./cli-worker.mjs', import.meta.url);

/** One worker at a time, replaced after a hang or a crash. */
export class CaseRunner {
  private worker?: Worker;
  private ready?: Promise<void>;
  private seq = 0;
  private readonly root = mkdtempSync(path.join(os.tmpdir(), 'tsplay-fuzz-'));

  /** `mutant`: the suite's self-test runs a known-bad build (see cli-worker.mjs). */
  constructor(private readonly opts: { mutant?: 'stack' | 'hang' | 'oom' | 'unplaced'; timeoutMs?: number } = {}) {}

  private start(): Promise<void> {
    const w = new Worker(WORKER, { resourceLimits: { maxOldGenerationSizeMb: CASE_HEAP_MB }, stdout: true, stderr: true, workerData: { mutant: this.opts.mutant } });
    w.stdout.resume();
    w.stderr.resume();
    this.worker = w;
    this.ready = new Promise((resolve, reject) => {
      const onMsg = (m: { ready?: boolean }) => {
        if (m.ready) {
          w.off('message', onMsg);
          resolve();
        }
      };
      w.on('message', onMsg);
      w.once('error', reject);
    });
    return this.ready;
  }

  /** Write the case's files into a fresh directory and run its argv; never throws. */
  async run(c: FuzzCase): Promise<Outcome> {
    const dir = path.join(this.root, String(this.seq++));
    mkdirSync(dir);
    const sub = (s: string) => s.replaceAll('$D', dir);
    for (const [name, content] of Object.entries(c.files)) {
      const p = path.join(dir, name);
      mkdirSync(path.dirname(p), { recursive: true });
      if (typeof content === 'string') writeFileSync(p, sub(content));
      else if ('fifo' in content) execFileSync('mkfifo', [p]);
      else symlinkSync(content.symlink, p);
    }
    // Files a case writes (reports, history) go into its own directory, never the current one (the
    // repository): a relative path after an output flag is taken inside the case directory.
    const argv = c.argv.map((a, i) => (OUTPUT_FLAGS.has(c.argv[i - 1] ?? '') && !a.startsWith('/') && !a.startsWith('$D') ? `${dir}/${a}` : sub(a)));
    if (!this.worker) await this.start();
    await this.ready;
    const w = this.worker!;
    const id = this.seq;
    const outcome = await new Promise<Outcome>((resolve) => {
      const limit = this.opts.timeoutMs ?? CASE_TIMEOUT_MS;
      const timer = setTimeout(() => finish({ code: 'hang', text: `no answer within ${limit} ms` }), limit);
      const onMsg = (m: { id?: number; code: number; text: string }) => {
        if (m.id === id) finish({ code: m.code, text: m.text });
      };
      const onError = (e: Error) => finish({ code: 'crash', text: String(e?.stack ?? e) });
      const onExit = (n: number) => finish({ code: 'crash', text: `worker exited with ${n}` });
      function finish(o: Outcome) {
        clearTimeout(timer);
        w.off('message', onMsg);
        w.off('error', onError);
        w.off('exit', onExit);
        resolve(o);
      }
      w.on('message', onMsg);
      w.once('error', onError);
      w.once('exit', onExit);
      w.postMessage({ id, argv });
    });
    if (outcome.code === 'hang' || outcome.code === 'crash') {
      this.worker = undefined;
      await w.terminate().catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
    // the case's directory as the case wrote it, so a message naming an argument's path matches it
    return { ...outcome, text: outcome.text.replaceAll(dir, '$D') };
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    rmSync(this.root, { recursive: true, force: true });
  }
}

const CODES = new Set<number>(Object.values(EXIT));
const STACK = /^\s+at .+[:(]\d+:\d+\)?$|internal error|\b(?:TypeError|RangeError|ReferenceError)\b|main\(\) threw/m;

/** What is wrong with an outcome, or undefined when it is what a user should see. */
export function problemWith(c: FuzzCase, o: Outcome): string | undefined {
  if (o.code === 'hang') return `hang: ${o.text}`;
  if (o.code === 'crash') return `crash: ${o.text.slice(0, 500)}`;
  if (!CODES.has(o.code)) return `exit code ${o.code} is not one of tsplay's (${[...CODES].join(', ')})`;
  const m = STACK.exec(o.text);
  if (m) return `stack trace or internal error in the output: ${JSON.stringify(m[0])}`;
  if (o.code === EXIT.VALIDATION || o.code === EXIT.USAGE) {
    if (!namesItsPlace(c, o.text)) return `exit ${o.code} with a message that names no file:line:col and no argument`;
  }
  return undefined;
}

/** A user error names where: a case file with a line (and col), a file path, or a flag/argument of argv. */
function namesItsPlace(c: FuzzCase, text: string): boolean {
  const all = text
    .split('\n')
    .filter((l) => !l.startsWith('[WARNING]'))
    .join('\n');
  // A message about a YAML file's content names its line and column; one about the file itself (missing, a directory…) cannot.
  const unplaced = /(?:^|\s)(\S+\.ya?ml): (?!this is|this file is|this variables file is|not found|cannot read|no such|No such|ENOENT|EACCES|EISDIR|prepend)/m.exec(all);
  if (unplaced) return false;
  if (/[^\s:]+\.(?:ya?ml|ini|json|txt|sqlite|j2)?:\d+(?::\d+)?:/.test(all)) return true;
  for (const name of Object.keys(c.files)) if (all.includes(name)) return true;
  for (const a of c.argv) {
    // a flag by its own spelling ("-e", "--forks"), or by its long name ("forks", "vault password file")
    if (a.startsWith('-') && a.length > 1) {
      const long = a.replace(/^-+/, '');
      if (all.includes(a) || (long.length > 2 && (all.includes(long) || all.includes(long.replaceAll('-', ' '))))) return true;
    }
    if (a.includes('$D') && all.includes(a)) return true;
    // a relative file argument named by its absolute path (resolved against the current directory)
    if (a !== '' && !a.startsWith('-') && !a.includes('$D') && all.includes(path.resolve(a))) return true;
    const snippet = a.replaceAll('$D', '').slice(0, 12);
    if (snippet.trim().length >= 2 && all.includes(snippet)) return true;
    if (all.includes(`'${a}'`) || all.includes(`"${a}"`)) return true;
  }
  // commander's own messages name the option or command: "unknown option '--x'", "missing required argument 'playbook'".
  if (/unknown (?:option|command)|missing required argument|argument missing|too many arguments|option '.+'/.test(all)) return true;
  return false;
}
