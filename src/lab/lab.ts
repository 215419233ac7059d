import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import { TsplayError } from '../errors.js';
import { LABELS, containerIp, containersWithLabel, docker, ensureNetwork, imageLabel, mustDocker, removeNetworkIfUnused, requireDocker } from './docker.js';
import { buildImages, formatBuildSummary, recipeHash } from './images.js';
import { labInventoryYaml, type LabHost } from './inventory.js';
import { findRecipe, imageTag } from './recipes/index.js';
import { AUTHORIZED_KEYS_PATH, makeKeyPair, raiseInotifyLimits, systemdRunArgs, waitForTarget } from './targets.js';
import { pidAlive } from './process.js';

/** The user-defined bridge network every `tsplay lab up` host joins. */
export const LAB_NETWORK = 'tsplay-lab';

export interface LabUpOptions {
  /** Number of targets. */
  hosts: number;
  /** Recipe names; several are dealt out round-robin. Default `debian-12`. */
  images?: string[];
  /** Where to write the inventory (default `<stateDir>/inventory.yml`). */
  inventoryPath?: string;
  /** Lab name (several labs can run side by side). Default `lab`. */
  name?: string;
  /** Default `./.tsplay/lab/<name>`. */
  stateDir?: string;
  /** Capabilities for the targets (default NET_ADMIN, so firewall roles can load rules). */
  capAdd?: string[];
  log: (line: string) => void;
}

export interface LabUpResult {
  inventoryPath: string;
  keyPath: string;
  knownHostsPath: string;
  stateDir: string;
  hosts: LabHost[];
}

interface LabState {
  name: string;
  network: string;
  inventoryPath: string;
  hosts: LabHost[];
}

export function labStateDir(name = 'lab', stateDir?: string): string {
  return path.resolve(stateDir ?? path.join('.tsplay', 'lab', name));
}

function checkName(name: string): void {
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(name)) {
    throw new TsplayError('USAGE', `invalid lab name "${name}"`, { hint: 'use lowercase letters, digits and dashes (at most 31)' });
  }
}

/**
 * Start `hosts` SSH targets (systemd + sshd) on the `tsplay-lab` network and write an inventory that
 * reaches them by container IP, an ed25519 key and a lab-local known_hosts (policy accept-new).
 * Builds missing images first. An existing lab of the same name is replaced.
 */
export async function labUp(opts: LabUpOptions): Promise<LabUpResult> {
  const name = opts.name ?? 'lab';
  checkName(name);
  if (!Number.isInteger(opts.hosts) || opts.hosts < 1 || opts.hosts > 200) {
    throw new TsplayError('USAGE', `--hosts must be a whole number from 1 to 200, got ${opts.hosts}`);
  }
  const images = opts.images?.length ? opts.images : ['debian-12'];
  for (const img of images) if (!findRecipe(img)) throw new TsplayError('USAGE', `unknown lab image "${img}"`, { hint: 'see `tsplay lab build` for the list' });
  const log = opts.log;
  await requireDocker();

  // Build what is missing or out of date (cached images cost one `docker image inspect`).
  const stale: string[] = [];
  for (const img of new Set(images)) {
    const r = findRecipe(img)!;
    const label = await imageLabel(imageTag(r.name), LABELS.recipeHash);
    if (label === null || label === undefined) stale.push(r.name);
    else if (process.getuid?.() === 0) {
      // Root can rebuild: keep images in step with their recipes.
      const { reposSourceHash } = await import('./repos.js');
      if (label !== recipeHash(r, reposSourceHash())) stale.push(r.name);
    }
  }
  if (stale.length) {
    log(`lab: building ${stale.join(', ')}`);
    const summary = await buildImages({ images: stale, log });
    const bad = summary.images.filter((i) => i.status === 'failed' || i.status === 'skipped');
    if (bad.length) {
      throw new TsplayError('LAB', `cannot start the lab: image(s) not available:\n${formatBuildSummary(summary)}`);
    }
  }

  const stateDir = labStateDir(name, opts.stateDir);
  await labDown({ name, stateDir, log: () => undefined, keepStateDir: true });
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const keyPath = path.join(stateDir, 'id_ed25519');
  const knownHostsPath = path.join(stateDir, 'known_hosts');
  const pubPath = `${keyPath}.pub`;
  if (!existsSync(keyPath) || !existsSync(pubPath)) {
    const kp = makeKeyPair(`tsplay-lab-${name}`);
    writeFileSync(keyPath, kp.privateKey, { mode: 0o600 });
    writeFileSync(pubPath, kp.publicKey, { mode: 0o644 });
  }
  // Fresh containers have fresh host keys; addresses get reused, so start with an empty known_hosts.
  writeFileSync(knownHostsPath, '', { mode: 0o600 });

  const inotify = raiseInotifyLimits();
  if (inotify) log(`lab: ${inotify}`);
  await ensureNetwork(LAB_NETWORK, { [LABELS.image]: '1' });

  const t0 = Date.now();
  const limit = pLimit(8);
  const caps = opts.capAdd ?? ['NET_ADMIN'];
  const hosts = await Promise.all(
    Array.from({ length: opts.hosts }, (_, i) =>
      limit(async (): Promise<LabHost> => {
        const host = `${name}-${i + 1}`;
        const container = `tsplay-${host}`;
        const image = findRecipe(images[i % images.length]!)!.name;
        const args = ['create', '--name', container, '--hostname', host, '--network', LAB_NETWORK, '--label', `${LABELS.labInstance}=${name}`, ...systemdRunArgs()];
        for (const c of caps) args.push('--cap-add', c);
        await mustDocker([...args, imageTag(image)]);
        await mustDocker(['cp', pubPath, `${container}:${AUTHORIZED_KEYS_PATH}`]);
        await mustDocker(['start', container]);
        await waitForTarget(container);
        const address = await containerIp(container, LAB_NETWORK);
        return { name: host, container, image, address, port: 22, user: 'root' };
      }),
    ),
  );
  log(`lab: ${hosts.length} host(s) up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const inventoryPath = path.resolve(opts.inventoryPath ?? path.join(stateDir, 'inventory.yml'));
  mkdirSync(path.dirname(inventoryPath), { recursive: true });
  writeFileSync(
    inventoryPath,
    labInventoryYaml(hosts, {
      keyPath,
      knownHostsPath,
      group: 'lab',
      comment: `Written by \`tsplay lab up\` (lab "${name}"). Hosts are containers on docker network ${LAB_NETWORK},\nreached by container IP on port 22. \`tsplay lab down${name === 'lab' ? '' : ` --name ${name}`}\` removes them.`,
    }),
  );
  const state: LabState = { name, network: LAB_NETWORK, inventoryPath, hosts };
  writeFileSync(path.join(stateDir, 'state.json'), JSON.stringify(state, null, 2) + '\n');
  return { inventoryPath, keyPath, knownHostsPath, stateDir, hosts };
}

export interface LabDownOptions {
  name?: string;
  stateDir?: string;
  log: (line: string) => void;
  /** Keep the state dir (labUp uses this to replace a running lab). */
  keepStateDir?: boolean;
}

/** Remove a lab's containers, its network when nothing else uses it, its inventory and state dir. */
export async function labDown(opts: LabDownOptions): Promise<{ containers: number }> {
  const name = opts.name ?? 'lab';
  checkName(name);
  await requireDocker();
  const ids = await containersWithLabel(`${LABELS.labInstance}=${name}`);
  if (ids.length) await mustDocker(['rm', '-f', '-v', ...ids]);
  const netRemoved = await removeNetworkIfUnused(LAB_NETWORK);
  const stateDir = labStateDir(name, opts.stateDir);
  if (!opts.keepStateDir && existsSync(stateDir)) {
    const statePath = path.join(stateDir, 'state.json');
    if (existsSync(statePath)) {
      const st = JSON.parse(readFileSync(statePath, 'utf8')) as LabState;
      if (st.inventoryPath && !st.inventoryPath.startsWith(stateDir + path.sep)) rmSync(st.inventoryPath, { force: true });
    }
    rmSync(stateDir, { recursive: true, force: true });
  }
  opts.log(`lab: removed ${ids.length} container(s)${netRemoved ? ` and network ${LAB_NETWORK}` : ''}`);
  return { containers: ids.length };
}

/**
 * Value of the `tsplay.test` label for what this test run starts: `run-<pid>` of the vitest main
 * process (the e2e global setup exports TSPLAY_TEST_RUN_PID), so a sweep can tell live runs apart.
 */
export function testRunLabel(): string {
  return `run-${process.env['TSPLAY_TEST_RUN_PID'] ?? process.pid}`;
}

/** Whether a `tsplay.test` label value belongs to a run that is gone (its pid is dead or unknown). */
export function isLeftover(labelValue: string, ownRun?: string): boolean {
  if (ownRun !== undefined && labelValue === ownRun) return true;
  const m = /(\d{2,})/.exec(labelValue);
  if (!m) return true;
  return !pidAlive(Number(m[1]));
}

async function labelled(kind: 'ps -a' | 'network ls', label: string): Promise<Array<{ id: string; value: string }>> {
  const args = kind === 'ps -a' ? ['ps', '-a'] : ['network', 'ls'];
  const r = await docker([...args, '--filter', `label=${label}`, '--format', `{{.ID}} {{.Label "${label}"}}`]);
  if (r.rc !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const i = l.indexOf(' ');
      return i < 0 ? { id: l, value: '' } : { id: l.slice(0, i), value: l.slice(i + 1) };
    });
}

/**
 * Remove what e2e runs left behind: containers and networks labelled `tsplay.test` whose run is
 * gone (another run's live containers on a shared machine are left alone), plus this run's own
 * when `ownRun` is given (global teardown). With `labs: true` every `tsplay lab up` container too.
 */
export async function sweepLeftovers(opts: { labs?: boolean; ownRun?: string; log?: (line: string) => void } = {}): Promise<{ containers: number; networks: number }> {
  const ids = (await labelled('ps -a', LABELS.test)).filter((c) => isLeftover(c.value, opts.ownRun)).map((c) => c.id);
  if (opts.labs) ids.push(...(await containersWithLabel(LABELS.labInstance)));
  if (ids.length) await docker(['rm', '-f', '-v', ...ids]);
  const nets = (await labelled('network ls', LABELS.test)).filter((n) => isLeftover(n.value, opts.ownRun));
  let removedNets = 0;
  for (const n of nets) if ((await docker(['network', 'rm', n.id])).rc === 0) removedNets++;
  if (opts.labs && (await removeNetworkIfUnused(LAB_NETWORK))) removedNets++;
  if ((ids.length || removedNets) && opts.log) opts.log(`sweep: removed ${ids.length} container(s), ${removedNets} network(s)`);
  return { containers: ids.length, networks: removedNets };
}
