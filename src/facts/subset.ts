/**
 * Ansible's fact collectors by name, gather_subset resolution (module_utils/facts/collector.py's
 * get_collector_names + required_facts) and setup's `filter`: which of the gathered facts a play's
 * gathering or a `setup:` task returns.
 */
import { TsplayError } from '../errors.js';
import type { AnsibleFacts, AnsibleFactsByCollector } from './types.js';

/** Collector name → its fact ids (aliases usable in gather_subset), in Ansible's collector order. */
export const COLLECTORS: Array<{ name: string; ids: string[]; requires?: string[] }> = [
  { name: 'platform', ids: ['system', 'kernel', 'kernel_version', 'machine', 'python_version', 'architecture', 'machine_id'] },
  { name: 'distribution', ids: ['distribution_version', 'distribution_release', 'distribution_major_version', 'os_family'] },
  { name: 'lsb', ids: [] },
  { name: 'selinux', ids: [] },
  { name: 'apparmor', ids: [] },
  { name: 'chroot', ids: ['is_chroot'] },
  { name: 'fips', ids: [] },
  { name: 'python', ids: [] },
  { name: 'caps', ids: ['system_capabilities', 'system_capabilities_enforced'] },
  { name: 'pkg_mgr', ids: [], requires: ['distribution'] },
  { name: 'service_mgr', ids: [], requires: ['platform', 'distribution'] },
  { name: 'cmdline', ids: [] },
  { name: 'date_time', ids: [] },
  { name: 'env', ids: [] },
  { name: 'loadavg', ids: [] },
  { name: 'ssh_pub_keys', ids: ['ssh_host_pub_keys', 'ssh_host_key_dsa_public', 'ssh_host_key_rsa_public', 'ssh_host_key_ecdsa_public', 'ssh_host_key_ed25519_public'] },
  { name: 'user', ids: ['user_id', 'user_uid', 'user_gid', 'user_gecos', 'user_dir', 'user_shell', 'real_user_id', 'effective_user_id', 'effective_group_ids'] },
  { name: 'virtual', ids: ['virtualization_type', 'virtualization_role', 'virtualization_tech_guest', 'virtualization_tech_host'] },
  { name: 'hardware', ids: ['processor', 'processor_cores', 'processor_count', 'mounts', 'devices'], requires: ['platform'] },
  { name: 'dns', ids: [] },
  { name: 'fibre_channel_wwn', ids: [] },
  { name: 'network', ids: ['interfaces', 'default_ipv4', 'default_ipv6', 'all_ipv4_addresses', 'all_ipv6_addresses'], requires: ['distribution', 'platform'] },
  { name: 'iscsi', ids: [] },
  { name: 'nvme', ids: [] },
  { name: 'local', ids: [] },
  // facter and ohai run external tools tsplay does not call: valid names that gather nothing.
  { name: 'facter', ids: ['facter'] },
  { name: 'ohai', ids: [] },
];

/** setup's minimal_gather_subset: gathered even with `!all`. */
export const MINIMAL_GATHER_SUBSET = [
  'apparmor',
  'caps',
  'cmdline',
  'date_time',
  'distribution',
  'dns',
  'env',
  'fips',
  'local',
  'lsb',
  'pkg_mgr',
  'platform',
  'python',
  'selinux',
  'service_mgr',
  'ssh_pub_keys',
  'user',
];

const ID_TO_COLLECTOR = new Map<string, string>();
for (const c of COLLECTORS) {
  ID_TO_COLLECTOR.set(c.name, c.name);
  for (const id of c.ids) ID_TO_COLLECTOR.set(id, c.name);
}
const VALID = new Set(ID_TO_COLLECTOR.keys());

/** The collector names a gather_subset list selects, dependencies included (Ansible's order). */
export function resolveGatherSubset(gatherSubset: string[] = ['all']): string[] {
  const subsets = gatherSubset.length ? gatherSubset : ['all'];
  const minimal = new Set(MINIMAL_GATHER_SUBSET);
  const additional = new Set<string>();
  const exclude = new Set<string>();
  const explicit = new Set<string>();
  for (const subset of ['min', ...subsets]) {
    if (subset === 'min') {
      for (const m of minimal) additional.add(m);
      continue;
    }
    if (subset === 'all') {
      for (const v of VALID) additional.add(v);
      continue;
    }
    if (subset.startsWith('!')) {
      const s = subset.slice(1);
      if (s === 'min') {
        for (const m of minimal) exclude.add(m);
      } else if (s === 'all') {
        for (const v of VALID) if (!minimal.has(v)) exclude.add(v);
      } else {
        for (const id of COLLECTORS.find((c) => c.name === s)?.ids ?? []) exclude.add(id);
        exclude.add(s);
      }
      continue;
    }
    if (!VALID.has(subset)) {
      throw new TsplayError('VALIDATION', `Bad subset '${subset}' given to Ansible. gather_subset options allowed: all, ${[...VALID].sort().join(', ')}`, {
        hint: 'gather_subset takes collector names (all, min, hardware, network, virtual, …), each may be negated with !',
      });
    }
    explicit.add(subset);
    additional.add(subset);
  }
  if (additional.size === 0) for (const v of VALID) additional.add(v);
  for (const e of exclude) if (!explicit.has(e)) additional.delete(e);
  const names = new Set<string>();
  for (const a of additional) names.add(ID_TO_COLLECTOR.get(a)!);
  // required_facts: a collector's dependencies run too (and their facts are returned)
  let grew = true;
  while (grew) {
    grew = false;
    for (const c of COLLECTORS) {
      if (!names.has(c.name)) continue;
      for (const r of c.requires ?? [])
        if (!names.has(r)) {
          names.add(r);
          grew = true;
        }
    }
  }
  return COLLECTORS.map((c) => c.name).filter((n) => names.has(n));
}

/** fnmatch of one setup `filter` pattern (shell glob: *, ?, [...]). */
export function fnmatch(name: string, pattern: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const j = pattern.indexOf(']', i + 2);
      if (j < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, j);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's').test(name);
}

/** AnsibleFactCollector._filter: keep keys matching a pattern (tried with `ansible_` too). */
function filtered(facts: AnsibleFacts, filter: string[]): AnsibleFacts {
  if (filter.length === 0 || (filter.length === 1 && filter[0] === '*')) return facts;
  const out: AnsibleFacts = {};
  for (const f of filter) {
    for (const [k, v] of Object.entries(facts)) {
      if (!f || fnmatch(k, f)) out[k] = v;
      else if (!/^(ansible_|facter|ohai)/.test(f) && fnmatch(k, `ansible_${f}`)) out[k] = v;
    }
  }
  return out;
}

export interface SelectOptions {
  gatherSubset?: string[];
  filter?: string[];
}

/**
 * What `setup` returns as `ansible_facts`: the selected collectors' facts under their `ansible_`
 * names, filtered, with the `gather_subset` and `module_setup` markers.
 */
export function selectAnsibleFacts(byCollector: AnsibleFactsByCollector, o: SelectOptions = {}): AnsibleFacts {
  const subset = o.gatherSubset?.length ? o.gatherSubset : ['all'];
  const filter = o.filter ?? [];
  const out: AnsibleFacts = {};
  for (const name of resolveGatherSubset(subset)) {
    const facts = byCollector[name];
    if (!facts) continue;
    const prefixed: AnsibleFacts = {};
    for (const [k, v] of Object.entries(facts)) prefixed[`ansible_${k}`] = v;
    Object.assign(out, filtered(prefixed, filter));
  }
  Object.assign(out, filtered({ gather_subset: subset, module_setup: true }, filter));
  return out;
}

/** `ansible_facts` as templates see it: the cached facts with the `ansible_` prefix taken off. */
export function namespaceFacts(cached: AnsibleFacts): AnsibleFacts {
  const out: AnsibleFacts = {};
  // ansible_local keeps its prefix (vars/clean.py namespace_facts)
  for (const [k, v] of Object.entries(cached)) out[k.startsWith('ansible_') && k !== 'ansible_local' ? k.slice(8) : k] = v;
  return out;
}

/**
 * The variables gathered facts give a host (ansible-core 2.14, INJECT_FACTS_AS_VARS on):
 * `ansible_facts` and every cached fact under its own name (`ansible_distribution`, `module_setup`…).
 * A fact gives way to a variable of the same name from a layer above host facts in Ansible's
 * precedence (play vars and up: `above`).
 */
export function factVariables(cached: AnsibleFacts | undefined, above: Array<Record<string, unknown> | undefined>): AnsibleFacts {
  // ansible_facts is defined (empty) before any gathering, as in Ansible
  if (!cached) return { ansible_facts: {} };
  const out: AnsibleFacts = { ansible_facts: namespaceFacts(cached) };
  for (const [k, v] of Object.entries(cached)) if (!above.some((l) => l && Object.hasOwn(l, k))) out[k] = v;
  return out;
}
