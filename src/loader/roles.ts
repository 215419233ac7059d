import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { z } from 'zod';
import type { LoadedRole, ModuleTask, ParamDoc, RoleTask, TaskNode } from '../config/model.js';
import { syntheticTask } from '../config/model.js';
import { argumentSpecsSchema, type ArgumentSpecEntry, type ArgumentSpecOption } from '../config/schemas.js';
import { checkTemplate } from '../template/render.js';
import { TsplayError, TsplayErrors, type SourceLocation } from '../errors.js';
import { didYouMean, suggest } from './suggest.js';
import { normalizeRoleEntries, normalizeTaskList, normalizeTasks, type ModuleLookup } from './tasks.js';
import { readYamlFile, type SourceMap } from './yaml.js';
import { objectShape, paramDocsFromZod, secretFields } from './zodinfo.js';
import { ansibleBoolean } from '../config/boolean.js';

/** The roles shipped with tsplay (`<package root>/roles`). */
export const SHIPPED_ROLES_DIR = fileURLToPath(new URL('../../roles', import.meta.url));

/**
 * Role search path, in ansible-core's order: `roles/` beside the playbook, ANSIBLE_ROLES_PATH (or
 * `roles_path` of the ansible.cfg Ansible would read, else its default dirs), the playbook dir,
 * then the shipped roles; last, the `ansible_collections` roots FQCN role names (`ns.coll.role`)
 * are looked up in (collections/ beside the playbook, ANSIBLE_COLLECTIONS_PATH(S) or
 * `collections_paths`, ~/.ansible/collections, /usr/share/ansible/collections).
 */
export function roleSearchPaths(playbookDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env['HOME'] ?? '';
  const cfg = ansibleCfg(playbookDir, env);
  const list = (v: string | undefined, base: string): string[] | undefined =>
    v === undefined || v.trim() === ''
      ? undefined
      : v
          .split(/[:,]/)
          .map((x) => x.trim())
          .filter(Boolean)
          .map((x) => path.resolve(base, x.replace(/^~(?=\/|$)/, home)));
  const rolesPath = list(env['ANSIBLE_ROLES_PATH'], process.cwd()) ??
    list(cfg?.values['roles_path'], cfg ? path.dirname(cfg.file) : playbookDir) ?? [path.join(home, '.ansible/roles'), '/usr/share/ansible/roles', '/etc/ansible/roles'];
  const collections = list(env['ANSIBLE_COLLECTIONS_PATH'] ?? env['ANSIBLE_COLLECTIONS_PATHS'], process.cwd()) ??
    list(cfg?.values['collections_path'] ?? cfg?.values['collections_paths'], cfg ? path.dirname(cfg.file) : playbookDir) ?? [
      path.join(home, '.ansible/collections'),
      '/usr/share/ansible/collections',
    ];
  const roots = [path.resolve(playbookDir, 'collections'), ...collections].map((c) => (path.basename(c) === 'ansible_collections' ? c : path.join(c, 'ansible_collections')));
  return [...new Set([path.resolve(playbookDir, 'roles'), ...rolesPath, path.resolve(playbookDir), SHIPPED_ROLES_DIR, ...roots])];
}

/**
 * Where a role's dependencies are looked for (RoleDefinition._load_role_path): the run's search
 * path with the directory holding the depending role added after roles/ and the roles path,
 * before the playbook directory itself.
 */
export function dependencySearchPaths(owner: LoadedRole, searchPaths: string[]): string[] {
  const basedir = path.dirname(owner.dir);
  if (searchPaths.includes(basedir)) return searchPaths;
  // roleSearchPaths: [playbook/roles, ...roles_path, playbook dir, shipped roles, collections]
  const at = searchPaths.indexOf(SHIPPED_ROLES_DIR);
  const before = at > 0 ? at - 1 : searchPaths.length;
  return [...searchPaths.slice(0, before), basedir, ...searchPaths.slice(before)];
}

/** The [defaults] of the ansible.cfg ansible-core reads (ANSIBLE_CONFIG, ./ansible.cfg, beside the playbook, ~/.ansible.cfg, /etc/ansible). */
function ansibleCfg(playbookDir: string, env: NodeJS.ProcessEnv): { file: string; values: Record<string, string> } | undefined {
  const candidates = [
    env['ANSIBLE_CONFIG'],
    path.join(process.cwd(), 'ansible.cfg'),
    path.join(playbookDir, 'ansible.cfg'),
    env['HOME'] ? path.join(env['HOME'], '.ansible.cfg') : undefined,
    '/etc/ansible/ansible.cfg',
  ];
  for (const c of candidates) {
    if (!c || !isFile(c)) continue;
    const values: Record<string, string> = {};
    let section = '';
    for (const raw of fs.readFileSync(c, 'utf8').split(/\r?\n/)) {
      const line = raw.trim();
      if (!line || line.startsWith('#') || line.startsWith(';')) continue;
      const sec = /^\[(.+)\]$/.exec(line);
      if (sec) {
        section = sec[1]!.trim();
        continue;
      }
      const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
      if (kv && section === 'defaults') values[kv[1]!.trim()] = kv[2]!.replace(/\s+[#;].*$/, '').trim();
    }
    return { file: c, values };
  }
  return undefined;
}

/** `ns.coll.role`: a role from a collection. */
const FQCN_ROLE = /^([A-Za-z_]\w*)\.([A-Za-z_]\w*)\.([A-Za-z_]\w*)$/;

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
  const fq = FQCN_ROLE.exec(name);
  const collectionRoots = searchPaths.filter((sp) => path.basename(sp) === 'ansible_collections');
  const candidates = fq
    ? collectionRoots.map((root) => path.join(root, fq[1]!, fq[2]!, 'roles', fq[3]!))
    : name.includes('/') || name.startsWith('.')
      ? path.isAbsolute(name)
        ? [name]
        : searchPaths.flatMap((sp) => [path.resolve(path.dirname(sp), name), path.resolve(sp, name)])
      : searchPaths.filter((sp) => !collectionRoots.includes(sp)).map((sp) => path.join(sp, name));
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

function readMapping(
  file: string | undefined,
  errors: TsplayError[],
  checkTemplates = false,
  warnings: string[] = [],
  read?: ReturnType<typeof readYamlFile>,
): Record<string, unknown> {
  if (!file) return {};
  const p = read ?? readYamlFile(file);
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
      const r = normalizeTaskList(p.value, handlersFile, {
        map: p.map,
        role: ref,
        modules: opts.modules,
        section: 'handlers',
        includeDirs: [path.join(dir, 'handlers')],
        warnings,
      });
      errors.push(...r.errors);
      handlers = r.tasks.filter((t): t is ModuleTask => t.kind === 'module');
    }
  }
  const defaults = readMapping(firstFile(path.join(dir, 'defaults'), 'main'), errors, true, warnings);
  const vars = readMapping(firstFile(path.join(dir, 'vars'), 'main'), errors, true, warnings);
  let description = '';
  const metaMainFile = firstFile(path.join(dir, 'meta'), 'main');
  const metaRead = metaMainFile ? readYamlFile(metaMainFile) : undefined;
  const metaMain = readMapping(metaMainFile, errors, false, warnings, metaRead);
  const dependencies = metaRead && metaMainFile ? roleDependencies(metaMain, metaRead.map, metaMainFile, opts, errors) : [];
  const galaxy = metaMain.galaxy_info as Record<string, unknown> | undefined;
  if (galaxy && typeof galaxy.description === 'string') description = galaxy.description;
  const specs = readArgumentSpecs(dir, metaMainFile, errors, warnings);
  let paramDocs: ParamDoc[] = [];
  const main = specs?.main;
  if (main) {
    description = main.short_description ?? joinDesc(main.description) ?? description;
    paramDocs = docsFromSpecs(main.options);
  }
  if (errors.length) throw new TsplayErrors(errors);
  const allowDuplicates = ansibleBoolean(metaMain.allow_duplicates) === true;
  return {
    name,
    dir,
    kind: 'yaml',
    description,
    defaults,
    vars,
    tasks,
    handlers,
    paramDocs,
    ...(specs ? { argumentSpecs: specs } : {}),
    ...(allowDuplicates ? { allowDuplicates } : {}),
    ...(dependencies.length ? { dependencies } : {}),
    warnings,
  };
}

/**
 * meta/main.yml `dependencies:` as ansible-core reads them (RoleMetadata._load_dependencies): a
 * list of role entries like a play's `roles:` (names, `role:`/`name:` mappings with params and
 * keywords, galaxy-style `src:`). They run before the role, each once per host unless its meta
 * allows duplicates or its params differ (the engine).
 */
function roleDependencies(meta: Record<string, unknown>, map: SourceMap, file: string, opts: LoadRoleOptions, errors: TsplayError[]): RoleTask[] {
  const deps = meta.dependencies;
  if (deps === undefined || deps === null) return [];
  if (!Array.isArray(deps)) {
    errors.push(
      new TsplayError('VALIDATION', 'Expected role dependencies to be a list.', {
        location: map.value(meta, 'dependencies') ?? { file, line: 1, col: 1 },
        hint: 'dependencies: [other_role, {role: another, some_param: 1}]',
      }),
    );
    return [];
  }
  const r = normalizeRoleEntries(deps, map, { modules: opts.modules });
  errors.push(...r.errors);
  return r.calls;
}

/** The role parts `include_role`/`import_role` pick: `tasks_from`, `vars_from`, `defaults_from`, `handlers_from` (file names in those dirs, `.yml`/`.yaml` optional). */
export interface RoleParts {
  tasksFrom?: string;
  varsFrom?: string;
  defaultsFrom?: string;
  handlersFrom?: string;
}

/**
 * The role with other files for some of its parts (Ansible's Role._load_role_yaml with `from_files`):
 * a file that does not exist is an error naming the role and the part. Throws TsplayErrors.
 */
export function roleWithParts(role: LoadedRole, parts: RoleParts, opts: { modules?: ModuleLookup; from?: SourceLocation } = {}): LoadedRole {
  if (!parts.tasksFrom && !parts.varsFrom && !parts.defaultsFrom && !parts.handlersFrom) return role;
  if (role.kind !== 'yaml')
    throw new TsplayErrors([
      new TsplayError('VALIDATION', `role '${role.name}' is a typed role: tasks_from / vars_from / defaults_from / handlers_from need a YAML role`, { location: opts.from }),
    ]);
  const errors: TsplayError[] = [];
  const warnings: string[] = [];
  const ref = { name: role.name, dir: role.dir };
  const find = (sub: string, name: string): string | undefined => {
    const dir = path.join(role.dir, sub);
    const f = [name, `${name}.yml`, `${name}.yaml`].map((n) => path.resolve(dir, n)).find(isFile);
    if (!f)
      errors.push(
        new TsplayError('VALIDATION', `Could not find specified file in role: ${sub}/${name}`, {
          location: opts.from,
          hint: `looked in ${dir} for ${name}, ${name}.yml, ${name}.yaml`,
        }),
      );
    return f;
  };
  const out: LoadedRole = { ...role };
  const taskList = (sub: 'tasks' | 'handlers', name: string): TaskNode[] => {
    const file = find(sub, name);
    if (!file) return [];
    const p = readYamlFile(file);
    errors.push(...p.errors);
    warnings.push(...p.warnings);
    if (p.errors.length) return [];
    const r = normalizeTaskList(p.value, file, {
      map: p.map,
      role: ref,
      modules: opts.modules,
      section: sub,
      includeDirs: [path.dirname(file), path.join(role.dir, sub)],
      warnings,
    });
    errors.push(...r.errors);
    return r.tasks;
  };
  if (parts.tasksFrom) out.tasks = taskList('tasks', parts.tasksFrom);
  if (parts.handlersFrom) out.handlers = taskList('handlers', parts.handlersFrom).filter((t): t is ModuleTask => t.kind === 'module');
  if (parts.varsFrom) {
    const f = find('vars', parts.varsFrom);
    if (f) out.vars = readMapping(f, errors, true, warnings);
  }
  if (parts.defaultsFrom) {
    const f = find('defaults', parts.defaultsFrom);
    if (f) out.defaults = readMapping(f, errors, true, warnings);
  }
  if (errors.length) throw new TsplayErrors(errors);
  out.warnings = [...(role.warnings ?? []), ...warnings];
  return out;
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
export function ensureTypeScriptLoader(): Promise<void> {
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
  return normalizeTasks(raw, file, {
    role: { name: role.name, dir: role.dir },
    modules: opts.modules,
    includeDirs: [role.kind === 'ts' ? role.dir : path.join(role.dir, 'tasks')],
  });
}

// ---- argument_specs ------------------------------------------------------------------------------

/**
 * A role's argument specs by entry point, as ansible-core reads them: meta/argument_specs.yml when
 * it exists (its `argument_specs` key, or nothing), else meta/main.yml's `argument_specs`. They are
 * checked when the role runs (the validation task), here only for their shape; a malformed spec is
 * an error at its file:line:col.
 */
function readArgumentSpecs(dir: string, metaMainFile: string | undefined, errors: TsplayError[], warnings: string[]): Record<string, ArgumentSpecEntry> | undefined {
  const own = firstFile(path.join(dir, 'meta'), 'argument_specs');
  const file = own ?? metaMainFile;
  if (!file) return undefined;
  const p = readYamlFile(file);
  if (own) {
    errors.push(...p.errors);
    warnings.push(...p.warnings);
  }
  if (p.errors.length) return undefined;
  const root = p.value;
  if (root === null || root === undefined) return undefined;
  if (typeof root !== 'object' || Array.isArray(root)) {
    if (own)
      errors.push(new TsplayError('VALIDATION', `${path.basename(file)} must be a mapping with an argument_specs key`, { location: p.map.of(root, { file, line: 1, col: 1 }) }));
    return undefined;
  }
  const rec = root as Record<string, unknown>;
  if (!own && (rec.argument_specs === undefined || rec.argument_specs === null)) return undefined;
  const r = argumentSpecsSchema.safeParse({ argument_specs: rec.argument_specs });
  if (!r.success) {
    for (const issue of r.error.issues) {
      const where = specIssueLocation(p.map, rec, issue.path, file);
      const at = issue.path.map(String).join('.');
      errors.push(
        new TsplayError('VALIDATION', `${at}: ${specIssueMessage(issue)}`, {
          location: where,
          hint: 'see https://docs.ansible.com/ansible/2.14/playbook_guide/playbooks_reuse_roles.html#specification-format',
        }),
      );
    }
    return undefined;
  }
  return r.data.argument_specs;
}

/** Where the offending key or value of a spec is written (the deepest node the path reaches). */
function specIssueLocation(map: SourceMap, root: Record<string, unknown>, issuePath: PropertyKey[], file: string): SourceLocation {
  let node: unknown = root;
  let loc: SourceLocation = map.of(root, { file, line: 1, col: 1 });
  for (const k of issuePath) {
    if (node === null || typeof node !== 'object' || (typeof k !== 'string' && typeof k !== 'number')) break;
    const rec = node as Record<string | number, unknown>;
    if (!Object.hasOwn(rec, k)) {
      loc = map.of(node, loc);
      break;
    }
    loc = map.value(node, k);
    node = rec[k];
  }
  return loc;
}

function specIssueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value' && 'values' in issue) return `must be one of ${(issue.values as unknown[]).map((v) => String(v)).join(', ')}`;
  return issue.message;
}

/** The role's argument spec entry point for a `tasks_from` value (Ansible: its basename, as written; default main). */
export function roleEntryPoint(tasksFrom?: string): string {
  return tasksFrom ? path.basename(tasksFrom) : 'main';
}

/**
 * The task ansible-core puts first in a role's entry point when the role has an argument spec for
 * it (Role._prepend_validation_task): validate_argument_spec with the entry point's options, the
 * role params of the call as provided_arguments, tagged `always`. Undefined when there is no spec.
 */
export function argumentSpecTask(role: LoadedRole, entryPoint: string, providedArguments: Record<string, unknown>, loc: SourceLocation): ModuleTask | undefined {
  const spec = role.argumentSpecs?.[entryPoint];
  if (!spec) return undefined;
  let name = `Validating arguments against arg spec '${entryPoint}'`;
  if (spec.short_description !== undefined) name += ` - ${spec.short_description}`;
  return syntheticTask('validate_argument_spec', loc, {
    moduleAs: 'ansible.builtin.validate_argument_spec',
    name,
    args: {
      argument_spec: spec.options,
      provided_arguments: providedArguments,
      validate_args_context: { type: 'role', name: role.name, argument_spec_name: entryPoint, path: role.dir },
    },
    tags: ['always'],
    role: { name: role.name, dir: role.dir },
  });
}

const SPEC_TYPE_NAMES: Record<string, string> = { str: 'string', path: 'path', int: 'integer', float: 'number', bool: 'boolean', dict: 'object', raw: 'any', list: 'list' };

function docsFromSpecs(options: Record<string, ArgumentSpecOption>): ParamDoc[] {
  return Object.entries(options).map(([name, o]) => {
    const base = o.type ?? 'str';
    let type = o.choices?.length ? o.choices.map((c) => JSON.stringify(c)).join('|') : (SPEC_TYPE_NAMES[base] ?? base);
    if (base === 'list') type = o.elements ? `${SPEC_TYPE_NAMES[o.elements] ?? o.elements}[]` : 'list';
    const d: ParamDoc = { name, type, required: o.required === true && o.default === undefined };
    if (o.default !== undefined) d.default = o.default;
    const desc = joinDesc(o.description);
    if (desc) d.description = desc;
    if (o.choices) d.choices = o.choices;
    if (o.no_log === true) d.secret = true;
    return d;
  });
}

/**
 * The role's params that are secrets by declaration: a TS role's params marked with `secret()`,
 * and the argument_specs options (of every entry point, nested options too) with `no_log: true` —
 * Ansible's own way of saying an option holds a secret.
 */
export function secretParamNames(role: LoadedRole): string[] {
  const out = new Set<string>(role.kind === 'ts' ? secretFields(role.params) : []);
  const walk = (options: Record<string, ArgumentSpecOption> | undefined, depth: number) => {
    if (!options || depth > 8) return;
    for (const [name, o] of Object.entries(options)) {
      if (o.no_log === true) out.add(name);
      walk(o.options, depth + 1);
    }
  };
  for (const entry of Object.values(role.argumentSpecs ?? {})) walk(entry.options, 0);
  return [...out];
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
        new TsplayError('VALIDATION', missing ? `role ${role.name}: missing required param '${name}'` : `role ${role.name}: param '${name}': ${issue.message}`, {
          location: loc,
          hint: doc ? `${doc.name} (${doc.type})${doc.description ? `: ${doc.description}` : ''}` : undefined,
        }),
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

/** Rows as aligned columns (the first row is the header). */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** A default value as YAML/JSON shows it. */
export function showValue(v: unknown): string {
  if (v === undefined) return '';
  return typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
}

/** `tsplay roles list`: one line per role. */
export function formatRoleList(roles: LoadedRole[]): string {
  if (!roles.length) return 'no roles found\n';
  return table([['NAME', 'TYPE', 'DESCRIPTION'], ...roles.map((r) => [r.name, r.kind === 'ts' ? 'typed' : 'yaml', r.description.split('\n')[0] ?? ''])]);
}

/** `tsplay roles show NAME`: description, the params table, and each other entry point's table (`tasks_from`). */
export function formatRoleShow(role: LoadedRole): string {
  const head = `${role.name} (${role.kind === 'ts' ? 'typed TypeScript role' : 'YAML role'}, ${role.dir})\n${role.description ? role.description + '\n' : ''}`;
  const params = (docs: ParamDoc[]) => {
    const rows = [
      ['PARAM', 'TYPE', 'DEFAULT', 'REQUIRED', 'DESCRIPTION'],
      ...docs.map((d) => [
        d.name,
        d.secret ? `${d.type} (secret)` : d.type,
        d.secret && d.default !== undefined ? '********' : showValue(d.default),
        d.required ? 'yes' : 'no',
        d.description ?? '',
      ]),
    ];
    return table(rows);
  };
  const others = Object.entries(role.argumentSpecs ?? {}).filter(([entry]) => entry !== 'main');
  let out = head + (role.paramDocs.length ? '\n' + params(role.paramDocs) : '\nno parameters\n');
  for (const [entry, spec] of others) {
    const about = spec.short_description ?? joinDesc(spec.description);
    const docs = docsFromSpecs(spec.options);
    out += `\nentry point ${entry} (tasks_from: ${entry})${about ? `: ${about}` : ''}\n` + (docs.length ? params(docs) : 'no parameters\n');
  }
  return out;
}
