import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFacts, splitSections } from '../../../src/facts/gather.js';
import {
  collectAnsibleFacts,
  distributionFacts,
  fqdnFromHosts,
  networkFacts,
  pkgMgrFacts,
  serviceMgrFacts,
  virtualFacts,
  cpuFacts,
  localFacts,
  dateTimeFacts,
  mountFacts,
} from '../../../src/facts/ansible.js';
import { PKG_MGR_PATHS } from '../../../src/facts/script.js';
import { fnmatch, namespaceFacts, resolveGatherSubset, selectAnsibleFacts } from '../../../src/facts/subset.js';
import { TsplayError } from '../../../src/errors.js';

const dir = join(import.meta.dirname, 'fixtures', 'ansible');
const images = readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .map((f) => f.replace(/\.txt$/, ''));

/** Sections from name → lines (what splitSections makes of a script run). */
function sections(o: Record<string, string | string[]>): Map<string, string[]> {
  return new Map(Object.entries(o).map(([k, v]) => [k, (Array.isArray(v) ? v : v.split('\n')).filter((l) => l.trim() !== '')]));
}

describe('Ansible facts from facts-script output captured on the lab images', () => {
  // Each fixture: the script's output on a lab container, and ansible-core 2.14's `setup` on the same
  // container a moment before (the keys that do not change between two gatherings).
  it.each(images)('%s: every captured fact equals ansible-core’s', (image) => {
    const raw = readFileSync(join(dir, `${image}.txt`), 'utf8');
    const expected = JSON.parse(readFileSync(join(dir, `${image}.expected.json`), 'utf8')) as Record<string, unknown>;
    const facts = selectAnsibleFacts(parseFacts(raw).ansible!);
    for (const [k, v] of Object.entries(expected)) {
      if (k === 'ansible_interfaces' || k === 'ansible_virtualization_tech_guest') expect([...(facts[k] as string[])].sort(), k).toEqual([...(v as string[])].sort());
      else expect(facts[k], k).toEqual(v);
    }
    expect(Object.keys(expected).length).toBeGreaterThan(40);
  });

  it('debian-12: the values a role branches on', () => {
    const f = namespaceFacts(selectAnsibleFacts(parseFacts(readFileSync(join(dir, 'debian-12.txt'), 'utf8')).ansible!));
    expect(f['distribution']).toBe('Debian');
    expect(f['os_family']).toBe('Debian');
    expect(f['distribution_major_version']).toBe('12');
    expect(f['distribution_release']).toBe('bookworm');
    expect(f['pkg_mgr']).toBe('apt');
    expect(f['service_mgr']).toBe('systemd');
    expect(f['virtualization_type']).toBe('docker');
    expect(f['virtualization_role']).toBe('guest');
    expect((f['python'] as { executable: string }).executable).toBe('/usr/bin/python3');
    expect(f['gather_subset']).toEqual(['all']);
    expect(f['module_setup']).toBe(true);
  });

  it('the older script output (no Ansible sections) still parses into typed facts only', () => {
    const f = parseFacts(readFileSync(join(import.meta.dirname, 'fixtures', 'debian12.txt'), 'utf8'));
    expect(f.ansible).toBeUndefined();
    expect(f.os.id).toBe('debian');
  });

  it("tsplay's typed facts do not carry the Ansible facts into JSON (`facts` stays small)", () => {
    const f = parseFacts(readFileSync(join(dir, 'debian-13.txt'), 'utf8'));
    expect(JSON.stringify(f)).not.toContain('ansible');
    expect(f.ansible?.['distribution']?.['distribution']).toBe('Debian');
  });
});

describe('distribution', () => {
  const osr = (lines: string[]): Map<string, string[]> => sections({ uname: ['Linux', '6.1.0', '#1 SMP', 'x86_64', 'h'], 'file /etc/os-release': lines });

  it('Debian testing/sid (no VERSION_ID): version NA, release from VERSION_CODENAME', () => {
    const s = osr(['PRETTY_NAME="Debian GNU/Linux trixie/sid"', 'NAME="Debian GNU/Linux"', 'VERSION_CODENAME=trixie', 'ID=debian']);
    s.set('file /etc/debian_version', ['trixie/sid']);
    const d = distributionFacts(s);
    expect(d).toMatchObject({
      distribution: 'Debian',
      distribution_version: 'NA',
      distribution_major_version: 'NA',
      distribution_release: 'trixie',
      os_family: 'Debian',
      distribution_file_variety: 'Debian',
    });
    expect(d['distribution_minor_version']).toBeUndefined();
  });

  it('Ubuntu 22.04', () => {
    const d = distributionFacts(
      osr([
        'PRETTY_NAME="Ubuntu 22.04.4 LTS"',
        'NAME="Ubuntu"',
        'VERSION_ID="22.04"',
        'VERSION="22.04.4 LTS (Jammy Jellyfish)"',
        'ID=ubuntu',
        'ID_LIKE=debian',
        'VERSION_CODENAME=jammy',
        'UBUNTU_CODENAME=jammy',
      ]),
    );
    expect(d).toMatchObject({ distribution: 'Ubuntu', distribution_version: '22.04', distribution_major_version: '22', distribution_release: 'jammy', os_family: 'Debian' });
  });

  it('Rocky 9: the redhat-release file names it (RedHat variety, RedHat family)', () => {
    const s = osr([
      'NAME="Rocky Linux"',
      'VERSION="9.4 (Blue Onyx)"',
      'ID="rocky"',
      'ID_LIKE="rhel centos fedora"',
      'VERSION_ID="9.4"',
      'PRETTY_NAME="Rocky Linux 9.4 (Blue Onyx)"',
    ]);
    s.set('file /etc/redhat-release', ['Rocky Linux release 9.4 (Blue Onyx)']);
    s.set('file /etc/rocky-release', ['Rocky Linux release 9.4 (Blue Onyx)']);
    const d = distributionFacts(s);
    expect(d).toMatchObject({
      distribution: 'Rocky',
      distribution_version: '9.4',
      distribution_major_version: '9',
      distribution_release: 'Blue Onyx',
      os_family: 'RedHat',
      distribution_file_variety: 'RedHat',
    });
  });

  it('RHEL: "Red Hat" in redhat-release gives RedHat', () => {
    const s = osr(['NAME="Red Hat Enterprise Linux"', 'VERSION="8.9 (Ootpa)"', 'ID="rhel"', 'VERSION_ID="8.9"', 'PRETTY_NAME="Red Hat Enterprise Linux 8.9 (Ootpa)"']);
    s.set('file /etc/redhat-release', ['Red Hat Enterprise Linux release 8.9 (Ootpa)']);
    expect(distributionFacts(s)).toMatchObject({ distribution: 'RedHat', distribution_version: '8.9', os_family: 'RedHat', distribution_release: 'Ootpa' });
  });

  it('Alpine: version from /etc/alpine-release', () => {
    const s = osr(['NAME="Alpine Linux"', 'ID=alpine', 'VERSION_ID=3.19.1', 'PRETTY_NAME="Alpine Linux v3.19"']);
    s.set('file /etc/alpine-release', ['3.19.1']);
    expect(distributionFacts(s)).toMatchObject({ distribution: 'Alpine', distribution_version: '3.19.1', distribution_major_version: '3', os_family: 'Alpine' });
  });

  it("Debian with the target python's own distro >= 1.8: /etc/debian_version gives the point release", () => {
    const s = osr(['PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"', 'VERSION_ID="12"', 'VERSION_CODENAME=bookworm', 'ID=debian']);
    s.set('file /etc/debian_version', ['12.11']);
    expect(distributionFacts(s)).toMatchObject({ distribution_version: '12', distribution_minor_version: '11' });
    s.set('py-distro', ['debian_version']);
    expect(distributionFacts(s)).toMatchObject({ distribution_version: '12.11', distribution_major_version: '12', distribution_minor_version: '11' });
  });

  it('an unknown distribution keeps its own name as os_family', () => {
    const d = distributionFacts(osr(['NAME="Foo OS"', 'ID=foo', 'VERSION_ID=1', 'VERSION="1"']));
    expect(d).toMatchObject({ distribution: 'Foo OS', os_family: 'Foo OS', distribution_file_variety: 'NA', distribution_version: '1' });
  });
});

describe('pkg_mgr, service_mgr, virtualization, cpu, network', () => {
  it('pkg_mgr: dnf installed on Debian is not Debian’s package manager; RHEL 7 is yum', () => {
    const s = sections({ 'pkg-paths': ['/usr/bin/dnf', '/usr/bin/apt-get', '/usr/bin/yum'] });
    expect(pkgMgrFacts(s, { os_family: 'Debian' }, PKG_MGR_PATHS)).toEqual({ pkg_mgr: 'apt' });
    expect(pkgMgrFacts(sections({ 'pkg-paths': ['/usr/bin/yum'] }), { os_family: 'RedHat', distribution: 'CentOS', distribution_major_version: '7' }, PKG_MGR_PATHS)).toEqual({
      pkg_mgr: 'yum',
    });
    expect(
      pkgMgrFacts(sections({ 'pkg-paths': ['/usr/bin/dnf', '/usr/bin/yum'] }), { os_family: 'RedHat', distribution: 'Rocky', distribution_major_version: '9' }, PKG_MGR_PATHS),
    ).toEqual({ pkg_mgr: 'dnf' });
    expect(pkgMgrFacts(sections({ 'pkg-paths': ['/usr/bin/apt-get'], 'apt-rpm': ['yes'] }), { os_family: 'Altlinux' }, PKG_MGR_PATHS)).toEqual({ pkg_mgr: 'apt_rpm' });
  });

  it('service_mgr: PID 1’s name, `init` falls back to the systemd/sysvinit probes', () => {
    expect(serviceMgrFacts(sections({ 'service-mgr': ['systemd', '@systemctl'] }), { system: 'Linux' })).toEqual({ service_mgr: 'systemd' });
    expect(serviceMgrFacts(sections({ 'service-mgr': ['init', '@path /etc/init.d'] }), { system: 'Linux' })).toEqual({ service_mgr: 'sysvinit' });
    expect(serviceMgrFacts(sections({ 'service-mgr': ['sh', '@systemctl', '@path /run/systemd/system'] }), { system: 'Linux' })).toEqual({ service_mgr: 'systemd' });
    expect(serviceMgrFacts(sections({ 'service-mgr': ['runit-init'] }), { system: 'Linux' })).toEqual({ service_mgr: 'runit' });
    expect(serviceMgrFacts(sections({ 'service-mgr': ['bash'] }), { system: 'Linux' })).toEqual({ service_mgr: 'service' });
  });

  it('virtualization: a docker container, a KVM guest, bare metal with /dev/kvm', () => {
    expect(virtualFacts(sections({ virt: ['exists /.dockerenv'] }))).toEqual({
      virtualization_type: 'docker',
      virtualization_role: 'guest',
      virtualization_tech_guest: ['container', 'docker'],
      virtualization_tech_host: [],
    });
    expect(virtualFacts(sections({ virt: ['dmi product_name=Standard PC (Q35 + ICH9, 2009)', 'dmi sys_vendor=QEMU'] }))).toMatchObject({
      virtualization_type: 'kvm',
      virtualization_role: 'guest',
    });
    expect(virtualFacts(sections({ virt: ['exists /dev/kvm', 'module kvm'] }))).toMatchObject({
      virtualization_type: 'kvm',
      virtualization_role: 'host',
      virtualization_tech_host: ['kvm'],
    });
    expect(virtualFacts(sections({ virt: [] }))).toMatchObject({ virtualization_type: 'NA', virtualization_role: 'NA' });
  });

  it('cpu: two sockets with hyper-threading', () => {
    const cpu: string[] = [];
    for (let p = 0; p < 8; p++)
      cpu.push(
        `processor\t: ${p}`,
        'vendor_id\t: GenuineIntel',
        'model name\t: Xeon',
        `physical id\t: ${p < 4 ? 0 : 1}`,
        'siblings\t: 4',
        `core id\t: ${(p % 4) >> 1}`,
        'cpu cores\t: 2',
      );
    expect(cpuFacts(sections({ cpuinfo: cpu, nproc: ['8'] }), 'x86_64')).toMatchObject({
      processor_count: 2,
      processor_cores: 2,
      processor_threads_per_core: 2,
      processor_vcpus: 8,
      processor_nproc: 8,
    });
  });

  it('network: default route, secondary address, interface alias with a colon', () => {
    const s = sections({
      ip: ['yes'],
      route4: ['8.8.8.8 via 10.0.0.1 dev eth0 src 10.0.0.5 uid 0'],
      route6: [],
      'iface eth0': ['address=52:54:00:12:34:56', 'mtu=1500', 'operstate=up', 'type=1', 'speed=1000', 'flags=0x1003'],
      'ip-primary eth0': ['2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500', '    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0', '    inet6 fe80::1/64 scope link'],
      'ip-secondary eth0': ['    inet 10.0.0.6/24 brd 10.0.0.255 scope global secondary eth0:1'],
    });
    const n = networkFacts(s);
    expect(n['default_ipv4']).toEqual({
      gateway: '10.0.0.1',
      interface: 'eth0',
      address: '10.0.0.5',
      broadcast: '10.0.0.255',
      netmask: '255.255.255.0',
      network: '10.0.0.0',
      prefix: '24',
      macaddress: '52:54:00:12:34:56',
      mtu: 1500,
      type: 'ether',
      alias: 'eth0',
    });
    expect(n['interfaces']).toEqual(['eth0', 'eth0_1']);
    expect(n['eth0_1']).toEqual({ ipv4_secondaries: [{ address: '10.0.0.6', broadcast: '10.0.0.255', netmask: '255.255.255.0', network: '10.0.0.0', prefix: '24' }] });
    expect((n['eth0'] as Record<string, unknown>)['ipv6']).toEqual([{ address: 'fe80::1', prefix: '64', scope: 'link' }]);
    expect(n['all_ipv4_addresses']).toEqual(['10.0.0.5', '10.0.0.6']);
    expect(n['all_ipv6_addresses']).toEqual(['fe80::1']);
  });

  it('network: one `ip addr show` for every interface, split by device header (veth@ifN names)', () => {
    const n = networkFacts(
      sections({
        ip: ['yes'],
        route4: [],
        'iface lo': ['mtu=65536', 'type=772'],
        'iface veth1': ['address=aa:bb:cc:dd:ee:ff', 'mtu=1500', 'type=1'],
        'ip-primary': [
          '1: lo: <LOOPBACK,UP> mtu 65536',
          '    inet 127.0.0.1/8 scope host lo',
          '7: veth1@if6: <BROADCAST> mtu 1500',
          '    inet 172.17.0.1/16 brd 172.17.255.255 scope global veth1',
        ],
        'ip-secondary': [],
      }),
    );
    expect(n['all_ipv4_addresses']).toEqual(['172.17.0.1']);
    expect((n['veth1'] as Record<string, unknown>)['ipv4']).toMatchObject({ address: '172.17.0.1', prefix: '16' });
    expect((n['lo'] as Record<string, unknown>)['type']).toBe('loopback');
  });

  it('mounts: real devices only, sizes from one stat -f call, bind flag from findmnt, escaped mount points', () => {
    const m = mountFacts(
      sections({
        mtab: ['/dev/vda1 / ext4 rw,relatime 0 0', 'proc /proc proc rw 0 0', '/dev/vdb /srv/my\\040data xfs rw 0 0'],
        findmnt: ['/srv/my\\x20data /dev/vdb[/data] xfs rw'],
        lsblk: ['/dev/vda1 1111-2222', '/dev/vdb'],
        statvfs: ['4096 4096 100 40 50 20 /', '4096 4096 10 5 8 2 /srv/my data'],
      }),
    )!;
    expect(m.map((x) => x['mount'])).toEqual(['/', '/srv/my data']);
    expect(m[0]).toMatchObject({ device: '/dev/vda1', size_total: 409600, size_available: 163840, block_used: 60, inode_used: 30, uuid: '1111-2222' });
    expect(m[1]).toMatchObject({ uuid: 'N/A', block_total: 10 });
  });

  it('fqdn from /etc/hosts: the canonical name of the host’s address', () => {
    expect(fqdnFromHosts('web1', ['127.0.0.1 localhost', '10.0.0.5 web1.example.org web1'])).toBe('web1.example.org');
    expect(fqdnFromHosts('web1', ['10.0.0.5 web1'])).toBe('web1');
    expect(fqdnFromHosts('web1', ['127.0.0.1 localhost'])).toBe('web1');
  });

  it('no python on the host: no ansible_python, no python_version', () => {
    const raw = readFileSync(join(dir, 'debian-12.txt'), 'utf8').replace(/(@@tsplay-facts@@ python\n)[^@]*/, '$1');
    const f = selectAnsibleFacts(parseFacts(raw).ansible!);
    expect(f['ansible_python']).toBeUndefined();
    expect(f['ansible_python_version']).toBeUndefined();
    expect(f['ansible_distribution']).toBe('Debian');
  });

  it('date_time: fields from one `date` call, tz_dst from the zone’s July/January names', () => {
    const d = dateTimeFacts(sections({ date: ['2026|12|Wednesday|3|48|02|04|05|06|1796184306|123456789|CET|+0100', '2026-12-02T03:05:06', 'CET|+0100', 'CEST|+0200'] }))[
      'date_time'
    ] as Record<string, string>;
    expect(d).toMatchObject({
      iso8601: '2026-12-02T03:05:06Z',
      iso8601_micro: '2026-12-02T03:05:06.123456Z',
      iso8601_basic: '20261202T040506123456',
      tz: 'CET',
      tz_dst: 'CEST',
      tz_offset: '+0100',
      epoch_int: '1796184306',
      weekday_number: '3',
    });
  });

  it('local facts: JSON, INI, a failing executable fact', () => {
    const s = sections({ 'local-file app': ['{"port": 8080}'], 'local-file ini': ['[general]', 'Name = x'], 'local-exec broken': [], 'local-rc broken': ['3'] });
    expect(localFacts(s, '/etc/ansible/facts.d')).toEqual({
      local: { app: { port: 8080 }, broken: 'Failure executing fact script (/etc/ansible/facts.d/broken.fact), rc: 3, err: ', ini: { general: { name: 'x' } } },
    });
  });
});

describe('gather_subset and filter', () => {
  it('resolves as Ansible does: min always, !all keeps min, !x removes x and its fact ids, deps added', () => {
    expect(resolveGatherSubset(['all'])).toContain('hardware');
    expect(resolveGatherSubset(['!all'])).toEqual([
      'platform',
      'distribution',
      'lsb',
      'selinux',
      'apparmor',
      'fips',
      'python',
      'caps',
      'pkg_mgr',
      'service_mgr',
      'cmdline',
      'date_time',
      'env',
      'ssh_pub_keys',
      'user',
      'dns',
      'local',
    ]);
    expect(resolveGatherSubset(['!all', 'network'])).toContain('network');
    expect(resolveGatherSubset(['!all', '!min'])).toEqual([]);
    expect(resolveGatherSubset(['!all', '!min', 'network'])).toEqual(['platform', 'distribution', 'network']);
    expect(resolveGatherSubset(['all', '!hardware'])).not.toContain('hardware');
    expect(resolveGatherSubset(['!all', '!min', 'distribution_version'])).toEqual(['distribution']);
  });

  it('an unknown subset is Ansible’s error', () => {
    expect(() => resolveGatherSubset(['hardwar'])).toThrow(TsplayError);
    expect(() => resolveGatherSubset(['hardwar'])).toThrow(/Bad subset 'hardwar' given to Ansible/);
  });

  it('filter: globs, with or without the ansible_ prefix; the markers are filtered too', () => {
    const by = collectAnsibleFacts(splitSections(readFileSync(join(dir, 'debian-11.txt'), 'utf8')));
    expect(Object.keys(selectAnsibleFacts(by, { filter: ['ansible_distribution*'] })).sort()).toEqual([
      'ansible_distribution',
      'ansible_distribution_file_parsed',
      'ansible_distribution_file_path',
      'ansible_distribution_file_variety',
      'ansible_distribution_major_version',
      'ansible_distribution_minor_version',
      'ansible_distribution_release',
      'ansible_distribution_version',
    ]);
    expect(Object.keys(selectAnsibleFacts(by, { filter: ['os_family', 'pkg_mgr'] })).sort()).toEqual(['ansible_os_family', 'ansible_pkg_mgr']);
    expect(selectAnsibleFacts(by, { gatherSubset: ['!all'] })['ansible_interfaces']).toBeUndefined();
    expect(selectAnsibleFacts(by, { gatherSubset: ['!all'] })['gather_subset']).toEqual(['!all']);
    expect(fnmatch('ansible_eth0', 'ansible_eth[0-9]')).toBe(true);
    expect(fnmatch('ansible_eth0', 'ansible_e?h0')).toBe(true);
    expect(fnmatch('ansible_eth0', 'eth*')).toBe(false);
  });
});
