import type { LoadedRole, ModuleTask, Play, Playbook } from '../config/model.js';
import type { SourceLocation } from '../errors.js';
import type { Executor } from '../executors/types.js';
import type { HostFacts } from '../facts/types.js';
import type { RunPlaybookOptions } from './api.js';
import type { Recap, Reporter, RunEvent } from './report.js';
import { emptyRecap } from './report.js';
import { Redactor } from './redact.js';
import { ANSIBLE_MANAGED, OMIT_TOKEN, RETIRED_CONNECTION_VARS, connectionSpecFor, createExecutor, gatherFacts, roleSearchPaths, type Inventory } from './deps.js';
import { lazyContext, mergeLayers } from './vars.js';
import { TsplayError } from '../errors.js';

/** Everything tsplay knows about one host during a run. */
export interface HostState {
  name: string;
  /** Inventory layers (group vars, host vars, group_vars/ and host_vars/ files) resolved. */
  inventoryVars: Record<string, unknown>;
  facts?: HostFacts;
  factsPromise?: Promise<HostFacts>;
  /** set_fact values and registered results (persist for the whole playbook run, like Ansible). */
  hostVars: Record<string, unknown>;
  executor?: Executor;
  connecting?: Promise<Executor>;
  failed: boolean;
  unreachable: boolean;
  notified: Set<string>;
  recap: Recap;
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
}

/** Block and role-call keywords Ansible applies to the tasks inside. */
export const INHERITED_KEYWORDS = ['ignoreErrors', 'ignoreUnreachable', 'runOnce', 'delegateTo', 'noLog', 'checkMode', 'any_errors_fatal', 'templatedKeywords'] as const;
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
  aborted?: string;
  readonly roleSearchPaths: string[];
  private readonly roles = new Map<string, Promise<LoadedRole>>();
  private readonly localExecutors = new Map<string, Executor>();

  constructor(
    readonly opts: RunPlaybookOptions,
    readonly playbook: Playbook,
    readonly inventory: Inventory,
    readonly reporters: Reporter[],
  ) {
    this.env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
    // Controller environment variables with secret-looking names are secrets wherever they end up.
    for (const [k, v] of Object.entries(this.env)) if (Redactor.isSecretKey(k)) this.redactor.add(v);
    this.redactor.scan(opts.extraVars ?? {});
    this.roleSearchPaths = roleSearchPaths(playbook.dir);
  }

  /** Rendered values of secret-named variables become secrets too (e.g. `token: "{{ env.T }}"`). */
  private readonly onResolved = (key: string, value: unknown): void => {
    if (Redactor.isSecretKey(key)) this.redactor.scan({ [key]: value });
  };

  /** Each role is loaded once per run. */
  roleCache(name: string, load: () => Promise<LoadedRole>): Promise<LoadedRole> {
    let p = this.roles.get(name);
    if (!p) {
      p = load();
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
    const merged = mergeLayers([
      role?.role.defaults,
      hs.inventoryVars,
      this.playVars,
      this.varsFilesVars,
      role?.role.vars,
      ...scope.blockVars,
      taskVars,
      hs.hostVars,
      role?.params.get(hs.name),
      this.extraVars,
    ]);
    const magic: Record<string, unknown> = {
      ...this.inventory.magicVars(hs.name),
      hostvars: this.hostvarsView(),
      facts: hs.facts ?? this.emptyFacts,
      env: this.env,
      play_hosts: this.playHosts,
      ansible_play_hosts: this.playHosts,
      ansible_check_mode: !!this.opts.check,
      ansible_diff_mode: !!this.opts.diff,
      ansible_managed: ANSIBLE_MANAGED,
      omit: OMIT_TOKEN,
      ansible_verbosity: this.opts.verbose ?? 0,
      playbook_dir: this.playbook.dir,
      ...(role ? { role_path: role.role.dir, role_name: role.role.name } : {}),
    };
    // tsplay's own names give way to a variable the user defined with the same name
    for (const own of ['facts', 'env']) if (Object.hasOwn(merged, own)) delete magic[own];
    return lazyContext(merged, loc, magic, this.onResolved);
  }

  /** `hostvars[name]` for every inventory host, resolved on access. */
  private hostvarsView(): Record<string, unknown> {
    const view: Record<string, unknown> = {};
    for (const name of this.inventory.hosts) {
      Object.defineProperty(view, name, {
        enumerable: true,
        get: () => {
          const hs = this.hostState(name);
          return lazyContext(mergeLayers([hs.inventoryVars, this.playVars, hs.hostVars, this.extraVars]), { file: this.playbook.path }, {
            ...this.inventory.magicVars(name),
            facts: hs.facts ?? this.emptyFacts,
            env: this.env,
          }, this.onResolved);
        },
      });
    }
    return view;
  }

  async executorFor(hs: HostState): Promise<Executor> {
    if (this.play?.connection === 'local') {
      // Play-level `connection: local`: this play's tasks run on the controller for every host.
      let ex = this.localExecutors.get(hs.name);
      if (!ex) {
        ex = createExecutor({ host: hs.name, connection: 'local', address: 'localhost' });
        await ex.connect();
        this.localExecutors.set(hs.name, ex);
      }
      return ex;
    }
    if (hs.executor) return hs.executor;
    if (!hs.connecting) {
      hs.connecting = (async () => {
        const vars = this.varsForSync(hs, emptyScope(), undefined, { file: this.playbook.path });
        const spec = connectionSpecFor(hs.name, Object.fromEntries(Object.keys(vars).map((k) => [k, vars[k]])));
        for (const [old, now] of Object.entries(RETIRED_CONNECTION_VARS)) {
          if (Object.hasOwn(hs.inventoryVars, old) && !Object.hasOwn(hs.inventoryVars, now)) {
            this.emitWarning(`host ${hs.name}: the inventory sets ${old}, which tsplay no longer reads as a connection setting; write ${now}`, hs.name);
          }
        }
        this.redactor.add(spec.password);
        this.redactor.add(spec.becomePassword);
        const ex = createExecutor(spec);
        await ex.connect();
        hs.executor = ex;
        return ex;
      })();
      hs.connecting.catch(() => (hs.connecting = undefined));
    }
    return hs.connecting;
  }

  async ensureFacts(hs: HostState): Promise<HostFacts> {
    if (hs.facts) return hs.facts;
    hs.factsPromise ??= (async () => {
      const ex = await this.executorFor(hs);
      const f = await gatherFacts(ex);
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

  async closeAll(): Promise<void> {
    await Promise.all([...[...this.hostStates.values()].map((hs) => hs.executor), ...this.localExecutors.values()].map(async (ex) => {
      try {
        await ex?.close();
      } catch {
        /* closing a dead connection is not an error */
      }
    }));
  }
}

export function emptyScope(path = ''): Scope {
  return { when: [], tags: [], blockVars: [], path };
}
