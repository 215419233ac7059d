// Shared harness for the Wallarm stand-in e2e tests: a labelled network, the installer server,
// systemd targets from the lab images, and helpers that run commands in them.
import { expect } from 'vitest';
import { docker, imageExists, mustDocker } from '../../../src/lab/docker.js';
import { imageTag } from '../../../src/lab/recipes/index.js';
import { startInstallerServer, type InstallerServer } from '../../../src/lab/wallarm-server.js';

export const NGINX_IMAGE = process.env.WALLARM_STANDIN_NGINX_IMAGE ?? imageTag('debian-12-nginx');
export const PLAIN_IMAGE = process.env.WALLARM_STANDIN_PLAIN_IMAGE ?? imageTag('debian-12');
const RUN = `standin-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
const NET = `tsplay-${RUN}`;
const LABELS = ['--label', 'tsplay.lab=1', '--label', `tsplay.test=${RUN}`];
// Stand-in token kinds: `api-…` = API token, anything else = node token (see README).
export const API_TOKEN = 'api-Zq8tK3secretApiTokenValue0001';
export const NODE_TOKEN = 'nodeTok3nSecretValueW4llarm0002';

let server: InstallerServer | undefined;
const started: string[] = [];

export interface Exec {
  rc: number;
  out: string;
  err: string;
}

export async function sh(container: string, script: string, env: Record<string, string> = {}): Promise<Exec> {
  const args = ['exec'];
  for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`);
  const r = await docker([...args, container, 'sh', '-c', script]);
  return { rc: r.rc, out: r.stdout, err: r.stderr };
}

export async function target(name: string, image: string): Promise<{ name: string; ip: string }> {
  const full = `${RUN}-${name}`;
  await mustDocker([
    'run',
    '-d',
    '--name',
    full,
    '--hostname',
    name,
    ...LABELS,
    '--network',
    NET,
    '--tmpfs',
    '/run',
    '--tmpfs',
    '/run/lock',
    '-v',
    '/sys/fs/cgroup:/sys/fs/cgroup:ro',
    image,
    '/sbin/init',
  ]);
  started.push(full);
  for (let i = 0; ; i++) {
    const r = await sh(full, 'systemctl is-system-running');
    if (/running|degraded/.test(r.out)) break;
    if (i > 100) throw new Error(`${full}: systemd did not come up: ${r.out}${r.err}`);
    await new Promise((res) => setTimeout(res, 200));
  }
  const ip = (await mustDocker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${NET}").IPAddress}}`, full])).stdout.trim();
  return { name: full, ip };
}

/** Download with real curl from the installer server, then run it like the docs do. */
export async function install(c: string, version: string, opts: string, env: Record<string, string> = {}, arch = 'x86_64'): Promise<Exec> {
  const mm = version.split('.').slice(0, 2).join('.');
  const file = `wallarm-${version}.${arch}-glibc.sh`;
  const dl = await sh(c, `cd /root && curl -fsSO ${server!.baseUrl}/${mm}/${file}`);
  expect(dl.rc, dl.err).toBe(0);
  return sh(c, `cd /root && sh ${file} ${opts}`, env);
}

export async function status(c: string): Promise<Record<string, unknown>> {
  const r = await sh(c, 'curl -fsS http://127.0.0.8/wallarm-status');
  expect(r.rc, r.err).toBe(0);
  return JSON.parse(r.out) as Record<string, unknown>;
}

/** The stand-in's status page: the counters the tests read (absent ones read as 0 here). */
export type StandinStatus = Record<string, number> & { requests: number; tnt_errors: number };

/** Wait until the status page satisfies `ok` (the agent works asynchronously, like collectd). */
export async function statusUntil(c: string, ok: (s: StandinStatus) => boolean): Promise<StandinStatus> {
  let last: StandinStatus = { requests: 0, tnt_errors: 0 };
  for (let i = 0; i < 100; i++) {
    last = { requests: 0, tnt_errors: 0, ...((await status(c)) as Record<string, number>) };
    if (ok(last)) return last;
    await new Promise((res) => setTimeout(res, 100));
  }
  return last;
}

export async function setUpstream(c: string, servers: string, directive = 'wallarm_wstore_upstream wallarm_wstore;'): Promise<Exec> {
  // Rewrite the placeholder block the installer put into http {} (the role does this structurally).
  const script = [
    `awk -v servers='${servers}' -v dir='${directive}' '`,
    '/^ *upstream wallarm_wstore \\{/ { print; n = split(servers, s, " "); for (i = 1; i <= n; i++) print "        server " s[i] " max_fails=0 fail_timeout=0 max_conns=1;"; print "        keepalive " n ";"; skip = 1; next }',
    'skip && /^ *\\}/ { skip = 0 }',
    'skip { next }',
    '/wallarm_wstore_upstream/ { print "    " dir; next }',
    "{ print }' /etc/nginx/nginx.conf > /tmp/nginx.conf && cat /tmp/nginx.conf > /etc/nginx/nginx.conf",
  ].join('\n');
  const w = await sh(c, script);
  expect(w.rc, w.err).toBe(0);
  return sh(c, 'nginx -t 2>&1 && systemctl restart nginx');
}

/** Create the network and the installer server (call from beforeAll). */
export async function setUpLab(versions: string[]): Promise<InstallerServer> {
  for (const img of [NGINX_IMAGE, PLAIN_IMAGE]) {
    if (!(await imageExists(img))) throw new Error(`lab image ${img} is missing: build the lab images first (tsplay lab build)`);
  }
  await mustDocker(['network', 'create', ...LABELS, NET]);
  server = await startInstallerServer({ network: NET, versions, image: PLAIN_IMAGE, labels: { 'tsplay.test': RUN } });
  return server;
}

/** Remove every container and the network this file started (call from afterAll). */
export async function tearDownLab(): Promise<void> {
  for (const c of started) await docker(['rm', '-f', c]);
  started.length = 0;
  await server?.stop();
  await docker(['network', 'rm', NET]);
}

/** Copy a file from this machine into a container. */
export async function copyTo(container: string, hostPath: string, containerPath: string): Promise<void> {
  await mustDocker(['cp', hostPath, `${container}:${containerPath}`]);
}
