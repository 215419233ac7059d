/**
 * Ansible's facts (ansible-core 2.14's `setup` on Linux) derived from the facts script's output:
 * pure functions, one per collector, following module_utils/facts' rules (named in comments).
 * Keys are Ansible's names without the `ansible_` prefix, as `ansible_facts.<name>` shows them.
 */
import type { AnsibleFacts, AnsibleFactsByCollector } from './types.js';
import { DEFAULT_FACT_PATH, DMI_KEYS, PKG_MGR_PATHS } from './script.js';

type Sections = Map<string, string[]>;

const get = (sec: Sections, name: string): string[] => sec.get(name) ?? [];
const text = (sec: Sections, name: string): string => get(sec, name).join('\n');
const has = (sec: Sections, name: string): boolean => sec.has(name);

/** Python's str.capitalize(). */
function capitalize(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1).toLowerCase() : s;
}

/** Python's str.strip(chars). */
function stripChars(s: string, chars: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && chars.includes(s[a]!)) a++;
  while (b > a && chars.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

// ---------------------------------------------------------------- platform

/** PlatformFactCollector (uname, getconf LONG_BIT, /etc/hosts for socket.getfqdn()). */
export function platformFacts(sec: Sections): AnsibleFacts {
  const u = get(sec, 'uname');
  if (u.length < 5) return {};
  const [system, kernel, kernelVersion, machine, node] = u.map((l) => l.trim()) as [string, string, string, string, string];
  const fqdn = fqdnFromHosts(node, get(sec, 'hosts'));
  const bits = (get(sec, 'bits')[0] ?? '').trim() || (machine.includes('64') ? '64' : '32');
  const out: AnsibleFacts = {
    system,
    kernel,
    kernel_version: kernelVersion,
    machine,
    fqdn,
    hostname: node.split('.')[0],
    nodename: node,
    domain: fqdn.split('.').slice(1).join('.'),
    userspace_bits: bits,
    architecture: /^i[3-6]86$/.test(machine) && system === 'SunOS' ? 'i386' : machine,
  };
  if (machine === 'x86_64') {
    if (bits === '64') out['userspace_architecture'] = 'x86_64';
    else if (bits === '32') out['userspace_architecture'] = 'i386';
  }
  const py = pythonVersion(sec);
  if (py) out['python_version'] = py.version;
  const mid = (get(sec, 'machine-id')[0] ?? '').trim();
  if (mid) out['machine_id'] = mid;
  return out;
}

/**
 * socket.getfqdn() as /etc/hosts answers it: the host's address, then the first name of the first
 * line with that address, else the first dotted alias; the name itself when /etc/hosts has no entry
 * (Python would ask DNS there; the facts script never sends a query).
 */
export function fqdnFromHosts(name: string, hosts: string[]): string {
  const entries = hosts.map((l) => l.replace(/#.*/, '').trim().split(/\s+/)).filter((w) => w.length >= 2);
  const own = entries.find((w) => w.slice(1).includes(name));
  if (!own) return name;
  const byAddr = entries.find((w) => w[0] === own[0]) ?? own;
  const names = byAddr.slice(1);
  return names.find((n) => n.includes('.')) ?? names[0] ?? name;
}

// ---------------------------------------------------------------- distribution

/** shlex-style KEY=value parsing of an os-release file (distro's _parse_os_release_content). */
export function parseOsReleaseProps(content: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const line of content.split('\n')) {
    const m = /^\s*([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    let out = '';
    let i = 0;
    while (i < v.length) {
      const c = v[i]!;
      if (c === '"') {
        i++;
        while (i < v.length && v[i] !== '"') {
          if (v[i] === '\\' && i + 1 < v.length && '"\\$`'.includes(v[i + 1]!)) i++;
          out += v[i++];
        }
        i++;
      } else if (c === "'") {
        i++;
        while (i < v.length && v[i] !== "'") out += v[i++];
        i++;
      } else if (c === '\\' && i + 1 < v.length) {
        out += v[i + 1];
        i += 2;
      } else if (/\s/.test(c)) {
        break;
      } else {
        out += c;
        i++;
      }
    }
    v = out;
    props[m[1]!.toLowerCase()] = v;
  }
  if ('version_codename' in props) props['codename'] = props['version_codename']!;
  else if ('ubuntu_codename' in props) props['codename'] = props['ubuntu_codename']!;
  else if ('version' in props) {
    const m = /\((\D+)\)|,\s*(\D+)/.exec(props['version']!);
    if (m) props['codename'] = props['release_codename'] = (m[1] ?? m[2])!;
  }
  return props;
}

/** distro's _parse_distro_release_content: name, version_id, codename of a "X release 9.4 (Y)" line. */
export function parseDistroReleaseLine(line: string): { name?: string; version_id?: string; codename?: string } {
  const rev = [...line.trim()].reverse().join('');
  const m = /^(?:[^)]*\)(.*)\()? *(?:STL )?([\d.+\-a-z]*\d) *(?:esaeler *)?(.+)/.exec(rev);
  const r = (s: string): string => [...s].reverse().join('');
  if (m) {
    const out: { name?: string; version_id?: string; codename?: string } = { name: r(m[3]!) };
    if (m[2]) out.version_id = r(m[2]);
    if (m[1]) out.codename = r(m[1]);
    return out;
  }
  return line ? { name: line.trim() } : {};
}

const DISTRO_RELEASE_IGNORE = new Set(['debian_version', 'lsb-release', 'oem-release', 'os-release', 'system-release', 'plesk-release', 'iredmail-release']);

/** The bundled `distro` library's view: id, version, codename (sys_info.get_distribution*). */
export function distroGuess(sec: Sections): { distribution: string; version: string; release: string | undefined } {
  const osRel = parseOsReleaseProps(has(sec, 'file /etc/os-release') ? text(sec, 'file /etc/os-release') : text(sec, 'file /usr/lib/os-release'));
  const lsb: Record<string, string> = {};
  for (const line of get(sec, 'lsb_release')) {
    const kv = line.split(':');
    if (kv.length < 2) continue;
    lsb[kv[0]!.trim().toLowerCase().replace(/ /g, '_')] = kv.slice(1).join(':').trim();
  }
  // The first /etc/*-release or *_version file (sorted) whose first line names a distribution.
  let rel: { id?: string; name?: string; version_id?: string; codename?: string } = {};
  const files = [...sec.keys()]
    .filter((k) => /^file \/etc\/[^/]+$/.test(k))
    .map((k) => k.slice('file /etc/'.length))
    .sort();
  for (const base of files) {
    if (DISTRO_RELEASE_IGNORE.has(base)) continue;
    const m = /(\w+)[-_](release|version)$/.exec(base);
    if (!m) continue;
    const first = get(sec, `file /etc/${base}`)[0] ?? '';
    const info = parseDistroReleaseLine(first);
    if (info.name) {
      rel = { ...info, id: m[1]!.toLowerCase() };
      break;
    }
  }
  const norm = (id: string, table: Record<string, string>): string => {
    const x = id.toLowerCase().replace(/ /g, '_');
    return table[x] ?? x;
  };
  let id = '';
  if (osRel['id']) id = norm(osRel['id'], { ol: 'oracle', 'opensuse-leap': 'opensuse' });
  else if (lsb['distributor_id'])
    id = norm(lsb['distributor_id'], {
      enterpriseenterpriseas: 'oracle',
      enterpriseenterpriseserver: 'oracle',
      redhatenterpriseworkstation: 'rhel',
      redhatenterpriseserver: 'rhel',
      redhatenterprisecomputenode: 'rhel',
    });
  else if (rel.id) id = norm(rel.id, { redhat: 'rhel' });
  let distribution = capitalize(id);
  if (distribution === 'Amzn') distribution = 'Amazon';
  else if (distribution === 'Rhel') distribution = 'Redhat';
  else if (!distribution) distribution = 'OtherLinux';

  const versions = [
    osRel['version_id'] ?? '',
    lsb['release'] ?? '',
    rel.version_id ?? '',
    parseDistroReleaseLine(osRel['pretty_name'] ?? '').version_id ?? '',
    parseDistroReleaseLine(lsb['description'] ?? '').version_id ?? '',
  ];
  // the target python's distro >= 1.8 adds /etc/debian_version's content on Debian-like systems
  const like = (osRel['id_like'] ?? '').split(/\s+/);
  if ((get(sec, 'py-distro')[0] ?? '').trim() === 'debian_version' && (id === 'debian' || like.includes('debian')))
    versions.push((get(sec, 'file /etc/debian_version')[0] ?? '').trim());
  let version = versions.find((v) => v !== '') ?? '';
  if (id === 'centos' || id === 'debian') {
    let best = '';
    for (const v of versions) if (v.split('.').length > best.split('.').length || best === '') best = v;
    version = id === 'centos' ? best.split('.').slice(0, 2).join('.') : best;
  }

  let codename: string | undefined = osRel['version_codename'];
  if (codename === undefined) codename = osRel['ubuntu_codename'];
  if (codename === undefined && id === 'ubuntu') codename = lsb['codename'];
  if (codename === undefined) {
    const c = osRel['codename'] ?? (lsb['codename'] || rel.codename || '');
    codename = c === '' ? undefined : c;
  }
  return { distribution, version, release: codename };
}

const OS_FAMILY_MAP: Record<string, string[]> = {
  RedHat: [
    'RedHat',
    'RHEL',
    'Fedora',
    'CentOS',
    'Scientific',
    'SLC',
    'Ascendos',
    'CloudLinux',
    'PSBM',
    'OracleLinux',
    'OVS',
    'OEL',
    'Amazon',
    'Virtuozzo',
    'XenServer',
    'Alibaba',
    'EulerOS',
    'openEuler',
    'AlmaLinux',
    'Rocky',
    'TencentOS',
    'EuroLinux',
    'Kylin Linux Advanced Server',
  ],
  Debian: [
    'Debian',
    'Ubuntu',
    'Raspbian',
    'Neon',
    'KDE neon',
    'Linux Mint',
    'SteamOS',
    'Devuan',
    'Kali',
    'Cumulus Linux',
    'Pop!_OS',
    'Parrot',
    'Pardus GNU/Linux',
    'Uos',
    'Deepin',
    'OSMC',
  ],
  Suse: ['SuSE', 'SLES', 'SLED', 'openSUSE', 'openSUSE Tumbleweed', 'SLES_SAP', 'SUSE_LINUX', 'openSUSE Leap'],
  Archlinux: ['Archlinux', 'Antergos', 'Manjaro'],
  Mandrake: ['Mandrake', 'Mandriva'],
  Solaris: ['Solaris', 'Nexenta', 'OmniOS', 'OpenIndiana', 'SmartOS'],
  Slackware: ['Slackware'],
  Altlinux: ['Altlinux'],
  SGML: ['SGML'],
  Gentoo: ['Gentoo', 'Funtoo'],
  Alpine: ['Alpine'],
  AIX: ['AIX'],
  'HP-UX': ['HPUX'],
  Darwin: ['MacOSX'],
  FreeBSD: ['FreeBSD', 'TrueOS'],
  ClearLinux: ['Clear Linux OS', 'Clear Linux Mix'],
  DragonFly: ['DragonflyBSD', 'DragonFlyBSD', 'Gentoo/DragonflyBSD', 'Gentoo/DragonFlyBSD'],
  NetBSD: ['NetBSD'],
};
const OS_FAMILY: Record<string, string> = {};
for (const [family, names] of Object.entries(OS_FAMILY_MAP)) for (const n of names) OS_FAMILY[n] = family;

/** Distribution's os_family map (distro name → family; the name itself when unmapped). */
export function osFamilyOf(distribution: string): string {
  return OS_FAMILY[distribution] ?? distribution;
}

const OSDIST_LIST: Array<{ path: string; name: string; allowEmpty?: boolean }> = [
  { path: '/etc/altlinux-release', name: 'Altlinux' },
  { path: '/etc/oracle-release', name: 'OracleLinux' },
  { path: '/etc/slackware-version', name: 'Slackware' },
  { path: '/etc/centos-release', name: 'CentOS' },
  { path: '/etc/redhat-release', name: 'RedHat' },
  { path: '/etc/vmware-release', name: 'VMwareESX', allowEmpty: true },
  { path: '/etc/openwrt_release', name: 'OpenWrt' },
  { path: '/etc/os-release', name: 'Amazon' },
  { path: '/etc/system-release', name: 'Amazon' },
  { path: '/etc/alpine-release', name: 'Alpine' },
  { path: '/etc/arch-release', name: 'Archlinux', allowEmpty: true },
  { path: '/etc/os-release', name: 'Archlinux' },
  { path: '/etc/os-release', name: 'SUSE' },
  { path: '/etc/SuSE-release', name: 'SUSE' },
  { path: '/etc/gentoo-release', name: 'Gentoo' },
  { path: '/etc/os-release', name: 'Debian' },
  { path: '/etc/lsb-release', name: 'Debian' },
  { path: '/etc/lsb-release', name: 'Mandriva' },
  { path: '/etc/sourcemage-release', name: 'SMGL' },
  { path: '/usr/lib/os-release', name: 'ClearLinux' },
  { path: '/etc/coreos/update.conf', name: 'Coreos' },
  { path: '/etc/os-release', name: 'Flatcar' },
  { path: '/etc/os-release', name: 'NA' },
];
const SEARCH_STRING: Record<string, string> = { OracleLinux: 'Oracle Linux', RedHat: 'Red Hat', Altlinux: 'ALT', SMGL: 'Source Mage GNU/Linux' };
const OS_RELEASE_ALIAS: Record<string, string> = { Archlinux: 'Arch Linux' };

type Parsed = [boolean, AnsibleFacts];
type DistParser = (name: string, data: string, path: string, collected: AnsibleFacts, sec: Sections) => Parsed;

const search = (re: RegExp, s: string): RegExpExecArray | null => re.exec(s);

/** The dist-file parsers of DistributionFiles that apply on Linux. */
const DIST_PARSERS: Record<string, DistParser> = {
  Slackware(name, data) {
    if (!data.includes('Slackware')) return [false, {}];
    const out: AnsibleFacts = { distribution: name };
    const v = /\w+[.]\w+\+?/.exec(data);
    if (v) out['distribution_version'] = v[0];
    return [true, out];
  },
  Amazon(_name, data, path) {
    if (!data.includes('Amazon')) return [false, {}];
    const out: AnsibleFacts = { distribution: 'Amazon' };
    if (path === '/etc/os-release') {
      const v = search(/VERSION_ID="(.*)"/, data);
      if (v) {
        out['distribution_version'] = v[1];
        const parts = v[1]!.split('.');
        out['distribution_major_version'] = parts[0];
        out['distribution_minor_version'] = parts.length > 1 ? parts[1] : 'NA';
      }
    } else {
      out['distribution_version'] = data.split(/\s+/).find((n) => /^\d+$/.test(n)) ?? 'NA';
    }
    return [true, out];
  },
  OpenWrt(name, data) {
    if (!data.includes('OpenWrt')) return [false, {}];
    const out: AnsibleFacts = { distribution: name };
    const v = search(/DISTRIB_RELEASE="(.*)"/, data);
    if (v) out['distribution_version'] = v[1];
    const r = search(/DISTRIB_CODENAME="(.*)"/, data);
    if (r) out['distribution_release'] = r[1];
    return [true, out];
  },
  Alpine(_name, data) {
    return [true, { distribution: 'Alpine', distribution_version: data }];
  },
  SUSE(_name, data, path) {
    if (!data.toLowerCase().includes('suse')) return [false, {}];
    const out: AnsibleFacts = {};
    if (path === '/etc/os-release') {
      for (const line of data.split('\n')) {
        const d = /^NAME=(.*)/.exec(line);
        if (d) out['distribution'] = stripChars(d[1]!, '"');
        const v = /^VERSION_ID="?([0-9]+\.?[0-9]*)"?/.exec(line);
        if (v) {
          out['distribution_version'] = v[1];
          out['distribution_major_version'] = v[1]!.split('.')[0];
        }
        if (data.toLowerCase().includes('open')) {
          const r = /^VERSION_ID="?[0-9]+\.?([0-9]*)"?/.exec(line);
          if (r) out['distribution_release'] = r[1];
        } else if (data.toLowerCase().includes('enterprise') && line.includes('VERSION_ID')) {
          const r = /^VERSION_ID="?[0-9]+\.?([0-9]*)"?/.exec(line);
          out['distribution_release'] = r?.[1] ? r[1] : '0';
        }
      }
    }
    return [true, out];
  },
  Debian(_name, data, path, collected, sec) {
    const out: AnsibleFacts = {};
    if (data.includes('Debian') || data.includes('Raspbian')) {
      out['distribution'] = 'Debian';
      const r = /PRETTY_NAME=[^(]+ \(?([^)]+?)\)/.exec(data);
      if (r) out['distribution_release'] = r[1];
      for (const line of get(sec, 'file /etc/debian_version')) {
        const m = /(\d+)\.(\d+)/.exec(line.trim());
        if (m) out['distribution_minor_version'] = m[2];
      }
    } else if (data.includes('Ubuntu')) out['distribution'] = 'Ubuntu';
    else if (data.includes('SteamOS')) out['distribution'] = 'SteamOS';
    else if ((path === '/etc/lsb-release' || path === '/etc/os-release') && (data.includes('Kali') || data.includes('Parrot'))) {
      out['distribution'] = data.includes('Kali') ? 'Kali' : 'Parrot';
      const r = /DISTRIB_RELEASE=(.*)/.exec(data);
      if (r) out['distribution_release'] = r[1];
    } else if (data.includes('Devuan')) {
      out['distribution'] = 'Devuan';
      const r = /PRETTY_NAME="?[^("]+ \(?([^) "]+)\)?/.exec(data);
      if (r) out['distribution_release'] = r[1];
      const v = /VERSION_ID="(.*)"/.exec(data);
      if (v) out['distribution_version'] = out['distribution_major_version'] = v[1];
    } else if (data.includes('Cumulus')) {
      out['distribution'] = 'Cumulus Linux';
      const v = /VERSION_ID=(.*)/.exec(data);
      if (v) {
        out['distribution_version'] = v[1];
        out['distribution_major_version'] = v[1]!.split('.')[0];
      }
      const r = /VERSION="(.*)"/.exec(data);
      if (r) out['distribution_release'] = r[1];
    } else if (data.includes('Mint')) {
      out['distribution'] = 'Linux Mint';
      const v = /VERSION_ID="(.*)"/.exec(data);
      if (v) {
        out['distribution_version'] = v[1];
        out['distribution_major_version'] = v[1]!.split('.')[0];
      }
    } else if (/UOS|Uos|uos/.test(data) || /Deepin|deepin/.test(data)) {
      out['distribution'] = /UOS|Uos|uos/.test(data) ? 'Uos' : 'Deepin';
      const r = /VERSION_CODENAME="?([^"]+)"?/.exec(data);
      if (r) out['distribution_release'] = r[1];
      const v = /VERSION_ID="(.*)"/.exec(data);
      if (v) {
        out['distribution_version'] = v[1];
        out['distribution_major_version'] = v[1]!.split('.')[0];
      }
    } else return [false, out];
    void collected;
    return [true, out];
  },
  Mandriva(name, data) {
    if (!data.includes('Mandriva')) return [false, {}];
    const out: AnsibleFacts = { distribution: name };
    const v = /DISTRIB_RELEASE="(.*)"/.exec(data);
    if (v) out['distribution_version'] = v[1];
    const r = /DISTRIB_CODENAME="(.*)"/.exec(data);
    if (r) out['distribution_release'] = r[1];
    return [true, out];
  },
  NA(name, data, _path, collected) {
    const out: AnsibleFacts = {};
    for (const line of data.split('\n')) {
      const d = /^NAME=(.*)/.exec(line);
      if (d && name === 'NA') out['distribution'] = stripChars(d[1]!, '"');
      const v = /^VERSION=(.*)/.exec(line);
      if (v && collected['distribution_version'] === 'NA') out['distribution_version'] = stripChars(v[1]!, '"');
    }
    return [true, out];
  },
  Coreos(_name, data, _path, _c, sec) {
    if (distroGuess(sec).distribution.toLowerCase() !== 'coreos' || !data) return [false, {}];
    const r = /^GROUP=(.*)/m.exec(data);
    return [true, r ? { distribution_release: stripChars(r[1]!, '"') } : {}];
  },
  Flatcar(_name, data, _path, _c, sec) {
    if (distroGuess(sec).distribution.toLowerCase() !== 'flatcar' || !data) return [false, {}];
    const out: AnsibleFacts = {};
    const v = /VERSION=(.*)/.exec(data);
    if (v) {
      const s = stripChars(v[1]!, '"');
      out['distribution_major_version'] = s.split('.')[0];
      out['distribution_version'] = s;
    }
    return [true, out];
  },
  ClearLinux(name, data) {
    if (!name.toLowerCase().includes('clearlinux')) return [false, {}];
    const out: AnsibleFacts = {};
    const p = /NAME="(.*)"/.exec(data);
    if (p) {
      if (!p[1]!.includes('Clear Linux')) return [false, {}];
      out['distribution'] = p[1];
    }
    const v = /VERSION_ID=(.*)/.exec(data);
    if (v) out['distribution_major_version'] = out['distribution_version'] = v[1];
    const r = /ID=(.*)/.exec(data);
    if (r) out['distribution_release'] = r[1];
    return [true, out];
  },
  CentOS(_name, data) {
    if (data.includes('CentOS Stream')) return [true, { distribution_release: 'Stream' }];
    if (data.includes('TencentOS Server')) return [true, { distribution: 'TencentOS' }];
    return [false, {}];
  },
};

/** DistributionFactCollector on Linux: distro's guess, then the first dist file that parses. */
export function distributionFacts(sec: Sections): AnsibleFacts {
  const system = (get(sec, 'uname')[0] ?? 'Linux').trim();
  const g = distroGuess(sec);
  const facts: AnsibleFacts = {
    distribution: g.distribution || 'NA',
    distribution_version: g.version || 'NA',
    distribution_release: g.release === undefined ? 'NA' : g.release,
  };
  facts['distribution_major_version'] = String(facts['distribution_version']).split('.')[0] || 'NA';
  if (system === 'Linux') {
    for (const d of OSDIST_LIST) {
      const key = `file ${d.path}`;
      const exists = has(sec, key);
      const content = text(sec, key);
      if (!exists || (!d.allowEmpty && content.trim() === '')) continue;
      if (d.allowEmpty) {
        Object.assign(facts, { distribution: d.name, distribution_file_path: d.path, distribution_file_variety: d.name });
        break;
      }
      const [ok, parsed] = parseDistFile(d.name, content, d.path, facts, sec);
      if (ok) {
        Object.assign(facts, { distribution: d.name, distribution_file_path: d.path, distribution_file_variety: d.name, distribution_file_parsed: true }, parsed);
        break;
      }
    }
  }
  facts['os_family'] = osFamilyOf(String(facts['distribution']));
  return facts;
}

function parseDistFile(name: string, raw: string, path: string, collected: AnsibleFacts, sec: Sections): Parsed {
  const data = stripChars(raw, '\'"\\');
  if (name in SEARCH_STRING) {
    if (data.includes(SEARCH_STRING[name]!)) return [true, { distribution: name, distribution_file_search_string: SEARCH_STRING[name] }];
    return [true, { distribution: data.split(/\s+/)[0] }];
  }
  if (name in OS_RELEASE_ALIAS) return data.includes(OS_RELEASE_ALIAS[name]!) ? [true, { distribution: name }] : [false, {}];
  const p = DIST_PARSERS[name];
  return p ? p(name, data, path, collected, sec) : [false, {}];
}

// ---------------------------------------------------------------- lsb, pkg_mgr, service_mgr

/** LSBFactCollector: lsb_release -a, else /etc/lsb-release. */
export function lsbFacts(sec: Sections): AnsibleFacts {
  let lsb: Record<string, string> = {};
  for (const line of get(sec, 'lsb_release')) {
    if (!line.includes(':')) continue;
    const value = line.slice(line.indexOf(':') + 1).trim();
    if (line.includes('LSB Version:')) lsb['release'] = value;
    else if (line.includes('Distributor ID:')) lsb['id'] = value;
    else if (line.includes('Description:')) lsb['description'] = value;
    else if (line.includes('Release:')) lsb['release'] = value;
    else if (line.includes('Codename:')) lsb['codename'] = value;
  }
  if (Object.keys(lsb).length === 0 && has(sec, 'file /etc/lsb-release')) {
    lsb = {};
    for (const line of get(sec, 'file /etc/lsb-release')) {
      if (!line.includes('=')) continue;
      const value = line.slice(line.indexOf('=') + 1).trim();
      if (line.includes('DISTRIB_ID')) lsb['id'] = value;
      else if (line.includes('DISTRIB_RELEASE')) lsb['release'] = value;
      else if (line.includes('DISTRIB_DESCRIPTION')) lsb['description'] = value;
      else if (line.includes('DISTRIB_CODENAME')) lsb['codename'] = value;
    }
  }
  if (lsb['release'] !== undefined) lsb['major_release'] = lsb['release'].split('.')[0]!;
  for (const [k, v] of Object.entries(lsb)) if (v) lsb[k] = stripChars(v, '\'"\\');
  return { lsb };
}

/** PkgMgrFactCollector: the last known path present, then the distribution family's default. */
export function pkgMgrFacts(sec: Sections, dist: AnsibleFacts, paths: Array<[string, string]>): AnsibleFacts {
  const present = new Set(get(sec, 'pkg-paths').map((l) => l.trim()));
  const family = dist['os_family'];
  let name = 'unknown';
  for (const [p, n] of paths) {
    if (family === 'Altlinux' && p === '/usr/bin/pkg') continue;
    if (present.has(p)) name = n;
  }
  const exists = (n: string): boolean => paths.some(([p, m]) => m === n && present.has(p));
  if (family === 'RedHat') {
    if (present.has('/run/ostree-booted')) name = 'atomic_container';
    else {
      const major = Number.parseInt(String(dist['distribution_major_version']), 10);
      if (dist['distribution'] === 'Fedora' || dist['distribution'] === 'Amazon') {
        const limit = dist['distribution'] === 'Fedora' ? 23 : 2022;
        if (Number.isNaN(major)) name = 'dnf';
        else if (major < limit) {
          if (exists('yum')) name = 'yum';
        } else if (exists('dnf')) name = 'dnf';
      } else name = major < 8 ? 'yum' : 'dnf';
    }
  } else if (family === 'Debian' && name !== 'apt') name = 'apt';
  else if (family === 'Altlinux' && name === 'apt') name = 'apt_rpm';
  if (name === 'apt' && (get(sec, 'apt-rpm')[0] ?? '').trim() === 'yes') name = 'apt_rpm';
  return { pkg_mgr: name };
}

/** ServiceMgrFactCollector on Linux. */
export function serviceMgrFacts(sec: Sections, collected: AnsibleFacts): AnsibleFacts {
  const lines = get(sec, 'service-mgr').map((l) => l.trim());
  const paths = new Set(lines.filter((l) => l.startsWith('@path ')).map((l) => l.slice(6)));
  const hasSystemctl = lines.includes('@systemctl');
  let proc1: string | undefined;
  const first = lines[0];
  if (first !== undefined && !first.startsWith('@')) proc1 = first;
  else if (first?.startsWith('@ps ')) {
    const v = first.slice(4);
    proc1 = v.trim() && !/^ *[0-9]+ /.test(v) && v !== 'COMMAND' ? v : undefined;
  }
  const initLink = lines.find((l) => l.startsWith('@init '))?.slice(6);
  if (proc1 === undefined && initLink) proc1 = initLink;
  if (proc1 !== undefined) proc1 = proc1.split('/').pop()!.trim();
  if (proc1 !== undefined && (proc1 === 'init' || proc1.endsWith('sh'))) proc1 = undefined;
  const map: Record<string, string> = { procd: 'openwrt_init', 'runit-init': 'runit', svscan: 'svc', 'openrc-init': 'openrc' };
  let name: string | undefined;
  if (proc1) name = map[proc1] ?? proc1;
  else if (collected['distribution'] === 'OpenWrt') name = 'openwrt_init';
  else if (collected['system'] === 'Linux') {
    if (hasSystemctl && ['/run/systemd/system', '/dev/.run/systemd', '/dev/.systemd'].some((p) => paths.has(p))) name = 'systemd';
    else if (lines.includes('@initctl') && paths.has('/etc/init')) name = 'upstart';
    else if (paths.has('/sbin/openrc')) name = 'openrc';
    else if (hasSystemctl && initLink?.endsWith('systemd')) name = 'systemd';
    else if (paths.has('/etc/init.d')) name = 'sysvinit';
  }
  return { service_mgr: name || 'service' };
}

// ---------------------------------------------------------------- user, env, date_time, dns, …

/** UserFactCollector (getpass.getuser() from the environment, then the password entry). */
export function userFacts(sec: Sections, env: Record<string, string>): AnsibleFacts {
  const ids = get(sec, 'ids').map((l) => Number(l.trim()));
  const pw = (get(sec, 'passwd')[0] ?? '').split(':');
  const name = env['LOGNAME'] || env['USER'] || env['LNAME'] || env['USERNAME'] || pw[0] || '';
  if (ids.length < 4 || pw.length < 7) return {};
  return {
    user_id: name,
    user_uid: Number(pw[2]),
    user_gid: Number(pw[3]),
    user_gecos: pw[4],
    user_dir: pw[5],
    user_shell: pw[6],
    real_user_id: ids[0],
    effective_user_id: ids[1],
    real_group_id: ids[2],
    // ansible-core 2.14 reports os.getgid() here too
    effective_group_id: ids[2],
  };
}

/** EnvFactCollector: the remote process environment. */
export function parseEnv(lines: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  let last: string | undefined;
  for (const line of lines) {
    const m = /^([^=\s]+)=(.*)$/.exec(line);
    if (m) {
      env[m[1]!] = m[2]!;
      last = m[1];
    } else if (last) env[last] += `\n${line}`;
  }
  return env;
}

/** DateTimeFactCollector from `date` (local fields, UTC ISO 8601, the zone's standard/DST names). */
export function dateTimeFacts(sec: Sections): AnsibleFacts {
  const lines = get(sec, 'date');
  const p = (lines[0] ?? '').split('|');
  if (p.length < 13) return {};
  const [Y, m, A, w, W, d, H, M, S, s, N, Z, z] = p as [string, string, string, string, string, string, string, string, string, string, string, string, string];
  const micro = /^\d{9}$/.test(N) ? N.slice(0, 6) : '000000';
  const utc = (lines[1] ?? '').trim();
  // time.tzname[1]: the zone's DST name (its standard name when it has no DST).
  const jan = (lines[2] ?? '').split('|');
  const jul = (lines[3] ?? '').split('|');
  let dst = Z;
  if (jan.length === 2 && jul.length === 2) dst = jan[0] === jul[0] ? jan[0]! : Number(jan[1]) > Number(jul[1]) ? jan[0]! : jul[0]!;
  return {
    date_time: {
      year: Y,
      month: m,
      weekday: A,
      weekday_number: w,
      weeknumber: W,
      day: d,
      hour: H,
      minute: M,
      second: S,
      epoch: s,
      epoch_int: String(Number.parseInt(s, 10)),
      date: `${Y}-${m}-${d}`,
      time: `${H}:${M}:${S}`,
      iso8601_micro: `${utc}.${micro}Z`,
      iso8601: `${utc}Z`,
      iso8601_basic: `${Y}${m}${d}T${H}${M}${S}${micro}`,
      iso8601_basic_short: `${Y}${m}${d}T${H}${M}${S}`,
      tz: Z,
      tz_dst: dst,
      tz_offset: z,
    },
  };
}

/** DnsFactCollector: /etc/resolv.conf. */
export function dnsFacts(lines: string[]): AnsibleFacts {
  const dns: Record<string, unknown> = {};
  for (const line of lines) {
    if (line.startsWith('#') || line.startsWith(';') || line.trim() === '') continue;
    const t = line.split(/\s+/).filter(Boolean);
    if (t.length === 0) continue;
    if (t[0] === 'nameserver') ((dns['nameservers'] ??= []) as string[]).push(...t.slice(1));
    else if (t[0] === 'domain') {
      if (t.length > 1) dns['domain'] = t[1];
    } else if (t[0] === 'search') dns['search'] = t.slice(1);
    else if (t[0] === 'sortlist') dns['sortlist'] = t.slice(1);
    else if (t[0] === 'options') {
      const o: Record<string, unknown> = {};
      for (const opt of t.slice(1)) {
        const i = opt.indexOf(':');
        o[i < 0 ? opt : opt.slice(0, i)] = i < 0 ? true : opt.slice(i + 1) || true;
      }
      dns['options'] = o;
    }
  }
  return { dns };
}

/** SelinuxFactCollector as libselinux answers it (selinuxfs mounted = enabled). */
export function selinuxFacts(lines: string[]): AnsibleFacts {
  if (lines.length === 0) return { selinux: { status: 'disabled' }, selinux_python_present: true };
  const kv: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf('=');
    if (i > 0)
      kv[l.slice(0, i).trim()] = l
        .slice(i + 1)
        .trim()
        .replace(/^["']|["']$/g, '');
  }
  const mode = (v: string | undefined): string =>
    v === '1' || v === 'enforcing' ? 'enforcing' : v === '0' || v === 'permissive' ? 'permissive' : v === 'disabled' ? 'disabled' : 'unknown';
  return {
    selinux: {
      status: 'enabled',
      policyvers: kv['policyvers'] ? Number(kv['policyvers']) : 'unknown',
      config_mode: mode(kv['SELINUX']),
      mode: mode(kv['enforce']),
      type: kv['SELINUXTYPE'] || 'unknown',
    },
    selinux_python_present: true,
  };
}

/** PythonFactCollector, from `python -V` of the interpreter found (absent without one). */
export function pythonVersion(sec: Sections): { executable: string; version: string; info: [number, number, number, string, number] } | undefined {
  const [exe, ver] = get(sec, 'python').map((l) => l.trim());
  const m = /^Python (\d+)\.(\d+)\.(\d+)(?:(a|b|rc)(\d+))?/.exec(ver ?? '');
  if (!exe || !m) return undefined;
  const level = m[4] === 'a' ? 'alpha' : m[4] === 'b' ? 'beta' : m[4] === 'rc' ? 'candidate' : 'final';
  return { executable: exe, version: `${m[1]}.${m[2]}.${m[3]}`, info: [Number(m[1]), Number(m[2]), Number(m[3]), level, Number(m[5] ?? 0)] };
}

export function pythonFacts(sec: Sections): AnsibleFacts {
  const p = pythonVersion(sec);
  if (!p) return {};
  const [major, minor, micro, releaselevel, serial] = p.info;
  return { python: { version: { major, minor, micro, releaselevel, serial }, version_info: [...p.info], executable: p.executable, has_sslcontext: true, type: 'cpython' } };
}

/** ChrootFactCollector. */
export function chrootFacts(lines: string[]): AnsibleFacts {
  if (lines[0] === 'env') return { is_chroot: true };
  const [root, proc] = lines;
  if (!root) return {};
  if (proc && !proc.startsWith('fs ')) return { is_chroot: root !== proc };
  const fsType = proc?.slice(3) ?? '';
  const ino = fsType.includes('btrfs') ? 256 : fsType.includes('xfs') ? 128 : 2;
  return { is_chroot: Number(root.split(' ')[1]) !== ino };
}

/** SshPubKeyFactCollector. */
export function sshKeyFacts(lines: string[]): AnsibleFacts {
  const out: AnsibleFacts = {};
  for (const l of lines) {
    const [algo, type, key] = l.trim().split(/\s+/);
    if (!algo || !type || !key) continue;
    out[`ssh_host_key_${algo}_public`] = key;
    out[`ssh_host_key_${algo}_public_keytype`] = type;
  }
  return out;
}

/** LocalFactCollector: JSON, else INI, else Ansible's error text (fact_path files, sorted). */
export function localFacts(sec: Sections, factPath: string): AnsibleFacts {
  const local: Record<string, unknown> = {};
  const names = [...sec.keys()].filter((k) => k.startsWith('local-exec ') || k.startsWith('local-file ')).sort((a, b) => (a.slice(11) < b.slice(11) ? -1 : 1));
  for (const k of names) {
    const base = k.slice(11);
    const out = text(sec, k);
    const fn = `${factPath}/${base}.fact`;
    if (k.startsWith('local-exec ')) {
      const rc = (get(sec, `local-rc ${base}`)[0] ?? '0').trim();
      if (rc !== '0') {
        local[base] = `Failure executing fact script (${fn}), rc: ${rc}, err: `;
        continue;
      }
    }
    local[base] = parseLocalFact(out, fn);
  }
  return { local };
}

function parseLocalFact(out: string, fn: string): unknown {
  try {
    return JSON.parse(out);
  } catch {
    /* INI below */
  }
  const fact: Record<string, Record<string, string>> = {};
  let cur: Record<string, string> | undefined;
  for (const raw of out.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (!line.trim() || /^\s*[#;]/.test(line)) continue;
    const s = /^\[([^\]]+)\]$/.exec(line.trim());
    if (s) {
      cur = fact[s[1]!] ??= {};
      continue;
    }
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line.trim());
    if (!cur || !m) return `error loading facts as JSON or ini - please check content: ${fn}`;
    cur[m[1]!.toLowerCase()] = m[2]!;
  }
  return fact;
}

// ---------------------------------------------------------------- virtual

/** LinuxVirtual.get_virtual_facts (without dmidecode, which needs root and is rarely decisive). */
export function virtualFacts(sec: Sections): AnsibleFacts {
  const lines = get(sec, 'virt').map((l) => l.trim());
  const exists = (p: string): boolean => lines.includes(`exists ${p}`);
  // DMI values come from the dmi section (older script output had them in virt, as "dmi k=v")
  const dmiLines = [...get(sec, 'dmi'), ...lines.filter((l) => l.startsWith('dmi ')).map((l) => l.slice(4))];
  const dmi = (k: string): string | undefined => dmiLines.find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1);
  const guest = new Set<string>();
  const host = new Set<string>();
  let type: string | undefined;
  let role: string | undefined;
  let found = false;
  const set = (t: string, r?: string): void => {
    if (!found) {
      type = t;
      if (r) role = r;
      found = true;
    }
  };
  for (const l of lines.filter((x) => x.startsWith('cgroup '))) {
    if (/\/docker(\/|-[0-9a-f]+\.scope)/.test(l)) {
      guest.add('docker');
      set('docker', 'guest');
    }
    if (/\/lxc\//.test(l) || /\/machine\.slice\/machine-lxc/.test(l)) {
      guest.add('lxc');
      set('lxc', 'guest');
    }
    if (/\/system\.slice\/containerd\.service/.test(l)) {
      guest.add('containerd');
      set('containerd', 'guest');
    }
  }
  for (const l of lines.filter((x) => x.startsWith('environ ')).map((x) => x.slice(8))) {
    if (l.includes('container=lxc')) {
      guest.add('lxc');
      set('lxc', 'guest');
    }
    if (l.includes('container=podman')) {
      guest.add('podman');
      set('podman', 'guest');
    }
    if (/^container=./.test(l)) {
      guest.add('container');
      set('container', 'guest');
    }
  }
  if (exists('/proc/vz') && !exists('/proc/lve')) {
    type = 'openvz';
    if (exists('/proc/bc')) {
      host.add('openvz');
      if (!found) role = 'host';
    } else {
      guest.add('openvz');
      if (!found) role = 'guest';
    }
    found = true;
  }
  const sc = lines.find((l) => l.startsWith('systemd-container '))?.slice(18);
  if (sc) {
    guest.add(sc);
    set(sc, 'guest');
  }
  if (exists('/.dockerenv') || exists('/.dockerinit')) {
    guest.add('docker');
    set('docker', 'guest');
  }
  if (['docker', 'lxc', 'podman', 'openvz', 'containerd'].some((t) => guest.has(t)) || sc) guest.add('container');
  if (exists('/proc/xen')) {
    if (lines.includes('xen-host')) {
      host.add('xen');
      set('xen', 'host');
    } else set('xen', 'guest');
    found = true;
  }
  if (!found) role = 'guest';
  const product = dmi('product_name');
  const vendor = dmi('sys_vendor');
  const family = dmi('product_family');
  const bios = dmi('bios_vendor');
  const g = (tech: string, t = tech): void => {
    guest.add(tech);
    if (!found) {
      type = t;
      found = true;
    }
  };
  if (product && ['KVM', 'KVM Server', 'Bochs', 'AHV'].includes(product)) g('kvm');
  if (vendor === 'oVirt') g('oVirt');
  if (vendor === 'Red Hat') {
    if (family === 'RHV') g('RHV');
    else if (product === 'RHEV Hypervisor') g('RHEV');
  }
  if (product === 'VMware Virtual Platform' || product === 'VMware7,1') g('VMware');
  if (product === 'OpenStack Compute' || product === 'OpenStack Nova') g('openstack');
  if (bios === 'Xen') g('xen');
  if (bios === 'innotek GmbH') g('virtualbox');
  if (bios && ['Amazon EC2', 'DigitalOcean', 'Hetzner'].includes(bios)) g('kvm');
  if (vendor && ['QEMU', 'Amazon EC2', 'DigitalOcean', 'Google', 'Scaleway', 'Nutanix'].includes(vendor)) g('kvm');
  if (vendor === 'KubeVirt') g('KubeVirt');
  if (vendor === 'Microsoft Corporation') g('VirtualPC');
  if (vendor === 'Parallels Software International Inc.') g('parallels');
  if (vendor === 'OpenStack Foundation') g('openstack');
  if (!found) role = undefined;
  const vx = lines.find((l) => /^VxID:\s+\d+/.test(l));
  if (vx) {
    if (!found) type = 'linux_vserver';
    if (/^VxID:\s+0/.test(vx)) {
      host.add('linux_vserver');
      if (!found) role = 'host';
    } else {
      guest.add('linux_vserver');
      if (!found) role = 'guest';
    }
    found = true;
  }
  for (const l of get(sec, 'cpuinfo')) {
    let t: string | undefined;
    if (/^model name.*QEMU Virtual CPU/.test(l)) t = 'kvm';
    else if (/^vendor_id.*User Mode Linux/.test(l) || /^model name.*UML/.test(l)) t = 'uml';
    else if (/^machine.*CHRP IBM pSeries .emulated by qemu./.test(l)) t = 'kvm';
    else if (/^vendor_id.*PowerVM Lx86/.test(l)) t = 'powervm_lx86';
    else if (/^vendor_id.*IBM\/S390/.test(l)) t = 'ibm_systemz';
    else continue;
    guest.add(t);
    if (!found) {
      type = t;
      role = 'guest';
      found = true;
    }
  }
  const modules = new Set(lines.filter((l) => l.startsWith('module ')).map((l) => l.slice(7)));
  if (modules.has('kvm')) {
    host.add('kvm');
    if (!found) {
      type = 'kvm';
      role = 'host';
    }
    found = true;
  }
  if (modules.has('vboxdrv')) {
    host.add('virtualbox');
    if (!found) {
      type = 'virtualbox';
      role = 'host';
      found = true;
    }
  }
  if (modules.has('virtio')) {
    host.add('kvm');
    if (!found) {
      type = 'kvm';
      role = 'guest';
      found = true;
    }
  }
  if (exists('/dev/kvm')) {
    host.add('kvm');
    if (!found) {
      type = 'kvm';
      role = 'host';
      found = true;
    }
  }
  if (!found) {
    type = 'NA';
    role = 'NA';
  }
  const out: AnsibleFacts = { virtualization_tech_guest: [...guest].sort(), virtualization_tech_host: [...host].sort() };
  if (type !== undefined) out['virtualization_type'] = type;
  if (role !== undefined) out['virtualization_role'] = role;
  return out;
}

// ---------------------------------------------------------------- hardware

/** LinuxHardware memory, cpu, uptime and mount facts. */
export function hardwareFacts(sec: Sections, architecture: string): AnsibleFacts {
  const out: AnsibleFacts = {};
  const mem: Record<string, number> = {};
  for (const l of get(sec, 'meminfo')) {
    const m = /^(\w+):\s+(\d+)/.exec(l);
    if (m) mem[m[1]!] = Math.floor(Number(m[2]) / 1024);
  }
  if (Object.keys(mem).length) {
    for (const k of ['MemTotal', 'SwapTotal', 'MemFree', 'SwapFree']) if (k in mem) out[`${k.toLowerCase()}_mb`] = mem[k];
    const v = (k: string): number | null => mem[k] ?? null;
    const sub = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a - b);
    const nocacheFree = v('Cached') === null || v('MemFree') === null || v('Buffers') === null ? null : v('Cached')! + v('MemFree')! + v('Buffers')!;
    out['memory_mb'] = {
      real: { total: v('MemTotal'), used: sub(v('MemTotal'), v('MemFree')), free: v('MemFree') },
      nocache: { free: nocacheFree, used: sub(v('MemTotal'), nocacheFree) },
      swap: { total: v('SwapTotal'), free: v('SwapFree'), used: sub(v('SwapTotal'), v('SwapFree')), cached: v('SwapCached') },
    };
  }
  Object.assign(out, cpuFacts(sec, architecture));
  const up = (get(sec, 'uptime')[0] ?? '').split(' ')[0];
  if (up) out['uptime_seconds'] = Math.trunc(Number(up));
  const mounts = mountFacts(sec);
  if (mounts) out['mounts'] = mounts;
  Object.assign(out, dmiFacts(get(sec, 'dmi')), lvmFacts(get(sec, 'lvm')));
  return out;
}

const FORM_FACTOR = [
  'Unknown',
  'Other',
  'Unknown',
  'Desktop',
  'Low Profile Desktop',
  'Pizza Box',
  'Mini Tower',
  'Tower',
  'Portable',
  'Laptop',
  'Notebook',
  'Hand Held',
  'Docking Station',
  'All In One',
  'Sub Notebook',
  'Space-saving',
  'Lunch Box',
  'Main Server Chassis',
  'Expansion Chassis',
  'Sub Chassis',
  'Bus Expansion Chassis',
  'Peripheral Chassis',
  'RAID Chassis',
  'Rack Mount Chassis',
  'Sealed-case PC',
  'Multi-system',
  'CompactPCI',
  'AdvancedTCA',
  'Blade',
  'Blade Enclosure',
  'Tablet',
  'Convertible',
  'Detachable',
  'IoT Gateway',
  'Embedded PC',
  'Mini PC',
  'Stick PC',
];

/** LinuxHardware.get_dmi_facts from sysfs ('NA' where unreadable; dmidecode is not asked). */
export function dmiFacts(lines: string[]): AnsibleFacts {
  const kv = new Map<string, string>();
  for (const l of lines) {
    const i = l.indexOf('=');
    if (i > 0) kv.set(l.slice(0, i), l.slice(i + 1).trim());
  }
  const out: AnsibleFacts = {};
  for (const k of DMI_KEYS) {
    const name = k === 'chassis_type' ? 'form_factor' : k === 'sys_vendor' ? 'system_vendor' : k;
    const v = kv.get(k);
    if (v === undefined) out[name] = 'NA';
    else if (k === 'chassis_type') {
      const n = Number.parseInt(v, 10);
      out[name] = FORM_FACTOR[n] ?? `unknown (${v})`;
    } else out[name] = v;
  }
  return out;
}

/** LinuxHardware.get_lvm_facts ('N/A' unless root with LVM's tools). */
export function lvmFacts(lines: string[]): AnsibleFacts {
  if (!lines.length) return { lvm: 'N/A' };
  const vgs: Record<string, unknown> = {};
  const lvs: Record<string, unknown> = {};
  const pvs: Record<string, unknown> = {};
  let cur = '';
  for (const raw of lines) {
    const l = raw.trim();
    if (l.startsWith('@')) {
      cur = l;
      continue;
    }
    const it = l.split(',');
    if (cur === '@vgs' && it.length >= 3) vgs[it[0]!] = { size_g: it[it.length - 2], free_g: it[it.length - 1], num_lvs: it[2], num_pvs: it[1] };
    else if (cur === '@lvs' && it.length >= 4) lvs[it[0]!] = { size_g: it[3], vg: it[1] };
    else if (cur === '@pvs' && it.length >= 6) pvs[it[0]!] = { size_g: it[4], free_g: it[5], vg: it[1] };
  }
  return { lvm: { lvs, vgs, pvs } };
}

/** CmdLineFactCollector: shlex.split(posix=False) words of /proc/cmdline. */
export function cmdlineFacts(lines: string[]): AnsibleFacts {
  const data = lines.join(' ').trim();
  if (!data) return {};
  const words = data.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
  const cmdline: Record<string, unknown> = {};
  const proc: Record<string, unknown> = {};
  for (const piece of words) {
    const i = piece.indexOf('=');
    if (i < 0) {
      cmdline[piece] = true;
      proc[piece] = true;
      continue;
    }
    const [k, v] = [piece.slice(0, i), piece.slice(i + 1)];
    cmdline[k] = v;
    if (k in proc) proc[k] = Array.isArray(proc[k]) ? [...(proc[k] as unknown[]), v] : [proc[k], v];
    else proc[k] = v;
  }
  return { cmdline, proc_cmdline: proc };
}

/** LinuxHardware.get_cpu_facts, its quirks included (the `core id` check looks at sockets). */
export function cpuFacts(sec: Sections, architecture: string): AnsibleFacts {
  if (!has(sec, 'cpuinfo')) return {};
  const xen = get(sec, 'xen').map((l) => l.trim());
  const paravirt = xen.includes('paravirt');
  const out: AnsibleFacts = {};
  const processor: string[] = [];
  let i = 0;
  let vendorN = 0;
  let modelN = 0;
  let procN = 0;
  let physid = '0';
  let coreid = '0';
  const sockets = new Map<string, number>();
  const cores = new Map<string, number>();
  for (const line of get(sec, 'cpuinfo')) {
    const idx = line.indexOf(':');
    const key = (idx < 0 ? line : line.slice(0, idx)).trim();
    const val = idx < 0 ? '' : line.slice(idx + 1).trim();
    if (['model name', 'Processor', 'vendor_id', 'cpu', 'Vendor', 'processor'].includes(key)) {
      processor.push(val);
      if (key === 'vendor_id') vendorN++;
      if (key === 'model name') modelN++;
      if (key === 'processor') procN++;
      i++;
    } else if (key === 'physical id') {
      physid = val;
      if (!sockets.has(physid)) sockets.set(physid, 1);
    } else if (key === 'core id') {
      coreid = val;
      if (!sockets.has(coreid)) cores.set(coreid, 1);
    } else if (key === 'cpu cores') sockets.set(physid, Number.parseInt(val, 10));
    else if (key === 'siblings') cores.set(coreid, Number.parseInt(val, 10));
    else if (key === '# processors') out['processor_cores'] = Number.parseInt(val, 10);
    else if (key === 'ncpus active') i = Number.parseInt(val, 10);
  }
  out['processor'] = processor;
  if (vendorN > 0 && vendorN === modelN) i = vendorN;
  if (/^(armv|aarch|ppc)/.test(architecture)) i = procN;
  if (architecture !== 's390x') {
    if (paravirt) Object.assign(out, { processor_count: i, processor_cores: i, processor_threads_per_core: 1, processor_vcpus: i });
    else {
      out['processor_count'] = sockets.size ? sockets.size : i;
      const sv = [...sockets.values()];
      out['processor_cores'] = sv.length && sv[0] ? sv[0] : 1;
      const cv = [...cores.values()];
      const pc = out['processor_cores'] as number;
      out['processor_threads_per_core'] = cv.length ? Math.floor(cv[0]! / pc) : Math.floor(1 / pc);
      out['processor_vcpus'] = (out['processor_threads_per_core'] as number) * (out['processor_count'] as number) * pc;
      const n = Number.parseInt((get(sec, 'nproc')[0] ?? '').trim(), 10);
      out['processor_nproc'] = Number.isNaN(n) ? procN : n;
    }
  }
  return out;
}

/** Octal escapes of /etc/mtab fields (\040 is a space). */
function unescapeMtab(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** LinuxHardware.get_mount_facts: mtab entries on real devices, statvfs numbers, bind flag, UUID. */
export function mountFacts(sec: Sections): Array<Record<string, unknown>> | undefined {
  if (!has(sec, 'mtab')) return undefined;
  const bind = new Set<string>();
  for (const l of get(sec, 'findmnt')) {
    const f = l.split(/\s+/);
    if (f.length >= 2 && /.*\]/.test(f[1]!)) bind.add(f[0]!);
  }
  const uuids = new Map<string, string>();
  for (const l of get(sec, 'lsblk')) {
    const f = l.trim().split(/\s+/);
    if (f.length < 2) continue;
    const uuid = f.pop()!;
    const dev = f.join(' ');
    if (!uuids.has(dev)) uuids.set(dev, uuid);
  }
  const sizes = new Map<string, number[]>();
  for (const l of get(sec, 'statvfs')) {
    const f = l.trim().split(/\s+/);
    if (f.length >= 7 && f.slice(0, 6).every((x) => /^\d+$/.test(x))) sizes.set(unescapeMtab(f.slice(6).join(' ')), f.slice(0, 6).map(Number));
  }
  const mounts: Array<Record<string, unknown>> = [];
  for (const line of get(sec, 'mtab')) {
    const fields = line.split(/\s+/).filter(Boolean);
    if (fields.length < 4) continue;
    const [device, mount, fstype, options] = fields.slice(0, 4).map(unescapeMtab) as [string, string, string, string];
    if ((!(device.startsWith('/') || device.startsWith('\\')) && !device.includes(':/')) || fstype === 'none') continue;
    const info: Record<string, unknown> = { mount, device, fstype, options };
    if (bind.has(mount) && !/.*bind.*"/.test(options)) info['options'] = `${options},bind`;
    const st = sizes.get(mount);
    if (st) {
      const [frsize, bsize, blocks, bavail, files, ffree] = st as [number, number, number, number, number, number];
      Object.assign(info, {
        size_total: frsize * blocks,
        size_available: frsize * bavail,
        block_size: bsize,
        block_total: blocks,
        block_available: bavail,
        block_used: blocks - bavail,
        inode_total: files,
        inode_available: ffree,
        inode_used: files - ffree,
      });
    }
    info['uuid'] = uuids.get(device) || 'N/A';
    // a later entry for the same mount point replaces the earlier one (Ansible keys them by mount)
    const prev = mounts.findIndex((x) => x['mount'] === mount);
    if (prev >= 0) mounts.splice(prev, 1);
    mounts.push(info);
  }
  return mounts;
}

// ---------------------------------------------------------------- network

const INTERFACE_TYPE: Record<string, string> = { '1': 'ether', '32': 'infiniband', '512': 'ppp', '772': 'loopback', '65534': 'tunnel' };

function ipv4Net(address: string, prefix: string): { netmask: string; network: string } {
  const a = address.split('.').map(Number);
  const addr = ((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0;
  const len = Number(prefix);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  const dot = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  return { netmask: dot(mask), network: dot((addr & mask) >>> 0) };
}

/** `ip addr show` output split by its device headers ("2: eth0@if7: <…>"). */
function byDevice(lines: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const l of lines) {
    const m = /^\d+:\s+([^:@\s]+)(?:@\S+)?:/.exec(l);
    if (m) {
      cur = [];
      out.set(m[1]!, cur);
    }
    cur?.push(l);
  }
  return out;
}

/** LinuxNetwork.populate: default routes, interfaces (sysfs + `ip addr`), all addresses. */
export function networkFacts(sec: Sections): AnsibleFacts {
  if (!has(sec, 'route4') && ![...sec.keys()].some((k) => k.startsWith('iface '))) return {};
  if ((get(sec, 'ip')[0] ?? '').trim() !== 'yes') return {};
  const defaults = (name: string, target: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const words = (get(sec, name)[0] ?? '').trim().split(/\s+/);
    if (words[0] !== target) return out;
    for (let i = 0; i < words.length - 1; i++) {
      if (words[i] === 'dev') out['interface'] = words[i + 1];
      else if (words[i] === 'src') out['address'] = words[i + 1];
      else if (words[i] === 'via' && words[i + 1] !== target) out['gateway'] = words[i + 1];
    }
    return out;
  };
  const v4 = defaults('route4', '8.8.8.8');
  const v6 = defaults('route6', '2404:6800:400a:800::1012');
  const interfaces: Record<string, Record<string, unknown>> = {};
  const primary = byDevice(get(sec, 'ip-primary'));
  const secondary = byDevice(get(sec, 'ip-secondary'));
  const all4: string[] = [];
  const all6: string[] = [];
  for (const key of [...sec.keys()].filter((k) => k.startsWith('iface '))) {
    const device = key.slice(6);
    const attrs: Record<string, string> = {};
    for (const l of get(sec, key)) {
      const i = l.indexOf('=');
      if (i > 0) attrs[l.slice(0, i)] = l.slice(i + 1).trim();
    }
    const dev: Record<string, unknown> = { device };
    interfaces[device] = dev;
    const macaddress = attrs['address'] ?? '';
    if (macaddress && macaddress !== '00:00:00:00:00:00') dev['macaddress'] = macaddress;
    if (attrs['mtu']) dev['mtu'] = Number.parseInt(attrs['mtu'], 10);
    if ('operstate' in attrs) dev['active'] = attrs['operstate'] !== 'down';
    if (attrs['module']) dev['module'] = attrs['module'];
    if ('type' in attrs) dev['type'] = INTERFACE_TYPE[attrs['type']!] ?? 'unknown';
    if (attrs['bridge'] === '1') {
      dev['type'] = 'bridge';
      dev['interfaces'] = (attrs['brif'] ?? '').split(/\s+/).filter(Boolean);
      if ('bridge_id' in attrs) dev['id'] = attrs['bridge_id'];
      if ('stp' in attrs) dev['stp'] = attrs['stp'] === '1';
    }
    if (attrs['pciid']) dev['pciid'] = attrs['pciid'];
    if (attrs['speed'] && /^-?\d+$/.test(attrs['speed'])) dev['speed'] = Number.parseInt(attrs['speed'], 10);
    if (attrs['flags']) dev['promisc'] = (Number.parseInt(attrs['flags'], 16) & 0x0100) > 0;

    const parse = (lines: string[], secondary: boolean): void => {
      for (const line of lines) {
        const words = line.trim().split(/\s+/);
        if (!words[0]) continue;
        if (words[0] === 'inet') {
          let address: string;
          let prefix: string;
          let broadcast = '';
          if (words[1]!.includes('/')) {
            [address, prefix] = words[1]!.split('/') as [string, string];
            if (words.length > 3 && words[2] === 'brd') broadcast = words[3]!;
          } else {
            address = words[1]!;
            prefix = '32';
          }
          const { netmask, network } = ipv4Net(address, prefix);
          const entry = { address, broadcast, netmask, network, prefix };
          const iface = words[words.length - 1]!;
          if (iface !== device) interfaces[iface] = {};
          const target = interfaces[iface]!;
          if (!secondary && !('ipv4' in target)) target['ipv4'] = { ...entry };
          else ((target['ipv4_secondaries'] ??= []) as unknown[]).push({ ...entry });
          if (secondary) {
            const list = (dev['ipv4_secondaries'] ??= []) as unknown[];
            if (device !== iface) list.push({ ...entry });
          }
          if ('address' in v4 && v4['address'] === address) {
            Object.assign(v4, { broadcast, netmask, network, prefix, macaddress, mtu: dev['mtu'], type: dev['type'] ?? 'unknown', alias: iface });
          }
          if (!address.startsWith('127.')) all4.push(address);
        } else if (words[0] === 'inet6') {
          let address: string;
          let prefix: string;
          let scope: string;
          if (words[2] === 'peer') {
            address = words[1]!;
            prefix = words[3]!.split('/')[1]!;
            scope = words[5]!;
          } else {
            [address, prefix] = words[1]!.split('/') as [string, string];
            scope = words[3]!;
          }
          ((dev['ipv6'] ??= []) as unknown[]).push({ address, prefix, scope });
          if ('address' in v6 && v6['address'] === address) Object.assign(v6, { prefix, scope, macaddress, mtu: dev['mtu'], type: dev['type'] ?? 'unknown' });
          if (address !== '::1') all6.push(address);
        }
      }
    };
    parse(sec.has(`ip-primary ${device}`) ? get(sec, `ip-primary ${device}`) : (primary.get(device) ?? []), false);
    parse(sec.has(`ip-secondary ${device}`) ? get(sec, `ip-secondary ${device}`) : (secondary.get(device) ?? []), true);
  }
  const out: AnsibleFacts = {};
  const names: string[] = [];
  for (const [name, dev] of Object.entries(interfaces)) {
    const n = name.replace(/:/g, '_');
    names.push(n);
    out[n] = dev;
  }
  out['interfaces'] = names;
  out['default_ipv4'] = v4;
  out['default_ipv6'] = v6;
  out['all_ipv4_addresses'] = all4;
  out['all_ipv6_addresses'] = all6;
  return out;
}

// ---------------------------------------------------------------- all collectors

/** CapsFactCollector (capsh --print's Current line; N/A without capsh). */
export function capsFacts(sec: Sections): AnsibleFacts {
  const line = get(sec, 'caps').find((l) => l.startsWith('Current:'));
  if (!line) return { system_capabilities_enforced: 'N/A', system_capabilities: 'N/A' };
  if (line.split(':')[1]!.trim() === '=ep') return { system_capabilities_enforced: 'False', system_capabilities: [] };
  return { system_capabilities_enforced: 'True', system_capabilities: (line.split('=')[1] ?? '').split(',').map((s) => s.trim()) };
}

/** Every collector's facts from one run of the facts script. */
export function collectAnsibleFacts(sec: Sections, o: { factPath?: string } = {}): AnsibleFactsByCollector {
  const env = parseEnv(get(sec, 'env'));
  const platform = platformFacts(sec);
  const distribution = distributionFacts(sec);
  const collected = { ...platform, ...distribution };
  const load = (get(sec, 'loadavg')[0] ?? '').split(/\s+/).map(Number);
  const out: AnsibleFactsByCollector = {
    platform,
    distribution,
    lsb: lsbFacts(sec),
    selinux: selinuxFacts(get(sec, 'selinux')),
    apparmor: { apparmor: { status: (get(sec, 'apparmor')[0] ?? '').trim() === 'enabled' ? 'enabled' : 'disabled' } },
    chroot: chrootFacts(get(sec, 'chroot').map((l) => l.trim())),
    fips: { fips: (get(sec, 'fips')[0] ?? '').trim() === '1' },
    python: pythonFacts(sec),
    caps: capsFacts(sec),
    pkg_mgr: pkgMgrFacts(sec, distribution, PKG_MGR_PATHS),
    service_mgr: serviceMgrFacts(sec, collected),
    date_time: dateTimeFacts(sec),
    cmdline: cmdlineFacts(get(sec, 'cmdline')),
    env: { env },
    loadavg: load.length >= 3 && load.slice(0, 3).every((n) => !Number.isNaN(n)) ? { loadavg: { '1m': load[0], '5m': load[1], '15m': load[2] } } : {},
    ssh_pub_keys: sshKeyFacts(get(sec, 'ssh-keys')),
    user: userFacts(sec, env),
    virtual: virtualFacts(sec),
    hardware: hardwareFacts(sec, String(platform['architecture'] ?? '')),
    dns: dnsFacts(get(sec, 'resolv')),
    fibre_channel_wwn: { fibre_channel_wwn: get(sec, 'fc').map((l) => l.trimEnd().slice(2)) },
    network: networkFacts(sec),
    iscsi: {
      iscsi_iqn:
        get(sec, 'iscsi')
          .find((l) => l.startsWith('InitiatorName='))
          ?.split('=')
          .slice(1)
          .join('=') ?? '',
    },
    nvme: { hostnqn: get(sec, 'nvme').find((l) => !/^[#;]/.test(l) && l.startsWith('nqn.')) ?? '' },
    local: localFacts(sec, o.factPath ?? DEFAULT_FACT_PATH),
  };
  return out;
}
