/**
 * Loops as ansible-core 2.14's TaskExecutor runs them (_get_loop_items, _run_loop, run): the items
 * of `loop:` or `with_<lookup>:` for one host, the variables of each iteration (loop_var,
 * index_var, ansible_loop) and the registered result of the whole loop. Module tasks use it
 * (task.ts runLoop); include_tasks / include_role loops call the same functions.
 */
import type { LoopFields } from '../config/model.js';
import { TsplayError, UndefinedVariableError, type SourceLocation } from '../errors.js';
import { ansibleBoolean } from '../config/boolean.js';
import { hasTemplate, renderValue, runLookup } from './deps.js';
import { lazyContextWith } from './vars.js';

/** loop_control after templating for one host. */
export interface LoopControl {
  loopVar: string;
  indexVar?: string;
  /** The label template (default `{{ <loop_var> }}`). */
  label: string;
  /** Seconds between items. */
  pause: number;
  extended: boolean;
  extendedAllitems: boolean;
}

/** What a loop runs over on one host. */
export interface ResolvedLoop {
  items: unknown[];
  control: LoopControl;
}

/**
 * The items and loop_control of a task's (or include's) loop for one host's variables — the one
 * place loop items are computed (`loop:` templated and required to be a list; `with_<name>:` terms
 * templated as listify_lookup_plugin_terms does, then the lookup run with wantlist=True).
 * `action` is the module name (first_found looks in templates/ for template tasks, vars/ for
 * include_vars, files/ otherwise). Throws a located TsplayError.
 */
export function resolveLoop(task: LoopFields, vars: Record<string, unknown>, loc: SourceLocation, action = ''): ResolvedLoop {
  return { items: loopItems(task, vars, loc, action), control: loopControl(task, vars, loc) };
}

/** The items alone (see resolveLoop). */
export function loopItems(task: LoopFields, vars: Record<string, unknown>, loc: SourceLocation, action = ''): unknown[] {
  if (task.loopWith === undefined) {
    const items = renderValue(task.loop, vars, loc);
    if (!Array.isArray(items)) {
      throw new TsplayError(
        'VALIDATION',
        `Invalid data passed to 'loop', it requires a list, got this instead: ${typeof items === 'object' ? JSON.stringify(items) : String(items)}`,
        { location: loc, hint: 'If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup' },
      );
    }
    return items;
  }
  const name = task.loopWith;
  const firstFound = name === 'first_found' || name.endsWith('.first_found');
  const terms = lookupTerms(task.loop, vars, loc, !firstFound);
  const kwargs: Record<string, unknown> = {};
  if (firstFound) kwargs._subdir = ['template', 'var', 'file'].map((s) => (action.includes(s) ? `${s}s` : '')).find(Boolean) ?? 'files';
  return runLookup(name, firstFound ? terms.filter((t) => !(typeof t === 'string' && hasTemplate(t))) : terms, vars, loc, kwargs);
}

/** Ansible's listify_lookup_plugin_terms: a string is stripped and templated; a result that is not a list is wrapped in one. */
function lookupTerms(raw: unknown, vars: Record<string, unknown>, loc: SourceLocation, failOnUndefined: boolean): unknown[] {
  const render = (v: unknown): unknown => {
    if (failOnUndefined) return renderValue(v, vars, loc);
    // first_found: an undefined term stays as written (and is then dropped)
    if (Array.isArray(v)) return v.map(render);
    try {
      return renderValue(v, vars, loc);
    } catch (e) {
      if (e instanceof UndefinedVariableError) return v;
      throw e;
    }
  };
  const terms = render(typeof raw === 'string' ? raw.trim() : raw);
  return Array.isArray(terms) ? terms : [terms];
}

/** loop_control templated for one host (label stays a template: it is rendered per item). */
export function loopControl(task: LoopFields, vars: Record<string, unknown>, loc: SourceLocation): LoopControl {
  const num = (v: unknown, what: string): number => {
    const r = renderValue(v, vars, loc);
    const n = typeof r === 'number' ? r : typeof r === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(r) ? Number(r) : NaN;
    if (!Number.isFinite(n)) throw new TsplayError('VALIDATION', `loop_control.${what} must be a number, got ${JSON.stringify(r)}`, { location: loc });
    return n;
  };
  const extended = typeof task.loopExtended === 'string' ? (ansibleBoolean(renderValue(task.loopExtended, vars, loc)) ?? false) : (task.loopExtended ?? false);
  return {
    loopVar: task.loopVar,
    indexVar: task.loopIndexVar,
    label: task.loopLabel ?? `{{${task.loopVar}}}`,
    pause: task.loopPause === undefined ? 0 : num(task.loopPause, 'pause'),
    extended,
    extendedAllitems: task.loopExtendedAllitems ?? true,
  };
}

/** `ansible_loop` of item `i` (loop_control.extended). */
function ansibleLoop(items: unknown[], i: number, allitems: boolean): Record<string, unknown> {
  const n = items.length;
  const l: Record<string, unknown> = { index: i + 1, index0: i, first: i === 0, last: i + 1 === n, length: n, revindex: n - i, revindex0: n - i - 1 };
  if (allitems) l.allitems = items;
  if (i + 1 < n) l.nextitem = items[i + 1];
  if (i > 0) l.previtem = items[i - 1];
  return l;
}

/**
 * The loop's own variables for item `i` (loop_var, ansible_loop_var, index_var, ansible_index_var,
 * ansible_loop) — what is set in the task's variables and copied into the item's result.
 */
export function loopItemFields(control: LoopControl, items: unknown[], i: number): Record<string, unknown> {
  const out: Record<string, unknown> = { [control.loopVar]: items[i], ansible_loop_var: control.loopVar };
  if (control.indexVar) {
    out[control.indexVar] = i;
    out.ansible_index_var = control.indexVar;
  }
  if (control.extended) out.ansible_loop = ansibleLoop(items, i, control.extendedAllitems);
  return out;
}

/** A host's variables for item `i`: `base` (copied property by property, lazy getters kept) plus the loop's fields. */
export function loopItemVars(base: Record<string, unknown>, control: LoopControl, items: unknown[], i: number): Record<string, unknown> {
  return overlayVars(base, loopItemFields(control, items, i));
}

/** A copy of a variables object with some names set (the original is not touched); lazy variables render against the copy. */
export function overlayVars(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const lazy = lazyContextWith(base, extra);
  if (lazy) return lazy;
  const vars = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(base)) Object.defineProperty(vars, k, Object.getOwnPropertyDescriptor(base, k)!);
  for (const [k, v] of Object.entries(extra)) Object.defineProperty(vars, k, { value: v, enumerable: true, writable: true, configurable: true });
  return vars;
}

/** The registered value of a loop over no items. */
export function emptyLoopResult(): Record<string, unknown> {
  return { changed: false, skipped: true, skipped_reason: 'No items in the list', results: [] };
}

/** The registered value of a whole loop from its items' results (TaskExecutor.run's aggregation). */
export function aggregateLoopResults(results: Record<string, unknown>[]): Record<string, unknown> {
  const res: Record<string, unknown> = { results, skipped: true };
  for (const item of results) {
    if (item.changed) res.changed = true;
    if (res.skipped && !item.skipped) res.skipped = false;
    if (item.failed && !res.failed) {
      res.failed = true;
      res.msg = 'One or more items failed';
    }
  }
  if (!res.failed) res.msg = 'All items completed';
  if (res.skipped) res.msg = 'All items skipped';
  res.changed ??= false;
  return res;
}
