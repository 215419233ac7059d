import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { TsplayError } from '../errors.js';
import { decryptVaultText, markRevealed } from '../config/vault.js';
import { InventoryData, LOCALHOST_NAMES, type GroupData } from './data.js';
import { parseAddress } from './hostnames.js';
import { parseIniInventory } from './ini.js';
import { mergeVarLayers } from './merge.js';
import { VarsFolder } from './vars-dirs.js';
import { isYamlMapping, looksLikeYamlInventory, parseYamlInventory } from './yaml.js';
import { readUserFile } from '../config/user-file.js';

/** One node of `tsplay inventory --graph`. */
export interface GroupTreeNode {
  name: string;
  /** Hosts placed directly in this group. */
  hosts: string[];
  children: GroupTreeNode[];
}

/** One named layer of a host's inventory variables, lowest precedence first. */
export interface VarLayer {
  name: string;
  vars: Record<string, unknown>;
}

export interface InventoryGroupInfo {
  name: string;
  /** Hosts placed directly in the group, in order. */
  hosts: string[];
  children: string[];
  parents: string[];
  /** Group vars from the inventory sources (not group_vars/ files). */
  vars: Record<string, unknown>;
  depth: number;
  priority: number;
}

/** A loaded inventory: hosts, groups and each host's variables with the inventory layers resolved. */
export interface Inventory {
  /** The -i paths as given. */
  sources: string[];
  /** Every defined host, in the order first seen across sources (implicit localhost is not listed). */
  hosts: string[];
  /** Ansible's `groups` magic var: group name → hosts of the group and its descendants (incl. `all`, `ungrouped`). */
  groups: Record<string, string[]>;
  /** Group details by name, in declaration order. */
  groupInfo: Record<string, InventoryGroupInfo>;
  /** The group tree from `all`, for `--graph`. */
  groupTree: GroupTreeNode;
  /** Non-fatal problems found while loading (unexpected YAML keys, ...). */
  warnings: string[];
  /** True for defined hosts and for the implicit localhost names. */
  hasHost(host: string): boolean;
  /** Inventory-side variables of a host, all layers merged (treat as read-only). */
  hostVars(host: string): Record<string, unknown>;
  /** The layers behind hostVars, lowest precedence first (for debugging and docs). */
  hostVarLayers(host: string): VarLayer[];
  /** Ansible's `group_names`: the host's groups, sorted, without `all`. */
  groupNames(host: string): string[];
  /** `inventory_hostname`, `inventory_hostname_short`, `group_names`, `groups` for templates. */
  magicVars(host: string): Record<string, unknown>;
}

export interface LoadInventoryOptions {
  /** Directory of the playbook: its group_vars/ and host_vars/ apply too. */
  playbookDir?: string;
}

// Ansible's INVENTORY_IGNORE_EXTS (which also holds .ini, handled apart to warn) and IGNORED_ALWAYS for directory sources.
const IGNORED_EXTS = ['.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', '.orig', '.cfg', '.retry'];
const IGNORED_NAMES = ['host_vars', 'group_vars', 'vars_plugins'];

/** Load one or more inventories (files, directories, or `host1,host2,` lists) into one Inventory. */
export async function loadInventory(paths: string[], opts: LoadInventoryOptions = {}): Promise<Inventory> {
  const data = new InventoryData();
  const basedirs: string[] = [];
  for (const p of paths) {
    const st = await stat(p).catch(() => null);
    if (!st) {
      if (p.includes(',')) {
        parseHostList(p, data);
        continue;
      }
      throw new TsplayError('VALIDATION', `inventory "${p}" does not exist`, {
        location: { file: p },
        hint: 'pass an inventory file or directory with -i, or a host list like -i host1,host2,',
      });
    }
    const abs = resolve(p);
    if (st.isDirectory()) {
      await parseDirectory(abs, data);
      basedirs.push(abs);
    } else {
      await parseFile(abs, data);
      basedirs.push(dirname(abs));
    }
  }
  // Like Ansible, orphan groups join `all` once, after every source is read.
  data.reconcile();

  const invFolders = await openFolders(unique(basedirs));
  const pbFolders = opts.playbookDir ? await openFolders([resolve(opts.playbookDir)]) : [];
  return buildInventory(paths, data, invFolders, pbFolders);
}

async function openFolders(dirs: string[]): Promise<Array<{ groupVars: VarsFolder; hostVars: VarsFolder }>> {
  const out = [];
  for (const d of dirs) {
    const groupVars = new VarsFolder(join(d, 'group_vars'));
    const hostVars = new VarsFolder(join(d, 'host_vars'));
    await groupVars.open();
    await hostVars.open();
    out.push({ groupVars, hostVars });
  }
  return out;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

async function parseDirectory(dir: string, data: InventoryData): Promise<void> {
  for (const name of (await readdir(dir)).sort()) {
    if (name.startsWith('.') || IGNORED_NAMES.includes(name) || IGNORED_EXTS.some((e) => name.endsWith(e))) continue;
    const full = join(dir, name);
    const st = await stat(full);
    if (st.isDirectory()) await parseDirectory(full, data);
    else if (name.endsWith('.ini')) {
      data.warnings.push(`${full}: skipped, as Ansible does: .ini files inside an inventory directory are ignored (pass the file itself with -i)`);
    } else await parseFile(full, data);
  }
}

async function parseFile(file: string, data: InventoryData): Promise<void> {
  // An inventory file may be vault-encrypted as a whole (Ansible's loader decrypts every file it reads):
  // the YAML reader decrypts `raw` itself (and marks its values secret); INI values are marked here.
  const raw = await readUserFile(file, 'utf8');
  const { text, vaulted } = decryptVaultText(raw, file);
  if (vaulted) for (const m of text.matchAll(/=\s*(\S+)/g)) markRevealed(m[1]!.replace(/^(["'])(.*)\1$/, '$2'));
  data.currentSource = file;
  data.currentDir = dirname(file);
  if (text.startsWith('#!')) {
    throw new TsplayError('VALIDATION', 'dynamic inventory scripts are not supported', {
      location: { file, line: 1 },
      hint: "save the script's output with `ansible-inventory -i SCRIPT --list -y > inventory.yml` and use that file",
    });
  }
  const ext = /\.[^./]*$/.exec(basename(file))?.[0]?.toLowerCase() ?? '';
  if (ext === '.yml' || ext === '.yaml' || ext === '.json') parseYamlInventory(raw, file, data);
  else if (ext === '' && looksLikeYamlInventory(text)) parseYamlInventory(raw, file, data);
  else if (ext === '' && isYamlMapping(text)) {
    // A YAML inventory with a mistake in it: report the YAML problem, not a confusing INI one.
    parseYamlInventory(raw, file, data);
  } else parseIniInventory(text, file, data);
}

/** Ansible's host_list source: `-i web1,web2:2222,` (hosts land in `ungrouped`). */
function parseHostList(list: string, data: InventoryData): void {
  data.currentSource = undefined;
  data.currentDir = undefined;
  for (const raw of list.split(',')) {
    const item = raw.trim();
    if (!item) continue;
    const a = parseAddress(item, false);
    data.addHost(a ? a.host : item, 'ungrouped', a?.port);
  }
}

function sortGroups(data: InventoryData, names: Iterable<string>): string[] {
  const memo = new Map<string, number>();
  return [...names].sort((a, b) => {
    const da = data.depth(a, memo);
    const db = data.depth(b, memo);
    if (da !== db) return da - db;
    const pa = data.groups.get(a)!.priority;
    const pb = data.groups.get(b)!.priority;
    if (pa !== pb) return pa - pb;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

async function buildInventory(
  sources: string[],
  data: InventoryData,
  invFolders: Array<{ groupVars: VarsFolder; hostVars: VarsFolder }>,
  pbFolders: Array<{ groupVars: VarsFolder; hostVars: VarsFolder }>,
): Promise<Inventory> {
  const hosts = [...data.hosts.keys()];
  const groups: Record<string, string[]> = {};
  const groupInfo: Record<string, InventoryGroupInfo> = {};
  const memo = new Map<string, number>();
  for (const g of data.groups.values()) {
    groups[g.name] = data.groupHosts(g.name);
    groupInfo[g.name] = {
      name: g.name,
      hosts: [...g.hosts],
      children: [...g.children],
      parents: [...g.parents],
      vars: g.vars,
      depth: data.depth(g.name, memo),
      priority: g.priority,
    };
  }

  // Read every vars file that can apply now, so hostVars() stays synchronous.
  const groupFile = new Map<VarsFolder, Map<string, Record<string, unknown>>>();
  const hostFile = new Map<VarsFolder, Map<string, Record<string, unknown>>>();
  const implicit = LOCALHOST_NAMES.filter((n) => !data.hosts.has(n));
  for (const f of [...invFolders, ...pbFolders]) {
    const gm = new Map<string, Record<string, unknown>>();
    if (!f.groupVars.isEmpty) for (const g of data.groups.keys()) gm.set(g, await f.groupVars.load(g));
    groupFile.set(f.groupVars, gm);
    const hm = new Map<string, Record<string, unknown>>();
    if (!f.hostVars.isEmpty) for (const h of [...hosts, ...implicit]) hm.set(h, await f.hostVars.load(h));
    hostFile.set(f.hostVars, hm);
    data.warnings.push(...f.groupVars.warnings, ...f.hostVars.warnings);
  }
  const gv = (f: { groupVars: VarsFolder }, g: string) => groupFile.get(f.groupVars)?.get(g) ?? {};
  const hv = (f: { hostVars: VarsFolder }, h: string) => hostFile.get(f.hostVars)?.get(h) ?? {};

  const layerCache = new Map<string, VarLayer[]>();
  const varsCache = new Map<string, Record<string, unknown>>();

  const isImplicit = (h: string) => !data.hosts.has(h) && LOCALHOST_NAMES.includes(h);
  const hasHost = (h: string) => data.hosts.has(h) || LOCALHOST_NAMES.includes(h);
  const requireHost = (h: string) => {
    if (!hasHost(h)) throw new TsplayError('VALIDATION', `host "${h}" is not in the inventory`, { hint: 'check the name, or run `tsplay inventory -i ... --graph`' });
  };

  const hostVarLayers = (host: string): VarLayer[] => {
    requireHost(host);
    const cached = layerCache.get(host);
    if (cached) return cached;
    const all = data.groups.get('all')!;
    // Ansible: groups sorted by depth, then ansible_group_priority, then name; `all` comes first.
    const hostGroups = isImplicit(host)
      ? []
      : sortGroups(
          data,
          [...data.hostGroups(host)].filter((g) => g !== 'all'),
        );
    const layers: VarLayer[] = [
      { name: 'inventory group vars: all', vars: all.vars },
      ...hostGroups.map((g) => ({ name: `inventory group vars: ${g}`, vars: data.groups.get(g)!.vars })),
      ...invFolders.map((f) => ({ name: `${f.groupVars.dir}/all`, vars: gv(f, 'all') })),
      ...pbFolders.map((f) => ({ name: `${f.groupVars.dir}/all`, vars: gv(f, 'all') })),
      // Ansible walks each folder over all of the host's other groups before the next folder.
      ...invFolders.flatMap((f) => hostGroups.map((g) => ({ name: `${f.groupVars.dir}/${g}`, vars: gv(f, g) }))),
      ...pbFolders.flatMap((f) => hostGroups.map((g) => ({ name: `${f.groupVars.dir}/${g}`, vars: gv(f, g) }))),
      { name: `inventory host vars: ${host}`, vars: isImplicit(host) ? { ansible_connection: 'local' } : data.hosts.get(host)!.vars },
      ...invFolders.map((f) => ({ name: `${f.hostVars.dir}/${host}`, vars: hv(f, host) })),
      ...pbFolders.map((f) => ({ name: `${f.hostVars.dir}/${host}`, vars: hv(f, host) })),
    ].filter((l) => Object.keys(l.vars).length > 0);
    layerCache.set(host, layers);
    return layers;
  };

  const groupNames = (host: string): string[] => {
    requireHost(host);
    if (isImplicit(host)) return [];
    return [...data.hostGroups(host)].filter((g) => g !== 'all').sort();
  };

  return {
    sources,
    hosts,
    groups,
    groupInfo,
    groupTree: buildTree(data, 'all'),
    warnings: data.warnings,
    hasHost,
    hostVars(host) {
      let v = varsCache.get(host);
      if (!v) {
        v = mergeVarLayers(hostVarLayers(host).map((l) => l.vars));
        varsCache.set(host, v);
      }
      return { ...v };
    },
    hostVarLayers,
    groupNames,
    magicVars(host) {
      return {
        inventory_hostname: host,
        inventory_hostname_short: shortName(host),
        group_names: groupNames(host),
        groups,
      };
    },
  };
}

function shortName(host: string): string {
  const a = parseAddress(host, false);
  if (a && a.port === undefined && (/^[0-9.]+$/.test(host) || host.includes(':'))) return host;
  return host.split('.')[0]!;
}

/**
 * The group graph with one node per group, shared by all its parents: a group reached through
 * many paths (22 levels of "diamond" children are 4 million paths) costs one node, not one per
 * path. Cycles are refused when children are added, so the graph is acyclic.
 */
function buildTree(data: InventoryData, name: string, memo = new Map<string, GroupTreeNode>()): GroupTreeNode {
  const known = memo.get(name);
  if (known) return known;
  const g: GroupData = data.groups.get(name)!;
  const node: GroupTreeNode = { name, hosts: [...g.hosts], children: [] };
  memo.set(name, node);
  node.children = g.children.map((c) => buildTree(data, c, memo));
  return node;
}
