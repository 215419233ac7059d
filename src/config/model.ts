import type { z } from 'zod';
import type { SourceLocation } from '../errors.js';
import type { ArgumentSpecEntry } from './schemas.js';

/**
 * The validated, normalized playbook model the loader produces and the engine runs.
 * Values inside (args, vars, loop, when...) are still raw: templates are rendered per host at run time.
 */

export interface TaskCommon {
  name?: string;
  loc: SourceLocation;
  /** Conditions, all must hold (a `when:` list is an AND, as in Ansible). */
  when: string[];
  tags: string[];
  become?: boolean;
  becomeUser?: string;
  vars: Record<string, unknown>;
  /** Set when the task came from a role (for template/file lookups, defaults, reporting). */
  role?: RoleInstanceRef;
  ignoreErrors?: boolean;
  ignoreUnreachable?: boolean;
  runOnce?: boolean;
  delegateTo?: string;
  /** delegate_facts: facts the task sets go to the delegated host. */
  delegateFacts?: boolean;
  noLog?: boolean;
  /** Per-task check_mode override. */
  checkMode?: boolean;
  any_errors_fatal?: boolean;
  /** Boolean keywords written as templates (`ignore_errors: "{{ ansible_check_mode }}"`): rendered per host by the engine. */
  templatedKeywords?: Partial<Record<TemplatedKeyword, string>>;
  /** Connection and escalation keywords (Ansible's play/block/task keywords, templated per host). */
  conn?: ConnectionKeywords;
  /** `environment:` as written (a mapping or a template of one): merged over the enclosing ones at run time. */
  environment?: unknown;
  /** `throttle:` — at most this many hosts run the task at once. */
  throttle?: number;
  /** `collections:` — short module names resolve through these (block/role/play level). */
  collections?: string[];
}

/** `remote_user`, `port`, `connection`, `become_method/flags/exe` as written (raw, templated per host). Host `ansible_*` variables win over them, as in Ansible. */
export interface ConnectionKeywords {
  remoteUser?: string;
  port?: number | string;
  connection?: string;
  becomeMethod?: string;
  becomeFlags?: string;
  becomeExe?: string;
}

/** The boolean task keywords Ansible templates. */
export type TemplatedKeyword = 'become' | 'ignoreErrors' | 'ignoreUnreachable' | 'runOnce' | 'noLog' | 'checkMode' | 'any_errors_fatal';

/**
 * A task's loop as written: `loop:` or `with_<lookup>:` and its `loop_control`. Values stay raw
 * (rendered per host by the engine's loop.ts); includes with a loop carry the same fields.
 */
export interface LoopFields {
  /** `loop:` value, or the terms of `with_<lookup>:` (raw). Absent: no loop. */
  loop?: unknown;
  /** `with_<lookup>:` — the lookup's name (`items`, `dict`, `community.general.flattened`…). */
  loopWith?: string;
  /** `loop_control.loop_var` (default `item`). */
  loopVar: string;
  /** `loop_control.label` (a template). */
  loopLabel?: string;
  /** `loop_control.index_var`. */
  loopIndexVar?: string;
  /** `loop_control.pause`: seconds between items (a number or a template). */
  loopPause?: number | string;
  /** `loop_control.extended`: set `ansible_loop` (a boolean or a template). */
  loopExtended?: boolean | string;
  /** `loop_control.extended_allitems` (default true): `ansible_loop.allitems`. */
  loopExtendedAllitems?: boolean;
}

export interface ModuleTask extends TaskCommon, LoopFields {
  kind: 'module';
  /** Canonical module name (aliases resolved by the loader). */
  module: string;
  /** The name as written (for messages). */
  moduleAs: string;
  args: Record<string, unknown>;
  register?: string;
  notify: string[];
  changedWhen?: string[];
  failedWhen?: string[];
  until?: string;
  /** `timeout:` — seconds the task may run (a number, or a template rendered per host). */
  timeout?: number | string;
  /** `retries:` — a number, or a template rendered per host (Ansible templates it). */
  retries?: number | string;
  /** `delay:` — seconds, or a template rendered per host. */
  delay?: number | string;
  /** `listen:` topics (handlers only). */
  listen: string[];
}

export interface BlockTask extends TaskCommon {
  kind: 'block';
  /** `notify:` on the block: tasks inside that change notify these (unless they have their own notify). */
  notify?: string[];
  block: TaskNode[];
  rescue: TaskNode[];
  always: TaskNode[];
}

/** A role applied from `roles:` or `include_role`/`import_role`; expanded per host at run time. */
export interface RoleTask extends TaskCommon {
  kind: 'role';
  roleName: string;
  /** Params given at the call site (raw; rendered per host, validated by the role's schema). */
  params: Record<string, unknown>;
  /**
   * Which of `params` Ansible counts as role params (a `roles:` entry's keys that are not role
   * keywords; `vars:` and include_role have none): the role argument spec's provided_arguments.
   */
  roleParamNames?: string[];
  /** `tasks_from:` of include_role/import_role as written: the role's entry point (argument spec) and tasks file. */
  tasksFrom?: string;
  /** `vars_from:` / `defaults_from:` / `handlers_from:` of include_role/import_role (files in the role's vars/, defaults/, handlers/). */
  varsFrom?: string;
  defaultsFrom?: string;
  handlersFrom?: string;
  /** `include_role` (dynamic: when evaluated once on the call, reported as a task) rather than `roles:`/`import_role` (static: when on every task). */
  dynamic?: boolean;
  /** `public:` — the role's vars and defaults stay visible to the play's later tasks (import_role: always). */
  public?: boolean;
  /** `allow_duplicates:` of include_role/import_role. */
  allowDuplicates?: boolean;
  /** `rolespec_validate:` (default true): run the argument spec check. */
  rolespecValidate?: boolean;
  /** `apply:` of an include_role as written: block keywords for the role's tasks. */
  apply?: Record<string, unknown>;
  /** `loop:` / `with_*` / `loop_control` of an include_role: the role is included once per item. */
  itemLoop?: LoopFields;
  /** `register:` of an include_role: the include's own result (`include_args`), as ansible-core registers it. */
  register?: string;
  /**
   * A play's `roles:` entry or a role's meta dependency: on a host it runs once per play for the
   * same role, params, `when`, `tags` and `vars` (ansible-core's ROLE_CACHE and has_run), unless the
   * role's meta says allow_duplicates. include_role/import_role are never deduplicated.
   */
  roleEntry?: boolean;
  /** Where a dependency's role is looked for (its depending role's directory included). */
  searchPaths?: string[];
}

/**
 * `include_tasks` (and a dynamic `include:`): the file is found, read and validated when a host
 * reaches the task, as ansible-core 2.14 does. `when` holds for the include itself (not the tasks
 * inside), and so do `tags`; `apply:` keywords go to the included tasks.
 */
export interface IncludeTask extends TaskCommon, LoopFields {
  kind: 'include';
  /** The action as written (`include_tasks`, `ansible.builtin.include_tasks`, `include`). */
  action: string;
  /** The file name as written (may be a template, rendered per host and item). */
  file: string;
  /** `apply:` as written: block keywords for the included tasks. */
  apply?: Record<string, unknown>;
  /** Directories a relative name is tried against, first match wins (the including file's dir, then the role's tasks/ or the playbook dir). */
  searchDirs: string[];
  /** The include chain that led here (cycle detection). */
  includeStack: string[];
  /** `handlers` lists: the included tasks are handlers. */
  section?: 'tasks' | 'handlers';
  /** `register:`: the include's own result (`include`, `include_args`; per item with a loop), as ansible-core registers it. */
  register?: string;
}

export type TaskNode = ModuleTask | BlockTask | RoleTask | IncludeTask;

/** A task the engine or loader makes itself (fact gathering, an include's own result, a role's argument check): no keywords unless given. */
export function syntheticTask(module: string, loc: SourceLocation, extra: Partial<ModuleTask> = {}): ModuleTask {
  return { kind: 'module', module, moduleAs: module, args: {}, loc, when: [], tags: [], vars: {}, notify: [], listen: [], loopVar: 'item', ...extra };
}

export interface Play {
  name: string;
  loc: SourceLocation;
  hosts: string;
  vars: Record<string, unknown>;
  varsFiles: string[];
  gatherFacts: boolean;
  /** `force_handlers:` notified handlers run on hosts that failed afterwards (as --force-handlers). */
  forceHandlers?: boolean;
  /** gather_subset of the play's fact gathering (collector names, `!` negations); absent = all. */
  gatherSubset?: string[];
  /** gather_timeout in seconds (setup's default 10 applies per collector in Ansible; here to the whole gathering). */
  gatherTimeout?: number;
  become?: boolean;
  becomeUser?: string;
  serial?: Array<number | string>;
  maxFailPercentage?: number;
  anyErrorsFatal: boolean;
  strategy: 'linear' | 'free';
  /** Play-level `connection: local` (Ansible's way to run a play on the controller); absent = inventory decides. */
  connection?: 'local' | 'ssh';
  /** Play keywords the tasks inherit: remote_user, port, become_method…, environment, collections. */
  conn?: ConnectionKeywords;
  environment?: unknown;
  collections?: string[];
  /** Play-level ignore_errors, ignore_unreachable, no_log, check_mode, run_once, delegate_to: every task inherits them. */
  inherit?: Partial<Pick<TaskCommon, 'ignoreErrors' | 'ignoreUnreachable' | 'noLog' | 'checkMode' | 'runOnce' | 'delegateTo' | 'templatedKeywords'>>;
  /** `order:` — the order hosts run in. */
  order?: 'inventory' | 'reverse_inventory' | 'sorted' | 'reverse_sorted' | 'shuffle';
  /** `vars_prompt:` entries (no terminal: the default is used, as Ansible does). */
  varsPrompt?: VarsPrompt[];
  tags: string[];
  /** pre_tasks, roles (as RoleTasks), tasks, post_tasks, in Ansible's order. */
  preTasks: TaskNode[];
  roles: RoleTask[];
  tasks: TaskNode[];
  postTasks: TaskNode[];
  handlers: ModuleTask[];
}

export interface VarsPrompt {
  name: string;
  prompt?: string;
  default?: unknown;
  private: boolean;
  confirm: boolean;
  unsafe: boolean;
  /** `encrypt:` a passlib scheme (sha512_crypt, sha256_crypt, md5_crypt, bcrypt): the value is hashed, as ansible's do_encrypt does. */
  encrypt?: string;
  salt?: string;
  saltSize?: number;
  loc: SourceLocation;
}

export interface Playbook {
  path: string;
  dir: string;
  plays: Play[];
  /** What reading the YAML warned about (duplicate keys), for the run to show. */
  warnings?: string[];
}

export interface RoleInstanceRef {
  name: string;
  dir: string;
}

/** A role as found on disk (YAML layout or typed TypeScript). */
export interface LoadedRole {
  name: string;
  dir: string;
  kind: 'yaml' | 'ts';
  /** meta/main.yml `allow_duplicates: true`: listed twice in `roles:` with the same params, it runs twice. */
  allowDuplicates?: boolean;
  description: string;
  defaults: Record<string, unknown>;
  vars: Record<string, unknown>;
  /** YAML roles: the tasks of tasks/main.yml. */
  tasks?: TaskNode[];
  handlers: ModuleTask[];
  /** Params schema: the TS role's zod schema, or one built from meta/argument_specs.yml. */
  params?: z.ZodType;
  /** Documentation rows for `tsplay roles show`. */
  paramDocs: ParamDoc[];
  /** YAML roles: meta/argument_specs.yml (or meta/main.yml argument_specs) by entry point; validated when the role runs. */
  argumentSpecs?: Record<string, ArgumentSpecEntry>;
  /** TS roles: expands validated params into raw task objects (normalized by the loader). */
  expand?: (params: any, ctx: RoleExpandContext) => unknown[];
  /** meta/main.yml `dependencies:`: roles run before this one (static, like `roles:` entries). */
  dependencies?: RoleTask[];
  /** What reading the role's YAML warned about (duplicate keys). */
  warnings?: string[];
}

export interface ParamDoc {
  name: string;
  type: string;
  required: boolean;
  default?: unknown;
  description?: string;
  choices?: unknown[];
  /** Declared secret (argument_specs `no_log`, TS `secret()`): redacted everywhere, default not shown. */
  secret?: boolean;
}

export interface RoleExpandContext {
  host: string;
  vars: Record<string, unknown>;
  facts?: unknown;
  /** Inventory group → host names (for roles that address other groups). */
  groups: Record<string, string[]>;
  /** Resolved variables of any host (hostvars). */
  hostvars(host: string): Record<string, unknown>;
}
