// The package (apt), dnf and service modules converge idempotently on every Debian image and the
// rpm-family image, checked Molecule-style: converge, converge again with changed == 0, verify.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WALLARM_STANDIN } from '../../../src/lab/repos.js';
import { checkRole } from '../harness/check-role.js';
import { noDocker } from '../harness/lab-context.js';
import { startTargets, type Targets } from '../harness/targets.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (f: string): string => path.join(here, 'fixtures', f);
const cliMissing = !existsSync(path.join(here, '../../../src/cli/main.ts'));
const { package: PKG, service: SVC } = WALLARM_STANDIN;

describe.skipIf(noDocker() || cliMissing)('package, dnf and service modules on lab targets', () => {
  let t: Targets;
  beforeAll(async () => {
    t = await startTargets([{ image: 'debian-11' }, { image: 'debian-12' }, { image: 'debian-13' }, { image: 'rpmfamily-debian12' }]);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('installs the old node and starts its service, idempotently', async () => {
    const { first } = await checkRole({
      playbook: fixture('old-node-present.yml'),
      inventoryPath: t.inventoryPath,
      verify: async () => {
        for (const h of t.hosts) {
          expect((await t.ssh(h, `systemctl is-active ${SVC} && systemctl is-enabled ${SVC}`)).stdout.trim(), h.name).toBe('active\nenabled');
        }
        const rpm = await t.exec('rpmfamily-debian12-4', `rpm -q ${PKG}`);
        expect(rpm.rc, 'installed by dnf into the rpm database').toBe(0);
      },
    });
    for (const h of t.hosts) expect(first.report!.recap[h.name]!.changed, h.name).toBeGreaterThan(0);
  });

  it('removes it again, idempotently', async () => {
    await checkRole({
      playbook: fixture('old-node-absent.yml'),
      inventoryPath: t.inventoryPath,
      verify: async () => {
        for (const h of t.hosts) expect((await t.exec(h, `systemctl is-active ${SVC}`)).stdout.trim(), h.name).not.toBe('active');
        for (const n of ['debian-11-1', 'debian-12-2', 'debian-13-3']) {
          expect((await t.exec(n, `dpkg-query -W -f='\${db:Status-Abbrev}' ${PKG}`)).stdout.trim(), n).not.toMatch(/^ii/);
        }
        expect((await t.exec('rpmfamily-debian12-4', `rpm -q ${PKG}`)).rc).not.toBe(0);
      },
    });
  });
});
