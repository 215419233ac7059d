// The facts oracle's comparison: `ansible -m setup`'s ansible_facts against `tsplay facts`' JSON.
// Every key of ORACLE_KEYS must be equal, except where a normalisation below says why not.

/** The facts issue 10 names, under Ansible's `ansible_` names (ansible_<iface> is added per interface). */
export const ORACLE_KEYS = [
  'distribution',
  'distribution_version',
  'distribution_major_version',
  'distribution_release',
  'distribution_file_variety',
  'os_family',
  'system',
  'kernel',
  'kernel_version',
  'architecture',
  'machine',
  'userspace_bits',
  'hostname',
  'nodename',
  'fqdn',
  'domain',
  'default_ipv4',
  'default_ipv6',
  'all_ipv4_addresses',
  'all_ipv6_addresses',
  'interfaces',
  'dns',
  'memtotal_mb',
  'memfree_mb',
  'swaptotal_mb',
  'processor_count',
  'processor_cores',
  'processor_vcpus',
  'processor_threads_per_core',
  'pkg_mgr',
  'service_mgr',
  'virtualization_type',
  'virtualization_role',
  'selinux',
  'apparmor',
  'lsb',
  'env',
  'user_id',
  'user_uid',
  'user_dir',
  'user_shell',
  'date_time',
  'mounts',
  'python',
  'machine_id',
  'uptime_seconds',
].map((k) => `ansible_${k}`);

/** Facts that change between two gatherings a few seconds apart, or are only there on one side. */
export const NOT_COMPARED_EXTRAS: Record<string, string> = {
  ansible_loadavg: 'load average: changes from one second to the next',
  ansible_memory_mb: 'free/used memory: changes between the two gatherings (memfree_mb is compared within a tolerance)',
  ansible_swapfree_mb: 'changes between the two gatherings',
};

/**
 * Normalisations, each with its reason. `window` is how far apart the two gatherings may be, in seconds.
 */
export const NORMALISATIONS: Record<string, string> = {
  ansible_interfaces: 'compared as a set: Ansible builds the list from dict keys passed through a Python set (order varies per run)',
  ansible_virtualization_tech_guest: 'compared as a set: a Python set in Ansible',
  ansible_virtualization_tech_host: 'compared as a set: a Python set in Ansible',
  ansible_date_time: 'time of gathering: epoch and iso8601 within the window; zone fields (tz, tz_dst, tz_offset) and the key set exactly',
  ansible_uptime_seconds: 'time of gathering: within the window',
  ansible_memfree_mb: 'free memory changes between the gatherings: within 10% of memtotal_mb',
  ansible_mounts: 'compared by mount point; free blocks/inodes/bytes change between the gatherings: within 2% of the totals; everything else exactly',
  ansible_env:
    "the remote process's environment, compared without the variables that differ by construction: the SSH_* client ports and XDG_SESSION_ID (a new session each time), `_`, PWD, SHLVL, SSH_TTY, TERM, OLDPWD, MOTD_SHOWN (how the shell was started), and LANG/LC_* (Debian's OpenSSH client forwards them with `SendEnv LANG LC_*`; tsplay's ssh2 connection sends no environment)",
};

const ENV_DIFFERS = new Set(['_', 'PWD', 'SHLVL', 'SSH_CLIENT', 'SSH_CONNECTION', 'SSH_TTY', 'TERM', 'MOTD_SHOWN', 'OLDPWD', 'XDG_SESSION_ID', 'LANG', 'LANGUAGE']);
const envDiffers = (k: string): boolean => ENV_DIFFERS.has(k) || k.startsWith('LC_');

type Json = unknown;

function canon(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, Json>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const eq = (a: Json, b: Json): boolean => canon(a) === canon(b);

export interface Difference {
  key: string;
  ansible: Json;
  tsplay: Json;
  why?: string;
}

/** Compare one host's facts; returns the differences that remain after the normalisations. */
export function compareFacts(ansible: Record<string, Json>, tsplay: Record<string, Json>, windowSeconds = 300): Difference[] {
  const diffs: Difference[] = [];
  const ifaces = Array.isArray(ansible['ansible_interfaces']) ? (ansible['ansible_interfaces'] as string[]) : [];
  const keys = [...ORACLE_KEYS, ...ifaces.map((i) => `ansible_${i}`)];
  // Every further fact both sides report must agree too (except the time-varying ones).
  for (const k of Object.keys(tsplay)) if (k in ansible && !keys.includes(k) && !(k in NOT_COMPARED_EXTRAS) && k !== 'gather_subset' && k !== 'module_setup') keys.push(k);
  for (const key of keys) {
    const a = ansible[key];
    const t = tsplay[key];
    const add = (why?: string): void => {
      diffs.push({ key, ansible: a, tsplay: t, why });
    };
    if (a === undefined && t === undefined) continue;
    if ((a === undefined) !== (t === undefined)) {
      add(a === undefined ? 'only tsplay reports it' : 'tsplay does not report it');
      continue;
    }
    switch (key) {
      case 'ansible_interfaces':
      case 'ansible_virtualization_tech_guest':
      case 'ansible_virtualization_tech_host':
        if (!eq([...(a as string[])].sort(), [...(t as string[])].sort())) add();
        break;
      case 'ansible_uptime_seconds':
        if (Math.abs(Number(a) - Number(t)) > windowSeconds) add(`more than ${windowSeconds}s apart`);
        break;
      case 'ansible_memfree_mb': {
        const total = Number(ansible['ansible_memtotal_mb']);
        if (Math.abs(Number(a) - Number(t)) > total * 0.1) add('more than 10% of memtotal_mb apart');
        break;
      }
      case 'ansible_date_time': {
        const da = a as Record<string, string>;
        const dt = t as Record<string, string>;
        if (!eq(Object.keys(da).sort(), Object.keys(dt).sort())) add('different keys');
        else if (['tz', 'tz_dst', 'tz_offset'].some((z) => da[z] !== dt[z])) add('different zone');
        else if (Math.abs(Number(da['epoch']) - Number(dt['epoch'])) > windowSeconds) add(`epoch more than ${windowSeconds}s apart`);
        else if (Math.abs(Date.parse(da['iso8601']!) - Date.parse(dt['iso8601']!)) / 1000 > windowSeconds) add('iso8601 too far apart');
        else {
          // the same instant spelled in every field: tsplay's own fields must agree with its epoch
          const d = new Date(Number(dt['epoch']) * 1000);
          if (dt['iso8601'] !== d.toISOString().replace(/\.\d{3}Z$/, 'Z')) add("tsplay's iso8601 does not match its epoch");
        }
        break;
      }
      case 'ansible_env': {
        const strip = (e: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(e).filter(([k]) => !envDiffers(k)));
        if (!eq(strip(a as Record<string, string>), strip(t as Record<string, string>))) add();
        break;
      }
      case 'ansible_mounts': {
        const byMount = (l: Array<Record<string, Json>>): Map<string, Record<string, Json>> => new Map(l.map((m) => [String(m['mount']), m]));
        const ma = byMount(a as Array<Record<string, Json>>);
        const mt = byMount(t as Array<Record<string, Json>>);
        if (!eq([...ma.keys()].sort(), [...mt.keys()].sort())) {
          add('different mount points');
          break;
        }
        const varying: Array<[string, string]> = [
          ['block_available', 'block_total'],
          ['block_used', 'block_total'],
          ['size_available', 'size_total'],
          ['inode_available', 'inode_total'],
          ['inode_used', 'inode_total'],
        ];
        for (const [m, x] of ma) {
          const y = mt.get(m)!;
          const fixed = (o: Record<string, Json>): Record<string, Json> => Object.fromEntries(Object.entries(o).filter(([k]) => !varying.some(([v]) => v === k)));
          if (!eq(fixed(x), fixed(y))) {
            diffs.push({ key: `${key}[${m}]`, ansible: x, tsplay: y });
            continue;
          }
          for (const [v, total] of varying) {
            if (Math.abs(Number(x[v]) - Number(y[v])) > Number(x[total]) * 0.02) diffs.push({ key: `${key}[${m}].${v}`, ansible: x[v], tsplay: y[v], why: 'more than 2% apart' });
          }
        }
        break;
      }
      default:
        if (!eq(a, t)) add();
    }
  }
  return diffs;
}

export function formatDifferences(host: string, diffs: Difference[]): string {
  return diffs
    .map(
      (d) =>
        `${host}: ${d.key}${d.why ? ` (${d.why})` : ''}\n  ansible-core: ${JSON.stringify(d.ansible)?.slice(0, 600)}\n  tsplay:       ${JSON.stringify(d.tsplay)?.slice(0, 600)}`,
    )
    .join('\n');
}
