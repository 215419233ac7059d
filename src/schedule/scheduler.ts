import { Cron } from 'croner';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunReport } from '../engine/report.js';
import type { ScheduleEntry, ScheduleFile } from './config.js';
import { userExitCode } from '../history/drift.js';

/** A cross-process lock file per entry: no two runs of the same entry overlap, even from two schedulers. */
export class EntryLock {
  private held = false;
  constructor(readonly file: string) {}

  /**
   * Takes the lock, or says another live process holds it. The lock file appears with its whole
   * content at once (written beside it, then hard-linked into place, which fails if it exists), so
   * a second scheduler never reads a half-written lock and mistakes a live one for stale.
   */
  tryAcquire(): boolean {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${process.pid} ${processStartTime(process.pid) ?? ''}`.trim());
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          linkSync(tmp, this.file);
          this.held = true;
          return true;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          if (!this.isStale()) return false;
          rmSync(this.file, { force: true });
        }
      }
      return false;
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  private isStale(): boolean {
    try {
      const [pidText, started] = readFileSync(this.file, 'utf8').trim().split(/\s+/);
      const pid = Number(pidText);
      if (!Number.isInteger(pid) || pid <= 0) return true;
      process.kill(pid, 0);
      // A live pid may have been reused by another process: compare its start time when we can.
      const now = processStartTime(pid);
      return started !== undefined && now !== undefined && now !== started;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOENT: the holder released it between our link and our read; try again.
      return code !== 'EPERM';
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    rmSync(this.file, { force: true });
  }
}

/** A process's start time (clock ticks since boot, /proc/PID/stat field 22), where /proc exists. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export interface SchedulerDeps {
  /** Runs one entry to completion (honouring the abort signal) and returns its report. */
  runEntry(entry: ScheduleEntry, signal: AbortSignal): Promise<RunReport>;
  log(line: string): void;
  lockDir: string;
  /** Random source for jitter (tests pass a fixed one). */
  random?: () => number;
}

interface EntryState {
  entry: ScheduleEntry;
  cron: Cron;
  lock: EntryLock;
  running?: Promise<void>;
  abort?: AbortController;
  runs: number;
}

/**
 * Long-running scheduler: fires each entry on its cron, never overlapping runs of one entry,
 * and on stop() finishes nothing new, cancels the run in flight and waits for its record.
 */
export class Scheduler {
  private readonly states: EntryState[] = [];
  private stopping = false;
  private readonly waits = new Set<() => void>();

  constructor(
    private readonly file: ScheduleFile,
    private readonly deps: SchedulerDeps,
  ) {}

  start(): void {
    for (const entry of this.file.entries) {
      const st: EntryState = {
        entry,
        lock: new EntryLock(path.join(this.deps.lockDir, `${entry.name}.lock`)),
        runs: 0,
        cron: new Cron(entry.cron, { protect: false }, () => this.fire(st)),
      };
      this.states.push(st);
      const next = st.cron.nextRun();
      this.deps.log(
        `schedule ${entry.name}: ${entry.mode} ${entry.playbook} on "${entry.cron}"${entry.jitter ? ` (+0–${entry.jitter}s jitter)` : ''}; next run ${next?.toISOString() ?? 'never'}`,
      );
    }
  }

  /** Number of finished runs per entry name. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.states.map((s) => [s.entry.name, s.runs]));
  }

  private fire(st: EntryState): void {
    if (this.stopping) return;
    if (st.running) {
      this.deps.log(`schedule ${st.entry.name}: skipped at ${new Date().toISOString()}: the previous run is still in progress`);
      return;
    }
    const delay = st.entry.jitter ? Math.floor((this.deps.random ?? Math.random)() * st.entry.jitter * 1000) : 0;
    st.running = this.runOnce(st, delay).finally(() => (st.running = undefined));
  }

  private async runOnce(st: EntryState, delayMs: number): Promise<void> {
    const { entry } = st;
    // The jitter wait counts as running, so a fast cron cannot stack runs up; stop() cuts it short.
    if (delayMs > 0)
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.waits.delete(done);
          resolve();
        }, delayMs);
        const done = () => {
          clearTimeout(t);
          resolve();
        };
        this.waits.add(done);
      });
    if (this.stopping) return;
    if (!st.lock.tryAcquire()) {
      this.deps.log(`schedule ${entry.name}: skipped: another process holds ${st.lock.file}`);
      return;
    }
    st.abort = new AbortController();
    const t0 = Date.now();
    this.deps.log(`schedule ${entry.name}: run started mode=${entry.mode}`);
    try {
      const report = await this.deps.runEntry(entry, st.abort.signal);
      st.runs++;
      const changed = Object.values(report.recap).reduce((a, r) => a + r.changed, 0);
      const failed = Object.values(report.recap).filter((r) => r.failed || r.unreachable).length;
      this.deps.log(
        `schedule ${entry.name}: run finished mode=${entry.mode} exit=${userExitCode(report)} hosts=${Object.keys(report.recap).length} ` +
          `${entry.mode === 'check' ? 'drift' : 'corrected'}=${changed} failed_hosts=${failed} duration=${((Date.now() - t0) / 1000).toFixed(1)}s${report.aborted ? ` aborted=${report.aborted}` : ''}`,
      );
    } catch (e) {
      st.runs++;
      this.deps.log(`schedule ${entry.name}: run failed: ${(e as Error).message.split('\n')[0]}`);
    } finally {
      st.abort = undefined;
      st.lock.release();
    }
  }

  /** Graceful stop: no new runs; cancel runs in flight (they record themselves) and wait for them. */
  async stop(opts: { cancel?: boolean } = { cancel: true }): Promise<void> {
    this.stopping = true;
    for (const w of this.waits) w();
    for (const st of this.states) st.cron.stop();
    const inFlight = this.states.filter((s) => s.running);
    for (const st of inFlight) if (opts.cancel) st.abort?.abort();
    await Promise.all(inFlight.map((s) => s.running));
    this.deps.log(`scheduler stopped${inFlight.length ? ` (${inFlight.length} run(s) ${opts.cancel ? 'cancelled' : 'finished'} and recorded)` : ''}`);
  }
}
