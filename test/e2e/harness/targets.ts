import './env.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { Client } from 'ssh2';
import { docker, mustDocker, LABELS } from '../../../src/lab/docker.js';
import { testRunLabel } from '../../../src/lab/lab.js';
import { labInventory, labInventoryYaml, type LabHost } from '../../../src/lab/inventory.js';
import { findRecipe, imageTag } from '../../../src/lab/recipes/index.js';
import { AUTHORIZED_KEYS_PATH, isCgroupV2, makeKeyPair } from '../../../src/lab/targets.js';

export interface TargetSpec {
  /** Recipe name: `debian-12`, `rpmfamily-debian12`, … */
  image: string;
  /** Inventory host name (default `<image>-<n>`). */
  name?: string;
  capAdd?: string[];
  /** Extra tmpfs mounts, path → options (`size=512k`): e.g. a small filesystem that fills up. */
  tmpfs?: Record<string, string>;
  /** `docker update --restart=always`: the container comes back when systemd exits on a reboot. */
  restartAlways?: boolean;
}

export interface ExecResult {
  rc: number;
  stdout: string;
  stderr: string;
}

export interface Targets {
  hosts: LabHost[];
  /** Inventory file for `tsplay run -i` (every host in group `targets`, plus one group per image). */
  inventoryPath: string;
  inventory: Record<string, unknown>;
  keyPath: string;
  knownHostsPath: string;
  /** Temp dir holding key, known_hosts and inventory (removed by stop()). */
  dir: string;
  network: string;
  host(name: string): LabHost;
  /** `docker exec <container> sh -c <command>` — for assertions, not for the code under test. */
  exec(host: string | LabHost, command: string): Promise<ExecResult>;
  /** Run a command over SSH with the lab key (ssh2), as root or `user`. */
  ssh(host: string | LabHost, command: string, opts?: { user?: string }): Promise<ExecResult>;
  stop(): Promise<void>;
}

/** Make a docker network for one test file (labelled for the sweep). */
export async function createTestNetwork(): Promise<string> {
  const name = `tsplay-test-${randomBytes(4).toString('hex')}`;
  await mustDocker(['network', 'create', '--label', `${LABELS.test}=${testRunLabel()}`, name]);
  return name;
}

/**
 * Start systemd + sshd targets with testcontainers on one network (a new one unless given); write
 * an inventory reaching them by container IP with a fresh ed25519 key.
 */
export async function startTargets(specs: TargetSpec[], opts: { network?: string } = {}): Promise<Targets> {
  const ownNetwork = !opts.network;
  const network = opts.network ?? (await createTestNetwork());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-targets-'));
  const keyPath = path.join(dir, 'id_ed25519');
  const knownHostsPath = path.join(dir, 'known_hosts');
  const inventoryPath = path.join(dir, 'inventory.yml');
  const kp = makeKeyPair('tsplay-e2e');
  writeFileSync(keyPath, kp.privateKey, { mode: 0o600 });
  writeFileSync(knownHostsPath, '', { mode: 0o600 });
  const tag = randomBytes(3).toString('hex');

  const started: StartedTestContainer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((c) => c.stop({ timeout: 1, remove: true, removeVolumes: true }).catch(() => undefined)));
    if (ownNetwork) await docker(['network', 'rm', network]);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const hosts = await Promise.all(
      specs.map(async (spec, i): Promise<LabHost> => {
        const recipe = findRecipe(spec.image);
        if (!recipe) throw new Error(`unknown lab image ${spec.image}`);
        const name = spec.name ?? `${recipe.name}-${i + 1}`;
        let c = new GenericContainer(imageTag(recipe.name))
          .withName(`tsplay-test-${tag}-${name.replace(/[^A-Za-z0-9_.-]/g, '-')}`)
          .withHostname(name.replace(/[^A-Za-z0-9-]/g, '-'))
          .withLabels({ [LABELS.test]: testRunLabel() })
          .withTmpFs({ '/run': 'rw', '/run/lock': 'rw', ...spec.tmpfs })
          .withBindMounts([{ source: '/sys/fs/cgroup', target: '/sys/fs/cgroup', mode: isCgroupV2() ? 'rw' : 'ro' }])
          .withCommand(['/sbin/init'])
          .withNetworkMode(network)
          .withCopyContentToContainer([{ content: kp.publicKey, target: AUTHORIZED_KEYS_PATH, mode: 0o644 }])
          .withWaitStrategy(Wait.forSuccessfulCommand('systemctl is-active --quiet ssh || systemctl is-active --quiet sshd'))
          .withStartupTimeout(120_000);
        if (spec.capAdd?.length) c = c.withAddedCapabilities(...spec.capAdd);
        const s = await c.start();
        started.push(s);
        if (spec.restartAlways) await mustDocker(['update', '--restart=always', s.getId()]);
        return { name, container: s.getName().replace(/^\//, ''), image: recipe.name, address: s.getIpAddress(network), port: 22, user: 'root' };
      }),
    );
    const invOpts = { keyPath, knownHostsPath, group: 'targets', comment: 'Written by the tsplay e2e harness' };
    writeFileSync(inventoryPath, labInventoryYaml(hosts, invOpts));
    const find = (h: string | LabHost): LabHost => {
      if (typeof h !== 'string') return h;
      const found = hosts.find((x) => x.name === h);
      if (!found) throw new Error(`no target named ${h} (have ${hosts.map((x) => x.name).join(', ')})`);
      return found;
    };
    return {
      hosts,
      inventoryPath,
      inventory: labInventory(hosts, invOpts),
      keyPath,
      knownHostsPath,
      dir,
      network,
      host: find,
      exec: (h, command) => docker(['exec', find(h).container, 'sh', '-c', command]),
      ssh: (h, command, o) => sshRun(find(h), kp.privateKey, command, o?.user),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** One command over a fresh ssh2 connection (host key not checked: test helper on lab targets). */
export function sshRun(host: LabHost, privateKey: string, command: string, user = host.user): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const conn = new Client();
    conn
      .on('ready', () => {
        conn.exec(command, (err, stream) => {
          if (err) {
            conn.end();
            reject(err);
            return;
          }
          let stdout = '';
          let stderr = '';
          stream.on('data', (b: Buffer) => (stdout += b.toString()));
          stream.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
          stream.on('close', (code: number | null) => {
            conn.end();
            resolve({ rc: code ?? -1, stdout, stderr });
          });
        });
      })
      .on('error', reject)
      .connect({ host: host.address, port: host.port, username: user, privateKey, readyTimeout: 20_000, hostVerifier: () => true });
  });
}
