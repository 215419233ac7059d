import path from 'node:path';
import pLimit from 'p-limit';
import type { BlockTask, ConnectionKeywords, IncludeTask, LoadedRole, ModuleTask, Play, RoleTask, TaskNode, TemplatedKeyword } from '../config/model.js';
import { syntheticTask } from '../config/model.js';
import { ansibleBoolean } from '../config/boolean.js';
import type { HostTaskResult, PlayReport, Recap, TaskReport } from './report.js';
import type { CliDefaults } from './api.js';
import { TsplayError, UndefinedVariableError, formatError, isUserError } from '../errors.js';
import {
  argumentSpecTask,
  dependencySearchPaths,
  evaluateCondition,
  findRoleDir,
  loadRole,
  normalizeRoleTasks,
  renderString,
  renderValue,
  selectPlayHosts,
  stringifyValue,
  validateRoleParams,
} from './deps.js';
import { INHERITED_KEYWORDS, emptyScope, type HostState, type RunContext, type Scope } from './context.js';
import { hasProbesAhead, probeAhead, runModuleTaskOnHost, taskLabel, taskSearchPath, type TaskOutcome } from './task.js';
import { aggregateLoopResults, emptyLoopResult, loopItemFields, overlayVars, resolveLoop } from './loop.js';
import { findIncludeFile, loadIncludedFile, normalizeCommon } from '../loader/tasks.js';
import { roleWithParts } from '../loader/roles.js';
import { hasTemplate } from '../template/render.js';
import { doEncrypt } from '../template/index.js';
import type { MetaAction } from '../loader/tasks.js';
import { shouldRunTags } from './tags.js';
import { findModule } from '../modules/registry.js';
import { fnmatch, resolveGatherSubset, selectAnsibleFacts } from '../facts/subset.js';
import { lazyContext, mergeLayers } from './vars.js';
import { parseYaml } from '../loader/yaml.js';
import { unsafe } from '../config/unsafe.js';
import { readUserFile } from '../config/user-file.js';

type Lists = Map<string, TaskNode[]>;

interface HandlerEntry {
  task: ModuleTask;
  scope: Scope;
  /** Hosts that notified this handler since it last ran. */
  notified: Set<string>;
  /** The handler's name, templated once with play-level variables (as Ansible does). */
  resolvedName?: string;
}

/** State of one play while it runs. */
class PlayRun {
  readonly report: PlayReport;
  private readonly taskReports = new Map<string, TaskReport>();
  readonly handlers: HandlerEntry[] = [];
  readonly seenRoleHandlers = new Set<string>();
  /** Per-host params of each role, shared by the role's tasks and its handlers. */
  readonly roleParams = new Map<string, Map<string, Record<string, unknown>>>();
  readonly limit: ReturnType<typeof pLimit>;
  batch: string[] = [];
  free = false;
  /** `meta: end_play` ran: no more tasks, batches or handlers in this play. */
  ended = false;
  /** `meta: end_batch` ran: the rest of this batch is skipped. */
  batchEnded = false;
  /** Hosts that ran `meta: end_host`. */
  readonly endedHosts = new Set<string>();
  /** Hosts failed by an include whose file could not be read (not a task result: a rescue does not count them rescued). */
  readonly strategyFailed = new Set<string>();
  /** Included task files, read and validated once per play. */
  readonly includeCache = new Map<string, { tasks?: TaskNode[]; errors?: TsplayError[] }>();

  constructor(
    readonly run: RunContext,
    readonly play: Play,
    hosts: string[],
  ) {
    this.report = { name: play.name, hosts, tasks: [] };
    this.limit = pLimit(Math.max(1, run.opts.forks ?? 10));
    for (const h of play.handlers) this.handlers.push({ task: h, scope: playScope(play, 'handlers'), notified: new Set() });
  }

  active(host: string): boolean {
    const hs = this.run.hostState(host);
    return !hs.failed && !hs.unreachable && !this.run.aborted && !this.ended && !this.batchEnded && !this.endedHosts.has(host);
  }

  taskReport(key: string, name: string, task: ModuleTask, handler = false): TaskReport {
    let tr = this.taskReports.get(key);
    if (!tr) {
      tr = { name, module: task.module, location: task.loc, role: task.role?.name, handler: handler || undefined, register: task.register, results: [] };
      this.taskReports.set(key, tr);
      this.report.tasks.push(tr);
    }
    return tr;
  }

  /** The tasks of an included file, read and validated once per play (every host shares them). */
  includedTasks(file: string, inc: IncludeTask): TaskNode[] {
    const key = `${file}\0${inc.role?.dir ?? ''}\0${inc.section ?? ''}\0${JSON.stringify(inc.apply ?? null)}`;
    let got = this.includeCache.get(key);
    if (!got) {
      // module arguments are checked when each task runs, as ansible-core does
      const r = loadIncludedFile(file, inc, { deferArgErrors: true });
      for (const w of r.warnings) this.run.emitWarning(w);
      got = r.errors.length ? { errors: r.errors } : { tasks: r.tasks };
      this.includeCache.set(key, got);
    }
    // Several errors: each line names its own place (a location on the whole would print the first twice).
    if (got.errors) throw got.errors.length === 1 ? got.errors[0]! : new TsplayError('VALIDATION', got.errors.map(formatError).join('\n'));
    return got.tasks!;
  }

  async getRole(name: string, searchPaths?: string[]): Promise<LoadedRole> {
    const paths = this.run.roleSearchPaths;
    // A meta dependency may come from its depending role's directory: cached by where it is found.
    if (searchPaths && searchPaths !== paths) {
      const dir = findRoleDir(name, searchPaths);
      if (dir && dir !== findRoleDir(name, paths)) return this.run.roleCache(`${dir}\0dependency`, () => loadRole(name, searchPaths));
    }
    return this.run.roleCache(name, () => loadRole(name, paths));
  }

  /** The per-host runs of `roles:` entries and meta dependencies, by role, params and keywords (ansible-core's ROLE_CACHE + has_run). */
  readonly completedRoles = new Map<string, Set<string>>();
}

/** Run one play: host selection, vars_files, serial batches, sections, handlers. */
export async function runPlay(run: RunContext, loaded: Play): Promise<PlayReport> {
  const play = withCliKeywords(loaded, run.opts.cliDefaults);
  const selection = selectPlayHosts(run.inventory, play.hosts, run.opts.limit, play.loc);
  let hosts = selection.hosts;
  hosts = hosts.filter((h) => {
    const hs = run.hostState(h);
    return !hs.failed && !hs.unreachable;
  });
  hosts = orderHosts(hosts, play.order);
  const pr = new PlayRun(run, play, hosts);
  pr.free = play.strategy === 'free';
  run.play = play;
  run.playConnCache.clear();
  run.endedHosts.clear();
  run.playBatch = hosts;
  run.playHosts = hosts;
  // ansible_play_hosts_all: every host of the pattern (--limit applied) in inventory order, also one that failed in an earlier play
  run.playHostsAll = selection.hosts;
  run.playRoleNames = [...play.roles.map((r) => r.roleName), ...[play.handlers, play.preTasks, play.postTasks, play.tasks].flatMap(importedRoleNames)];
  run.playBecome = play.become;
  run.playBecomeUser = play.becomeUser;
  run.playVars = play.vars;
  run.redactor.scan(play.vars);
  run.emit({ type: 'play-start', play: play.name, hosts });
  for (const w of selection.warnings) run.emitWarning(w);
  if (hosts.length === 0) {
    run.emitWarning(`skipping play "${play.name}": no hosts to run on`);
    run.emit({ type: 'play-end', play: play.name });
    return pr.report;
  }
  run.varsFilesVars = await loadVarsFiles(run, play);
  run.redactor.scan(run.varsFilesVars);
  // vars_prompt: no terminal, so the default (Ansible does the same); -e values skip the prompt.
  if (play.varsPrompt?.length) run.playVars = { ...play.vars, ...promptDefaults(run, play) };
  // Handlers of the roles in `roles:` come before the play's own, in role order (as ansible-core compiles them).
  const roleHandlers: HandlerEntry[] = [];
  // a role's meta dependencies' handlers come before its own (Role.get_handler_blocks)
  const addHandlers = async (call: RoleTask, chain: string[]): Promise<void> => {
    const role = await pr.getRole(call.roleName, call.searchPaths).catch(() => undefined);
    if (!role || chain.includes(role.dir)) return;
    for (const dep of role.dependencies ?? []) await addHandlers({ ...dep, searchPaths: dependencySearchPaths(role, run.roleSearchPaths) }, [...chain, role.dir]);
    if (pr.seenRoleHandlers.has(role.name)) return;
    pr.seenRoleHandlers.add(role.name);
    let params = pr.roleParams.get(role.name);
    if (!params) pr.roleParams.set(role.name, (params = new Map<string, Record<string, unknown>>()));
    const base = childScope(playScope(play, 'handlers'), { ...call, when: [] }, `handlers/${role.name}`);
    for (const h of role.handlers) roleHandlers.push({ task: h, scope: { ...base, role: { role, params } }, notified: new Set() });
  };
  for (const call of play.roles) await addHandlers(call, []);
  // every level of the play's roles' meta dependencies (ansible-core: a set, so no order to keep)
  const dependents = new Set<string>();
  const walkDeps = async (name: string, paths: string[] | undefined, chain: string[]): Promise<void> => {
    const role = await pr.getRole(name, paths).catch(() => undefined);
    if (!role || chain.includes(role.dir)) return;
    for (const dep of role.dependencies ?? []) {
      if (hasTemplate(dep.roleName)) continue;
      await walkDeps(dep.roleName, dependencySearchPaths(role, run.roleSearchPaths), [...chain, role.dir]);
      dependents.add(dep.roleName);
    }
  };
  for (const name of new Set(run.playRoleNames)) if (!hasTemplate(name)) await walkDeps(name, undefined, []);
  run.playDependentRoleNames = [...dependents];
  pr.handlers.unshift(...roleHandlers);
  // A role listed twice in `roles:` with the same params runs once per host (roleStep: roleEntry).
  const roles: RoleTask[] = play.roles;

  for (const batch of serialBatches(hosts, play.serial)) {
    if (run.aborted || pr.ended) break;
    pr.batch = batch;
    pr.batchEnded = false;
    run.playBatch = batch;
    const sections: TaskNode[][] = [play.preTasks, [...roles, ...play.tasks], play.postTasks];
    const names = ['pre_tasks', 'tasks', 'post_tasks'];
    if (play.gatherFacts) {
      const s0 = sections.findIndex((n) => n.length > 0);
      await gatherStep(pr, batch, s0 < 0 ? undefined : { nodes: sections[s0]!, scope: playScope(play, names[s0]!) });
    }
    for (let s = 0; s < sections.length; s++) {
      const nodes = sections[s]!;
      if (nodes.length) {
        const lists: Lists = new Map(batch.map((h) => [h, nodes]));
        const scope: Scope = playScope(play, names[s]!);
        if (pr.free) {
          await Promise.all(batch.map((h) => pr.limit(() => runLists(pr, new Map([[h, nodes]]), scope))));
        } else {
          await runLists(pr, lists, scope);
        }
      }
      await flushHandlers(pr);
      if (run.aborted) break;
    }
    // Ansible stops the play when every host of a batch failed.
    if (batch.every((h) => run.hostState(h).failed || run.hostState(h).unreachable)) break;
  }
  run.emit({ type: 'play-end', play: play.name });
  return pr.report;
}

/** The scope every task of a play starts from: the play's tags, environment and connection keywords. */
/** The roles import_role names in a task list (blocks too), in order: ansible-core adds them to play.roles when the play loads (handlers, pre_tasks, post_tasks, tasks). */
function importedRoleNames(nodes: TaskNode[]): string[] {
  return nodes.flatMap((n) =>
    n.kind === 'role' ? (n.dynamic ? [] : [n.roleName]) : n.kind === 'block' ? [...importedRoleNames(n.block), ...importedRoleNames(n.rescue), ...importedRoleNames(n.always)] : [],
  );
}

/** The play with ansible-playbook's -u / -c / --become-method as the keyword defaults it sets (the play's own keywords win). */
function withCliKeywords(play: Play, cli: CliDefaults | undefined): Play {
  if (!cli) return play;
  const kw: ConnectionKeywords = {};
  if (cli.remoteUser !== undefined) kw.remoteUser = cli.remoteUser;
  if (cli.connection !== undefined) kw.connection = cli.connection;
  if (cli.becomeMethod !== undefined) kw.becomeMethod = cli.becomeMethod;
  return Object.keys(kw).length ? { ...play, conn: { ...kw, ...play.conn } } : play;
}

function playScope(play: Play, name: string): Scope {
  const scope: Scope = { ...emptyScope(name), tags: [...play.tags] };
  if (play.environment !== undefined) scope.environment = [play.environment];
  if (play.conn) scope.conn = play.conn;
  if (play.inherit) scope.inherit = { ...play.inherit };
  return scope;
}

/** Ansible's play `order:` (shuffle is random, as there). */
export function orderHosts(hosts: string[], order: Play['order']): string[] {
  switch (order) {
    case 'reverse_inventory':
      return [...hosts].reverse();
    case 'sorted':
      return [...hosts].sort();
    case 'reverse_sorted':
      return [...hosts].sort().reverse();
    case 'shuffle': {
      const out = [...hosts];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    }
    default:
      return hosts;
  }
}

/** vars_prompt without a terminal: each prompt's default (templated), unless -e gives the variable; no default is an error. */
export function promptDefaults(run: RunContext, play: Play, warn = true): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of play.varsPrompt ?? []) {
    if (Object.hasOwn(run.extraVars, p.name)) continue;
    if (p.default === undefined || p.default === null) {
      throw new TsplayError('VALIDATION', `vars_prompt: no value for '${p.name}' and no terminal to ask on`, {
        location: p.loc,
        hint: `pass it with -e ${p.name}=VALUE, or give the prompt a default:`,
      });
    }
    const vars = lazyContext(mergeLayers([play.vars, run.extraVars, out]), p.loc, { playbook_dir: run.playbookDir, env: run.env });
    // Ansible templates the prompt's fields, then keeps the answer as text (to_text): 5 → "5", true → "True".
    const value = renderValue(p.default, vars, p.loc);
    let text = stringifyValue(value);
    if (p.encrypt) {
      try {
        // passlib hashes text only: ansible-core stops on `default: 5` with encrypt (a TypeError)
        if (typeof value !== 'string' && !(value instanceof String))
          throw new Error(
            `secret must be unicode or bytes, not ${value === null ? 'NoneType' : typeof value === 'number' ? (Number.isInteger(value) ? 'int' : 'float') : typeof value === 'boolean' ? 'bool' : 'dict or list'}`,
          );
        // ansible templates the whole vars_prompt entry, the salt too
        const salt = p.salt === undefined ? undefined : stringifyValue(renderValue(p.salt, vars, p.loc));
        text = doEncrypt(text, p.encrypt, salt, p.saltSize);
      } catch (e) {
        throw new TsplayError('VALIDATION', `vars_prompt '${p.name}': ${(e as Error).message}`, {
          location: p.loc,
          hint: 'encrypt: takes sha512_crypt, sha256_crypt, md5_crypt or bcrypt',
        });
      }
    }
    out[p.name] = p.unsafe ? unsafe(text) : text;
  }
  if (warn && Object.keys(out).length) run.emitWarning('Not prompting as we are not in interactive mode');
  return out;
}

/** A play's vars_files, merged in order (paths are templated and relative to the playbook). */
export async function loadVarsFiles(run: RunContext, play: Play): Promise<Record<string, unknown>> {
  const layers: Record<string, unknown>[] = [];
  for (const f of play.varsFiles) {
    const vars = lazyContext(mergeLayers([play.vars, run.extraVars, { env: run.env, playbook_dir: run.playbookDir }]), play.loc);
    const rendered = renderString(f, vars, play.loc);
    const file = path.resolve(run.playbookDir, rendered);
    let text: string;
    try {
      text = await readUserFile(file, 'utf8');
    } catch (e) {
      if (e instanceof TsplayError) throw new TsplayError('VALIDATION', `vars_files: ${file}: ${e.message}`, { location: play.loc, hint: e.hint });
      throw new TsplayError('VALIDATION', `vars_files: cannot read ${file}`, { location: play.loc, hint: 'paths are relative to the playbook directory' });
    }
    // The same reader as the playbook: vars files are read as Ansible reads them.
    const parsed = parseYaml(text, file);
    if (parsed.errors.length) throw parsed.errors[0]!;
    for (const w of parsed.warnings) run.emitWarning(w);
    const value = parsed.value ?? {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new TsplayError('VALIDATION', `vars_files: ${file} must hold a mapping of variables`, { location: parsed.map.of(value, { file, line: 1 }) });
    }
    layers.push(value as Record<string, unknown>);
  }
  return mergeLayers(layers);
}

/** Split hosts into `serial` batches (numbers, percentages; the last size repeats). */
export function serialBatches(hosts: string[], serial?: Array<number | string>): string[][] {
  if (!serial || serial.length === 0) return [hosts];
  const sizes = serial.map((s) => {
    if (typeof s === 'number') return s;
    const m = /^(\d+(?:\.\d+)?)%$/.exec(String(s).trim());
    if (m) return Math.max(1, Math.floor((Number(m[1]) / 100) * hosts.length));
    return Number(s);
  });
  const batches: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const size = Math.max(1, sizes[Math.min(k, sizes.length - 1)]! || hosts.length);
    batches.push(hosts.slice(i, i + size));
    i += size;
    k++;
  }
  return batches;
}

async function gatherStep(pr: PlayRun, batch: string[], first?: { nodes: TaskNode[]; scope: Scope }): Promise<void> {
  const { run } = pr;
  const fake = syntheticTask('gather_facts', pr.play.loc);
  const name = 'Gathering Facts';
  run.emit({ type: 'task-start', play: pr.play.name, task: name, module: 'gather_facts', hosts: batch });
  const tr = pr.taskReport(`${pr.play.name}#facts`, name, fake);
  await Promise.all(
    batch.map((h) =>
      pr.limit(async () => {
        const hs = run.hostState(h);
        const t0 = Date.now();
        try {
          // gather_subset is checked first: a bad one fails the host before anything runs (Ansible's message)
          const subset = pr.play.gatherSubset;
          if (subset) resolveGatherSubset(subset);
          const gathering = run.ensureFacts(hs, pr.play.gatherTimeout === undefined ? undefined : pr.play.gatherTimeout * 1000);
          // the probes of the first tasks that do not depend on facts go beside the gathering (probe ahead)
          if (first && !noProbeAhead(run)) await probeComing(run, hs, first.nodes, first.scope);
          const facts = await gathering;
          // Ansible's fact cache: what setup returned, merged into what an earlier gathering left
          const selected = selectAnsibleFacts(facts.ansible ?? {}, { gatherSubset: subset });
          // secret-named values in the remote environment or local facts are secrets, as the controller's are
          run.redactor.scan(selected);
          hs.ansibleFacts = { ...hs.ansibleFacts, ...selected };
          record(pr, tr, hs, { status: 'ok', changed: false, registered: {} }, Date.now() - t0, fake);
        } catch (e) {
          const unreachable = e instanceof TsplayError && e.code === 'CONNECTION';
          const msg = isUserError(e) && e instanceof TsplayError ? formatError(e) : String((e as Error)?.message ?? e);
          record(pr, tr, hs, { status: unreachable ? 'unreachable' : 'failed', changed: false, unreachable, msg, registered: {} }, Date.now() - t0, fake);
        }
      }),
    ),
  );
}

/** Probe ahead is off (the API option, or TSPLAY_PROBE_AHEAD=0 as the bench's comparison run sets it). */
function noProbeAhead(run: RunContext): boolean {
  return run.opts.noProbeAhead ?? process.env.TSPLAY_PROBE_AHEAD === '0';
}

/** Probe ahead for the module tasks among these nodes (engine/task.ts probeAhead); one task alone has no round trip to save. */
async function probeComing(run: RunContext, hs: HostState, nodes: TaskNode[], scope: Scope): Promise<void> {
  const coming = nodes.filter((n): n is ModuleTask => n.kind === 'module').map((t) => ({ task: withInherited(t, scope), scope }));
  if (coming.length > 1) await probeAhead(run, hs, coming);
}

/** Walk host → task-list maps in lockstep (linear strategy), one position at a time. */
async function runLists(pr: PlayRun, lists: Lists, scope: Scope): Promise<void> {
  const max = Math.max(0, ...[...lists.values()].map((l) => l.length));
  for (let i = 0; i < max; i++) {
    if (pr.run.aborted || pr.run.signal?.aborted) {
      pr.run.aborted ??= 'interrupted';
      return;
    }
    const byKind = { module: new Map<string, ModuleTask>(), block: new Map<string, BlockTask>(), role: new Map<string, RoleTask>(), include: new Map<string, IncludeTask>() };
    for (const [host, list] of lists) {
      const node = list[i];
      if (!node || !pr.active(host)) continue;
      (byKind[node.kind] as Map<string, TaskNode>).set(host, node);
    }
    const path = `${scope.path}/${i}`;
    // Probe ahead: a host without probe results waiting sends the probes of its coming tasks at
    // this level in one round trip (engine/task.ts probeAhead).
    if (byKind.module.size && !noProbeAhead(pr.run)) {
      await Promise.all(
        [...byKind.module.keys()].map((host) => {
          const hs = pr.run.hostState(host);
          return hasProbesAhead(hs) ? undefined : probeComing(pr.run, hs, lists.get(host)!.slice(i), scope);
        }),
      );
    }
    if (byKind.module.size) await taskStep(pr, byKind.module, { ...scope, path });
    if (byKind.block.size) await blockStep(pr, byKind.block, { ...scope, path });
    if (byKind.role.size) await roleStep(pr, byKind.role, { ...scope, path });
    if (byKind.include.size) await includeStep(pr, byKind.include, { ...scope, path });
  }
}

/** One file a dynamic include brings in for a host: the file and the variables of its loop item. */
interface IncludedFile {
  file: string;
  tasks: TaskNode[];
  itemVars: Record<string, unknown>;
}

/**
 * `include_tasks` as ansible-core 2.14's linear strategy runs it: per host (and loop item) the
 * include's `when` is evaluated, the file name templated, found, read and validated; the include
 * itself reports ok ("included") or skipped, and counts ok once per included file; then the hosts
 * run the included tasks (grouped by the files they included), with the include's vars and loop
 * variables but none of its other keywords (only `apply:` gives keywords to the tasks).
 */
async function includeStep(pr: PlayRun, incs: Map<string, IncludeTask>, scope: Scope): Promise<void> {
  const { run } = pr;
  const selected = [...incs].filter(([, t]) => shouldRunTags([...scope.tags, ...t.tags], { only: run.opts.tags, skip: run.opts.skipTags }));
  if (!selected.length) return;
  const first = selected[0]![1];
  const label = (first.role ? `${first.role.name} : ` : '') + (first.name ?? first.action);
  const fakeOf = (inc: IncludeTask): ModuleTask =>
    syntheticTask('include_tasks', inc.loc, {
      moduleAs: inc.action,
      role: inc.role,
      name: inc.name,
      ignoreErrors: inc.ignoreErrors ?? scope.inherit?.ignoreErrors,
      noLog: inc.noLog ?? scope.inherit?.noLog,
      register: inc.register,
    });
  const tr = pr.taskReport(`${scope.path}#${label}`, label, fakeOf(first));
  run.emit({ type: 'task-start', play: pr.play.name, task: label, module: 'include_tasks', hosts: selected.map(([h]) => h) });
  const included = new Map<string, IncludedFile[]>();
  for (const [host, inc] of selected) {
    const hs = run.hostState(host);
    const fake = fakeOf(inc);
    const t0 = Date.now();
    try {
      const base = run.varsForSync(hs, scope, inc.vars, inc.loc);
      const vars = Object.hasOwn(base, 'ansible_search_path') ? base : overlayVars(base, { ansible_search_path: taskSearchPath(inc, run.playbookDir) });
      const holds = (v: Record<string, unknown>) => scope.when.every((c) => evaluateCondition(c.expr, v, c.loc)) && inc.when.every((c) => evaluateCondition(c, v, inc.loc));
      const files: Array<{ name: string; itemVars: Record<string, unknown> }> = [];
      // what ansible-core registers: the rendered file name and the other args, per item with a loop
      const includeArgs = inc.apply ? { apply: inc.apply } : {};
      const itemResults: Array<Record<string, unknown>> = [];
      let items: unknown[] | undefined;
      if (inc.loop !== undefined) {
        let loop: ReturnType<typeof resolveLoop> | undefined;
        try {
          loop = resolveLoop(inc, vars, inc.loc, 'include_tasks');
        } catch (e) {
          if (!(e instanceof UndefinedVariableError) || holds(vars)) throw e;
          loop = undefined;
        }
        items = loop?.items ?? [];
        for (let i = 0; loop && i < loop.items.length; i++) {
          const fields = loopItemFields(loop.control, loop.items, i);
          const iv = overlayVars(vars, fields);
          if (holds(iv)) {
            const name = renderString(inc.file, iv, inc.loc);
            files.push({ name, itemVars: fields });
            itemResults.push({ include: name, include_args: includeArgs, ...fields });
          } else itemResults.push({ changed: false, skipped: true, skip_reason: 'Conditional result was False', ...fields });
        }
      } else if (holds(vars)) {
        files.push({ name: renderString(inc.file, vars, inc.loc), itemVars: {} });
      }
      if (!files.length) {
        const reason = items && items.length === 0 ? 'No items in the list' : 'Conditional result was False';
        const registered = !items ? { changed: false, skipped: true, skip_reason: reason } : items.length === 0 ? emptyLoopResult() : aggregateLoopResults(itemResults);
        record(pr, tr, hs, { status: 'skipped', changed: false, msg: reason, registered }, Date.now() - t0, fake);
        continue;
      }
      const out: IncludedFile[] = [];
      const located = files.map((f) => ({ ...f, found: findIncludeFile(f.name, inc) }));
      // The include's own result is ok; reading the files comes after (ansible's strategy), so a
      // missing or broken file fails the host then (a second result, whatever ignore_errors says).
      record(
        pr,
        tr,
        hs,
        {
          status: 'ok',
          changed: false,
          msg: `included: ${[...new Set(located.map((f) => f.found.file ?? f.name))].join(', ')}`,
          registered: items ? aggregateLoopResults(itemResults) : { changed: false, include: located[0]!.name, include_args: includeArgs },
        },
        Date.now() - t0,
        fake,
      );
      try {
        for (const f of located) {
          if (!f.found.file) {
            throw new TsplayError('VALIDATION', `Could not find or access '${f.name}' on the Ansible Controller.`, {
              location: inc.loc,
              hint: `looked in ${f.found.tried.join(', ')}`,
            });
          }
          out.push({ file: f.found.file, tasks: pr.includedTasks(f.found.file, inc), itemVars: f.itemVars });
        }
      } catch (e) {
        hs.recap.ok--;
        const msg = e instanceof TsplayError ? formatError(e) : isUserError(e) ? (e as Error).message : `internal error: ${(e as Error)?.stack ?? e}`;
        const before = hs.hostVars['ansible_failed_result'];
        const hadBefore = Object.hasOwn(hs.hostVars, 'ansible_failed_result');
        record(pr, tr, hs, { status: 'failed', changed: false, msg, registered: { failed: true, changed: false, reason: msg } }, Date.now() - t0, { ...fake, ignoreErrors: false });
        // the strategy marks the host failed without a task result: ansible_failed_result is not set
        if (hadBefore) hs.hostVars['ansible_failed_result'] = before;
        else delete hs.hostVars['ansible_failed_result'];
        pr.strategyFailed.add(host);
        continue;
      }
      // Ansible counts an include once per file it included (a loop of three: ok=3)
      hs.recap.ok += out.length - 1;
      included.set(host, out);
    } catch (e) {
      const msg = e instanceof TsplayError ? formatError(e) : isUserError(e) ? (e as Error).message : `internal error: ${(e as Error)?.stack ?? e}`;
      record(pr, tr, hs, { status: 'failed', changed: false, msg, registered: { failed: true, changed: false, msg } }, Date.now() - t0, fake);
    }
  }
  checkFailurePolicy(pr, scope);
  // Hosts that included the same files run them in lockstep; other groups after them.
  const groups = new Map<string, string[]>();
  for (const [host, files] of included) {
    const key = files.map((f) => f.file).join('\0');
    groups.set(key, [...(groups.get(key) ?? []), host]);
  }
  for (const [key, hosts] of groups) {
    const lists: Lists = new Map();
    for (const h of hosts) {
      const inc = incs.get(h)!;
      lists.set(
        h,
        included
          .get(h)!
          .map(
            (f): BlockTask => ({ kind: 'block', loc: inc.loc, when: [], tags: [], vars: { ...inc.vars, ...f.itemVars }, role: inc.role, block: f.tasks, rescue: [], always: [] }),
          ),
      );
    }
    await runLists(pr, lists, { ...scope, path: `${scope.path}/include:${key}` });
  }
}

function childScope(scope: Scope, node: TaskNode, path: string): Scope {
  let inherit = scope.inherit;
  for (const k of INHERITED_KEYWORDS) {
    if (node[k] !== undefined) inherit = { ...inherit, [k]: node[k] };
  }
  return {
    ...scope,
    inherit,
    path,
    when: [...scope.when, ...node.when.map((expr) => ({ expr, loc: node.loc }))],
    tags: [...scope.tags, ...node.tags],
    become: node.become ?? scope.become,
    becomeUser: node.becomeUser ?? scope.becomeUser,
    blockVars: Object.keys(node.vars).length ? [...scope.blockVars, node.vars] : scope.blockVars,
    environment: node.environment !== undefined ? [...(scope.environment ?? []), node.environment] : scope.environment,
    conn: node.conn ? { ...scope.conn, ...node.conn } : scope.conn,
    notify: node.kind === 'block' && node.notify?.length ? node.notify : scope.notify,
  };
}

async function blockStep(pr: PlayRun, blocks: Map<string, BlockTask>, scope: Scope): Promise<void> {
  const { run } = pr;
  const hosts = [...blocks.keys()];
  const first = blocks.get(hosts[0]!)!;
  const inner = childScope(scope, first, `${scope.path}/block`);
  const hasRescue = [...blocks.values()].some((b) => b.rescue.length > 0);
  await runLists(pr, new Map(hosts.map((h) => [h, blocks.get(h)!.block])), { ...inner, inRescuableBlock: hasRescue || scope.inRescuableBlock });

  const failedHere = hosts.filter((h) => {
    const hs = run.hostState(h);
    return hs.failed && !hs.unreachable;
  });
  if (hasRescue && failedHere.length && !run.signal?.aborted) {
    const rescuing = failedHere.filter((h) => blocks.get(h)!.rescue.length > 0);
    for (const h of rescuing) {
      const hs = run.hostState(h);
      hs.failed = false;
      // a host the strategy failed (an include whose file could not be read) is not counted rescued, as in ansible
      if (pr.strategyFailed.delete(h)) continue;
      hs.recap.failed = Math.max(0, hs.recap.failed - 1);
      hs.recap.rescued++;
    }
    if (run.aborted === 'a task failed with any_errors_fatal') run.aborted = undefined;
    await runLists(pr, new Map(rescuing.map((h) => [h, blocks.get(h)!.rescue])), { ...childScope(scope, first, `${scope.path}/rescue`) });
  }
  const withAlways = hosts.filter((h) => blocks.get(h)!.always.length > 0 && !run.hostState(h).unreachable);
  if (withAlways.length && !run.signal?.aborted) {
    // `always` runs on hosts that failed too; they stay failed afterwards.
    const stillFailed = withAlways.filter((h) => run.hostState(h).failed);
    for (const h of stillFailed) run.hostState(h).failed = false;
    const aborted = run.aborted;
    run.aborted = undefined;
    await runLists(pr, new Map(withAlways.map((h) => [h, blocks.get(h)!.always])), childScope(scope, first, `${scope.path}/always`));
    run.aborted ??= aborted;
    for (const h of stillFailed) run.hostState(h).failed = true;
  }
  checkFailurePolicy(pr, scope);
}

/** include_role's `apply:` as a block (its keywords; the role's tasks go inside). */
function applyBlock(call: RoleTask): BlockTask {
  const { common, errors } = normalizeCommon(call.apply!, call.loc, call.loc.file);
  if (errors.length) throw errors[0];
  return { kind: 'block', ...common, block: [], rescue: [], always: [] };
}

/** How an include_role / import_role call shows as a task (ansible: its name, else "include_role : ROLE"). */
function roleCallLabel(call: RoleTask): string {
  return call.name ?? `include_role : ${call.roleName}`;
}

function roleCallTask(call: RoleTask): ModuleTask {
  return syntheticTask('include_role', call.loc, { name: roleCallLabel(call), ignoreErrors: call.ignoreErrors, register: call.register });
}

/** What ansible-core registers for an include_role: its arguments as given (`include_args`). */
function roleIncludeArgs(call: RoleTask): Record<string, unknown> {
  const a: Record<string, unknown> = { name: call.roleName };
  if (call.tasksFrom !== undefined) a.tasks_from = call.tasksFrom;
  if (call.varsFrom !== undefined) a.vars_from = call.varsFrom;
  if (call.defaultsFrom !== undefined) a.defaults_from = call.defaultsFrom;
  if (call.handlersFrom !== undefined) a.handlers_from = call.handlersFrom;
  if (call.apply !== undefined) a.apply = call.apply;
  if (call.public !== undefined) a.public = call.public;
  if (call.allowDuplicates !== undefined) a.allow_duplicates = call.allowDuplicates;
  if (call.rolespecValidate !== undefined) a.rolespec_validate = call.rolespecValidate;
  return a;
}

async function roleStep(pr: PlayRun, calls: Map<string, RoleTask>, scope: Scope): Promise<void> {
  const { run } = pr;
  let first = calls.values().next().value as RoleTask;
  // include_role is dynamic: its tags select the include itself only (not the role's tasks)
  if (first.dynamic) {
    calls = new Map([...calls].filter(([, c]) => shouldRunTags([...scope.tags, ...c.tags], { only: run.opts.tags, skip: run.opts.skipTags })));
    if (!calls.size) return;
    first = calls.values().next().value as RoleTask;
  }
  // include_role with a templated name: the name per host, then one step per role
  if (first.dynamic && hasTemplate(first.roleName)) {
    const byName = new Map<string, Map<string, RoleTask>>();
    for (const [host, call] of calls) {
      const hs = run.hostState(host);
      try {
        const name = renderString(call.roleName, run.varsForSync(hs, scope, call.vars, call.loc), call.loc);
        if (!byName.has(name)) byName.set(name, new Map());
        byName.get(name)!.set(host, { ...call, roleName: name });
      } catch (e) {
        const fake = roleCallTask(call);
        const msg = e instanceof TsplayError ? formatError(e) : String((e as Error)?.message ?? e);
        record(
          pr,
          pr.taskReport(`${scope.path}/role:${call.roleName}`, roleCallLabel(call), fake),
          hs,
          { status: 'failed', changed: false, msg, registered: { failed: true, msg } },
          0,
          fake,
        );
      }
    }
    for (const group of byName.values()) await roleStep(pr, group, scope);
    return;
  }
  const base = await pr.getRole(first.roleName, first.searchPaths);
  // A `roles:` entry or meta dependency already run on a host (same role, params and keywords)
  // is not run there again, unless its meta allows duplicates (ansible-core's has_run).
  const doneKey = first.roleEntry && !base.allowDuplicates ? `${base.dir}\0${JSON.stringify([first.params, first.when, first.tags, first.vars])}` : undefined;
  if (doneKey) {
    const done = pr.completedRoles.get(doneKey);
    if (done) calls = new Map([...calls].filter(([h]) => !done.has(h)));
    if (!calls.size) return;
    first = calls.values().next().value as RoleTask;
  }
  const parts = { tasksFrom: first.tasksFrom, varsFrom: first.varsFrom, defaultsFrom: first.defaultsFrom, handlersFrom: first.handlersFrom };
  const partsKey = JSON.stringify(parts);
  const role = partsKey === '{}' ? base : await run.roleCache(`${first.roleName}\0${partsKey}`, async () => roleWithParts(base, parts, { from: first.loc }));
  let params = pr.roleParams.get(role.name);
  if (!params) pr.roleParams.set(role.name, (params = new Map<string, Record<string, unknown>>()));
  const lists: Lists = new Map();
  // roles: and import_role are static: their when and tags go to every task of the role
  // include_role is dynamic: only its vars reach the role's tasks (Ansible skips a dynamic parent's keywords; apply: gives some)
  const dynamicParent: RoleTask = { kind: 'role', roleName: first.roleName, params: {}, loc: first.loc, when: [], tags: [], vars: first.vars };
  const roleScopeBase = childScope(scope, first.dynamic ? dynamicParent : first, `${scope.path}/role:${role.name}`);
  const applied = first.apply ? applyBlock(first) : undefined;
  const fake: ModuleTask = { ...roleCallTask(first), role: { name: role.name, dir: role.dir } };
  const callReport = first.dynamic ? pr.taskReport(`${scope.path}/role-call:${first.roleName}`, roleCallLabel(first), fake) : undefined;
  // Under `free` each host's list already holds a forks slot: taking another would deadlock.
  const slot = <T>(f: () => Promise<T>): Promise<T> => (pr.free ? f() : pr.limit(f));
  await Promise.all(
    [...calls].map(([host, call]) =>
      slot(async () => {
        const hs = run.hostState(host);
        const t0 = Date.now();
        try {
          const vars = run.varsForSync(hs, { ...roleScopeBase, role: { role, params: new Map() } }, call.vars, call.loc);
          // include_role with a loop: the role once per item whose condition holds (each with its loop variables)
          let itemFields: Array<Record<string, unknown>> | undefined;
          if (callReport) {
            const holdsFor = (v: Record<string, unknown>) =>
              scope.when.every((c) => evaluateCondition(c.expr, v, c.loc)) && call.when.every((expr) => evaluateCondition(expr, v, call.loc));
            let holds: boolean;
            let itemResults: Array<Record<string, unknown>> | undefined;
            let itemCount = 0;
            if (call.itemLoop) {
              const loop = resolveLoop(call.itemLoop, vars, call.loc, 'include_role');
              itemCount = loop.items.length;
              const all = loop.items.map((_, i) => loopItemFields(loop.control, loop.items, i));
              const held = all.map((f) => holdsFor(overlayVars(vars, f)));
              itemFields = all.filter((_, i) => held[i]);
              itemResults = all.map((f, i) =>
                held[i] ? { include_args: roleIncludeArgs(call), ...f } : { changed: false, skipped: true, skip_reason: 'Conditional result was False', ...f },
              );
              holds = itemFields.length > 0;
            } else holds = holdsFor(vars);
            if (!holds) {
              const reason = itemFields && call.itemLoop && itemFields.length === 0 && !call.when.length ? 'No items in the list' : 'Conditional result was False';
              const registered = !itemResults ? { changed: false, skipped: true, skip_reason: reason } : itemCount === 0 ? emptyLoopResult() : aggregateLoopResults(itemResults);
              record(pr, callReport, hs, { status: 'skipped', changed: false, msg: reason, registered }, Date.now() - t0, fake);
              return;
            }
            // ansible's callbacks see include_role as ok; the recap does not count it
            const registered = itemResults ? aggregateLoopResults(itemResults) : { changed: false, include_args: roleIncludeArgs(call) };
            record(pr, callReport, hs, { status: 'ok', changed: false, registered }, Date.now() - t0, fake);
            hs.recap.ok--;
          }
          const rendered = renderValue(call.params, itemFields ? overlayVars(vars, itemFields[0]!) : vars, call.loc) as Record<string, unknown>;
          const { value, errors } = validateRoleParams(role, rendered, call);
          if (errors.length) throw errors.length === 1 ? errors[0] : new TsplayError('VALIDATION', errors.map(formatError).join('\n'));
          const typed = (value ?? rendered) as Record<string, unknown>;
          run.redactor.scan(typed);
          // with a loop, the call's vars differ per item: they go with each item (below)
          params.set(host, itemFields ? {} : { ...rendered, ...typed });
          if (role.kind === 'ts' && role.expand) {
            const facts = await run.ensureFacts(hs);
            const raw = role.expand(typed, {
              host,
              vars,
              facts,
              groups: run.inventory.groups,
              hostvars: (h: string) => (vars['hostvars'] as Record<string, Record<string, unknown>>)[h] ?? {},
            });
            lists.set(host, normalizeRoleTasks(role, raw));
          } else {
            // A role with an argument spec for this entry point starts with its validation task (Ansible's).
            const check = argumentSpecTask(role, call, call.tasksFrom);
            const roleTasks = check ? [check, ...(role.tasks ?? [])] : (role.tasks ?? []);
            const tasks = applied ? [{ ...applied, block: roleTasks }] : roleTasks;
            if (!itemFields) lists.set(host, tasks);
            else {
              // each item: its loop variables and the call's vars rendered with them
              lists.set(
                host,
                itemFields.map(
                  (f): BlockTask => ({
                    kind: 'block',
                    loc: call.loc,
                    when: [],
                    tags: [],
                    vars: { ...f, ...(renderValue(call.params, overlayVars(vars, f), call.loc) as Record<string, unknown>) },
                    role: call.role,
                    block: tasks,
                    rescue: [],
                    always: [],
                  }),
                ),
              );
            }
          }
        } catch (e) {
          const tr = pr.taskReport(`${scope.path}/role:${role.name}`, `${role.name} : expand role`, fake);
          const unreachable = e instanceof TsplayError && e.code === 'CONNECTION';
          const msg = e instanceof TsplayError ? formatError(e) : isUserError(e) ? (e as Error).message : `internal error: ${(e as Error)?.stack ?? e}`;
          record(pr, tr, hs, { status: unreachable ? 'unreachable' : 'failed', changed: false, unreachable, msg, registered: {} }, Date.now() - t0, fake);
        }
      }),
    ),
  );
  if (!pr.seenRoleHandlers.has(role.name)) {
    pr.seenRoleHandlers.add(role.name);
    for (const h of role.handlers) pr.handlers.push({ task: h, scope: { ...roleScopeBase, path: `handlers/${role.name}`, role: { role, params } }, notified: new Set() });
  }
  // ansible's IncludeRole adds a public role to play.roles when it is included (ansible_play_role_names)
  if (first.dynamic && first.public) run.playRoleNames.push(role.name);
  // include_role inside a role: the including roles, nearest first (ansible_parent_role_names).
  // A meta dependency is not included: it keeps its depending role's parents.
  const parentRoles = scope.role && !first.searchPaths ? [{ name: scope.role.role.name, dir: scope.role.role.dir }, ...(scope.parentRoles ?? [])] : scope.parentRoles;
  // Meta dependencies first (Role.compile), on the hosts the role goes on, each as a static role
  // under this one: the call's when and tags, and this role's defaults, vars and params, reach it.
  if (role.dependencies?.length && lists.size) {
    const depScope: Scope = {
      ...roleScopeBase,
      role: undefined,
      parentRoles,
      depChain: [...(scope.depChain ?? []), { role, params }],
    };
    const depPaths = dependencySearchPaths(role, run.roleSearchPaths);
    for (const dep of role.dependencies) {
      const hosts = [...lists.keys()].filter((h) => !run.hostState(h).failed && !run.hostState(h).unreachable);
      if (!hosts.length) break;
      await roleStep(pr, new Map(hosts.map((h) => [h, { ...dep, searchPaths: depPaths }])), depScope);
    }
  }
  const ranBefore = new Map([...lists.keys()].map((h) => [h, tasksRun(run.hostState(h).recap)]));
  await runLists(pr, lists, { ...roleScopeBase, role: { role, params }, parentRoles });
  if (doneKey) {
    let done = pr.completedRoles.get(doneKey);
    if (!done) pr.completedRoles.set(doneKey, (done = new Set()));
    // has_run needs a task of the role that ran on the host (ok or failed; not skipped)
    for (const [h, n] of ranBefore) if (tasksRun(run.hostState(h).recap) > n) done.add(h);
  }
  // roles:, import_role (and include_role with public: true): the role's defaults and vars stay visible to the play's later tasks
  if (first.public || !first.dynamic) {
    for (const h of lists.keys()) {
      const hs = run.hostState(h);
      hs.publicRoles = [...(hs.publicRoles ?? []).filter((r) => r.dir !== role.dir), role];
    }
  }
  checkFailurePolicy(pr, scope);
}

/** How many tasks ran on a host (ok, changed or failed; skipped and unreachable do not count). */
function tasksRun(r: Recap): number {
  return r.ok + r.changed + r.failed + r.rescued + r.ignored;
}

/** Runs that have reached their --start-at-task task (every task from there on runs, later plays too). */
const startAtDone = new WeakSet<RunContext>();

/** --start-at-task NAME: tasks before the first whose name (or `role : name`) matches the glob are passed over silently, as ansible-playbook does. */
function startAtReached(run: RunContext, task: ModuleTask, label: string): boolean {
  const pat = run.opts.startAtTask;
  if (pat === undefined || startAtDone.has(run)) return true;
  if (task.name !== pat && !(task.name && fnmatch(task.name, pat)) && !fnmatch(label, pat)) return false;
  startAtDone.add(run);
  return true;
}

async function taskStep(pr: PlayRun, tasks: Map<string, ModuleTask>, scope: Scope, handler = false): Promise<void> {
  const { run } = pr;
  const selected = [...tasks]
    .filter(([, t]) => shouldRunTags([...scope.tags, ...t.tags], { only: run.opts.tags, skip: run.opts.skipTags }) || handler)
    .map(([h, t]): [string, ModuleTask] => [h, withInherited(t, scope)]);
  if (!selected.length) return;
  // Boolean keywords written as templates are rendered per host, with that host's variables.
  const resolved = await Promise.all(selected.map(async ([h, t]) => ({ h, ...(await resolveKeywords(run, run.hostState(h), t, scope)) })));
  const entries = resolved.filter((r) => !r.error).map((r): [string, ModuleTask] => [r.h, r.task]);
  const broken = resolved.filter((r) => r.error);
  if (broken.length) {
    const [, t0] = selected[0]!;
    const label0 = (t0.role ? `${t0.role.name} : ` : '') + taskLabel(t0);
    const tr0 = pr.taskReport(`${scope.path}#${label0}`, label0, t0, handler);
    for (const b of broken) record(pr, tr0, run.hostState(b.h), { status: 'failed', changed: false, msg: b.error, registered: { failed: true, msg: b.error } }, 0, b.task);
  }
  if (!entries.length) return;
  const [, firstTask] = entries[0]!;
  const label = (firstTask.role ? `${firstTask.role.name} : ` : '') + taskLabel(firstTask);
  if (!handler && !startAtReached(run, firstTask, label)) return;
  if (firstTask.module === 'meta') return metaStep(pr, entries, scope);
  const shown = await shownLabel(run, entries[0]!, scope, label);
  const tr = pr.taskReport(`${scope.path}#${label}`, shown, firstTask, handler);
  run.emit({ type: 'task-start', play: pr.play.name, task: shown, module: firstTask.module, hosts: entries.map(([h]) => h), handler });

  if (!firstTask.runOnce && findModule(firstTask.module)?.bypassHostLoop) {
    // Ansible's BYPASS_HOST_LOOP (pause): the first host runs it; only that host sees the result
    // (register included) and counts it — unlike run_once, nothing is copied to the others.
    const [host, task] = entries[0]!;
    const t0 = Date.now();
    const out = await runModuleTaskOnHost(run, run.hostState(host), task, scope);
    record(pr, tr, run.hostState(host), out, Date.now() - t0, task);
  } else if (firstTask.runOnce) {
    const [host, task] = entries[0]!;
    const t0 = Date.now();
    const out = await runModuleTaskOnHost(run, run.hostState(host), task, scope);
    // Like Ansible: the result (register, facts, notify, failure) applies to every host, but the
    // task ran once, so only the host it ran on shows it and counts it in the recap.
    for (const [i, [h, t]] of entries.entries())
      record(pr, tr, run.hostState(h), cloneOutcome(out), Date.now() - t0, t, i === 0 || out.status === 'failed' || out.status === 'unreachable');
  } else {
    const runOne = async ([host, task]: [string, ModuleTask]) => {
      const t0 = Date.now();
      const out = await runModuleTaskOnHost(run, run.hostState(host), task, scope);
      record(pr, tr, run.hostState(host), out, Date.now() - t0, task);
    };
    if (pr.free) {
      for (const e of entries) await runOne(e);
    } else if (firstTask.throttle && firstTask.throttle > 0) {
      // throttle: at most N hosts at once, inside the forks limit.
      const throttle = pLimit(firstTask.throttle);
      await Promise.all(entries.map((e) => throttle(() => pr.limit(() => runOne(e)))));
    } else {
      await Promise.all(entries.map((e) => pr.limit(() => runOne(e))));
    }
  }
  // any_errors_fatal on the task (or its block): a failure of this task stops every host.
  if (!scope.inRescuableBlock && !run.aborted && entries.some(([h, t]) => t.any_errors_fatal && run.hostState(h).failed)) {
    run.aborted = 'a task failed with any_errors_fatal';
  }
  checkFailurePolicy(pr, scope);
}

/**
 * The task name as the TASK banner shows it: templated with the first host's variables, and left as
 * written when that fails (ansible-core's linear strategy: fail_on_undefined=False).
 */
async function shownLabel(run: RunContext, [host, task]: [string, ModuleTask], scope: Scope, label: string): Promise<string> {
  if (!task.name || !hasTemplate(task.name)) return label;
  try {
    const name = renderString(task.name, await run.varsFor(run.hostState(host), scope, task), task.loc);
    // a name templated from a vaulted or secret variable shows ******** where the secret was
    return run.redactor.text((task.role ? `${task.role.name} : ` : '') + name);
  } catch {
    return label;
  }
}

/** Render the task's templated boolean keywords for one host (Ansible: strict boolean of the result). */
async function resolveKeywords(run: RunContext, hs: HostState, task: ModuleTask, scope: Scope): Promise<{ task: ModuleTask; error?: string }> {
  const tk = task.templatedKeywords;
  const notifyTemplated = task.notify.some((n) => n.includes('{{') || n.includes('{%'));
  if (!tk && !notifyTemplated) return { task };
  const out: ModuleTask = { ...task };
  try {
    const vars = await run.varsFor(hs, scope, task);
    // notify names are templated with the task's variables (Ansible post-validates notify).
    if (notifyTemplated) out.notify = task.notify.map((n) => renderString(n, vars, task.loc));
    for (const [field, text] of Object.entries(tk ?? {}) as Array<[TemplatedKeyword, string]>) {
      if (out[field] !== undefined) continue; // a literal on the task itself wins over an inherited template
      const v = renderValue(text, vars, task.loc);
      const b = ansibleBoolean(v);
      if (b === undefined)
        throw new TsplayError('VALIDATION', `the value ${JSON.stringify(v)} of ${text} is not a valid boolean`, {
          location: task.loc,
          hint: 'Ansible takes true/false, yes/no, on/off, 1/0',
        });
      out[field] = b;
    }
    return { task: out };
  } catch (e) {
    return { task, error: e instanceof TsplayError ? formatError(e) : String((e as Error).message ?? e) };
  }
}

/** The task with keywords of its enclosing blocks / role call filled in where it sets none itself. */
function withInherited(task: ModuleTask, scope: Scope): ModuleTask {
  const inherit = scope.inherit;
  // A block's notify applies to the tasks inside that have none of their own (Ansible's parent attribute).
  if (scope.notify?.length && task.notify.length === 0 && task.module !== 'meta') task = { ...task, notify: scope.notify };
  if (!inherit) return task;
  let out = task;
  for (const k of INHERITED_KEYWORDS) {
    if (task[k] === undefined && inherit[k] !== undefined) out = { ...out, [k]: inherit[k] };
  }
  return out;
}

function cloneOutcome(o: TaskOutcome): TaskOutcome {
  return { ...o, registered: { ...o.registered } };
}

/** Apply an outcome to the host: register, set_fact, notify, recap, failure flags; then report it. */
function record(pr: PlayRun, tr: TaskReport, hs: HostState, out: TaskOutcome, durationMs: number, task: ModuleTask, shown = true): void {
  const { run } = pr;
  let status = out.status;
  if (status === 'failed' && task.ignoreErrors) status = 'ignored';
  if (status === 'unreachable' && task.ignoreUnreachable) status = 'ignored';
  // ansible-core stores a result's ansible_facts first, then the registered result: a set_fact
  // registered under the name it sets ends up holding the registered result.
  if (out.setFacts && status !== 'failed') Object.assign(run.hostState(out.factsHost ?? hs.name).hostVars, out.setFacts);
  if (task.register) hs.hostVars[task.register] = out.registered;
  // set_fact / register under a secret-looking name: the value is a secret from now on.
  if (out.setFacts) run.redactor.scan(out.setFacts);
  if (task.register) run.redactor.scan({ [task.register]: out.registered });
  if (out.changed && status !== 'failed') for (const n of task.notify) notifyHandler(pr, hs.name, n);
  if (status === 'failed') {
    hs.failed = true;
    hs.hostVars['ansible_failed_result'] = out.registered;
    hs.hostVars['ansible_failed_task'] = { name: taskLabel(task), module: task.module };
  }
  if (status === 'unreachable') hs.unreachable = true;
  if (!shown) return;
  const r = hs.recap;
  // Like Ansible's recap, an ignored failure also counts as ok (PLAY RECAP ok=… ignored=…).
  if (status === 'ok' || status === 'changed' || status === 'ignored') r.ok++;
  if (out.changed && status !== 'failed') r.changed++;
  if (status === 'skipped') r.skipped++;
  if (status === 'failed') r.failed++;
  if (status === 'unreachable') r.unreachable++;
  if (status === 'ignored') r.ignored++;

  const hidden = task.noLog;
  const result: HostTaskResult = run.redactor.value({
    host: hs.name,
    status,
    changed: out.changed,
    msg: hidden ? (status === 'failed' ? "the output has been hidden due to the fact that 'no_log: true' was specified for this result" : undefined) : out.msg,
    diff: hidden ? undefined : out.diff,
    durationMs,
    result: hidden ? { censored: "the output has been hidden due to the fact that 'no_log: true' was specified for this result", changed: out.changed } : stripBig(out.registered),
    // no_log: each item still shows, as ansible-core's callback prints it: (item=None)
    items: hidden ? out.items?.map((it) => ({ host: it.host, status: it.status, changed: it.changed, durationMs: it.durationMs, item: 'None' })) : out.items,
    check: (task.checkMode ?? run.opts.check) || undefined, // task-level check_mode wins, both ways
  });
  if (run.opts.mode === 'fix' && out.changed) result.corrective = true;
  tr.results.push(result);
  run.emit({ type: 'host-result', play: pr.play.name, task: tr.name, result });
}

function stripBig(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (Buffer.isBuffer(v)) continue;
    out[k] = typeof v === 'string' && v.length > 65536 ? v.slice(0, 65536) + '…(truncated)' : v;
  }
  return out;
}

/** any_errors_fatal and max_fail_percentage, checked after every step outside rescuable blocks. */
function checkFailurePolicy(pr: PlayRun, scope: Scope): void {
  if (scope.inRescuableBlock || pr.run.aborted) return;
  const failed = pr.batch.filter((h) => pr.run.hostState(h).failed);
  if (!failed.length) return;
  if (pr.play.anyErrorsFatal) {
    pr.run.aborted = 'a task failed with any_errors_fatal';
    return;
  }
  const max = pr.play.maxFailPercentage;
  if (max !== undefined && (failed.length / pr.batch.length) * 100 > max) {
    pr.run.aborted = `max_fail_percentage ${max}% exceeded (${failed.length}/${pr.batch.length} hosts failed)`;
  }
}

/** A handler's name as notify matches it: templated once with play-level variables (no host), as Ansible does. */
function handlerName(pr: PlayRun, e: HandlerEntry): string | undefined {
  if (e.resolvedName !== undefined || !e.task.name) return e.resolvedName ?? e.task.name;
  if (!e.task.name.includes('{{') && !e.task.name.includes('{%')) return (e.resolvedName = e.task.name);
  const { run } = pr;
  const role = e.scope.role?.role;
  try {
    const vars = lazyContext(mergeLayers([role?.defaults, run.playVars, run.varsFilesVars, role?.vars, run.extraVars]), e.task.loc, {
      playbook_dir: run.playbookDir,
      env: run.env,
      ...(role ? { role_name: role.name, role_path: role.dir } : {}),
    });
    e.resolvedName = renderString(e.task.name, vars, e.task.loc);
  } catch {
    // Ansible skips a handler whose name cannot be templated without a host (it may still listen).
    return undefined;
  }
  return e.resolvedName;
}

/**
 * `notify: NAME` for a host: one handler of that name (also as "role : name"), and every handler
 * listening to it. Like ansible-core, the handler lists are searched last first (the play's after
 * the roles', a later role's before an earlier one's) and each list from its first handler.
 */
function notifyHandler(pr: PlayRun, host: string, name: string): void {
  let found = false;
  const groups: HandlerEntry[][] = [];
  for (const e of pr.handlers) {
    const last = groups.at(-1);
    if (last && last[0]!.scope.role?.role.name === e.scope.role?.role.name) last.push(e);
    else groups.push([e]);
  }
  search: for (const group of groups.reverse()) {
    for (const e of group) {
      const n = handlerName(pr, e);
      if (n === undefined) continue;
      const role = e.scope.role?.role.name;
      if (n === name || (role && `${role} : ${n}` === name)) {
        e.notified.add(host);
        found = true;
        break search;
      }
    }
  }
  for (const e of pr.handlers) {
    if (e.task.listen.includes(name)) {
      e.notified.add(host);
      found = true;
    }
  }
  if (!found) pr.run.emitWarning(`The requested handler '${name}' was not found in either the main handlers list nor in the listening handlers list`, host);
}

/** Run notified handlers once, in definition order (roles' handlers, then the play's), on the hosts that notified them. */
/** --force-handlers (or the play's force_handlers): a host that failed a task still runs the handlers it notified (not one that is unreachable or ended). */
function forcedHandlerHost(pr: PlayRun, host: string): boolean {
  const hs = pr.run.hostState(host);
  return !!(pr.run.opts.forceHandlers || pr.play.forceHandlers) && hs.failed === true && !hs.unreachable && !pr.run.aborted && !pr.endedHosts.has(host);
}

async function flushHandlers(pr: PlayRun, only?: string[]): Promise<void> {
  for (const e of pr.handlers) {
    const hosts = pr.batch.filter((h) => (pr.active(h) || forcedHandlerHost(pr, h)) && e.notified.has(h) && (!only || only.includes(h)));
    if (!hosts.length) continue;
    for (const h of hosts) e.notified.delete(h);
    const task = e.task.name && handlerName(pr, e) !== e.task.name ? { ...e.task, name: handlerName(pr, e) } : e.task;
    await taskStep(pr, new Map(hosts.map((h) => [h, task])), { ...e.scope, path: `handlers/${e.scope.path}/${e.task.name}` }, true);
  }
}

/** Hosts that end (end_host, end_play, end_batch) drop the handlers they notified, as in Ansible. */
function dropNotifications(pr: PlayRun, hosts: string[]): void {
  for (const e of pr.handlers) for (const h of hosts) e.notified.delete(h);
}

/** What a meta action says when its condition is false (ansible-core's skip_reason). */
function metaSkipReason(action: MetaAction, host: string): string {
  const tail: Partial<Record<MetaAction, string>> = {
    flush_handlers: `, not running handlers for ${host}`,
    clear_facts: `, not clearing facts and fact cache for ${host}`,
    clear_host_errors: `, not clearing host error state for ${host}`,
    end_batch: ', continuing current batch',
    end_play: ', continuing play',
    end_host: `, continuing execution for ${host}`,
  };
  return `${action} conditional evaluated to False${tail[action] ?? ''}`;
}

/**
 * `meta:` tasks, as ansible-core's linear strategy runs them: per host for noop, reset_connection,
 * end_host and flush_handlers, once (for the first host) for the others. Only a meta whose condition
 * is false shows a result (skipped, not counted in the recap), as ansible's callbacks see it.
 */
async function metaStep(pr: PlayRun, entries: Array<[string, ModuleTask]>, scope: Scope): Promise<void> {
  const { run } = pr;
  const action = entries[0]![1].args['_raw_params'] as MetaAction;
  const perHost = ['noop', 'reset_connection', 'end_host', 'flush_handlers'].includes(action);
  const list = perHost ? entries : entries.slice(0, 1);
  const playHosts = pr.report.hosts;
  const flush: string[] = [];
  run.emit({ type: 'task-start', play: pr.play.name, task: taskLabel(entries[0]![1]), module: 'meta', hosts: entries.map(([h]) => h) });
  for (const [h, t] of list) {
    const hs = run.hostState(h);
    if (!['noop', 'refresh_inventory', 'reset_connection'].includes(action)) {
      let holds: boolean;
      try {
        const vars = await run.varsFor(hs, scope, t);
        holds = scope.when.every((c) => evaluateCondition(c.expr, vars, c.loc)) && t.when.every((c) => evaluateCondition(c, vars, t.loc));
      } catch (e) {
        const msg = e instanceof TsplayError ? formatError(e) : String((e as Error).message ?? e);
        const tr = pr.taskReport(`${scope.path}#meta`, taskLabel(t), t);
        record(pr, tr, hs, { status: 'failed', changed: false, msg, registered: { failed: true, msg } }, 0, t);
        continue;
      }
      if (!holds) {
        const reason = metaSkipReason(action, h);
        const msg = action === 'end_host' ? `end_host conditional evaluated to false, continuing execution for ${h}` : action;
        const tr = pr.taskReport(`${scope.path}#meta`, taskLabel(t), t);
        const result: HostTaskResult = {
          host: h,
          status: 'skipped',
          changed: false,
          msg: reason,
          durationMs: 0,
          result: { msg, skip_reason: reason, skipped: true, changed: false },
        };
        tr.results.push(result);
        run.emit({ type: 'host-result', play: pr.play.name, task: tr.name, result });
        continue;
      }
    }
    switch (action) {
      case 'flush_handlers':
        flush.push(h);
        break;
      case 'end_host':
        pr.endedHosts.add(h);
        run.endedHosts.add(h);
        dropNotifications(pr, [h]);
        break;
      case 'end_batch':
        pr.batchEnded = true;
        dropNotifications(pr, pr.batch);
        break;
      case 'end_play':
        pr.ended = true;
        dropNotifications(pr, playHosts);
        break;
      case 'clear_facts':
        for (const name of playHosts) {
          const s = run.hostState(name);
          s.facts = undefined;
          s.factsPromise = undefined;
          s.ansibleFacts = undefined;
        }
        break;
      case 'clear_host_errors': {
        // every host of the play's pattern (also one that failed in an earlier play) is usable by
        // the next plays; one that failed in this play stays out of it, as ansible's iterator has
        // it done (and ansible_play_hosts keeps it out)
        const all = selectPlayHosts(run.inventory, pr.play.hosts, run.opts.limit, pr.play.loc).hosts;
        for (const name of all) {
          const s = run.hostState(name);
          if ((s.failed || s.unreachable) && playHosts.includes(name)) {
            pr.endedHosts.add(name);
            run.endedHosts.add(name);
          }
          s.failed = false;
          s.unreachable = false;
        }
        break;
      }
      case 'reset_connection':
        await run.resetConnection(hs);
        break;
      case 'refresh_inventory':
        run.emitWarning('meta: refresh_inventory does nothing in tsplay: the inventory is read once, when the run starts');
        break;
      case 'noop':
        break;
    }
  }
  if (flush.length) await flushHandlers(pr, flush);
}
