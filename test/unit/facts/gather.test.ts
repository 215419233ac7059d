import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FACTS_SCRIPT, FactCache, gatherFacts, osFamily, parseFacts, parseOsRelease } from '../../../src/facts/gather.js';
import type { Executor, RunResult } from '../../../src/executors/types.js';
import { TsplayError } from '../../../src/errors.js';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('parseFacts', () => {
  it('Debian 12 with systemd, nft and a default route', () => {
    const f = parseFacts(fixture('debian12.txt'));
    expect(f.os).toEqual({
      id: 'debian',
      idLike: [],
      family: 'debian',
      version: '12',
      major: '12',
      codename: 'bookworm',
      name: 'Debian GNU/Linux 12 (bookworm)',
    });
    expect(f.hostname).toBe('web1');
    expect(f.fqdn).toBe('web1.example.org');
    expect(f.arch).toBe('x86_64');
    expect(f.kernel).toBe('6.1.0-18-amd64');
    expect(f.pkgMgr).toBe('apt');
    expect(f.serviceMgr).toBe('systemd');
    expect(f.firewall).toEqual({ nft: true, iptables: true, ufw: false, firewalld: false, firewalldActive: false });
    expect(f.defaultIpv4).toBe('192.0.2.10');
    expect(f.addresses).toEqual(['192.0.2.10', '2001:db8::10', '172.17.0.1']);
    expect(f.memoryMb).toBe(3931);
    expect(f.cpus).toBe(2);
    expect(f.user).toBe('admin');
    expect(f.isRoot).toBe(false);
  });

  it('Ubuntu 22.04 on arm64 with ufw', () => {
    const f = parseFacts(fixture('ubuntu2204.txt'));
    expect(f.os.id).toBe('ubuntu');
    expect(f.os.idLike).toEqual(['debian']);
    expect(f.os.family).toBe('debian');
    expect(f.os.version).toBe('22.04');
    expect(f.os.major).toBe('22');
    expect(f.os.codename).toBe('jammy');
    expect(f.arch).toBe('aarch64');
    expect(f.firewall.ufw).toBe(true);
    expect(f.defaultIpv4).toBe('10.0.0.23');
    expect(f.addresses).toEqual(['10.0.0.23', 'fe80::8ff:1ff:fe2a:3b4c']);
    expect(f.fqdn).toBeUndefined();
    expect(f.cpus).toBe(4);
  });

  it('Rocky 9 is redhat family, prefers dnf, sees firewalld running', () => {
    const f = parseFacts(fixture('rocky9.txt'));
    expect(f.os.id).toBe('rocky');
    expect(f.os.family).toBe('redhat');
    expect(f.os.version).toBe('9.4');
    expect(f.os.major).toBe('9');
    expect(f.os.name).toBe('Rocky Linux 9.4 (Blue Onyx)');
    expect(f.pkgMgr).toBe('dnf');
    expect(f.firewall).toEqual({ nft: true, iptables: true, ufw: false, firewalld: true, firewalldActive: true });
    expect(f.hostname).toBe('db1.internal.example');
    expect(f.fqdn).toBe('db1.internal.example');
    expect(f.addresses).toEqual(['198.51.100.7', '198.51.100.8']);
    expect(f.isRoot).toBe(true);
  });

  it('a minimal container without `ip` still gets addresses and a default IPv4', () => {
    const f = parseFacts(fixture('minimal-no-ip.txt'));
    expect(f.serviceMgr).toBe('sysvinit');
    expect(f.firewall).toEqual({ nft: false, iptables: false, ufw: false, firewalld: false, firewalldActive: false });
    expect(f.addresses).toEqual(['172.18.0.5']);
    expect(f.defaultIpv4).toBe('172.18.0.5');
    expect(f.memoryMb).toBe(1984);
    expect(f.os.codename).toBeUndefined();
  });

  it('refuses truncated output instead of returning half-empty facts', () => {
    const cut = fixture('debian12.txt').split('@@tsplay-facts@@ mem')[0]!;
    expect(() => parseFacts(cut)).toThrow(/incomplete/);
  });
});

describe('osFamily', () => {
  it.each([
    ['rocky', [], 'redhat'],
    ['almalinux', ['rhel', 'centos', 'fedora'], 'redhat'],
    ['ol', ['fedora'], 'redhat'],
    ['centos', [], 'redhat'],
    ['rhel', [], 'redhat'],
    ['fedora', [], 'redhat'],
    ['linuxmint', ['ubuntu', 'debian'], 'debian'],
    ['someos', ['debian'], 'debian'],
    ['opensuse-leap', ['suse', 'opensuse'], 'suse'],
    ['alpine', [], 'alpine'],
    ['gentoo', [], 'unknown'],
  ] as const)('%s (like %j) → %s', (id, like, family) => {
    expect(osFamily(id, [...like])).toBe(family);
  });
});

describe('parseOsRelease', () => {
  it('unquotes single and double quoted values with escapes', () => {
    expect(parseOsRelease(['A="x \\"y\\""', "B='z w'", 'C=plain', '# comment', 'bad line'])).toEqual({ A: 'x "y"', B: 'z w', C: 'plain' });
  });
});

describe('the facts script', () => {
  it('does not resolve names or send packets', () => {
    // `ip route get` (Ansible's default_ipv4 logic) only asks the kernel's routing table.
    expect(FACTS_SCRIPT.replace(/ip -[46] route get [0-9a-f.:]+/g, '')).not.toMatch(/hostname -f|route get|ping|curl|wget|getent hosts|nslookup|dig /);
  });
});

function fakeExecutor(host: string, outputs: RunResult[]): Executor & { calls: number } {
  const ex = {
    host,
    calls: 0,
    connect: async () => undefined,
    run: async () => {
      const r = outputs[Math.min(ex.calls, outputs.length - 1)]!;
      ex.calls++;
      return r;
    },
    put: async () => undefined,
    get: async () => null,
    close: async () => undefined,
  };
  return ex;
}

describe('FactCache', () => {
  it('gathers once per host even when asked concurrently', async () => {
    const ex = fakeExecutor('web1', [{ rc: 0, stdout: fixture('debian12.txt'), stderr: '', durationMs: 1 }]);
    const cache = new FactCache();
    const [a, b] = await Promise.all([cache.get(ex), cache.get(ex)]);
    await cache.get(ex);
    expect(a).toBe(b);
    expect(ex.calls).toBe(1);
  });

  it('does not cache a failure: the next ask gathers again', async () => {
    const ex = fakeExecutor('web1', [
      { rc: 127, stdout: '', stderr: '/bin/sh: not found', durationMs: 1 },
      { rc: 0, stdout: fixture('rocky9.txt'), stderr: '', durationMs: 1 },
    ]);
    const cache = new FactCache();
    const err = await cache.get(ex).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TsplayError);
    expect((err as TsplayError).message).toContain('web1');
    expect((await cache.get(ex)).os.id).toBe('rocky');
    expect(ex.calls).toBe(2);
  });

  it('gatherFacts reports a timeout as a failure naming the host', async () => {
    const ex = fakeExecutor('db9', [{ rc: 124, stdout: '', stderr: '', durationMs: 60000, timedOut: true }]);
    await expect(gatherFacts(ex)).rejects.toThrow(/db9.*timed out/);
  });
});
