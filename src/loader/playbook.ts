import { loadPlugins } from './plugins.js';
import fs from 'node:fs';
import path from 'node:path';
import type { LoadedRole, ModuleTask, Play, Playbook, RoleTask, TaskNode, VarsPrompt } from '../config/model.js';
import { connectionKind } from '../config/connection-names.js';
import { PLAY_KEYWORDS, UNSUPPORTED_KEYWORDS } from '../config/schemas.js';
import { percentSchema, playKeywordsSchema, positiveWholeSchema, serialItemSchema, varsPromptSchema } from '../config/keywords.js';
import { TsplayError, TsplayErrors, formatError, type SourceLocation } from '../errors.js';
import { checkTemplate } from '../template/render.js';
import { dependencySearchPaths, roleSearchPaths, loadRole } from './roles.js';
import { didYouMean } from './suggest.js';
import {
  boolError,
  checkNotifies,
  handlerTopics,
  moduleTasks,
  normalizeCommon,
  normalizeRoleEntries,
  normalizeTaskList,
  registryModules,
  roleCalls,
  type ModuleLookup,
} from './tasks.js';
import { readYamlFile, type SourceMap } from './yaml.js';
import { ansibleBoolean } from '../config/boolean.js';
import { HOST_PATTERN_HINT, hostPatternProblem } from '../inventory/patterns.js';

export interface LoadPlaybookOptions {
  modules?: ModuleLookup;
  /** Role search path (default: roles/ beside the playbook, then the shipped roles). */
  rolePaths?: string[];
  /** Load and check the roles the playbook uses (default true). */
  checkRoles?: boolean;
}

const PLAY_KW = new Set<string>(PLAY_KEYWORDS);

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `a ${typeof v}`;
}

class PlaybookLoader {
  readonly errors: TsplayError[] = [];
  readonly warnings: string[] = [];
  constructor(readonly opts: LoadPlaybookOptions) {}

  err(message: string, location: SourceLocation, hint?: string): void {
    this.errors.push(new TsplayError('VALIDATION', message, { location, hint }));
  }

  file(file: string, stack: string[], from?: SourceLocation): Play[] {
    const parsed = readYamlFile(file, from);
    this.errors.push(...parsed.errors);
    this.warnings.push(...parsed.warnings);
    if (parsed.errors.length) return [];
    const root = parsed.value;
    const map = parsed.map;
    if (root === null || root === undefined) {
      this.err('the playbook is empty', { file, line: 1, col: 1 }, 'a playbook is a list of plays: "- hosts: all\\n  tasks: …"');
      return [];
    }
    if (!Array.isArray(root)) {
      this.err(
        `a playbook must be a list of plays, got ${typeName(root)}`,
        map.of(root, { file, line: 1, col: 1 }),
        isMapping(root) && ('hosts' in root || 'tasks' in root)
          ? 'start the play with a dash: "- hosts: all"'
          : isMapping(root) && Object.keys(root).some((k) => k === 'name')
            ? 'is this a task file? run it from a play with include_tasks'
            : undefined,
      );
      return [];
    }
    const plays: Play[] = [];
    root.forEach((p, i) => {
      const where = map.value(root, i);
      if (isMapping(p) && 'import_playbook' in p) {
        plays.push(...this.importPlaybook(p, file, map, stack));
        return;
      }
      const play = this.play(p, file, map, where);
      if (play) plays.push(play);
    });
    return plays;
  }

  importPlaybook(p: Record<string, unknown>, file: string, map: SourceMap, stack: string[]): Play[] {
    for (const k of Object.keys(p)) {
      if (k !== 'import_playbook' && k !== 'name') this.err(`'${k}' is not valid on import_playbook`, map.key(p, k));
    }
    const ref = p.import_playbook;
    const loc = map.value(p, 'import_playbook');
    if (typeof ref !== 'string' || ref.includes('{{')) {
      this.err('import_playbook needs a literal file name', loc);
      return [];
    }
    const target = path.resolve(path.dirname(file), ref);
    if (stack.includes(target)) {
      this.err(`import_playbook of ${ref} imports itself`, loc);
      return [];
    }
    return this.file(target, [...stack, target], loc);
  }

  play(p: unknown, file: string, map: SourceMap, where: SourceLocation): Play | undefined {
    if (!isMapping(p)) {
      this.err(`a play must be a mapping, got ${typeName(p)}`, where);
      return undefined;
    }
    const loc = map.of(p, where);
    const dir = path.dirname(file);
    for (const k of Object.keys(p)) {
      if (PLAY_KW.has(k)) continue;
      const kl = map.key(p, k);
      if (Object.hasOwn(UNSUPPORTED_KEYWORDS, k)) this.err(`'${k}' is not supported by tsplay`, kl, UNSUPPORTED_KEYWORDS[k]);
      else if ((this.opts.modules ?? registryModules).find(k)) this.err(`a play cannot call a module ('${k}') directly`, kl, 'put it under tasks:');
      else
        this.err(`unknown play keyword '${k}'`, kl, didYouMean(k, PLAY_KEYWORDS) ?? (['block', 'include_tasks', 'import_tasks'].includes(k) ? 'put it under tasks:' : undefined));
    }
    let hosts = '';
    if (p.hosts === undefined || p.hosts === null) this.err(`play${typeof p.name === 'string' ? ` '${p.name}'` : ''} has no hosts`, loc, 'add "hosts: all" (or a group / pattern)');
    else if (typeof p.hosts === 'string') hosts = p.hosts;
    else if (Array.isArray(p.hosts) && p.hosts.every((h) => typeof h === 'string')) hosts = p.hosts.join(':');
    else this.err(`hosts must be a pattern string or a list of them, got ${typeName(p.hosts)}`, map.value(p, 'hosts'));
    if (hosts && !hosts.includes('{{')) {
      const problem = hostPatternProblem(Array.isArray(p.hosts) ? (p.hosts as string[]) : hosts);
      if (problem) this.err(`invalid hosts pattern: ${problem}`, map.value(p, 'hosts'), HOST_PATTERN_HINT);
    }

    const bool = (k: string): boolean | undefined => {
      const v = p[k];
      if (v === undefined || v === null) return undefined;
      const error = boolError(k, v);
      if (error === undefined) return ansibleBoolean(v);
      this.err(error.message, map.value(p, k), error.hint);
      return undefined;
    };
    const strList = (k: string): string[] => {
      const v = p[k];
      if (v === undefined || v === null) return [];
      if (typeof v === 'string')
        return k === 'tags'
          ? v
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : [v];
      if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String);
      this.err(`'${k}' must be a string or a list of strings, got ${typeName(v)}`, map.value(p, k));
      return [];
    };

    let vars: Record<string, unknown> = {};
    if (Array.isArray(p.vars) && p.vars.every(isMapping)) vars = Object.assign({}, ...(p.vars as object[]));
    else if (isMapping(p.vars)) vars = p.vars;
    else if (p.vars !== undefined && p.vars !== null) this.err(`vars must be a mapping, got ${typeName(p.vars)}`, map.value(p, 'vars'));
    this.errors.push(...checkTemplate(vars, map.value(p, 'vars')));

    const varsFiles = strList('vars_files');
    varsFiles.forEach((vf, i) => {
      if (vf.includes('{{')) return;
      const vloc = Array.isArray(p.vars_files) ? map.value(p.vars_files, i) : map.value(p, 'vars_files');
      if (!fs.existsSync(path.resolve(dir, vf))) this.err(`vars_files: file not found: ${vf}`, vloc, `paths are relative to ${dir}`);
    });

    const play: Play = {
      name: typeof p.name === 'string' ? p.name : hosts,
      loc,
      hosts,
      vars,
      varsFiles,
      gatherFacts: bool('gather_facts') ?? true,
      anyErrorsFatal: bool('any_errors_fatal') ?? false,
      forceHandlers: bool('force_handlers') ?? false,
      strategy: 'linear',
      tags: strList('tags'),
      preTasks: [],
      roles: [],
      tasks: [],
      postTasks: [],
      handlers: [],
    };
    const become = bool('become');
    if (become !== undefined) play.become = become;
    if (p.become_user !== undefined && p.become_user !== null) {
      if (typeof p.become_user === 'string') play.becomeUser = p.become_user;
      else this.err('become_user must be a string', map.value(p, 'become_user'));
    }
    // remote_user, port, connection, become_method/flags/exe, environment, collections: the task rules.
    const kwKeys = [
      'remote_user',
      'port',
      'connection',
      'become_method',
      'become_flags',
      'become_exe',
      'environment',
      'collections',
      'ignore_errors',
      'ignore_unreachable',
      'no_log',
      'check_mode',
      'run_once',
    ];
    const kw = Object.fromEntries(kwKeys.filter((k) => Object.hasOwn(p, k)).map((k) => [k, p[k]]));
    if (Object.keys(kw).length) {
      // The positions stay those of the play's own mapping.
      for (const k of Object.keys(kw)) map.setKey(kw, k, map.key(p, k), map.value(p, k));
      const { common, errors } = normalizeCommon(kw, loc, file, { map, modules: this.opts.modules });
      this.errors.push(...errors);
      if (common.conn) play.conn = common.conn;
      if (common.environment !== undefined) play.environment = common.environment;
      if (common.collections) play.collections = common.collections;
      const inherit: NonNullable<Play['inherit']> = {};
      for (const k of ['ignoreErrors', 'ignoreUnreachable', 'noLog', 'checkMode', 'runOnce', 'templatedKeywords'] as const) {
        if (common[k] !== undefined) (inherit as Record<string, unknown>)[k] = common[k];
      }
      if (Object.keys(inherit).length) play.inherit = inherit;
      const c = common.conn?.connection;
      if (c !== undefined && !c.includes('{{')) play.connection = connectionKind(c);
    }
    if (p.order !== undefined && p.order !== null) {
      const orders = playKeywordsSchema.shape.order.unwrap().options;
      const order = playKeywordsSchema.shape.order.unwrap().safeParse(p.order);
      if (order.success) play.order = order.data;
      else this.err(`order must be one of ${orders.join(', ')}, got ${JSON.stringify(p.order)}`, map.value(p, 'order'), didYouMean(String(p.order), orders));
    }
    if (p.vars_prompt !== undefined && p.vars_prompt !== null) play.varsPrompt = this.varsPrompt(p, map);
    if (p.strategy !== undefined) {
      const strategies = playKeywordsSchema.shape.strategy.unwrap().options;
      const strategy = playKeywordsSchema.shape.strategy.unwrap().safeParse(p.strategy);
      if (strategy.success) play.strategy = strategy.data;
      else this.err(`unknown strategy '${String(p.strategy)}'`, map.value(p, 'strategy'), didYouMean(String(p.strategy), strategies) ?? `use ${strategies.join(' or ')}`);
    }
    if (p.serial !== undefined && p.serial !== null) {
      const items = Array.isArray(p.serial) ? p.serial : [p.serial];
      const serial: Array<number | string> = [];
      items.forEach((s, i) => {
        const sloc = Array.isArray(p.serial) ? map.value(p.serial, i) : map.value(p, 'serial');
        if (!serialItemSchema.safeParse(s).success) {
          this.err(`serial must be a positive number, a percentage like "30%", or a list of them; got ${JSON.stringify(s)}`, sloc);
        } else if (typeof s === 'string' && s.includes('%')) serial.push(s.replace(/\s/g, ''));
        else serial.push(Number(s));
      });
      play.serial = serial;
    }
    // gather_subset: a list of collector names (a string is one element, commas and all, as Ansible's
    // list keyword makes it); checked when facts are gathered, as in Ansible
    if (p.gather_subset !== undefined && p.gather_subset !== null) play.gatherSubset = strList('gather_subset');
    if (p.gather_timeout !== undefined && p.gather_timeout !== null) {
      const v = p.gather_timeout;
      if (!positiveWholeSchema.safeParse(v).success) this.err(`gather_timeout must be a whole number of seconds, got ${JSON.stringify(v)}`, map.value(p, 'gather_timeout'));
      else play.gatherTimeout = Number(v);
    }
    if (p.max_fail_percentage !== undefined && p.max_fail_percentage !== null) {
      const v = p.max_fail_percentage;
      if (!percentSchema.safeParse(v).success) this.err(`max_fail_percentage must be a number from 0 to 100, got ${JSON.stringify(v)}`, map.value(p, 'max_fail_percentage'));
      else play.maxFailPercentage = typeof v === 'number' ? v : Number.parseFloat(String(v));
    }

    const section = (k: 'pre_tasks' | 'tasks' | 'post_tasks' | 'handlers'): TaskNode[] => {
      // A scalar in place of the list has no position of its own in the source map: point at the keyword's value.
      if (p[k] !== undefined && p[k] !== null && (typeof p[k] !== 'object' || p[k] instanceof String)) {
        this.err(`${k} must be a list of tasks, got ${typeName(p[k])}`, map.value(p, k), `write each task as a list item: "- name: …"`);
        return [];
      }
      const r = normalizeTaskList(p[k], file, {
        map,
        modules: this.opts.modules,
        section: k === 'handlers' ? 'handlers' : 'tasks',
        includeDirs: [dir],
        warnings: this.warnings,
      });
      this.errors.push(...r.errors);
      if (p[k] !== undefined && p[k] !== null && !Array.isArray(p[k])) return [];
      return r.tasks;
    };
    play.preTasks = section('pre_tasks');
    play.tasks = section('tasks');
    play.postTasks = section('post_tasks');
    play.handlers = section('handlers').filter((t): t is ModuleTask => t.kind === 'module');
    play.roles = this.roles(p, map);
    return play;
  }

  /** `vars_prompt:` — a list of { name, prompt, default, private, confirm, unsafe, encrypt… }. */
  varsPrompt(p: Record<string, unknown>, map: SourceMap): VarsPrompt[] {
    const v = p.vars_prompt;
    if (!Array.isArray(v)) {
      this.err(`vars_prompt must be a list of { name: …, prompt: … }, got ${typeName(v)}`, map.value(p, 'vars_prompt'));
      return [];
    }
    const keys = new Set(Object.keys(varsPromptSchema.shape));
    const out: VarsPrompt[] = [];
    v.forEach((e, i) => {
      const loc = map.value(v, i);
      if (!isMapping(e) || typeof e.name !== 'string' || !e.name) {
        this.err('a vars_prompt entry needs `name: VARIABLE`', loc, 'vars_prompt: [{ name: release, prompt: "Release?", default: "1.0" }]');
        return;
      }
      for (const k of Object.keys(e)) if (!keys.has(k)) this.err(`unknown vars_prompt key '${k}'`, map.key(e, k), didYouMean(k, [...keys]));
      const flag = (k: string, dflt: boolean): boolean => {
        if (e[k] === undefined || e[k] === null) return dflt;
        const error = boolError(k, e[k]);
        if (error) this.err(error.message, map.value(e, k), error.hint);
        return ansibleBoolean(e[k]) ?? dflt;
      };
      const entry: VarsPrompt = { name: e.name, private: flag('private', true), confirm: flag('confirm', false), unsafe: flag('unsafe', false), loc: map.of(e, loc) };
      if (typeof e.prompt === 'string') entry.prompt = e.prompt;
      if (e.default !== undefined) entry.default = e.default;
      if (e.encrypt !== undefined && e.encrypt !== null) {
        if (typeof e.encrypt !== 'string') this.err(`vars_prompt encrypt must be a passlib scheme name, got ${typeName(e.encrypt)}`, map.value(e, 'encrypt'));
        else entry.encrypt = e.encrypt;
      }
      if (e.salt !== undefined && e.salt !== null) entry.salt = String(e.salt);
      if (e.salt_size !== undefined && e.salt_size !== null) {
        if (typeof e.salt_size !== 'number' || !Number.isInteger(e.salt_size) || e.salt_size < 0)
          this.err(`vars_prompt salt_size must be a whole number, got ${JSON.stringify(e.salt_size)}`, map.value(e, 'salt_size'));
        else entry.saltSize = e.salt_size;
      }
      out.push(entry);
    });
    return out;
  }

  roles(p: Record<string, unknown>, map: SourceMap): RoleTask[] {
    const v = p.roles;
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.err(`roles must be a list, got ${typeName(v)}`, map.value(p, 'roles'));
      return [];
    }
    const { calls, errors } = normalizeRoleEntries(v, map, { modules: this.opts.modules });
    this.errors.push(...errors);
    return calls;
  }
}

/**
 * Load a playbook: YAML with positions → validated model. Every problem (YAML syntax, unknown
 * keys and modules, module args, expressions, templates, includes, roles, handlers) is collected
 * and thrown at once as TsplayErrors, each `FILE:LINE:COL: message` with a hint.
 */
export async function loadPlaybook(file: string, opts: LoadPlaybookOptions = {}): Promise<Playbook> {
  if (file.trim() === '') throw new TsplayError('USAGE', "the playbook path '' is empty", { hint: 'name the playbook file: tsplay run site.yml' });
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new TsplayErrors([new TsplayError('VALIDATION', `playbook not found: ${file}`, { location: { file } })]);
  // Modules of the shipped packages and of the project's tsplay.config.* exist before tasks are read.
  await loadPlugins(path.dirname(abs));
  const loader = new PlaybookLoader(opts);
  const plays = loader.file(abs, [abs]);
  const errors = loader.errors;
  const dir = path.dirname(abs);
  if (opts.checkRoles !== false) {
    const searchPaths = opts.rolePaths ?? roleSearchPaths(dir);
    const cache = new Map<string, LoadedRole | null>();
    for (const play of plays) {
      const sections = [play.preTasks, play.roles, play.tasks, play.postTasks];
      const calls = sections.flatMap((s) => [...roleCalls(s)]);
      const roles: LoadedRole[] = [];
      const visit = async (call: RoleTask, paths: string[], chain: string[]): Promise<void> => {
        if (!call.roleName || call.roleName.includes('{{')) return;
        const key = `${paths[0] === searchPaths[0] && paths.length === searchPaths.length ? '' : paths.join(':')}\0${call.roleName}`;
        if (!cache.has(key)) {
          try {
            const role = await loadRole(call.roleName, paths, { modules: opts.modules, from: call.loc });
            loader.warnings.push(...(role.warnings ?? []));
            cache.set(key, role);
          } catch (e) {
            cache.set(key, null);
            if (e instanceof TsplayErrors) errors.push(...e.errors);
            else if (e instanceof TsplayError) errors.push(e);
            else throw e;
          }
        }
        const r = cache.get(key);
        if (!r) return;
        if (chain.includes(r.dir)) {
          errors.push(
            new TsplayError('VALIDATION', `role dependency loop: ${[...chain, r.dir].map((d) => path.basename(d)).join(' → ')}`, {
              location: call.loc,
              hint: "remove one of the dependencies in the roles' meta/main.yml",
            }),
          );
          return;
        }
        if (!roles.includes(r)) roles.push(r);
        for (const dep of r.dependencies ?? []) await visit(dep, dependencySearchPaths(r, searchPaths), [...chain, r.dir]);
      };
      for (const call of calls) await visit(call, searchPaths, []);
      const topics = handlerTopics([...play.handlers, ...roles.flatMap((r) => r.handlers)]);
      const tasks = [...sections.flatMap((s) => [...moduleTasks(s)]), ...play.handlers, ...roles.flatMap((r) => [...moduleTasks(r.tasks ?? []), ...r.handlers])];
      errors.push(...checkNotifies(tasks, topics));
    }
  } else {
    for (const play of plays) {
      const topics = handlerTopics(play.handlers);
      errors.push(
        ...checkNotifies(
          [play.preTasks, play.tasks, play.postTasks, play.handlers].flatMap((s) => [...moduleTasks(s)]),
          topics,
        ),
      );
    }
  }
  if (errors.length) throw new TsplayErrors(dedupe(errors));
  return { path: abs, dir, plays, warnings: loader.warnings };
}

/** Drop repeats; order by file (first appearance), then line and column. */
function dedupe(errors: TsplayError[]): TsplayError[] {
  const seen = new Set<string>();
  const unique = errors.filter((e) => {
    const k = formatError(e);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const fileOrder = new Map<string, number>();
  for (const e of unique) if (!fileOrder.has(e.location?.file ?? '')) fileOrder.set(e.location?.file ?? '', fileOrder.size);
  return unique
    .map((e, i) => ({ e, i }))
    .sort((a, b) => {
      const la = a.e.location;
      const lb = b.e.location;
      return fileOrder.get(la?.file ?? '')! - fileOrder.get(lb?.file ?? '')! || (la?.line ?? 0) - (lb?.line ?? 0) || (la?.col ?? 0) - (lb?.col ?? 0) || a.i - b.i;
    })
    .map((x) => x.e);
}
