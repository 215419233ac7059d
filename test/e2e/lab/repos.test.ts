// The lab's apt and dnf repositories install and remove the stand-in old node for real.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WALLARM_STANDIN } from '../../../src/lab/repos.js';
import { noDocker } from '../harness/lab-context.js';
import { startTargets, type Targets } from '../harness/targets.js';

const { package: PKG, service: SVC, port: PORT } = WALLARM_STANDIN;
const connect = (ip: string): string => `python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], ${PORT}), timeout=3); print("open")' ${ip}`;

async function until(fn: () => Promise<boolean>, tries = 50): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

describe.skipIf(noDocker())('lab package repositories', () => {
  let t: Targets;
  beforeAll(async () => {
    t = await startTargets([{ image: 'debian-11' }, { image: 'debian-12' }, { image: 'debian-13' }, { image: 'rpmfamily-debian12' }]);
  });
  afterAll(async () => {
    await t?.stop();
  });

  for (const image of ['debian-11', 'debian-12', 'debian-13']) {
    it(`${image}: apt installs ${PKG} (offline, from the baked-in repo) and apt remove takes it away`, async () => {
      const h = t.hosts.find((x) => x.image === image)!;
      const inst = await t.exec(h, `DEBIAN_FRONTEND=noninteractive apt-get install -y ${PKG}`);
      expect(inst.rc, inst.stderr + inst.stdout).toBe(0);
      expect((await t.exec(h, `systemctl is-active ${SVC}`)).stdout.trim()).toBe('active');
      expect((await t.exec(h, `grep -E '^(HOST|PORT|SLAB_ALLOC_ARENA)=' ${WALLARM_STANDIN.debConfig}`)).stdout.trim().split('\n')).toEqual([
        'SLAB_ALLOC_ARENA=0.5',
        'HOST=0.0.0.0',
        `PORT=${PORT}`,
      ]);
      // Reachable from another container on the network, on the configured port.
      const peer = t.hosts.find((x) => x.image !== image && x.image.startsWith('debian'))!;
      expect(await until(async () => (await t.exec(peer, connect(h.address))).stdout.includes('open'))).toBe(true);

      const rm = await t.exec(h, `DEBIAN_FRONTEND=noninteractive apt-get remove -y ${PKG}`);
      expect(rm.rc, rm.stderr).toBe(0);
      expect((await t.exec(h, `systemctl is-active ${SVC}`)).stdout.trim()).not.toBe('active');
      expect((await t.exec(h, `dpkg-query -W -f='\${db:Status-Abbrev}' ${PKG}`)).stdout.trim()).toBe('rc'); // conffiles stay, as with the real package
      expect((await t.exec(peer, connect(h.address))).rc).not.toBe(0);
    });
  }

  it(`rpmfamily-debian12: dnf installs ${PKG} with /etc/sysconfig config and dnf remove takes it away`, async () => {
    const h = t.hosts.find((x) => x.image === 'rpmfamily-debian12')!;
    const inst = await t.exec(h, `dnf -y install ${PKG}`);
    expect(inst.rc, inst.stderr + inst.stdout).toBe(0);
    expect((await t.exec(h, `rpm -q ${PKG}`)).stdout.trim()).toBe(`${PKG}-${WALLARM_STANDIN.version}-${WALLARM_STANDIN.release}.noarch`);
    expect((await t.exec(h, `systemctl is-active ${SVC}`)).stdout.trim()).toBe('active');
    expect((await t.exec(h, `grep -c '^PORT=${PORT}$' ${WALLARM_STANDIN.rpmConfig}`)).stdout.trim()).toBe('1');
    expect(await until(async () => (await t.exec(h, connect('127.0.0.1'))).stdout.includes('open'))).toBe(true);

    const rm = await t.exec(h, `dnf -y remove ${PKG}`);
    expect(rm.rc, rm.stderr + rm.stdout).toBe(0);
    expect((await t.exec(h, `rpm -q ${PKG}`)).rc).not.toBe(0);
    expect((await t.exec(h, `systemctl is-active ${SVC}`)).stdout.trim()).not.toBe('active');
    expect((await t.exec(h, connect('127.0.0.1'))).rc).not.toBe(0);
  });
});
