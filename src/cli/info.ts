import path from 'node:path';
import type { Io } from './io.js';
import { EXIT } from './exit-codes.js';
import { TsplayError } from '../errors.js';
import { loadInventory, formatInventory, connectionSpecFor } from '../inventory/index.js';
import { createExecutor } from '../executors/index.js';
import { gatherFacts } from '../facts/gather.js';
import { resolveGatherSubset, selectAnsibleFacts } from '../facts/subset.js';
import { listRoles, loadRole, formatRoleList, formatRoleShow, roleSearchPaths, loadPlugins, didYouMean } from '../loader/index.js';
import { formatModuleList, formatModuleShow } from '../loader/module-docs.js';
import { findModule, listModules, moduleNames } from '../modules/registry.js';
import { lazyContext } from '../engine/vars.js';

/**
 * `tsplay facts HOST -i INV`: gather facts over the host's connection and print them as JSON, with
 * Ansible's names (what `ansible HOST -m setup` shows as ansible_facts), or tsplay's typed facts.
 */
export async function factsCommand(host: string, inventoryPaths: string[], io: Io, o: { filter?: string[]; gatherSubset?: string[]; typed?: boolean } = {}): Promise<number> {
  const inv = await loadInventory(inventoryPaths, {});
  if (!inv.hosts.includes(host) && !['localhost', '127.0.0.1'].includes(host)) {
    throw new TsplayError('USAGE', `host "${host}" is not in the inventory`, { hint: `known hosts: ${inv.hosts.slice(0, 10).join(', ')}${inv.hosts.length > 10 ? ', …' : ''}` });
  }
  // A bad subset is refused before connecting.
  if (o.gatherSubset) resolveGatherSubset(o.gatherSubset);
  const vars = lazyContext({ ...inv.hostVars(host), env: process.env, inventory_hostname: host }, { file: inventoryPaths[0] ?? 'inventory' });
  const spec = connectionSpecFor(host, Object.fromEntries(Object.keys(vars).map((k) => [k, vars[k]])));
  const ex = createExecutor(spec);
  try {
    await ex.connect();
    const facts = await gatherFacts(ex);
    const out = o.typed ? facts : selectAnsibleFacts(facts.ansible ?? {}, { gatherSubset: o.gatherSubset, filter: o.filter });
    io.out(JSON.stringify(out, null, 2) + '\n');
    return EXIT.OK;
  } finally {
    await ex.close().catch(() => undefined);
  }
}

export async function inventoryCommand(flags: { inventory: string[]; graph?: boolean; host?: string }, io: Io): Promise<number> {
  const inv = await loadInventory(flags.inventory, {});
  if (flags.host) {
    if (!inv.hosts.includes(flags.host)) throw new TsplayError('USAGE', `host "${flags.host}" is not in the inventory`);
    const text = formatInventory(inv, { graph: false, host: flags.host });
    io.out(text.endsWith('\n') ? text : text + '\n');
    return EXIT.OK;
  }
  const text = formatInventory(inv, { graph: !!flags.graph });
  io.out(text.endsWith('\n') ? text : text + '\n');
  return EXIT.OK;
}

export async function rolesCommand(what: 'list' | 'show', name: string | undefined, playbook: string | undefined, io: Io): Promise<number> {
  const dir = playbook ? path.dirname(path.resolve(playbook)) : process.cwd();
  // A YAML role's tasks may call a plugin's modules (the project's tsplay.config.*).
  await loadPlugins(dir);
  const paths = roleSearchPaths(dir);
  if (what === 'list') {
    io.out(formatRoleList(await listRoles(paths)));
    return EXIT.OK;
  }
  io.out(formatRoleShow(await loadRole(name!, paths)));
  return EXIT.OK;
}

/** `tsplay modules list|show NAME`: tsplay's modules, the shipped packages' and the project's (tsplay.config.* beside the playbook or here). */
export async function modulesCommand(what: 'list' | 'show', name: string | undefined, playbook: string | undefined, io: Io): Promise<number> {
  await loadPlugins(playbook ? path.dirname(path.resolve(playbook)) : process.cwd());
  if (what === 'list') {
    io.out(formatModuleList(listModules()));
    return EXIT.OK;
  }
  const m = findModule(name!);
  if (!m) {
    const hint = didYouMean(name!, moduleNames());
    throw new TsplayError('USAGE', `no module named "${name}"`, { hint: hint ?? 'tsplay modules list shows them all' });
  }
  io.out(formatModuleShow(m, listModules().find((x) => x.module === m)?.origin ?? 'core'));
  return EXIT.OK;
}
