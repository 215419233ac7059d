/**
 * tsplay vs ansible-playbook on the same playbook, the same lab targets, in the same run.
 * Prints medians and ratios (ansible time / tsplay time: > 1 means tsplay is faster), and checks
 * that both tools leave byte-identical files. Needs root, Docker (scripts/setup-docker.sh) and
 * ansible-core (installed from Debian's archive when missing).
 *
 *   npm run bench -- [--hosts 4] [--rounds 3]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImages, labDown, labUp } from '../src/lab/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const HOSTS = arg('hosts', 4);
const ROUNDS = arg('rounds', 3);
const IMAGE = 'rpmfamily-debian12'; // has a full python3, which Ansible's modules need
const log = (l: string) => process.stderr.write(`${l}\n`);

function ensureAnsible(): void {
  if (spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0) return;
  log('installing ansible-core from Debian’s archive…');
  execFileSync('apt-get', ['install', '-y', '-qq', 'ansible-core'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}:\n${r.stdout?.slice(-3000)}\n${r.stderr?.slice(-3000)}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  ensureAnsible();
  await buildImages({ images: [IMAGE], log });
  const work = mkdtempSync(path.join(os.tmpdir(), 'tsplay-bench-'));
  const lab = await labUp({ hosts: HOSTS, images: [IMAGE], name: 'bench', inventoryPath: path.join(work, 'tsplay.yml'), log });
  try {
    // Same hosts for both tools; Ansible in its fastest common setup (pipelining, ControlPersist).
    const ini = [
      '[bench]',
      ...lab.hosts.map((h) => `${h.name} ansible_host=${h.address} ansible_port=${h.port}`),
      '',
      '[bench:vars]',
      `ansible_user=${lab.hosts[0]!.user}`,
      `ansible_ssh_private_key_file=${lab.keyPath}`,
      'ansible_python_interpreter=/usr/bin/python3',
      `ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ControlMaster=auto -o ControlPersist=60s'`,
      '',
    ].join('\n');
    writeFileSync(path.join(work, 'ansible.ini'), ini);
    const tsplayInv = path.join(work, 'tsplay.yml');
    // The lab inventory puts every host in group `lab`; the playbook targets `bench`.
    writeFileSync(tsplayInv, execFileSync('sed', ['s/^    lab:$/    bench:/', lab.inventoryPath], { encoding: 'utf8' }));
    const playbook = path.join(here, 'playbooks', 'converge.yml');
    const reset = () => {
      for (const h of lab.hosts) execFileSync('docker', ['exec', h.container, 'rm', '-rf', '/srv/bench']);
    };
    const digest = () =>
      lab.hosts
        .map((h) =>
          execFileSync(
            'docker',
            [
              'exec',
              h.container,
              'sh',
              '-c',
              'cd /srv/bench && find . -type f -o -type l | sort | while read f; do printf "%s %s " "$f" "$(stat -c %a "$f")"; if [ -L "$f" ]; then readlink "$f"; else sha256sum < "$f"; fi; done',
            ],
            { encoding: 'utf8' },
          ),
        )
        .join('\n');
    const ansibleEnv = { ANSIBLE_PIPELINING: 'True', ANSIBLE_FORKS: '10', ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_NOCOLOR: '1' };
    const res = { tsplay: { converge: [] as number[], noop: [] as number[] }, ansible: { converge: [] as number[], noop: [] as number[] } };
    let tsDigest = '';
    let anDigest = '';
    for (let r = 0; r < ROUNDS; r++) {
      reset();
      res.tsplay.converge.push(timed('node', ['bin/tsplay.mjs', 'run', playbook, '-i', tsplayInv, '--no-history', '--forks', '10'], { CI: 'true' }));
      res.tsplay.noop.push(timed('node', ['bin/tsplay.mjs', 'run', playbook, '-i', tsplayInv, '--no-history', '--forks', '10'], { CI: 'true' }));
      tsDigest = digest();
      reset();
      res.ansible.converge.push(timed('ansible-playbook', ['-i', path.join(work, 'ansible.ini'), playbook], ansibleEnv));
      res.ansible.noop.push(timed('ansible-playbook', ['-i', path.join(work, 'ansible.ini'), playbook], ansibleEnv));
      anDigest = digest();
      log(`round ${r + 1}/${ROUNDS} done`);
    }
    const row = (what: 'converge' | 'noop') => {
      const t = median(res.tsplay[what]);
      const a = median(res.ansible[what]);
      return `| ${what.padEnd(8)} | ${(t / 1000).toFixed(2).padStart(8)} s | ${(a / 1000).toFixed(2).padStart(8)} s | ${(a / t).toFixed(2).padStart(6)}× |`;
    };
    console.log(`\ntsplay vs ansible-core, ${HOSTS} hosts (${IMAGE}), ${ROUNDS} rounds, medians (ratio = ansible / tsplay; > 1: tsplay faster)\n`);
    console.log('| run      |   tsplay   |  ansible   | ratio  |');
    console.log('|----------|------------|------------|--------|');
    console.log(row('converge'));
    console.log(row('noop'));
    console.log(`\nresulting files identical on every host: ${tsDigest === anDigest ? 'yes' : 'NO'}`);
    if (tsDigest !== anDigest) {
      console.log('--- tsplay\n' + tsDigest + '\n--- ansible\n' + anDigest);
      process.exitCode = 1;
    }
  } finally {
    await labDown({ name: 'bench', log });
  }
}

await main();
