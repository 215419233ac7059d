import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ModuleNameClash, registerModules } from '../modules/registry.js';
import type { TsplayPlugin } from '../modules/types.js';
import { TsplayError, TsplayErrors } from '../errors.js';
import { ensureTypeScriptLoader } from './roles.js';

/**
 * Plugins: sets of modules registered with the engine from outside the generic core. The packages
 * shipped with tsplay (Wallarm) and a team's own `tsplay.config.ts` load the same way: by path,
 * their default export a `definePlugin({ name, modules })` (docs/extending.md).
 */

/** A compiled install has index.js, a source checkout index.ts. */
function entryOf(stem: string): string {
  return fs.existsSync(`${stem}.ts`) ? `${stem}.ts` : `${stem}.js`;
}

/** The packages shipped with tsplay, loaded for every playbook (src/wallarm/). */
export const SHIPPED_PLUGINS: string[] = [entryOf(fileURLToPath(new URL('../wallarm/index', import.meta.url)))];

/** The names a team's plugin file may have, beside the playbook or in the current directory. */
export const CONFIG_FILES = ['tsplay.config.ts', 'tsplay.config.mts', 'tsplay.config.mjs', 'tsplay.config.js'];

const loaded = new Map<string, Promise<TsplayPlugin>>();

/** Load one plugin file and register its modules (once per file per process). */
export function loadPlugin(file: string): Promise<TsplayPlugin> {
  const abs = path.resolve(file);
  let p = loaded.get(abs);
  if (!p) {
    p = importPlugin(abs);
    loaded.set(abs, p);
    // A failed load may be retried after the user fixed the file (a watch, a test).
    p.catch(() => loaded.delete(abs));
  }
  return p;
}

async function importPlugin(file: string): Promise<TsplayPlugin> {
  const fail = (msg: string, cause?: unknown) => new TsplayErrors([new TsplayError('VALIDATION', msg, { location: { file }, cause })]);
  if (!fs.existsSync(file)) throw fail(`plugin not found: ${file}`);
  let def: unknown;
  try {
    if (/\.[mc]?ts$/.test(file)) await ensureTypeScriptLoader();
    def = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (e) {
    throw fail(`cannot load plugin ${path.basename(file)}: ${(e as Error).message.split('\n')[0]}`, e);
  }
  const problems = pluginProblems(def);
  if (problems.length) throw new TsplayErrors(problems.map((p) => new TsplayError('VALIDATION', `plugin ${path.basename(file)}: ${p}`, { location: { file } })));
  const plugin = def as TsplayPlugin;
  try {
    registerModules(plugin);
  } catch (e) {
    if (e instanceof ModuleNameClash) throw fail(e.message);
    throw e;
  }
  return plugin;
}

function pluginProblems(def: unknown): string[] {
  if (!def || typeof def !== 'object') return ['it must `export default definePlugin({ name, modules })`'];
  const d = def as Record<string, unknown>;
  const out: string[] = [];
  if (typeof d.name !== 'string' || !d.name) out.push('`name` must be a non-empty string');
  if (d.modules !== undefined && !Array.isArray(d.modules)) out.push('`modules` must be a list of defineModule({ … })');
  for (const [i, m] of (Array.isArray(d.modules) ? d.modules : []).entries()) {
    const mod = m as Record<string, unknown> | undefined;
    const what = typeof mod?.name === 'string' ? `module '${mod.name}'` : `modules[${i}]`;
    if (!mod || typeof mod !== 'object') out.push(`${what} is not a module`);
    else {
      if (typeof mod.name !== 'string' || !/^[A-Za-z_][\w.]*$/.test(mod.name)) out.push(`${what}: \`name\` must be a module name (letters, digits, _)`);
      if (typeof mod.description !== 'string') out.push(`${what}: \`description\` must be a string`);
      if (!mod.args || typeof (mod.args as { safeParse?: unknown }).safeParse !== 'function') out.push(`${what}: \`args\` must be a zod schema`);
      if (typeof mod.plan !== 'function') out.push(`${what}: \`plan\` must be a function (args, ctx) => Plan`);
    }
  }
  return out;
}

/** The team's plugin files for a playbook directory: tsplay.config.* there, then in the current directory. */
export function projectPluginFiles(dir: string, cwd: string = process.cwd()): string[] {
  const out: string[] = [];
  for (const d of [...new Set([path.resolve(dir), path.resolve(cwd)])]) {
    const f = CONFIG_FILES.map((n) => path.join(d, n)).find((p) => fs.existsSync(p));
    if (f) out.push(f);
  }
  return out;
}

/** Register the shipped packages and the project's plugins (all errors at once). */
export async function loadPlugins(dir: string = process.cwd(), extra: string[] = []): Promise<TsplayPlugin[]> {
  const files = [...SHIPPED_PLUGINS, ...projectPluginFiles(dir), ...extra];
  const errors: TsplayError[] = [];
  const plugins: TsplayPlugin[] = [];
  for (const f of files) {
    try {
      plugins.push(await loadPlugin(f));
    } catch (e) {
      if (e instanceof TsplayErrors) errors.push(...e.errors);
      else throw e;
    }
  }
  if (errors.length) throw new TsplayErrors(errors);
  return plugins;
}
