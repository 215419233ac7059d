// The demo scenario end to end (issue 4 "Done means"): playbooks/upgrade.yml on real containers —
// an old postanalytics package node, two new postanalytics hosts (Debian 12 and 13), two NGINX
// filtering nodes (Debian 12 and 13) that start on the OLD upstream, and an outsider container.
// Converged twice through the CLI (checkRole: the second run must change nothing on every host).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WALLARM_STANDIN } from '../../../src/lab/repos.js';
import { verifiedTntErrors } from '../../../src/demo/scenario.js';
import { noDocker } from '../harness/lab-context.js';
import { checkRole, type TsplayRun } from '../harness/check-role.js';
import { attackReaches, dpkgInstalled, liveStatus, nginxTest, startTestScenario, tcpConnect, upstreamServers, type Scenario } from './helpers.js';

const PORT = 3313;

describe.skipIf(noDocker())('upgrade.yml: blue/green upgrade of a separate postanalytics (6.12.1)', () => {
  let s: Scenario;
  let first: TsplayRun;
  let second: TsplayRun;
  let oldAddr: string;

  beforeAll(async () => {
    s = await startTestScenario({ outsider: true, vars: { wallarm_slab_alloc_arena: 2 } });
    oldAddr = s.byRole('postanalytics_old')[0]!.address;
    // The starting point is honest: every filtering node sends to the old node, which runs.
    for (const f of s.byRole('filtering')) expect(await upstreamServers(s, f, 'wallarm_wstore')).toEqual([`${oldAddr}:${PORT}`]);
    ({ first, second } = await checkRole({ playbook: 'playbooks/upgrade.yml', inventoryPath: s.inventoryPath }));
  });

  afterAll(async () => {
    await s?.stop();
  });

  it('the first run changed every host; the second changed nothing anywhere', () => {
    expect(first.exitCode).toBe(0);
    const hosts = s.hosts
      .filter((h) => h.role !== 'outsider')
      .map((h) => h.name)
      .sort();
    expect(Object.keys(first.report!.recap).sort()).toEqual(hosts);
    for (const h of hosts) expect(first.report!.recap[h]!.changed, h).toBeGreaterThan(0);
    expect(second.exitCode).toBe(0);
    for (const h of hosts) expect(second.report!.recap[h], h).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
  });

  it('the new postanalytics hosts run wallarm and listen on 3313 with the configured memory', async () => {
    for (const pa of s.byRole('postanalytics')) {
      const r = await s.exec(pa, `systemctl is-active wallarm; ss -ltnH 'sport = :${PORT}'; grep '^SLAB_ALLOC_ARENA=' /opt/wallarm/env.list`);
      expect(r.stdout, pa.name).toMatch(/^active\n/);
      expect(r.stdout, pa.name).toContain(`0.0.0.0:${PORT}`);
      expect(r.stdout, pa.name).toContain('SLAB_ALLOC_ARENA=2');
    }
  });

  it('the firewall admits the filtering nodes and drops the outsider (SSH from the outsider still works)', async () => {
    const outsider = s.host('outsider');
    for (const pa of s.byRole('postanalytics')) {
      for (const f of s.byRole('filtering')) expect(await tcpConnect(s, f, pa.address, PORT), `${f.name} → ${pa.name}`).toBe('open');
      expect(await tcpConnect(s, outsider, pa.address, PORT), `outsider → ${pa.name}:${PORT}`).toBe('timeout');
      expect(await tcpConnect(s, outsider, pa.address, 22), `outsider → ${pa.name}:22`).toBe('open');
    }
  });

  it('NGINX has upstream wallarm_wstore with both new servers, the directive active, and nginx -t passes', async () => {
    const want = s
      .byRole('postanalytics')
      .map((p) => `${p.address}:${PORT}`)
      .sort();
    for (const f of s.byRole('filtering')) {
      expect((await upstreamServers(s, f, 'wallarm_wstore')).sort(), f.name).toEqual(want);
      const conf = (await s.exec(f, 'cat /etc/nginx/nginx.conf')).stdout;
      expect(conf).toMatch(/^\s*wallarm_wstore_upstream wallarm_wstore;/m);
      expect(conf).toContain('keepalive 2;');
      expect(conf).not.toContain(oldAddr);
      const t = await nginxTest(s, f);
      expect(t.rc, t.out).toBe(0);
      expect(t.out).toContain('test is successful');
    }
  });

  it('a test attack through each filtering node is recorded by a new postanalytics; tnt_errors stays 0', async () => {
    const tnt = verifiedTntErrors(second.report!);
    for (const f of s.byRole('filtering')) {
      expect(tnt[f.name], `verified tnt_errors on ${f.name}`).toBe(0);
      const hit = await attackReaches(s, f, s.byRole('postanalytics'));
      expect(hit, `attack from ${f.name} recorded`).toBeDefined();
      expect(hit!.record['from']).toMatch(new RegExp(`^${f.address.replace(/\./g, '\\.')}:`));
      expect((hit!.record['request'] as Record<string, unknown>)['attack']).toBeTruthy();
      const st = await liveStatus(s, f);
      expect(st?.['tnt_errors'], f.name).toBe(0);
    }
  });

  it('the old package is removed and its service is gone; nothing listens on the old node', async () => {
    const old = s.byRole('postanalytics_old')[0]!;
    expect(await dpkgInstalled(s, old, WALLARM_STANDIN.package)).toBe(false);
    const unit = await s.exec(old, `systemctl cat ${WALLARM_STANDIN.service}.service`);
    expect(unit.rc).not.toBe(0);
    expect((await s.exec(old, `ss -ltnH 'sport = :${PORT}'`)).stdout.trim()).toBe('');
  });
});
