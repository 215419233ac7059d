// More of the installer's command line: both parts on one host (4.x names), two-stage install,
// usage errors, Debian 13's NGINX, and the SLAB_ALLOC_ARENA → export_drops_flag signal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageTag } from '../../../src/lab/recipes/index.js';
import { NGINX_IMAGE, NODE_TOKEN, PLAIN_IMAGE, install, setUpLab, sh, status, statusUntil, target, tearDownLab } from './harness.js';

const NGINX13_IMAGE = process.env.WALLARM_STANDIN_NGINX13_IMAGE ?? imageTag('debian-13-nginx');
const DEBIAN11_IMAGE = process.env.WALLARM_STANDIN_DEBIAN11_IMAGE ?? imageTag('debian-11');

beforeAll(async () => {
  await setUpLab(['4.10.5', '5.3.0', '6.12.1', '7.1.0']);
});

afterAll(tearDownLab);

describe('4.10 with both parts on one NGINX host (tarantool names)', () => {
  let node: { name: string; ip: string };
  beforeAll(async () => {
    node = await target('aio4', NGINX_IMAGE);
    const r = await install(node.name, '4.10.5', `-- --batch -t ${NODE_TOKEN}`);
    expect(r.rc, r.err).toBe(0);
  });

  it('ships the tarantool placeholder and the 4.x status keys', async () => {
    const conf = await sh(node.name, 'cat /etc/nginx/nginx.conf');
    expect(conf.out).toContain('upstream wallarm_tarantool {');
    expect(conf.out).toContain('# wallarm_tarantool_upstream wallarm_tarantool;');
    expect(await status(node.name)).toHaveProperty('abnormal');
    const logs = await sh(node.name, 'ls /opt/wallarm/var/log/wallarm');
    expect(logs.out).toContain('tarantool-out.log');
  });

  it('analyses locally through the default upstream, then through the uncommented directive', async () => {
    await sh(node.name, 'curl -s -o /dev/null http://localhost/etc/passwd');
    expect((await statusUntil(node.name, (x) => x.requests >= 1)).tnt_errors).toBe(0);
    const r = await sh(
      node.name,
      "sed -i 's/# wallarm_tarantool_upstream wallarm_tarantool;/wallarm_tarantool_upstream wallarm_tarantool;/' /etc/nginx/nginx.conf && nginx -t 2>&1 && systemctl restart nginx",
    );
    expect(r.rc, r.out).toBe(0);
    expect((await sh(node.name, 'cat /opt/wallarm/var/lib/wallarm-standin/nginx-upstream.conf')).out).toContain(
      'directive=wallarm_tarantool_upstream\nupstream=wallarm_tarantool\n',
    );
    await sh(node.name, 'curl -s -o /dev/null "http://localhost/?q=<script>alert(1)</script>"');
    const s = await statusUntil(node.name, (x) => x.requests >= 1);
    expect(s.tnt_errors).toBe(0);
    expect(s.attacks).toBe(1);
    const rec = await sh(node.name, 'tail -n 1 /opt/wallarm/var/lib/wallarm-standin/requests.jsonl');
    expect((JSON.parse(rec.out) as { request: { attack: string } }).request.attack).toBe('xss');
  });

  it('reports export drops when SLAB_ALLOC_ARENA is too small', async () => {
    const r = await sh(
      node.name,
      "sed -i 's/^SLAB_ALLOC_ARENA=.*/SLAB_ALLOC_ARENA=0.25/' /opt/wallarm/env.list && systemctl restart wallarm && sleep 0.5 && curl -s -o /dev/null http://localhost/",
    );
    expect(r.rc).toBe(0);
    const s = await statusUntil(node.name, (x) => x.export_drops_flag === 1);
    expect(s.export_drops_flag).toBe(1);
    expect(s.timeframe_size).toBe(150);
  });
});

describe('two-stage install and usage errors (6.12)', () => {
  let pa: { name: string; ip: string };
  beforeAll(async () => {
    pa = await target('two', PLAIN_IMAGE);
  });

  it('rejects usage errors with exit 2 before touching the machine', async () => {
    expect((await install(pa.name, '6.12.1', '-- --batch postanalytics')).err).toContain('the token is required in batch mode');
    expect((await install(pa.name, '6.12.1', '-- --batch postanalytics')).rc).toBe(2);
    expect((await install(pa.name, '6.12.1', `-- -b -t ${NODE_TOKEN} -c MARS postanalytics`)).rc).toBe(2);
    expect((await install(pa.name, '6.12.1', `-- -b -t ${NODE_TOKEN} --frobnicate`)).rc).toBe(2);
    expect((await sh(pa.name, 'test -e /opt/wallarm')).rc).not.toBe(0);
  });

  it('refuses the aarch64 installer on an x86_64 machine', async () => {
    const r = await install(pa.name, '6.12.1', `-- -b -t ${NODE_TOKEN} postanalytics`, {}, 'aarch64');
    expect(r.rc).toBe(1);
    expect(r.err).toContain('this installer is for aarch64, but this machine is x86_64');
  });

  it('installs without registering, then registers with --register-only', async () => {
    const i = await install(pa.name, '6.12.1', '-- --batch --install-only postanalytics');
    expect(i.rc, i.err).toBe(0);
    expect((await sh(pa.name, 'test -e /opt/wallarm/etc/wallarm/node.yaml')).rc).not.toBe(0);
    expect((await sh(pa.name, 'systemctl is-active wallarm')).out.trim()).not.toBe('active');
    const r = await sh(pa.name, `/opt/wallarm/setup.sh --register-only --batch -t ${NODE_TOKEN}`);
    expect(r.rc, r.err).toBe(0);
    expect((await sh(pa.name, 'test -s /opt/wallarm/etc/wallarm/node.yaml')).rc).toBe(0);
    expect((await sh(pa.name, 'systemctl is-active wallarm')).out.trim()).toBe('active');
  });
});

describe('filtering on Debian 13 (NGINX 1.26) with 7.1', () => {
  it('loads the matching module, passes nginx -t and serves the status page', async () => {
    const ng = await target('ng13', NGINX13_IMAGE);
    const r = await install(ng.name, '7.1.0', `-- -b -t ${NODE_TOKEN} filtering`);
    expect(r.rc, r.err).toBe(0);
    expect((await sh(ng.name, 'cat /etc/nginx/modules-enabled/50-mod-http-wallarm.conf')).out).toMatch(/nginx-1\.26\.\d+\/ngx_http_wallarm_module\.so;/);
    expect((await sh(ng.name, 'nginx -t 2>&1')).out).toContain('test is successful');
    await sh(ng.name, 'curl -s -o /dev/null http://localhost/etc/passwd');
    const s = await statusUntil(ng.name, (x) => x.tnt_errors >= 1);
    // No postanalytics anywhere yet: the default upstream 127.0.0.1:3313 is closed.
    expect(s.tnt_errors).toBe(1);
    expect(s).not.toHaveProperty('abnormal');
    const prom = await sh(ng.name, "curl -fsS 'http://127.0.0.8/wallarm-status?format=prometheus'");
    expect(prom.out).toMatch(/^wallarm_tnt_errors 1$/m);
    // A listener that takes records and never answers, like the lab's old wallarm-tarantool
    // stand-in: delivered, so tnt_errors stays where it was.
    const silent =
      "import socket,time\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1',3313)); s.listen(8)\nkeep=[]\nwhile True: keep.append(s.accept()[0])";
    const run = await sh(
      ng.name,
      `systemd-run --unit silent-pa python3 -c "${silent}" && for i in 1 2 3 4 5 6 7 8 9 10; do ss -ltnH 'sport = :3313' | grep -q . && break; sleep 0.2; done`,
    );
    expect(run.rc, run.err).toBe(0);
    await sh(ng.name, 'curl -s -o /dev/null http://localhost/');
    const after = await statusUntil(ng.name, (x) => x.requests >= 2);
    expect(after.requests).toBe(2);
    expect(after.tnt_errors).toBe(1);
  });
});

describe('5.3 postanalytics on Debian 11 (python 3.9)', () => {
  it('keeps the tarantool generation and serves records', async () => {
    const pa = await target('pa11', DEBIAN11_IMAGE);
    const r = await install(pa.name, '5.3.0', `-- -b -t ${NODE_TOKEN} postanalytics`);
    expect(r.rc, r.err).toBe(0);
    const probe = await sh(
      pa.name,
      [
        "for i in 1 2 3 4 5 6 7 8 9 10; do ss -ltnH 'sport = :3313' | grep -q . && break; sleep 0.2; done",
        `python3 -c "import socket; s=socket.create_connection(('127.0.0.1',3313)); s.sendall(b'{\\"uri\\":\\"/etc/passwd\\",\\"attack\\":\\"ptrav\\"}\\n'); print(s.recv(100).decode())"`,
        'cat /opt/wallarm/var/lib/wallarm-standin/postanalytics.json',
      ].join('; '),
    );
    expect(probe.out).toContain('OK timeframe_size=600 export_drops_flag=0 export_delay=0');
    expect(probe.out).toContain('"records":1,"attacks":1');
    expect((await sh(pa.name, 'grep -c tarantool /opt/wallarm/etc/wallarm/node.yaml /opt/wallarm/env.list')).rc).toBe(0);
  });
});
