import { mkdtempSync, writeFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EntryLock, Scheduler } from '../../../src/schedule/scheduler.js';
import { loadSchedules } from '../../../src/schedule/config.js';
import type { RunReport } from '../../../src/engine/report.js';

const fakeReport = (aborted?: string): RunReport => ({
  tool: 'tsplay',
  version: '0',
  playbook: 'p',
  inventory: [],
  mode: 'drift',
  startedAt: '',
  finishedAt: '',
  durationMs: 0,
  plays: [],
  recap: {},
  exitCode: aborted ? 99 : 0,
  aborted,
});

describe('schedule file', () => {
  it('reports every bad entry with file and line', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-sched-'));
    const f = path.join(dir, 's.yml');
    writeFileSync(f, 'schedules:\n  - name: a\n    playbook: site.yml\n    cron: "not a cron"\n  - name: b\n    playbook: site.yml\n    cron: "* * * * *"\n    mode: sometimes\n');
    try {
      loadSchedules(f);
      expect.unreachable();
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toContain(`${f}:4:11: schedule "a": bad cron expression`);
      expect(msg).toMatch(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:8:\\d+: schedules.1.mode`));
    }
  });
});

describe('Scheduler', () => {
  it('runs an entry on a fast cron repeatedly, never overlapping, and stops cleanly cancelling the run in flight', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-sched-'));
    let active = 0;
    let maxActive = 0;
    let started = 0;
    let cancelled = 0;
    const logs: string[] = [];
    const s = new Scheduler(
      { file: 'x', entries: [{ name: 'fast', playbook: 'p', inventory: [], cron: '* * * * * *', mode: 'check', jitter: 0 }] },
      {
        lockDir: dir,
        log: (l) => logs.push(l),
        runEntry: async (_e, signal) => {
          started++;
          active++;
          maxActive = Math.max(maxActive, active);
          // Each run outlasts one cron tick, so the scheduler must skip the overlapping tick.
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 1500);
            signal.addEventListener('abort', () => {
              clearTimeout(t);
              cancelled++;
              resolve();
            });
          });
          active--;
          return fakeReport(signal.aborted ? 'interrupted' : undefined);
        },
      },
    );
    s.start();
    await new Promise((r) => setTimeout(r, 4200));
    await s.stop();
    expect(started).toBeGreaterThanOrEqual(2);
    expect(maxActive).toBe(1);
    expect(logs.some((l) => l.includes('skipped') && l.includes('still in progress'))).toBe(true);
    expect(logs.filter((l) => l.includes('run finished')).length).toBe(s.counts()['fast']);
    expect(logs.at(-1)).toMatch(/scheduler stopped/);
    expect(existsSync(path.join(dir, 'fast.lock'))).toBe(false);
    void cancelled;
  });

  it('a lock held by a live process blocks a second acquirer; a stale lock is taken over', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-lock-'));
    const a = new EntryLock(path.join(dir, 'e.lock'));
    const b = new EntryLock(path.join(dir, 'e.lock'));
    expect(a.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    a.release();
    writeFileSync(path.join(dir, 'e.lock'), '999999999');
    expect(b.tryAcquire()).toBe(true);
    b.release();
  });

  it('the lock file holds "PID STARTTIME" from the moment it exists, and leaves nothing else behind', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-lock-'));
    const file = path.join(dir, 'e.lock');
    const a = new EntryLock(file);
    expect(a.tryAcquire()).toBe(true);
    expect(readFileSync(file, 'utf8')).toMatch(new RegExp(`^${process.pid} \\d+$`));
    expect(readdirSync(dir)).toEqual(['e.lock']);
    // A second acquirer that loses still leaves the holder's lock as it was.
    expect(new EntryLock(file).tryAcquire()).toBe(false);
    expect(readdirSync(dir)).toEqual(['e.lock']);
    a.release();
    expect(readdirSync(dir)).toEqual([]);
  });
});
