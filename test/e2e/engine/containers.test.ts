// package (apt on Debian 11/12/13, dnf on the rpm-family image) and service (systemd) modules on
// the lab containers: converge twice with changed == 0, for "present + started + enabled" and for
// "stopped + disabled + absent". Verified with docker exec, not with tsplay.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WALLARM_STANDIN } from '../../../src/lab/repos.js';
import { checkRole } from '../harness/check-role.js';
import { imageSkipped, noDocker } from '../harness/lab-context.js';
import { startTargets, type Targets } from '../harness/targets.js';

const fixtures = resolve(import.meta.dirname, '../../fixtures/engine/containers');
const IMAGES = ['debian-11', 'debian-12', 'debian-13', 'rpmfamily-debian12'];
const { package: PKG, service: SVC } = WALLARM_STANDIN;
const args = ['--no-history', '-e', `pkg=${PKG}`, '-e', `svc=${SVC}`];

describe.skipIf(noDocker())('package and service modules on lab containers converge twice', () => {
  const images = IMAGES.filter((i) => !imageSkipped(i));
  let t: Targets;
  beforeAll(async () => {
    t = await startTargets(images.map((image) => ({ image })));
  });
  afterAll(async () => {
    await t?.stop();
  });

  const installed = async (host: string): Promise<boolean> => {
    const rpm = t.host(host).image.startsWith('rpm');
    const r = await t.exec(host, rpm ? `rpm -q ${PKG}` : `dpkg-query -W -f='\${db:Status-Abbrev}' ${PKG}`);
    return rpm ? r.rc === 0 : r.stdout.trim() === 'ii';
  };

  it('present: installed, started, enabled; second converge changed == 0', async () => {
    const { first } = await checkRole({
      playbook: resolve(fixtures, 'present.yml'),
      inventoryPath: t.inventoryPath,
      args,
      verify: async () => {
        for (const h of t.hosts) {
          expect(await installed(h.name), `${h.name}: ${PKG} installed`).toBe(true);
          expect((await t.exec(h, `systemctl is-active ${SVC}`)).stdout.trim(), h.name).toBe('active');
          expect((await t.exec(h, `systemctl is-enabled ${SVC}`)).stdout.trim(), h.name).toBe('enabled');
        }
      },
    });
    for (const h of t.hosts) expect(first.report!.recap[h.name]!.changed, h.name).toBeGreaterThan(0);
  });

  it('absent: stopped, disabled, removed; second converge changed == 0', async () => {
    const { first } = await checkRole({
      playbook: resolve(fixtures, 'absent.yml'),
      inventoryPath: t.inventoryPath,
      args,
      verify: async () => {
        for (const h of t.hosts) {
          expect(await installed(h.name), `${h.name}: ${PKG} removed`).toBe(false);
          expect((await t.exec(h, `systemctl is-active ${SVC}`)).stdout.trim(), h.name).not.toBe('active');
        }
      },
    });
    for (const h of t.hosts) expect(first.report!.recap[h.name]!.changed, h.name).toBeGreaterThan(0);
  });
});
