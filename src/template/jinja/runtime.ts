/**
 * The Jinja2 interpreter: walks the parser's AST with Python's semantics (py.ts). Output is a
 * stream of values (Jinja's native environment, as Ansible uses it); the caller concatenates.
 * No eval, no JS property access beyond own keys of plain data.
 */
import { UndefinedVariableError } from '../../errors.js';
import { templateWarning } from '../warnings.js';
import { TemplateSyntaxError } from './lexer.js';
import { parseTemplate, parseExpressionText, type Expr, type MacroArg, type ParseOptions, type Stmt, type Target, type Pos } from './parser.js';
import {
  PyCallable,
  PyError,
  PyFloat,
  SilentUndefined,
  Undefined,
  UndefinedError,
  bindArgs,
  cmp,
  contains,
  dictKey,
  eq,
  float,
  isDict,
  isFloat,
  isInt,
  isNumber,
  isNumeric,
  isPyObject,
  isTuple,
  iterate,
  len,
  num,
  repr,
  str,
  truthy,
  tuple,
  typeName,
  unbox,
  markRange,
  NativeText,
  type Kwargs,
  type PyObject,
} from './py.js';
import type { CallContext, Filter, Lookup, Test } from './types.js';
import { resolveLookup } from './lookups.js';

/** An error raised while rendering, with the position inside the template text. */
export class RenderError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
    readonly templateName: string | undefined,
    readonly cause: unknown,
  ) {
    super(message);
  }
}

export interface LoadedTemplate {
  source: string;
  /** Name used in messages and for relative includes. */
  name: string;
}

export interface EnvironmentOptions extends ParseOptions {
  filters: Record<string, Filter>;
  tests: Record<string, Test>;
  lookups?: Record<string, Lookup>;
  globals?: Record<string, unknown>;
  /** Resolve `{% include %}` / `{% import %}` names. */
  loader?: (name: string, from: string | undefined) => LoadedTemplate | undefined;
  /** Applied to every `{{ }}` value before output (Ansible: None → ''). */
  finalize?: (v: unknown) => unknown;
  /** Controller-side search paths for file tests and lookups. */
  searchPaths?: string[];
  /** Concatenate a body's output stream (macros, set blocks, filter blocks, call blocks). */
  concat?: (nodes: unknown[]) => unknown;
}

const astCache = new Map<string, Stmt[]>();
const exprCache = new Map<string, Expr>();
const CACHE_MAX = 4000;

function cacheSet<T>(m: Map<string, T>, k: string, v: T): void {
  if (m.size >= CACHE_MAX) m.delete(m.keys().next().value as string);
  m.set(k, v);
}

/** Parse with caching (the key includes the lexer options). */
export function parseCached(src: string, opts: ParseOptions): Stmt[] {
  const key = `${opts.trimBlocks ? 1 : 0}${opts.lstripBlocks ? 1 : 0}${(opts.extensions ?? []).join(',')}\0${src}`;
  let ast = astCache.get(key);
  if (!ast) {
    ast = parseTemplate(src, opts);
    cacheSet(astCache, key, ast);
  }
  return ast;
}

export function parseExprCached(src: string): Expr {
  let e = exprCache.get(src);
  if (!e) {
    e = parseExpressionText(src);
    cacheSet(exprCache, src, e);
  }
  return e;
}

class Scope {
  readonly own: Map<string, unknown> = new Map();
  constructor(
    readonly parent: Scope | undefined,
    readonly root: Record<string, unknown>,
  ) {}
  lookup(name: string): { found: boolean; value: unknown } {
    for (let s: Scope | undefined = this; s; s = s.parent) if (s.own.has(name)) return { found: true, value: s.own.get(name) };
    if (Object.hasOwn(this.root, name)) {
      try {
        return { found: true, value: unbox(this.root[name]) };
      } catch (e) {
        // Ansible's AnsibleJ2Vars: a variable whose own template uses an undefined variable is an
        // undefined value (so `default` still works on it), failing only where it is used.
        if (e instanceof UndefinedVariableError) return { found: true, value: new Undefined(e.variable, `'${e.variable}' is undefined`) };
        throw e;
      }
    }
    // Ansible's `vars`: the template's variables themselves
    if (name === 'vars') return { found: true, value: this.root };
    return { found: false, value: undefined };
  }
  set(name: string, v: unknown): void {
    this.own.set(name, v);
  }
  /** Every visible name → value (for includes `with context` and `vars`). */
  flatten(): Record<string, unknown> {
    const merged = new Map<string, unknown>();
    const chain: Scope[] = [];
    for (let s: Scope | undefined = this; s; s = s.parent) chain.unshift(s);
    for (const s of chain) for (const [k, v] of s.own) merged.set(k, v);
    if (merged.size === 0) return this.root;
    const root = this.root;
    return new Proxy(root, {
      has: (t, k) => (typeof k === 'string' && merged.has(k)) || Reflect.has(t, k),
      get: (t, k) => (typeof k === 'string' && merged.has(k) ? merged.get(k) : Reflect.get(t, k)),
      getOwnPropertyDescriptor: (t, k) =>
        typeof k === 'string' && merged.has(k) ? { value: merged.get(k), enumerable: true, configurable: true, writable: true } : Reflect.getOwnPropertyDescriptor(t, k),
      ownKeys: (t) => [...new Set([...Reflect.ownKeys(t), ...merged.keys()])],
    });
  }
}

class BreakSignal {}
class ContinueSignal {}

export class LoopContext implements PyObject {
  pyTypeName = 'LoopContext';
  index0 = 0;
  private seen: unknown[] = [];
  constructor(
    private readonly items: unknown[],
    readonly depth0: number,
    private readonly recurse: ((items: unknown) => string) | undefined,
  ) {}
  pyGetattr(name: string): unknown {
    const n = this.items.length;
    const i = this.index0;
    switch (name) {
      case 'index0':
        return i;
      case 'index':
        return i + 1;
      case 'revindex':
        return n - i;
      case 'revindex0':
        return n - i - 1;
      case 'first':
        return i === 0;
      case 'last':
        return i === n - 1;
      case 'length':
        return n;
      case 'depth':
        return this.depth0 + 1;
      case 'depth0':
        return this.depth0;
      case 'previtem':
        return i > 0 ? this.items[i - 1] : new Undefined('loop.previtem', 'there is no previous item');
      case 'nextitem':
        return i < n - 1 ? this.items[i + 1] : new Undefined('loop.nextitem', 'there is no next item');
      case 'cycle':
        return new PyCallable('loop.cycle', (args) => {
          if (!args.length) throw new PyError('TypeError', 'no items for cycling given');
          return args[i % args.length];
        });
      case 'changed':
        return new PyCallable('loop.changed', (args) => {
          const changed = !(this.seen.length === args.length && this.seen.every((x, j) => eq(x, args[j])));
          this.seen = args;
          return changed;
        });
    }
    return new Undefined(`loop.${name}`, `'LoopContext' object has no attribute '${name}'`);
  }
  call(items: unknown): string {
    if (!this.recurse) throw new PyError('TypeError', "The loop must have the 'recursive' marker to be called recursively.");
    return this.recurse(items);
  }
}

export class Namespace implements PyObject {
  pyTypeName = 'Namespace';
  readonly attrs: Record<string, unknown> = {};
  pyGetattr(name: string): unknown {
    return Object.hasOwn(this.attrs, name) ? this.attrs[name] : new Undefined(name, `'Namespace' object has no attribute '${name}'`);
  }
}

export class Macro extends PyCallable {
  constructor(name: string, fn: (args: unknown[], kwargs: Kwargs) => unknown) {
    super(name, fn, 'Macro');
  }
}

/** A global that needs the caller's variables (lookup, query). */
export class ContextCallable extends PyCallable {
  constructor(
    name: string,
    readonly withCtx: (ctx: CallContext, args: unknown[], kwargs: Kwargs) => unknown,
  ) {
    super(name, () => {
      throw new PyError('TypeError', `${name}() needs a template context`);
    });
  }
}

interface Frame {
  scope: Scope;
  name: string | undefined;
  /** Template-level names exported by `{% import %}`. */
  exports?: Map<string, unknown>;
  depth0: number;
}

function err(msg: string, pyType = 'TemplateRuntimeError'): PyError {
  return new PyError(pyType, msg);
}

export class Environment {
  readonly filters: Record<string, Filter>;
  readonly tests: Record<string, Test>;
  readonly lookups: Record<string, Lookup>;
  readonly globals: Record<string, unknown>;
  constructor(readonly opts: EnvironmentOptions) {
    this.filters = opts.filters;
    this.tests = opts.tests;
    this.lookups = opts.lookups ?? {};
    this.globals = { ...builtinGlobals(), ...lookupGlobals(this.lookups), ...(opts.globals ?? {}) };
  }

  /** Render a template's statements to its output stream (values; data as strings). */
  renderStream(src: string, vars: Record<string, unknown>, name?: string): unknown[] {
    const ast = this.parse(src, name);
    const out: unknown[] = [];
    const root = Object.assign(Object.create(null), this.globals);
    const frame: Frame = { scope: new Scope(new Scope(undefined, withFallback(vars, root)), withFallback(vars, root)), name, exports: new Map(), depth0: 0 };
    this.execBody(ast, frame, out);
    return out;
  }

  parse(src: string, name?: string): Stmt[] {
    try {
      return parseCached(src, this.opts);
    } catch (e) {
      if (e instanceof TemplateSyntaxError) throw new RenderError(e.message, e.line, e.col, name, e);
      throw e;
    }
  }

  /** Evaluate a bare expression text against variables. */
  evalExpression(src: string, vars: Record<string, unknown>): unknown {
    let e: Expr;
    try {
      e = parseExprCached(src);
    } catch (x) {
      if (x instanceof TemplateSyntaxError) throw new RenderError(x.message, x.line, x.col, undefined, x);
      throw x;
    }
    const root = Object.assign(Object.create(null), this.globals);
    const frame: Frame = { scope: new Scope(undefined, withFallback(vars, root)), name: undefined, depth0: 0 };
    return this.wrapPos(e, frame, () => this.eval(e, frame));
  }

  private wrapPos<T>(p: Pos, f: Frame, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof RenderError || e instanceof BreakSignal || e instanceof ContinueSignal) throw e;
      const msg = e instanceof UndefinedError || e instanceof PyError ? e.message : e instanceof Error ? e.message : String(e);
      throw new RenderError(msg, p.line, p.col, f.name, e);
    }
  }

  // ---- statements
  execBody(body: Stmt[], f: Frame, out: unknown[]): void {
    for (const st of body) this.exec(st, f, out);
  }

  private exec(st: Stmt, f: Frame, out: unknown[]): void {
    switch (st.k) {
      case 'data':
        out.push(st.text);
        return;
      case 'output':
        return this.wrapPos(st, f, () => {
          const v = this.eval(st.expr, f);
          const fin = this.opts.finalize ? this.opts.finalize(v) : v;
          if (fin instanceof Undefined && !(fin instanceof SilentUndefined)) throw new UndefinedError(fin);
          // Ansible's STRING_TYPE_FILTERS: their text is kept as text (not turned back into a list/dict)
          if (typeof fin === 'string' && st.expr.k === 'filter' && STRING_TYPE_FILTERS.has(st.expr.name.split('.').at(-1)!)) out.push(new NativeText(fin));
          else out.push(fin);
        });
      case 'if': {
        for (const b of st.branches) {
          if (this.wrapPos(b.test, f, () => truthy(this.eval(b.test, f)))) return this.execBody(b.body, f, out);
        }
        if (st.else) this.execBody(st.else, f, out);
        return;
      }
      case 'for':
        return this.execFor(st, f, out);
      case 'set':
        return this.wrapPos(st, f, () => this.assign(st.target, this.eval(st.expr, f), f));
      case 'setblock':
        return this.wrapPos(st, f, () => {
          const body: unknown[] = [];
          this.execBody(st.body, { ...f }, body);
          let v: unknown = this.concatBody(body);
          if (st.filter) v = this.applyFilterChain(st.filter, v, f);
          this.assign(st.target, v, f);
        });
      case 'macro': {
        const m = this.makeMacro(st.name, st.args, st.body, f);
        f.scope.set(st.name, m);
        f.exports?.set(st.name, m);
        return;
      }
      case 'callblock':
        return this.wrapPos(st, f, () => {
          const caller = this.makeMacro('caller', st.args, st.body, f);
          const call = st.call as Extract<Expr, { k: 'call' }>;
          const fn = this.eval(call.fn, f);
          const { args, kwargs } = this.evalArgs(call, f);
          kwargs.caller = caller;
          out.push(this.callValue(fn, args, kwargs));
        });
      case 'filterblock':
        return this.wrapPos(st, f, () => {
          const body: unknown[] = [];
          this.execBody(st.body, f, body);
          out.push(this.applyFilterChain(st.filter, this.concatText(body), f));
        });
      case 'include':
        return this.wrapPos(st, f, () => this.execInclude(st, f, out));
      case 'import':
        return this.wrapPos(st, f, () => {
          const mod = this.importModule(this.eval(st.template, f), f, st.withContext);
          f.scope.set(st.target, mod);
        });
      case 'fromimport':
        return this.wrapPos(st, f, () => {
          const mod = this.importModule(this.eval(st.template, f), f, st.withContext) as Record<string, unknown>;
          for (const [n, alias] of st.names) {
            f.scope.set(alias, Object.hasOwn(mod, n) ? mod[n] : new Undefined(n, `the template ${repr(str(this.eval(st.template, f)))} does not export the requested name '${n}'`));
          }
        });
      case 'with': {
        const inner: Frame = { ...f, scope: new Scope(f.scope, f.scope.root) };
        const vals = st.targets.map(([, e]) => this.wrapPos(e, f, () => this.eval(e, f)));
        for (const [i, [t]] of st.targets.entries()) this.assign(t, vals[i], inner);
        return this.execBody(st.body, inner, out);
      }
      case 'block':
        return this.execBody(st.body, st.scoped ? f : f, out);
      case 'extends':
        throw new RenderError('template inheritance ({% extends %}) is not supported by tsplay', st.line, st.col, f.name, undefined);
      case 'do':
        this.wrapPos(st, f, () => this.eval(st.expr, f));
        return;
      case 'break':
        throw new BreakSignal();
      case 'continue':
        throw new ContinueSignal();
    }
  }

  private execFor(st: Extract<Stmt, { k: 'for' }>, f: Frame, out: unknown[]): void {
    const run = (iterable: unknown, depth0: number, target: unknown[]): void => {
      let items = this.wrapPos(st.iter, f, () => (isDict(iterable) ? Object.keys(iterable) : iterate(iterable)));
      const loopScope = new Scope(f.scope, f.scope.root);
      const inner: Frame = { ...f, scope: loopScope, exports: undefined, depth0 };
      if (st.test) {
        const t = st.test;
        items = items.filter((item) => {
          const s = new Scope(f.scope, f.scope.root);
          this.assign(st.target, item, { ...inner, scope: s });
          return this.wrapPos(t, f, () => truthy(this.eval(t, { ...inner, scope: s })));
        });
      }
      if (items.length === 0) {
        if (st.else) this.execBody(st.else, f, target);
        return;
      }
      const loop = new LoopContext(
        items,
        depth0,
        st.recursive
          ? (sub) => {
              const o: unknown[] = [];
              run(sub, depth0 + 1, o);
              return this.concatText(o);
            }
          : undefined,
      );
      loopScope.set('loop', loop);
      for (let i = 0; i < items.length; i++) {
        loop.index0 = i;
        // Jinja: assignments inside the body do not carry over to the next iteration
        const iter: Frame = { ...inner, scope: new Scope(loopScope, loopScope.root) };
        this.wrapPos(st, f, () => this.assign(st.target, items[i], iter));
        try {
          this.execBody(st.body, iter, target);
        } catch (e) {
          if (e instanceof BreakSignal) break;
          if (e instanceof ContinueSignal) continue;
          throw e;
        }
      }
    };
    const iterable = this.wrapPos(st.iter, f, () => this.eval(st.iter, f));
    run(iterable, f.depth0, out);
  }

  private assign(t: Target, v: unknown, f: Frame): void {
    if (t.k === 'name') {
      f.scope.set(t.name, v);
      if (f.exports && !t.name.startsWith('_')) f.exports.set(t.name, v);
      return;
    }
    if (t.k === 'nsref') {
      const ns = f.scope.lookup(t.name).value;
      if (!(ns instanceof Namespace)) throw err(`cannot assign attribute on non-namespace object`);
      ns.attrs[t.attr] = v;
      return;
    }
    const items = iterate(v);
    if (items.length !== t.items.length) {
      throw new PyError(
        'ValueError',
        items.length > t.items.length ? `too many values to unpack (expected ${t.items.length})` : `not enough values to unpack (expected ${t.items.length}, got ${items.length})`,
      );
    }
    for (const [i, sub] of t.items.entries()) this.assign(sub, items[i], f);
  }

  private makeMacro(name: string, params: MacroArg[], body: Stmt[], f: Frame): Macro {
    const uses = scanNames(body);
    const catchKwargs = uses.has('kwargs');
    const catchVarargs = uses.has('varargs');
    const defScope = f.scope;
    return new Macro(name, (args, kwargs) => {
      const scope = new Scope(defScope, defScope.root);
      const inner: Frame = { scope, name: f.name, depth0: 0 };
      const extraKw: Record<string, unknown> = {};
      const given = { ...kwargs };
      const caller = given.caller;
      delete given.caller;
      params.forEach((p, i) => {
        let v: unknown;
        if (i < args.length) {
          if (Object.hasOwn(given, p.name)) throw new PyError('TypeError', `macro '${name}' got multiple values for argument '${p.name}'`);
          v = args[i];
        } else if (Object.hasOwn(given, p.name)) {
          v = given[p.name];
          delete given[p.name];
        } else if (p.default) v = this.eval(p.default, inner);
        else v = new Undefined(p.name, `parameter '${p.name}' was not provided`);
        scope.set(p.name, v);
      });
      for (const [k, v] of Object.entries(given)) {
        if (params.some((p) => p.name === k)) continue;
        if (!catchKwargs) throw new PyError('TypeError', `macro '${name}' takes no keyword argument '${k}'`);
        extraKw[k] = v;
      }
      if (args.length > params.length && !catchVarargs) throw new PyError('TypeError', `macro '${name}' takes not more than ${params.length} argument(s)`);
      scope.set('varargs', tuple(args.slice(params.length)));
      scope.set('kwargs', extraKw);
      if (caller !== undefined) scope.set('caller', caller);
      else if (uses.has('caller')) scope.set('caller', new Undefined('caller', "'caller' is undefined"));
      const out: unknown[] = [];
      this.execBody(body, inner, out);
      return this.concatBody(out);
    });
  }

  private execInclude(st: Extract<Stmt, { k: 'include' }>, f: Frame, out: unknown[]): void {
    const spec = this.eval(st.template, f);
    const names = Array.isArray(spec) ? spec.map(str) : [str(spec)];
    for (const n of names) {
      const t = this.opts.loader?.(n, f.name);
      if (!t) continue;
      const ast = this.parse(t.source, t.name);
      const vars = st.withContext ? f.scope.flatten() : (f.scope.root as Record<string, unknown>);
      const frame: Frame = { scope: new Scope(undefined, vars), name: t.name, exports: new Map(), depth0: 0 };
      this.execBody(ast, frame, out);
      return;
    }
    if (st.ignoreMissing) return;
    throw new PyError('TemplateNotFound', names.length > 1 ? `none of the templates given were found: ${names.join(', ')}` : names[0]!);
  }

  private importModule(spec: unknown, f: Frame, withContext: boolean): Record<string, unknown> {
    const n = str(spec);
    const t = this.opts.loader?.(n, f.name);
    if (!t) throw new PyError('TemplateNotFound', n);
    const ast = this.parse(t.source, t.name);
    const base = withContext ? f.scope.flatten() : Object.assign(Object.create(null), this.globals);
    const frame: Frame = { scope: new Scope(undefined, base), name: t.name, exports: new Map(), depth0: 0 };
    this.execBody(ast, frame, []);
    const mod: Record<string, unknown> = {};
    for (const [k, v] of frame.exports!) mod[k] = v;
    return mod;
  }

  private concatText(nodes: unknown[]): string {
    return nodes.map(str).join('');
  }

  private concatBody(nodes: unknown[]): unknown {
    return this.opts.concat ? this.opts.concat(nodes) : this.concatText(nodes);
  }

  // ---- expressions
  eval(e: Expr, f: Frame): unknown {
    switch (e.k) {
      case 'const':
        return e.v;
      case 'name': {
        const r = f.scope.lookup(e.name);
        if (r.found) return r.value;
        return new Undefined(e.name, `'${e.name}' is undefined`);
      }
      case 'getattr': {
        const obj = this.eval(e.obj, f);
        return named(this.getattr(obj, e.attr), obj, e);
      }
      case 'getitem': {
        const obj = this.eval(e.obj, f);
        if (e.key.k === 'slice') return this.slice(obj, e.key, f);
        return named(this.getitem(obj, this.eval(e.key, f)), obj, e);
      }
      case 'slice':
        throw err('slice outside of a subscript');
      case 'call': {
        const { args, kwargs } = this.evalArgs(e, f);
        if (e.fn.k === 'name' && e.fn.name === 'loop' && !f.scope.lookup('loop').found) throw new UndefinedError(new Undefined('loop', "'loop' is undefined"));
        const fn = this.eval(e.fn, f);
        if (fn instanceof ContextCallable) return fn.withCtx(this.ctx(f), args, kwargs);
        return this.callValue(fn, args, kwargs);
      }
      case 'filter':
        return this.applyFilter(e, e.node ? this.eval(e.node, f) : undefined, f);
      case 'test': {
        const v = this.eval(e.node, f);
        const r = this.callTest(
          e.name,
          v,
          e.args.map((a) => this.eval(a, f)),
          Object.fromEntries(e.kwargs.map(([k, x]) => [k, this.eval(x, f)])),
          f,
        );
        return e.negate ? !r : r;
      }
      case 'cond':
        if (truthy(this.eval(e.test, f))) return this.eval(e.then, f);
        if (e.else) return this.eval(e.else, f);
        return new SilentUndefined('', `the inline if-expression on line ${e.line} evaluated to false and no else section was defined.`);
      case 'bin':
        return binop(e.op, this.eval(e.left, f), this.eval(e.right, f), (s, a, k) => this.callFilter('format', s, a, k, f));
      case 'concat':
        return e.items.map((x) => str(this.eval(x, f))).join('');
      case 'compare': {
        let left = this.eval(e.first, f);
        for (const [op, rx] of e.ops) {
          const right = this.eval(rx, f);
          if (!compare(op, left, right)) return false;
          left = right;
        }
        return true;
      }
      case 'and': {
        const l = this.eval(e.left, f);
        return truthy(l) ? this.eval(e.right, f) : l;
      }
      case 'or': {
        const l = this.eval(e.left, f);
        return truthy(l) ? l : this.eval(e.right, f);
      }
      case 'not':
        return !truthy(this.eval(e.node, f));
      case 'neg': {
        const v = this.eval(e.node, f);
        if (!isNumber(v) && typeof v !== 'boolean') throw new PyError('TypeError', `bad operand type for unary -: '${typeName(v)}'`);
        return isFloat(v) ? float(-num(v)) : -num(v);
      }
      case 'pos': {
        const v = this.eval(e.node, f);
        if (!isNumber(v) && typeof v !== 'boolean') throw new PyError('TypeError', `bad operand type for unary +: '${typeName(v)}'`);
        return isFloat(v) ? v : num(v);
      }
      case 'list':
        return e.items.map((x) => this.eval(x, f));
      case 'tuple':
        return tuple(e.items.map((x) => this.eval(x, f)));
      case 'dict': {
        const out: Record<string, unknown> = {};
        for (const [k, v] of e.items) {
          const key = this.eval(k, f);
          if (key instanceof Undefined) throw new UndefinedError(key);
          out[typeof key === 'string' ? key : str(key)] = this.eval(v, f);
        }
        return out;
      }
    }
  }

  private evalArgs(e: { args: Expr[]; kwargs: Array<[string, Expr]>; star?: Expr; dstar?: Expr }, f: Frame): { args: unknown[]; kwargs: Kwargs } {
    const args = e.args.map((a) => this.eval(a, f));
    if (e.star) args.push(...iterate(this.eval(e.star, f)));
    const kwargs: Kwargs = {};
    for (const [k, v] of e.kwargs) kwargs[k] = this.eval(v, f);
    if (e.dstar) {
      const d = this.eval(e.dstar, f);
      if (!isDict(d)) throw new PyError('TypeError', 'argument after ** must be a mapping');
      Object.assign(kwargs, d);
    }
    return { args, kwargs };
  }

  callValue(fn: unknown, args: unknown[], kwargs: Kwargs): unknown {
    if (fn instanceof Undefined) throw new UndefinedError(fn);
    if (fn instanceof PyCallable) return fn.fn(args, kwargs);
    if (fn instanceof LoopContext) return fn.call(args[0]);
    throw new PyError('TypeError', `'${typeName(fn)}' object is not callable`);
  }

  getattr(obj: unknown, attr: string): unknown {
    if (obj instanceof Undefined) return obj;
    if (isPyObject(obj)) return obj.pyGetattr(attr);
    const m = boundMethod(obj, attr, this);
    if (m) return m;
    if (isDict(obj)) {
      if (Object.hasOwn(obj, attr)) return unbox(obj[attr]);
      return new Undefined(attr, `'dict object' has no attribute '${attr}'`);
    }
    return new Undefined(attr, `'${objName(obj)}' has no attribute '${attr}'`);
  }

  getitem(obj: unknown, key: unknown): unknown {
    if (obj instanceof Undefined) return obj;
    if (key instanceof Undefined) throw new UndefinedError(key);
    if (isDict(obj)) {
      const k = dictKey(obj, key);
      if (k !== undefined) return unbox(obj[k]);
      if (typeof key === 'string') {
        const m = boundMethod(obj, key, this);
        if (m) return m;
      }
      return new Undefined(str(key), `'dict object' has no attribute ${repr(key)}`);
    }
    if (Array.isArray(obj) || typeof obj === 'string') {
      if (isInt(key) || typeof key === 'boolean') {
        const chars = typeof obj === 'string' ? [...obj] : obj;
        let i = num(key);
        if (i < 0) i += chars.length;
        if (i >= 0 && i < chars.length) return unbox(chars[i]);
        return new Undefined(str(key), `${typeName(obj)} object has no element ${str(key)}`);
      }
      if (typeof key === 'string') return this.getattr(obj, key);
      return new Undefined(str(key), `${typeName(obj)} indices must be integers or slices, not ${typeName(key)}`);
    }
    if (isPyObject(obj) && typeof key === 'string') return obj.pyGetattr(key);
    return new Undefined(str(key), `'${objName(obj)}' has no attribute ${repr(key)}`);
  }

  private slice(obj: unknown, s: Extract<Expr, { k: 'slice' }>, f: Frame): unknown {
    if (obj instanceof Undefined) return obj;
    const seq = typeof obj === 'string' ? [...obj] : Array.isArray(obj) ? obj : undefined;
    if (!seq) throw new PyError('TypeError', `'${typeName(obj)}' object is not subscriptable`);
    const g = (x?: Expr) => {
      if (!x) return undefined;
      const v = this.eval(x, f);
      if (v === null) return undefined;
      if (!isInt(v) && typeof v !== 'boolean') throw new PyError('TypeError', 'slice indices must be integers or None');
      return num(v);
    };
    const r = pySlice(seq, g(s.start), g(s.stop), g(s.step));
    return typeof obj === 'string' ? r.join('') : isTuple(obj) ? tuple(r) : r;
  }

  // ---- filters and tests
  private applyFilterChain(e: Expr, value: unknown, f: Frame): unknown {
    if (e.k !== 'filter') throw err('expected a filter');
    const inner = e.node ? this.applyFilterChain(e.node, value, f) : value;
    return this.applyFilter(e, inner, f);
  }

  private applyFilter(e: Extract<Expr, { k: 'filter' }>, value: unknown, f: Frame): unknown {
    const { args, kwargs } = this.evalArgs(e, f);
    return this.callFilter(e.name, value, args, kwargs, f);
  }

  private ctx(f: Frame): CallContext {
    return {
      get vars() {
        return f.scope.flatten();
      },
      filter: (n, v, a, k) => this.callFilter(n, v, a, k ?? {}, f),
      test: (n, v, a, k) => this.callTest(n, v, a, k ?? {}, f),
      getattr: (v, path) => {
        let cur = v;
        for (const part of path.split('.')) cur = /^\d+$/.test(part) ? this.getitem(cur, Number(part)) : this.getitem(cur, part);
        return cur;
      },
      searchPaths: this.opts.searchPaths ?? [],
      render: (text) => this.renderStream(text, f.scope.flatten(), f.name).map(str).join(''),
    };
  }

  callFilter(name: string, value: unknown, args: unknown[], kwargs: Kwargs, f: Frame): unknown {
    const fn = lookupPlugin(this.filters, name);
    if (!fn) throw new PyError('TemplateAssertionError', `No filter named '${name}'.`);
    // Jinja's plain undefined (inline if without else) is a value filters take as ''; Ansible's strict one is an error
    if (value instanceof Undefined && !fn.acceptsUndefined) {
      if (!(value instanceof SilentUndefined)) throw new UndefinedError(value);
      value = '';
    }
    return fn(value, args, kwargs, this.ctx(f));
  }

  callTest(name: string, value: unknown, args: unknown[], kwargs: Kwargs, f: Frame): boolean {
    const fn = lookupPlugin(this.tests, name);
    if (!fn) throw new PyError('TemplateAssertionError', `No test named '${name}'.`);
    return fn(value, args, kwargs, this.ctx(f));
  }

  /** A CallContext over plain variables (for callers outside a template: lookups, conditions). */
  contextFor(vars: Record<string, unknown>): CallContext {
    return this.ctx({ scope: new Scope(undefined, withFallback(vars, Object.assign(Object.create(null), this.globals))), name: undefined, depth0: 0 });
  }
}

/** Filter and test names a template uses that the environment does not have (Jinja checks them when compiling). */
export function unknownPlugins(env: Environment, ast: unknown): Array<{ kind: 'filter' | 'test'; name: string; line: number; col: number }> {
  const out: Array<{ kind: 'filter' | 'test'; name: string; line: number; col: number }> = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o.k === 'filter' && typeof o.name === 'string' && !lookupPlugin(env.filters, o.name))
      out.push({ kind: 'filter', name: o.name, line: o.line as number, col: o.col as number });
    if (o.k === 'test' && typeof o.name === 'string' && !lookupPlugin(env.tests, o.name)) out.push({ kind: 'test', name: o.name, line: o.line as number, col: o.col as number });
    for (const v of Object.values(o)) if (v && typeof v === 'object') walk(v);
  };
  walk(ast);
  return out;
}

/** The dotted path of a lookup expression (`env.HOME`, `users[0]`), for messages. */
function exprPath(e: Expr): string | undefined {
  if (e.k === 'name') return e.name;
  if (e.k === 'getattr') {
    const p = exprPath(e.obj);
    return p === undefined ? undefined : `${p}.${e.attr}`;
  }
  if (e.k === 'getitem' && e.key.k === 'const') {
    const p = exprPath(e.obj);
    return p === undefined ? undefined : `${p}[${repr(e.key.v)}]`;
  }
  return undefined;
}

/** A new Undefined from a failed lookup carries the whole path (an Undefined passed along keeps its first failure). */
function named(v: unknown, obj: unknown, e: Expr): unknown {
  if (!(v instanceof Undefined) || obj instanceof Undefined || v instanceof SilentUndefined) return v;
  const p = exprPath(e);
  return p ? new Undefined(p, v.message) : v;
}

/** ansible-core's DEFAULT STRING_TYPE_FILTERS. */
const STRING_TYPE_FILTERS = new Set(['string', 'to_json', 'to_nice_json', 'to_yaml', 'to_nice_yaml', 'ppretty', 'json']);

/** Jinja2's own filters and tests: ansible-core 2.14 gives them no `ansible.builtin.` name. */
const JINJA_BUILTINS = new Set([
  'abs',
  'attr',
  'batch',
  'capitalize',
  'center',
  'count',
  'd',
  'default',
  'dictsort',
  'e',
  'escape',
  'filesizeformat',
  'first',
  'float',
  'forceescape',
  'format',
  'groupby',
  'indent',
  'int',
  'items',
  'join',
  'last',
  'length',
  'list',
  'lower',
  'map',
  'max',
  'min',
  'pprint',
  'reject',
  'rejectattr',
  'replace',
  'reverse',
  'round',
  'safe',
  'select',
  'selectattr',
  'slice',
  'sort',
  'string',
  'striptags',
  'sum',
  'title',
  'tojson',
  'trim',
  'truncate',
  'upper',
  'urlencode',
  'urlize',
  'wordcount',
  'wordwrap',
  'xmlattr',
  'boolean',
  'callable',
  'defined',
  'divisibleby',
  'eq',
  'equalto',
  'escaped',
  'even',
  'false',
  'filter',
  'ge',
  'greaterthan',
  'gt',
  'in',
  'integer',
  'iterable',
  'le',
  'lessthan',
  'lt',
  'mapping',
  'ne',
  'none',
  'number',
  'odd',
  'sameas',
  'sequence',
  'test',
  'true',
  'undefined',
]);

/** FQCN names resolve to the short name (ansible.builtin.to_json, community.general.x → x). */
function lookupPlugin<T>(table: Record<string, T>, name: string, jinjaPlugins = true): T | undefined {
  if (Object.hasOwn(table, name)) return table[name];
  if (!name.includes('.')) return undefined;
  const short = name.split('.').at(-1)!;
  if (jinjaPlugins && name.startsWith('ansible.builtin.') && JINJA_BUILTINS.has(short)) return undefined;
  if (Object.hasOwn(table, short)) return table[short];
  return undefined;
}

/** vars first, then the globals (range, lookup, …) unless a variable shadows them. */
function withFallback(vars: Record<string, unknown>, globals: Record<string, unknown>): Record<string, unknown> {
  return new Proxy(vars, {
    has: (t, k) => Object.hasOwn(t, k) || (typeof k === 'string' && Object.hasOwn(globals, k)),
    get: (t, k) => (Object.hasOwn(t, k) ? (t as Record<string | symbol, unknown>)[k] : typeof k === 'string' ? globals[k] : undefined),
    getOwnPropertyDescriptor: (t, k) =>
      Object.getOwnPropertyDescriptor(t, k) ??
      (typeof k === 'string' && Object.hasOwn(globals, k) ? { value: globals[k], enumerable: false, configurable: true, writable: false } : undefined),
  });
}

function objName(v: unknown): string {
  if (v === null) return 'NoneType object';
  return `${typeName(v)} object`;
}

function scanNames(body: Stmt[]): Set<string> {
  const out = new Set<string>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if (o.k === 'name' && typeof o.name === 'string') out.add(o.name);
      if (o.k === 'macro') return; // nested macros have their own
      for (const v of Object.values(o)) if (v && typeof v === 'object') walk(v);
    }
  };
  walk(body);
  return out;
}

function pySlice<T>(seq: T[], start?: number, stop?: number, step?: number): T[] {
  const n = seq.length;
  const st = step ?? 1;
  if (st === 0) throw new PyError('ValueError', 'slice step cannot be zero');
  const norm = (i: number | undefined, def: number, lo: number, hi: number) => {
    if (i === undefined) return def;
    if (i < 0) i += n;
    return Math.min(Math.max(i, lo), hi);
  };
  const out: T[] = [];
  if (st > 0) {
    const a = norm(start, 0, 0, n);
    const b = norm(stop, n, 0, n);
    for (let i = a; i < b; i += st) out.push(seq[i]!);
  } else {
    const a = norm(start, n - 1, -1, n - 1);
    const b = norm(stop, -1, -1, n - 1);
    for (let i = a; i > b; i += st) out.push(seq[i]!);
  }
  return out;
}

function compare(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==':
      return eq(a, b);
    case '!=':
      return !eq(a, b);
    case '<':
      return cmp(a, b, op) < 0;
    case '<=':
      return cmp(a, b, op) <= 0;
    case '>':
      return cmp(a, b, op) > 0;
    case '>=':
      return cmp(a, b, op) >= 0;
    case 'in':
      return contains(b, a);
    case 'notin':
      return !contains(b, a);
  }
  throw err(`unknown operator ${op}`);
}

function unsupported(op: string, a: unknown, b: unknown): PyError {
  return new PyError('TypeError', `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python's binary arithmetic. */
export function binop(op: string, a: unknown, b: unknown, format: (s: string, args: unknown[], kwargs: Kwargs) => unknown): unknown {
  if (a instanceof Undefined) throw new UndefinedError(a);
  if (b instanceof Undefined) throw new UndefinedError(b);
  const an = isNumeric(a);
  const bn = isNumeric(b);
  if (an && bn) {
    const x = num(a);
    const y = num(b);
    const fl = isFloat(a) || isFloat(b);
    const res = (v: number) => (fl ? float(v) : v);
    switch (op) {
      case '+':
        return res(x + y);
      case '-':
        return res(x - y);
      case '*':
        return res(x * y);
      case '/':
        if (y === 0) throw new PyError('ZeroDivisionError', fl ? 'float division by zero' : 'division by zero');
        return float(x / y);
      case '//':
        if (y === 0) throw new PyError('ZeroDivisionError', fl ? 'float floor division by zero' : 'integer division or modulo by zero');
        return res(Math.floor(x / y));
      case '%': {
        if (y === 0) throw new PyError('ZeroDivisionError', fl ? 'float modulo' : 'integer division or modulo by zero');
        const m = x - y * Math.floor(x / y);
        return res(m);
      }
      case '**':
        if (!fl && y < 0) return float(x ** y);
        return res(x ** y);
    }
  }
  if (op === '+') {
    if (typeof a === 'string' && typeof b === 'string') return a + b;
    if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) return isTuple(a) ? tuple([...a, ...b]) : [...a, ...b];
    throw unsupported('+', a, b);
  }
  if (op === '*') {
    const rep = (s: unknown, n: unknown): unknown => {
      const k = Math.max(0, num(n));
      if (typeof s === 'string') return s.repeat(k);
      const out: unknown[] = [];
      for (let i = 0; i < k; i++) out.push(...(s as unknown[]));
      return isTuple(s) ? tuple(out) : out;
    };
    if ((typeof a === 'string' || Array.isArray(a)) && (isInt(b) || typeof b === 'boolean')) return rep(a, b);
    if ((typeof b === 'string' || Array.isArray(b)) && (isInt(a) || typeof a === 'boolean')) return rep(b, a);
    throw new PyError('TypeError', `can't multiply sequence by non-int of type '${typeName(b)}'`);
  }
  if (op === '%' && typeof a === 'string') return isDict(b) ? format(a, [], b) : format(a, isTuple(b) ? (b as unknown[]) : [b], {});
  throw unsupported(op, a, b);
}

/**
 * Ansible's lookup() (comma-joined text unless wantlist=True) and query()/q() (always a list);
 * `errors=ignore|warn` turns a failing lookup into nothing (None, or [] with wantlist).
 */
function lookupGlobals(lookups: Record<string, Lookup>): Record<string, unknown> {
  const run = (ctx: CallContext, args: unknown[], kwargs: Kwargs, wantlist: boolean): unknown => {
    const [name, ...terms] = args;
    if (typeof name !== 'string') throw new PyError('TypeError', 'lookup() needs the name of a lookup plugin');
    const fn = resolveLookup(lookups, name);
    if (!fn) throw new PyError('AnsibleError', `lookup plugin (${name}) not found`);
    const kw = { ...kwargs };
    const wl = kw.wantlist !== undefined ? truthy(kw.wantlist) : wantlist;
    const errors = kw.errors === undefined ? 'strict' : str(kw.errors);
    delete kw.wantlist;
    delete kw.errors;
    delete kw.allow_unsafe;
    let res: unknown[];
    try {
      res = fn(terms, kw, ctx);
    } catch (e) {
      if (e instanceof UndefinedError || errors === 'strict' || (errors !== 'warn' && errors !== 'ignore')) throw e;
      if (e instanceof PyError && e.pyType === 'AnsibleOptionsError') throw e;
      // Templar._lookup: a lookup's own failure (AnsibleLookupError) or any other exception, as ansible words them
      if (errors === 'warn') {
        const text = e instanceof Error ? e.message : String(e);
        if (e instanceof PyError && e.pyType === 'AnsibleLookupError') templateWarning(`Lookup failed but the error is being ignored: ${text}`);
        else {
          const cls = e instanceof PyError ? (e.pyType.startsWith('Ansible') ? `ansible.errors.${e.pyType}` : e.pyType) : 'Exception';
          templateWarning(`An unhandled exception occurred while running the lookup plugin '${name}'. Error was a <class '${cls}'>, original message: ${text}`);
        }
      }
      return wl ? [] : null;
    }
    if (wl || res.length === 0) return res;
    // Ansible: ','.join(list); a list with a non-text item is its one item, or the list itself
    if (res.every((x) => typeof x === 'string' || x instanceof String)) {
      const text = res.map((x) => String(x)).join(',');
      return res[0] instanceof NativeText ? new NativeText(text) : text;
    }
    if (res.length === 1) return res[0];
    return res;
  };
  return {
    lookup: new ContextCallable('lookup', (c, a, k) => run(c, a, k, false)),
    query: new ContextCallable('query', (c, a, k) => run(c, a, k, true)),
    q: new ContextCallable('q', (c, a, k) => run(c, a, k, true)),
  };
}

function builtinGlobals(): Record<string, unknown> {
  return {
    range: new PyCallable('range', (args) => {
      const n = args.map((a) => {
        if (!isInt(a) && typeof a !== 'boolean') throw new PyError('TypeError', `'${typeName(a)}' object cannot be interpreted as an integer`);
        return num(a);
      });
      const [start, stop, step] = n.length === 1 ? [0, n[0]!, 1] : [n[0]!, n[1]!, n[2] ?? 1];
      if (step === 0) throw new PyError('ValueError', 'range() arg 3 must not be zero');
      const out: number[] = [];
      if (Math.abs((stop - start) / step) > 100_000) throw new PyError('OverflowError', 'Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).');
      for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
      return markRange(out, start, stop, step);
    }),
    dict: new PyCallable('dict', (args, kwargs) => {
      const out: Record<string, unknown> = {};
      if (args[0] !== undefined) {
        const src = args[0];
        if (isDict(src)) Object.assign(out, src);
        else
          for (const pair of iterate(src)) {
            const [k, v] = iterate(pair);
            out[str(k)] = v;
          }
      }
      return Object.assign(out, kwargs);
    }),
    namespace: new PyCallable('namespace', (args, kwargs) => {
      const ns = new Namespace();
      if (isDict(args[0])) Object.assign(ns.attrs, args[0]);
      Object.assign(ns.attrs, kwargs);
      return ns;
    }),
    joiner: new PyCallable('joiner', (args) => {
      const sep = args.length ? str(args[0]) : ', ';
      let used = false;
      return new PyCallable('joiner', () => {
        if (!used) {
          used = true;
          return '';
        }
        return sep;
      });
    }),
    cycler: new PyCallable('cycler', (items) => {
      let pos = 0;
      const c: PyObject = {
        pyTypeName: 'Cycler',
        pyGetattr(name: string) {
          if (name === 'next') return new PyCallable('next', () => items[pos++ % items.length]);
          if (name === 'current') return items[pos % items.length];
          if (name === 'reset')
            return new PyCallable('reset', () => {
              pos = 0;
              return null;
            });
          return new Undefined(name, `'Cycler' object has no attribute '${name}'`);
        },
      };
      return c;
    }),
  };
}

// ---- Python methods on str, list and dict

function strArg(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new PyError('TypeError', `${what} must be str, not ${typeName(v)}`);
  return v;
}

function pyStrip(s: string, chars: unknown, mode: 'both' | 'left' | 'right'): string {
  const set = chars === undefined || chars === null ? null : strArg(chars, 'strip arg');
  const isStrip = (c: string) => (set === null ? /\s/.test(c) : set.includes(c));
  const cs = [...s];
  let a = 0;
  let b = cs.length;
  if (mode !== 'right') while (a < b && isStrip(cs[a]!)) a++;
  if (mode !== 'left') while (b > a && isStrip(cs[b - 1]!)) b--;
  return cs.slice(a, b).join('');
}

/** Python str.split(sep=None, maxsplit=-1). */
export function pySplit(s: string, sep: unknown, maxsplit: unknown): string[] {
  const max = maxsplit === undefined || maxsplit === null ? -1 : num(maxsplit);
  if (sep === undefined || sep === null) {
    const out: string[] = [];
    let rest = s.replace(/^\s+/, '');
    while (rest.length) {
      if (max >= 0 && out.length === max) {
        out.push(rest);
        break;
      }
      const m = /\s+/.exec(rest);
      if (!m) {
        out.push(rest);
        break;
      }
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return out;
  }
  const d = strArg(sep, 'sep');
  if (d === '') throw new PyError('ValueError', 'empty separator');
  const parts = s.split(d);
  if (max < 0 || parts.length <= max + 1) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(d)];
}

function pyRsplit(s: string, sep: unknown, maxsplit: unknown): string[] {
  const max = maxsplit === undefined || maxsplit === null ? -1 : num(maxsplit);
  if (max < 0) return pySplit(s, sep, -1);
  if (sep === undefined || sep === null) {
    const parts = pySplit(s, null, -1);
    if (parts.length <= max + 1) return parts;
    const head = s.trimEnd();
    // split from the right: keep the leftmost chunk whole
    const keep = parts.length - max;
    let idx = 0;
    let count = 0;
    const re = /\S+/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(head)) && count < keep) {
      idx = m.index + m[0].length;
      count++;
    }
    return [head.slice(0, idx).trimStart(), ...parts.slice(keep)];
  }
  const d = strArg(sep, 'sep');
  const parts = s.split(d);
  if (parts.length <= max + 1) return parts;
  return [parts.slice(0, parts.length - max).join(d), ...parts.slice(parts.length - max)];
}

function prefixTest(s: string, p: unknown, start: unknown, end: unknown, which: 'start' | 'end'): boolean {
  const sub = [...s].slice(start === undefined || start === null ? 0 : num(start), end === undefined || end === null ? undefined : num(end)).join('');
  const ps = Array.isArray(p) ? p : [p];
  return ps.some((x) => (which === 'start' ? sub.startsWith(strArg(x, 'prefix')) : sub.endsWith(strArg(x, 'suffix'))));
}

function pyTitle(s: string): string {
  return s.replace(/[A-Za-z\u00C0-\uFFFF]+/g, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase());
}

/** Python str.format with positional/keyword fields and simple format specs. */
export function pyFormat(fmt: string, args: unknown[], kwargs: Kwargs, env: Environment): string {
  let auto = 0;
  return fmt.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, field: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const [ref, spec = ''] = (field ?? '').split(/:(.*)/s) as [string, string?];
    const [head, conv] = ref.split('!') as [string, string?];
    const path = head.match(/^([^.[]*)(.*)$/)!;
    let v: unknown = path[1] === '' ? args[auto++] : /^\d+$/.test(path[1]!) ? args[Number(path[1])] : kwargs[path[1]!];
    if (v === undefined) throw new PyError('IndexError', `Replacement index ${path[1] || auto - 1} out of range for positional args tuple`);
    for (const acc of path[2]!.matchAll(/\.(\w+)|\[([^\]]+)\]/g)) v = acc[1] ? env.getattr(v, acc[1]) : env.getitem(v, /^\d+$/.test(acc[2]!) ? Number(acc[2]) : acc[2]);
    if (conv === 'r') v = repr(v);
    else if (conv === 's') v = str(v);
    return formatSpec(v, spec);
  });
}

function formatSpec(v: unknown, spec: string): string {
  const m = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?(,)?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s.exec(spec);
  if (!m) throw new PyError('ValueError', `Invalid format specifier '${spec}'`);
  const [, fill0, align0, sign, , zero, width, comma, prec, type] = m;
  let s: string;
  const isNum = isNumeric(v);
  if (type === 'd') s = String(Math.trunc(num(v)));
  else if (type === 'f' || type === 'F') s = num(v).toFixed(prec === undefined ? 6 : Number(prec));
  else if (type === 'e')
    s = num(v)
      .toExponential(prec === undefined ? 6 : Number(prec))
      .replace(/e([+-])(\d)$/, 'e$10$2');
  else if (type === 'x') s = num(v).toString(16);
  else if (type === 'X') s = num(v).toString(16).toUpperCase();
  else if (type === 'o') s = num(v).toString(8);
  else if (type === 'b') s = num(v).toString(2);
  else if (type === '%') s = (num(v) * 100).toFixed(prec === undefined ? 6 : Number(prec)) + '%';
  else if (prec !== undefined && !isNum) s = str(v).slice(0, Number(prec));
  else if (prec !== undefined && isNum) s = num(v).toFixed(Number(prec));
  else s = str(v);
  if (comma && isNum) s = s.replace(/^(-?\d+)/, (d) => d.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
  if (sign === '+' && isNum && num(v) >= 0) s = '+' + s;
  else if (sign === ' ' && isNum && num(v) >= 0) s = ' ' + s;
  const w = width ? Number(width) : 0;
  const fill = fill0 ?? (zero ? '0' : ' ');
  const align = align0 ?? (zero ? '=' : isNum ? '>' : '<');
  const len0 = [...s].length;
  if (len0 >= w) return s;
  const pad = w - len0;
  if (align === '<') return s + fill.repeat(pad);
  if (align === '>') return fill.repeat(pad) + s;
  if (align === '^') return fill.repeat(Math.floor(pad / 2)) + s + fill.repeat(Math.ceil(pad / 2));
  const sg = /^[+\- ]/.test(s) ? s[0]! : '';
  return sg + fill.repeat(pad) + s.slice(sg.length);
}

function boundMethod(obj: unknown, name: string, env: Environment): PyCallable | undefined {
  const mk = (fn: (args: unknown[], kwargs: Kwargs) => unknown) => new PyCallable(`${typeName(obj)}.${name}`, fn, 'builtin_function_or_method');
  if (typeof obj === 'string') {
    const s = obj;
    switch (name) {
      case 'lower':
        return mk(() => s.toLowerCase());
      case 'upper':
        return mk(() => s.toUpperCase());
      case 'casefold':
        return mk(() => s.toLowerCase());
      case 'strip':
        return mk((a) => pyStrip(s, a[0], 'both'));
      case 'lstrip':
        return mk((a) => pyStrip(s, a[0], 'left'));
      case 'rstrip':
        return mk((a) => pyStrip(s, a[0], 'right'));
      case 'split':
        return mk((a, k) => {
          const b = bindArgs('split', ['sep', 'maxsplit'], a, k, { sep: null, maxsplit: -1 });
          return pySplit(s, b.sep, b.maxsplit);
        });
      case 'rsplit':
        return mk((a, k) => {
          const b = bindArgs('rsplit', ['sep', 'maxsplit'], a, k, { sep: null, maxsplit: -1 });
          return pyRsplit(s, b.sep, b.maxsplit);
        });
      case 'splitlines':
        return mk((a) => {
          const keep = truthy(a[0] ?? false);
          const out: string[] = [];
          const re = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
          let last = 0;
          let m: RegExpExecArray | null;
          while ((m = re.exec(s))) {
            out.push(s.slice(last, keep ? m.index + m[0].length : m.index));
            last = m.index + m[0].length;
          }
          if (last < s.length) out.push(s.slice(last));
          return out;
        });
      case 'startswith':
        return mk((a) => prefixTest(s, isTuple(a[0]) ? a[0] : a[0], a[1], a[2], 'start'));
      case 'endswith':
        return mk((a) => prefixTest(s, a[0], a[1], a[2], 'end'));
      case 'replace':
        return mk((a) => {
          const old = strArg(a[0], 'replace() argument 1');
          const nw = strArg(a[1], 'replace() argument 2');
          let count = a[2] === undefined ? -1 : num(a[2]);
          if (count < 0) return s.split(old).join(nw);
          let out = '';
          let rest = s;
          while (count-- > 0) {
            const i = rest.indexOf(old);
            if (i < 0) break;
            out += rest.slice(0, i) + nw;
            rest = rest.slice(i + old.length);
            if (old === '') {
              out += rest.slice(0, 1);
              rest = rest.slice(1);
            }
          }
          return out + rest;
        });
      case 'find':
        return mk((a) => s.indexOf(strArg(a[0], 'find arg'), a[1] === undefined ? 0 : num(a[1])));
      case 'rfind':
        return mk((a) => s.lastIndexOf(strArg(a[0], 'rfind arg')));
      case 'index':
        return mk((a) => {
          const i = s.indexOf(strArg(a[0], 'index arg'));
          if (i < 0) throw new PyError('ValueError', 'substring not found');
          return i;
        });
      case 'count':
        return mk((a) => {
          const sub = strArg(a[0], 'count arg');
          return sub === '' ? [...s].length + 1 : s.split(sub).length - 1;
        });
      case 'join':
        return mk((a) =>
          iterate(a[0])
            .map((x) => strArg(x, 'sequence item'))
            .join(s),
        );
      case 'format':
        return mk((a, k) => pyFormat(s, a, k, env));
      case 'capitalize':
        return mk(() => (s ? s[0]!.toUpperCase() + s.slice(1).toLowerCase() : s));
      case 'title':
        return mk(() => pyTitle(s));
      case 'swapcase':
        return mk(() => [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''));
      case 'isdigit':
      case 'isnumeric':
      case 'isdecimal':
        return mk(() => /^\d+$/.test(s));
      case 'isalpha':
        return mk(() => /^\p{L}+$/u.test(s));
      case 'isalnum':
        return mk(() => /^[\p{L}\d]+$/u.test(s));
      case 'isspace':
        return mk(() => /^\s+$/.test(s));
      case 'islower':
        return mk(() => /[a-z]/.test(s) && s === s.toLowerCase());
      case 'isupper':
        return mk(() => /[A-Z]/.test(s) && s === s.toUpperCase());
      case 'isidentifier':
        return mk(() => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s));
      case 'zfill':
        return mk((a) => {
          const w = num(a[0]);
          const sg = /^[+-]/.test(s) ? s[0]! : '';
          const body = s.slice(sg.length);
          return sg + body.padStart(w - sg.length, '0');
        });
      case 'center':
        return mk((a) => formatSpec(s, `${a[1] === undefined ? ' ' : str(a[1])}^${num(a[0])}`));
      case 'ljust':
        return mk((a) => formatSpec(s, `${a[1] === undefined ? ' ' : str(a[1])}<${num(a[0])}`));
      case 'rjust':
        return mk((a) => formatSpec(s, `${a[1] === undefined ? ' ' : str(a[1])}>${num(a[0])}`));
      case 'partition':
        return mk((a) => {
          const sep = strArg(a[0], 'sep');
          const i = s.indexOf(sep);
          return tuple(i < 0 ? [s, '', ''] : [s.slice(0, i), sep, s.slice(i + sep.length)]);
        });
      case 'rpartition':
        return mk((a) => {
          const sep = strArg(a[0], 'sep');
          const i = s.lastIndexOf(sep);
          return tuple(i < 0 ? ['', '', s] : [s.slice(0, i), sep, s.slice(i + sep.length)]);
        });
    }
    return undefined;
  }
  if (Array.isArray(obj)) {
    const l = obj;
    switch (name) {
      case 'append':
        return mk((a) => {
          l.push(a[0]);
          return null;
        });
      case 'extend':
        return mk((a) => {
          l.push(...iterate(a[0]));
          return null;
        });
      case 'insert':
        return mk((a) => {
          l.splice(num(a[0]), 0, a[1]);
          return null;
        });
      case 'pop':
        return mk((a) => {
          if (!l.length) throw new PyError('IndexError', 'pop from empty list');
          let i = a[0] === undefined ? l.length - 1 : num(a[0]);
          if (i < 0) i += l.length;
          return l.splice(i, 1)[0];
        });
      case 'remove':
        return mk((a) => {
          const i = l.findIndex((x) => eq(x, a[0]));
          if (i < 0) throw new PyError('ValueError', 'list.remove(x): x not in list');
          l.splice(i, 1);
          return null;
        });
      case 'index':
        return mk((a) => {
          const i = l.findIndex((x) => eq(x, a[0]));
          if (i < 0) throw new PyError('ValueError', `${repr(a[0])} is not in list`);
          return i;
        });
      case 'count':
        return mk((a) => l.filter((x) => eq(x, a[0])).length);
      case 'reverse':
        return mk(() => {
          l.reverse();
          return null;
        });
      case 'sort':
        return mk((_a, k) => {
          l.sort((x, y) => cmp(x, y));
          if (k.reverse && truthy(k.reverse)) l.reverse();
          return null;
        });
      case 'copy':
        return mk(() => [...l]);
      case 'clear':
        return mk(() => {
          l.length = 0;
          return null;
        });
    }
    return undefined;
  }
  if (isDict(obj)) {
    const d = obj;
    switch (name) {
      case 'keys':
        return mk(() => Object.keys(d));
      case 'values':
        return mk(() => Object.values(d));
      case 'items':
        return mk(() => Object.entries(d).map(([k, v]) => tuple([k, v])));
      case 'get':
        return mk((a) => {
          const k = dictKey(d, a[0]);
          return k !== undefined ? d[k] : a.length > 1 ? a[1] : null;
        });
      case 'pop':
        return mk((a) => {
          const k = dictKey(d, a[0]);
          if (k === undefined) {
            if (a.length > 1) return a[1];
            throw new PyError('KeyError', repr(a[0]));
          }
          const v = d[k];
          delete d[k];
          return v;
        });
      case 'setdefault':
        return mk((a) => {
          const k = dictKey(d, a[0]);
          if (k !== undefined) return d[k];
          d[str(a[0])] = a.length > 1 ? a[1] : null;
          return d[str(a[0])];
        });
      case 'update':
        return mk((a, k) => {
          if (a[0] !== undefined) {
            if (isDict(a[0])) Object.assign(d, a[0]);
            else
              for (const pair of iterate(a[0])) {
                const [kk, vv] = iterate(pair);
                d[str(kk)] = vv;
              }
          }
          Object.assign(d, k);
          return null;
        });
      case 'copy':
        return mk(() => ({ ...d }));
    }
    return undefined;
  }
  if (obj instanceof PyFloat || typeof obj === 'number') {
    if (name === 'is_integer') return mk(() => Number.isInteger(num(obj)));
  }
  return undefined;
}

export { len };
