// Fault injection on real lab hosts (issue 12): while one run goes on, a host is killed
// (`docker kill`), one is frozen (`docker pause`), one has its ssh packets dropped by nftables, one
// has sshd stopped, one refuses our key, one presents a changed host key, and on the healthy one a
// command hangs past its `timeout:`. Each faulty host must be reported unreachable with the reason
// (not "non-zero return code"), the healthy host must finish the play, the exit code is the
// README's for unreachable hosts, and the --json report and the history are written. Then a full
// disk (a 512 KiB tmpfs): copy, template and lineinfile fail with the real reason and leave the old
// files as they were, no temp file behind. Then SIGTERM in the middle of a run: no new task starts,
// the partial report is written, exit 99.
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
  startedAt: number;
  /** When the first output line matching `re` arrived (ms since the epoch), or undefined. */
  seenAt(re: RegExp): number | undefined;
}

function startTsplay(args: string[]): Child {
  const startedAt = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  // Each output line with its arrival time: the detection time of a fault is when its result line appears.
  const lines: { at: number; text: string }[] = [];
  let partial = '';
  const take = (b: Buffer): void => {
    const text = b.toString();
    out += text;
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) lines.push({ at: Date.now(), text: l });
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  return {
    done: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, out }));
    }),
    kill: (s) => child.kill(s),
    startedAt,
    seenAt: (re) => lines.find((l) => re.test(l.text))?.at,
  };
}

/** Seconds from `from` to the first `fatal: [host]` line of the run (NaN when there is none). */
const detected = (run: Child, host: string, from: number): number => ((run.seenAt(new RegExp(`^fatal: \\[${host}\\]`)) ?? Number.NaN) - from) / 1000;

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
    t = await startTargets([
      ...names.map((name) => ({ image: 'debian-12', name })),
      // nft inside the container needs CAP_NET_ADMIN (its own network namespace only)
      { image: 'debian-12', name: 'netdrop', capAdd: ['NET_ADMIN'] },
      // a 512 KiB filesystem to fill up
      { image: 'debian-12', name: 'diskfull', tmpfs: { '/srv/full': 'rw,size=512k' } },
    ]);
    dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-faults-'));
  }, 300_000);
  afterAll(async () => {
    await docker(['unpause', t?.host('frozen').container ?? 'none']).catch(() => undefined);
    await t?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('killed, frozen, network dropped, sshd stopped, wrong key, changed host key: unreachable with the reason; a hung command fails at its timeout; the healthy host finishes', async () => {
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
          hosts: 'targets:!diskfull',
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
    await until('the long task on killed, frozen and netdrop', async () => (await sleeping('killed')) && (await sleeping('frozen')) && (await sleeping('netdrop')));
    const injected = Date.now();
    await Promise.all([
      docker(['kill', t.host('killed').container]),
      docker(['pause', t.host('frozen').container]),
      // every ssh packet dropped both ways, the established connection included (no conntrack accept)
      t
        .exec(
          'netdrop',
          `nft -f - <<'EOF'
table inet tsplayfault {
  chain in { type filter hook input priority filter; policy accept; tcp dport 22 drop; }
  chain out { type filter hook output priority filter; policy accept; tcp sport 22 drop; }
}
EOF`,
        )
        .then((r) => expect(r.rc, r.stderr).toBe(0)),
    ]);
    const { code, out } = await run.done;
    console.log(`faults: the run ended ${((Date.now() - injected) / 1000).toFixed(1)} s after kill/pause/nft drop (keepalive 2 s × 2)`);

    expect(existsSync(json), out).toBe(true);
    const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
    expect(code, out).toBe(3);
    const recap = report.recap;
    for (const h of ['killed', 'frozen', 'netdrop', 'nosshd', 'badkey', 'newhostkey']) expect(recap[h]?.unreachable, `${h}\n${out}`).toBe(1);
    expect(recap['healthy'], out).toMatchObject({ unreachable: 0, failed: 0, ignored: 1 });

    const lost = (h: string) => resultOf(report, 'long task', h);
    expect(lost('killed')).toMatchObject({ status: 'unreachable' });
    expect(lost('killed')?.msg).toMatch(/connection was lost while a command ran/);
    expect(lost('frozen')).toMatchObject({ status: 'unreachable' });
    expect(lost('frozen')?.msg).toMatch(/connection was lost while a command ran \(.*[Kk]eepalive/);
    expect(lost('netdrop')).toMatchObject({ status: 'unreachable' });
    expect(lost('netdrop')?.msg).toMatch(/connection was lost while a command ran \(.*[Kk]eepalive/);
    // Detection is bounded by the keepalive (2 s × 2 here); 30 s is only "bounded", not a timing test.
    const times: Record<string, number> = {};
    for (const h of ['killed', 'frozen', 'netdrop']) times[h] = detected(run, h, injected);
    for (const h of ['nosshd', 'badkey', 'newhostkey']) times[h] = detected(run, h, run.startedAt);
    console.log(
      `faults: detection time (s): ${Object.entries(times)
        .map(([h, s]) => `${h} ${s.toFixed(1)}`)
        .join(', ')} (killed/frozen/netdrop from the fault, the others from the start of the run)`,
    );
    for (const h of ['frozen', 'netdrop']) expect(times[h], `${h}\n${out}`).toBeLessThan(30);
    const first = (h: string) => resultOf(report, 'reach every host', h);
    expect(first('nosshd')?.msg).toMatch(/refused/i);
    expect(first('badkey')?.msg).toMatch(/auth|denied|permission/i);
    expect(first('newhostkey')?.msg).toMatch(/host key/i);
    const hung = resultOf(report, 'a command that hangs, stopped by its timeout', 'healthy');
    expect(hung).toMatchObject({
      status: 'ignored',
      msg: 'The command action failed to execute in the expected time frame (3) and was terminated',
    });
    console.log(`faults: the hung command (timeout: 3) failed after ${(hung!.durationMs / 1000).toFixed(1)} s`);
    expect((await t.exec('healthy', 'cat /root/after')).stdout).toBe('ok\n');
    // the hung command was killed on the host, not left behind
    expect((await t.exec('healthy', 'pgrep -x sleep || echo none')).stdout.trim()).toBe('none');

    // history has the run, with the unreachable hosts
    const h = startTsplay(['history', '--history', history, '--json']);
    const hist = await h.done;
    expect(hist.code, hist.out).toBe(0);
    expect(hist.out).toMatch(/faults\.yml/);
  }, 300_000);

  it('disk full: copy, template and lineinfile fail with "No space left on device", the old files intact and no temp file left; the healthy host finishes', async () => {
    // Existing files of about 64 KiB on a 512 KiB filesystem filled to 16 KiB free: each write
    // starts, gets part way and hits ENOSPC (a truncated temp file is what a non-atomic write leaves).
    for (const h of ['diskfull', 'healthy']) {
      const r = await t.exec(h, `mkdir -p /srv/full && seq 0 3999 | sed 's/.*/key&=value &/' > /srv/full/app.conf && cp /srv/full/app.conf /srv/full/tpl.conf`);
      expect(r.rc, r.stderr).toBe(0);
    }
    const fill = await t.exec(
      'diskfull',
      'avail=$(df -k --output=avail /srv/full | tail -1); dd if=/dev/zero of=/srv/full/filler bs=1k count=$((avail - 16)) 2>&1; df -k --output=avail /srv/full | tail -1',
    );
    expect(fill.rc, fill.stdout).toBe(0);
    const state = async (h: string) => (await t.exec(h, 'cd /srv/full && sha256sum app.conf tpl.conf && ls -A && df -k --output=avail . | tail -1')).stdout;
    const before = await state('diskfull');

    const big = path.join(dir, 'big.bin');
    writeFileSync(big, Buffer.alloc(1024 * 1024, 'x'));
    const tpl = path.join(dir, 'big.conf.j2');
    writeFileSync(tpl, '{% for i in range(6000) %}line {{ i }} of {{ inventory_hostname }}\n{% endfor %}');
    const pb = path.join(dir, 'diskfull.yml');
    writeFileSync(
      pb,
      stringify([
        {
          hosts: 'diskfull:healthy',
          gather_facts: false,
          tasks: [
            { name: 'copy more than the space', copy: { src: big, dest: '/srv/full/big.bin' }, ignore_errors: true },
            { name: 'template over an existing file', template: { src: tpl, dest: '/srv/full/tpl.conf' }, ignore_errors: true },
            { name: 'lineinfile on an existing file', lineinfile: { path: '/srv/full/app.conf', line: 'added=1' }, ignore_errors: true },
            // the backup copy is what runs out of space here: no partial backup may be left
            { name: 'replace with a backup', replace: { path: '/srv/full/app.conf', regexp: '^key1=', replace: 'key1 =', backup: true } },
          ],
        },
      ]),
    );
    const json = path.join(dir, 'diskfull.json');
    const history = path.join(dir, 'diskfull.sqlite');
    const run = startTsplay(['run', pb, '-i', t.inventoryPath, '--json', json, '--history', history]);
    const { code, out } = await run.done;
    const elapsed = (Date.now() - run.startedAt) / 1000;
    expect(existsSync(json), out).toBe(true);
    const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
    expect(code, out).toBe(2);
    expect(report.recap['diskfull'], out).toMatchObject({ failed: 1, ignored: 3, unreachable: 0 });
    expect(report.recap['healthy'], out).toMatchObject({ failed: 0, ignored: 0, unreachable: 0, changed: 4 });
    const took: string[] = [];
    for (const task of ['copy more than the space', 'template over an existing file', 'lineinfile on an existing file', 'replace with a backup']) {
      const r = resultOf(report, task, 'diskfull');
      expect(r?.status, `${task}\n${out}`).toBe(task.startsWith('replace') ? 'failed' : 'ignored');
      expect(r?.msg, `${task}\n${out}`).toMatch(/No space left on device/);
      took.push(`${task.split(' ')[0]} ${((r?.durationMs ?? Number.NaN) / 1000).toFixed(1)} s`);
    }
    // the old files byte for byte, no temp or backup file left behind, the space given back
    expect(await state('diskfull')).toBe(before);
    expect(before).not.toMatch(/tsplay|big\.bin|~/);
    console.log(`faults: disk full: each write failed with ENOSPC after ${took.join(', ')} (its task's duration); the run took ${elapsed.toFixed(1)} s`);
    // the healthy host got all four writes and the backup
    expect(
      (
        await t.exec(
          'healthy',
          'wc -c < /srv/full/big.bin; tail -n 1 /srv/full/app.conf; tail -n 1 /srv/full/tpl.conf; sed -n 2p /srv/full/app.conf; ls /srv/full | grep -c "^app.conf..*~$"',
        )
      ).stdout,
    ).toBe(`${1024 * 1024}\nadded=1\nline 5999 of healthy\nkey1 =value 1\n1\n`);

    const h = startTsplay(['history', '--history', history, '--json']);
    const hist = await h.done;
    expect(hist.code, hist.out).toBe(0);
    expect(hist.out).toMatch(/diskfull\.yml/);
  }, 180_000);

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
    const signalled = Date.now();
    run.kill('SIGTERM');
    const { code, out } = await run.done;
    console.log(`faults: SIGTERM → exit ${code} after ${((Date.now() - signalled) / 1000).toFixed(1)} s`);
    expect(code, out).toBe(99);
    expect(existsSync(json), out).toBe(true);
    const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
    expect(report.aborted, out).toBeTruthy();
    expect(resultOf(report, 'must not start', 'healthy')).toBeUndefined();
    expect((await t.exec('healthy', 'test -e /root/started-after-term && echo yes || echo no')).stdout.trim()).toBe('no');
  }, 120_000);
});
