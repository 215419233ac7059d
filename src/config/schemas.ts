import { z } from 'zod';

/**
 * Engine-level keywords of plays, tasks, blocks and role entries (module names come from the
 * module registry). Used by the loader for validation and "did you mean" suggestions.
 */

/** Keywords a module task may carry besides its module key. */
export const TASK_KEYWORDS = [
  'name',
  'when',
  'loop',
  'with_items',
  'with_list',
  'loop_control',
  'register',
  'notify',
  'listen',
  'tags',
  'changed_when',
  'failed_when',
  'ignore_errors',
  'ignore_unreachable',
  'retries',
  'until',
  'delay',
  'become',
  'become_user',
  'become_method',
  'run_once',
  'delegate_to',
  'no_log',
  'check_mode',
  'vars',
  'args',
  'any_errors_fatal',
  'action',
  'local_action',
  'environment',
  'remote_user',
  'port',
  'connection',
  'become_flags',
  'become_exe',
  'throttle',
  'collections',
] as const;

/** Keywords of a `block:` task. */
export const BLOCK_KEYWORDS = [
  'name',
  'block',
  'rescue',
  'always',
  'when',
  'tags',
  'become',
  'become_user',
  'become_method',
  'ignore_errors',
  'ignore_unreachable',
  'run_once',
  'delegate_to',
  'no_log',
  'check_mode',
  'vars',
  'any_errors_fatal',
  'notify',
  'environment',
  'remote_user',
  'port',
  'connection',
  'become_flags',
  'become_exe',
  'throttle',
  'collections',
] as const;

/** Task-level actions handled by the loader itself (not modules). */
export const LOADER_ACTIONS = ['include_role', 'import_role', 'include_tasks', 'import_tasks', 'block'] as const;

/** Keywords of a play. */
export const PLAY_KEYWORDS = [
  'name',
  'hosts',
  'vars',
  'vars_files',
  'gather_facts',
  'gather_subset',
  'gather_timeout',
  'become',
  'become_user',
  'become_method',
  'serial',
  'max_fail_percentage',
  'any_errors_fatal',
  'strategy',
  'roles',
  'pre_tasks',
  'tasks',
  'post_tasks',
  'handlers',
  'tags',
  'connection',
  'environment',
  'remote_user',
  'port',
  'become_flags',
  'become_exe',
  'collections',
  'vars_prompt',
  'order',
] as const;

/** Keywords of an entry under a play's `roles:` (everything else is a role param, as in Ansible). */
export const ROLE_ENTRY_KEYWORDS = [
  'role', 'name', 'vars', 'when', 'tags', 'become', 'become_user', 'become_method', 'become_flags', 'become_exe',
  'environment', 'remote_user', 'port', 'connection', 'ignore_errors', 'ignore_unreachable', 'no_log', 'check_mode',
  'delegate_to', 'run_once', 'any_errors_fatal', 'collections',
] as const;

/**
 * Ansible keywords tsplay knows but does not implement: a clear error instead of a silent
 * difference in behaviour. Value: the hint shown.
 */
export const UNSUPPORTED_KEYWORDS: Record<string, string> = {
  async: 'long-running commands run synchronously in tsplay',
  poll: 'long-running commands run synchronously in tsplay',
  timeout: 'use the module’s own timeout argument where it has one',
  diff: 'use the --diff command-line flag',
  module_defaults: 'pass the arguments on each task',
  debugger: 'not available in tsplay',
  force_handlers: 'not available in tsplay',
  include: 'use include_tasks (or import_tasks / import_playbook)',
  tasks_from: 'put the tasks in the role’s tasks/main.yml, or use include_tasks inside the role',
  vars_from: 'not available in tsplay',
  defaults_from: 'not available in tsplay',
  handlers_from: 'not available in tsplay',
  apply: 'put the keywords on the include_role task itself',
  public: 'role variables are not exported to the play in tsplay',
  allow_duplicates: 'not available in tsplay',
};

/** Ansible's meta/argument_specs.yml, the part tsplay reads. */
const argumentSpecOption: z.ZodType<ArgumentSpecOption> = z.lazy(() =>
  z
    .object({
      type: z.enum(['str', 'int', 'float', 'bool', 'list', 'dict', 'path', 'raw']).default('str'),
      required: z.boolean().default(false),
      default: z.unknown().optional(),
      choices: z.array(z.unknown()).optional(),
      description: z.union([z.string(), z.array(z.string())]).optional(),
      elements: z.enum(['str', 'int', 'float', 'bool', 'list', 'dict', 'path', 'raw']).optional(),
      options: z.record(z.string(), argumentSpecOption).optional(),
      no_log: z.boolean().optional(),
      version_added: z.unknown().optional(),
    })
    .loose(),
) as z.ZodType<ArgumentSpecOption>;

export interface ArgumentSpecOption {
  type: 'str' | 'int' | 'float' | 'bool' | 'list' | 'dict' | 'path' | 'raw';
  required: boolean;
  default?: unknown;
  choices?: unknown[];
  description?: string | string[];
  elements?: ArgumentSpecOption['type'];
  options?: Record<string, ArgumentSpecOption>;
  no_log?: boolean;
}

export const argumentSpecsSchema = z.object({
  argument_specs: z.record(
    z.string(),
    z
      .object({
        short_description: z.string().optional(),
        description: z.union([z.string(), z.array(z.string())]).optional(),
        options: z.record(z.string(), argumentSpecOption).default({}),
      })
      .loose(),
  ),
});
