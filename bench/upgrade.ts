/**
 * `playbooks/upgrade.yml` converged on the demo lab (issue 13): `tsplay demo --keep` builds the lab
 * and upgrades it (twice, the second run must change nothing), then R more converged runs are timed
 * (wall time, peak RSS and CPU seconds of the tsplay process, GNU time); the lab is removed after.
 *
 *   npx tsx bench/upgrade.ts [--rounds 3] [--tree DIR]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const opt = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const root = path.resolve(opt('tree', path.resolve(here, '..')));
const ROUNDS = Number(opt('rounds', '3'));
const env = { ...process.env, CI: 'true', TSPLAY_USE_DIST: '1', WALLARM_API_TOKEN: 'api-anything' };
const tsplay = (args: string[]) => spawnSync('node', ['bin/tsplay.mjs', ...args], { cwd: root, env, encoding: 'utf8', maxBuffer: 256 << 20 });

execFileSync('node', ['scripts/build.mjs'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
const demo = tsplay(['demo', '--keep']);
if (demo.status !== 0) throw new Error(`tsplay demo exited ${demo.status}:\n${demo.stdout.slice(-3000)}\n${demo.stderr.slice(-2000)}`);
const inv = /Inventory: (\S+)/.exec(demo.stdout)?.[1];
if (!inv) throw new Error('no inventory path in the demo output');
try {
  const samples: Array<{ ms: number; rssMb: number; cpuS: number }> = [];
  for (let r = 0; r < ROUNDS; r++) {
    const stats = path.join(mkdtempSync(path.join(os.tmpdir(), 'tsplay-bench-u-')), 'time');
    const t0 = process.hrtime.bigint();
    const res = spawnSync('/usr/bin/time', ['-o', stats, '-f', '%M %U %S', 'node', 'bin/tsplay.mjs', 'run', 'playbooks/upgrade.yml', '-i', inv, '--no-history'], {
      cwd: root,
      env,
      encoding: 'utf8',
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (res.status !== 0) throw new Error(`converged run exited ${res.status}:\n${res.stdout.slice(-3000)}`);
    if (!/changed=0/.test(res.stdout) || /changed=[1-9]/.test(res.stdout)) throw new Error(`converged run changed something:\n${res.stdout.slice(-2000)}`);
    const [kb, u, s] = existsSync(stats) ? readFileSync(stats, 'utf8').trim().split(/\s+/).slice(-3).map(Number) : [0, 0, 0];
    samples.push({ ms, rssMb: (kb ?? 0) / 1024, cpuS: (u ?? 0) + (s ?? 0) });
    process.stderr.write(`round ${r + 1}/${ROUNDS}: ${(ms / 1000).toFixed(2)} s\n`);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const hosts = (demo.stdout.match(/^ {2}\S+\s+\d+\.\d+\.\d+\.\d+\s/gm) ?? []).length;
  console.log(`\nplaybooks/upgrade.yml converged on the demo lab (${hosts} hosts), ${ROUNDS} rounds, medians; ${new Date().toISOString()}`);
  console.log(
    `wall ${(med(samples.map((s) => s.ms)) / 1000).toFixed(2)} s, peak RSS ${Math.max(...samples.map((s) => s.rssMb)).toFixed(0)} MB, CPU ${med(samples.map((s) => s.cpuS)).toFixed(2)} s`,
  );
} finally {
  tsplay(['lab', 'down', '--name', 'demo']);
}
