// The Wallarm stand-ins on real containers: the installer downloaded with real curl from the lab's
// installer server, real systemd, real NGINX (`nginx -t`, restarts), real TCP between containers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN, NGINX_IMAGE, NODE_TOKEN, PLAIN_IMAGE, install, setUpLab, setUpstream, sh, status, statusUntil, target, tearDownLab } from './harness.js';

beforeAll(async () => {
  await setUpLab(['4.10.5', '6.12.1']);
});

afterAll(tearDownLab);

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
      for (const k of [
        'requests',
        'attacks',
        'blocked',
        'tnt_errors',
        'api_errors',
        'requests_lost',
        'segfaults',
        'memfaults',
        'softmemfaults',
        'db_id',
        'lom_id',
        'proton_instances',
        'stalled_workers_count',
        'timestamp',
      ]) {
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
      const lines = rec.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { from: string; request: { uri: string; attack: string } });
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
      const r = await sh(
        pa.name,
        "sed -i 's/address: 0.0.0.0:3313/address: 10.254.254.254:3313/' /opt/wallarm/wstore/wstore.yaml && systemctl restart wallarm; for i in 1 2 3 4 5 6 7 8 9 10; do systemctl is-failed --quiet wallarm && break; sleep 0.2; done; systemctl is-active wallarm; cat /opt/wallarm/var/log/wallarm/wstore-out.log",
      );
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
    const moved = await sh(
      pa.name,
      "sed -i 's/^PORT=3313/PORT=3300/' /opt/wallarm/env.list && systemctl restart wallarm; for i in 1 2 3 4 5 6 7 8 9 10; do ss -ltnH 'sport = :3300' | grep -q . && break; sleep 0.2; done; ss -ltnH 'sport = :3300'",
    );
    expect(moved.out).toContain('0.0.0.0:3300');
    const bad = await sh(
      pa.name,
      "sed -i 's/^HOST=.*/HOST=10.254.254.254/' /opt/wallarm/env.list && systemctl restart wallarm; for i in 1 2 3 4 5 6 7 8 9 10; do systemctl is-failed --quiet wallarm && break; sleep 0.2; done; systemctl is-active wallarm; cat /opt/wallarm/var/log/wallarm/tarantool-out.log",
    );
    expect(bad.out).toContain('failed\n');
    expect(bad.out).toContain('SystemError binary: failed to bind: Cannot assign requested address');
  });
});
