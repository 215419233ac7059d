/**
 * tsplay against ansible-core and the plain-SSH floor on the same playbook, the same lab targets,
 * in the same run (issue 13). Rounds alternate the tools; medians, ratios, tsplay's peak RSS and
 * CPU seconds are printed as a Markdown table, and both tools must leave byte-identical files.
 * Needs root, Docker (scripts/setup-docker.sh) and ansible-core (installed from Debian's archive
 * when missing). tsplay runs compiled (dist/, built first), as an installed package does.
 *
 *   npm run bench -- [--hosts 10] [--rounds 3] [--tools tsplay,ansible,floor,tsplay-no-ahead]
 *
 * Runs per round: `first` (targets reset), `converged` (the same again), `check` (--check on the
 * converged hosts). The floor is one OpenSSH connection per host running every check of the
 * playbook in one shell script (what no tool can beat without skipping work).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { containerIp, ensureNetwork, mustDocker } from '../src/lab/docker.js';
import {
  AUTHORIZED_KEYS_PATH,
  LABELS,
  LAB_NETWORK,
  type LabHost,
  type LabUpResult,
  buildImages,
  imageTag,
  labDown,
  labInventoryYaml,
  labStateDir,
  labUp,
  makeKeyPair,
} from '../src/lab/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const opt = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
/** The tsplay tree to build and run (`--tree DIR`, e.g. a `git archive HEAD` export while the work tree does not build). */
const root = path.resolve(opt('tree', path.resolve(here, '..')));
const HOSTS = Number(opt('hosts', '10'));
const ROUNDS = Number(opt('rounds', '3'));
const TOOLS = opt('tools', 'tsplay,ansible,floor').split(',');
/** `systemd` (lab containers booting systemd, as `tsplay lab up`) or `sshd` (containers running only sshd: light enough for 200). */
const TARGETS = opt('targets', HOSTS > 50 ? 'sshd' : 'systemd');
/** Ansible takes minutes per run at 50+ hosts: it may run fewer rounds than the others. */
const ANSIBLE_ROUNDS = Number(opt('ansible-rounds', String(ROUNDS)));
/** Write a CPU profile of one extra converged tsplay run into this directory. */
const PROFILE = opt('cpu-prof', '');
/** Lab name, so two benches can run side by side. */
const LAB = opt('lab', 'bench');
const IMAGE = 'rpmfamily-debian12'; // has a full python3, which Ansible's modules need
const log = (l: string) => process.stderr.write(`${l}\n`);

/**
 * `hosts` containers from the lab image running sshd alone (no systemd: a few MB each instead of
 * ~40, and no boot), each with its own filesystem, on the lab network; `labDown` removes them.
 */
async function sshdTargetsUp(hosts: number, name: string, inventoryPath: string): Promise<LabUpResult> {
  const stateDir = labStateDir(name);
  await labDown({ name, log: () => undefined, keepStateDir: true });
  execFileSync('mkdir', ['-p', '-m', '700', stateDir]);
  const keyPath = path.join(stateDir, 'id_ed25519');
  const knownHostsPath = path.join(stateDir, 'known_hosts');
  const kp = makeKeyPair(`tsplay-bench-${name}`);
  writeFileSync(keyPath, kp.privateKey, { mode: 0o600 });
  writeFileSync(`${keyPath}.pub`, kp.publicKey, { mode: 0o644 });
  writeFileSync(knownHostsPath, '', { mode: 0o600 });
  await ensureNetwork(LAB_NETWORK, { [LABELS.image]: '1' });
  const t0 = Date.now();
  const limit = pLimit(8);
  const boot = 'ssh-keygen -A >/dev/null && mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e';
  const list = await Promise.all(
    Array.from({ length: hosts }, (_, i) =>
      limit(async (): Promise<LabHost> => {
        const host = `${name}-${i + 1}`;
        const container = `tsplay-${host}`;
        const args = ['create', '--name', container, '--hostname', host, '--network', LAB_NETWORK, '--label', `${LABELS.labInstance}=${name}`, '--entrypoint', 'sh'];
        await mustDocker([...args, imageTag(IMAGE), '-c', boot]);
        await mustDocker(['cp', `${keyPath}.pub`, `${container}:${AUTHORIZED_KEYS_PATH}`]);
        await mustDocker(['start', container]);
        const address = await containerIp(container, LAB_NETWORK);
        for (let t = 0; t < 100; t++) {
          const r = spawnSync('bash', ['-c', `exec 3<>/dev/tcp/${address}/22`], { stdio: 'ignore' });
          if (r.status === 0) break;
          await new Promise((res) => setTimeout(res, 100));
        }
        return { name: host, container, image: IMAGE, address, port: 22, user: 'root' };
      }),
    ),
  );
  log(`bench: ${hosts} sshd-only target(s) up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  writeFileSync(inventoryPath, labInventoryYaml(list, { keyPath, knownHostsPath, group: 'lab', comment: `bench sshd-only targets (${name})` }));
  return { inventoryPath, keyPath, knownHostsPath, stateDir, hosts: list };
}

function ensureAnsible(): void {
  if (spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0) return;
  log('installing ansible-core from Debian’s archive…');
  execFileSync('apt-get', ['install', '-y', '-qq', 'ansible-core'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

interface Sample {
  ms: number;
  /** Peak RSS in MB and user+system CPU seconds of the tool's process (GNU time), when known. */
  rssMb?: number;
  cpuS?: number;
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Sample {
  const work = mkdtempSync(path.join(os.tmpdir(), 'tsplay-bench-t-'));
  const stats = path.join(work, 'time');
  const argv = TIME ? [TIME, '-o', stats, '-f', '%M %U %S', cmd, ...args] : [cmd, ...args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}:\n${r.stdout?.slice(-3000)}\n${r.stderr?.slice(-3000)}`);
  const s: Sample = { ms };
  if (TIME && existsSync(stats)) {
    const [kb, u, sys] = readFileSync(stats, 'utf8').trim().split(/\s+/).slice(-3).map(Number);
    if (kb !== undefined && u !== undefined && sys !== undefined) Object.assign(s, { rssMb: kb / 1024, cpuS: u + sys });
  }
  return s;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The floor: per host, one `ssh` running one script that reads everything the playbook's tasks
 * check (stat, contents and checksums of its files) and changes nothing; all hosts at once.
 */
function floorScript(): string {
  return [
    'cd /srv/bench 2>/dev/null || exit 0',
    'stat -c "%n %a %U %G %s %Y" . conf.d app.conf items.conf limits.conf done current.conf conf.d/*.conf 2>/dev/null',
    'sha1sum app.conf items.conf limits.conf conf.d/*.conf 2>/dev/null',
    'cat app.conf items.conf limits.conf >/dev/null 2>&1',
    'readlink current.conf',
  ].join('\n');
}

async function main(): Promise<void> {
  ensureAnsible();
  if (TOOLS.some((t) => t.startsWith('tsplay')) && !process.argv.includes('--no-build'))
    execFileSync('node', ['scripts/build.mjs'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  await buildImages({ images: [IMAGE], log });
  const work = mkdtempSync(path.join(os.tmpdir(), 'tsplay-bench-'));
  const lab =
    TARGETS === 'sshd'
      ? await sshdTargetsUp(HOSTS, LAB, path.join(work, 'tsplay.yml'))
      : await labUp({ hosts: HOSTS, images: [IMAGE], name: LAB, inventoryPath: path.join(work, 'tsplay.yml'), log });
  try {
    const user = lab.hosts[0]!.user;
    const sshOpts = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes'];
    // Same hosts for both tools; Ansible in its fastest common setup (pipelining, ControlPersist, forks = hosts).
    const ini = [
      '[bench]',
      ...lab.hosts.map((h) => `${h.name} ansible_host=${h.address} ansible_port=${h.port}`),
      '',
      '[bench:vars]',
      `ansible_user=${user}`,
      `ansible_ssh_private_key_file=${lab.keyPath}`,
      'ansible_python_interpreter=/usr/bin/python3',
      `ansible_ssh_common_args='${sshOpts.slice(0, 6).join(' ')} -o ControlMaster=auto -o ControlPersist=60s'`,
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
    const ansibleEnv = { ANSIBLE_PIPELINING: 'True', ANSIBLE_FORKS: String(HOSTS), ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_NOCOLOR: '1' };
    const tsplayRun = (extra: string[], env: NodeJS.ProcessEnv = {}) =>
      timed('node', ['bin/tsplay.mjs', 'run', playbook, '-i', tsplayInv, '--no-history', '--forks', String(HOSTS), ...extra], { CI: 'true', TSPLAY_USE_DIST: '1', ...env });
    const runs: Record<string, (kind: 'first' | 'converged' | 'check') => Sample> = {
      tsplay: (k) => tsplayRun(k === 'check' ? ['--check'] : []),
      'tsplay-no-ahead': (k) => tsplayRun(k === 'check' ? ['--check'] : [], { TSPLAY_PROBE_AHEAD: '0' }),
      ansible: (k) => timed('ansible-playbook', ['-i', path.join(work, 'ansible.ini'), playbook, ...(k === 'check' ? ['--check'] : [])], ansibleEnv),
      floor: () => ({ ms: 0 }),
    };
    // the floor in parallel, as the tools are: one bash fanning out ssh per host
    runs.floor = () => {
      const script = floorScript().replace(/'/g, `'"'"'`);
      const fan = lab.hosts.map((h) => `ssh ${sshOpts.join(' ')} -i ${lab.keyPath} -p ${h.port} ${user}@${h.address} '${script}' >/dev/null &`).join('\n');
      return timed('bash', ['-c', `${fan}\nwait`]);
    };
    const res: Record<string, Record<string, Sample[]>> = {};
    const digests: Record<string, string> = {};
    for (let r = 0; r < ROUNDS; r++) {
      for (const tool of TOOLS) {
        const run = runs[tool];
        if (tool === 'ansible' && r >= ANSIBLE_ROUNDS) continue;
        if (!run) throw new Error(`unknown tool ${tool} (tsplay, tsplay-no-ahead, ansible, floor)`);
        const into = (res[tool] ??= { first: [], converged: [], check: [] });
        if (tool === 'floor') {
          into.converged!.push(run('converged'));
          continue;
        }
        reset();
        into.first!.push(run('first'));
        into.converged!.push(run('converged'));
        into.check!.push(run('check'));
        digests[tool] = digest();
      }
      log(`round ${r + 1}/${ROUNDS} done`);
    }
    if (PROFILE) {
      execFileSync('mkdir', ['-p', PROFILE]);
      const t = timed('node', ['--cpu-prof', '--cpu-prof-dir', PROFILE, 'bin/tsplay.mjs', 'run', playbook, '-i', tsplayInv, '--no-history', '--forks', String(HOSTS)], {
        CI: 'true',
        TSPLAY_USE_DIST: '1',
      });
      log(`profiled converged run: ${(t.ms / 1000).toFixed(2)} s, profile(s) in ${PROFILE}`);
    }
    const cell = (tool: string, kind: string) => {
      const xs = res[tool]?.[kind];
      return xs?.length ? median(xs.map((s) => s.ms)) : undefined;
    };
    const fmt = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`);
    const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(1)}×`);
    console.log(
      `\n${HOSTS} hosts (${IMAGE}, ${TARGETS} targets), ${ROUNDS} rounds (ansible ${Math.min(ROUNDS, ANSIBLE_ROUNDS)}), medians; ${os.cpus().length} CPUs, ${os.hostname()}, ${new Date().toISOString()}\n`,
    );
    console.log('| run | tsplay | tsplay, no probe-ahead | ansible-core | floor | ansible / tsplay | tsplay / floor | tsplay peak RSS | tsplay CPU s/host |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const kind of ['first', 'converged', 'check']) {
      const t = cell('tsplay', kind);
      const samples = res.tsplay?.[kind] ?? [];
      const rss = samples.length && samples[0]!.rssMb !== undefined ? `${Math.max(...samples.map((s) => s.rssMb!)).toFixed(0)} MB` : '—';
      const cpu = samples.length && samples[0]!.cpuS !== undefined ? (median(samples.map((s) => s.cpuS!)) / HOSTS).toFixed(3) : '—';
      const floor = kind === 'converged' ? cell('floor', 'converged') : undefined;
      console.log(
        `| ${kind} | ${fmt(t)} | ${fmt(cell('tsplay-no-ahead', kind))} | ${fmt(cell('ansible', kind))} | ${fmt(floor)} | ${ratio(cell('ansible', kind), t)} | ${ratio(t, floor)} | ${rss} | ${cpu} |`,
      );
    }
    const tools = Object.keys(digests);
    const same = tools.every((t) => digests[t] === digests[tools[0]!]);
    console.log(`\nresulting files identical on every host (${tools.join(', ')}): ${same ? 'yes' : 'NO'}`);
    if (!same) {
      for (const t of tools) console.log(`--- ${t}\n${digests[t]}`);
      process.exitCode = 1;
    }
  } finally {
    await labDown({ name: LAB, log });
  }
}

await main();
