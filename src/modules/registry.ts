import type { ModuleDef, TsplayPlugin } from './types.js';
import { fileModules } from './files/index.js';
import { systemModules } from './system/index.js';
import { netModules } from './net/index.js';
import { userModules } from './users/index.js';
import { packageModules } from './packages/index.js';
import { sourceModules } from './source/index.js';
import { execModules } from './exec/index.js';
import { accessModules } from './access/index.js';
import { databaseModules } from './database/index.js';
import { isWindowsModule, windowsModule } from './exec/windows.js';

/** Where a module came from: tsplay's generic core, or the plugin that registered it. */
export const CORE_ORIGIN = 'core';

const byName = new Map<string, ModuleDef>();
const origins = new Map<ModuleDef, string>();

/** Every task key a module answers to: its name, its aliases and the `ansible.builtin.` FQCN of each. */
export function moduleKeys(m: ModuleDef): string[] {
  const out: string[] = [];
  for (const n of [m.name, ...(m.aliases ?? [])]) {
    out.push(n);
    // A dotted alias is already a collection name (ansible.posix.sysctl, community.general.ini_file).
    if (!n.includes('.')) out.push(`ansible.builtin.${n}`);
  }
  return [...new Set(out)];
}

function add(m: ModuleDef, origin: string): void {
  origins.set(m, origin);
  for (const n of moduleKeys(m)) byName.set(n, m);
}

for (const m of [...fileModules, ...systemModules, ...netModules, ...userModules, ...packageModules, ...execModules, ...sourceModules, ...accessModules, ...databaseModules])
  add(m, CORE_ORIGIN);

/** A plugin's module whose name another module already answers to. */
export class ModuleNameClash extends Error {}

/**
 * Register a plugin's modules (a team's tsplay.config.ts, a shipped package such as Wallarm).
 * Registering the same module object again is a no-op; a name another module already has is refused.
 */
export function registerModules(plugin: TsplayPlugin): void {
  const mods = plugin.modules ?? [];
  for (const m of mods) {
    for (const n of [m.name, ...(m.aliases ?? [])]) {
      const had = byName.get(n);
      if (had && had !== m)
        throw new ModuleNameClash(
          `plugin '${plugin.name}': module name '${n}' is already taken by ${origins.get(had) === CORE_ORIGIN ? "tsplay's" : `plugin '${origins.get(had)}''s`} module ${had.name}`,
        );
    }
  }
  for (const m of mods) if (!origins.has(m)) add(m, plugin.name);
}

/** Find a module by name, alias or `ansible.builtin.` FQCN; a Windows module name finds the Windows refusal. */
export function findModule(name: string): ModuleDef | undefined {
  // The loader records a task's module by its def's name, so the refusal also answers to 'win_*'.
  return byName.get(name) ?? (isWindowsModule(name) || name === windowsModule.name ? windowsModule : undefined);
}

/** All names a task may use (for "did you mean" suggestions). */
export function moduleNames(): string[] {
  return [...byName.keys()].filter((n) => !n.includes('.'));
}

/** Every registered module once, by name, with where it came from (`tsplay modules list`). */
export function listModules(): Array<{ module: ModuleDef; origin: string }> {
  return [...origins.entries()].map(([module, origin]) => ({ module, origin })).sort((a, b) => a.module.name.localeCompare(b.module.name));
}
