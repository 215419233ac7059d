// TLS/mTLS between NGINX and postanalytics (6.2+) through playbooks/install-postanalytics.yml (the
// fresh separate install, seed 002): a CA, a server certificate for the postanalytics address and a
// client certificate for NGINX are made here with openssl and distributed with `copy`; the TLS
// listener 6388 is guarded by the firewall like 3313. Converged twice.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { verifiedTntErrors } from '../../../src/demo/scenario.js';
import { noDocker } from '../harness/lab-context.js';
import { checkRole, type TsplayRun } from '../harness/check-role.js';
import { attackReaches, nginxTest, runPlaybookCli, startTestScenario, tail, tcpConnect, upstreamServers, type Scenario } from './helpers.js';

const TLS_PORT = 6388;
const DIR = '/etc/wallarm-tls';

/** CA + server certificate (SAN = the postanalytics IPs) + client certificate, all with openssl. */
function makeCerts(dir: string, serverIps: string[]): void {
  const ossl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ossl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=tsplay e2e CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-addext',
    'subjectKeyIdentifier=hash',
  );
  const leaf = (name: string, ext: string): void => {
    writeFileSync(
      path.join(dir, `${name}.ext`),
      `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n${ext}\n`,
    );
    ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    ossl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  };
  leaf('server', `extendedKeyUsage=serverAuth\nsubjectAltName=${serverIps.map((ip) => `IP:${ip}`).join(',')}`);
  leaf('client', 'extendedKeyUsage=clientAuth');
}

/** A TLS client from a container: 'ok' when a record round-trips, else the error. */
function tlsProbe(ip: string, withClientCert: boolean): string {
  return `python3 - ${ip} ${TLS_PORT} <<'EOF'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile='${DIR}/ca.crt')
${withClientCert ? `ctx.load_cert_chain('${DIR}/client.crt', '${DIR}/client.key')` : ''}
try:
    s = ctx.wrap_socket(socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3), server_hostname=sys.argv[1])
    s.sendall(b'{"probe":1}\\n')
    data = s.recv(4096)
    print('ok' if data else 'closed')
except Exception as e:
    print('error', type(e).__name__, e)
EOF`;
}

describe.skipIf(noDocker())('install-postanalytics.yml with TLS + mTLS between NGINX and postanalytics (6.12.1)', () => {
  let s: Scenario;
  let second: TsplayRun;
  let certDir: string;

  beforeAll(async () => {
    s = await startTestScenario({
      old: false,
      outsider: true,
      images: { postanalytics: ['debian-12'], filtering: ['debian-13-nginx'] },
      groupVars: {
        postanalytics: {
          wallarm_firewall_extra_ports: [TLS_PORT],
          wallarm_postanalytics_tls: {
            enabled: true,
            address: `0.0.0.0:${TLS_PORT}`,
            cert_file: `${DIR}/server.crt`,
            key_file: `${DIR}/server.key`,
            ca_cert_file: `${DIR}/ca.crt`,
            mutual: true,
            client_ca_cert_file: `${DIR}/ca.crt`,
          },
        },
        filtering: {
          wallarm_port: TLS_PORT,
          wallarm_upstream_tls: { enabled: true, ca_cert_file: `${DIR}/ca.crt`, cert_file: `${DIR}/client.crt`, key_file: `${DIR}/client.key` },
        },
      },
    });
    certDir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-tls-'));
    makeCerts(
      certDir,
      s.byRole('postanalytics').map((p) => p.address),
    );
    const files = await runPlaybookCli(s, 'test/fixtures/wallarm/tls-files.yml', ['-e', `tls_dir=${certDir}`]);
    expect(files.exitCode, tail(files)).toBe(0);
    ({ second } = await checkRole({ playbook: 'playbooks/install-postanalytics.yml', inventoryPath: s.inventoryPath }));
  });

  afterAll(async () => {
    await s?.stop();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  it('wstore.yaml has the TLS listener with mutual TLS, and postanalytics listens on 6388', async () => {
    const pa = s.byRole('postanalytics')[0]!;
    const y = YAML.parse((await s.exec(pa, 'cat /opt/wallarm/wstore/wstore.yaml')).stdout) as { service: Record<string, unknown> };
    expect(y.service).toEqual({
      address: '0.0.0.0:3313',
      TLS: {
        enabled: true,
        address: `0.0.0.0:${TLS_PORT}`,
        certFile: `${DIR}/server.crt`,
        keyFile: `${DIR}/server.key`,
        caCertFile: `${DIR}/ca.crt`,
        mutualTLS: { enabled: true, clientCACertFile: `${DIR}/ca.crt` },
      },
    });
    expect((await s.exec(pa, `ss -ltnH 'sport = :${TLS_PORT}'`)).stdout).toContain(`0.0.0.0:${TLS_PORT}`);
  });

  it('NGINX: wallarm_wstore_upstream with ssl=on, the wallarm_wstore_ssl_* files, servers on 6388; nginx -t passes', async () => {
    const f = s.byRole('filtering')[0]!;
    const conf = (await s.exec(f, 'cat /etc/nginx/nginx.conf')).stdout;
    expect(conf).toMatch(/^\s*wallarm_wstore_upstream wallarm_wstore ssl=on;/m);
    expect(conf).toMatch(/^\s*wallarm_wstore_ssl_ca_cert_file \/etc\/wallarm-tls\/ca\.crt;/m);
    expect(conf).toMatch(/^\s*wallarm_wstore_ssl_cert_file \/etc\/wallarm-tls\/client\.crt;/m);
    expect(conf).toMatch(/^\s*wallarm_wstore_ssl_key_file \/etc\/wallarm-tls\/client\.key;/m);
    expect(await upstreamServers(s, f, 'wallarm_wstore')).toEqual(s.byRole('postanalytics').map((p) => `${p.address}:${TLS_PORT}`));
    const t = await nginxTest(s, f);
    expect(t.rc, t.out).toBe(0);
  });

  it('verify passed (tnt_errors 0) and the test attack arrives at postanalytics over TLS', async () => {
    const f = s.byRole('filtering')[0]!;
    expect(verifiedTntErrors(second.report!)[f.name]).toBe(0);
    const hit = await attackReaches(s, f, s.byRole('postanalytics'));
    expect(hit).toBeDefined();
    expect(hit!.record['tls']).toBe(true);
  });

  it('mTLS is enforced: without the client certificate the listener refuses, with it the record goes through', async () => {
    const f = s.byRole('filtering')[0]!;
    const pa = s.byRole('postanalytics')[0]!;
    expect((await s.exec(f, tlsProbe(pa.address, true))).stdout.trim()).toBe('ok');
    expect((await s.exec(f, tlsProbe(pa.address, false))).stdout.trim()).not.toBe('ok');
  });

  it('the firewall admits the filtering node on 6388 and drops the outsider there', async () => {
    const pa = s.byRole('postanalytics')[0]!;
    expect(await tcpConnect(s, s.byRole('filtering')[0]!, pa.address, TLS_PORT)).toBe('open');
    expect(await tcpConnect(s, s.host('outsider'), pa.address, TLS_PORT)).toBe('timeout');
    expect(await tcpConnect(s, s.host('outsider'), pa.address, 3313)).toBe('timeout');
  });
});
