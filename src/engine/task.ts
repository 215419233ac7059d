import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { ModuleTask } from '../config/model.js';
import type { Command } from '../commands/types.js';
import type { RunResult } from '../executors/types.js';
import type { ModuleDef, Plan, PlanContext, Outcome, FileDiff } from '../modules/types.js';
import type { HostFacts } from '../facts/types.js';
import type { HostTaskResult, HostStatus } from './report.js';
import { TsplayError, formatError, isUserError } from '../errors.js';
import { findModule } from '../modules/registry.js';
import { evaluateCondition, evaluateValue, removeOmit, renderString, renderTemplateFile, renderValue } from './deps.js';
import type { HostState, RunContext, Scope } from './context.js';
import { controllerFileModeReader, controllerFileReader, controllerFileResolver } from './files.js';
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
}

/** Run one module task (with loop, when, retries, changed_when/failed_when) on one host. */
export async function runModuleTaskOnHost(
  run: RunContext,
  hs: HostState,
  task: ModuleTask,
  scope: Scope,
): Promise<TaskOutcome> {
  const started = Date.now();
  try {
    const base = await run.varsFor(hs, scope, task);
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

function failureOutcome(e: unknown, _ms: number): TaskOutcome {
  if (e instanceof TsplayError && e.code === 'CONNECTION') {
    return { status: 'unreachable', changed: false, unreachable: true, msg: e.message + (e.hint ? ` (${e.hint})` : ''), registered: { unreachable: true, msg: e.message, changed: false } };
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
  const items = renderValue(task.loop, base, task.loc);
  if (!Array.isArray(items)) {
    throw new TsplayError('VALIDATION', `loop must be a list, got ${typeof items === 'object' ? JSON.stringify(items) : String(items)}`, {
      location: task.loc,
      hint: 'give a YAML list, or a variable that holds a list: loop: "{{ my_list }}"',
    });
  }
  const results: HostTaskResult[] = [];
  const registeredItems: Registered[] = [];
  let changed = false;
  let failed = false;
  const diffs: FileDiff[] = [];
  for (const item of items) {
    const t0 = Date.now();
    const vars = withItem(base, task, item);
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
    const label = task.loopLabel ? safeRender(task.loopLabel, vars, task) : item;
    results.push({ host: hs.name, status: out.status, changed: out.changed, msg: out.msg, diff: out.diff, durationMs: Date.now() - t0, item: label });
    registeredItems.push({ ...out.registered, item, [task.loopVar]: item });
    if (out.setFacts) {
      Object.assign(hs.hostVars, out.setFacts);
      run.redactor.scan(out.setFacts);
    }
    if (out.diff) diffs.push(...out.diff);
    changed ||= out.changed;
    failed ||= out.status === 'failed';
  }
  const allSkipped = results.length > 0 && results.every((r) => r.status === 'skipped');
  const status: HostStatus = failed ? 'failed' : allSkipped || results.length === 0 ? 'skipped' : changed ? 'changed' : 'ok';
  const msg = failed ? 'One or more items failed' : results.length === 0 ? 'No items in the list' : undefined;
  return {
    status,
    changed,
    msg,
    diff: diffs.length ? diffs : undefined,
    items: results,
    registered: { changed, failed, msg: msg ?? 'All items completed', results: registeredItems, skipped: allSkipped || undefined },
  };
}

function safeRender(text: string, vars: Record<string, unknown>, task: ModuleTask): unknown {
  try {
    return renderString(text, vars, task.loc);
  } catch {
    return text;
  }
}

function withItem(base: Record<string, unknown>, task: ModuleTask, item: unknown): Record<string, unknown> {
  const vars = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(base)) Object.defineProperty(vars, k, Object.getOwnPropertyDescriptor(base, k)!);
  vars[task.loopVar] = item;
  return vars;
}

async function runWithRetries(run: RunContext, hs: HostState, task: ModuleTask, scope: Scope, vars: Record<string, unknown>): Promise<TaskOutcome> {
  const attempts = task.until ? Math.max(1, (task.retries ?? 3) + 1) : 1;
  let last: TaskOutcome | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    last = await runOnce(run, hs, task, scope, vars);
    if (!task.until || last.unreachable) return last;
    const v = task.register ? { ...spread(vars), [task.register]: last.registered } : spread(vars);
    let ok = false;
    try {
      ok = evaluateCondition(task.until, v, task.loc);
    } catch (e) {
      return failureOutcome(e, 0);
    }
    last.registered.attempts = attempt;
    if (ok) {
      if (last.status === 'failed') {
        last.status = last.changed ? 'changed' : 'ok';
        last.registered.failed = false;
      }
      return last;
    }
    if (attempt < attempts) {
      run.emitWarning(`FAILED - RETRYING: ${taskLabel(task)} (${attempts - attempt} retries left)`, hs.name);
      await sleep((task.delay ?? 5) * 1000, run.signal);
    }
  }
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
  const text = readFileSync(file, 'utf8');
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
  return renderTemplateFile(text, merged, { file }, { ...o, name: file, searchPaths, readFile: (p) => (existsSync(p) && statSync(p).isFile() ? readFileSync(p, 'utf8') : undefined) });
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
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

export function taskLabel(task: ModuleTask): string {
  return task.name ?? `${task.moduleAs}`;
}

/** Render args, plan, execute (unless check mode), interpret, then apply changed_when / failed_when. */
async function runOnce(run: RunContext, hs: HostState, task: ModuleTask, scope: Scope, vars: Record<string, unknown>): Promise<TaskOutcome> {
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
  const become = task.become ?? scope.become ?? run.playBecome ?? boolVar(vars['ansible_become']);
  const becomeUser = task.becomeUser ?? scope.becomeUser ?? run.playBecomeUser ?? strVar(vars['ansible_become_user']);

  // delegate_to: run on another host with this host's variables (Ansible semantics).
  let target = hs;
  if (task.delegateTo) {
    const to = renderString(task.delegateTo, vars, task.loc);
    target = await run.delegateState(to);
  }

  const facts: HostFacts | undefined = mod.local ? target.facts : await run.ensureFacts(target);
  const planCtxBase = {
    host: hs.name,
    facts: (facts ?? run.emptyFacts) as HostFacts,
    check,
    diff: run.opts.diff ?? false,
    vars,
    readControllerFile: controllerFileReader(run.playbookDir, task.role?.dir),
    controllerFileMode: controllerFileModeReader(run.playbookDir, task.role?.dir),
    renderTemplate: (text: string, extra?: Record<string, unknown>) => renderString(text, extra ? { ...spread(vars), ...extra } : vars, task.loc),
    renderTemplateFile: (src: string, o: { trimBlocks?: boolean; lstripBlocks?: boolean; newlineSequence?: string; dest?: string }) =>
      renderTemplateSource(src, o, vars, run.playbookDir, task),
    evaluate: (expr: string) => evaluateCondition(expr, vars, task.loc),
    evaluateValue: (expr: string) => evaluateValue(expr, vars, task.loc),
  };
  const probed: Record<string, unknown> = {};
  if (!mod.local && mod.probes) {
    const probes = mod.probes(args, planCtxBase);
    const ex = await run.executorFor(target);
    const results = await Promise.all(probes.map((p) => ex.run(p.cmd.text, { become, becomeUser })));
    probes.forEach((p, i) => (probed[p.key] = p.parse(results[i]!)));
  }
  const ctx: PlanContext = { ...planCtxBase, probed };
  const plan: Plan = mod.plan(args, ctx);
  for (const c of plan.commands) if (c.kind === 'shell') registerCommandSecrets(run, c);

  let outcome: Outcome;
  let status: HostStatus;
  if (plan.failed) {
    outcome = { changed: false, failed: plan.failed, result: plan.result, msg: plan.failed };
  } else if (check && (mod.local ? false : plan.commands.length > 0)) {
    if (plan.unpredictable) {
      const msg = `check mode: would run ${describeCommands(plan.commands)}`;
      return finish(run, task, vars, { status: 'skipped', changed: false, msg, registered: { changed: false, skipped: true, msg, ...plan.result } });
    }
    outcome = { changed: plan.changed, result: plan.result, msg: plan.msg };
  } else if (plan.commands.length === 0) {
    outcome = { changed: plan.changed, result: plan.result, msg: plan.msg };
    if (plan.interpret && !check) outcome = plan.interpret([]);
  } else {
    const ex = await run.executorFor(target);
    const outputs: RunResult[] = [];
    let failedMsg: string | undefined;
    for (const c of plan.commands) {
      if (run.signal?.aborted) {
        failedMsg = 'interrupted before all commands ran: the host may be half-applied';
        break;
      }
      if (c.kind === 'put') {
        await ex.put(c.path, c.content, { mode: c.mode, owner: c.owner, group: c.group, become, becomeUser });
        outputs.push({ rc: 0, stdout: '', stderr: '', durationMs: 0 });
        continue;
      }
      const r = await ex.run(c.cmd.text, { become, becomeUser, stdin: c.stdin, env: c.env, cwd: c.cwd, timeoutMs: c.timeoutMs });
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
  status = outcome.failed ? 'failed' : outcome.result?.['skipped'] === true ? 'skipped' : outcome.changed ? 'changed' : 'ok';
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
  });
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
  return cmds.map((c) => (c.kind === 'put' ? `write ${c.path}` : c.describe ?? c.cmd.text)).join('; ');
}

function boolVar(v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  return ansibleBoolean(v) ?? false;
}

function strVar(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

export type { ModuleDef };
