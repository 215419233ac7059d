// The Wallarm stand-ins on real containers: the installer downloaded with real curl from the lab's
// installer server, real systemd, real NGINX (`nginx -t`, restarts), real TCP between containers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, imageExists, mustDocker } from '../../../src/lab/docker.js';
import { startInstallerServer, type InstallerServer } from '../../../src/lab/wallarm-server.js';

const NGINX_IMAGE = process.env.WALLARM_STANDIN_NGINX_IMAGE ?? 'tsplay/debian-12-nginx';
const PLAIN_IMAGE = process.env.WALLARM_STANDIN_PLAIN_IMAGE ?? 'tsplay/debian-12';
const RUN = `standin-${process.pid}`;
const NET = `tsplay-${RUN}`;
const LABELS = ['--label', 'tsplay.lab=1', '--label', `tsplay.test=${RUN}`];
// Stand-in token kinds: `api-…` = API token, anything else = node token (see README).
const API_TOKEN = 'api-Zq8tK3secretApiTokenValue0001';
const NODE_TOKEN = 'nodeTok3nSecretValueW4llarm0002';

let server: InstallerServer;
const started: string[] = [];

interface Exec {
  rc: number;
  out: string;
  err: string;
}

async function sh(container: string, script: string, env: Record<string, string> = {}): Promise<Exec> {
  const args = ['exec'];
  for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`);
  const r = await docker([...args, container, 'sh', '-c', script]);
  return { rc: r.rc, out: r.stdout, err: r.stderr };
}

async function target(name: string, image: string): Promise<{ name: string; ip: string }> {
  const full = `${RUN}-${name}`;
  await mustDocker([
    'run', '-d', '--name', full, '--hostname', name, ...LABELS, '--network', NET,
    '--tmpfs', '/run', '--tmpfs', '/run/lock', '-v', '/sys/fs/cgroup:/sys/fs/cgroup:ro',
    image, '/sbin/init',
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
async function install(c: string, version: string, opts: string, env: Record<string, string> = {}): Promise<Exec> {
  const mm = version.split('.').slice(0, 2).join('.');
  const file = `wallarm-${version}.x86_64-glibc.sh`;
  const dl = await sh(c, `cd /root && curl -fsSO ${server.baseUrl}/${mm}/${file}`);
  expect(dl.rc, dl.err).toBe(0);
  return sh(c, `cd /root && sh ${file} ${opts}`, env);
}

async function status(c: string): Promise<Record<string, unknown>> {
  const r = await sh(c, 'curl -fsS http://127.0.0.8/wallarm-status');
  expect(r.rc, r.err).toBe(0);
  return JSON.parse(r.out) as Record<string, unknown>;
}

/** Wait until the status page satisfies `ok` (the agent works asynchronously, like collectd). */
async function statusUntil(c: string, ok: (s: Record<string, number>) => boolean): Promise<Record<string, number>> {
  let last: Record<string, number> = {};
  for (let i = 0; i < 100; i++) {
    last = (await status(c)) as Record<string, number>;
    if (ok(last)) return last;
    await new Promise((res) => setTimeout(res, 100));
  }
  return last;
}

async function setUpstream(c: string, servers: string, directive = 'wallarm_wstore_upstream wallarm_wstore;'): Promise<Exec> {
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

beforeAll(async () => {
  for (const img of [NGINX_IMAGE, PLAIN_IMAGE]) {
    if (!(await imageExists(img))) throw new Error(`lab image ${img} is missing: build the lab images first (tsplay lab build)`);
  }
  await mustDocker(['network', 'create', ...LABELS, NET]);
  server = await startInstallerServer({ network: NET, versions: ['4.10.5', '6.12.1'], image: PLAIN_IMAGE });
});

afterAll(async () => {
  for (const c of started) await docker(['rm', '-f', c]);
  await server?.stop();
  await docker(['network', 'rm', NET]);
});

describe('stand-in postanalytics (6.x, wstore)', () => {
  let pa: { name: string; ip: string };
  beforeAll(async () => {
    pa = await target('pa6', PLAIN_IMAGE);
  });

  it('refuses an API token without WALLARM_LABELS and leaves the machine clean', async () => {
    const r = await install(pa.name, '6.12.1', `-- --batch -t ${API_TOKEN} postanalytics`);
    expect(r.rc).toBe(4);
    expect(r.err).toContain('label "group" is required for this registration type');
    expect((await sh(pa.name, 'test -e /opt/wallarm || getent passwd wallarm')).rc).not.toBe(0);
  });

  it('installs with the group label: files, running service, listening on 3313', async () => {
    const r = await install(pa.name, '6.12.1', `-- --batch -t ${API_TOKEN} -c US postanalytics`, { WALLARM_LABELS: 'group=blue' });
    expect(r.rc, r.err).toBe(0);
    const files = await sh(pa.name, 'cat /opt/wallarm/env.list /opt/wallarm/etc/wallarm/node.yaml /opt/wallarm/wstore/wstore.yaml');
    expect(files.out).toContain('SLAB_ALLOC_ARENA=1');
    expect(files.out).toMatch(/api:\n {2}uuid: [0-9a-f-]{36}\n {2}secret: [0-9a-f]{64}\n {2}host: us1\.api\.wallarm\.com/);
    expect(files.out).toMatch(/wstore:\n {2}host: '0\.0\.0\.0'\n {2}port: 3313/);
    expect(files.out).toMatch(/service:\n {2}address: 0\.0\.0\.0:3313\n {2}TLS:\n {4}enabled: false/);
    expect((await sh(pa.name, 'test -s /opt/wallarm/etc/wallarm/private.key && getent passwd wallarm')).rc).toBe(0);
    expect((await sh(pa.name, 'systemctl is-active wallarm')).out.trim()).toBe('active');
    const ss = await sh(pa.name, 'for i in 1 2 3 4 5 6 7 8 9 10; do ss -ltnH "sport = :3313" | grep -q . && break; sleep 0.2; done; ss -ltnH "sport = :3313"');
    expect(ss.out).toContain('0.0.0.0:3313');
  });

  it('refuses to install again on the now unclean machine', async () => {
    const r = await install(pa.name, '6.12.1', `-- -b -t ${NODE_TOKEN} postanalytics`);
    expect(r.rc).toBe(3);
    expect(r.err).toContain("the system user 'wallarm' already exists");
    expect(r.err).toContain('requires a clean machine');
  });

  it('never writes the token to files or the journal', async () => {
    const g = await sh(pa.name, `grep -rl -e ${API_TOKEN} -e ${NODE_TOKEN} /opt/wallarm /etc /var/log; journalctl --no-pager | grep -c -e ${API_TOKEN} -e ${NODE_TOKEN}`);
    expect(g.out.trim()).toBe('0');
  });

  describe('with a filtering node', () => {
    let ng: { name: string; ip: string };
    beforeAll(async () => {
      ng = await target('ng', NGINX_IMAGE);
      const r = await install(ng.name, '6.12.1', `-- --batch -t ${NODE_TOKEN} filtering`);
      expect(r.rc, r.err + r.out).toBe(0);
    });

    it('installs the module and the status server; nginx -t passes and NGINX runs', async () => {
      const t = await sh(ng.name, 'nginx -t 2>&1; systemctl is-active nginx wallarm');
      expect(t.out).toContain('test is successful');
      expect(t.out).toContain('active\nactive');
      const conf = await sh(ng.name, 'cat /etc/nginx/conf.d/wallarm-status.conf /etc/nginx/nginx.conf');
      expect(conf.out).toContain('listen 127.0.0.8:80;');
      expect(conf.out).toContain('wallarm_status on;');
      expect(conf.out).toContain('# wallarm_wstore_upstream wallarm_wstore;');
      const s = await status(ng.name);
      for (const k of ['requests', 'attacks', 'blocked', 'tnt_errors', 'api_errors', 'requests_lost', 'segfaults', 'memfaults', 'softmemfaults', 'db_id', 'lom_id', 'proton_instances', 'stalled_workers_count', 'timestamp']) {
        expect(s).toHaveProperty(k);
      }
      expect(s).not.toHaveProperty('abnormal');
    });

    it('nginx -t rejects a wallarm_wstore_upstream naming an undefined upstream', async () => {
      const r = await setUpstream(ng.name, `${pa.ip}:3313`, 'wallarm_wstore_upstream wallarm_wstor;');
      expect(r.rc).not.toBe(0);
      expect(r.out).toContain('no upstream "wallarm_wstor" defined for "wallarm_wstore_upstream" directive');
    });

    it('sends the test attack to the live postanalytics: recorded there, tnt_errors 0', async () => {
      const r = await setUpstream(ng.name, `${pa.ip}:3313`);
      expect(r.rc, r.out).toBe(0);
      await sh(ng.name, 'curl -s -o /dev/null http://localhost/etc/passwd');
      const s = await statusUntil(ng.name, (x) => x.requests >= 1);
      expect(s.requests).toBe(1);
      expect(s.attacks).toBe(1);
      expect(s.tnt_errors).toBe(0);
      const rec = await sh(pa.name, 'cat /opt/wallarm/var/lib/wallarm-standin/requests.jsonl');
      const lines = rec.out.trim().split('\n').map((l) => JSON.parse(l) as { from: string; request: { uri: string; attack: string } });
      expect(lines).toHaveLength(1);
      expect(lines[0]!.request.uri).toBe('/etc/passwd');
      expect(lines[0]!.request.attack).toBe('ptrav');
      expect(lines[0]!.from.split(':')[0]).toBe(ng.ip);
    });

    it('counts real failed connections to a closed port and logs connect() failed', async () => {
      const r = await setUpstream(ng.name, `${pa.ip}:3399`);
      expect(r.rc, r.out).toBe(0);
      await sh(ng.name, 'curl -s -o /dev/null http://localhost/etc/passwd');
      const first = await statusUntil(ng.name, (x) => x.tnt_errors >= 1);
      expect(first.tnt_errors).toBe(1);
      await sh(ng.name, 'curl -s -o /dev/null http://localhost/');
      const second = await statusUntil(ng.name, (x) => x.tnt_errors >= 2);
      expect(second.tnt_errors).toBe(2);
      const log = await sh(ng.name, 'cat /var/log/nginx/error.log');
      expect(log.out).toMatch(new RegExp(`\\[error\\] \\d+#\\d+: wallarm: ${pa.ip.replace(/\./g, '\\.')}:3399 connect\\(\\) failed \\(111: Connection refused\\)`));
    });

    it('marks the postanalytics unit failed with the real line when it cannot bind', async () => {
      const r = await sh(pa.name, "sed -i 's/address: 0.0.0.0:3313/address: 10.254.254.254:3313/' /opt/wallarm/wstore/wstore.yaml && systemctl restart wallarm; for i in 1 2 3 4 5 6 7 8 9 10; do systemctl is-failed --quiet wallarm && break; sleep 0.2; done; systemctl is-active wallarm; cat /opt/wallarm/var/log/wallarm/wstore-out.log");
      expect(r.out).toContain('failed\n');
      expect(r.out).toContain('SystemError binary: failed to bind: Cannot assign requested address');
    });
  });
});

describe('stand-in postanalytics (4.x, tarantool)', () => {
  it('listens on env.list HOST/PORT and fails to bind a foreign address', async () => {
    const pa = await target('pa4', PLAIN_IMAGE);
    const r = await install(pa.name, '4.10.5', `-- -b -t ${NODE_TOKEN} postanalytics`);
    expect(r.rc, r.err).toBe(0);
    const f = await sh(pa.name, 'cat /opt/wallarm/env.list /opt/wallarm/etc/wallarm/node.yaml; test -e /opt/wallarm/wstore/wstore.yaml; echo wstore=$?');
    expect(f.out).toMatch(/# tarantool\nHOST=0\.0\.0\.0\nPORT=3313/);
    expect(f.out).toMatch(/^hostname: pa4\nuuid: [0-9a-f-]{36}\nsecret: [0-9a-f]{64}\n/m);
    expect(f.out).toMatch(/tarantool:\n {2}host: '0\.0\.0\.0'\n {2}port: 3313/);
    expect(f.out).toContain('wstore=1');
    const moved = await sh(pa.name, "sed -i 's/^PORT=3313/PORT=3300/' /opt/wallarm/env.list && systemctl restart wallarm; for i in 1 2 3 4 5 6 7 8 9 10; do ss -ltnH 'sport = :3300' | grep -q . && break; sleep 0.2; done; ss -ltnH 'sport = :3300'");
    expect(moved.out).toContain('0.0.0.0:3300');
    const bad = await sh(pa.name, "sed -i 's/^HOST=.*/HOST=10.254.254.254/' /opt/wallarm/env.list && systemctl restart wallarm; for i in 1 2 3 4 5 6 7 8 9 10; do systemctl is-failed --quiet wallarm && break; sleep 0.2; done; systemctl is-active wallarm; cat /opt/wallarm/var/log/wallarm/tarantool-out.log");
    expect(bad.out).toContain('failed\n');
    expect(bad.out).toContain('SystemError binary: failed to bind: Cannot assign requested address');
  });
});
