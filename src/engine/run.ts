import { vaultSecrets } from '../config/vault.js';
import type { LoadedRole, Playbook, RoleTask, TaskNode } from '../config/model.js';
import type { RunPlaybookOptions } from './api.js';
import type { RunReport } from './report.js';
import { TsplayError, TsplayErrors, UndefinedVariableError } from '../errors.js';
import { checkIncludedFiles } from '../loader/tasks.js';
import { checkHostPattern, loadInventory, loadPlaybook, loadRole, renderValue, selectHosts, selectPlayHosts, validateRoleParams } from './deps.js';
import { RunContext, emptyScope } from './context.js';
import { loadVarsFiles, promptDefaults, runPlay } from './play.js';
import { VERSION } from '../version.js';
import { withTemplateWarnings } from '../template/warnings.js';

/** Load, validate (every host, before any is contacted), run every play, and return the report. */
export async function runPlaybook(opts: RunPlaybookOptions): Promise<RunReport> {
  const started = Date.now();
  const playbook = await loadPlaybook(opts.playbook);
  const inventory = await loadInventory(opts.inventory, playbook.dir);
  checkLimit(inventory, opts.limit);
  const run = new RunContext(opts, playbook, inventory, opts.reporters ?? []);
  // a lookup's warnings (file not found, errors='warn') are the run's warnings
  return withTemplateWarnings(
    (m) => run.emitWarning(m),
    () => runWith(run, playbook, inventory, opts, started),
  );
}

async function runWith(run: RunContext, playbook: Playbook, inventory: Awaited<ReturnType<typeof loadInventory>>, opts: RunPlaybookOptions, started: number): Promise<RunReport> {
  await preflight(run, playbook);
  for (const w of [...(playbook.warnings ?? []), ...inventory.warnings]) run.emitWarning(w);

  const report: RunReport = {
    tool: 'tsplay',
    version: VERSION,
    playbook: opts.playbook,
    inventory: opts.inventory,
    mode: opts.mode ?? (opts.check ? 'check' : 'run'),
    startedAt: new Date(started).toISOString(),
    finishedAt: '',
    durationMs: 0,
    plays: [],
    recap: {},
    exitCode: 0,
  };
  run.emit({ type: 'run-start', playbook: opts.playbook, mode: report.mode, check: !!opts.check });
  try {
    for (const play of playbook.plays) {
      if (run.aborted || opts.signal?.aborted) break;
      report.plays.push(await runPlay(run, play));
    }
  } finally {
    await run.closeAll();
  }
  if (opts.signal?.aborted) run.aborted = 'interrupted';
  for (const [name, hs] of run.hostStates) {
    if (report.plays.some((p) => p.hosts.includes(name))) report.recap[name] = hs.recap;
  }
  const recaps = Object.values(report.recap);
  report.exitCode = run.aborted === 'interrupted' ? 99 : recaps.some((r) => r.failed > 0) ? 2 : recaps.some((r) => r.unreachable > 0) ? 3 : run.aborted ? 2 : 0;
  if (run.aborted) report.aborted = run.aborted;
  report.finishedAt = new Date().toISOString();
  report.durationMs = Date.now() - started;
  run.emit({ type: 'run-end', report });
  return report;
}

/** `--limit` is a valid pattern, and (as ansible-playbook says) leaves some host to target. */
function checkLimit(inventory: Awaited<ReturnType<typeof loadInventory>>, limit: string | undefined): void {
  if (limit === undefined) return;
  checkHostPattern(limit, '--limit');
  if (inventory.hosts.length > 0 && selectHosts(inventory, limit).length === 0) {
    throw new TsplayError(
      'NO_HOSTS',
      `Specified inventory, host pattern and/or --limit leaves us with no hosts to target (--limit "${limit.length > 80 ? `${limit.slice(0, 77)}...` : limit}")`,
      {
        hint: `tsplay inventory -i … lists the hosts and groups`,
      },
    );
  }
}

function* roleCalls(nodes: TaskNode[]): Generator<RoleTask> {
  for (const n of nodes) {
    if (n.kind === 'role') yield n;
    if (n.kind === 'block') yield* roleCalls([...n.block, ...n.rescue, ...n.always]);
  }
}

/** Names only known at run time: `register:` targets and `set_fact` keys anywhere in these tasks. */
function runtimeVarNames(nodes: TaskNode[], out = new Set<string>()): Set<string> {
  for (const n of nodes) {
    if (n.kind === 'block') runtimeVarNames([...n.block, ...n.rescue, ...n.always], out);
    if (n.kind !== 'module') continue;
    if (n.register) out.add(n.register);
    if (n.module === 'set_fact' && n.args && typeof n.args === 'object') for (const k of Object.keys(n.args)) out.add(k);
  }
  return out;
}

/**
 * Role params are validated for every host before any host is contacted. Params that need facts
 * (or anything only known at run time) are checked again when the role runs.
 */
async function preflight(run: RunContext, playbook: Playbook, mode: 'run' | 'validate' = 'run'): Promise<string[]> {
  const errors: TsplayError[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  const add = (e: TsplayError) => {
    const key = `${e.location?.file}:${e.location?.line}:${e.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      errors.push(e);
    }
  };
  for (const play of playbook.plays) {
    let hosts = selectHosts(run.inventory, play.hosts, play.loc);
    if (run.opts.limit) {
      const limited = new Set(selectHosts(run.inventory, run.opts.limit));
      hosts = hosts.filter((h) => limited.has(h));
    }
    run.playVars = play.vars;
    // vars_prompt answers (defaults, or -e) are play vars; a prompt without either fails here, before any host.
    if (play.varsPrompt?.length) {
      try {
        run.playVars = { ...play.vars, ...promptDefaults(run, play, false) };
      } catch (e) {
        if (!(e instanceof TsplayError)) throw e;
        add(e);
        continue;
      }
    }
    try {
      run.varsFilesVars = await loadVarsFiles(run, play);
    } catch (e) {
      if (!(e instanceof TsplayError)) throw e;
      add(e);
      continue;
    }
    const runtime = runtimeVarNames([...play.preTasks, ...play.roles, ...play.tasks, ...play.postTasks, ...play.handlers]);
    for (const call of roleCalls([...play.preTasks, ...play.roles, ...play.tasks, ...play.postTasks])) {
      // include_role with a templated name: the role is known when a host reaches it
      if (call.roleName.includes('{{') || call.roleName.includes('{%')) continue;
      // with a loop, the params depend on the item: checked when the role runs
      if (call.itemLoop) continue;
      let role: LoadedRole;
      try {
        role = await run.roleCache(call.roleName, () => loadRole(call.roleName, run.roleSearchPaths));
      } catch (e) {
        if (e instanceof TsplayError) add(new TsplayError(e.code, e.message, { location: e.location ?? call.loc, hint: e.hint }));
        else if (e instanceof TsplayErrors) e.errors.forEach(add);
        else throw e;
        continue;
      }
      for (const host of hosts) {
        const hs = run.hostState(host);
        const vars = run.varsForSync(hs, { ...emptyScope(), role: { role, params: new Map() } }, call.vars, call.loc);
        let rendered: Record<string, unknown>;
        try {
          rendered = renderValue(call.params, vars, call.loc) as Record<string, unknown>;
        } catch (e) {
          // Facts and registered values are unknown before the run: leave those params to run time.
          if (e instanceof TsplayError && e.code === 'TEMPLATE' && /facts|hostvars|ansible_|register/.test(JSON.stringify(call.params))) continue;
          // So are variables the play itself registers or set_facts before the role runs.
          const name = e instanceof UndefinedVariableError ? e.variable : undefined;
          if (name && runtime.has(name)) continue;
          // A controller environment variable (a token, say) need not be set to validate: say where
          // it is used; `run` still refuses before any host is contacted.
          if (mode === 'validate' && name?.startsWith('env.') && e instanceof TsplayError) {
            const at = e.location ? `${e.location.file}:${e.location.line ?? 0}:${e.location.col ?? 0}: ` : '';
            const w = `${at}environment variable ${name.slice(4)} is not set; \`tsplay run\` will need it (a param of role ${call.roleName})`;
            if (!warnings.includes(w)) warnings.push(w);
            continue;
          }
          // An inline !vault param need not be decrypted to validate: without a password, say so.
          if (mode === 'validate' && e instanceof TsplayError && e.code === 'VAULT' && vaultSecrets().length === 0) {
            const at = e.location ? `${e.location.file}:${e.location.line ?? 0}:${e.location.col ?? 0}: ` : '';
            const w = `${at}a !vault value (a param of role ${call.roleName}) was not checked: no vault password given; \`tsplay run\` will need one`;
            if (!warnings.includes(w)) warnings.push(w);
            continue;
          }
          if (e instanceof TsplayError) add(e);
          continue;
        }
        const { errors: es } = validateRoleParams(role, rendered, call);
        for (const e of es) add(new TsplayError(e.code, `${e.message} (host ${host})`, { location: e.location ?? call.loc, hint: e.hint }));
      }
    }
  }
  run.playVars = {};
  run.varsFilesVars = {};
  if (errors.length) throw new TsplayErrors(errors);
  return warnings;
}

/** `tsplay validate`: load and check everything a run would check before contacting hosts. */
export async function validateRun(opts: Pick<RunPlaybookOptions, 'playbook' | 'inventory' | 'extraVars' | 'limit'>): Promise<Playbook> {
  const playbook = await loadPlaybook(opts.playbook);
  const inventory = await loadInventory(opts.inventory, playbook.dir);
  checkLimit(inventory, opts.limit);
  const run = new RunContext({ ...opts, reporters: [] }, playbook, inventory, []);
  const warnings = await preflight(run, playbook, 'validate');
  // Dynamic includes named literally: checked, but a problem there is a warning (a host may never reach it)
  const seen = new Set<string>();
  for (const play of playbook.plays) {
    const nodes = [...play.preTasks, ...play.tasks, ...play.postTasks, ...play.handlers];
    for (const call of roleCalls([...play.preTasks, ...play.roles, ...play.tasks, ...play.postTasks])) {
      if (call.roleName.includes('{{')) continue;
      const role = await run.roleCache(call.roleName, () => loadRole(call.roleName, run.roleSearchPaths)).catch(() => undefined);
      if (role) nodes.push(...(role.tasks ?? []), ...role.handlers);
    }
    for (const w of checkIncludedFiles(nodes, {}, seen)) if (!warnings.includes(w)) warnings.push(w);
  }
  // What reading the inventory warned about (a `hostz:` typo…) is shown by validate too, not only by run.
  return { ...playbook, warnings: [...(playbook.warnings ?? []), ...inventory.warnings, ...warnings] };
}

/** What `run --list-hosts` prints for each play: its name, pattern, tags and hosts (--limit applied); no host contacted. */
export async function listPlayHosts(
  opts: Pick<RunPlaybookOptions, 'playbook' | 'inventory' | 'limit'>,
): Promise<Array<{ name: string; pattern: string; tags: string[]; hosts: string[] }>> {
  const playbook = await loadPlaybook(opts.playbook);
  const inventory = await loadInventory(opts.inventory, playbook.dir);
  checkLimit(inventory, opts.limit);
  return playbook.plays.map((play) => ({ name: play.name, pattern: play.hosts, tags: play.tags, hosts: selectPlayHosts(inventory, play.hosts, opts.limit, play.loc).hosts }));
}
