// Fault injection on real lab hosts (issue 12): while one run goes on, a host is killed
// (`docker kill`), one is frozen (`docker pause`), one has sshd stopped, one refuses our key, one
// presents a changed host key, and on the healthy one a command hangs past its `timeout:`. Each
// faulty host must be reported unreachable with the reason (not "non-zero return code"), the
// healthy host must finish the play, the exit code is the README's for unreachable hosts, and the
// --json report and the history are written. Then SIGTERM in the middle of a run: no new task
// starts, the partial report is written, exit 99.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { RunReport } from '../../../src/engine/report.js';
import { makeKeyPair } from '../../../src/lab/targets.js';
import { docker } from '../../../src/lab/docker.js';
import { noDocker } from '../harness/lab-context.js';
import { startTargets, type Targets } from '../harness/targets.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
const BIN = path.join(REPO, 'bin', 'tsplay.mjs');
// keepalive every 2 s, 2 unanswered: a frozen host is unreachable after about 4–6 s
const KEEPALIVE = '-o ServerAliveInterval=2 -o ServerAliveCountMax=2';

interface Child {
  done: Promise<{ code: number; out: string }>;
  kill(signal: NodeJS.Signals): void;
}

function startTsplay(args: string[]): Child {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
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

const resultOf = (report: RunReport, task: string, host: string) =>
  report.plays
    .flatMap((p) => p.tasks)
    .find((t) => t.name === task)
    ?.results.find((r) => r.host === host);

describe.skipIf(noDocker())('faults on real hosts: each reported with its reason, the others finish', () => {
  let t: Targets;
  let dir: string;
  const names = ['killed', 'frozen', 'nosshd', 'badkey', 'newhostkey', 'healthy'];
  beforeAll(async () => {
    t = await startTargets(names.map((name) => ({ image: 'debian-12', name })));
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-faults-'));
  }, 300_000);
  afterAll(async () => {
    await docker(['unpause', t?.host('frozen').container ?? 'none']).catch(() => undefined);
    await t?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('killed, frozen, sshd stopped, wrong key, changed host key: unreachable with the reason; a hung command fails at its timeout; the healthy host finishes', async () => {
    // The inventory the harness wrote, with the per-host faults that are set up before the run.
    const inv = structuredClone(t.inventory) as { all: { children: { targets: { hosts: Record<string, Record<string, unknown>> } } } };
    const hosts = inv.all.children.targets.hosts;
    const wrongKey = path.join(dir, 'wrong_key');
    writeFileSync(wrongKey, makeKeyPair('not-authorized').privateKey, { mode: 0o600 });
    hosts['badkey']!.ansible_ssh_private_key_file = wrongKey;
    // a known_hosts entry for newhostkey that is not its key, and strict checking for it
    const other = makeKeyPair('other-host').publicKey.trim().split(' ').slice(0, 2).join(' ');
    writeFileSync(t.knownHostsPath, `${t.host('newhostkey').address} ${other}\n`, { mode: 0o600 });
    hosts['newhostkey']!.tsplay_host_key_checking = 'strict';
    await t.exec('nosshd', 'systemctl stop ssh.socket ssh.service 2>/dev/null; systemctl stop ssh; true');
    const invPath = path.join(dir, 'inventory.yml');
    writeFileSync(invPath, stringify(inv));
    const pb = path.join(dir, 'faults.yml');
    writeFileSync(
      pb,
      stringify([
        {
          hosts: 'targets',
          gather_facts: false,
          tasks: [
            { name: 'reach every host', command: 'true' },
            { name: 'long task', command: 'sleep 15' },
            { name: 'a command that hangs, stopped by its timeout', command: 'sleep 600', timeout: 3, ignore_errors: true },
            { name: 'after', copy: { dest: '/root/after', content: 'ok\n' } },
          ],
        },
      ]),
    );
    const json = path.join(dir, 'report.json');
    const history = path.join(dir, 'history.sqlite');
    const run = startTsplay(['run', pb, '-i', invPath, '--json', json, '--history', history, '-e', `ansible_ssh_common_args="${KEEPALIVE}"`]);

    // pgrep -x: by process name (-f would find this very shell, whose command line holds the pattern)
    const sleeping = async (h: string) => (await t.exec(h, 'pgrep -x sleep >/dev/null && echo yes')).stdout.includes('yes');
    await until('the long task on killed and frozen', async () => (await sleeping('killed')) && (await sleeping('frozen')));
    const injected = Date.now();
    await docker(['kill', t.host('killed').container]);
    await docker(['pause', t.host('frozen').container]);
    const { code, out } = await run.done;
    console.log(`faults: the run ended ${((Date.now() - injected) / 1000).toFixed(1)} s after kill/pause (keepalive 2 s × 2)`);

    expect(existsSync(json), out).toBe(true);
    const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
    expect(code, out).toBe(3);
    const recap = report.recap;
    for (const h of ['killed', 'frozen', 'nosshd', 'badkey', 'newhostkey']) expect(recap[h]?.unreachable, `${h}\n${out}`).toBe(1);
    expect(recap['healthy'], out).toMatchObject({ unreachable: 0, failed: 0, ignored: 1 });

    const lost = (h: string) => resultOf(report, 'long task', h);
    expect(lost('killed')).toMatchObject({ status: 'unreachable' });
    expect(lost('killed')?.msg).toMatch(/connection was lost while a command ran/);
    expect(lost('frozen')).toMatchObject({ status: 'unreachable' });
    expect(lost('frozen')?.msg).toMatch(/connection was lost while a command ran \(.*[Kk]eepalive/);
    console.log(
      `faults: frozen host detected after ${(lost('frozen')!.durationMs / 1000).toFixed(1)} s of its task, killed after ${(lost('killed')!.durationMs / 1000).toFixed(1)} s`,
    );
    const first = (h: string) => resultOf(report, 'reach every host', h);
    expect(first('nosshd')?.msg).toMatch(/refused/i);
    expect(first('badkey')?.msg).toMatch(/auth|denied|permission/i);
    expect(first('newhostkey')?.msg).toMatch(/host key/i);
    expect(resultOf(report, 'a command that hangs, stopped by its timeout', 'healthy')).toMatchObject({
      status: 'ignored',
      msg: 'The command action failed to execute in the expected time frame (3) and was terminated',
    });
    expect((await t.exec('healthy', 'cat /root/after')).stdout).toBe('ok\n');
    // the hung command was killed on the host, not left behind
    expect((await t.exec('healthy', 'pgrep -x sleep || echo none')).stdout.trim()).toBe('none');

    // history has the run, with the unreachable hosts
    const h = startTsplay(['history', '--history', history, '--json']);
    const hist = await h.done;
    expect(hist.code, hist.out).toBe(0);
    expect(hist.out).toMatch(/faults\.yml/);
  }, 300_000);

  it('SIGTERM mid-run: no new task starts, the partial report is written, exit 99', async () => {
    const pb = path.join(dir, 'term.yml');
    writeFileSync(
      pb,
      stringify([
        {
          hosts: 'healthy',
          gather_facts: false,
          tasks: [
            { name: 'long', command: 'sleep 8' },
            { name: 'must not start', copy: { dest: '/root/started-after-term', content: 'x\n' } },
          ],
        },
      ]),
    );
    const json = path.join(dir, 'term.json');
    await t.exec('healthy', 'rm -f /root/started-after-term');
    const run = startTsplay(['run', pb, '-i', t.inventoryPath, '--json', json, '--no-history']);
    await until('the long task', async () => (await t.exec('healthy', 'pgrep -x sleep >/dev/null && echo yes')).stdout.includes('yes'));
    run.kill('SIGTERM');
    const { code, out } = await run.done;
    expect(code, out).toBe(99);
    expect(existsSync(json), out).toBe(true);
    const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
    expect(report.aborted, out).toBeTruthy();
    expect(resultOf(report, 'must not start', 'healthy')).toBeUndefined();
    expect((await t.exec('healthy', 'test -e /root/started-after-term && echo yes || echo no')).stdout.trim()).toBe('no');
  }, 120_000);
});
