import { TsplayError, type SourceLocation } from '../errors.js';

/** A group as the inventory sources declared it (vars are the inventory-file vars only). */
export interface GroupData {
  name: string;
  /** Hosts placed directly in this group, in the order they were added. */
  hosts: string[];
  children: string[];
  parents: string[];
  vars: Record<string, unknown>;
  /** `ansible_group_priority` (default 1): orders groups of the same depth before their name. */
  priority: number;
  loc?: SourceLocation;
}

export interface HostData {
  name: string;
  /** Groups the host was placed in directly, in order. */
  groups: string[];
  vars: Record<string, unknown>;
  loc?: SourceLocation;
}

/** Names Ansible treats as the controller itself (C.LOCALHOST). */
export const LOCALHOST_NAMES = ['localhost', '127.0.0.1', '::1'];

/** Mutable inventory being built from sources; mirrors Ansible's InventoryData. */
export class InventoryData {
  readonly groups = new Map<string, GroupData>();
  readonly hosts = new Map<string, HostData>();
  readonly warnings: string[] = [];
  /** Current source file, recorded as each new host's `inventory_file`. */
  currentSource?: string;
  currentDir?: string;

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped');
  }

  addGroup(name: string, loc?: SourceLocation): GroupData {
    let g = this.groups.get(name);
    if (!g) {
      g = { name, hosts: [], children: [], parents: [], vars: {}, priority: 1, loc };
      this.groups.set(name, g);
    }
    return g;
  }

  addHost(name: string, group: string | undefined, port: number | undefined, loc?: SourceLocation): HostData {
    if (!name) throw new TsplayError('VALIDATION', 'empty host name', { location: loc });
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, groups: [], vars: {}, loc };
      this.hosts.set(name, h);
      if (port !== undefined) h.vars.ansible_port = port;
      h.vars.inventory_file = this.currentSource ?? null;
      h.vars.inventory_dir = this.currentDir ?? null;
    }
    if (group !== undefined) {
      const g = this.groups.get(group);
      if (!g) throw new TsplayError('INTERNAL', `group ${group} is not in the inventory`);
      if (!g.hosts.includes(name)) g.hosts.push(name);
      if (!h.groups.includes(group)) h.groups.push(group);
    }
    return h;
  }

  setGroupVar(group: string, key: string, value: unknown): void {
    const g = this.groups.get(group);
    if (!g) throw new TsplayError('INTERNAL', `group ${group} is not in the inventory`);
    if (key === 'ansible_group_priority') {
      const n = Number(value);
      if (!Number.isInteger(n)) {
        throw new TsplayError('VALIDATION', `ansible_group_priority of group "${group}" must be an integer, got ${JSON.stringify(value)}`, {
          location: g.loc,
        });
      }
      g.priority = n;
      return;
    }
    g.vars[key] = value;
  }

  setHostVar(host: string, key: string, value: unknown): void {
    const h = this.hosts.get(host);
    if (!h) throw new TsplayError('INTERNAL', `host ${host} is not in the inventory`);
    h.vars[key] = value;
  }

  /** Make `child` a child group of `parent`; refuses cycles like Ansible does. */
  addChild(parent: string, child: string, loc?: SourceLocation): void {
    const p = this.groups.get(parent);
    const c = this.groups.get(child);
    if (!p || !c) throw new TsplayError('INTERNAL', `unknown group ${!p ? parent : child}`);
    if (parent === child || this.ancestors(parent).has(child)) {
      throw new TsplayError('VALIDATION', `adding group "${child}" as a child of "${parent}" creates a cycle`, {
        location: loc,
        hint: 'a group cannot contain itself, directly or through its children',
      });
    }
    if (!p.children.includes(child)) p.children.push(child);
    if (!c.parents.includes(parent)) c.parents.push(parent);
  }

  ancestors(group: string): Set<string> {
    const out = new Set<string>();
    const stack = [...(this.groups.get(group)?.parents ?? [])];
    while (stack.length) {
      const g = stack.pop()!;
      if (out.has(g)) continue;
      out.add(g);
      stack.push(...(this.groups.get(g)?.parents ?? []));
    }
    return out;
  }

  /** Ansible's reconcile_inventory, run after each source: orphan groups join `all`, lone hosts join `ungrouped`. */
  reconcile(): void {
    for (const g of this.groups.values()) {
      if (g.name !== 'all' && this.ancestors(g.name).size === 0) this.addChild('all', g.name);
    }
    const ungrouped = this.groups.get('ungrouped')!;
    for (const h of this.hosts.values()) {
      const groups = this.hostGroups(h.name);
      if (groups.has('ungrouped')) {
        const others = [...groups].filter((x) => x !== 'all' && x !== 'ungrouped');
        if (others.length) {
          ungrouped.hosts = ungrouped.hosts.filter((x) => x !== h.name);
          h.groups = h.groups.filter((x) => x !== 'ungrouped');
        }
      } else if ([...groups].every((x) => x === 'all')) {
        this.addHost(h.name, 'ungrouped', undefined);
      }
    }
  }

  /** Every group the host belongs to, directly or through a child group (includes `all`). */
  hostGroups(host: string): Set<string> {
    const out = new Set<string>();
    for (const g of this.hosts.get(host)?.groups ?? []) {
      out.add(g);
      for (const a of this.ancestors(g)) out.add(a);
    }
    return out;
  }

  /** Depth of a group: 0 for `all`, else 1 + the deepest parent. */
  depth(group: string, memo = new Map<string, number>()): number {
    const known = memo.get(group);
    if (known !== undefined) return known;
    const parents = this.groups.get(group)?.parents ?? [];
    const d = parents.length ? Math.max(...parents.map((p) => this.depth(p, memo) + 1)) : 0;
    memo.set(group, d);
    return d;
  }

  /** Hosts of a group and its descendants, in Ansible's order (own hosts, then children breadth-first). */
  groupHosts(group: string): string[] {
    const g = this.groups.get(group);
    if (!g) return [];
    const order: string[] = [group];
    const seen = new Set(order);
    for (let i = 0; i < order.length; i++) {
      for (const c of this.groups.get(order[i]!)!.children) {
        if (!seen.has(c)) {
          seen.add(c);
          order.push(c);
        }
      }
    }
    const hosts: string[] = [];
    const seenHosts = new Set<string>();
    for (const name of order) {
      for (const h of this.groups.get(name)!.hosts) {
        if (!seenHosts.has(h)) {
          seenHosts.add(h);
          hosts.push(h);
        }
      }
    }
    return hosts;
  }
}
