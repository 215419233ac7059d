// `tsplay schedule run` as a real long-running process on a 2-second cron, against a lab container
// over SSH (or, without Docker and outside CI, a connection: local target), with a playbook that
// takes 3 seconds: it runs the entry repeatedly, skips a tick rather than overlap,
// and on SIGTERM cancels the run in flight, records it, removes its lock and exits 0.
// Also: `schedule install --systemd` / `--pull` units that systemd-analyze accepts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { imageSkipped, noDocker } from '../harness/lab-context.js';
import { startTargets, type Targets } from '../harness/targets.js';
import { HistoryStore } from '../../../src/history/store.js';
import { BIN, CI, FIXTURES, REPO, tsplay } from './helpers.js';

/** Resolve once `pred` holds for the output so far; reject (with the output) after `ms`. */
function waitFor(get: () => string, pred: (s: string) => boolean, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      if (pred(get())) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${what}; output so far:\n${get()}`));
      setTimeout(tick, 100);
    };
    tick();
  });
}

const count = (s: string, re: RegExp): number => s.split('\n').filter((l) => re.test(l)).length;

const onLab = !noDocker() && !imageSkipped('debian-12');

describe(`tsplay schedule run (child process, fast cron, ${onLab ? 'lab container' : 'local target'})`, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-sched-e2e-'));
  let t: Targets | undefined;
  // Where the playbook writes, on the target.
  const workDir = onLab ? '/tmp' : dir;
  const readConf = async (): Promise<string> => (t ? (await t.exec('sched-lab', `cat ${workDir}/app.conf`)).stdout : readFileSync(path.join(dir, 'app.conf'), 'utf8'));
  beforeAll(async () => {
    if (onLab) t = await startTargets([{ image: 'debian-12', name: 'sched-lab' }]);
  });
  const hist = path.join(dir, 'history.sqlite');
  const schedFile = path.join(dir, 'schedules.yml');
  let child: ChildProcess | undefined;
  let out = '';
  let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the entry at least twice, skipping ticks while a run is in progress', async () => {
    writeFileSync(
      schedFile,
      YAML.stringify({
        history: './history.sqlite',
        schedules: [
          {
            name: 'fast-fix',
            playbook: path.join(FIXTURES, 'schedule', 'slow.yml'),
            inventory: t ? t.inventoryPath : path.join(FIXTURES, 'schedule', 'inventory.yml'),
            cron: '*/2 * * * * *',
            mode: 'fix',
            extra_vars: { work_dir: workDir },
          },
        ],
      }),
    );
    child = spawn(process.execPath, [BIN, 'schedule', 'run', schedFile], { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    exit = new Promise((resolve) => child!.on('exit', (code, signal) => resolve({ code, signal })));

    await waitFor(
      () => out,
      (s) => count(s, /fast-fix: run finished/) >= 2 && count(s, /fast-fix: skipped .*still in progress/) >= 1,
      90_000,
      'two finished runs and a skipped tick',
    );
    expect(out).toMatch(/schedule fast-fix: fix .*slow\.yml on "\*\/2 \* \* \* \* \*"; next run /);
    expect(out).toMatch(/fast-fix: run finished mode=fix exit=0 hosts=1 corrected=\d+ failed_hosts=0 duration=/);
    // The lock exists while a run is in flight, and names this process.
    const lock = path.join(dir, 'locks', 'fast-fix.lock');
    await waitFor(
      () => (existsSync(lock) ? 'y' : ''),
      (s) => s === 'y',
      10_000,
      'the lock file during a run',
    );
    expect(readFileSync(lock, 'utf8').split(' ')[0]).toBe(String(child.pid)); // "PID STARTTIME"
    expect(await readConf()).toBe('level=info\n');
  });

  it('SIGTERM cancels the run in flight, records it, removes the lock and exits 0', async () => {
    const started = count(out, /fast-fix: run started/);
    await waitFor(
      () => out,
      (s) => count(s, /fast-fix: run started/) > started,
      30_000,
      'the next run to start',
    );
    child!.kill('SIGTERM');
    const { code, signal } = await Promise.race([
      exit,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit 20 s after SIGTERM; output:\n${out}`)), 20_000)),
    ]);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(out).toContain('stopping: cancelling runs in flight');
    expect(out).toMatch(/scheduler stopped \(1 run\(s\) cancelled and recorded\)/);
    expect(existsSync(path.join(dir, 'locks', 'fast-fix.lock'))).toBe(false);

    const store = new HistoryStore(hist);
    try {
      const runs = store.runs().reverse();
      // Every started run was recorded (the cancelled one too), all by the scheduler, in fix mode.
      expect(runs.length).toBe(count(out, /fast-fix: run started/));
      expect(new Set(runs.map((r) => `${r.source} ${r.mode}`))).toEqual(new Set(['schedule:fast-fix fix']));
      const last = runs[runs.length - 1]!;
      // SIGTERM came during its 3-second step: the run stopped there and says so (drift --fix's 1).
      expect(last.aborted).toBe('interrupted');
      expect(last.exitCode).toBe(1);
      // Never overlapping: each run finished before the next one started.
      for (let i = 1; i < runs.length; i++) {
        expect(
          runs[i]!.startedAt >= runs[i - 1]!.finishedAt,
          `run ${runs[i]!.id} started ${runs[i]!.startedAt} before run ${runs[i - 1]!.id} finished ${runs[i - 1]!.finishedAt}`,
        ).toBe(true);
      }
    } finally {
      store.close();
    }
  });
});

const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe.skipIf(!hasAnalyze && !CI)('tsplay schedule install: systemd units systemd-analyze accepts', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-units-e2e-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const schedFile = path.join(dir, 'schedules.yml');
  writeFileSync(
    schedFile,
    YAML.stringify({
      history: './state/history 100%.sqlite',
      schedules: [
        { name: 'web-drift', playbook: path.join(FIXTURES, 'lab', 'site.yml'), inventory: path.join(FIXTURES, 'report', 'inventory.yml'), cron: '*/30 * * * *', jitter: 120 },
        {
          name: 'nightly-fix',
          playbook: path.join(FIXTURES, 'lab', 'site.yml'),
          inventory: [path.join(FIXTURES, 'report', 'inventory.yml')],
          cron: '15 3 * * mon-fri',
          mode: 'fix',
          limit: 'web:&prod',
          groups: ['web'],
          extra_vars: { base_dir: '/srv/with space', note: '100% "$HOME"' },
        },
      ],
    }),
  );

  const verify = (unitDir: string) => {
    const files = readdirSync(unitDir).map((f) => path.join(unitDir, f));
    const r = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8' });
    return { files, rc: r.status, output: `${r.stdout}${r.stderr}` };
  };

  it('--systemd: a drift service + timer per entry; verify reports nothing', async () => {
    const units = path.join(dir, 'units');
    const r = await tsplay(['schedule', 'install', schedFile, '--systemd', '--dir', units]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('systemctl enable --now tsplay-web-drift.timer tsplay-nightly-fix.timer');
    const v = verify(units);
    expect(v.files.map((f) => path.basename(f)).sort()).toEqual(['tsplay-nightly-fix.service', 'tsplay-nightly-fix.timer', 'tsplay-web-drift.service', 'tsplay-web-drift.timer']);
    expect(v.output).toBe('');
    expect(v.rc).toBe(0);
    const fix = readFileSync(path.join(units, 'tsplay-nightly-fix.service'), 'utf8');
    expect(fix).toMatch(/^ExecStart=\S+ \S+tsplay\.mjs drift \S+site\.yml -i \S+inventory\.yml --fix --limit "web:&prod" -e /m);
    // systemd would expand % and $ in ExecStart: they are doubled so the extra vars arrive as written.
    expect(fix).toContain('100%% \\\\\\"$$HOME\\\\\\"');
    expect(fix).toContain('Environment="TSPLAY_HISTORY=' + path.join(dir, 'state', 'history 100%%.sqlite') + '"');
    expect(readFileSync(path.join(units, 'tsplay-nightly-fix.timer'), 'utf8')).toContain('OnCalendar=Mon,Tue,Wed,Thu,Fri *-*-* 03:15:00');
    expect(readFileSync(path.join(units, 'tsplay-web-drift.timer'), 'utf8')).toContain('RandomizedDelaySec=120');
  });

  it('--pull: units run tsplay pull with the entry groups; verify reports nothing', async () => {
    const units = path.join(dir, 'pull');
    const r = await tsplay(['schedule', 'install', schedFile, '--pull', '--dir', units]);
    expect(r.code, r.err).toBe(0);
    const v = verify(units);
    expect(v.output).toBe('');
    expect(v.rc).toBe(0);
    const fix = readFileSync(path.join(units, 'tsplay-pull-nightly-fix.service'), 'utf8');
    expect(fix).toMatch(/^ExecStart=\S+ \S+tsplay\.mjs pull \S+site\.yml -g web --limit "web:&prod" -e /m);
    expect(readFileSync(path.join(units, 'tsplay-pull-web-drift.service'), 'utf8')).toMatch(/^ExecStart=\S+ \S+tsplay\.mjs pull \S+site\.yml --check$/m);
  });

  it('a seconds cron (fine for schedule run) is refused for a timer with a clear error', async () => {
    const f = path.join(dir, 'fast.yml');
    writeFileSync(f, YAML.stringify({ schedules: [{ name: 'fast', playbook: 'x.yml', cron: '*/2 * * * * *' }] }));
    const r = await tsplay(['schedule', 'install', f, '--systemd', '--dir', path.join(dir, 'fast')]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/must have five fields for a systemd timer/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
