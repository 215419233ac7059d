import type { Kwargs } from './py.js';

/**
 * What a filter, test or lookup sees of the engine. Values follow the model in py.ts
 * (Undefined, PyFloat, tuple(), plain objects as dicts).
 */
export interface CallContext {
  /** The variables visible to the template (Ansible's vars + template locals). */
  readonly vars: Record<string, unknown>;
  /** Call another filter by name (map('upper'), …). */
  filter(name: string, value: unknown, args: unknown[], kwargs?: Kwargs): unknown;
  /** Call a test by name (select('match', …), selectattr('x', 'defined'), …). */
  test(name: string, value: unknown, args: unknown[], kwargs?: Kwargs): boolean;
  /** Jinja's attribute lookup, dotted paths allowed ("a.b", "0.name") as map(attribute=) uses it. */
  getattr(value: unknown, path: string): unknown;
  /** Directories searched for controller-side files (the template's dir, the role's files/ …). */
  readonly searchPaths: readonly string[];
  /** Render a template text with the current variables (lookups 'template', nested templating). */
  render(text: string): string;
}

/** A Jinja filter: `value | name(args…, kw=…)`. Throw PyError / UndefinedError for Python's errors. */
export interface Filter {
  (value: unknown, args: unknown[], kwargs: Kwargs, ctx: CallContext): unknown;
  /** The filter handles an Undefined input itself (default, mandatory…); others never see one. */
  acceptsUndefined?: boolean;
}

/** A Jinja test: `value is name(args…)`. Tests do see Undefined inputs (`x is defined`). */
export type Test = (value: unknown, args: unknown[], kwargs: Kwargs, ctx: CallContext) => boolean;

/** A lookup plugin: `lookup('name', *terms, **kwargs)`; returns the list of results (wantlist). */
export type Lookup = (terms: unknown[], kwargs: Kwargs, ctx: CallContext) => unknown[];
