import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../../../src/executors/index.js';
import { lockScript } from '../../../src/executors/host-lock.js';

// The run lock as the local executor takes it: real flock(1) on a lock file of this test's own.
const dir = mkdtempSync(join(tmpdir(), 'tsplay-lock-'));
let n = 0;
const lockPath = () => join(dir, `run-${++n}.lock`);
const open: LocalExecutor[] = [];
const executor = () => {
  const ex = new LocalExecutor({ host: 'web1' });
  open.push(ex);
  return ex;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((ex) => ex.close()));
});

/** Settles within `ms`, or says it is still pending. */
const within = <T>(p: Promise<T>, ms: number): Promise<T | 'pending'> => Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);

describe('host run lock', () => {
  it('a second exclusive run waits, says so once with the lock path, and gets the lock when the first closes', async () => {
    const path = lockPath();
    const a = executor();
    expect(await a.lock({ mode: 'exclusive', timeoutS: 30, path })).toEqual({ path, waited: false, held: true });
    const waits: string[] = [];
    const b = executor().lock({ mode: 'exclusive', timeoutS: 30, path, onWait: (p) => waits.push(p) });
    expect(await within(b, 1500)).toBe('pending');
    expect(waits).toEqual([path]);
    await a.close();
    expect(await b).toEqual({ path, waited: true, held: true });
  });

  it('a host this run already holds (two inventory names for one machine) does not wait; another run does', async () => {
    const path = lockPath();
    expect(await executor().lock({ mode: 'exclusive', timeoutS: 30, path, owner: 'ctl:1:aa' })).toMatchObject({ held: true, waited: false });
    const waits: string[] = [];
    expect(await executor().lock({ mode: 'exclusive', timeoutS: 30, path, owner: 'ctl:1:aa', onWait: (p) => waits.push(p) })).toMatchObject({ held: true, waited: false });
    expect(waits).toEqual([]);
    await expect(executor().lock({ mode: 'exclusive', timeoutS: 0, path, owner: 'ctl:2:bb' })).rejects.toThrow(/holds the lock/);
  });

  it('with timeout 0 the second run fails at once naming the lock and how to wait longer', async () => {
    const path = lockPath();
    await executor().lock({ mode: 'exclusive', timeoutS: 30, path });
    const err = await executor()
      .lock({ mode: 'exclusive', timeoutS: 0, path })
      .catch((e: Error & { hint?: string }) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(`host web1: another tsplay run holds the lock ${path}; did not wait for it to finish`);
    expect((err as { hint?: string }).hint).toMatch(/--lock-timeout SECONDS \(or TSPLAY_LOCK_TIMEOUT\)/);
  });

  it('gives up after the timeout', async () => {
    const path = lockPath();
    await executor().lock({ mode: 'exclusive', timeoutS: 30, path });
    const err = await executor()
      .lock({ mode: 'exclusive', timeoutS: 1, path })
      .catch((e: Error) => e);
    expect((err as Error).message).toContain(`holds the lock ${path}; waited 1 s for it`);
  });

  it('checks share the lock with each other but a real run waits for them', async () => {
    const path = lockPath();
    const c1 = executor();
    expect((await c1.lock({ mode: 'shared', timeoutS: 30, path })).waited).toBe(false);
    const c2 = executor();
    expect((await c2.lock({ mode: 'shared', timeoutS: 30, path })).waited).toBe(false);
    const run = executor().lock({ mode: 'exclusive', timeoutS: 30, path });
    expect(await within(run, 1500)).toBe('pending');
    await c1.close();
    expect(await within(run, 1500)).toBe('pending');
    await c2.close();
    expect((await run).waited).toBe(true);
  });

  it('a holder whose controller died (stdin gone, process killed) leaves no stale lock', async () => {
    const path = lockPath();
    for (const end of ['stdin', 'SIGKILL'] as const) {
      const holder = spawn('/bin/sh', ['-c', lockScript({ mode: 'exclusive', timeoutS: 30, path })], { stdio: ['pipe', 'pipe', 'ignore'] });
      await new Promise<void>((resolve) => holder.stdout.on('data', (d: Buffer) => d.toString().includes('LOCKED') && resolve()));
      const blocked = executor();
      await expect(blocked.lock({ mode: 'exclusive', timeoutS: 0, path })).rejects.toThrow(/holds the lock/);
      if (end === 'stdin') holder.stdin.end();
      else holder.kill('SIGKILL');
      await new Promise((r) => holder.on('close', r));
      expect(await executor().lock({ mode: 'exclusive', timeoutS: 0, path })).toMatchObject({ held: true, waited: false });
      await Promise.all(open.splice(0).map((ex) => ex.close()));
    }
  });

  it('a lock file that cannot be opened is a clear error, not a wait', async () => {
    const path = join(dir, 'no-such-dir', 'run.lock');
    await expect(executor().lock({ mode: 'exclusive', timeoutS: 5, path })).rejects.toThrow(`host web1: cannot open the run lock ${path}`);
  });

  it('the lock path is quoted: a hostile path is a file name, not shell', async () => {
    const sub = mkdtempSync(join(dir, 'hostile-'));
    const path = join(sub, `x'; touch pwned; "$(touch pwned2)" \`touch pwned3\`.lock`);
    expect((await executor().lock({ mode: 'exclusive', timeoutS: 5, path })).path).toBe(path);
    expect(readdirSync(sub)).toEqual([path.slice(sub.length + 1)]);
    expect(readdirSync(process.cwd()).filter((f) => f.startsWith('pwned'))).toEqual([]);
  });
});
