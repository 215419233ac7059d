/**
 * Start-up cost of the installed CLI (compiled JavaScript in dist/, as `npm pack` ships it),
 * against bare `node -e 0` and ansible-core's own start-up, measured in the same run.
 *
 *   npm run bench:startup -- [--rounds 15]
 *
 * Prints the median wall time of each command and tsplay's cost above bare node (goal for
 * `--version`: under 150 ms).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--rounds');
const ROUNDS = i > 0 ? Number(process.argv[i + 1]) : 15;

execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
const work = mkdtempSync(path.join(os.tmpdir(), 'tsplay-startup-'));
const pb = path.join(work, 'site.yml');
writeFileSync(pb, '- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n    - name: a file\n      copy: {dest: /tmp/x, content: "{{ who }}\\n"}\n');
const bin = path.join(root, 'bin', 'tsplay.mjs');
const env = { ...process.env, TSPLAY_USE_DIST: '1' };

function median(cmd: string, args: string[]): number | undefined {
  if (spawnSync(cmd, args, { env, stdio: 'ignore' }).error) return undefined;
  const xs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    const res = spawnSync(cmd, args, { env, stdio: 'ignore' });
    xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${res.status}`);
  }
  return xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

const node = median(process.execPath, ['-e', '0'])!;
const rows: Array<[string, number | undefined]> = [
  ['node -e 0', node],
  ['tsplay --version', median(process.execPath, [bin, '--version'])],
  ['tsplay validate site.yml', median(process.execPath, [bin, 'validate', pb, '-e', 'who=x'])],
  ['tsplay --help', median(process.execPath, [bin, '--help'])],
  ['ansible-playbook --version', median('ansible-playbook', ['--version'])],
  ['ansible-playbook --syntax-check', median('ansible-playbook', ['--syntax-check', '-i', 'localhost,', pb])],
];
console.log(`start-up, median of ${ROUNDS} runs (compiled dist/)`);
for (const [name, ms] of rows)
  console.log(
    `${name.padEnd(34)} ${ms === undefined ? '   (not installed)' : `${ms.toFixed(0).padStart(6)} ms  ${name === 'node -e 0' ? '' : `+${(ms - node).toFixed(0)} ms over node`}`}`,
  );
