// TLS and mutual TLS between the stand-in filtering node and postanalytics (6.2+), with
// self-signed certificates made here by openssl.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NGINX_IMAGE, NODE_TOKEN, PLAIN_IMAGE, copyTo, install, setUpLab, setUpstream, sh, statusUntil, target, tearDownLab } from './harness.js';

const certs = mkdtempSync(join(tmpdir(), 'wallarm-tls-'));

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: certs, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A CA, a server certificate for `ip` and a client certificate, all signed by the CA. */
function makeCerts(ip: string): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=tsplay test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  for (const [name, san] of [
    ['server', `IP:${ip}`],
    ['client', 'DNS:filtering'],
  ] as const) {
    writeFileSync(join(certs, `${name}.ext`), `subjectAltName=${san}\n`);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
  }
}

beforeAll(async () => {
  await setUpLab(['6.12.1']);
});

afterAll(async () => {
  await tearDownLab();
  rmSync(certs, { recursive: true, force: true });
});

describe('stand-in TLS / mTLS (6.12)', () => {
  let pa: { name: string; ip: string };
  let ng: { name: string; ip: string };

  beforeAll(async () => {
    pa = await target('patls', PLAIN_IMAGE);
    ng = await target('ngtls', NGINX_IMAGE);
    makeCerts(pa.ip);
    expect((await install(pa.name, '6.12.1', `-- -b -t ${NODE_TOKEN} postanalytics`)).rc).toBe(0);
    expect((await install(ng.name, '6.12.1', `-- -b -t ${NODE_TOKEN} filtering`)).rc).toBe(0);
    for (const f of ['server.crt', 'server.key', 'ca.crt']) await copyTo(pa.name, join(certs, f), `/opt/wallarm/wstore/${f}`);
    await sh(ng.name, 'mkdir -p /etc/nginx/wallarm-tls');
    for (const f of ['client.crt', 'client.key', 'ca.crt']) await copyTo(ng.name, join(certs, f), `/etc/nginx/wallarm-tls/${f}`);
    const yaml = [
      'service:',
      '  address: 0.0.0.0:3313',
      '  TLS:',
      '    enabled: true',
      '    address: 0.0.0.0:6388',
      '    certFile: "/opt/wallarm/wstore/server.crt"',
      '    keyFile: "/opt/wallarm/wstore/server.key"',
      '    mutualTLS:',
      '      enabled: true',
      '      clientCACertFile: "/opt/wallarm/wstore/ca.crt"',
    ].join('\n');
    const r = await sh(
      pa.name,
      `cat > /opt/wallarm/wstore/wstore.yaml <<'EOF'\n${yaml}\nEOF\nsystemctl restart wallarm; for i in 1 2 3 4 5 6 7 8 9 10; do ss -ltnH 'sport = :6388' | grep -q . && break; sleep 0.2; done; ss -ltnH 'sport = :6388'`,
    );
    expect(r.out).toContain('0.0.0.0:6388');
  });

  it('nginx -t refuses ssl=on when a configured certificate file is missing', async () => {
    const r = await setUpstream(
      ng.name,
      `${pa.ip}:6388`,
      'wallarm_wstore_upstream wallarm_wstore ssl=on; wallarm_wstore_ssl_cert_file /etc/nginx/wallarm-tls/nope.crt; wallarm_wstore_ssl_key_file /etc/nginx/wallarm-tls/client.key;',
    );
    expect(r.rc).not.toBe(0);
    expect(r.out).toContain('wallarm: cannot load certificate "/etc/nginx/wallarm-tls/nope.crt"');
  });

  it('delivers the test attack over mutual TLS', async () => {
    const r = await setUpstream(
      ng.name,
      `${pa.ip}:6388`,
      'wallarm_wstore_upstream wallarm_wstore ssl=on; wallarm_wstore_ssl_cert_file /etc/nginx/wallarm-tls/client.crt; wallarm_wstore_ssl_key_file /etc/nginx/wallarm-tls/client.key; wallarm_wstore_ssl_ca_cert_file /etc/nginx/wallarm-tls/ca.crt;',
    );
    expect(r.rc, r.out).toBe(0);
    await sh(ng.name, 'curl -s -o /dev/null http://localhost/etc/passwd');
    const s = await statusUntil(ng.name, (x) => x.requests >= 1);
    expect(s.requests).toBe(1);
    expect(s.tnt_errors).toBe(0);
    const rec = await sh(pa.name, 'cat /opt/wallarm/var/lib/wallarm-standin/requests.jsonl');
    const line = JSON.parse(rec.out.trim().split('\n').pop()!) as { tls: boolean; request: { uri: string } };
    expect(line.tls).toBe(true);
    expect(line.request.uri).toBe('/etc/passwd');
  });

  it('counts a client without a certificate as a postanalytics error when mTLS is required', async () => {
    const r = await setUpstream(ng.name, `${pa.ip}:6388`, 'wallarm_wstore_upstream wallarm_wstore ssl=on; wallarm_wstore_ssl_ca_cert_file /etc/nginx/wallarm-tls/ca.crt;');
    expect(r.rc, r.out).toBe(0);
    await sh(ng.name, 'curl -s -o /dev/null http://localhost/etc/passwd');
    const s = await statusUntil(ng.name, (x) => x.tnt_errors >= 1);
    expect(s.tnt_errors).toBe(1);
    expect((await sh(ng.name, 'cat /var/log/nginx/error.log')).out).toContain(`wallarm: ${pa.ip}:6388 `);
    const pastats = await sh(pa.name, 'cat /opt/wallarm/var/lib/wallarm-standin/postanalytics.json');
    expect((JSON.parse(pastats.out) as { tls_handshake_failures: number }).tls_handshake_failures).toBeGreaterThanOrEqual(1);
  });
});
