import type { ConnectionKeywords, LoadedRole, ModuleTask, Play, Playbook } from '../config/model.js';
import type { BecomeMethod, ConnectionSpec } from '../executors/types.js';
import { becomeMethodOf, connectionKind } from '../config/connection-names.js';
import type { SourceLocation } from '../errors.js';
import type { Executor, RunResult } from '../executors/types.js';
import { DEFAULT_LOCK_TIMEOUT_S, envLockTimeout, type LockGrant } from '../executors/host-lock.js';
import type { HostFacts } from '../facts/types.js';
import type { RunPlaybookOptions } from './api.js';
import type { Recap, Reporter, RunEvent } from './report.js';
import { emptyRecap } from './report.js';
import { Redactor } from './redact.js';
import {
  ANSIBLE_MANAGED,
  OMIT_TOKEN,
  RETIRED_CONNECTION_VARS,
  connectionSpecFor,
  createExecutor,
  gatherFacts,
  renderString,
  roleSearchPaths,
  secretParamNames,
  type Inventory,
} from './deps.js';
import { lazyContext, mergeLayers } from './vars.js';
import { factVariables } from '../facts/subset.js';
import { TsplayError } from '../errors.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { VERSION } from '../version.js';

/** Everything tsplay knows about one host during a run. */
export interface HostState {
  name: string;
  /** Inventory layers (group vars, host vars, group_vars/ and host_vars/ files) resolved. */
  inventoryVars: Record<string, unknown>;
  facts?: HostFacts;
  factsPromise?: Promise<HostFacts>;
  /** A gathering started by probe ahead, beside the first probes: the first task takes it, failure included (engine/task.ts). */
  factsAhead?: Promise<HostFacts>;
  /** Ansible's fact cache for the host (names as `setup` returns them), set by gathering and `setup`. */
  ansibleFacts?: Record<string, unknown>;
  /** set_fact values and registered results (persist for the whole playbook run, like Ansible). */
  hostVars: Record<string, unknown>;
  /** Variables from include_vars: above task vars, below set_fact/registered (Ansible's 'include_vars' precedence). */
  includedVars?: Record<string, unknown>;
  /** Roles whose defaults and vars the later tasks see (import_role, include_role with public: true). */
  publicRoles?: LoadedRole[];
  executor?: Executor;
  connecting?: Promise<Executor>;
  /** Connection settings from the host's variables; `connectionVar`: ansible_connection is set. */
  spec?: { spec: ConnectionSpec; connectionVar: boolean };
  failed: boolean;
  unreachable: boolean;
  notified: Set<string>;
  recap: Recap;
  /** Probe results taken ahead of their tasks, by probe (engine/task.ts probeAhead). */
  probesAhead?: Map<string, { result: Promise<RunResult | undefined>; used: boolean }>;
  /** How many tasks ahead the host is probed now. */
  probeWindow?: number;
  /** Something ran on the host since it last probed ahead. */
  probeChanged?: boolean;
  /** Probe-ahead round trips still running (a command on the host waits for them). */
  probeBatches?: Set<Promise<unknown>>;
  /** The host's run lock, asked for on its first connection (see holdLock). */
  lock?: Promise<LockGrant>;
  /** holdLock already answered once for this lock. */
  lockSeen?: boolean;
}

/** What a task inherits from the blocks and roles around it. */
export interface Scope {
  when: Array<{ expr: string; loc: SourceLocation }>;
  tags: string[];
  become?: boolean;
  becomeUser?: string;
  blockVars: Array<Record<string, unknown>>;
  role?: { role: LoadedRole; params: Map<string, Record<string, unknown>> };
  /** Stable id of the position in the play, for grouping results of the same task across hosts. */
  path: string;
  /** Tasks are inside a block with a rescue: failures are handled there, not fatal yet. */
  inRescuableBlock?: boolean;
  /** Keywords set on enclosing blocks / role calls that apply to every task inside (the task's own value wins). */
  inherit?: InheritedKeywords;
  /** `environment:` of the play, blocks and role calls around the task, outermost first (raw). */
  environment?: unknown[];
  /** remote_user / port / connection / become_method… of the play, blocks and role calls (innermost wins). */
  conn?: ConnectionKeywords;
  /** `notify:` of the nearest enclosing block that has one. */
  notify?: string[];
  /** The roles that include_role'd this one, nearest first (ansible_parent_role_names / _paths). */
  parentRoles?: Array<{ name: string; dir: string }>;
  /**
   * A dependency's depending roles, outermost first (ansible-core's dep chain): their defaults,
   * vars and params are visible below the role's own.
   */
  depChain?: Array<{ role: LoadedRole; params: Map<string, Record<string, unknown>> }>;
}

/**
 * The ansible-core release whose behaviour tsplay reproduces (Debian 12's package, the oracle of
 * the differential harness). `ansible_version` reports it, in ansible-core's shape, so that roles
 * gating on `ansible_version.full is version('2.10', '>=')` take the branch they take under that
 * ansible-core; tsplay's own version is `tsplay_version` (docs/ansible-compat.md).
 */
export const ANSIBLE_CORE_COMPAT = '2.14.18';
export const TSPLAY_ANSIBLE_VERSION = ansibleVersionOf(ANSIBLE_CORE_COMPAT);

/** `1.2.3-rc.1` → { string: '1.2.3-rc.1', full: '1.2.3-rc.1', major: 1, minor: 2, revision: 3 }, as CLI.version_info splits. */
export function ansibleVersionOf(version: string): { string: string; full: string; major: number | string; minor: number | string; revision: number | string } {
  const full = version.trim().split(/\s+/)[0] ?? '';
  const parts: Array<number | string> = full.split('.').map((p) => (p === '' ? 0 : /^\d+$/.test(p) ? Number(p) : p));
  while (parts.length < 3) parts.push(0);
  return { string: version.trim(), full, major: parts[0]!, minor: parts[1]!, revision: parts[2]! };
}

/** remote_user / port / connection keywords rendered for a host. */
export interface ConnectionOverrides {
  user?: string;
  port?: number;
  connection?: 'ssh' | 'local';
  becomeMethod?: BecomeMethod;
  /** A become_method tsplay has no plugin for: an error only when the task becomes (as ansible-core loads the plugin then). */
  unknownBecomeMethod?: string;
  becomeFlags?: string;
  becomeExe?: string;
}

/** Render connection keywords with a host's variables; a value tsplay cannot use is a clear error. */
export function resolveConnectionKeywords(kw: ConnectionKeywords, vars: Record<string, unknown>, loc: SourceLocation): ConnectionOverrides {
  const o: ConnectionOverrides = {};
  const text = (v: string | undefined): string | undefined => (v === undefined ? undefined : renderString(v, vars, loc));
  const user = text(kw.remoteUser);
  if (user !== undefined && user !== '') o.user = user;
  if (kw.port !== undefined) {
    const p = typeof kw.port === 'number' ? kw.port : Number(text(kw.port));
    if (!Number.isInteger(p) || p < 1 || p > 65535)
      throw new TsplayError('VALIDATION', `port must be a port number from 1 to 65535, got ${JSON.stringify(kw.port)}`, { location: loc });
    o.port = p;
  }
  const conn = text(kw.connection);
  if (conn !== undefined) {
    const c = connectionKind(conn);
    if (!c)
      throw new TsplayError('VALIDATION', `connection '${conn}' is not supported`, {
        location: loc,
        hint: 'tsplay connects with ssh (also paramiko, smart) or runs locally (local)',
      });
    o.connection = c;
  }
  const bm = text(kw.becomeMethod);
  if (bm !== undefined) {
    const m = becomeMethodOf(bm);
    if (m) o.becomeMethod = m;
    else o.unknownBecomeMethod = bm;
  }
  const bf = text(kw.becomeFlags);
  if (bf !== undefined) o.becomeFlags = bf;
  const be = text(kw.becomeExe);
  if (be !== undefined) o.becomeExe = be;
  return o;
}

/** Block and role-call keywords Ansible applies to the tasks inside. */
export const INHERITED_KEYWORDS = [
  'ignoreErrors',
  'ignoreUnreachable',
  'runOnce',
  'delegateTo',
  'delegateFacts',
  'noLog',
  'checkMode',
  'any_errors_fatal',
  'templatedKeywords',
] as const;
export type InheritedKeywords = Partial<Pick<ModuleTask, (typeof INHERITED_KEYWORDS)[number]>>;

export const EMPTY_FACTS: HostFacts = {
  hostname: '',
  os: { id: 'unknown', idLike: [], family: 'unknown', version: '', major: '', name: '' },
  arch: '',
  kernel: '',
  pkgMgr: 'unknown',
  serviceMgr: 'unknown',
  firewall: { nft: false, iptables: false, ufw: false, firewalld: false },
  addresses: [],
  memoryMb: 0,
  cpus: 0,
  user: '',
  isRoot: false,
};

export class RunContext {
  readonly hostStates = new Map<string, HostState>();
  readonly redactor = new Redactor();
  readonly emptyFacts = EMPTY_FACTS;
  readonly env: Record<string, string>;
  play?: Play;
  playVars: Record<string, unknown> = {};
  varsFilesVars: Record<string, unknown> = {};
  playBecome?: boolean;
  playBecomeUser?: string;
  playHosts: string[] = [];
  /** The play pattern's hosts before failed ones are dropped (ansible_play_hosts_all). */
  playHostsAll: string[] = [];
  /** Hosts of the current serial batch (ansible_play_batch). */
  playBatch: string[] = [];
  /** The play's roles as ansible-core's play.roles holds them: roles:, every import_role (at load), then each include_role with public: true when it is included. */
  playRoleNames: string[] = [];
  /** The meta dependencies of the play's roles, all levels (ansible_dependent_role_names). */
  playDependentRoleNames: string[] = [];
  /** Hosts that ran `meta: end_host` in the current play (left out of ansible_play_hosts / _batch). */
  readonly endedHosts = new Set<string>();
  aborted?: string;
  readonly roleSearchPaths: string[];
  private readonly roles = new Map<string, Promise<LoadedRole>>();
  /** Connections opened with remote_user / port / connection keywords, by host and settings. */
  private readonly localExecutors = new Map<string, Promise<Executor>>();
  /** The current play's connection keywords per host (cleared when a play starts). */
  readonly playConnCache = new Map<string, ConnectionOverrides>();

  constructor(
    readonly opts: RunPlaybookOptions,
    readonly playbook: Playbook,
    readonly inventory: Inventory,
    readonly reporters: Reporter[],
  ) {
    this.env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
    // Controller environment variables with secret-looking names are secrets wherever they end up.
    // So are the ones TSPLAY_SECRET_ENV names (comma-separated), whatever their names look like.
    const secretEnv = new Set((this.env.TSPLAY_SECRET_ENV ?? '').split(',').map((n) => n.trim()));
    for (const [k, v] of Object.entries(this.env)) if (Redactor.isSecretKey(k) || secretEnv.has(k)) this.redactor.add(v);
    this.redactor.scan(opts.extraVars ?? {});
    this.roleSearchPaths = roleSearchPaths(playbook.dir);
  }

  /** Rendered values of secret-named variables become secrets too (e.g. `token: "{{ env.T }}"`). */
  private readonly onResolved = (key: string, value: unknown): void => {
    if (this.redactor.isSecret(key)) this.redactor.scan({ [key]: value });
  };

  /** Each role is loaded once per run. */
  roleCache(name: string, load: () => Promise<LoadedRole>): Promise<LoadedRole> {
    let p = this.roles.get(name);
    if (!p) {
      // A role's params declared secret (argument_specs no_log, secret()) are secrets in the whole run.
      p = load().then((role) => {
        for (const n of secretParamNames(role)) this.redactor.markName(n);
        return role;
      });
      this.roles.set(name, p);
    }
    return p;
  }

  get playbookDir(): string {
    return this.playbook.dir;
  }

  get signal(): AbortSignal | undefined {
    return this.opts.signal;
  }

  get extraVars(): Record<string, unknown> {
    return this.opts.extraVars ?? {};
  }

  emit(e: RunEvent): void {
    for (const r of this.reporters) r.onEvent(e);
  }

  emitWarning(message: string, host?: string): void {
    this.emit({ type: 'warning', message: this.redactor.text(message), host });
  }

  hostState(name: string): HostState {
    let hs = this.hostStates.get(name);
    if (!hs) {
      const inventoryVars = this.inventory.hostVars(name);
      this.redactor.scan(inventoryVars);
      hs = { name, inventoryVars, hostVars: {}, failed: false, unreachable: false, notified: new Set(), recap: emptyRecap() };
      this.hostStates.set(name, hs);
    }
    return hs;
  }

  /** The variables a task sees on a host, lowest precedence first (documented in docs/variables.md). */
  async varsFor(hs: HostState, scope: Scope, task?: ModuleTask): Promise<Record<string, unknown>> {
    return this.varsForSync(hs, scope, task?.vars, task?.loc ?? (scope.role ? { file: scope.role.role.dir } : { file: this.playbook.path }));
  }

  varsForSync(hs: HostState, scope: Scope, taskVars: Record<string, unknown> | undefined, loc: SourceLocation): Record<string, unknown> {
    const role = scope.role;
    // Literal values of secret-named vars in role defaults/vars, block and task vars are secrets too.
    for (const layer of [role?.role.defaults, role?.role.vars, ...scope.blockVars, taskVars]) if (layer) this.redactor.scan(layer);
    const chain = scope.depChain ?? [];
    const publicRoles = (hs.publicRoles ?? []).filter((r) => r !== role?.role && !chain.some((c) => c.role === r));
    // From play vars up: the layers a fact variable gives way to (as in Ansible's precedence).
    const playAndAbove = [
      this.playVars,
      this.varsFilesVars,
      ...publicRoles.map((r) => r.vars),
      ...chain.map((c) => c.role.vars),
      role?.role.vars,
      ...scope.blockVars,
      taskVars,
      hs.includedVars,
      hs.hostVars,
      ...chain.map((c) => c.params.get(hs.name)),
      role?.params.get(hs.name),
      this.extraVars,
    ];
    const merged = mergeLayers([...publicRoles.map((r) => r.defaults), ...chain.map((c) => c.role.defaults), role?.role.defaults, hs.inventoryVars, ...playAndAbove]);
    // Names declared secret (argument_specs no_log, private prompts, tsplay_secret_vars) wherever
    // their literal values came from; templated ones are registered when rendered (onResolved).
    for (const n of this.redactor.markedNames) if (Object.hasOwn(merged, n)) this.redactor.scan({ [n]: merged[n] });
    const magic: Record<string, unknown> = {
      ...this.inventory.magicVars(hs.name),
      // ansible_facts and the injected ansible_* facts (they give way to play vars and above)
      ...factVariables(hs.ansibleFacts, playAndAbove),
      hostvars: this.hostvarsView(),
      facts: hs.facts ?? this.emptyFacts,
      env: this.env,
      ...this.runMagic(hs, scope),
      ansible_check_mode: !!this.opts.check,
      ansible_diff_mode: !!this.opts.diff,
      ansible_managed: ANSIBLE_MANAGED,
      omit: OMIT_TOKEN,
      ansible_verbosity: this.opts.verbose ?? 0,
      playbook_dir: this.playbook.dir,
    };
    // tsplay's own names give way to a variable the user defined with the same name
    for (const own of ['facts', 'env']) if (Object.hasOwn(merged, own)) delete magic[own];
    return lazyContext(merged, loc, magic, this.onResolved);
  }

  /**
   * ansible-core's magic variables about the run, the play and the role (VariableManager
   * _get_magic_variables and the options vars); the host's own (inventory_hostname, groups…) come
   * from the inventory.
   */
  private runMagic(hs: HostState, scope?: Scope): Record<string, unknown> {
    const gone = (h: string) => {
      const s = this.hostStates.get(h);
      return !!s && (s.failed || s.unreachable || this.endedHosts.has(h));
    };
    const batch = this.playBatch.filter((h) => !gone(h));
    const playRoles = [...this.playRoleNames];
    const magic: Record<string, unknown> = {
      ansible_version: TSPLAY_ANSIBLE_VERSION,
      tsplay_version: VERSION,
      ansible_config_file: null,
      ansible_forks: this.opts.forks ?? 10,
      ansible_run_tags: this.opts.tags?.length ? [...this.opts.tags] : ['all'],
      ansible_skip_tags: [...(this.opts.skipTags ?? [])],
      ansible_inventory_sources: this.opts.inventory.map((p) => (p.includes(',') && !existsSync(p) ? p : path.resolve(p))),
      ansible_play_hosts_all: [...this.playHostsAll],
      ansible_play_hosts: this.playHosts.filter((h) => !gone(h)),
      ansible_play_batch: batch,
      play_hosts: batch,
      ansible_role_names: [...new Set([...this.playDependentRoleNames, ...playRoles])],
      ansible_play_role_names: playRoles,
      role_names: playRoles,
      ansible_dependent_role_names: [...this.playDependentRoleNames],
    };
    if (this.opts.limit !== undefined) magic['ansible_limit'] = this.opts.limit;
    if (this.play) magic['ansible_play_name'] = this.play.name;
    const role = scope?.role?.role;
    if (role) {
      magic['role_name'] = role.name;
      magic['ansible_role_name'] = role.name;
      magic['role_path'] = role.dir;
      if (scope?.parentRoles?.length) {
        magic['ansible_parent_role_names'] = scope.parentRoles.map((r) => r.name);
        magic['ansible_parent_role_paths'] = scope.parentRoles.map((r) => r.dir);
      }
    }
    void hs;
    return magic;
  }

  /** `hostvars[name]` for every inventory host, resolved on access. */
  private hostvarsView(): Record<string, unknown> {
    const view: Record<string, unknown> = {};
    // The implicit localhost is reachable as hostvars['localhost'] (delegate_facts puts facts there)
    // but, as in ansible-core, not listed among the inventory's hosts.
    const implicit = this.inventory.hosts.includes('localhost') ? [] : ['localhost'];
    for (const name of [...this.inventory.hosts, ...implicit]) {
      Object.defineProperty(view, name, {
        enumerable: !implicit.includes(name),
        get: () => {
          const hs = this.hostState(name);
          // As ansible-core's HostVars: the host's inventory vars, facts, set_fact/registered values and
          // extra vars, without the play's vars or vars_files (get_vars is called without a play).
          return lazyContext(
            mergeLayers([hs.inventoryVars, hs.includedVars, hs.hostVars, this.extraVars]),
            { file: this.playbook.path },
            {
              ...this.inventory.magicVars(name),
              ...this.runMagic(hs),
              playbook_dir: this.playbook.dir,
              ansible_check_mode: !!this.opts.check,
              ansible_diff_mode: !!this.opts.diff,
              ansible_verbosity: this.opts.verbose ?? 0,
              omit: OMIT_TOKEN,
              ...factVariables(hs.ansibleFacts, [this.playVars, hs.hostVars, this.extraVars]),
              facts: hs.facts ?? this.emptyFacts,
              env: this.env,
            },
            this.onResolved,
          );
        },
      });
    }
    return view;
  }

  /** The host's connection settings from its variables (computed once per host). */
  private hostSpec(hs: HostState): { spec: ConnectionSpec; connectionVar: boolean } {
    if (hs.spec) return hs.spec;
    const vars = this.varsForSync(hs, emptyScope(), undefined, { file: this.playbook.path });
    const plain = Object.fromEntries(Object.keys(vars).map((k) => [k, vars[k]]));
    // --private-key, -T, --ssh-*-args, -k, -K: below every variable that names the same setting
    const spec = connectionSpecFor(hs.name, { ...this.opts.cliDefaults?.connectionVars, ...plain });
    for (const [old, now] of Object.entries(RETIRED_CONNECTION_VARS)) {
      if (Object.hasOwn(hs.inventoryVars, old) && !Object.hasOwn(hs.inventoryVars, now)) {
        this.emitWarning(`host ${hs.name}: the inventory sets ${old}, which tsplay no longer reads as a connection setting; write ${now}`, hs.name);
      }
    }
    this.redactor.add(spec.password);
    this.redactor.add(spec.becomePassword);
    const cv = plain['ansible_connection'];
    hs.spec = { spec, connectionVar: cv !== undefined && cv !== null && cv !== '' };
    return hs.spec;
  }

  /** The play's remote_user / port / connection for a host (rendered with its variables). */
  playConnection(hs: HostState): ConnectionOverrides {
    const kw = this.play?.conn;
    if (!kw) return {};
    let o = this.playConnCache.get(hs.name);
    if (!o) {
      o = resolveConnectionKeywords(kw, this.varsForSync(hs, emptyScope(), undefined, this.play!.loc), this.play!.loc);
      this.playConnCache.set(hs.name, o);
    }
    return o;
  }

  /**
   * The executor for a host, with the remote_user / port / connection keywords in force (the play's
   * when none are given). The host's ansible_user / ansible_port / ansible_connection win over them,
   * as in Ansible; each distinct combination has its own connection.
   */
  async executorFor(hs: HostState, kw: ConnectionOverrides = this.playConnection(hs)): Promise<Executor> {
    const { spec, connectionVar } = this.hostSpec(hs);
    const eff: ConnectionSpec = { ...spec };
    if (kw.connection && !connectionVar) eff.connection = kw.connection;
    if (kw.user !== undefined && spec.user === undefined) eff.user = kw.user;
    if (kw.port !== undefined && spec.port === undefined) eff.port = kw.port;
    if (eff.connection === spec.connection && eff.user === spec.user && eff.port === spec.port) return this.baseExecutor(hs, spec);
    if (eff.connection === 'local') eff.address = 'localhost';
    const key = `${hs.name}\0${eff.connection}\0${eff.user ?? ''}\0${eff.port ?? ''}`;
    let p = this.localExecutors.get(key);
    if (!p) {
      p = this.open(hs, eff);
      this.localExecutors.set(key, p);
      p.catch(() => this.localExecutors.delete(key));
    }
    return p;
  }

  /**
   * Every connection this run opened or is opening, with its connect: closeAll waits for the
   * connect (closing one mid-connect does not stop it) and closes each, wherever it is kept.
   */
  private readonly opened: Array<{ ex: Executor; connected: Promise<unknown> }> = [];

  /** Open a connection for the host and ask for its run lock on it (askLock); none once the run has ended. */
  private open(hs: HostState, spec: ConnectionSpec): Promise<Executor> {
    if (this.closed) return Promise.reject(runEnded(hs.name));
    let ex: Executor;
    try {
      ex = createExecutor(spec);
    } catch (e) {
      return Promise.reject(e);
    }
    const connected = ex.connect().then(() => {
      this.askLock(hs, ex);
      return ex;
    });
    this.opened.push({ ex, connected });
    return connected;
  }

  private baseExecutor(hs: HostState, spec: ConnectionSpec): Promise<Executor> {
    if (hs.executor) return Promise.resolve(hs.executor);
    if (!hs.connecting) {
      hs.connecting = this.open(hs, spec).then((ex) => {
        hs.executor = ex;
        return ex;
      });
      hs.connecting.catch(() => (hs.connecting = undefined));
    }
    return hs.connecting;
  }

  /**
   * Ask for the host's run lock on its first connection, in parallel with the first commands (no
   * round trip of its own). A real run takes it exclusively, check mode shares it with other checks.
   * The implicit localhost reached only by delegate_to is not locked: concurrent runs against
   * different fleets delegate to the same controller.
   */
  /** This run's name in a host lock file: controller, pid and a random tag. */
  private readonly runName = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

  private askLock(hs: HostState, ex: Executor): void {
    if (hs.lock || !ex.lock) return;
    if (!this.inventory.hosts.includes(hs.name) && !this.playHostsAll.includes(hs.name)) return;
    const path = this.env['TSPLAY_LOCK_PATH'];
    hs.lock = ex.lock({
      mode: this.opts.check ? 'shared' : 'exclusive',
      timeoutS: this.opts.lockTimeout ?? envLockTimeout(this.env) ?? DEFAULT_LOCK_TIMEOUT_S,
      ...(path ? { path } : {}),
      owner: this.runName,
      onWait: (p) => this.emitWarning(`host ${hs.name}: waiting for another tsplay run to finish (lock ${p})`, hs.name),
    });
    // A run that ends before it needed the lock closes the connection while the lock may still be
    // on its way (refused, or waiting for another run): nobody waits for it then, and that is no error.
    hs.lock.catch(() => undefined);
  }

  /**
   * Wait until the host's run lock is held (before the first command that would change the host).
   * True once when another run held it meanwhile: what the task read from the host may be stale.
   */
  async holdLock(hs: HostState): Promise<boolean> {
    const p = hs.lock;
    if (!p) return false;
    const g = await p;
    if (hs.lockSeen) return false;
    hs.lockSeen = true;
    if (!g.held) this.emitWarning(`host ${hs.name}: flock(1) is not installed; this run is not protected from a concurrent tsplay run on the host`, hs.name);
    return g.waited;
  }

  /** `meta: reset_connection`: close the host's connections; the next task connects again. */
  async resetConnection(hs: HostState): Promise<void> {
    const all: Array<Executor | undefined> = [hs.executor];
    hs.executor = undefined;
    hs.lock = undefined; // closing the connection releases it; the next one asks again
    hs.lockSeen = undefined;
    hs.connecting = undefined;
    for (const [k, p] of [...this.localExecutors]) {
      if (!k.startsWith(`${hs.name}\0`)) continue;
      this.localExecutors.delete(k);
      all.push(await p.catch(() => undefined));
    }
    await Promise.all(all.map((ex) => ex?.close().catch(() => undefined)));
  }

  /** The host's facts, gathered once (`timeoutMs`: the play's gather_timeout, for the whole gathering). */
  async ensureFacts(hs: HostState, timeoutMs?: number): Promise<HostFacts> {
    if (hs.facts) return hs.facts;
    hs.factsPromise ??= (async () => {
      const ex = await this.executorFor(hs);
      const f = await gatherFacts(ex, timeoutMs);
      hs.facts = f;
      return f;
    })();
    hs.factsPromise.catch(() => (hs.factsPromise = undefined));
    return hs.factsPromise;
  }

  /** delegate_to: the named inventory host, or an implicit localhost. */
  async delegateState(name: string): Promise<HostState> {
    if (!this.inventory.hosts.includes(name) && !['localhost', '127.0.0.1'].includes(name)) {
      throw new TsplayError('VALIDATION', `delegate_to: "${name}" is not in the inventory`, { hint: 'add the host to the inventory, or delegate to localhost' });
    }
    return this.hostState(name);
  }

  /** The run has ended (closeAll): no connection is opened after that (a background gathering or probe batch still under way fails instead). */
  private closed = false;

  async closeAll(): Promise<void> {
    this.closed = true;
    // Every connection the run opened, those still being opened too (a gathering or probes started
    // ahead and never awaited, one replaced by reset_connection): one left open would keep the
    // process alive and hold the host's run lock after the run.
    await Promise.all(this.opened.map((o) => o.connected.catch(() => undefined)));
    await Promise.all(
      this.opened.map(async ({ ex }) => {
        try {
          await ex.close();
        } catch {
          /* closing a dead connection is not an error */
        }
      }),
    );
  }
}

function runEnded(host: string): TsplayError {
  return new TsplayError('CONNECTION', `host ${host}: the run has ended; no new connection is opened`);
}

export function emptyScope(path = ''): Scope {
  return { when: [], tags: [], blockVars: [], path };
}
