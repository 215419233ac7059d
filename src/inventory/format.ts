import { TsplayError } from '../errors.js';
import { SECRET_VARS } from './connection.js';
import { isSecretName, listedSecretNames } from '../config/secret-names.js';
import { revealedSecrets } from '../config/vault.js';
import type { GroupTreeNode, Inventory } from './load.js';

/** Variables Ansible keeps internal and ansible-inventory does not print. */
const INTERNAL_VARS = new Set(['inventory_file', 'inventory_dir']);

/** True for variable names whose values must never be printed (the connection passwords, and config/secret-names.ts). */
export function isSecretVar(name: string): boolean {
  return SECRET_VARS.has(name) || /(^|_)pass$/i.test(name) || isSecretName(name);
}

/**
 * A copy of a host's vars fit for printing: internal vars dropped; a secret-named key at any depth
 * (`db: {password: …}`, `aws_secret_access_key`) and every vault-decrypted text shown as ********.
 */
export function printableVars(vars: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // and the variables the inventory declares secret by name (tsplay_secret_vars)
  const listed = new Set(listedSecretNames(vars));
  for (const [k, v] of Object.entries(vars)) {
    if (INTERNAL_VARS.has(k)) continue;
    out[k] = listed.has(k) && v !== null && v !== undefined && v !== '' ? '********' : masked(k, v, 0);
  }
  return out;
}

function masked(key: string, v: unknown, depth: number): unknown {
  if (v === null || v === undefined || v === '') return v;
  if (isSecretVar(key)) return '********';
  if (typeof v === 'string') return revealedSecrets().has(v) ? '********' : v;
  if (depth > 64 || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => masked('', x, depth + 1));
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, masked(k, x, depth + 1)]));
}

/**
 * `tsplay inventory`: without graph, JSON shaped like `ansible-inventory --list` (groups with hosts and
 * children, `_meta.hostvars`); with graph, the `ansible-inventory --graph` tree; with host, that host's vars.
 */
export function formatInventory(inv: Inventory, opts: { graph?: boolean; host?: string } = {}): string {
  if (opts.host !== undefined) return stableJson(printableVars(inv.hostVars(opts.host)));
  if (opts.graph) return graphLines(inv.groupTree, 0).join('\n');

  const result: Record<string, unknown> = {};
  for (const g of Object.values(inv.groupInfo)) {
    const entry: Record<string, unknown> = {};
    if (g.name !== 'all' && g.hosts.length) entry.hosts = [...g.hosts];
    if (g.children.length) entry.children = [...g.children];
    if (Object.keys(entry).length) result[g.name] = entry;
  }
  const hostvars: Record<string, unknown> = {};
  for (const h of inv.groups.all ?? inv.hosts) {
    const vars = printableVars(inv.hostVars(h));
    if (Object.keys(vars).length) hostvars[h] = vars;
  }
  result._meta = { hostvars };
  return stableJson(result);
}

/** More lines than this and --graph stops with a message (a group shared through many paths repeats under each). */
export const GRAPH_MAX_LINES = 200_000;

/** ansible-inventory --graph: the tree, a shared group printed under each parent, as Ansible does. */
function graphLines(root: GroupTreeNode, depth: number): string[] {
  const out: string[] = [];
  const name = (text: string, d: number) => (d ? '  |'.repeat(d) + '--' + text : text);
  const push = (line: string) => {
    if (out.length >= GRAPH_MAX_LINES) {
      throw new TsplayError('USAGE', `the group graph has more than ${GRAPH_MAX_LINES.toLocaleString('en-US')} lines: groups are shared through very many paths`, {
        hint: 'list the inventory without --graph: tsplay inventory -i …',
      });
    }
    out.push(line);
  };
  const walk = (node: GroupTreeNode, d: number) => {
    push(name(`@${node.name}:`, d));
    for (const c of node.children) walk(c, d + 1);
    if (node.name !== 'all') for (const h of node.hosts) push(name(h, d + 1));
  };
  walk(root, depth);
  return out;
}

/** JSON with keys sorted at every level and 4-space indent, like ansible-inventory. */
export function stableJson(v: unknown): string {
  return JSON.stringify(sortKeys(v), null, 4);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}
