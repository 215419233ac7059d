/**
 * The engine's view of the layers below it (loader, template, inventory, executors, facts).
 * One adapter file so the engine's code reads the same whatever their exact signatures are.
 */
import { TsplayError, type SourceLocation } from '../errors.js';
import { isUnsafe, plainValue } from '../config/unsafe.js';
import { isVault } from '../config/vault.js';
import type { Playbook, LoadedRole, ModuleTask, RoleTask, TaskNode } from '../config/model.js';
import type { ConnectionSpec, Executor } from '../executors/types.js';
import type { HostFacts } from '../facts/types.js';
import * as loader from '../loader/index.js';
import * as tpl from '../template/index.js';
import * as inv from '../inventory/index.js';
import * as exec from '../executors/index.js';
import * as facts from '../facts/gather.js';

export type Inventory = inv.Inventory;

export function loadPlaybook(path: string): Promise<Playbook> {
  return loader.loadPlaybook(path);
}

export function loadInventory(paths: string[], playbookDir?: string): Promise<Inventory> {
  return inv.loadInventory(paths, { playbookDir });
}

/** Throw a usage error naming `what` when a host pattern is malformed (empty, only separators, unbalanced brackets…). */
export function checkHostPattern(pattern: string, what: string): void {
  inv.checkHostPattern(pattern, what);
}

/** A pattern error without a place of its own (a templated `hosts:` known only now) gets the play's. */
function placed<T>(loc: SourceLocation | undefined, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (loc && e instanceof TsplayError && !e.location) throw new TsplayError(e.code, `hosts: ${e.message}`, { location: loc, hint: e.hint, cause: e });
    throw e;
  }
}

/** `loc`: where the pattern was written (a play's `hosts:`), for its errors. */
export function selectHosts(inventory: Inventory, pattern: string, loc?: SourceLocation): string[] {
  return placed(loc, () => inv.selectHosts(inventory, pattern));
}

/** Hosts of a play pattern intersected with --limit, plus the warnings to show the user. */
export function selectPlayHosts(inventory: Inventory, pattern: string, limit?: string, loc?: SourceLocation): { hosts: string[]; warnings: string[] } {
  if (limit) selectHosts(inventory, limit);
  return placed(loc, () => inv.selectHostsDetailed(inventory, pattern, { limit }));
}

export const RETIRED_CONNECTION_VARS = inv.RETIRED_CONNECTION_VARS;

/** How a value prints as text (Python's str()): environment values, prompt answers. */
export function stringifyValue(v: unknown): string {
  return tpl.stringifyValue(v);
}

export function connectionSpecFor(host: string, vars: Record<string, unknown>): ConnectionSpec {
  return inv.connectionSpecFor(host, vars);
}

/**
 * Render a value for a host. The one place values meet the template engine, so `!unsafe` texts are
 * handled here: they are never templated and come out as plain strings (as does anything an
 * expression returns); a `!vault` value is its decrypted text, never templated (AnsibleVaultEncryptedUnicode).
 */
export function renderValue(value: unknown, vars: Record<string, unknown>, loc: SourceLocation): unknown {
  if (isUnsafe(value)) return value.valueOf();
  if (isVault(value)) return value.reveal();
  if (Array.isArray(value)) {
    if (!value.some(needsWalk)) return plainValue(tpl.renderValue(value, vars, loc));
    return value.map((v) => renderValue(v, vars, loc));
  }
  if (isRecord(value)) {
    if (!Object.values(value).some(needsWalk)) return plainValue(tpl.renderValue(value, vars, loc));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, { value: renderValue(v, vars, loc), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return plainValue(tpl.renderValue(value, vars, loc));
}

export function renderString(text: string, vars: Record<string, unknown>, loc: SourceLocation): string {
  if (isUnsafe(text)) return text.valueOf();
  return tpl.renderString(text, vars, loc);
}

/** Does a value hold an unsafe or vault value somewhere (then it is rendered piece by piece)? */
function needsWalk(v: unknown): boolean {
  if (isUnsafe(v) || isVault(v)) return true;
  if (Array.isArray(v)) return v.some(needsWalk);
  if (isRecord(v)) return Object.values(v).some(needsWalk);
  return false;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !(v instanceof String) && !isVault(v);
}

export function renderTemplateFile(text: string, vars: Record<string, unknown>, loc: SourceLocation, opts: tpl.TemplateFileOptions): string {
  return tpl.renderTemplateFile(text, vars, loc, opts);
}

/** Ansible's omit placeholder and its removal from module arguments; the default ansible_managed text. */
export const { OMIT_TOKEN, ANSIBLE_MANAGED, removeOmit } = tpl;

/** Run a lookup plugin on templated terms (`with_<name>` loops). */
export function runLookup(name: string, terms: unknown[], vars: Record<string, unknown>, loc: SourceLocation, kwargs?: Record<string, unknown>): unknown[] {
  return tpl.runLookup(name, terms, vars, loc, kwargs);
}

export function hasTemplate(value: unknown): boolean {
  return tpl.hasTemplate(value);
}

export function evaluateCondition(expr: string, vars: Record<string, unknown>, loc: SourceLocation): boolean {
  return tpl.evaluate(expr, vars, loc);
}

export function evaluateValue(expr: string, vars: Record<string, unknown>, loc: SourceLocation): unknown {
  return tpl.evaluateValue(expr, vars, loc);
}

export function loadRole(name: string, searchPaths: string[]): Promise<LoadedRole> {
  return loader.loadRole(name, searchPaths);
}

/** The directory a role name resolves to on a search path (undefined: not found). */
export function findRoleDir(name: string, searchPaths: string[]): string | undefined {
  return loader.findRoleDir(name, searchPaths)?.dir;
}

/** Where a role's meta dependencies are looked for. */
export function dependencySearchPaths(owner: LoadedRole, searchPaths: string[]): string[] {
  return loader.dependencySearchPaths(owner, searchPaths);
}

/** The role's params that are secrets by declaration (argument_specs no_log, TS `secret()`). */
export function secretParamNames(role: LoadedRole): string[] {
  return loader.secretParamNames(role);
}

export function roleSearchPaths(playbookDir: string): string[] {
  return loader.roleSearchPaths(playbookDir);
}

export function normalizeRoleTasks(role: LoadedRole, raw: unknown[]): TaskNode[] {
  return loader.normalizeRoleTasks(role, raw);
}

export function validateRoleParams(role: LoadedRole, params: Record<string, unknown>, call: RoleTask): { value?: unknown; errors: import('../errors.js').TsplayError[] } {
  return loader.validateRoleParams(role, params, call.loc);
}

/**
 * The argument spec validation task a YAML role's entry point starts with (undefined without a
 * spec for it): provided_arguments are the call's role params as written, templated when it runs.
 */
export function argumentSpecTask(role: LoadedRole, call: RoleTask, tasksFrom?: string): ModuleTask | undefined {
  if (call.rolespecValidate === false) return undefined;
  const provided: Record<string, unknown> = {};
  for (const k of call.roleParamNames ?? []) if (Object.hasOwn(call.params, k)) provided[k] = call.params[k];
  return loader.argumentSpecTask(role, loader.roleEntryPoint(tasksFrom), provided, call.loc);
}

export function createExecutor(spec: ConnectionSpec): Executor {
  return exec.createExecutor(spec);
}

export function gatherFacts(executor: Executor, timeoutMs?: number): Promise<HostFacts> {
  return facts.gatherFacts(executor, timeoutMs === undefined ? {} : { timeoutMs });
}
