import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { LoadedRole, ModuleTask, ParamDoc, TaskNode } from '../config/model.js';
import { argumentSpecsSchema, type ArgumentSpecOption } from '../config/schemas.js';
import { checkTemplate } from '../template/render.js';
import { TsplayError, TsplayErrors, type SourceLocation } from '../errors.js';
import { didYouMean, suggest } from './suggest.js';
import { normalizeTaskList, normalizeTasks, type ModuleLookup } from './tasks.js';
import { readYamlFile } from './yaml.js';
import { objectShape, paramDocsFromZod } from './zodinfo.js';

/** The roles shipped with tsplay (`<package root>/roles`). */
export const SHIPPED_ROLES_DIR = fileURLToPath(new URL('../../roles', import.meta.url));

/** Role search path: `roles/` beside the playbook, then the shipped roles. */
export function roleSearchPaths(playbookDir: string): string[] {
  return [...new Set([path.resolve(playbookDir, 'roles'), SHIPPED_ROLES_DIR])];
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const YAML_ROLE_PARTS = ['tasks', 'handlers', 'defaults', 'vars', 'meta'];

function roleKind(dir: string): 'ts' | 'yaml' | undefined {
  if (!isDir(dir)) return undefined;
  if (isFile(path.join(dir, 'index.ts')) || isFile(path.join(dir, 'index.js'))) return 'ts';
  if (YAML_ROLE_PARTS.some((p) => isDir(path.join(dir, p)))) return 'yaml';
  return undefined;
}

function firstFile(dir: string, base: string): string | undefined {
  return ['.yml', '.yaml'].map((e) => path.join(dir, base + e)).find(isFile);
}

/** Find a role directory by name (or by path, when the name contains a slash). */
export function findRoleDir(name: string, searchPaths: string[]): { dir: string; kind: 'ts' | 'yaml' } | undefined {
  const candidates = name.includes('/') || name.startsWith('.')
    ? path.isAbsolute(name)
      ? [name]
      : searchPaths.flatMap((sp) => [path.resolve(path.dirname(sp), name), path.resolve(sp, name)])
    : searchPaths.map((sp) => path.join(sp, name));
  for (const dir of candidates) {
    const kind = roleKind(dir);
    if (kind) return { dir, kind };
  }
  return undefined;
}

/** Names of all roles on the search path (first occurrence wins, like lookup). */
export function roleNames(searchPaths: string[]): string[] {
  const names = new Set<string>();
  for (const sp of searchPaths) {
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(sp).sort();
    } catch {
      continue;
    }
    for (const e of entries) if (roleKind(path.join(sp, e))) names.add(e);
  }
  return [...names];
}

export interface LoadRoleOptions {
  modules?: ModuleLookup;
  /** Where the role is used, for "role not found" errors. */
  from?: SourceLocation;
}

/** Load a role (YAML layout or typed TS). Throws TsplayErrors with every problem found. */
export async function loadRole(name: string, searchPaths: string[], opts: LoadRoleOptions = {}): Promise<LoadedRole> {
  const found = findRoleDir(name, searchPaths);
  if (!found) {
    throw new TsplayErrors([
      new TsplayError('VALIDATION', `role '${name}' not found`, {
        location: opts.from,
        hint: didYouMean(name, roleNames(searchPaths)) ?? `looked in ${searchPaths.join(', ')}`,
      }),
    ]);
  }
  const roleName = name.includes('/') ? path.basename(found.dir) : name;
  return found.kind === 'ts' ? loadTsRole(roleName, found.dir, opts) : loadYamlRole(roleName, found.dir, opts);
}

function readMapping(file: string | undefined, errors: TsplayError[], checkTemplates = false, warnings: string[] = []): Record<string, unknown> {
  if (!file) return {};
  const p = readYamlFile(file);
  errors.push(...p.errors);
  warnings.push(...p.warnings);
  if (p.value === null || p.value === undefined) return {};
  if (typeof p.value !== 'object' || Array.isArray(p.value)) {
    errors.push(new TsplayError('VALIDATION', `${path.basename(file)} must be a mapping of variables`, { location: { file, line: 1, col: 1 } }));
    return {};
  }
  const vars = p.value as Record<string, unknown>;
  // Role defaults and vars are templates too: compile each value where it is written.
  if (checkTemplates) for (const k of Object.keys(vars)) errors.push(...checkTemplate(vars[k], p.map.value(vars, k)));
  return vars;
}

function joinDesc(d: string | string[] | undefined): string | undefined {
  return Array.isArray(d) ? d.join(' ') : d;
}

async function loadYamlRole(name: string, dir: string, opts: LoadRoleOptions): Promise<LoadedRole> {
  const errors: TsplayError[] = [];
  const warnings: string[] = [];
  const ref = { name, dir };
  const tasksDir = path.join(dir, 'tasks');
  let tasks: TaskNode[] = [];
  const tasksFile = firstFile(tasksDir, 'main');
  if (tasksFile) {
    const p = readYamlFile(tasksFile);
    errors.push(...p.errors);
    warnings.push(...p.warnings);
    if (!p.errors.length) {
      const r = normalizeTaskList(p.value, tasksFile, { map: p.map, role: ref, modules: opts.modules, includeDirs: [tasksDir], warnings });
      errors.push(...r.errors);
      tasks = r.tasks;
    }
  }
  let handlers: ModuleTask[] = [];
  const handlersFile = firstFile(path.join(dir, 'handlers'), 'main');
  if (handlersFile) {
    const p = readYamlFile(handlersFile);
    errors.push(...p.errors);
    warnings.push(...p.warnings);
    if (!p.errors.length) {
      const r = normalizeTaskList(p.value, handlersFile, { map: p.map, role: ref, modules: opts.modules, section: 'handlers', includeDirs: [path.join(dir, 'handlers')], warnings });
      errors.push(...r.errors);
      handlers = r.tasks.filter((t): t is ModuleTask => t.kind === 'module');
    }
  }
  const defaults = readMapping(firstFile(path.join(dir, 'defaults'), 'main'), errors, true, warnings);
  const vars = readMapping(firstFile(path.join(dir, 'vars'), 'main'), errors, true, warnings);
  let description = '';
  let params: z.ZodType | undefined;
  let paramDocs: ParamDoc[] = [];
  const metaMainFile = firstFile(path.join(dir, 'meta'), 'main');
  const metaMain = readMapping(metaMainFile, errors, false, warnings);
  const galaxy = metaMain.galaxy_info as Record<string, unknown> | undefined;
  if (galaxy && typeof galaxy.description === 'string') description = galaxy.description;
  const specFile = firstFile(path.join(dir, 'meta'), 'argument_specs') ?? (metaMain.argument_specs ? metaMainFile : undefined);
  if (specFile) {
    const raw = specFile === metaMainFile ? { argument_specs: metaMain.argument_specs } : readMapping(specFile, errors);
    const r = argumentSpecsSchema.safeParse(raw);
    if (!r.success) {
      for (const issue of r.error.issues) {
        errors.push(new TsplayError('VALIDATION', `argument_specs: ${issue.path.join('.')}: ${issue.message}`, { location: { file: specFile } }));
      }
    } else {
      const main = r.data.argument_specs.main;
      if (!main) {
        errors.push(new TsplayError('VALIDATION', 'argument_specs has no `main` entry', { location: { file: specFile, line: 1, col: 1 }, hint: 'tsplay reads argument_specs.main.options' }));
      } else {
        description = main.short_description ?? joinDesc(main.description) ?? description;
        params = schemaFromSpecs(main.options as Record<string, ArgumentSpecOption>);
        paramDocs = docsFromSpecs(main.options as Record<string, ArgumentSpecOption>);
      }
    }
  }
  if (errors.length) throw new TsplayErrors(errors);
  return { name, dir, kind: 'yaml', description, defaults, vars, tasks, handlers, params, paramDocs, warnings };
}

/** A typed role's entry: index.ts (a team's role, or a source checkout), else compiled index.js. */
function typedRoleFile(dir: string): string {
  const ts = path.join(dir, 'index.ts');
  return isFile(ts) ? ts : path.join(dir, 'index.js');
}

let tsLoader: Promise<void> | undefined;
/**
 * Installed tsplay runs compiled JavaScript; a team's own `index.ts` role still loads: tsx's ESM
 * loader is registered the first time one is imported (under tsx or vitest it is already there).
 */
function ensureTypeScriptLoader(): Promise<void> {
  if (process.env['TSPLAY_TS_LOADER'] === 'active' || process.env['VITEST'] || process.execArgv.some((a) => a.includes('tsx'))) return Promise.resolve();
  tsLoader ??= import('tsx/esm/api').then((m) => {
    m.register();
    process.env['TSPLAY_TS_LOADER'] = 'active';
  });
  return tsLoader;
}

async function loadTsRole(name: string, dir: string, opts: LoadRoleOptions): Promise<LoadedRole> {
  const file = typedRoleFile(dir);
  let def: Record<string, unknown> | undefined;
  try {
    if (file.endsWith('.ts')) await ensureTypeScriptLoader();
    const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    def = mod.default as Record<string, unknown> | undefined;
  } catch (e) {
    throw new TsplayErrors([new TsplayError('VALIDATION', `cannot load role '${name}': ${(e as Error).message.split('\n')[0]}`, { location: { file }, cause: e })]);
  }
  const problems: string[] = [];
  if (!def || typeof def !== 'object') problems.push('index.ts must `export default defineRole({ … })`');
  else {
    if (typeof def.tasks !== 'function') problems.push('`tasks` must be a function (params, ctx) => task[]');
    if (!def.params || typeof (def.params as { safeParse?: unknown }).safeParse !== 'function') problems.push('`params` must be a zod schema');
    if (typeof def.description !== 'string') problems.push('`description` must be a string');
  }
  if (problems.length || !def) {
    throw new TsplayErrors(problems.map((p) => new TsplayError('VALIDATION', `role '${name}': ${p}`, { location: { file } })));
  }
  const ref = { name, dir };
  let handlers: ModuleTask[] = [];
  if (def.handlers !== undefined) {
    const r = normalizeTaskList(def.handlers, file, { role: ref, modules: opts.modules, section: 'handlers', includeDirs: [dir] });
    if (r.errors.length) throw new TsplayErrors(r.errors);
    handlers = r.tasks.filter((t): t is ModuleTask => t.kind === 'module');
  }
  const params = def.params as z.ZodType;
  const tasksFn = def.tasks as (p: unknown, ctx: unknown) => unknown[];
  return {
    name,
    dir,
    kind: 'ts',
    description: def.description as string,
    defaults: (def.defaults as Record<string, unknown> | undefined) ?? {},
    vars: {},
    handlers,
    params,
    paramDocs: paramDocsFromZod(params),
    expand: (p, ctx) => {
      const out = tasksFn(p, ctx);
      if (!Array.isArray(out)) throw new TsplayError('VALIDATION', `role '${name}': tasks() must return a list of tasks`, { location: { file } });
      return out;
    },
  };
}

/** Normalize the raw tasks a typed role's `expand` returned (locations point at its index.ts). */
export function normalizeRoleTasks(role: LoadedRole, raw: unknown[], opts: { modules?: ModuleLookup } = {}): TaskNode[] {
  const file = role.kind === 'ts' ? typedRoleFile(role.dir) : path.join(role.dir, 'tasks', 'main.yml');
  return normalizeTasks(raw, file, { role: { name: role.name, dir: role.dir }, modules: opts.modules, includeDirs: [role.kind === 'ts' ? role.dir : path.join(role.dir, 'tasks')] });
}

// ---- argument_specs → zod ----------------------------------------------------------------------

const TRUE = ['yes', 'true', 'on', '1', 'y'];
const FALSE = ['no', 'false', 'off', '0', 'n'];

function specType(o: Pick<ArgumentSpecOption, 'type' | 'elements' | 'options' | 'choices'>): z.ZodType {
  let t: z.ZodType;
  switch (o.type) {
    case 'str':
    case 'path':
      t = z.preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), z.string());
      break;
    case 'int':
      t = z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v), z.number().int());
      break;
    case 'float':
      t = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v), z.number());
      break;
    case 'bool':
      t = z.preprocess((v) => (typeof v === 'string' ? (TRUE.includes(v.toLowerCase()) ? true : FALSE.includes(v.toLowerCase()) ? false : v) : v), z.boolean());
      break;
    case 'list': {
      const el = o.elements ? specType({ type: o.elements, options: o.options }) : z.unknown();
      t = z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v), z.array(el));
      break;
    }
    case 'dict':
      t = o.options ? schemaFromSpecs(o.options) : z.record(z.string(), z.unknown());
      break;
    default:
      t = z.unknown();
  }
  if (o.choices?.length) {
    const choices = o.choices;
    t = t.refine((v) => choices.some((c) => c === v), { message: `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}` });
  }
  return t;
}

/** Build a params schema from argument_specs options (extra keys are allowed, as in Ansible). */
export function schemaFromSpecs(options: Record<string, ArgumentSpecOption>): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const [k, o] of Object.entries(options)) {
    let t = specType(o);
    const desc = joinDesc(o.description);
    if (o.default !== undefined) t = t.default(o.default as never);
    else if (!o.required) t = t.optional();
    if (desc) t = t.describe(desc);
    shape[k] = t;
  }
  return z.object(shape).loose();
}

const SPEC_TYPE_NAMES: Record<string, string> = { str: 'string', path: 'path', int: 'integer', float: 'number', bool: 'boolean', dict: 'object', raw: 'any', list: 'list' };

function docsFromSpecs(options: Record<string, ArgumentSpecOption>): ParamDoc[] {
  return Object.entries(options).map(([name, o]) => {
    let type = o.choices?.length ? o.choices.map((c) => JSON.stringify(c)).join('|') : SPEC_TYPE_NAMES[o.type] ?? o.type;
    if (o.type === 'list') type = o.elements ? `${SPEC_TYPE_NAMES[o.elements] ?? o.elements}[]` : 'list';
    const d: ParamDoc = { name, type, required: o.required === true && o.default === undefined };
    if (o.default !== undefined) d.default = o.default;
    const desc = joinDesc(o.description);
    if (desc) d.description = desc;
    if (o.choices) d.choices = o.choices;
    return d;
  });
}

// ---- params validation ---------------------------------------------------------------------------

/**
 * Validate role params (already rendered for one host) with the role's schema. Errors name the
 * param and point at the call site. Unknown params that look like typos of declared ones are errors.
 */
export function validateRoleParams(role: LoadedRole, params: Record<string, unknown>, loc: SourceLocation): { value?: unknown; errors: TsplayError[] } {
  if (!role.params) return { value: params, errors: [] };
  const errors: TsplayError[] = [];
  const declared = Object.keys(objectShape(role.params) ?? {});
  for (const k of Object.keys(params)) {
    if (declared.includes(k)) continue;
    const s = suggest(k, declared);
    if (s) errors.push(new TsplayError('VALIDATION', `role ${role.name} has no param '${k}'`, { location: loc, hint: `did you mean ${s}?` }));
  }
  const r = role.params.safeParse(params);
  if (!r.success) {
    const docs = new Map(role.paramDocs.map((d) => [d.name, d]));
    for (const issue of r.error.issues) {
      const first = issue.path[0];
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) {
          errors.push(new TsplayError('VALIDATION', `role ${role.name} has no param '${k}'`, { location: loc, hint: didYouMean(k, declared) ?? `params: ${declared.join(', ')}` }));
        }
        continue;
      }
      const name = issue.path.map(String).join('.');
      const missing = typeof first === 'string' && issue.path.length === 1 && !Object.hasOwn(params, first) && issue.code === 'invalid_type';
      const doc = typeof first === 'string' ? docs.get(first) : undefined;
      errors.push(
        new TsplayError(
          'VALIDATION',
          missing ? `role ${role.name}: missing required param '${name}'` : `role ${role.name}: param '${name}': ${issue.message}`,
          { location: loc, hint: doc ? `${doc.name} (${doc.type})${doc.description ? `: ${doc.description}` : ''}` : undefined },
        ),
      );
    }
    return { errors };
  }
  return errors.length ? { errors } : { value: r.data, errors };
}

// ---- listing ------------------------------------------------------------------------------------

/** Load every role on the search path; a broken role is listed with its first error as description. */
export async function listRoles(searchPaths: string[], opts: LoadRoleOptions = {}): Promise<LoadedRole[]> {
  const out: LoadedRole[] = [];
  for (const name of roleNames(searchPaths)) {
    try {
      out.push(await loadRole(name, searchPaths, opts));
    } catch (e) {
      const found = findRoleDir(name, searchPaths)!;
      const first = e instanceof TsplayErrors ? e.errors[0]?.message : (e as Error).message;
      out.push({ name, dir: found.dir, kind: found.kind, description: `(invalid: ${first})`, defaults: {}, vars: {}, handlers: [], paramDocs: [] });
    }
  }
  return out;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

function showValue(v: unknown): string {
  if (v === undefined) return '';
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
}

/** `tsplay roles list`: one line per role. */
export function formatRoleList(roles: LoadedRole[]): string {
  if (!roles.length) return 'no roles found\n';
  return table([['NAME', 'TYPE', 'DESCRIPTION'], ...roles.map((r) => [r.name, r.kind === 'ts' ? 'typed' : 'yaml', r.description.split('\n')[0] ?? ''])]);
}

/** `tsplay roles show NAME`: description and the params table. */
export function formatRoleShow(role: LoadedRole): string {
  const head = `${role.name} (${role.kind === 'ts' ? 'typed TypeScript role' : 'YAML role'}, ${role.dir})\n${role.description ? role.description + '\n' : ''}`;
  if (!role.paramDocs.length) return head + '\nno parameters\n';
  const rows = [['PARAM', 'TYPE', 'DEFAULT', 'REQUIRED', 'DESCRIPTION'], ...role.paramDocs.map((d) => [d.name, d.type, showValue(d.default), d.required ? 'yes' : 'no', d.description ?? ''])];
  return head + '\n' + table(rows);
}
