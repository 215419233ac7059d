// The 4.x (Tarantool) generation through playbooks/upgrade.yml: 4.10.5 on Debian 11 and 12
// postanalytics hosts (Debian 13 is not on the 4.x list), one Debian 12 NGINX node that starts on
// the old package node. Tarantool names everywhere: env.list HOST/PORT under `# tarantool`,
// node.yaml `tarantool:`, `upstream wallarm_tarantool` + `wallarm_tarantool_upstream`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WALLARM_STANDIN } from '../../../src/lab/repos.js';
import { verifiedTntErrors } from '../../../src/demo/scenario.js';
import { noDocker } from '../harness/lab-context.js';
import { checkRole, type TsplayRun } from '../harness/check-role.js';
import { attackReaches, dpkgInstalled, nginxTest, startTestScenario, upstreamServers, type Scenario } from './helpers.js';

const PORT = 3313;

describe.skipIf(noDocker())('upgrade.yml with Wallarm 4.10.5 (tarantool generation)', () => {
  let s: Scenario;
  let second: TsplayRun;

  beforeAll(async () => {
    s = await startTestScenario({
      version: '4.10.5',
      images: { postanalytics: ['debian-11', 'debian-12'], filtering: ['debian-12-nginx'] },
      vars: { wallarm_slab_alloc_arena: 1.5 },
    });
    const f = s.byRole('filtering')[0]!;
    expect(await upstreamServers(s, f, 'wallarm_tarantool')).toEqual([`${s.byRole('postanalytics_old')[0]!.address}:${PORT}`]);
    ({ second } = await checkRole({ playbook: 'playbooks/upgrade.yml', inventoryPath: s.inventoryPath }));
  });

  afterAll(async () => {
    await s?.stop();
  });

  it('postanalytics: env.list HOST/PORT under # tarantool, node.yaml tarantool:, no wstore.yaml, listening', async () => {
    for (const pa of s.byRole('postanalytics')) {
      const env = (await s.exec(pa, 'cat /opt/wallarm/env.list')).stdout;
      expect(env, pa.name).toMatch(/^# tarantool\n(?:.*\n)*?HOST=0\.0\.0\.0\n(?:.*\n)*?PORT=3313$/m);
      expect(env).toContain('SLAB_ALLOC_ARENA=1.5');
      const node = (await s.exec(pa, 'cat /opt/wallarm/etc/wallarm/node.yaml')).stdout;
      expect(node, pa.name).toMatch(/^tarantool:\n {2}host: '?0\.0\.0\.0'?\n {2}port: 3313$/m);
      expect(node).not.toMatch(/^wstore:/m);
      expect((await s.exec(pa, 'test -e /opt/wallarm/wstore/wstore.yaml')).rc, pa.name).not.toBe(0);
      const r = await s.exec(pa, `systemctl is-active wallarm; ss -ltnH 'sport = :${PORT}'; test -s /opt/wallarm/var/log/wallarm/tarantool-out.log && echo log`);
      expect(r.stdout, pa.name).toMatch(/^active\n/);
      expect(r.stdout).toContain(`0.0.0.0:${PORT}`);
      expect(r.stdout).toContain('log');
    }
  });

  it('NGINX: upstream wallarm_tarantool with both new servers, wallarm_tarantool_upstream active, nginx -t passes', async () => {
    const f = s.byRole('filtering')[0]!;
    const want = s
      .byRole('postanalytics')
      .map((p) => `${p.address}:${PORT}`)
      .sort();
    expect((await upstreamServers(s, f, 'wallarm_tarantool')).sort()).toEqual(want);
    const conf = (await s.exec(f, 'cat /etc/nginx/nginx.conf')).stdout;
    expect(conf).toMatch(/^\s*wallarm_tarantool_upstream wallarm_tarantool;/m);
    expect(conf).not.toMatch(/wallarm_wstore/);
    const t = await nginxTest(s, f);
    expect(t.rc, t.out).toBe(0);
  });

  it('verify passed with tnt_errors 0 and a test attack reaches a new postanalytics', async () => {
    const f = s.byRole('filtering')[0]!;
    expect(verifiedTntErrors(second.report!)[f.name]).toBe(0);
    const hit = await attackReaches(s, f, s.byRole('postanalytics'));
    expect(hit).toBeDefined();
    const status = JSON.parse((await s.exec(f, 'curl -fsS http://127.0.0.8/wallarm-status')).stdout) as Record<string, unknown>;
    expect(status['tnt_errors']).toBe(0);
    expect(status).toHaveProperty('abnormal'); // 4.x status page (removed in 6.8)
  });

  it('the old package node was removed', async () => {
    const old = s.byRole('postanalytics_old')[0]!;
    expect(await dpkgInstalled(s, old, WALLARM_STANDIN.package)).toBe(false);
    expect((await s.exec(old, `systemctl cat ${WALLARM_STANDIN.service}.service`)).rc).not.toBe(0);
  });
});
