import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { ModuleTask } from '../config/model.js';
import type { Command, ShellCommand } from '../commands/types.js';
import type { Executor, RunResult } from '../executors/types.js';
import type { ModuleDef, Plan, PlanContext, Outcome, FileDiff } from '../modules/types.js';
import type { HostFacts } from '../facts/types.js';
import type { HostTaskResult, HostStatus } from './report.js';
import { TsplayError, UndefinedVariableError, formatError, isUserError } from '../errors.js';
import { aggregateLoopResults, emptyLoopResult, loopItemFields, loopItemVars, overlayVars, resolveLoop, type ResolvedLoop } from './loop.js';
import { findModule } from '../modules/registry.js';
import { evaluateCondition, evaluateValue, removeOmit, renderString, renderTemplateFile, renderValue, stringifyValue } from './deps.js';
import { resolveConnectionKeywords, type HostState, type RunContext, type Scope } from './context.js';
import { includeVarsFiles } from './include-vars.js';
import type { IncludeVarsRequest } from '../modules/system/include_vars.js';
import {
  controllerDirReader,
  controllerDwim,
  controllerFileModeReader,
  controllerFileReader,
  controllerFileResolver,
  inspectControllerPath,
  writeControllerFile,
} from './files.js';
import { readVaultedText } from '../config/vault.js';
import { performReboot } from './reboot.js';
import { raw } from '../commands/quote.js';
import { randomBytes } from 'node:crypto';
import { batchScript, parseBatch } from '../commands/batch.js';
import { ansibleBoolean } from '../config/boolean.js';

/** The registered value of a task (what `register:` stores). */
export type Registered = Record<string, unknown>;

export interface TaskOutcome {
  status: HostStatus;
  changed: boolean;
  msg?: string;
  diff?: FileDiff[];
  registered: Registered;
  items?: HostTaskResult[];
  /** Host could not be reached. */
  unreachable?: boolean;
  setFacts?: Record<string, unknown>;
  /** delegate_facts: the host that set_fact / setup / include_vars results belong to (default: the task's host). */
  factsHost?: string;
}

/** Run one module task (with loop, when, retries, changed_when/failed_when) on one host. */
export async function runModuleTaskOnHost(run: RunContext, hs: HostState, task: ModuleTask, scope: Scope): Promise<TaskOutcome> {
  const started = Date.now();
  try {
    const base = withSearchPath(await run.varsFor(hs, scope, task), task, run.playbookDir);
    if (task.loop !== undefined) {
      return await runLoop(run, hs, task, scope, base);
    }
    if (!conditionsHold(task, scope, base)) {
      return { status: 'skipped', changed: false, msg: 'Conditional result was False', registered: { changed: false, skipped: true, skip_reason: 'Conditional result was False' } };
    }
    return await runWithRetries(run, hs, task, scope, base);
  } catch (e) {
    return failureOutcome(e, Date.now() - started);
  }
}

/**
 * Ansible's `ansible_search_path` (Task.get_search_path plus the playbook dir): the role's dir, the
 * task file's dir, the playbook dir — where file, template, fileglob and first_found lookups look.
 */
export function taskSearchPath(task: { role?: { dir: string }; loc: { file: string } }, playbookDir: string): string[] {
  const out: string[] = [];
  for (const d of [task.role?.dir, task.loc.file ? path.dirname(path.resolve(task.loc.file)) : undefined, playbookDir]) if (d && !out.includes(d)) out.push(d);
  return out;
}

function withSearchPath(vars: Record<string, unknown>, task: ModuleTask, playbookDir: string): Record<string, unknown> {
  if (Object.hasOwn(vars, 'ansible_search_path')) return vars;
  return overlayVars(vars, { ansible_search_path: taskSearchPath(task, playbookDir) });
}

function failureOutcome(e: unknown, _ms: number): TaskOutcome {
  if (e instanceof TsplayError && e.code === 'CONNECTION') {
    return {
      status: 'unreachable',
      changed: false,
      unreachable: true,
      msg: e.message + (e.hint ? ` (${e.hint})` : ''),
      registered: { unreachable: true, msg: e.message, changed: false },
    };
  }
  const msg = isUserError(e) ? (e instanceof TsplayError ? formatError(e) : e.message) : `internal error: ${(e as Error)?.stack ?? String(e)}`;
  return { status: 'failed', changed: false, msg, registered: { failed: true, changed: false, msg } };
}

function conditionsHold(task: ModuleTask, scope: Scope, vars: Record<string, unknown>): boolean {
  for (const c of scope.when) if (!evaluateCondition(c.expr, vars, c.loc)) return false;
  for (const expr of task.when) if (!evaluateCondition(expr, vars, task.loc)) return false;
  return true;
}

async function runLoop(run: RunContext, hs: HostState, task: ModuleTask, scope: Scope, base: Record<string, unknown>): Promise<TaskOutcome> {
  let loop: ResolvedLoop;
  try {
    loop = resolveLoop(task, base, task.loc, task.module);
  } catch (e) {
    // Ansible keeps an undefined-variable error of the loop until `when` is known: a false `when` skips the task.
    if (!(e instanceof UndefinedVariableError)) throw e;
    let holds = true;
    try {
      holds = conditionsHold(task, scope, base);
    } catch {
      throw e;
    }
    if (!holds)
      return { status: 'skipped', changed: false, msg: 'Conditional result was False', registered: { changed: false, skipped: true, skip_reason: 'Conditional result was False' } };
    throw e;
  }
  const { items, control } = loop;
  if (items.length === 0) return { status: 'skipped', changed: false, msg: 'No items in the list', items: [], registered: emptyLoopResult() };
  if (Object.hasOwn(base, control.loopVar)) {
    run.emitWarning(
      `${taskLabel(task)}: The loop variable '${control.loopVar}' is already in use. You should set the \`loop_var\` value in the \`loop_control\` option for the task to something else to avoid variable collisions and unexpected behavior.`,
      hs.name,
    );
  }
  const results: HostTaskResult[] = [];
  const registeredItems: Registered[] = [];
  const diffs: FileDiff[] = [];
  // set_fact / include_vars in a loop: the next items see what the earlier ones set (ansible's
  // TaskExecutor updates the loop's variables with each item's ansible_facts)
  let setSoFar: Record<string, unknown> | undefined;
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && control.pause > 0) await sleep(control.pause * 1000, run.signal);
    const t0 = Date.now();
    const vars = loopItemVars(setSoFar ? overlayVars(base, setSoFar) : base, control, items, i);
    let out: TaskOutcome;
    try {
      if (!conditionsHold(task, scope, vars)) {
        out = { status: 'skipped', changed: false, registered: { changed: false, skipped: true, skip_reason: 'Conditional result was False' } };
      } else {
        out = await runWithRetries(run, hs, task, scope, vars);
      }
    } catch (e) {
      out = failureOutcome(e, Date.now() - t0);
    }
    if (out.unreachable) return out;
    let label: unknown;
    try {
      // the label as the callback prints it: Python's text of the value (a dict as {'a': 1})
      label = renderString(control.label, vars, task.loc);
    } catch (e) {
      label = control.label;
      const msg = `Failed to template loop_control.label: ${e instanceof Error ? e.message : String(e)}`;
      out = { ...out, status: 'failed', msg, registered: { ...out.registered, failed: true, msg } };
    }
    results.push({ host: hs.name, status: out.status, changed: out.changed, msg: out.msg, diff: out.diff, durationMs: Date.now() - t0, item: label });
    registeredItems.push({ ...out.registered, ...loopItemFields(control, items, i) });
    if (out.setFacts) {
      Object.assign(run.hostState(out.factsHost ?? hs.name).hostVars, out.setFacts);
      run.redactor.scan(out.setFacts);
      if ((out.factsHost ?? hs.name) === hs.name) setSoFar = { ...setSoFar, ...out.setFacts };
    }
    if (out.diff) diffs.push(...out.diff);
  }
  const registered = aggregateLoopResults(registeredItems);
  const failed = registered.failed === true;
  const status: HostStatus = failed ? 'failed' : registered.skipped ? 'skipped' : registered.changed ? 'changed' : 'ok';
  return {
    status,
    changed: registered.changed === true,
    msg: failed ? 'One or more items failed' : undefined,
    diff: diffs.length ? diffs : undefined,
    items: results,
    registered,
  };
}

/** A number keyword (`retries`, `delay`): the literal, or its template rendered for this host. */
function numKeyword(v: number | string | undefined, what: string, vars: Record<string, unknown>, task: ModuleTask): number | undefined {
  if (v === undefined || typeof v === 'number') return v;
  const r = renderValue(v, vars, task.loc);
  const n = typeof r === 'number' ? r : typeof r === 'string' && /^\s*-?\d+\s*$/.test(r) ? Number(r) : NaN;
  if (!Number.isInteger(n)) throw new TsplayError('VALIDATION', `'${what}' must be an integer, got ${JSON.stringify(r)}`, { location: task.loc });
  return n;
}

/** Ansible's retry loop: with `until`, retries+1 attempts `delay` seconds apart; `attempts` in the result. */
async function runWithRetries(run: RunContext, hs: HostState, task: ModuleTask, scope: Scope, vars: Record<string, unknown>): Promise<TaskOutcome> {
  let attempts = 1;
  if (task.until) {
    const retries = numKeyword(task.retries, 'retries', vars, task);
    attempts = retries === undefined ? 3 : retries <= 0 ? 1 : retries + 1;
  }
  let delay = numKeyword(task.delay, 'delay', vars, task) ?? 5;
  if (delay < 0) delay = 1;
  let last: TaskOutcome | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    last = await runOnce(run, hs, task, scope, vars);
    if (!task.until || last.unreachable) return last;
    last.registered.attempts = attempt;
    if (attempts <= 1) return last;
    const v = task.register ? overlayVars(vars, { [task.register]: last.registered }) : vars;
    let ok = false;
    try {
      ok = evaluateCondition(task.until, v, task.loc);
    } catch (e) {
      return failureOutcome(e, 0);
    }
    if (ok) return last;
    if (attempt < attempts) {
      run.emitWarning(`FAILED - RETRYING: [${hs.name}]: ${taskLabel(task)} (${attempts - attempt} retries left).`, hs.name);
      await sleep(delay * 1000, run.signal);
    }
  }
  // ansible-core reports one attempt fewer than it ran when the retries run out
  last!.registered.attempts = attempts - 1;
  last!.status = 'failed';
  last!.registered.failed = true;
  last!.msg = last!.msg ? `${last!.msg} (until condition never held after ${attempts} attempts)` : `until condition \`${task.until}\` never held after ${attempts} attempts`;
  return last!;
}

/** Ansible's template action: search path (the template's dir, role and playbook dirs, each with templates/) and template_* vars. */
function renderTemplateSource(
  src: string,
  o: { trimBlocks?: boolean; lstripBlocks?: boolean; newlineSequence?: string; dest?: string },
  vars: Record<string, unknown>,
  playbookDir: string,
  task: ModuleTask,
): string {
  const file = controllerFileResolver(playbookDir, task.role?.dir)(src, 'templates');
  // A vault-encrypted template is decrypted on the controller (Ansible's get_real_file).
  const text = readVaultedText(file);
  const dirs = [...(task.role?.dir ? [task.role.dir] : []), playbookDir, path.dirname(file)];
  const searchPaths = dirs.flatMap((d) => [path.join(d, 'templates'), d]);
  const st = statSync(file);
  const extra: Record<string, unknown> = {
    template_host: hostname(),
    template_path: src,
    template_fullpath: file,
    template_destpath: o.dest ?? '',
    template_mtime: new Date(st.mtimeMs),
    template_uid: userNameOf(st.uid),
    template_run_date: new Date(),
  };
  const merged = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(vars)) Object.defineProperty(merged, k, Object.getOwnPropertyDescriptor(vars, k)!);
  for (const [k, v] of Object.entries(extra)) Object.defineProperty(merged, k, { value: v, enumerable: true, configurable: true, writable: true });
  return renderTemplateFile(
    text,
    merged,
    { file },
    { ...o, name: file, searchPaths, readFile: (p) => (existsSync(p) && statSync(p).isFile() ? readFileSync(p, 'utf8') : undefined) },
  );
}

function userNameOf(uid: number): string {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[2] === String(uid)) return f[0]!;
    }
  } catch {
    /* no passwd file: fall back to the number */
  }
  return String(uid);
}

function spread(vars: Record<string, unknown>): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(vars)) Object.defineProperty(out, k, Object.getOwnPropertyDescriptor(vars, k)!);
  return out;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

export function taskLabel(task: ModuleTask): string {
  return task.name ?? `${task.moduleAs}`;
}

/** Thrown when probe ahead computes a task's probes before the host's facts are in: the task is probed when it runs. */
const FACTS_NOT_YET = Symbol('facts not gathered yet');
const SPECULATIVE_FACTS = new Proxy({} as HostFacts, {
  get(_, key) {
    // a Promise resolution or an inspection looks for these: not a read of a fact
    if (typeof key === 'symbol' || key === 'then' || key === 'toJSON') return undefined;
    throw FACTS_NOT_YET;
  },
  has() {
    throw FACTS_NOT_YET;
  },
  ownKeys() {
    throw FACTS_NOT_YET;
  },
});

/**
 * The host's facts for a task that reads them: the first such task takes the gathering probe ahead
 * started, failure included (it fails as it would have); otherwise they are gathered now.
 */
function gatheredFacts(run: RunContext, hs: HostState): Promise<HostFacts> {
  const p = hs.factsAhead;
  hs.factsAhead = undefined;
  return p ?? run.ensureFacts(hs);
}

/**
 * What one run of a task needs before its probes: the module, its typed arguments, check mode,
 * privilege escalation, environment, deadline, the host it runs on and the plan context. Shared by
 * the run itself and by probing ahead (the probes' commands must be the same text either way).
 */
async function prepareTask(run: RunContext, hs: HostState, task: ModuleTask, scope: Scope, vars: Record<string, unknown>, speculative = false) {
  const mod = findModule(task.module);
  if (!mod) throw new TsplayError('VALIDATION', `unknown module "${task.moduleAs}"`, { location: task.loc });
  const rendered = removeOmit(renderValue(task.args, vars, task.loc)) as Record<string, unknown>;
  const parsed = mod.args.safeParse(rendered);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`).join('; ');
    throw new TsplayError('VALIDATION', `${task.moduleAs}: invalid arguments: ${issues}`, { location: task.loc, hint: `see the ${mod.name} module's arguments` });
  }
  const args = parsed.data;
  const check = task.checkMode ?? run.opts.check ?? false;
  const become = task.become ?? scope.become ?? run.playBecome ?? boolVar(vars['ansible_become']) ?? run.opts.cliDefaults?.become;
  const becomeUserRaw = task.becomeUser ?? scope.becomeUser ?? run.playBecomeUser;
  const becomeUser = becomeUserRaw !== undefined ? renderString(becomeUserRaw, vars, task.loc) : (strVar(vars['ansible_become_user']) ?? run.opts.cliDefaults?.becomeUser);
  // remote_user / port / connection / become_method…: the enclosing play, blocks and role calls, then the task's own.
  const connKw = scope.conn || task.conn ? resolveConnectionKeywords({ ...scope.conn, ...task.conn }, vars, task.loc) : undefined;
  if (become && connKw?.unknownBecomeMethod !== undefined)
    throw new TsplayError('VALIDATION', `Invalid become method specified, could not find matching plugin: '${connKw.unknownBecomeMethod}'`, {
      location: task.loc,
      hint: 'tsplay becomes another user with sudo or su',
    });
  const escalation = { become, becomeUser, becomeMethod: connKw?.becomeMethod, becomeFlags: connKw?.becomeFlags, becomeExe: connKw?.becomeExe };
  const env = taskEnvironment(scope, task, vars);
  // `timeout:` (or ANSIBLE_TASK_TIMEOUT): the whole module run has that many seconds; commands
  // past it are killed on the host and the task fails with Ansible's words.
  const timeoutS = numKeyword(task.timeout, 'timeout', vars, task) ?? envTaskTimeout();
  const deadline = timeoutS !== undefined && timeoutS > 0 ? Date.now() + timeoutS * 1000 : undefined;
  const within = (ms: number | undefined): number | undefined => {
    if (deadline === undefined) return ms;
    const left = Math.max(1, deadline - Date.now());
    return ms === undefined ? left : Math.min(ms, left);
  };
  const pastDeadline = (r: RunResult): boolean => deadline !== undefined && !!r.timedOut && Date.now() >= deadline - 50;
  const timedOut = (): TaskOutcome => {
    const msg = `The ${task.moduleAs} action failed to execute in the expected time frame (${timeoutS}) and was terminated`;
    return { status: 'failed', changed: false, msg, registered: { failed: true, msg, changed: false } };
  };

  // delegate_to: run on another host with this host's variables (Ansible semantics).
  let target = hs;
  if (task.delegateTo) {
    const to = renderString(task.delegateTo, vars, task.loc);
    target = await run.delegateState(to);
  }

  // Facts are gathered for a module that reads them; a factsFree one (and probe ahead before the
  // facts are in) gets SPECULATIVE_FACTS, which throws FACTS_NOT_YET where read (runOnce gathers then).
  const facts: HostFacts | undefined = mod.local ? target.facts : (target.facts ?? (speculative || mod.factsFree ? SPECULATIVE_FACTS : await gatheredFacts(run, target)));
  // The connection every probe and command of this task uses, and how a shell command runs on it.
  const executor = () => run.executorFor(target, connKw && { ...run.playConnection(target), ...connKw });
  // A command may change what the host's probes would read: what was probed ahead is dropped.
  // One run elsewhere (delegated, or on a local connection: the controller reaches other hosts
  // by ssh, APIs…) may change any host: every host's are.
  const forget = async () => {
    if (target !== hs || reachedLocally(target)) await Promise.all([...run.hostStates.values()].map(forgetProbesAhead));
    else await forgetProbesAhead(target);
  };
  const runShell = async (ex: Executor, c: ShellCommand) => {
    await forget();
    return ex.run(c.cmd.text, { ...escalation, stdin: c.stdin, env: env || c.env ? { ...env, ...c.env } : undefined, cwd: c.cwd, timeoutMs: within(c.timeoutMs) });
  };
  const planCtxBase = {
    host: hs.name,
    facts: (facts ?? run.emptyFacts) as HostFacts,
    check,
    diff: run.opts.diff ?? false,
    vars,
    readControllerFile: controllerFileReader(run.playbookDir, task.role?.dir),
    controllerFileMode: controllerFileModeReader(run.playbookDir, task.role?.dir),
    readControllerDir: controllerDirReader(run.playbookDir, task.role?.dir),
    controllerDwim: controllerDwim(run.playbookDir),
    inspectControllerPath,
    renderTemplate: (text: string, extra?: Record<string, unknown>) => renderString(text, extra ? { ...spread(vars), ...extra } : vars, task.loc),
    renderTemplateFile: (src: string, o: { trimBlocks?: boolean; lstripBlocks?: boolean; newlineSequence?: string; dest?: string }) =>
      renderTemplateSource(src, o, vars, run.playbookDir, task),
    evaluate: (expr: string) => evaluateCondition(expr, vars, task.loc),
    evaluateValue: (expr: string) => evaluateValue(expr, vars, task.loc),
    includeVars: (req: IncludeVarsRequest) => includeVarsFiles(req, { roleDir: task.role?.dir, taskFile: task.loc.file, searchPath: taskSearchPath(task, run.playbookDir) }),
  };
  return { mod, args, check, escalation, env, timeoutS, within, pastDeadline, timedOut, target, executor, runShell, forget, planCtxBase, connKw };
}

/** The probe-ahead cache key of a probe: its command as sent, with everything that changes how it runs. */
function probeKey(cmd: string, escalation: object, env: Record<string, string> | undefined, connKw: object | undefined): string {
  return JSON.stringify([cmd, escalation, env ?? null, connKw ?? null]);
}

/** Render args, plan, execute (unless check mode), interpret, then apply changed_when / failed_when. */
async function runOnce(run: RunContext, hs: HostState, task: ModuleTask, scope: Scope, vars: Record<string, unknown>): Promise<TaskOutcome> {
  const { mod, args, check, escalation, env, within, pastDeadline, timedOut, target, executor, runShell, forget, planCtxBase, connKw } = await prepareTask(
    run,
    hs,
    task,
    scope,
    vars,
  );
  const probeAndPlanOnce = async (staged?: RunResult[]): Promise<Plan> => {
    const probed: Record<string, unknown> = {};
    if (!mod.local && mod.probes) {
      const probes = mod.probes(args, planCtxBase);
      const ex = await executor();
      const results = await Promise.all(
        probes.map(async (p) => {
          const ahead = takeProbeAhead(target, probeKey(p.cmd.text, escalation, env, connKw), task.until !== undefined);
          const r = ahead && deadlineFree(within) ? await ahead : undefined;
          return r ?? ex.run(p.cmd.text, { ...escalation, ...(env ? { env } : {}), timeoutMs: within(undefined) });
        }),
      );
      if (results.some(pastDeadline)) throw TASK_TIMED_OUT;
      for (const [i, p] of probes.entries()) probed[p.key] = p.parse(results[i]!);
    }
    const ctx: PlanContext = { ...planCtxBase, probed, ...(staged ? { staged } : {}) };
    return mod.plan(args, ctx);
  };
  // A factsFree module that reads facts after all: gather them, then probe and plan again.
  const probeAndPlan = async (staged?: RunResult[]): Promise<Plan> => {
    try {
      return await probeAndPlanOnce(staged);
    } catch (e) {
      if (e !== FACTS_NOT_YET) throw e;
      planCtxBase.facts = await gatheredFacts(run, target);
      return probeAndPlanOnce(staged);
    }
  };
  let plan: Plan;
  try {
    plan = await probeAndPlan();
    // The first command that would change the host waits for the run lock; when another run held
    // it, the host was read while that run changed it: probe and plan again on what it left.
    if (!mod.local && !plan.failed && (plan.stage?.length || plan.commands.length > 0) && (await run.holdLock(target))) {
      forgetProbesAhead(target);
      plan = await probeAndPlan();
    }
  } catch (e) {
    if (e === TASK_TIMED_OUT) return timedOut();
    throw e;
  }
  // A staged plan (apt's cache update): its commands run first, then the module probes and plans
  // again on what they changed, as Ansible re-reads the apt cache after updating it. Once only.
  if (plan.stage?.length && !plan.failed) {
    const ex = await executor();
    const staged: RunResult[] = [];
    for (const c of plan.stage) {
      if (c.kind !== 'shell') throw new Error(`internal: a staged command must be a shell command (${mod.name})`);
      const r = await runShell(ex, c);
      if (pastDeadline(r)) return timedOut();
      staged.push(r);
    }
    try {
      plan = await probeAndPlan(staged);
    } catch (e) {
      if (e === TASK_TIMED_OUT) return timedOut();
      throw e;
    }
    if (plan.stage?.length && !plan.failed) throw new Error(`internal: ${mod.name} staged twice`);
  }
  // setup: the host's facts are the new ones (Ansible's fact cache is updated, not replaced)
  // delegate_facts: facts a module returns belong to the host the task was delegated to.
  const factHs = task.delegateFacts && task.delegateTo ? target : hs;
  if (plan.gatheredFacts && !plan.failed) {
    factHs.facts = plan.gatheredFacts.facts;
    run.redactor.scan({ ansible_facts: plan.gatheredFacts.ansible });
    factHs.ansibleFacts = { ...factHs.ansibleFacts, ...plan.gatheredFacts.ansible };
  }
  for (const c of plan.commands) if (c.kind === 'shell') registerCommandSecrets(run, c);
  for (const w of plan.warnings ?? []) run.emitWarning(w, hs.name);
  // include_vars: the variables take effect at their own precedence level (below set_fact)
  if (plan.includedVars && !plan.failed) {
    factHs.includedVars = { ...factHs.includedVars, ...plan.includedVars };
    run.redactor.scan(plan.includedVars);
  }

  let outcome: Outcome;
  if (plan.reboot && reachedLocally(target)) {
    // The reboot plugin refuses before anything else, check mode included.
    const msg = `Running ${task.moduleAs} with local connection would reboot the control node.`;
    outcome = { changed: false, failed: msg, result: { changed: false, elapsed: 0, rebooted: false, msg } };
  } else if (plan.reboot && !check && !plan.failed) {
    const request = plan.reboot;
    outcome = await performReboot(request, {
      run: async (cmd) => runShell(await executor(), { kind: 'shell', cmd: raw(cmd) }),
      reset: () => run.resetConnection(target),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: () => Date.now(),
      random: Math.random,
    });
  } else if (plan.failed) {
    outcome = { changed: false, failed: plan.failed, result: plan.result, msg: plan.failed };
  } else if (check && (mod.local ? false : plan.commands.length > 0)) {
    if (plan.unpredictable) {
      const msg = `check mode: would run ${describeCommands(plan.commands)}`;
      return finish(run, task, vars, { status: 'skipped', changed: false, msg, registered: { changed: false, skipped: true, msg, ...plan.result } });
    }
    outcome = { changed: plan.changed, result: plan.result, msg: plan.msg };
  } else if (plan.commands.length === 0) {
    outcome = { changed: plan.changed, result: plan.result, msg: plan.msg };
    if (plan.waitMs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, plan.waitMs));
      if (plan.interpret) outcome = plan.interpret([]);
    } else if (plan.interpret && !check) outcome = plan.interpret([]);
  } else {
    const ex = await executor();
    const outputs: RunResult[] = [];
    let failedMsg: string | undefined;
    for (const c of plan.commands) {
      if (run.signal?.aborted) {
        failedMsg = 'interrupted before all commands ran: the host may be half-applied';
        break;
      }
      if (c.kind === 'controller-write') {
        // fetch: the bytes a probe read from the host are written on the controller, not on the host
        outputs.push(writeControllerFile(c.path, c.content));
        continue;
      }
      if (c.kind === 'put') {
        await forget();
        await ex.put(c.path, c.content, { mode: c.mode, owner: c.owner, group: c.group, ...escalation });
        outputs.push({ rc: 0, stdout: '', stderr: '', durationMs: 0 });
        continue;
      }
      const r = await runShell(ex, c);
      if (pastDeadline(r)) return timedOut();
      outputs.push(r);
      if (r.rc !== 0 && !c.mayFail) {
        const what = c.describe ?? c.cmd.text;
        failedMsg = `${r.timedOut ? 'timed out' : `rc=${r.rc}`}: ${what}${r.stderr.trim() ? `: ${r.stderr.trim()}` : r.stdout.trim() ? `: ${r.stdout.trim().slice(-2000)}` : ''}`;
        break;
      }
    }
    if (failedMsg && !plan.interpret) {
      const last = outputs[outputs.length - 1];
      outcome = { changed: outputs.length > 1, failed: failedMsg, result: { ...plan.result, rc: last?.rc, stdout: last?.stdout, stderr: last?.stderr } };
    } else if (plan.interpret) {
      outcome = plan.interpret(outputs);
      if (failedMsg && !outcome.failed) outcome = { ...outcome, failed: failedMsg };
    } else {
      outcome = { changed: plan.changed, result: plan.result, msg: plan.msg };
    }
  }
  // A module may decide at plan time that it has nothing to do here (debug below its verbosity).
  const status: HostStatus = outcome.failed ? 'failed' : outcome.result?.['skipped'] === true ? 'skipped' : outcome.changed ? 'changed' : 'ok';
  const registered: Registered = { ...(plan.result ?? {}), ...(outcome.result ?? {}), changed: outcome.changed, failed: !!outcome.failed };
  // A module's own result.msg keeps its native type (debug msg: a list stays a list, like Ansible).
  if (outcome.failed) registered.msg = outcome.failed;
  else if (outcome.msg && registered.msg === undefined) registered.msg = outcome.msg;
  if (check) registered.check_mode = true;
  return finish(run, task, vars, {
    status,
    changed: outcome.changed,
    msg: outcome.failed ?? outcome.msg,
    diff: plan.diff?.length ? plan.diff : undefined,
    registered,
    setFacts: plan.setFacts,
    ...(factHs !== hs ? { factsHost: factHs.name } : {}),
  });
}

/** Thrown out of the probe round trip when the task's `timeout:` ran out there. */
const TASK_TIMED_OUT = Symbol('task timed out');

/** ANSIBLE_TASK_TIMEOUT (Ansible's TASK_TIMEOUT setting, default 0 = none): every task's default `timeout`. */
function envTaskTimeout(): number | undefined {
  const v = process.env['ANSIBLE_TASK_TIMEOUT'];
  if (v === undefined || v.trim() === '') return undefined;
  if (!/^\s*\d+\s*$/.test(v)) throw new TsplayError('USAGE', `ANSIBLE_TASK_TIMEOUT must be a whole number of seconds, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** Apply changed_when / failed_when with the registered name bound, like Ansible. */
function finish(run: RunContext, task: ModuleTask, vars: Record<string, unknown>, out: TaskOutcome): TaskOutcome {
  if (!task.changedWhen && !task.failedWhen) return out;
  const bound = spread(vars);
  if (task.register) bound[task.register] = out.registered;
  if (task.changedWhen && out.status !== 'skipped') {
    const changed = task.changedWhen.every((e) => evaluateCondition(e, bound, task.loc));
    out.changed = changed;
    out.registered.changed = changed;
    if (out.status === 'ok' || out.status === 'changed') out.status = changed ? 'changed' : 'ok';
  }
  if (task.failedWhen && out.status !== 'skipped') {
    const failed = task.failedWhen.some((e) => evaluateCondition(e, bound, task.loc));
    out.registered.failed = failed;
    if (failed) {
      out.status = 'failed';
      out.msg ??= `failed_when condition held: ${task.failedWhen.join(' or ')}`;
    } else if (out.status === 'failed') {
      out.status = out.changed ? 'changed' : 'ok';
      out.msg = undefined;
    }
  }
  void run;
  return out;
}

function registerCommandSecrets(run: RunContext, c: Extract<Command, { kind: 'shell' }>): void {
  for (const k of c.secretEnv ?? []) run.redactor.add(c.env?.[k]);
  if (typeof c.stdin === 'string') run.redactor.add(c.stdin);
}

function describeCommands(cmds: Command[]): string {
  return cmds.map((c) => (c.kind === 'shell' ? (c.describe ?? c.cmd.text) : c.kind === 'put' ? `write ${c.path}` : `write ${c.path} on the controller`)).join('; ');
}

/**
 * `environment:` of the play, blocks, role calls and the task, outermost first, each templated and
 * laid over the previous (Ansible's `update`, not a deep merge). Values become text as Python's str() does.
 */
function taskEnvironment(scope: Scope, task: ModuleTask, vars: Record<string, unknown>): Record<string, string> | undefined {
  const layers = [...(scope.environment ?? []), ...(task.environment !== undefined ? [task.environment] : [])].flatMap((l) => (Array.isArray(l) ? l : [l]));
  if (!layers.length) return undefined;
  const out: Record<string, string> = {};
  for (const layer of layers) {
    if (layer === null || layer === undefined || layer === '' || (typeof layer === 'object' && Object.keys(layer as object).length === 0)) continue;
    const v = renderValue(layer, vars, task.loc);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      throw new TsplayError('VALIDATION', `environment must be a dictionary, received ${stringifyValue(v)}`, {
        location: task.loc,
        hint: 'environment: { NAME: value } or a variable holding such a mapping',
      });
    }
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = stringifyValue(x);
  }
  return out;
}

function boolVar(v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  return ansibleBoolean(v) ?? false;
}

function strVar(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

export type { ModuleDef };

/**
 * Modules whose probes only read the host (stat, file contents, package and unit state…): the
 * engine may run them ahead of their task. A module that is not listed is always probed when its
 * task runs (apt_key and rpm_key: their gpg probes share a trust database that concurrent or
 * early reads can leave locked or rebuilt).
 */
const PROBE_AHEAD_MODULES = new Set([
  'file',
  'copy',
  'template',
  'lineinfile',
  'blockinfile',
  'replace',
  'ini_file',
  'stat',
  'env_file',
  'yaml_edit',
  'authorized_key',
  'pam_limits',
  'known_hosts',
  'cron',
  'sysctl',
  'mount',
  'hostname',
  'timezone',
  'locale_gen',
  'group',
  'user',
  'package',
  'service',
  'command',
  'shell',
  'apt_repository',
  'deb822_repository',
  'yum_repository',
  'nginx_upstream',
  'firewall_port',
]);

/**
 * How many tasks ahead a host's probes are sent: first a few, four times more each time they were
 * all used before anything changed, a quarter while the host keeps changing (a first run).
 */
const PROBE_AHEAD_FIRST = 16;
const PROBE_AHEAD_MAX = 64;

/**
 * A probe result taken ahead for this probe: valid until a command runs on the host, for every task
 * that sends the same probe (a loop's items stat the same directory). A task that retries (`until`)
 * takes it once: it waits for the host to change by itself, so its next attempts probe again.
 */
function takeProbeAhead(hs: HostState, key: string, once: boolean): Promise<RunResult | undefined> | undefined {
  const e = hs.probesAhead?.get(key);
  if (!e) return undefined;
  e.used = true;
  if (once) hs.probesAhead!.delete(key);
  return e.result;
}

/**
 * Something may have changed on the host: what was probed ahead is dropped (the tasks probe again).
 * While changes keep coming before the probes were used, the host probes fewer tasks ahead; when
 * they were all used, further again.
 */
export async function forgetProbesAhead(hs: HostState): Promise<void> {
  hs.probeChanged = true;
  // probes still running finish first: their reads come before the change, as they would have
  if (hs.probeBatches?.size) await Promise.all(hs.probeBatches);
  const all = [...(hs.probesAhead?.values() ?? [])];
  if (!all.length) return;
  const window = hs.probeWindow ?? PROBE_AHEAD_FIRST;
  hs.probeWindow = all.some((e) => !e.used) ? Math.max(1, Math.floor(window / 4)) : Math.min(PROBE_AHEAD_MAX, window * 4);
  hs.probesAhead!.clear();
}

/** True when the host has probe results waiting for its coming tasks. */
export function hasProbesAhead(hs: HostState): boolean {
  return [...(hs.probesAhead?.values() ?? [])].some((e) => !e.used);
}

/**
 * Probe ahead: the probes of a host's coming tasks (as far as their arguments and conditions are
 * known now, and while the window lasts), sent in one round trip per connection setting. A task
 * takes its probe results from here when its probe commands come out the same and nothing ran on
 * the host since (runShell and put forget them); otherwise it probes as usual. A converged play
 * is then about one round trip per host.
 */
export async function probeAhead(run: RunContext, hs: HostState, tasks: Array<{ task: ModuleTask; scope: Scope }>): Promise<void> {
  if (hs.failed || hs.unreachable) return;
  // the last probes all used before anything changed: look further ahead this time
  const last = [...(hs.probesAhead?.values() ?? [])];
  if (last.length && last.every((e) => e.used)) hs.probeWindow = Math.min(PROBE_AHEAD_MAX, (hs.probeWindow ?? PROBE_AHEAD_FIRST) * 4);
  const window = hs.probeWindow ?? PROBE_AHEAD_FIRST;
  // While every task changes the host (a first run), batching its own probes costs more than it
  // saves: probe as usual until a task goes by without a change, then look ahead again.
  const changed = hs.probeChanged === true;
  hs.probeChanged = false;
  if (window < 2) {
    if (!changed) hs.probeWindow = 2;
    return;
  }
  // No facts yet (gather_facts: false, or gathering under way): when a coming task reads them, they
  // are gathered on a channel of their own beside the probes, instead of in a round trip before them.
  const speculative = !hs.facts;
  const readsFacts = tasks.slice(0, window).some(({ task }) => {
    const m = findModule(task.module);
    return !!m && !m.local && !m.factsFree;
  });
  if (speculative && readsFacts && !hs.factsPromise) {
    const p = run.ensureFacts(hs);
    p.catch(() => undefined);
    hs.factsAhead = p;
  }
  const groups = new Map<string, { ex: () => Promise<Executor>; opts: { env?: Record<string, string> } & Record<string, unknown>; keys: Set<string>; cmds: string[] }>();
  for (const { task, scope } of tasks.slice(0, window)) {
    const mod = findModule(task.module);
    if (!mod || mod.local || !mod.probes || !PROBE_AHEAD_MODULES.has(mod.name)) continue;
    if (task.delegateTo || task.timeout !== undefined || task.templatedKeywords) continue;
    try {
      const base = withSearchPath(await run.varsFor(hs, scope, task), task, run.playbookDir);
      // a loop: each item's probes (the items as known now)
      const loop = task.loop !== undefined ? resolveLoop(task, base, task.loc, task.module) : undefined;
      const each = loop ? loop.items.slice(0, PROBE_AHEAD_MAX).map((_, i) => loopItemVars(base, loop.control, loop.items, i)) : [base];
      for (const vars of each) {
        if (!conditionsHold(task, scope, vars)) continue;
        const t = await prepareTask(run, hs, task, scope, vars, speculative);
        if (t.target !== hs || !deadlineFree(t.within)) continue;
        const group = JSON.stringify([t.escalation, t.env ?? null, t.connKw ?? null]);
        let g = groups.get(group);
        if (!g) groups.set(group, (g = { ex: t.executor, opts: { ...t.escalation, ...(t.env ? { env: t.env } : {}) }, keys: new Set(), cmds: [] }));
        for (const p of t.mod.probes!(t.args, t.planCtxBase)) {
          const key = probeKey(p.cmd.text, t.escalation, t.env, t.connKw);
          if (g.keys.has(key) || hs.probesAhead?.has(key)) continue;
          g.keys.add(key);
          g.cmds.push(p.cmd.text);
        }
      }
    } catch {
      // not knowable yet (a variable set later, a template error the task will report): probed when it runs
    }
  }
  hs.probesAhead ??= new Map();
  for (const g of groups.values()) {
    if (g.cmds.length < 2) continue; // one probe: no round trip to save
    const marker = `TSPLAY-PROBES-${randomBytes(8).toString('hex')}`;
    const batch = g
      .ex()
      .then((ex) => ex.run(batchScript(g.cmds, marker).text, g.opts))
      .then((r) => parseBatch(r, g.cmds.length, marker))
      .catch(() => undefined);
    const batches = (hs.probeBatches ??= new Set());
    batches.add(batch);
    void batch.then(() => batches.delete(batch));
    for (const [i, key] of [...g.keys].entries()) hs.probesAhead!.set(key, { result: batch.then((rs) => rs?.[i]), used: false });
  }
}

/** The host is reached by a local connection (the controller itself). */
function reachedLocally(hs: HostState): boolean {
  return hs.spec?.spec.connection === 'local';
}

/** No `timeout:` applies to the task (a probe taken ahead ran without one). */
function deadlineFree(within: (ms: number | undefined) => number | undefined): boolean {
  return within(undefined) === undefined;
}
