/** Facts under Ansible's names without the `ansible_` prefix (`ansible_facts.<name>`). */
export type AnsibleFacts = Record<string, unknown>;

/** Ansible's facts grouped by the collector that makes them (platform, distribution, network, …). */
export type AnsibleFactsByCollector = Record<string, AnsibleFacts>;

/**
 * Host facts gathered once per host per run (see facts/gather.ts). Exposed as `facts` in templates:
 * tsplay's own typed summary; Ansible's names come from `ansible`.
 */
export interface HostFacts {
  hostname: string;
  fqdn?: string;
  os: {
    id: string; // debian, ubuntu, rocky, rhel, centos, almalinux, ol, fedora, ...
    idLike: string[]; // from ID_LIKE
    family: 'debian' | 'redhat' | 'suse' | 'arch' | 'alpine' | 'unknown';
    version: string; // VERSION_ID, e.g. "12", "22.04", "9.4"
    major: string; // "12", "22", "9"
    codename?: string;
    name: string; // PRETTY_NAME
  };
  arch: string; // uname -m: x86_64, aarch64
  kernel: string; // uname -r
  pkgMgr: 'apt' | 'dnf' | 'yum' | 'zypper' | 'apk' | 'unknown';
  /** Every package manager found on the host (pkgMgr is the preferred one), e.g. dnf installed on Debian. */
  pkgMgrs?: Array<'apt' | 'dnf' | 'yum' | 'zypper' | 'apk'>;
  serviceMgr: 'systemd' | 'sysvinit' | 'openrc' | 'unknown';
  /** Binaries present (firewalld = firewall-cmd); firewalldActive: the firewalld unit is running. */
  firewall: { nft: boolean; iptables: boolean; ufw: boolean; firewalld: boolean; firewalldActive?: boolean };
  /** Default-route IPv4 address, if any. */
  defaultIpv4?: string;
  addresses: string[]; // all IPv4/IPv6 addresses except loopback
  memoryMb: number;
  cpus: number;
  user: string; // remote user the connection runs as
  isRoot: boolean;
  /** Everything Ansible's `setup` would report, by collector (src/facts/ansible.ts). */
  ansible?: AnsibleFactsByCollector;
}
