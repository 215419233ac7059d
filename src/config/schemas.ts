import { z } from 'zod';

import { blockKeywordsSchema, playKeywordsSchema, roleEntryKeywordsSchema, taskKeywordsSchema } from './keywords.js';

/**
 * Engine-level keywords of plays, tasks, blocks and role entries, as named by their schemas in
 * keywords.ts (module names come from the module registry). Used by the loader for validation and
 * "did you mean" suggestions.
 */

/** Keywords a module task may carry besides its module key. */
export const TASK_KEYWORDS = Object.keys(taskKeywordsSchema.shape) as ReadonlyArray<keyof typeof taskKeywordsSchema.shape>;

/** Keywords of a `block:` task. */
export const BLOCK_KEYWORDS = Object.keys(blockKeywordsSchema.shape) as ReadonlyArray<keyof typeof blockKeywordsSchema.shape>;

/** Task-level actions handled by the loader itself (not modules). */
export const LOADER_ACTIONS = ['include_role', 'import_role', 'include_tasks', 'import_tasks', 'block'] as const;

/** Keywords of a play. */
export const PLAY_KEYWORDS = Object.keys(playKeywordsSchema.shape) as ReadonlyArray<keyof typeof playKeywordsSchema.shape>;

/** Keywords of an entry under a play's `roles:` (everything else is a role param, as in Ansible). */
export const ROLE_ENTRY_KEYWORDS = Object.keys(roleEntryKeywordsSchema.shape) as ReadonlyArray<keyof typeof roleEntryKeywordsSchema.shape>;

/**
 * Ansible keywords tsplay knows but does not implement: a clear error instead of a silent
 * difference in behaviour. Value: the hint shown.
 */
export const UNSUPPORTED_KEYWORDS: Record<string, string> = {
  async: 'long-running commands run synchronously in tsplay',
  poll: 'long-running commands run synchronously in tsplay',
  timeout: 'tsplay takes timeout: on each task, not on blocks, plays or role calls',
  diff: 'use the --diff command-line flag',
  module_defaults: 'pass the arguments on each task',
  debugger: 'not available in tsplay',
  include: 'use include_tasks (or import_tasks / import_playbook)',
  tasks_from: 'put the tasks in the role’s tasks/main.yml, or use include_tasks inside the role',
  vars_from: 'not available in tsplay',
  defaults_from: 'not available in tsplay',
  handlers_from: 'not available in tsplay',
  apply: 'put the keywords on the include_role task itself',
  public: 'role variables are not exported to the play in tsplay',
  allow_duplicates: 'not available in tsplay',
};

/** The type names Ansible's argument spec validation knows (module_utils DEFAULT_TYPE_VALIDATORS). */
export const ARG_SPEC_TYPES = ['str', 'int', 'float', 'bool', 'list', 'dict', 'path', 'raw', 'jsonarg', 'json', 'bytes', 'bits'] as const;
export type ArgSpecType = (typeof ARG_SPEC_TYPES)[number];

const termList = z.array(z.union([z.string(), z.array(z.string())]));

/** One option of Ansible's meta/argument_specs.yml (or a validate_argument_spec task). Unknown keys are kept, as Ansible ignores them. */
const argumentSpecOption: z.ZodType<ArgumentSpecOption> = z.lazy(() =>
  z
    .object({
      type: z.enum(ARG_SPEC_TYPES).optional(),
      required: z.boolean().optional(),
      default: z.unknown().optional(),
      choices: z.array(z.unknown()).optional(),
      description: z.union([z.string(), z.array(z.string())]).optional(),
      elements: z.enum(ARG_SPEC_TYPES).optional(),
      options: z.record(z.string(), argumentSpecOption).optional(),
      aliases: z.array(z.string()).optional(),
      no_log: z.boolean().optional(),
      apply_defaults: z.boolean().optional(),
      mutually_exclusive: termList.optional(),
      required_together: termList.optional(),
      required_one_of: termList.optional(),
      required_if: z.array(z.array(z.unknown()).min(3).max(4)).optional(),
      required_by: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
      version_added: z.unknown().optional(),
    })
    .loose()
    .refine((o) => !(o.required === true && o.default !== undefined && o.default !== null), {
      message: 'required and default are mutually exclusive (Ansible fails the validation)',
      path: ['default'],
    }),
) as z.ZodType<ArgumentSpecOption>;

export interface ArgumentSpecOption {
  /** Absent means str. */
  type?: ArgSpecType;
  required?: boolean;
  default?: unknown;
  choices?: unknown[];
  description?: string | string[];
  elements?: ArgSpecType;
  options?: Record<string, ArgumentSpecOption>;
  aliases?: string[];
  no_log?: boolean;
  apply_defaults?: boolean;
  mutually_exclusive?: Array<string | string[]>;
  required_together?: Array<string | string[]>;
  required_one_of?: Array<string | string[]>;
  required_if?: unknown[][];
  required_by?: Record<string, string | string[]>;
}

/** One entry point of a role's argument specs (`main`, or the `tasks_from` file's name). */
export interface ArgumentSpecEntry {
  short_description?: string;
  description?: string | string[];
  options: Record<string, ArgumentSpecOption>;
}

export const argumentSpecEntrySchema: z.ZodType<ArgumentSpecEntry> = z
  .object({
    short_description: z.string().optional(),
    description: z.union([z.string(), z.array(z.string())]).optional(),
    options: z.preprocess((v) => v ?? {}, z.record(z.string(), argumentSpecOption)),
  })
  .loose() as z.ZodType<ArgumentSpecEntry>;

/** The options mapping of a validate_argument_spec task's `argument_spec`. */
export const argumentSpecOptionsSchema = z.record(z.string(), argumentSpecOption);

export const argumentSpecsSchema = z.object({
  argument_specs: z.preprocess((v) => v ?? {}, z.record(z.string(), argumentSpecEntrySchema)),
});
