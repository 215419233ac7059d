import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BlockTask, ConnectionKeywords, IncludeTask, LoopFields, ModuleTask, RoleInstanceRef, RoleTask, TaskCommon, TaskNode, TemplatedKeyword } from '../config/model.js';
import { connectionKind } from '../config/connection-names.js';
import { isAnsibleIdentifier, pythonStr } from '../config/identifier.js';
import { BLOCK_KEYWORDS, ROLE_ENTRY_KEYWORDS, TASK_KEYWORDS, UNSUPPORTED_KEYWORDS } from '../config/schemas.js';
import {
  acceptsTemplate,
  ansibleBoolSchema,
  applyKeywordsSchema,
  BOOL_HINT,
  importTasksKeywordsSchema,
  includeTasksKeywordsSchema,
  includeTasksOptionsSchema,
  loopControlSchema,
  metaKeywordsSchema,
  nonNegativeSchema,
  portSchema,
  roleReferenceSchema,
} from '../config/keywords.js';
import { TsplayError, TsplayErrors, type SourceLocation } from '../errors.js';
import { ansibleBoolean } from '../config/boolean.js';
import { findModule, moduleNames } from '../modules/registry.js';
import type { ModuleDef } from '../modules/types.js';
import { checkExpression } from '../template/conditions.js';
import { checkTemplate, checkTemplateFile, hasLookup, hasTemplate, lookupNames } from '../template/render.js';

/** Template files already compiled in this process (a role used by several plays is checked once). */
const checkedTemplateFiles = new Map<string, TsplayError[]>();
import { nulBytePath, parseStringArgs, validateModuleArgs } from './args.js';
import { parseKv, splitArgs, SplitArgsError } from './splitter.js';
import { didYouMean, suggest } from './suggest.js';
import { readYamlFile, SourceMap } from './yaml.js';
import { isUnsafe, plainValue, unsafeDeep } from '../config/unsafe.js';

/** Where module definitions come from (the registry by default; tests pass their own). */
export interface ModuleLookup {
  find(name: string): ModuleDef | undefined;
  names(): string[];
}

export const registryModules: ModuleLookup = { find: findModule, names: moduleNames };

export interface NormalizeOptions {
  /** Positions of the raw objects (YAML); without it every location is `fallback` / the file. */
  map?: SourceMap;
  role?: RoleInstanceRef;
  /** `handlers` lists accept `listen:` and only module tasks. */
  section?: 'tasks' | 'handlers';
  modules?: ModuleLookup;
  /** Directories `include_tasks` paths are tried against, first match wins (default: the file's dir). */
  includeDirs?: string[];
  /** Files currently being included (cycle detection). */
  includeStack?: string[];
  /** Where the YAML reader's warnings (duplicate keys) of included task files go. */
  warnings?: string[];
  /**
   * A file included at run time: a task's module arguments are checked when the task runs, as
   * ansible-core does (a task the host never reaches, say under `when: false`, does not fail the
   * include). `tsplay validate` still reports them.
   */
  deferArgErrors?: boolean;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TASK_KW = new Set<string>(TASK_KEYWORDS);
const BLOCK_KW = new Set<string>(BLOCK_KEYWORDS);
/** Keywords whose values are data or tasks, where an `!unsafe` mark must stay. */
const KEEP_UNSAFE = new Set(['vars', 'args', 'block', 'rescue', 'always', 'loop', 'with_items', 'with_list']);
/** include_role / import_role options that are not role params. */
const ROLE_REF_KEYS = new Set(Object.keys(roleReferenceSchema.shape));
/** Keywords an include's `apply:` (and an include_role task) takes: a block's, without its task lists. */
const APPLY_KW = Object.keys(applyKeywordsSchema.shape);

/**
 * The error for a boolean keyword's value (its schema, config/keywords.ts, decides what is a
 * boolean); undefined when the value is one. Only a keyword Ansible templates hints at a template.
 */
export function boolError(k: string, v: unknown): { message: string; hint: string } | undefined {
  const r = ansibleBoolSchema.safeParse(v);
  if (r.success) return undefined;
  return { message: `'${k}' ${r.error.issues[0]?.message ?? 'must be true or false'}`, hint: acceptsTemplate(k) ? `${BOOL_HINT} (or a template)` : BOOL_HINT };
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof String);
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `a ${typeof v}`;
}

/** Collects errors while normalizing one file's worth of tasks. */
class Normalizer {
  readonly errors: TsplayError[] = [];
  readonly map: SourceMap;
  readonly modules: ModuleLookup;

  constructor(
    readonly file: string,
    readonly opts: NormalizeOptions,
  ) {
    this.map = opts.map ?? new SourceMap(file);
    this.modules = withCollectionNames(opts.modules ?? registryModules);
  }

  err(message: string, location: SourceLocation, hint?: string, code: 'VALIDATION' | 'PARSE' = 'VALIDATION'): void {
    this.errors.push(new TsplayError(code, message, { location, hint }));
  }

  list(raw: unknown, where: SourceLocation, what = 'tasks'): TaskNode[] {
    if (raw === null || raw === undefined) return [];
    if (!Array.isArray(raw)) {
      this.err(`${what} must be a list of tasks, got ${typeName(raw)}`, where, `write each task as a list item: "- name: …"`);
      return [];
    }
    const out: TaskNode[] = [];
    for (const [i, t] of raw.entries()) out.push(...this.task(t, this.map.value(raw, i)));
    return out;
  }

  // ---- value helpers ------------------------------------------------------------------------

  str(t: Record<string, unknown>, k: string): string | undefined {
    const v = t[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    this.err(`'${k}' must be a string, got ${typeName(v)}`, this.map.value(t, k));
    return undefined;
  }

  /** `register:` as ansible-core checks it: Python's str() of the value must be a variable name (so `register: yes` is 'True', refused). */
  register(t: Record<string, unknown>): string | undefined {
    const v = t.register;
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      this.err(`'register' must be a variable name, got ${typeName(v)}`, this.map.value(t, 'register'));
      return undefined;
    }
    const name = pythonStr(v);
    if (isAnsibleIdentifier(name)) return name;
    this.err(
      `Invalid variable name in 'register' specified: '${name}'`,
      this.map.value(t, 'register'),
      'use letters, digits and _ (not starting with a digit, not a Python keyword such as True or class), e.g. register: result',
    );
    return undefined;
  }

  bool(t: Record<string, unknown>, k: string): boolean | undefined {
    const v = t[k];
    if (v === undefined || v === null) return undefined;
    const error = boolError(k, v);
    if (error === undefined) return ansibleBoolean(v);
    this.err(error.message, this.map.value(t, k), error.hint);
    return undefined;
  }

  /** A boolean keyword Ansible templates: a literal, or the template text kept for the engine to render per host. */
  templatedBool(t: Record<string, unknown>, k: string, field: TemplatedKeyword, c: TaskCommon): boolean | undefined {
    const v = t[k];
    if (typeof v === 'string' && hasTemplate(v)) {
      this.errors.push(...checkTemplate(v, this.map.value(t, k)));
      c.templatedKeywords = { ...c.templatedKeywords, [field]: v };
      return undefined;
    }
    return this.bool(t, k);
  }

  num(t: Record<string, unknown>, k: string): number | undefined {
    const v = t[k];
    if (v === undefined || v === null) return undefined;
    if (nonNegativeSchema.safeParse(v).success) return Number(v);
    this.err(`'${k}' must be a non-negative number, got ${JSON.stringify(v)}`, this.map.value(t, k));
    return undefined;
  }

  strList(t: Record<string, unknown>, k: string, splitComma = false): string[] {
    const v = t[k];
    if (v === undefined || v === null) return [];
    const one = (x: unknown, i?: number): string[] => {
      if (typeof x === 'string')
        return splitComma
          ? x
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : [x];
      if (typeof x === 'number') return [String(x)];
      this.err(`'${k}' must be a string or a list of strings, got ${typeName(x)}`, i === undefined ? this.map.value(t, k) : this.map.value(v, i));
      return [];
    };
    return Array.isArray(v) ? v.flatMap((x, i) => one(x, i)) : one(v);
  }

  /** `when` / `changed_when` / `failed_when`: string, bool or a list of them (AND). */
  conditions(t: Record<string, unknown>, k: string): string[] | undefined {
    const v = t[k];
    if (v === undefined || v === null) return undefined;
    const items = Array.isArray(v) ? v : [v];
    const out: string[] = [];
    items.forEach((x, i) => {
      const loc = Array.isArray(v) ? this.map.value(v, i) : this.map.value(t, k);
      if (typeof x === 'boolean') out.push(x ? 'true' : 'false');
      else if (typeof x === 'string') {
        out.push(x);
        this.errors.push(...checkExpression(x, loc));
        // ansible-core warns each time it evaluates such a condition; tsplay says it once, at load
        if (/\{\{|\{%/.test(x))
          this.opts.warnings?.push(
            `${loc.file}:${loc.line}:${loc.col}: conditional statements should not include jinja2 templating delimiters such as {{ }} or {% %}. Found: ${x}`,
          );
      } else this.err(`'${k}' must be a condition (string or true/false), got ${typeName(x)}`, loc);
    });
    return out;
  }

  vars(t: Record<string, unknown>, k = 'vars'): Record<string, unknown> {
    const v = t[k];
    if (v === undefined || v === null) return {};
    if (!isMapping(v)) {
      this.err(`'${k}' must be a mapping of names to values, got ${typeName(v)}`, this.map.value(t, k));
      return {};
    }
    for (const name of Object.keys(v)) {
      if (!isAnsibleIdentifier(name)) this.err(`variable name '${name}' is not valid`, this.map.key(v, name), 'use letters, digits and _ (not starting with a digit)');
    }
    this.errors.push(...checkTemplate(v, this.map.value(t, k)));
    return v;
  }

  /** Fields shared by all task kinds. */
  common(t: Record<string, unknown>, loc: SourceLocation): TaskCommon {
    const c: TaskCommon = {
      loc,
      when: this.conditions(t, 'when') ?? [],
      tags: this.strList(t, 'tags', true),
      vars: this.vars(t),
    };
    const name = this.str(t, 'name');
    if (name !== undefined) {
      c.name = name;
      this.errors.push(...checkTemplate(name, this.map.value(t, 'name')));
    }
    const become = this.templatedBool(t, 'become', 'become', c);
    if (become !== undefined) c.become = become;
    const bu = this.str(t, 'become_user');
    if (bu !== undefined) {
      c.becomeUser = bu;
      this.errors.push(...checkTemplate(bu, this.map.value(t, 'become_user')));
    }
    const conn = this.connectionKeywords(t);
    if (conn) c.conn = conn;
    if (t.environment !== undefined && t.environment !== null) {
      const env = t.environment;
      const eloc = this.map.value(t, 'environment');
      const ok = (v: unknown) => isMapping(v) || (typeof v === 'string' && hasTemplate(v));
      if (!(ok(env) || (Array.isArray(env) && env.every(ok)))) {
        this.err(
          `'environment' must be a mapping of variable names to values (or a template of one), got ${typeName(env)}`,
          eloc,
          'environment: { HTTP_PROXY: "http://proxy:3128" }',
        );
      } else {
        c.environment = env;
        this.errors.push(...checkTemplate(env, eloc));
      }
    }
    if (t.throttle !== undefined && t.throttle !== null) {
      const n = this.num(t, 'throttle');
      if (n !== undefined && Number.isInteger(n)) c.throttle = n;
      else if (n !== undefined) this.err(`'throttle' must be a whole number`, this.map.value(t, 'throttle'));
    }
    if (t.collections !== undefined && t.collections !== null) c.collections = this.strList(t, 'collections');
    const ie = this.templatedBool(t, 'ignore_errors', 'ignoreErrors', c);
    if (ie !== undefined) c.ignoreErrors = ie;
    const iu = this.templatedBool(t, 'ignore_unreachable', 'ignoreUnreachable', c);
    if (iu !== undefined) c.ignoreUnreachable = iu;
    const ro = this.templatedBool(t, 'run_once', 'runOnce', c);
    if (ro !== undefined) c.runOnce = ro;
    const dt = this.str(t, 'delegate_to');
    if (dt !== undefined) c.delegateTo = dt;
    const df = this.bool(t, 'delegate_facts');
    if (df !== undefined) c.delegateFacts = df;
    const nl = this.templatedBool(t, 'no_log', 'noLog', c);
    if (nl !== undefined) c.noLog = nl;
    const cm = this.templatedBool(t, 'check_mode', 'checkMode', c);
    if (cm !== undefined) c.checkMode = cm;
    const aef = this.templatedBool(t, 'any_errors_fatal', 'any_errors_fatal', c);
    if (aef !== undefined) c.any_errors_fatal = aef;
    if (this.opts.role) c.role = this.opts.role;
    return c;
  }

  /** remote_user, port, connection, become_method/flags/exe (literal or templated; checked here, rendered per host). */
  connectionKeywords(t: Record<string, unknown>): ConnectionKeywords | undefined {
    const c: ConnectionKeywords = {};
    const text = (k: string): string | undefined => {
      const v = this.str(t, k);
      if (v !== undefined) this.errors.push(...checkTemplate(v, this.map.value(t, k)));
      return v;
    };
    const ru = text('remote_user');
    if (ru !== undefined) c.remoteUser = ru;
    if (t.port !== undefined && t.port !== null) {
      const v = t.port;
      if (portSchema.safeParse(v).success) c.port = Number(v);
      else if (typeof v === 'string' && hasTemplate(v)) c.port = text('port');
      else this.err(`'port' must be a port number from 1 to 65535, got ${JSON.stringify(v)}`, this.map.value(t, 'port'));
    }
    // Python's str() of the value, as ansible-core names it ('True' for yes)
    const cn = typeof t.connection === 'boolean' ? pythonStr(t.connection) : text('connection');
    if (cn !== undefined) {
      if (!hasTemplate(cn) && connectionKind(cn) === undefined) {
        this.err(`connection '${cn}' is not supported`, this.map.value(t, 'connection'), 'tsplay connects with ssh (also paramiko, smart) or runs locally (local)');
      } else c.connection = cn;
    }
    // a become_method tsplay has no plugin for fails the tasks that become, when they run (as in ansible-core)
    const bm = text('become_method');
    if (bm !== undefined) c.becomeMethod = typeof t.become_method === 'boolean' ? pythonStr(t.become_method) : bm;
    const bf = text('become_flags');
    if (bf !== undefined) c.becomeFlags = bf;
    const be = text('become_exe');
    if (be !== undefined) c.becomeExe = be;
    return Object.keys(c).length ? c : undefined;
  }

  /** Report keys that are not allowed here; `extra` are candidates for suggestions. */
  unknownKeys(t: Record<string, unknown>, allowed: Set<string>, what: string, extra: string[] = []): void {
    for (const k of Object.keys(t)) {
      if (allowed.has(k)) continue;
      const loc = this.map.key(t, k);
      if (Object.hasOwn(UNSUPPORTED_KEYWORDS, k)) {
        this.err(`'${k}' is not supported by tsplay`, loc, UNSUPPORTED_KEYWORDS[k]);
        continue;
      }
      if (this.modules.find(k)) {
        this.err(`${what} cannot also call a module ('${k}')`, loc, what === 'a block' ? 'move the module call into a task inside block:' : 'put it in a task of its own');
        continue;
      }
      if (TASK_KW.has(k) || BLOCK_KW.has(k)) {
        this.err(`'${k}' is not valid on ${what}`, loc);
        continue;
      }
      this.err(`unknown keyword '${k}' on ${what}`, loc, didYouMean(k, [...allowed, ...extra]));
    }
  }

  // ---- tasks ----------------------------------------------------------------------------------

  task(t: unknown, where: SourceLocation): TaskNode[] {
    if (!isMapping(t)) {
      this.err(
        `a task must be a mapping, got ${typeName(t)}${typeof t === 'string' ? ` (${JSON.stringify(t.length > 40 ? t.slice(0, 40) + '…' : t)})` : ''}`,
        where,
        'write a task as "- name: …" followed by the module: "  command: …"',
      );
      return [];
    }
    const loc = this.map.of(t, where);
    // `name: !unsafe "…"`, `when: !unsafe …`: a keyword takes the text (module args and vars keep
    // the mark, which is what stops templating).
    for (const k of Object.keys(t)) if ((TASK_KW.has(k) || BLOCK_KW.has(k)) && !KEEP_UNSAFE.has(k)) t[k] = plainValue(t[k]);
    if ('block' in t) return [this.block(t, loc)];
    for (const k of ['meta', 'ansible.builtin.meta', 'ansible.legacy.meta']) {
      if (k in t) {
        const m = this.metaTask(t, k, loc);
        return m ? [m] : [];
      }
    }
    for (const k of ['include_role', 'import_role', 'ansible.builtin.include_role', 'ansible.builtin.import_role']) {
      if (k in t) return [this.includeRole(t, k, loc)];
    }
    for (const k of ['include_tasks', 'ansible.builtin.include_tasks', 'ansible.legacy.include_tasks']) {
      if (k in t) return this.dynamicInclude(t, k, loc);
    }
    for (const k of ['import_tasks', 'ansible.builtin.import_tasks', 'ansible.legacy.import_tasks']) {
      if (k in t) return this.includeTasks(t, k, loc);
    }
    for (const k of ['include', 'ansible.builtin.include', 'ansible.legacy.include']) {
      if (!(k in t)) continue;
      // ansible-core 2.14's `include:` is static unless its name is a template or it loops (helpers.load_list_of_tasks)
      const spec = t[k];
      const ref = typeof spec === 'string' ? (spec.trim().split(/\s+/)[0] ?? '') : '';
      const loops = Object.keys(t).some((x) => x === 'loop' || x.startsWith('with_'));
      return hasTemplate(ref) || loops || typeof spec !== 'string' ? this.dynamicInclude(t, k, loc) : this.includeTasks(t, k, loc);
    }
    const m = this.moduleTask(t, loc);
    return m ? [m] : [];
  }

  block(t: Record<string, unknown>, loc: SourceLocation): BlockTask {
    this.unknownKeys(t, BLOCK_KW, 'a block');
    if (this.opts.section === 'handlers') this.err('handlers must be module tasks, not blocks', loc);
    const b: BlockTask = {
      kind: 'block',
      ...this.common(t, loc),
      block: this.list(t.block, this.map.value(t, 'block'), 'block'),
      rescue: this.list(t.rescue, this.map.value(t, 'rescue'), 'rescue'),
      always: this.list(t.always, this.map.value(t, 'always'), 'always'),
    };
    if (t.notify !== undefined && t.notify !== null) {
      b.notify = this.strList(t, 'notify');
      for (const n of b.notify) this.errors.push(...checkTemplate(n, this.map.value(t, 'notify')));
      for (const inner of moduleTasks([...b.block, ...b.rescue, ...b.always])) if (!notifyLocs.has(inner)) notifyLocs.set(inner, this.map.value(t, 'notify'));
    }
    if (!Array.isArray(t.block) || t.block.length === 0) {
      if (Array.isArray(t.block)) this.err('block is empty', this.map.value(t, 'block'), 'a block needs at least one task');
    }
    return b;
  }

  includeRole(t: Record<string, unknown>, key: string, loc: SourceLocation): RoleTask {
    const allowed = new Set<string>([key, ...APPLY_KW]);
    const dynamicRole = key.endsWith('include_role');
    if (dynamicRole) for (const k of Object.keys(t)) if (k === 'loop' || k === 'loop_control' || k.startsWith('with_')) allowed.add(k);
    if (dynamicRole) allowed.add('register');
    this.unknownKeys(t, allowed, `an ${key.replace('ansible.builtin.', '')} task`);
    const spec = typeof t[key] === 'string' ? this.roleKv(t[key] as string, key, this.map.value(t, key)) : t[key];
    const common = this.common(t, loc);
    let roleName = '';
    let params: Record<string, unknown> = {};
    if (spec === undefined) {
      // roleKv said why
    } else if (isMapping(spec)) {
      const n = spec.name ?? spec.role;
      if (typeof n !== 'string' || n === '') this.err(`${key} needs the role's name: ${key}: { name: ROLE }`, this.map.value(t, key));
      else roleName = n;
      // ansible-core's IncludeRole takes only its own options: role params and vars go in the task's vars:
      const bad = Object.keys(spec).filter((k) => !ROLE_REF_KEYS.has(k));
      if (bad.length)
        this.err(
          `Invalid options for ${key.replace(/^ansible\.(builtin|legacy)\./, '')}: ${bad.join(',')}`,
          this.map.key(spec, bad[0]!),
          `${key} takes ${[...ROLE_REF_KEYS].join(', ')}; give the role's variables in the task's vars: (beside ${key}:)`,
        );
    } else {
      this.err(`${key} needs a role name, got ${typeName(spec)}`, this.map.value(t, key));
    }
    const dynamic = key.endsWith('include_role');
    if (!dynamic && hasTemplate(roleName))
      this.err(`the role name of ${key} cannot be a template`, this.map.value(t, key), 'import_role is static: name the role literally, or use include_role');
    if (hasTemplate(roleName)) this.errors.push(...checkTemplate(roleName, this.map.value(t, key)));
    params = { ...params, ...common.vars };
    this.errors.push(...checkTemplate(params, this.map.value(t, key)));
    const call: RoleTask = { kind: 'role', ...common, roleName, params };
    if (dynamic) call.dynamic = true;
    const reg = dynamic ? this.register(t) : undefined;
    if (reg !== undefined) call.register = reg;
    if (dynamic && Object.keys(t).some((k) => k === 'loop' || k.startsWith('with_'))) {
      const lf: LoopFields = { loopVar: 'item' };
      this.loopFields(t, lf);
      if (lf.loop !== undefined || lf.loopWith !== undefined) call.itemLoop = lf;
    }
    if (isMapping(spec)) {
      const from = (k: string): string | undefined => {
        const v = spec[k];
        if (v === undefined || v === null) return undefined;
        if (typeof v !== 'string' || v === '') {
          this.err(`'${k}' of ${key} must be a file name, got ${typeName(v)}`, this.map.value(spec, k));
          return undefined;
        }
        this.errors.push(...checkTemplate(v, this.map.value(spec, k)));
        return v;
      };
      const tf = from('tasks_from');
      if (tf) call.tasksFrom = tf;
      const vf = from('vars_from');
      if (vf) call.varsFrom = vf;
      const df = from('defaults_from');
      if (df) call.defaultsFrom = df;
      const hf = from('handlers_from');
      if (hf) call.handlersFrom = hf;
      if (spec.apply !== undefined && spec.apply !== null) {
        if (!dynamic)
          this.err(`Invalid options for ${key}: apply`, this.map.key(spec, 'apply'), 'apply is for include_role (import_role is static: put the keywords on the import_role task)');
        else if (!isMapping(spec.apply)) this.err(`Expected a dict for apply but got ${typeName(spec.apply)} instead`, this.map.value(spec, 'apply'));
        else {
          this.unknownKeys(spec.apply, new Set(APPLY_KW), `'apply' of ${key}`);
          this.common(spec.apply, this.map.value(spec, 'apply'));
          call.apply = spec.apply;
        }
      }
      for (const [k, field] of [
        ['public', 'public'],
        ['allow_duplicates', 'allowDuplicates'],
        ['rolespec_validate', 'rolespecValidate'],
      ] as const) {
        const b = this.bool(spec, k);
        if (b !== undefined) call[field] = b;
      }
    }
    return call;
  }

  /** `include_role: name=ROLE tasks_from=…` as Ansible's parse_kv reads it; a bare word is not a name there. */
  roleKv(text: string, key: string, loc: SourceLocation): Record<string, unknown> | undefined {
    let kv: ReturnType<typeof parseKv>;
    try {
      kv = parseKv(text);
    } catch (e) {
      if (!(e instanceof SplitArgsError)) throw e;
      this.err(`${key}: ${e.message}`, loc, 'close the quote or the {{ }}');
      return undefined;
    }
    const short = key.replace(/^ansible\.(builtin|legacy)\./, '');
    if (kv.raw !== undefined || (kv.options.name === undefined && kv.options.role === undefined)) {
      this.err(`'name' is a required field for ${short}.`, loc, `write ${short}: name=${kv.raw ?? 'ROLE'}, or ${short}: { name: ${kv.raw ?? 'ROLE'} }`);
      return undefined;
    }
    return kv.options;
  }

  includeTasks(t: Record<string, unknown>, key: string, loc: SourceLocation): TaskNode[] {
    const allowed = new Set<string>([key, ...Object.keys(importTasksKeywordsSchema.shape)]);
    this.unknownKeys(t, allowed, `an ${key.replace('ansible.builtin.', '')} task`);
    const spec = t[key];
    const fileRef = typeof spec === 'string' ? spec : isMapping(spec) && typeof spec.file === 'string' ? spec.file : undefined;
    const refLoc = this.map.value(t, key);
    const common = this.common(t, loc);
    if (fileRef === undefined) {
      this.err(`${key} needs a file name: ${key}: FILE.yml`, refLoc);
      return [];
    }
    if (fileRef.includes('{{')) {
      this.err(`the file of ${key} cannot be a template`, refLoc, 'tsplay includes task files statically, when the playbook loads');
      return [];
    }
    const dirs = this.opts.includeDirs?.length ? this.opts.includeDirs : [path.dirname(this.file)];
    const candidates = path.isAbsolute(fileRef) ? [fileRef] : dirs.map((d) => path.resolve(d, fileRef));
    const target = candidates.find((c) => fileExists(c)) ?? candidates[0]!;
    const stack = this.opts.includeStack ?? [path.resolve(this.file)];
    if (stack.includes(target)) {
      this.err(`${key} of ${fileRef} includes itself`, refLoc, `include chain: ${[...stack, target].map((f) => path.basename(f)).join(' → ')}`);
      return [];
    }
    if (!fileExists(target)) {
      this.err(`${key}: file not found: ${fileRef}`, refLoc, `looked in ${dirs.join(', ')}`);
      return [];
    }
    const parsed = readYamlFile(target, refLoc);
    this.errors.push(...parsed.errors);
    this.opts.warnings?.push(...parsed.warnings);
    if (parsed.errors.length) return [];
    const sub = new Normalizer(target, {
      ...this.opts,
      map: parsed.map,
      includeDirs: [path.dirname(target), ...dirs.filter((d) => d !== path.dirname(target))],
      includeStack: [...stack, target],
    });
    const tasks = sub.list(parsed.value, { file: target, line: 1, col: 1 });
    this.errors.push(...sub.errors);
    const hasKeywords = common.when.length > 0 || common.tags.length > 0 || Object.keys(common.vars).length > 0 || Object.keys(t).some((k) => !['name', key].includes(k));
    if (!hasKeywords) return tasks;
    const b: BlockTask = { kind: 'block', ...common, block: tasks, rescue: [], always: [] };
    if (!b.name) b.name = `${key.replace('ansible.builtin.', '')}: ${fileRef}`;
    return [b];
  }

  /**
   * `include_tasks: FILE` (free form or `file:`), and a dynamic `include:`: a node the engine loads
   * when a host reaches it. Only the include's own keywords are checked here; the file is read then.
   */
  dynamicInclude(t: Record<string, unknown>, key: string, loc: SourceLocation): TaskNode[] {
    // tsplay's handlers are module tasks: an include in a handlers list is read now, its tasks become handlers
    if (this.opts.section === 'handlers') return this.includeTasks(t, key, loc);
    const allowed = new Set<string>([key, ...Object.keys(includeTasksKeywordsSchema.shape)]);
    const extra = Object.keys(t).filter((k) => k.startsWith('with_'));
    this.unknownKeys(t, new Set([...allowed, ...extra]), `an ${key.replace(/^ansible\.(builtin|legacy)\./, '')} task`);
    const spec = t[key];
    const refLoc = this.map.value(t, key);
    let file: string | undefined;
    let apply: Record<string, unknown> | undefined;
    if (typeof spec === 'string' && spec.trim() !== '') file = spec.trim();
    else if (isMapping(spec) || ((spec === null || spec === undefined) && isMapping(t.args))) {
      const m = (isMapping(spec) ? spec : t.args) as Record<string, unknown>;
      for (const k of Object.keys(m)) {
        if (!Object.hasOwn(includeTasksOptionsSchema.shape, k))
          this.err(`Invalid options for ${key}: ${k}`, this.map.key(m, k), didYouMean(k, ['file', 'apply']) ?? `${key} takes file: and apply:`);
      }
      const f = m.file ?? m._raw_params;
      if (typeof f === 'string' && f.trim() !== '') file = f.trim();
      if (m.apply !== undefined && m.apply !== null) {
        if (!isMapping(m.apply)) this.err(`Expected a dict for apply but got ${typeName(m.apply)} instead`, this.map.value(m, 'apply'));
        else {
          this.unknownKeys(m.apply, new Set(APPLY_KW), `'apply' of ${key}`);
          apply = m.apply;
        }
      }
    }
    if (file === undefined) {
      this.err(`No file specified for ${key.replace(/^ansible\.(builtin|legacy)\./, '')}`, refLoc, `${key}: FILE.yml, or ${key}: { file: FILE.yml }`);
      return [];
    }
    this.errors.push(...checkTemplate(file, refLoc));
    const common = this.common(t, loc);
    const dirs = this.opts.includeDirs?.length ? this.opts.includeDirs : [path.dirname(this.file)];
    const here = path.dirname(path.resolve(this.file));
    const node: IncludeTask = {
      kind: 'include',
      ...common,
      action: key,
      file,
      searchDirs: [...new Set([here, ...dirs.map((d) => path.resolve(d))])],
      includeStack: this.opts.includeStack ?? [path.resolve(this.file)],
      loopVar: 'item',
    };
    if (apply) node.apply = apply;
    if (this.opts.section) node.section = this.opts.section;
    this.loopFields(t, node);
    const reg = this.register(t);
    if (reg !== undefined) node.register = reg;
    return [node];
  }

  /** `meta: ACTION`: run by the engine itself (flush_handlers, end_play, end_host…), never by a module. */
  metaTask(t: Record<string, unknown>, key: string, loc: SourceLocation): ModuleTask | undefined {
    const allowed = new Set<string>([key, ...Object.keys(metaKeywordsSchema.shape)]);
    this.unknownKeys(t, allowed, 'a meta task');
    const action = t[key];
    const aloc = this.map.value(t, key);
    const common = this.common(t, loc);
    if (typeof action !== 'string' || !META_ACTIONS.includes(action as MetaAction)) {
      this.err(
        `invalid meta action requested: ${typeof action === 'string' ? action : typeName(action)}`,
        aloc,
        didYouMean(String(action), META_ACTIONS) ?? `meta takes one of ${META_ACTIONS.join(', ')}`,
      );
      return undefined;
    }
    if (this.opts.section === 'handlers' && action === 'flush_handlers') this.err('flush_handlers cannot be used as a handler', aloc);
    return {
      kind: 'module',
      ...common,
      module: 'meta',
      moduleAs: key,
      args: { _raw_params: action },
      notify: [],
      listen: this.opts.section === 'handlers' ? this.strList(t, 'listen') : [],
      loopVar: 'item',
    };
  }

  /** A template task's src must exist (where the engine will look for it) and compile. */
  private templateSource(src: string, loc: SourceLocation): void {
    if (hasTemplate(src)) return;
    const here = path.dirname(this.file);
    const bases = [...(this.opts.role ? [this.opts.role.dir] : []), here, path.dirname(here), ...(this.opts.includeDirs ?? [])];
    const candidates = path.isAbsolute(src) ? [src] : [...new Set(bases.flatMap((b) => [path.join(b, 'templates', src), path.join(b, src)]))];
    const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
    if (!found) {
      this.err(`template file '${src}' not found`, loc, `looked in: ${candidates.slice(0, 6).join(', ')}`);
      return;
    }
    const st = statSync(found);
    const key = `${found}\0${st.mtimeMs}\0${st.size}`;
    let errs = checkedTemplateFiles.get(key);
    if (!errs) {
      errs = checkTemplateFile(readFileSync(found, 'utf8'), found);
      if (checkedTemplateFiles.size > 500) checkedTemplateFiles.clear();
      checkedTemplateFiles.set(key, errs);
    }
    this.errors.push(...errs);
  }

  moduleTask(t: Record<string, unknown>, loc: SourceLocation): ModuleTask | undefined {
    const keys = Object.keys(t);
    const moduleKeys: string[] = [];
    const unknown: string[] = [];
    for (const k of keys) {
      if (k === 'listen' && this.opts.section !== 'handlers') {
        unknown.push(k);
        continue;
      }
      if (TASK_KW.has(k) || k.startsWith('with_')) continue;
      if (this.modules.find(k)) moduleKeys.push(k);
      else unknown.push(k);
    }
    let moduleAs: string | undefined;
    let rawArgs: unknown;
    let argsLoc: SourceLocation = loc;
    let delegateLocal = false;
    // `action: shell echo hi` / `local_action: …`: the module is the first word.
    for (const ak of ['action', 'local_action']) {
      if (!(ak in t)) continue;
      const v = t[ak];
      const vloc = this.map.value(t, ak);
      // Ansible's _split_module_string: split_args, the first word is the module, the rest its args.
      const splitModule = (text: string): [string, string] | undefined => {
        try {
          const words = splitArgs(text);
          return words.length ? [words[0]!.trim(), words.slice(1).join(' ')] : undefined;
        } catch (e) {
          if (!(e instanceof SplitArgsError)) throw e;
          this.err(`'${ak}': ${e.message}`, vloc, 'close the quote or the {{ }}');
          return undefined;
        }
      };
      if (typeof v === 'string' && v.trim()) {
        const split = splitModule(v);
        if (!split) continue;
        moduleKeys.push(split[0]);
        moduleAs = split[0];
        rawArgs = split[1];
      } else if (isMapping(v) && typeof v.module === 'string') {
        const split = splitModule(v.module);
        if (!split) continue;
        moduleKeys.push(split[0]);
        moduleAs = split[0];
        const { module: _m, ...rest } = v;
        // `module: "copy src=a"`: the words after the name are parsed like a string and laid over the rest.
        rawArgs = split[1] ? { ...rest, ...this.kvArgs(split[0], split[1], vloc) } : rest;
      } else this.err(`'${ak}' needs "MODULE ARGS" or { module: NAME, … }`, vloc);
      argsLoc = vloc;
      if (ak === 'local_action') delegateLocal = true;
    }
    for (const k of unknown) {
      const kloc = this.map.key(t, k);
      if (Object.hasOwn(UNSUPPORTED_KEYWORDS, k)) {
        this.err(`'${k}' is not supported by tsplay`, kloc, UNSUPPORTED_KEYWORDS[k]);
      } else if (k === 'listen') {
        this.err(`'listen' is only valid on handlers`, kloc);
      } else if (k.includes('.') && !this.modules.find(k)) {
        const short = k.split('.').at(-1)!;
        this.err(`module '${k}' is not available in tsplay`, kloc, this.modules.find(short) ? `use '${short}'` : didYouMean(short, this.modules.names()));
      } else if (moduleKeys.length === 0 && unknown.length === 1) {
        // The lone unknown key is the module the user meant.
        const s = suggest(k, this.modules.names());
        const kw = suggest(k, [...TASK_KEYWORDS]);
        this.err(`unknown module '${k}'`, kloc, s ? `did you mean ${s}?` : kw ? `did you mean ${kw}?` : 'see the module list in the README');
      } else {
        const s = suggest(k, [...TASK_KEYWORDS, ...(moduleKeys.length ? [] : this.modules.names())]);
        this.err(`unknown task keyword '${k}'`, kloc, s ? `did you mean ${s}?` : undefined);
      }
    }
    const distinct = [...new Set(moduleKeys)];
    // Keep checking the task's keywords when the module is wrong, so all errors show at once.
    const giveUp = (): undefined => {
      this.common(t, loc);
      this.conditions(t, 'changed_when');
      this.conditions(t, 'failed_when');
      this.conditions(t, 'until');
      return undefined;
    };
    if (distinct.length > 1) {
      this.err(`a task calls one module; this one has ${distinct.map((m) => `'${m}'`).join(' and ')}`, this.map.key(t, distinct[1]!), 'split it into two tasks');
      return giveUp();
    }
    if (distinct.length === 0) {
      if (unknown.length === 0) {
        this.err(`task${t.name ? ` '${String(t.name)}'` : ''} has no module`, loc, 'add a module call, e.g. "command: …", "copy: …", or a "block:"');
      }
      return giveUp();
    }
    moduleAs ??= distinct[0]!;
    const mod = this.modules.find(moduleAs);
    if (!mod) {
      this.err(`unknown module '${moduleAs}'`, argsLoc, didYouMean(moduleAs, this.modules.names()));
      return giveUp();
    }
    if (rawArgs === undefined) {
      rawArgs = t[moduleAs];
      argsLoc = this.map.value(t, moduleAs);
    }
    const args = this.moduleArgs(mod, moduleAs, rawArgs, argsLoc, t);
    const nul = nulBytePath(args);
    if (nul !== undefined)
      this.err(
        `${nul === '_raw_params' || nul === '' ? `the ${moduleAs} line` : `argument ${nul}`} contains a NUL byte (\\0); no command, path or file content sent to a host can hold one`,
        argsLoc,
        'remove the \\0 escape (ansible-core fails such a task with "embedded null byte")',
      );
    if (mod.name === 'template' && args && typeof (args as Record<string, unknown>).src === 'string') this.templateSource((args as Record<string, unknown>).src as string, argsLoc);
    const common = this.common(t, loc);
    if (delegateLocal) common.delegateTo = 'localhost';
    const task: ModuleTask = {
      kind: 'module',
      ...common,
      module: mod.name,
      moduleAs,
      args,
      notify: this.strList(t, 'notify'),
      listen: this.strList(t, 'listen'),
      loopVar: 'item',
    };
    this.loopFields(t, task);
    const reg = this.register(t);
    if (reg !== undefined) task.register = reg;
    const cw = this.conditions(t, 'changed_when');
    if (cw) task.changedWhen = cw;
    const fw = this.conditions(t, 'failed_when');
    if (fw) task.failedWhen = fw;
    const until = this.conditions(t, 'until');
    if (until) task.until = until.length === 1 ? until[0] : until.map((u) => `(${u})`).join(' and ');
    const retries = this.templatedNum(t, 'retries');
    if (retries !== undefined) task.retries = retries;
    const delay = this.templatedNum(t, 'delay');
    if (delay !== undefined) task.delay = delay;
    const timeout = this.templatedNum(t, 'timeout');
    if (timeout !== undefined) task.timeout = timeout;
    if (task.until !== undefined && task.retries === undefined) task.retries = 3;
    if (this.opts.section === 'handlers' && !task.name && task.listen.length === 0) {
      this.err('a handler needs a name (or listen:) so tasks can notify it', loc);
    }
    for (const n of task.notify) this.errors.push(...checkTemplate(n, this.map.value(t, 'notify')));
    if (t.notify !== undefined) notifyLocs.set(task, this.map.value(t, 'notify'));
    return task;
  }

  /**
   * `loop:` or `with_<lookup>:` and `loop_control`, as ansible-core 2.14 reads them (task.py
   * preprocess_data: `with_<name>` is the lookup `name` run with wantlist=True). Module tasks and
   * includes share it; the engine's loop.ts computes the items.
   */
  loopFields(t: Record<string, unknown>, task: LoopFields): void {
    const loopKeys = Object.keys(t).filter((k) => k === 'loop' || k.startsWith('with_'));
    if (loopKeys.length > 1) this.err(`use one of ${loopKeys.join(' / ')}, not several`, this.map.key(t, loopKeys[1]!), 'a task has one loop');
    const lk = loopKeys[0];
    if (lk === 'loop') {
      const v = t[lk];
      const vloc = this.map.value(t, lk);
      if (typeof v === 'string' && !v.includes('{{')) {
        this.err(`'${lk}' needs a list or a "{{ … }}" template, got the string ${JSON.stringify(v)}`, vloc, `write loop: "{{ ${v} }}" to loop over a variable`);
      } else if (isMapping(v)) {
        this.err(`'${lk}' needs a list, got a mapping`, vloc, 'loop over a mapping with loop: "{{ mydict | dict2items }}"');
      } else if (v === null || typeof v === 'number' || typeof v === 'boolean') {
        this.err(`'${lk}' needs a list, got ${typeName(v)}`, vloc);
      } else {
        task.loop = v;
        this.errors.push(...checkTemplate(v, vloc));
      }
    } else if (lk) {
      const name = lk.slice('with_'.length);
      if (!hasLookup(name)) {
        const coll = name.split('.').length > 2 ? name.split('.').slice(0, 2).join('.') : undefined;
        const hint =
          coll && coll !== 'ansible.builtin' && coll !== 'ansible.legacy'
            ? `the lookup '${name}' comes from the collection ${coll}, whose lookups tsplay does not have; see docs/ansible-compat.md for the lookups tsplay has`
            : (didYouMean(name, lookupNames()) ?? `tsplay's lookups: ${lookupNames().sort().join(', ')}`);
        this.err(`unknown lookup '${name}' in '${lk}'`, this.map.key(t, lk), hint);
      } else {
        task.loopWith = name;
        task.loop = t[lk] === undefined ? null : t[lk];
        this.errors.push(...checkTemplate(t[lk], this.map.value(t, lk)));
      }
    }
    const lc = t.loop_control;
    if (lc !== undefined && lc !== null) {
      const lcLoc = this.map.value(t, 'loop_control');
      const known = Object.keys(loopControlSchema.shape);
      if (!isMapping(lc)) this.err(`'loop_control' must be a mapping`, lcLoc);
      else {
        for (const k of Object.keys(lc)) {
          const v = lc[k];
          const vloc = this.map.value(lc, k);
          if (k === 'loop_var' || k === 'index_var') {
            if (typeof v !== 'string' || !IDENT.test(v)) this.err(`${k} must be a variable name`, vloc);
            else if (k === 'loop_var') task.loopVar = v;
            else task.loopIndexVar = v;
          } else if (k === 'label') {
            if (typeof v === 'string') {
              task.loopLabel = v;
              this.errors.push(...checkTemplate(v, vloc));
            } else if (typeof v === 'number' || typeof v === 'boolean') task.loopLabel = String(v);
            else this.err(`label must be a string`, vloc);
          } else if (k === 'pause') {
            const n = this.templatedNum(lc, k);
            if (n !== undefined) task.loopPause = n;
          } else if (k === 'extended') {
            const b = this.templatedOr(lc, k, () => this.bool(lc, k));
            if (b !== undefined) task.loopExtended = b;
          } else if (k === 'extended_allitems') {
            const b = this.bool(lc, k);
            if (b !== undefined) task.loopExtendedAllitems = b;
          } else this.err(`unknown loop_control key '${k}'`, this.map.key(lc, k), didYouMean(k, known) ?? `loop_control takes ${known.join(', ')}`);
        }
      }
      if (!lk) this.err(`loop_control without loop`, lcLoc);
    }
  }

  /** A number keyword Ansible templates (`retries`, `delay`): a literal, or the template text kept for the engine. */
  templatedNum(t: Record<string, unknown>, k: string): number | string | undefined {
    return this.templatedOr(t, k, () => this.num(t, k));
  }

  /** A keyword Ansible templates: the template text (checked, kept for the engine), else `literal()`. */
  templatedOr<T>(t: Record<string, unknown>, k: string, literal: () => T): T | string {
    const v = t[k];
    if (typeof v === 'string' && hasTemplate(v)) {
      this.errors.push(...checkTemplate(v, this.map.value(t, k)));
      return v;
    }
    return literal();
  }

  /** `k=v` words of an `action: { module: "copy src=a" }` (parse_kv, free-form rules for command & co). */
  kvArgs(module: string, text: string, loc: SourceLocation): Record<string, unknown> {
    const mod = this.modules.find(module);
    if (!mod) return {};
    const parsed = parseStringArgs(mod, text);
    if (parsed.error) this.err(`module ${module}: ${parsed.error}`, loc);
    return parsed.args;
  }

  moduleArgs(mod: ModuleDef, as: string, raw: unknown, rawLoc: SourceLocation, t: Record<string, unknown>): Record<string, unknown> {
    let args: Record<string, unknown> = {};
    const argsMap = t.args;
    let fromArgs: Record<string, unknown> = {};
    if (argsMap !== undefined && argsMap !== null) {
      if (isMapping(argsMap)) fromArgs = argsMap;
      else this.err(`'args' must be a mapping, got ${typeName(argsMap)}`, this.map.value(t, 'args'));
    }
    if (raw === null || raw === undefined) args = {};
    else if (typeof raw === 'string' || isUnsafe(raw) || ((typeof raw === 'number' || typeof raw === 'boolean') && mod.freeForm)) {
      const parsed = parseStringArgs(mod, String(raw));
      // `command: !unsafe "echo {{ x }}"`: the words taken from an unsafe text stay unsafe.
      args = isUnsafe(raw) ? (unsafeDeep(parsed.args) as Record<string, unknown>) : parsed.args;
      if (parsed.error) this.err(`module ${as}: ${parsed.error}`, rawLoc, 'close the quote or the {{ }}, or write the arguments as a YAML mapping');
      if (parsed.stray.length) {
        this.err(
          `module ${as} takes key=value arguments; ${parsed.stray.map((s) => `'${s}'`).join(', ')} ${parsed.stray.length > 1 ? 'are' : 'is'} not`,
          rawLoc,
          'write the arguments as a YAML mapping under the module name',
        );
      }
    } else if (isMapping(raw)) args = raw;
    else {
      this.err(`the arguments of ${as} must be a mapping${mod.freeForm ? ' or a command string' : ''}, got ${typeName(raw)}`, rawLoc);
      return {};
    }
    const merged: Record<string, unknown> = {};
    for (const src of [fromArgs, args]) {
      for (const [k, v] of Object.entries(src)) Object.defineProperty(merged, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
    const argLoc = (k: string): SourceLocation =>
      isMapping(raw) && Object.hasOwn(raw, k) ? this.map.key(raw, k) : Object.hasOwn(fromArgs, k) ? this.map.key(fromArgs, k) : rawLoc;
    for (const [k, v] of Object.entries(merged)) {
      const vloc = isMapping(raw) && Object.hasOwn(raw, k) ? this.map.value(raw, k) : Object.hasOwn(fromArgs, k) ? this.map.value(fromArgs, k) : rawLoc;
      this.errors.push(...checkTemplate(v, vloc));
    }
    // `mode: 644` is the decimal 644 (0o1204, sticky bit) to Ansible and to tsplay: almost never meant.
    const modeSrc = isMapping(raw) ? raw : fromArgs;
    const modeText = this.map.numberText(modeSrc, 'mode');
    if (modeText !== undefined && /^[1-7][0-7]{2,3}$/.test(modeText)) {
      const l = this.map.value(modeSrc, 'mode');
      this.opts.warnings?.push(
        `${l.file}:${l.line}:${l.col}: mode: ${modeText} is the decimal number ${modeText} (octal ${Number(modeText).toString(8)}), as in Ansible; write 0${modeText} or "0${modeText}" for octal`,
      );
    }
    const { errors } = validateModuleArgs(mod, merged, rawLoc, { as, argLoc, partial: true });
    if (!this.opts.deferArgErrors) this.errors.push(...errors);
    return merged;
  }
}

/** The meta actions of ansible-core 2.14 (`role_complete` is internal). */
export const META_ACTIONS = ['noop', 'flush_handlers', 'refresh_inventory', 'clear_facts', 'clear_host_errors', 'end_batch', 'end_play', 'end_host', 'reset_connection'] as const;
export type MetaAction = (typeof META_ACTIONS)[number];

/** Collections whose module names map onto tsplay's short names (`community.general.ufw` → `ufw`). */
export const ALIAS_COLLECTION_NAMES = ['ansible.builtin', 'ansible.legacy', 'community.general', 'ansible.posix'] as const;
const ALIAS_COLLECTIONS = new RegExp(`^(${ALIAS_COLLECTION_NAMES.map((c) => c.replace('.', '\\.')).join('|')})\\.`);

/** A module lookup that also takes a module's name in the collections tsplay stands in for. */
function withCollectionNames(m: ModuleLookup): ModuleLookup {
  return {
    find: (name) => m.find(name) ?? (ALIAS_COLLECTIONS.test(name) ? m.find(name.replace(ALIAS_COLLECTIONS, '')) : undefined),
    names: () => m.names(),
  };
}

function fileExists(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Where each task's `notify:` is written (for handler-not-found errors). */
const notifyLocs = new WeakMap<ModuleTask, SourceLocation>();

/** The shared task keywords (when, tags, become, vars…) of a mapping that is not a task (a play's role entry). */
export function normalizeCommon(o: Record<string, unknown>, loc: SourceLocation, file: string, opts: NormalizeOptions = {}): { common: TaskCommon; errors: TsplayError[] } {
  const n = new Normalizer(file, opts);
  const common = n.common(o, loc);
  return { common, errors: n.errors };
}

/** Normalize a raw task list, collecting every error instead of stopping at the first. */
export function normalizeTaskList(raw: unknown, file: string, opts: NormalizeOptions = {}): { tasks: TaskNode[]; errors: TsplayError[] } {
  const n = new Normalizer(file, opts);
  const tasks = n.list(raw, n.map.of(raw, { file }));
  return { tasks, errors: n.errors };
}

/**
 * Normalize Ansible-shaped task objects (from YAML, or from a typed role's `tasks()`) into the
 * model. Throws TsplayErrors listing every problem.
 */
export function normalizeTasks(raw: unknown[], file: string, opts: NormalizeOptions = {}): TaskNode[] {
  const { tasks, errors } = normalizeTaskList(raw, file, opts);
  if (errors.length) throw new TsplayErrors(errors);
  return tasks;
}

/** Where a dynamic include's file is: the first of its search directories that has it. */
export function findIncludeFile(name: string, inc: IncludeTask): { file?: string; tried: string[] } {
  const tried = path.isAbsolute(name) ? [name] : inc.searchDirs.map((d) => path.resolve(d, name));
  return { file: tried.find(fileExists), tried };
}

/**
 * Read and validate the file a dynamic include names (when a host reaches it): its tasks, wrapped in
 * the include's `apply:` keywords when there are some; errors carry the file's positions.
 */
export function loadIncludedFile(
  file: string,
  inc: IncludeTask,
  opts: { modules?: ModuleLookup; deferArgErrors?: boolean } = {},
): { tasks: TaskNode[]; errors: TsplayError[]; warnings: string[] } {
  const warnings: string[] = [];
  const parsed = readYamlFile(file, inc.loc);
  warnings.push(...parsed.warnings);
  if (parsed.errors.length) return { tasks: [], errors: parsed.errors, warnings };
  if (parsed.value === null || parsed.value === undefined) return { tasks: [], errors: [], warnings };
  if (!Array.isArray(parsed.value)) {
    return {
      tasks: [],
      errors: [new TsplayError('VALIDATION', 'included task files must contain a list of tasks', { location: parsed.map.of(parsed.value, { file, line: 1, col: 1 }) })],
      warnings,
    };
  }
  const dir = path.dirname(file);
  const raw = inc.apply ? [{ ...inc.apply, block: parsed.value }] : parsed.value;
  const r = normalizeTaskList(raw, file, {
    map: parsed.map,
    role: inc.role,
    modules: opts.modules,
    section: inc.section,
    includeDirs: [dir, ...inc.searchDirs.filter((d) => d !== dir)],
    includeStack: [...inc.includeStack, file],
    warnings,
    ...(opts.deferArgErrors ? { deferArgErrors: true } : {}),
  });
  return { tasks: r.tasks, errors: r.errors, warnings };
}

/**
 * `tsplay validate`'s look at dynamic includes: each one whose file is named literally is read and
 * checked, but what is wrong there is a warning naming the file (a host may never reach it, as a
 * role's branch for another OS); a templated name is only known at run time.
 */
export function checkIncludedFiles(list: TaskNode[], opts: { modules?: ModuleLookup } = {}, seen = new Set<string>()): string[] {
  const out: string[] = [];
  for (const inc of includeTasks(list)) {
    if (hasTemplate(inc.file)) continue;
    const { file, tried } = findIncludeFile(inc.file, inc);
    const at = `${inc.loc.file}:${inc.loc.line ?? 0}:${inc.loc.col ?? 0}`;
    if (!file) {
      out.push(`${at}: ${inc.action}: ${inc.file} is not found (looked in ${tried.join(', ')}); a host that reaches it will fail`);
      continue;
    }
    if (seen.has(file) || inc.includeStack.includes(file)) continue;
    seen.add(file);
    const r = loadIncludedFile(file, inc, opts);
    out.push(...r.warnings);
    for (const e of r.errors) {
      const l = e.location;
      out.push(
        `${l?.file ? `${l.file}:${l.line ?? 0}:${l.col ?? 0}: ` : ''}${e.message}${e.hint ? ` (${e.hint})` : ''} — a file included by ${at}: a host that reaches that include will fail`,
      );
    }
    out.push(...checkIncludedFiles(r.tasks, opts, seen));
  }
  return out;
}

/** Every node of one kind, recursively through blocks (a block's own node is not yielded). */
function* nodesOfKind<K extends 'module' | 'include'>(list: TaskNode[], kind: K): Generator<Extract<TaskNode, { kind: K }>> {
  for (const t of list) {
    if (t.kind === kind) yield t as Extract<TaskNode, { kind: K }>;
    else if (t.kind === 'block') for (const part of [t.block, t.rescue, t.always]) yield* nodesOfKind(part, kind);
  }
}

/** Every dynamic include (recursively through blocks). */
export function includeTasks(list: TaskNode[]): Generator<IncludeTask> {
  return nodesOfKind(list, 'include');
}

/** The names and `listen` topics handlers answer to. */
export function handlerTopics(handlers: ModuleTask[]): Set<string> {
  const s = new Set<string>();
  for (const h of handlers) {
    if (h.name) s.add(h.name);
    if (h.name && h.role) s.add(`${h.role.name} : ${h.name}`);
    for (const l of h.listen) s.add(l);
  }
  return s;
}

/** Every module task (recursively through blocks), for whole-play checks. */
export function moduleTasks(list: TaskNode[]): Generator<ModuleTask> {
  return nodesOfKind(list, 'module');
}

/** Every role call (recursively through blocks). */
export function* roleCalls(list: TaskNode[]): Generator<RoleTask> {
  for (const t of list) {
    if (t.kind === 'role') yield t;
    else if (t.kind === 'block') {
      yield* roleCalls(t.block);
      yield* roleCalls(t.rescue);
      yield* roleCalls(t.always);
    }
  }
}

/** Ansible's message for a notify that no handler answers. */
export function checkNotifies(tasks: Iterable<ModuleTask>, topics: Set<string>, map?: (t: ModuleTask) => SourceLocation): TsplayError[] {
  const errs: TsplayError[] = [];
  for (const t of tasks) {
    for (const n of t.notify) {
      if (n.includes('{{') || topics.has(n) || [...topics].some((x) => x.includes('{{'))) continue;
      errs.push(
        new TsplayError('VALIDATION', `The requested handler '${n}' was not found in either the main handlers list nor in the listening handlers list`, {
          location: map ? map(t) : (notifyLocs.get(t) ?? t.loc),
          hint: didYouMean(n, topics) ?? (topics.size ? `handlers: ${[...topics].join(', ')}` : 'this play has no handlers'),
        }),
      );
    }
  }
  return errs;
}

const ROLE_ENTRY_KW = new Set<string>(ROLE_ENTRY_KEYWORDS);

/**
 * The entries of a play's `roles:` or a role's meta/main.yml `dependencies:` (a list, checked by
 * the caller): a name, or a mapping with `role:` (or `name:`), role keywords and role params. A
 * galaxy-style dependency (`src:` without `role:`/`name:`) is named as ansible-galaxy names it.
 */
export function normalizeRoleEntries(list: unknown[], map: SourceMap, opts: NormalizeOptions = {}): { calls: RoleTask[]; errors: TsplayError[] } {
  const calls: RoleTask[] = [];
  const errors: TsplayError[] = [];
  list.forEach((r, i) => {
    const loc = map.value(list, i);
    if (typeof r === 'string') {
      calls.push({ kind: 'role', roleName: r, params: {}, loc, when: [], tags: [], vars: {}, roleEntry: true });
      return;
    }
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      errors.push(new TsplayError('VALIDATION', `a role entry must be a name or a mapping, got ${typeName(r)}`, { location: loc }));
      return;
    }
    const entry = r as Record<string, unknown>;
    let name = entry.role ?? entry.name;
    // RoleRequirement.role_yaml_parse: the repository's last path part, without .git and ,version
    // (src, scm and version stay role params, as in ansible-core)
    if (name === undefined && typeof entry.src === 'string') name = galaxyRoleName(entry.src);
    if (typeof name !== 'string' || !name) {
      errors.push(new TsplayError('VALIDATION', 'a role entry needs `role: NAME`', { location: map.of(entry, loc) }));
      return;
    }
    const { common, errors: errs } = normalizeCommon(entry, map.of(entry, loc), map.file, { ...opts, map });
    errors.push(...errs);
    const params: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(entry)) {
      if (ROLE_ENTRY_KW.has(k)) continue;
      if (Object.hasOwn(UNSUPPORTED_KEYWORDS, k)) {
        errors.push(new TsplayError('VALIDATION', `'${k}' is not supported by tsplay`, { location: map.key(entry, k), hint: UNSUPPORTED_KEYWORDS[k] }));
        continue;
      }
      Object.defineProperty(params, k, { value: val, enumerable: true, writable: true, configurable: true });
    }
    const roleParamNames = Object.keys(params);
    if (entry.vars !== undefined && entry.vars !== null) {
      if (entry.vars && typeof entry.vars === 'object' && !Array.isArray(entry.vars)) Object.assign(params, entry.vars);
      else errors.push(new TsplayError('VALIDATION', `vars must be a mapping, got ${typeName(entry.vars)}`, { location: map.value(entry, 'vars') }));
    }
    errors.push(...checkTemplate(params, map.of(entry, loc)));
    calls.push({ kind: 'role', ...common, roleName: name, params, roleParamNames, vars: {}, roleEntry: true });
  });
  return { calls, errors };
}

/** ansible-galaxy's name for a role given by `src:` (`git+https://host/x/ansible-role-nginx.git,v1` → ansible-role-nginx). */
function galaxyRoleName(src: string): string {
  const plus = src.indexOf('+');
  const url = plus >= 0 ? src.slice(plus + 1) : src;
  if (!url.includes('://') && !url.includes('@')) return url;
  let last = url.split('/').pop()!;
  if (last.endsWith('.git')) last = last.slice(0, -4);
  if (last.endsWith('.tar.gz')) last = last.slice(0, -7);
  return last.split(',')[0]!;
}
