// One run per host at a time (issue 12): run A holds the host's lock (/run/tsplay.lock, the
// default for a root login) through a slow task; run B started meanwhile says it waits, then runs
// after A (the timestamps both write into one file on the host never interleave); run C with
// --lock-timeout 1 fails that host naming the lock, exit 2. Then a run holding the lock has its
// controller killed with SIGKILL: the next run gets the lock at once (no stale lock).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../../../src/cli/main.js';
import { noDocker } from '../harness/lab-context.js';
import { startTargets, type Targets } from '../harness/targets.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
const BIN = path.join(REPO, 'bin', 'tsplay.mjs');
const LOG = '/root/lock-order.log';

interface Child {
  done: Promise<{ code: number; out: string }>;
  kill(signal: NodeJS.Signals): void;
}

function startTsplay(args: string[]): Child {
  // The host-wide default lock, not the per-worker one test/lock-path.setup.ts sets.
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env['TSPLAY_LOCK_PATH'];
  delete env['TSPLAY_LOCK_TIMEOUT'];
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  return {
    done: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, out }));
    }),
    kill: (s) => child.kill(s),
  };
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(noDocker())('host run lock on a real host', () => {
  let t: Targets;
  let dir: string;
  let pb: string;
  beforeAll(async () => {
    t = await startTargets([{ image: 'debian-12', name: 'web1' }]);
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-lock-'));
    pb = path.join(dir, 'slow.yml');
    const stamp = (what: string) => ({ shell: `echo "{{ tag }} ${what} $(date +%s.%N)" >> ${LOG}` });
    writeFileSync(pb, stringify([{ hosts: 'web1', gather_facts: false, tasks: [stamp('start'), { command: 'sleep 6' }, stamp('end')] }]));
  }, 300_000);
  afterAll(async () => {
    await t?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const logged = async (line: string) => (await t.exec('web1', `cat ${LOG} 2>/dev/null`)).stdout.includes(line);

  it('a second run waits and runs after the first, never interleaved; a third with --lock-timeout 1 fails that host naming the lock', async () => {
    await t.exec('web1', `rm -f ${LOG}`);
    const a = startTsplay(['run', pb, '-i', t.inventoryPath, '-e', 'tag=A']);
    await until('run A started', () => logged('A start'));
    const b = startTsplay(['run', pb, '-i', t.inventoryPath, '-e', 'tag=B']);
    const c = await startTsplay(['run', pb, '-i', t.inventoryPath, '-e', 'tag=C', '--lock-timeout', '1']).done;
    expect(c.code, c.out).toBe(2);
    expect(c.out).toContain('host web1: waiting for another tsplay run to finish (lock /run/tsplay.lock)');
    expect(c.out).toContain('host web1: another tsplay run holds the lock /run/tsplay.lock; waited 1 s for it to finish');
    expect(c.out).toContain('wait longer with --lock-timeout SECONDS (or TSPLAY_LOCK_TIMEOUT)');
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.out).toBe(0);
    expect(rb.code, rb.out).toBe(0);
    expect(rb.out.match(/waiting for another tsplay run to finish \(lock \/run\/tsplay\.lock\)/g)).toHaveLength(1);
    const lines = (await t.exec('web1', `cat ${LOG}`)).stdout.trim().split('\n');
    expect(lines.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['A start', 'A end', 'B start', 'B end']);
    const times = lines.map((l) => Number(l.split(' ')[2]));
    expect([...times].sort((x, y) => x - y)).toEqual(times);
  });

  it('a run that ends while its connection is still opening (a failure before any change, probes ahead under way) leaves no connection or lock behind in a long-lived process', async () => {
    // As `tsplay` embedded in a long-lived process (the differential harness's workers, an API
    // user) runs it: several runs in one process. The play fails at its first task, on the
    // controller, while probe ahead is still connecting for the copies after it.
    const fails = path.join(dir, 'fails-at-once.yml');
    const copy = (n: number) => ({ copy: { dest: `/root/never-${n}`, content: 'x\n' } });
    writeFileSync(fails, stringify([{ hosts: 'web1', gather_facts: false, tasks: [{ fail: { msg: 'stop here' } }, copy(1), copy(2), copy(3)] }]));
    const ok = path.join(dir, 'writes.yml');
    writeFileSync(ok, stringify([{ hosts: 'web1', gather_facts: false, tasks: [{ copy: { dest: '/root/written', content: 'y\n' } }] }]));
    const inProcess = async (playbook: string): Promise<{ code: number; out: string }> => {
      let out = '';
      const io = { out: (x: string) => void (out += x), err: (x: string) => void (out += x), isTTY: false };
      const code = await main(['run', playbook, '-i', t.inventoryPath, '--lock-timeout', '5', '--no-history'], io);
      return { code, out };
    };
    // the lock script's text; the bracket keeps this command's own line from matching
    const holders = async () => (await t.exec('web1', `ps -eo args | grep -c '[T]SPLAY-LOCK:PATH' || true`)).stdout.trim();
    for (let i = 0; i < 5; i++) {
      const r = await inProcess(fails);
      expect(r.code, r.out).toBe(2);
      expect(r.out).toContain('stop here');
    }
    // nothing of the runs is left on the host once they have returned: no lock holder…
    await until('the lock holders to end', async () => (await holders()) === '0', 10_000).catch(async (e) => {
      throw new Error(`${(e as Error).message}: ${(await t.exec('web1', 'ps -eo pid,etime,args --forest')).stdout}`);
    });
    // …so the next run neither waits nor times out on a lock
    const w = await inProcess(ok);
    expect(w.code, w.out).toBe(0);
    expect(w.out).not.toContain('waiting for another tsplay run');
    expect((await t.exec('web1', 'cat /root/written')).stdout).toBe('y\n');
    expect((await t.exec('web1', 'ls /root/never-1 2>/dev/null || echo none')).stdout.trim()).toBe('none');
  });

  it('a run whose controller was killed with SIGKILL leaves no stale lock: the next run takes it at once', async () => {
    await t.exec('web1', `rm -f ${LOG}`);
    const d = startTsplay(['run', pb, '-i', t.inventoryPath, '-e', 'tag=D']);
    await until('run D started', () => logged('D start'));
    d.kill('SIGKILL');
    await d.done;
    // sshd closes the dead controller's session; the holder's stdin ends and the kernel drops the flock
    const e = await startTsplay(['run', pb, '-i', t.inventoryPath, '-e', 'tag=E', '--lock-timeout', '3']).done;
    expect(e.code, e.out).toBe(0);
    expect(await logged('E end')).toBe(true);
    expect(await logged('D end')).toBe(false);
  });
});
