// Every lab image boots systemd as PID 1 and serves SSH with the lab key (root and the sudo user).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECIPES } from '../../../src/lab/recipes/index.js';
import { imageSkipped, noDocker } from '../harness/lab-context.js';
import { startTargets, type Targets } from '../harness/targets.js';

const images = RECIPES.map((r) => r.name);
const available = images.filter((n) => !imageSkipped(n));

describe.skipIf(noDocker())('lab targets', () => {
  let t: Targets;
  beforeAll(async () => {
    t = await startTargets(available.map((image) => ({ image })));
  });
  afterAll(async () => {
    await t?.stop();
  });

  for (const image of images) {
    describe.skipIf(imageSkipped(image))(image, () => {
      const host = (): string => t.hosts.find((h) => h.image === image)!.name;

      it('boots systemd to "running" with no failed unit', async () => {
        const r = await t.exec(host(), 'systemctl is-system-running --wait; systemctl --failed --no-legend --plain');
        expect(r.stdout.trim()).toBe('running');
        const pid1 = await t.exec(host(), 'cat /proc/1/comm');
        expect(pid1.stdout.trim()).toBe('systemd');
      });

      it('accepts the lab key over SSH as root, with its own host key', async () => {
        const r = await t.ssh(host(), 'id -u; hostname; cat /etc/ssh/ssh_host_ed25519_key.pub');
        expect(r.rc, r.stderr).toBe(0);
        const [uid, , pub] = r.stdout.trim().split('\n');
        expect(uid).toBe('0');
        expect(pub).toMatch(/^ssh-ed25519 /);
      });

      it('has a passwordless sudo user "deploy"', async () => {
        const r = await t.ssh(host(), 'id -un && sudo -n id -u', { user: 'deploy' });
        expect(r.rc, r.stderr).toBe(0);
        expect(r.stdout.trim().split('\n')).toEqual(['deploy', '0']);
      });

      it('has the tools roles expect (curl, ip, ps, python3, nft, iptables)', async () => {
        const r = await t.exec(host(), 'for c in curl ip ps python3 nft iptables sudo; do command -v $c >/dev/null || echo missing $c; done');
        expect(r.stdout.trim()).toBe('');
      });
    });
  }

  it('host keys differ between containers of the same image', async () => {
    const same = await startTargets([{ image: 'debian-12' }, { image: 'debian-12' }], { network: t.network });
    try {
      const keys = await Promise.all(same.hosts.map((h) => same.exec(h, 'cat /etc/ssh/ssh_host_ed25519_key.pub')));
      expect(keys[0]!.stdout).not.toBe(keys[1]!.stdout);
    } finally {
      await same.stop();
    }
  });

  it('nginx images run nginx as a unit', async () => {
    for (const image of ['debian-12-nginx', 'debian-13-nginx']) {
      const h = t.hosts.find((x) => x.image === image)!;
      const r = await t.exec(h, 'systemctl is-active nginx && nginx -t 2>&1 | tail -1');
      expect(r.stdout, image).toMatch(/^active\n.*test is successful/);
    }
  });
});
