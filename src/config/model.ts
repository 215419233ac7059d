import type { z } from 'zod';
import type { SourceLocation } from '../errors.js';

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
  noLog?: boolean;
  /** Per-task check_mode override. */
  checkMode?: boolean;
  any_errors_fatal?: boolean;
  /** Boolean keywords written as templates (`ignore_errors: "{{ ansible_check_mode }}"`): rendered per host by the engine. */
  templatedKeywords?: Partial<Record<TemplatedKeyword, string>>;
}

/** The boolean task keywords Ansible templates. */
export type TemplatedKeyword = 'become' | 'ignoreErrors' | 'ignoreUnreachable' | 'runOnce' | 'noLog' | 'checkMode' | 'any_errors_fatal';

export interface ModuleTask extends TaskCommon {
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
  retries?: number;
  delay?: number;
  loop?: unknown;
  loopVar: string;
  /** `loop_control.label`. */
  loopLabel?: string;
  /** `listen:` topics (handlers only). */
  listen: string[];
}

export interface BlockTask extends TaskCommon {
  kind: 'block';
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
}

export type TaskNode = ModuleTask | BlockTask | RoleTask;

export interface Play {
  name: string;
  loc: SourceLocation;
  hosts: string;
  vars: Record<string, unknown>;
  varsFiles: string[];
  gatherFacts: boolean;
  become?: boolean;
  becomeUser?: string;
  serial?: Array<number | string>;
  maxFailPercentage?: number;
  anyErrorsFatal: boolean;
  strategy: 'linear' | 'free';
  /** Play-level `connection: local` (Ansible's way to run a play on the controller); absent = inventory decides. */
  connection?: 'local' | 'ssh';
  tags: string[];
  /** pre_tasks, roles (as RoleTasks), tasks, post_tasks, in Ansible's order. */
  preTasks: TaskNode[];
  roles: RoleTask[];
  tasks: TaskNode[];
  postTasks: TaskNode[];
  handlers: ModuleTask[];
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
  /** TS roles: expands validated params into raw task objects (normalized by the loader). */
  expand?: (params: any, ctx: RoleExpandContext) => unknown[];
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
