import type { z } from 'zod';
import type { Command } from '../commands/types.js';
import type { Shell } from '../commands/quote.js';
import type { HostFacts } from '../facts/types.js';
import type { RunResult } from '../executors/types.js';

/** One file's before/after, rendered as a unified diff by the reporters. */
export interface FileDiff {
  path: string;
  before: string;
  after: string;
  /** Labels for the diff header (default: path (before) / path (after)). */
  beforeHeader?: string;
  afterHeader?: string;
}

/**
 * A remote read a module needs before it can plan (file content, stat, package state).
 * The engine runs all probes of a task in one round trip and passes the parsed values to `plan`.
 */
export interface Probe {
  key: string;
  cmd: Shell;
  parse(result: RunResult): unknown;
}

/** Everything a plan may look at. Pure data plus a few pure helpers the engine injects. */
export interface PlanContext {
  host: string;
  facts: HostFacts;
  /** Parsed probe results, by probe key. */
  probed: Record<string, unknown>;
  check: boolean;
  diff: boolean;
  /** Host variables (already merged by precedence). */
  vars: Record<string, unknown>;
  /** Read a controller-side file (copy `src`, template `src`), resolved against the role's files/ or templates/ dir. */
  /** A controller-side file's bytes; vault-encrypted files are decrypted unless `decrypt: false` (copy's option). */
  readControllerFile(path: string, kind: 'files' | 'templates', opts?: { decrypt?: boolean }): Buffer;
  /** The mode ("0644") of that controller-side file, for copy/template `mode: preserve`. */
  controllerFileMode?(path: string, kind: 'files' | 'templates'): string;
  /**
   * A controller-side directory (assemble `src` with remote_src: false), found like a `files` source:
   * each entry's name (its bytes as a latin1 string), whether it is a regular file (links followed)
   * and then its bytes (vault-decrypted unless `decrypt: false`).
   */
  readControllerDir?(path: string, opts?: { decrypt?: boolean }): { path: string; isDir: boolean; entries: ControllerDirEntry[] };
  /** Ansible's loader.path_dwim on the controller (fetch's dest): absolute or ~ as given, else beside the playbook; expanded and normalised. */
  controllerDwim?(path: string): string;
  /** What is at a controller path (relative to the current directory): missing, a directory, a file with its bytes. */
  inspectControllerPath?(path: string): { kind: 'missing' | 'dir' | 'other' } | { kind: 'file'; content: Buffer };
  /** Render a text with the host's variables (Jinja2 as Ansible; a string). */
  renderTemplate(text: string, extraVars?: Record<string, unknown>): string;
  /**
   * The template module's rendering of a controller file (Jinja2, or handlebars for `.hbs`), with
   * Ansible's template_* variables and include search path; errors point into the file.
   */
  renderTemplateFile(src: string, opts: { trimBlocks?: boolean; lstripBlocks?: boolean; newlineSequence?: string; dest?: string }): string;
  /** Evaluate a condition expression (`when` grammar); must produce a boolean. */
  evaluate(expr: string): boolean;
  /** Evaluate an expression to a value (`debug: var=`). */
  evaluateValue(expr: string): unknown;
  /** include_vars: read variable files on the controller (the task's search path, role vars/). */
  includeVars?(req: import('./system/include_vars.js').IncludeVarsRequest): { vars: Record<string, unknown>; files: string[] } | { error: string; files: string[] };
  /** The outputs of the plan's `stage` commands, when the module is planning again after them. */
  staged?: RunResult[];
}

/** One entry of a controller-side directory (PlanContext.readControllerDir). */
export interface ControllerDirEntry {
  name: string;
  isFile: boolean;
  content?: Buffer;
}

/** What a module decided before anything ran. "changed" means "has commands to run" (pyinfra). */
export interface Plan {
  changed: boolean;
  commands: Command[];
  diff?: FileDiff[];
  /** Result fields known at plan time (returned by `register`). */
  result?: Record<string, unknown>;
  msg?: string;
  /** A failure known at plan time (e.g. lineinfile on a missing file without create). */
  failed?: string;
  /** Variables to set on the host (set_fact). */
  setFacts?: Record<string, unknown>;
  /** Variables include_vars loaded (their own precedence level, below set_fact). */
  includedVars?: Record<string, unknown>;
  /** Facts gathered again (setup): tsplay's typed facts, and what goes into Ansible's fact cache. */
  gatheredFacts?: { facts: HostFacts; ansible: Record<string, unknown> };
  /**
   * The effect cannot be known without running (command, shell, uri...): check mode reports the
   * task as skipped ("would run") rather than guessing.
   */
  unpredictable?: boolean;
  /** After the commands ran, turn their outputs into the outcome (rc, stdout, status checks...). */
  interpret?(outputs: RunResult[]): Outcome;
  /** Milliseconds the engine waits (on the controller) before `interpret`, also in check mode (pause). */
  waitMs?: number;
  /** Warnings for the run's output (Ansible's display.warning from a module or action). */
  warnings?: string[];
  /**
   * Commands to run before the real plan (apt's cache update, after which Ansible reads the cache
   * again): the engine runs them, probes again and calls `plan` once more with `ctx.staged` set to
   * their outputs. The first plan's other fields are ignored. Never returned in check mode.
   */
  stage?: Command[];
  /** reboot: the engine reboots the host and waits for it (src/engine/reboot.ts), even in check mode it decides. */
  reboot?: import('./system/reboot.js').RebootRequest;
}

export interface Outcome {
  changed: boolean;
  failed?: string;
  result?: Record<string, unknown>;
  msg?: string;
}

export interface ModuleDef<A = any> {
  name: string;
  /** Other names it answers to (`apt`, `dnf`, `yum` → package; `systemd` → service; `ansible.builtin.x`). */
  aliases?: string[];
  description: string;
  /** Validates the task's args (after templating). Unknown args are an error, like Ansible. */
  args: z.ZodType<A>;
  /** For modules that take a free-form string (`command: ls -l`, `shell: ...`): the arg it maps to. */
  freeForm?: string;
  /**
   * Split the free-form text into key=value words like any module's, the other words being the
   * free-form arg (`include_vars: file=x.yml`). Without it only the module's own options come out of
   * the text, as Ansible's check_raw does for command, shell, raw and script.
   */
  freeFormKeyValues?: boolean;
  /** Runs on the controller only (debug, set_fact, assert, fail): no connection needed. */
  local?: boolean;
  /**
   * Its probes, plan and interpret never read `ctx.facts` (files, commands, HTTP): the engine does
   * not gather the host's facts for it, so a play of such tasks without gather_facts costs no
   * gathering round trip. A module without it gets the host's facts gathered before its probes.
   */
  factsFree?: boolean;
  /** Runs once, on the task's first host only; the other hosts get no result (Ansible's BYPASS_HOST_LOOP: pause). */
  bypassHostLoop?: boolean;
  probes?(args: A, ctx: Omit<PlanContext, 'probed'>): Probe[];
  plan(args: A, ctx: PlanContext): Plan;
  /** What `register:` gets beyond changed/failed/msg: result field → one line of description (`tsplay modules show`). */
  returns?: Record<string, string>;
}

/** Declare a module (typed args from its zod schema); register it through a plugin. */
export function defineModule<A>(def: ModuleDef<A>): ModuleDef<A> {
  return def;
}

/**
 * A set of modules registered together: a team's `tsplay.config.ts` (beside the playbook or in the
 * current directory) default-exports one, and so does each package shipped with tsplay (Wallarm).
 */
export interface TsplayPlugin {
  name: string;
  description?: string;
  modules?: ModuleDef[];
}

/** Declare a plugin (identity: it only gives the object its type). */
export function definePlugin(def: TsplayPlugin): TsplayPlugin {
  return def;
}
