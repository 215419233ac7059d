/**
 * The Wallarm upgrade scenario on real containers, shared by `tsplay demo` and the e2e tests:
 * an old postanalytics (package `wallarm-node-tarantool` from the lab's apt repo), new postanalytics
 * hosts, NGINX filtering nodes already running Wallarm and pointed at the OLD postanalytics (so a
 * rollback has somewhere honest to go back to), optionally an outsider container, and the stand-in
 * installer server — all on one docker network, with an inventory for `playbooks/upgrade.yml`.
 * TEST/DEMO ONLY: the installer and the token are stand-ins (test/standins/wallarm/).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { stringifyYaml } from '../loader/yaml.js';
import { TsplayError } from '../errors.js';
import { sh } from '../commands/quote.js';
import type { RunPlaybookOptions } from '../engine/api.js';
import type { Reporter, RunReport } from '../engine/report.js';
import { runPlaybook } from '../engine/run.js';
import { buildImages, formatBuildSummary } from '../lab/images.js';
import { LABELS, containerIp, docker, ensureNetwork, imageLabel, mustDocker, requireDocker } from '../lab/docker.js';
import { findRecipe, imageTag } from '../lab/recipes/index.js';
import { WALLARM_STANDIN } from '../lab/repos.js';
import { AUTHORIZED_KEYS_PATH, makeKeyPair, raiseInotifyLimits, systemdRunArgs, waitForTarget, type ExecResult } from '../lab/targets.js';
import { installerUrl, startInstallerServer, type InstallerServer } from '../lab/wallarm-server.js';
import { PACKAGE_ROOT } from '../paths.js';

/** Repository root (playbooks/ lives there). */
export const REPO_ROOT = PACKAGE_ROOT;

/** Environment variable the inventory reads the token from (as in inventory/example.yml). */
export const TOKEN_ENV = 'WALLARM_API_TOKEN';
/**
 * Demo-only token. The stand-in installer treats `api-…` as an API token (group label required);
 * it is not a Wallarm credential and is never sent anywhere but the local stand-ins.
 */
export const DEMO_TOKEN = 'api-tsplay-demo-standin-token';

export type ScenarioRole = 'postanalytics_old' | 'postanalytics' | 'filtering' | 'outsider';

export interface ScenarioHost {
  /** Inventory name (`pa-old-1`, `pa-new-1`, `nginx-1`, `outsider`). */
  name: string;
  role: ScenarioRole;
  container: string;
  image: string;
  /** Container IP on the scenario network (also `wallarm_address`). */
  address: string;
}

export interface ScenarioImages {
  old: string;
  postanalytics: string[];
  filtering: string[];
  outsider: string;
}

/** Images of the demo: new postanalytics and filtering nodes on different Debian releases. */
export const DEMO_IMAGES: ScenarioImages = {
  old: 'debian-12',
  postanalytics: ['debian-12', 'debian-13'],
  filtering: ['debian-12-nginx', 'debian-13-nginx'],
  outsider: 'debian-12',
};

export interface ScenarioOptions {
  /** Wallarm version the upgrade goes to (default 6.12.1). */
  version?: string;
  /** Prefix of container names: `tsplay-<name>-<host>`. Default `demo`. */
  name?: string;
  /** Docker network to join (created if missing, with `labels`). Default `tsplay-<name>`. */
  network?: string;
  /** Remove the network in stop() (default: when the scenario created it). */
  removeNetwork?: boolean;
  /** Labels on every container (and a network the scenario creates): sweeps find them. */
  labels?: Record<string, string>;
  /** Key, known_hosts, inventory and installers go here (default: a temp dir removed by stop()). */
  stateDir?: string;
  images?: Partial<ScenarioImages>;
  /** Start an outsider container (not in the inventory) for the firewall drop check. */
  outsider?: boolean;
  /** Start the old postanalytics (package install). Default true; false = a fresh separate install. */
  old?: boolean;
  /** Install the filtering nodes beforehand (same version) and point them at the old postanalytics. Default true (needs `old`). */
  preconnect?: boolean;
  /** More inventory vars for `all`. */
  vars?: Record<string, unknown>;
  /** Inventory vars per group (`postanalytics`, `filtering`, …). */
  groupVars?: Record<string, Record<string, unknown>>;
  /** Wallarm node group label (default `tsplay-demo`). */
  group?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface Scenario {
  version: string;
  network: string;
  stateDir: string;
  inventoryPath: string;
  keyPath: string;
  installer: InstallerServer;
  hosts: ScenarioHost[];
  /** Hosts of one role, in inventory order. */
  byRole(role: ScenarioRole): ScenarioHost[];
  host(name: string): ScenarioHost;
  /** `docker exec <container> sh -c <command>` (for set-up and assertions; the playbook uses SSH). */
  exec(host: string | ScenarioHost, command: string): Promise<ExecResult>;
  /** Options for runPlaybook on this scenario's inventory (playbook relative to the repo root). */
  runOptions(playbook: string, extra?: Partial<RunPlaybookOptions>): RunPlaybookOptions;
  /** Run a playbook (reporters closed afterwards). */
  run(playbook: string, extra?: Partial<RunPlaybookOptions>): Promise<RunReport>;
  /** Remove containers, the installer server, the network (if ours) and a temp state dir. */
  stop(): Promise<void>;
}

const SSH_HOSTS: ScenarioRole[] = ['postanalytics_old', 'postanalytics', 'filtering'];

/** Lab images the scenario needs (recipe names), the installer server's included. */
export function scenarioImages(images: ScenarioImages, outsider: boolean, old = true): string[] {
  const all = [...(old ? [images.old] : []), ...images.postanalytics, ...images.filtering, 'debian-12'];
  if (outsider) all.push(images.outsider);
  return [...new Set(all)];
}

/** Build the images that are missing (cached builds cost one `docker image inspect`). */
export async function ensureImages(names: string[], log: (line: string) => void): Promise<void> {
  const missing: string[] = [];
  for (const n of names) {
    const r = findRecipe(n);
    if (!r) throw new TsplayError('USAGE', `unknown lab image "${n}"`);
    const label = await imageLabel(imageTag(r.name), LABELS.recipeHash);
    if (label === null || label === undefined) missing.push(r.name);
  }
  if (!missing.length) return;
  log(`building lab images ${missing.join(', ')} (first run only; cached afterwards)`);
  const summary = await buildImages({ images: missing, log });
  const bad = summary.images.filter((i) => i.status === 'failed' || i.status === 'skipped');
  if (bad.length) throw new TsplayError('LAB', `lab image(s) not available:\n${formatBuildSummary(summary)}`, { hint: 'run `tsplay lab build` to see the build output' });
}

/** Start the scenario; on any failure everything started so far is removed again. */
export async function startScenario(opts: ScenarioOptions = {}): Promise<Scenario> {
  const log = opts.log ?? (() => undefined);
  const version = opts.version ?? '6.12.1';
  const name = opts.name ?? 'demo';
  if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(name)) throw new TsplayError('USAGE', `invalid scenario name "${name}"`, { hint: 'lowercase letters, digits and dashes' });
  const images: ScenarioImages = { ...DEMO_IMAGES, ...opts.images };
  const labels = opts.labels ?? {};
  const group = opts.group ?? 'tsplay-demo';
  await requireDocker();
  // The token the inventory reads; a real token in this process's environment is never used here.
  process.env[TOKEN_ENV] = DEMO_TOKEN;

  const withOld = opts.old ?? true;
  await ensureImages(scenarioImages(images, !!opts.outsider, withOld), log);
  const inotify = raiseInotifyLimits();
  if (inotify) log(inotify);

  const ownState = opts.stateDir === undefined;
  const stateDir = path.resolve(opts.stateDir ?? mkdtempSync(path.join(os.tmpdir(), 'tsplay-scenario-')));
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const network = opts.network ?? `tsplay-${name}`;
  const netExisted = (await docker(['network', 'inspect', network])).rc === 0;
  await ensureNetwork(network, labels);
  const removeNetwork = opts.removeNetwork ?? !netExisted;

  const containers: string[] = [];
  let installer: InstallerServer | undefined;
  const stop = async (): Promise<void> => {
    if (containers.length) await docker(['rm', '-f', '-v', ...containers]);
    containers.length = 0;
    await installer?.stop();
    if (removeNetwork) await docker(['network', 'rm', network]);
    if (ownState) rmSync(stateDir, { recursive: true, force: true });
  };

  try {
    const keyPath = path.join(stateDir, 'id_ed25519');
    const knownHostsPath = path.join(stateDir, 'known_hosts');
    const kp = makeKeyPair(`tsplay-${name}`);
    writeFileSync(keyPath, kp.privateKey, { mode: 0o600 });
    writeFileSync(`${keyPath}.pub`, kp.publicKey, { mode: 0o644 });
    writeFileSync(knownHostsPath, '', { mode: 0o600 });

    const plan: Array<{ name: string; role: ScenarioRole; image: string }> = [
      ...(withOld ? [{ name: 'pa-old-1', role: 'postanalytics_old' as const, image: images.old }] : []),
      ...images.postanalytics.map((image, i) => ({ name: `pa-new-${i + 1}`, role: 'postanalytics' as const, image })),
      ...images.filtering.map((image, i) => ({ name: `nginx-${i + 1}`, role: 'filtering' as const, image })),
      ...(opts.outsider ? [{ name: 'outsider', role: 'outsider' as const, image: images.outsider }] : []),
    ];
    log(`starting ${plan.length} containers on network ${network}: ${plan.map((p) => `${p.name} (${p.image})`).join(', ')}`);
    const t0 = Date.now();
    const limit = pLimit(4);
    const hosts = await Promise.all(
      plan.map((p) =>
        limit(async (): Promise<ScenarioHost> => {
          const container = `tsplay-${name}-${p.name}`;
          await docker(['rm', '-f', '-v', container]); // a leftover of an interrupted run
          const args = ['create', '--name', container, '--hostname', p.name, '--network', network, ...systemdRunArgs(), '--cap-add', 'NET_ADMIN'];
          for (const [k, v] of Object.entries(labels)) args.push('--label', `${k}=${v}`);
          await mustDocker([...args, imageTag(findRecipe(p.image)!.name)]);
          containers.push(container);
          await mustDocker(['cp', `${keyPath}.pub`, `${container}:${AUTHORIZED_KEYS_PATH}`]);
          await mustDocker(['start', container]);
          await waitForTarget(container);
          return { name: p.name, role: p.role, container, image: p.image, address: await containerIp(container, network) };
        }),
      ),
    );
    log(`containers up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const installerDir = path.join(stateDir, 'installers');
    installer = await startInstallerServer({ network, versions: [version], dir: installerDir, labels, suites: ['bookworm', 'trixie'], log });
    log(`stand-in installer server: ${installer.baseUrl}`);

    const find = (h: string | ScenarioHost): ScenarioHost => {
      if (typeof h !== 'string') return h;
      const f = hosts.find((x) => x.name === h);
      if (!f) throw new Error(`no scenario host ${h}`);
      return f;
    };
    const exec = (h: string | ScenarioHost, command: string): Promise<ExecResult> => docker(['exec', find(h).container, 'sh', '-c', command]);
    const byRole = (role: ScenarioRole): ScenarioHost[] => hosts.filter((h) => h.role === role);

    if (withOld) await installOldPostanalytics(byRole('postanalytics_old')[0]!, exec, log);
    if (withOld && (opts.preconnect ?? true)) {
      const old = byRole('postanalytics_old')[0]!;
      await Promise.all(byRole('filtering').map((f) => preconnectFiltering(f, old, { version, group, baseUrl: installer!.baseUrl }, exec, log)));
    }

    const inventoryPath = path.join(stateDir, 'inventory.yml');
    writeFileSync(
      inventoryPath,
      scenarioInventoryYaml(hosts, { keyPath, knownHostsPath, version, group, installerBaseUrl: installer.baseUrl, vars: opts.vars, groupVars: opts.groupVars }),
    );

    const runOptions = (playbook: string, extra: Partial<RunPlaybookOptions> = {}): RunPlaybookOptions => ({
      playbook: path.resolve(REPO_ROOT, playbook),
      inventory: [inventoryPath],
      forks: 10,
      ...extra,
    });
    return {
      version,
      network,
      stateDir,
      inventoryPath,
      keyPath,
      installer,
      hosts,
      byRole,
      host: (n) => find(n),
      exec,
      runOptions,
      run: async (playbook, extra) => {
        const o = runOptions(playbook, extra);
        try {
          return await runPlaybook(o);
        } finally {
          for (const r of o.reporters ?? []) await r.close?.();
        }
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The old node of the seed: the `wallarm-node-tarantool` package from the lab's apt repo, running. */
async function installOldPostanalytics(h: ScenarioHost, exec: (h: ScenarioHost, c: string) => Promise<ExecResult>, log: (l: string) => void): Promise<void> {
  log(`${h.name}: apt-get install ${WALLARM_STANDIN.package} (old postanalytics ${WALLARM_STANDIN.version}, lab apt repo)`);
  const r = await exec(h, sh`DEBIAN_FRONTEND=noninteractive apt-get install -y ${WALLARM_STANDIN.package}`.text);
  if (r.rc !== 0) throw new TsplayError('LAB', `${h.name}: cannot install ${WALLARM_STANDIN.package}: ${(r.stderr || r.stdout).trim().slice(-600)}`);
  const port = WALLARM_STANDIN.port;
  const w = await exec(
    h,
    sh`for i in $(seq 1 50); do systemctl is-active --quiet ${WALLARM_STANDIN.service} && ss -ltnH ${`sport = :${port}`} | grep -q . && exit 0; sleep 0.2; done; exit 1`.text,
  );
  if (w.rc !== 0) throw new TsplayError('LAB', `${h.name}: ${WALLARM_STANDIN.service} is not listening on ${port} after the install`);
}

/**
 * The "before" state of a filtering node: Wallarm of the target version installed with the
 * installer by hand (no tsplay marker), its upstream pointing at the old postanalytics, NGINX
 * restarted and a request delivered there (tnt_errors 0). The upgrade then switches it.
 */
async function preconnectFiltering(
  f: ScenarioHost,
  old: ScenarioHost,
  o: { version: string; group: string; baseUrl: string },
  exec: (h: ScenarioHost, c: string) => Promise<ExecResult>,
  log: (l: string) => void,
): Promise<void> {
  log(`${f.name}: installing Wallarm filtering ${o.version} by hand, upstream → old postanalytics ${old.address}:${WALLARM_STANDIN.port}`);
  const url = installerUrl(o.baseUrl, o.version);
  const file = `/root/${path.posix.basename(url)}`;
  // The token goes in through the exec environment, as an operator would export it.
  const install = await docker([
    'exec',
    '-e',
    `${TOKEN_ENV}=${DEMO_TOKEN}`,
    '-e',
    `WALLARM_LABELS=group=${o.group}`,
    f.container,
    'sh',
    '-c',
    sh`curl -fsS -o ${file} ${url} && sh ${file} -- --batch -t "$WALLARM_API_TOKEN" filtering`.text,
  ]);
  if (install.rc !== 0) throw new TsplayError('LAB', `${f.name}: the stand-in installer failed (exit ${install.rc}): ${(install.stderr || install.stdout).trim().slice(-800)}`);
  const server = `${old.address}:${WALLARM_STANDIN.port}`;
  const edit = await exec(
    f,
    sh`sed -i -e ${`s/server 127\\.0\\.0\\.1:3313 /server ${server} /`} -e ${'s/^\\( *\\)# *\\(wallarm_[a-z]*_upstream \\)/\\1\\2/'} /etc/nginx/nginx.conf && nginx -t 2>&1 && systemctl restart nginx`
      .text,
  );
  if (edit.rc !== 0) throw new TsplayError('LAB', `${f.name}: pointing NGINX at the old postanalytics failed: ${(edit.stdout + edit.stderr).trim().slice(-600)}`);
  // Prove the old connection works: one request delivered, no tnt_errors.
  await exec(f, 'curl -s -o /dev/null http://localhost/');
  const status = await statusUntil(f, exec, (st) => Number(st['requests']) >= 1);
  if (status?.['tnt_errors'] !== 0) {
    throw new TsplayError('LAB', `${f.name}: the filtering node does not reach the old postanalytics (status: ${JSON.stringify(status)})`);
  }
}

/** Poll a filtering node's /wallarm-status until `ok` (the stand-in agent works asynchronously). */
export async function statusUntil(
  f: ScenarioHost,
  exec: (h: ScenarioHost, c: string) => Promise<ExecResult>,
  ok: (s: Record<string, unknown>) => boolean,
  tries = 50,
): Promise<Record<string, unknown> | undefined> {
  let last: Record<string, unknown> | undefined;
  for (let i = 0; i < tries; i++) {
    const r = await exec(f, 'curl -fsS http://127.0.0.8/wallarm-status');
    last = r.rc === 0 ? safeJson(r.stdout) : undefined;
    if (last && ok(last)) return last;
    await new Promise((res) => setTimeout(res, 200));
  }
  return last;
}

function safeJson(s: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(s) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export interface ScenarioInventoryOptions {
  keyPath: string;
  knownHostsPath: string;
  version: string;
  group: string;
  installerBaseUrl: string;
  vars?: Record<string, unknown>;
  groupVars?: Record<string, Record<string, unknown>>;
}

/** The inventory of inventory/example.yml's shape for the scenario's containers (outsider left out). */
export function scenarioInventory(hosts: ScenarioHost[], o: ScenarioInventoryOptions): Record<string, unknown> {
  const children: Record<string, unknown> = {};
  for (const role of SSH_HOSTS) {
    const members = hosts.filter((h) => h.role === role);
    if (!members.length) continue;
    children[role] = {
      hosts: Object.fromEntries(members.map((h) => [h.name, { ansible_host: h.address, wallarm_address: h.address, lab_container: h.container, lab_image: h.image }])),
      ...(o.groupVars?.[role] ? { vars: o.groupVars[role] } : {}),
    };
  }
  return {
    all: {
      vars: {
        ansible_user: 'root',
        ansible_port: 22,
        ansible_ssh_private_key_file: o.keyPath,
        tsplay_host_key_checking: 'accept-new',
        tsplay_known_hosts_file: o.knownHostsPath,
        wallarm_version: o.version,
        // Read from the environment of the run, never written here (inventory/example.yml's rule).
        wallarm_token: `{{ env.${TOKEN_ENV} }}`,
        wallarm_token_type: 'api',
        wallarm_group: o.group,
        wallarm_cloud: 'EU',
        installer_base_url: o.installerBaseUrl,
        ...o.vars,
      },
      children,
    },
  };
}

export function scenarioInventoryYaml(hosts: ScenarioHost[], o: ScenarioInventoryOptions): string {
  return (
    '# Written by the tsplay Wallarm scenario (demo / e2e). Containers on a local docker network,\n' +
    '# reached by container IP; the installer is the lab stand-in, the token a demo-only value.\n' +
    stringifyYaml(scenarioInventory(hosts, o))
  );
}

/** `tnt_errors` the verify role read on each filtering node (the last verify result per host). */
export function verifiedTntErrors(report: RunReport): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  for (const play of report.plays)
    for (const task of play.tasks) {
      if (task.module !== 'wallarm_verify') continue;
      for (const r of task.results) {
        const v = r.result?.['tnt_errors'];
        if (r.result?.['component'] === 'filtering') out[r.host] = typeof v === 'number' ? v : undefined;
      }
    }
  return out;
}

/** Hosts × tasks that changed in a run (for the idempotence message). */
export function changedTasks(report: RunReport): string[] {
  const out: string[] = [];
  for (const play of report.plays)
    for (const task of play.tasks) for (const r of task.results) if (r.changed || r.status === 'changed') out.push(`${r.host}: ${play.name} / ${task.name} [${task.module}]`);
  return out;
}

export type { Reporter };
