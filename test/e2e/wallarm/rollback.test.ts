// The failure scenario (issue 4 "Done means"): an operator sets the postanalytics port per group and
// gets it wrong — the new postanalytics hosts listen (and are firewalled) on 3314, the filtering
// nodes are pointed at 3313. Postanalytics checks pass on their own; the first filtering node's
// verify fails with `connect() failed`, its NGINX config goes back to the old upstream, the run
// stops before the second node and before anything is removed, exit code 2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusUntil } from '../../../src/demo/scenario.js';
import { WALLARM_STANDIN } from '../../../src/lab/repos.js';
import { noDocker } from '../harness/lab-context.js';
import type { TsplayRun } from '../harness/check-role.js';
import { dpkgInstalled, nginxTest, runPlaybookCli, startTestScenario, tail, upstreamServers, type Scenario } from './helpers.js';

const NGINX_CONF = '/etc/nginx/nginx.conf';

describe.skipIf(noDocker())('upgrade.yml: verify fails after the switch → old upstream restored, nothing removed, exit 2', () => {
  let s: Scenario;
  let run: TsplayRun;
  let oldServer: string;
  const before = new Map<string, string>();

  beforeAll(async () => {
    s = await startTestScenario({
      images: { postanalytics: ['debian-12'], filtering: ['debian-12-nginx', 'debian-13-nginx'] },
      groupVars: { postanalytics: { wallarm_port: 3314 } },
    });
    oldServer = `${s.byRole('postanalytics_old')[0]!.address}:${WALLARM_STANDIN.port}`;
    for (const f of s.byRole('filtering')) before.set(f.name, (await s.exec(f, `cat ${NGINX_CONF}`)).stdout);
    run = await runPlaybookCli(s, 'playbooks/upgrade.yml');
  });

  afterAll(async () => {
    await s?.stop();
  });

  it('exits 2 with the connect() failed diagnosis and its remedy', () => {
    expect(run.exitCode, tail(run)).toBe(2);
    const out = run.stdout + run.stderr;
    const pa = s.byRole('postanalytics')[0]!.address;
    // The diagnosis names the unreachable address (the wrong port) and says what to check.
    expect(out).toContain(`NGINX cannot reach postanalytics at ${pa}:3313: "connect() failed" in the NGINX error log`);
    expect(out).toMatch(/remedy: check that the upstream servers in the NGINX config are the postanalytics addresses and ports/);
    expect(out).toContain('Its NGINX config is back on the old upstream');
    // The new postanalytics itself was fine on its (wrong) port: the failure is the filtering check.
    expect(run.report!.recap['pa-new-1']).toMatchObject({ failed: 0 });
    expect(run.report!.recap['nginx-1']!.failed).toBeGreaterThan(0);
  });

  it('the first filtering node is back on the old upstream: same file as before, nginx -t passes, traffic flows', async () => {
    const f = s.host('nginx-1');
    expect(await upstreamServers(s, f, 'wallarm_wstore')).toEqual([oldServer]);
    expect((await s.exec(f, `cat ${NGINX_CONF}`)).stdout).toBe(before.get('nginx-1'));
    const t = await nginxTest(s, f);
    expect(t.rc, t.out).toBe(0);
    expect((await s.exec(f, 'systemctl is-active nginx')).stdout.trim()).toBe('active');
    // NGINX was restarted on the restored config (counters reset): a new request reaches the old
    // node without errors. Read a status sample written after that request, not one the agent
    // wrote before it noticed the restart.
    const sentAt = Number((await s.exec(f, 'curl -s -o /dev/null http://localhost/; date +%s.%N')).stdout.trim());
    const st = await statusUntil(
      f,
      (h, c) => s.exec(h, c),
      (x) => Number(x['timestamp']) > sentAt && Number(x['requests']) >= 1,
      100,
    );
    expect(Number(st?.['timestamp'])).toBeGreaterThan(sentAt);
    expect(st?.['requests']).toBeGreaterThanOrEqual(1);
    expect(st?.['tnt_errors']).toBe(0);
  });

  it('the run stopped before the second filtering node: it was never switched', async () => {
    const f = s.host('nginx-2');
    expect((await s.exec(f, `cat ${NGINX_CONF}`)).stdout).toBe(before.get('nginx-2'));
    expect(await upstreamServers(s, f, 'wallarm_wstore')).toEqual([oldServer]);
    const switched = run.report!.plays.flatMap((p) => p.tasks).filter((t) => t.module === 'nginx_upstream' && t.results.some((r) => r.host === 'nginx-2'));
    expect(switched).toEqual([]);
  });

  it('nothing was removed: the old package is installed, its service runs and listens', async () => {
    const old = s.byRole('postanalytics_old')[0]!;
    expect(await dpkgInstalled(s, old, WALLARM_STANDIN.package)).toBe(true);
    expect((await s.exec(old, `systemctl is-active ${WALLARM_STANDIN.service}`)).stdout.trim()).toBe('active');
    expect((await s.exec(old, `ss -ltnH 'sport = :${WALLARM_STANDIN.port}'`)).stdout).toContain(`:${WALLARM_STANDIN.port}`);
    const removeTasks = run.report!.plays.flatMap((p) => p.tasks).filter((t) => t.module === 'wallarm_remove');
    expect(removeTasks.flatMap((t) => t.results)).toEqual([]);
  });
});
