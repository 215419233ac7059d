import { z } from 'zod';
import { FALSE_WORDS, TRUE_WORDS } from './boolean.js';

/**
 * The playbook keywords, once: each keyword's name, the forms it accepts and its description, for
 * plays, tasks, blocks, handlers and `roles:` entries (types as ansible-core 2.14's FieldAttributes
 * declare them). The loader's keyword lists derive from these shapes and `z.toJSONSchema` turns
 * them into the editor schema. They check the input as written: what the loader keeps (defaults,
 * lists split on commas, templates kept for the engine) is its normalizing step, after them.
 */

/** A Jinja2 template, rendered per host at run time: accepted wherever a typed value is. */
export const templateString = z
  .string()
  .regex(/\{\{|\{%/)
  .describe('a Jinja2 template ("{{ … }}"), rendered per host');

/** A typed value or a template of one. */
export function orTemplate<T extends z.ZodType>(t: T) {
  return z.union([t, templateString]);
}

const boolWords = new RegExp(`^\\s*(?:${[...TRUE_WORDS, ...FALSE_WORDS].join('|')})\\s*$`, 'i');

const notBool = (iss: { input?: unknown }) => `must be true or false, got ${JSON.stringify(iss.input)}`;

/** What Ansible reads as a boolean: true/false, yes/no, on/off, y/n, t/f, 1/0 (case-insensitive). */
export const ansibleBoolSchema = z
  .union([z.boolean(), z.literal(0), z.literal(1), z.string().regex(boolWords, { error: notBool })], { error: notBool })
  .describe('true or false (also yes/no, on/off, 1/0)');

/** What the loader adds to a boolean keyword's error. */
export const BOOL_HINT = 'Ansible takes true/false, yes/no, on/off, 1/0';

const text = z.union([z.string(), z.number(), z.boolean()]);
const word = z.union([z.string(), z.number()]);
const stringOrList = z.union([word, z.array(word)]);
/** A number of seconds, retries…: a non-negative number, also written as a string. */
export const nonNegativeSchema = z.union([z.number().nonnegative(), z.string().regex(/^\s*\d+(\.\d+)?\s*$/)]);
const nonNegative = nonNegativeSchema;
/** A whole number above 0 (gather_timeout), also written as a string. */
export const positiveWholeSchema = z.union([z.number().int().positive(), z.string().regex(/^\s*0*[1-9]\d*\s*$/)]);
/** A port number (a template of one is checked per host). */
export const portSchema = z.union([z.number().int().min(1).max(65535), z.string().regex(/^\s*\d+\s*$/)]);
const wholeNumber = z.union([z.number().int().nonnegative(), z.string().regex(/^\s*\d+\s*$/)]);
const mapping = z.record(z.string(), z.unknown());
const condition = z.union([z.string(), z.boolean()]);
const conditions = z.union([condition, z.array(condition)]);
/** A task list's items are checked by the task schema (through the loader); here only its shape. */
export const taskListSchema = z.array(mapping);
const taskList = taskListSchema;
/** A play's `roles:`: names, or mappings with role: NAME (the editor schema types each entry). */
export const roleListSchema = z.array(z.union([z.string(), mapping]));

/** Every keyword that appears on more than one kind of object, with its one description. */
const kw = {
  name: text.describe('a name shown in the output (may be a template)'),
  when: conditions.describe('a condition, or a list of conditions that must all hold'),
  tags: stringOrList.describe('tags selecting the task with --tags / --skip-tags (a list, or comma-separated)'),
  vars: mapping.describe('variables for this scope'),
  become: orTemplate(ansibleBoolSchema).describe('run as another user (become_user)'),
  become_user: text.describe('the user to become (default root)'),
  become_method: word.describe('how to become the user: sudo or su'),
  become_flags: text.describe('extra flags for the become method'),
  become_exe: text.describe('the become program to run'),
  ignore_errors: orTemplate(ansibleBoolSchema).describe('a failure does not stop the host'),
  ignore_unreachable: orTemplate(ansibleBoolSchema).describe('an unreachable host is not a failure'),
  run_once: orTemplate(ansibleBoolSchema).describe('run on the first host of the batch only'),
  delegate_to: text.describe('run on this host instead'),
  delegate_facts: ansibleBoolSchema.describe('facts the task sets go to the delegated host'),
  no_log: orTemplate(ansibleBoolSchema).describe('hide the results in the output'),
  check_mode: orTemplate(ansibleBoolSchema).describe('always (true) or never (false) in check mode'),
  any_errors_fatal: orTemplate(ansibleBoolSchema).describe('a failure on one host stops the play on all'),
  notify: stringOrList.describe('handlers to notify when the task changes something'),
  environment: z
    .union([mapping, templateString, z.array(z.union([mapping, templateString]))])
    .describe('environment variables for the commands run (a mapping, or a template of one)'),
  remote_user: text.describe('the user to connect as'),
  port: orTemplate(portSchema).describe('the port to connect to'),
  connection: z.string().describe('how to reach the host: ssh (paramiko, smart) or local'),
  throttle: wholeNumber.describe('at most this many hosts run the task at once'),
  collections: stringOrList.describe('collections short module names resolve through'),
  loop: z.union([z.array(z.unknown()), templateString]).describe('run the task once per item'),
  loop_control: z
    .object({
      loop_var: z.string().describe('the item variable (default item)'),
      index_var: z.string().describe('a variable holding the item index'),
      label: text.describe('what the output shows for each item'),
      pause: orTemplate(nonNegative).describe('seconds between items'),
      extended: orTemplate(ansibleBoolSchema).describe('set ansible_loop'),
      extended_allitems: ansibleBoolSchema.describe('ansible_loop.allitems (default true)'),
    })
    .partial()
    .strict()
    .describe('how the loop runs'),
} as const;

/** Keywords a module task may carry besides its module key. */
export const taskKeywordsSchema = z
  .object({
    name: kw.name,
    when: kw.when,
    loop: kw.loop,
    with_items: z.unknown().describe('loop over a flattened list (the items lookup)'),
    with_list: z.unknown().describe('loop over a list (the list lookup)'),
    loop_control: kw.loop_control,
    register: z.string().describe('a variable the result is stored in (a name Python accepts: not a number, True/False or a keyword)'),
    notify: kw.notify,
    listen: stringOrList.describe('topics a handler answers to'),
    tags: kw.tags,
    changed_when: conditions.describe('when the task counts as changed'),
    failed_when: conditions.describe('when the task counts as failed'),
    ignore_errors: kw.ignore_errors,
    ignore_unreachable: kw.ignore_unreachable,
    retries: orTemplate(nonNegative).describe('how many times until is retried'),
    until: conditions.describe('retry the task until this holds (a condition, or a list that must all hold)'),
    delay: orTemplate(nonNegative).describe('seconds between retries'),
    timeout: orTemplate(nonNegative).describe('seconds the task may run before it is stopped and fails (0: no limit)'),
    become: kw.become,
    become_user: kw.become_user,
    become_method: kw.become_method,
    run_once: kw.run_once,
    delegate_to: kw.delegate_to,
    delegate_facts: kw.delegate_facts,
    no_log: kw.no_log,
    check_mode: kw.check_mode,
    vars: kw.vars,
    args: mapping.describe('module arguments (merged under those given with the module)'),
    any_errors_fatal: kw.any_errors_fatal,
    action: z.union([z.string(), mapping]).describe('the module and its arguments'),
    local_action: z.union([z.string(), mapping]).describe('the module and its arguments, run on the controller'),
    environment: kw.environment,
    remote_user: kw.remote_user,
    port: kw.port,
    connection: kw.connection,
    become_flags: kw.become_flags,
    become_exe: kw.become_exe,
    throttle: kw.throttle,
    collections: kw.collections,
  })
  .partial()
  .describe('a task: one module key and these keywords');

/** Keywords of a `block:` task. */
export const blockKeywordsSchema = z
  .object({
    name: kw.name,
    block: taskList.describe('the tasks of the block'),
    rescue: taskList.describe('tasks run when a task of the block fails'),
    always: taskList.describe('tasks run after the block, whatever happened'),
    when: kw.when,
    tags: kw.tags,
    become: kw.become,
    become_user: kw.become_user,
    become_method: kw.become_method,
    ignore_errors: kw.ignore_errors,
    ignore_unreachable: kw.ignore_unreachable,
    run_once: kw.run_once,
    delegate_to: kw.delegate_to,
    delegate_facts: kw.delegate_facts,
    no_log: kw.no_log,
    check_mode: kw.check_mode,
    vars: kw.vars,
    any_errors_fatal: kw.any_errors_fatal,
    notify: kw.notify,
    environment: kw.environment,
    remote_user: kw.remote_user,
    port: kw.port,
    connection: kw.connection,
    become_flags: kw.become_flags,
    become_exe: kw.become_exe,
    throttle: kw.throttle,
    collections: kw.collections,
  })
  .partial()
  .describe('a block: tasks sharing keywords, with rescue and always');

/** Keywords of a handler: a task's keywords (listen: included). */
export const handlerKeywordsSchema = taskKeywordsSchema.describe('a handler: a task run when notified (by name or a listen topic)');

/** Keywords of an `include_role`/`import_role` task and of an include's `apply:`: a block's, without its task lists. */
export const applyKeywordsSchema = blockKeywordsSchema.omit({ block: true, rescue: true, always: true }).describe('keywords given to every task of an include');

/** Keywords of an `import_tasks` task (static: read when the playbook loads). */
export const importTasksKeywordsSchema = taskKeywordsSchema
  .pick({
    name: true,
    when: true,
    tags: true,
    vars: true,
    become: true,
    become_user: true,
    ignore_errors: true,
    no_log: true,
    check_mode: true,
    delegate_to: true,
    run_once: true,
    any_errors_fatal: true,
  })
  .describe('import_tasks: the tasks of FILE, read when the playbook loads');

/** Keywords of an `include_tasks` task (dynamic: read when a host reaches it); `with_<lookup>` loops too. */
export const includeTasksKeywordsSchema = taskKeywordsSchema
  .pick({
    name: true,
    when: true,
    tags: true,
    vars: true,
    ignore_errors: true,
    no_log: true,
    run_once: true,
    any_errors_fatal: true,
    loop: true,
    loop_control: true,
    register: true,
  })
  .extend({
    // accepted here as ansible-core does, without effect in tsplay
    debugger: z.string().optional().describe('accepted, without effect in tsplay'),
    timeout: z.unknown().optional().describe('accepted, without effect in tsplay'),
    collections: taskKeywordsSchema.shape.collections,
    args: taskKeywordsSchema.shape.args,
    become: taskKeywordsSchema.shape.become,
    become_user: taskKeywordsSchema.shape.become_user,
    delegate_to: taskKeywordsSchema.shape.delegate_to,
    check_mode: taskKeywordsSchema.shape.check_mode,
    environment: taskKeywordsSchema.shape.environment,
  })
  .describe('include_tasks: the tasks of FILE, read when a host reaches it');

/** Keywords of a `meta:` task. */
export const metaKeywordsSchema = taskKeywordsSchema
  .pick({
    name: true,
    when: true,
    tags: true,
    vars: true,
    ignore_errors: true,
    any_errors_fatal: true,
    become: true,
    become_user: true,
    run_once: true,
    delegate_to: true,
    no_log: true,
    check_mode: true,
    environment: true,
    remote_user: true,
    port: true,
    connection: true,
    become_method: true,
    become_flags: true,
    become_exe: true,
  })
  .describe('meta: an action of the engine itself (flush_handlers, end_play, end_host…)');

/** The options of `include_tasks:`/`include:` written as a mapping (or under `args:`). */
export const includeTasksOptionsSchema = z
  .object({
    file: z.string().describe('the task file (may be a template)'),
    _raw_params: z.string().describe('the task file, as the free-form word'),
    apply: applyKeywordsSchema,
  })
  .partial()
  .strict();

/** A role reference: the mapping under `include_role:`/`import_role:` (other keys are role params). */
export const roleReferenceSchema = z
  .object({
    name: z.string().describe('the role'),
    role: z.string().describe('the role (same as name:)'),
    tasks_from: z.string().describe('the role’s tasks/ file to run instead of main'),
    vars_from: z.string().describe('the role’s vars/ file to load instead of main'),
    defaults_from: z.string().describe('the role’s defaults/ file to load instead of main'),
    handlers_from: z.string().describe('the role’s handlers/ file to load instead of main'),
    public: ansibleBoolSchema.describe('the role’s vars and defaults stay visible to later tasks'),
    allow_duplicates: ansibleBoolSchema.describe('the role may run more than once with the same params'),
    rolespec_validate: ansibleBoolSchema.describe('check the role’s argument specs (default true)'),
    apply: applyKeywordsSchema.describe('keywords for the role’s tasks (include_role only)'),
  })
  .partial()
  .describe('which role to run and how (the role’s variables go in the task’s vars:)');

/** An entry of a play's `vars_prompt:`. */
export const varsPromptSchema = z
  .object({
    name: z.string().describe('the variable set'),
    prompt: z.string().describe('the question asked'),
    default: z.unknown().describe('the value without a terminal, or on an empty answer'),
    private: ansibleBoolSchema.describe('hide the answer (default true)'),
    confirm: ansibleBoolSchema.describe('ask twice'),
    unsafe: ansibleBoolSchema.describe('the answer is not templated'),
    encrypt: z.string().describe('hash the answer with this passlib scheme: sha512_crypt, sha256_crypt, md5_crypt or bcrypt'),
    salt: z.union([z.string(), z.number()]).describe('the salt of the hash (default: a random one)'),
    salt_size: z.number().int().describe('the length of a random salt'),
  })
  .partial()
  .required({ name: true });

/** The keys of a loop_control mapping. */
export const loopControlSchema = taskKeywordsSchema.shape.loop_control.unwrap();

/** Keywords of an entry under a play's `roles:` (everything else is a role param, as in Ansible). */
export const roleEntryKeywordsSchema = z
  .object({
    role: z.string().describe('the role to apply'),
    name: z.string().describe('the role to apply (same as role:)'),
    vars: kw.vars,
    when: kw.when,
    tags: kw.tags,
    become: kw.become,
    become_user: kw.become_user,
    become_method: kw.become_method,
    become_flags: kw.become_flags,
    become_exe: kw.become_exe,
    environment: kw.environment,
    remote_user: kw.remote_user,
    port: kw.port,
    connection: kw.connection,
    ignore_errors: kw.ignore_errors,
    ignore_unreachable: kw.ignore_unreachable,
    no_log: kw.no_log,
    check_mode: kw.check_mode,
    delegate_to: kw.delegate_to,
    delegate_facts: kw.delegate_facts,
    run_once: kw.run_once,
    any_errors_fatal: kw.any_errors_fatal,
    collections: kw.collections,
  })
  .partial()
  .describe('a role applied by the play; keys that are not keywords are the role’s params');

/** max_fail_percentage: 0 to 100, a `%` allowed. */
export const percentSchema = z.union([
  z.number().min(0).max(100),
  z
    .string()
    .regex(/^\s*\d+(\.\d+)?%?\s*$/)
    .refine((s) => Number.parseFloat(s) <= 100),
]);
/** One serial batch size: a whole number above 0, or a percentage above 0 ("30%"). */
export const serialItemSchema = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*%\s*$/)
    .refine((s) => Number.parseFloat(s) > 0),
  z.string().regex(/^\s*0*[1-9]\d*\s*$/),
]);
const percent = percentSchema;
const serialItem = serialItemSchema;

/** Keywords of a play. */
export const playKeywordsSchema = z
  .object({
    name: kw.name,
    hosts: z.union([z.string(), z.array(z.string())]).describe('the hosts the play runs on: a pattern, or a list of them'),
    vars: z.union([mapping, z.array(mapping)]).describe('variables of the play'),
    vars_files: stringOrList.describe('files of variables, relative to the playbook'),
    gather_facts: ansibleBoolSchema.describe('gather facts before the tasks (default true)'),
    gather_subset: stringOrList.describe('the fact collectors to run (! excludes one)'),
    gather_timeout: positiveWholeSchema.describe('seconds the fact gathering may take'),
    become: ansibleBoolSchema.describe('run as another user (become_user)'),
    become_user: z.string().describe('the user to become (default root)'),
    become_method: kw.become_method,
    serial: z.union([serialItem, z.array(serialItem)]).describe('hosts per batch: a number, a percentage like "30%", or a list of them'),
    max_fail_percentage: percent.describe('stop the play when more than this share of a batch fails'),
    any_errors_fatal: ansibleBoolSchema.describe('a failure on one host stops the play on all'),
    force_handlers: ansibleBoolSchema.describe('notified handlers run even on hosts that failed later (as --force-handlers)'),
    strategy: z.enum(['linear', 'free']).describe('linear: every host finishes a task before the next; free: each host runs ahead'),
    roles: roleListSchema.describe('roles applied before tasks:'),
    pre_tasks: taskList.describe('tasks run before the roles'),
    tasks: taskList.describe('the tasks of the play'),
    post_tasks: taskList.describe('tasks run after tasks:'),
    handlers: taskList.describe('tasks run when notified'),
    tags: kw.tags,
    connection: kw.connection,
    environment: kw.environment,
    remote_user: kw.remote_user,
    port: kw.port,
    become_flags: kw.become_flags,
    become_exe: kw.become_exe,
    collections: kw.collections,
    vars_prompt: z.array(varsPromptSchema).describe('variables asked for at the start (the default without a terminal)'),
    order: z.enum(['inventory', 'reverse_inventory', 'sorted', 'reverse_sorted', 'shuffle']).describe('the order hosts run in'),
    ignore_errors: kw.ignore_errors,
    ignore_unreachable: kw.ignore_unreachable,
    no_log: kw.no_log,
    check_mode: kw.check_mode,
    run_once: kw.run_once,
  })
  .partial()
  .describe('a play: hosts, and the tasks and roles run on them');

/** A playbook: a list of plays (or import_playbook entries). */
export const playbookSchema = z
  .array(z.union([playKeywordsSchema, z.object({ import_playbook: z.string().describe('another playbook, relative to this one'), name: z.string().optional() }).strict()]))
  .describe('a playbook: a list of plays');

/** A keyword's schema on tasks, blocks, plays or role entries (the first that has it). */
export function keywordSchema(name: string): z.ZodType | undefined {
  for (const s of [taskKeywordsSchema, blockKeywordsSchema, playKeywordsSchema, roleEntryKeywordsSchema]) {
    if (Object.hasOwn(s.shape, name)) return (s.shape as Record<string, z.ZodType>)[name];
  }
  return undefined;
}

/** Whether a keyword may be written as a template (rendered per host). */
export function acceptsTemplate(name: string): boolean {
  return keywordSchema(name)?.safeParse('{{ x }}').success === true;
}
