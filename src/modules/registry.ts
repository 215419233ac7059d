import type { ModuleDef } from './types.js';
import { fileModules } from './files/index.js';
import { systemModules } from './system/index.js';
import { netModules } from './net/index.js';
import { userModules } from './users/index.js';
import { packageModules } from './packages/index.js';
import { sourceModules } from './source/index.js';
import { execModules } from './exec/index.js';
import { isWindowsModule, windowsModule } from './exec/windows.js';

const byName = new Map<string, ModuleDef>();
for (const m of [...fileModules, ...systemModules, ...netModules, ...userModules, ...packageModules, ...execModules, ...sourceModules]) {
  for (const n of [m.name, ...(m.aliases ?? [])]) {
    byName.set(n, m);
    // A dotted alias is already a collection name (ansible.posix.sysctl, community.general.ini_file).
    if (!n.includes('.')) byName.set(`ansible.builtin.${n}`, m);
  }
}

// The loader records a task's module by its def's name; the Windows refusal answers to its own.
byName.set(windowsModule.name, windowsModule);

/** Find a module by name, alias or `ansible.builtin.` FQCN. */
export function findModule(name: string): ModuleDef | undefined {
  return byName.get(name) ?? (isWindowsModule(name) ? windowsModule : undefined);
}

/** All names a task may use (for "did you mean" suggestions). */
export function moduleNames(): string[] {
  return [...byName.keys()].filter((n) => !n.includes('.') && n !== windowsModule.name);
}
