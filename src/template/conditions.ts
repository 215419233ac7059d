import jsep from 'jsep';
import { TsplayError, type SourceLocation } from '../errors.js';
import { compareValues, deepEqual, FilterError, filters, typeName } from './filters.js';

/**
 * Conditions for `when`, `changed_when`, `failed_when`, `until` and `assert`, in the Jinja
 * operators Ansible users write. Parsed by jsep (with word operators added) and evaluated by the
 * tree-walker below: no eval, no Function, no prototype access, no truthiness guessing.
 * Precedence, lowest first: `or`, `and`, `not`, comparisons (`== != < <= > >= in` `not in`),
 * `+ - ~`, `* / %`, `is` / `is not` tests, `|` filters.
 */

// jsep's operator tables are process-wide; tsplay is the only user of jsep in the process.
jsep.addBinaryOp('or', 1);
jsep.addBinaryOp('and', 2);
for (const op of ['==', '!=', '<', '<=', '>', '>=']) jsep.addBinaryOp(op, 6);
jsep.addBinaryOp('in', 6);
jsep.addBinaryOp('not in', 6);
jsep.addBinaryOp('~', 9);
jsep.addBinaryOp('is', 19);
jsep.addBinaryOp('is not', 19);
jsep.removeBinaryOp('|');
jsep.addBinaryOp('|', 20);
jsep.addUnaryOp('not');
jsep.removeUnaryOp('~');
jsep.addLiteral('True', true);
jsep.addLiteral('False', false);
jsep.addLiteral('None', null);
jsep.addLiteral('none', null);

type Node = jsep.Expression;

// Remember explicit parentheses: `(not a) == b` must not be re-associated, `(a < b) < c` is not a chain.
jsep.hooks.add('gobble-token', function (this: any, env: { node?: Node }) {
  if (this.code !== 40) return;
  const inner = this.gobbleGroup();
  if (!inner) this.throwError('empty ( )');
  env.node = this.gobbleTokenProperty({ ...inner, paren: true });
});

const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);

/** A missing variable or attribute; only `is defined`, `default` and friends may look at it. */
class Undef {
  constructor(readonly path: string) {}
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

const JS_OPERATORS: Record<string, string> = {
  '&&': 'and',
  '||': 'or',
  '!': 'not',
  '===': '==',
  '!==': '!=',
};

class ExprError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Rewrite Jinja spellings jsep does not know, outside string literals. */
function preprocess(src: string): string {
  let out = '';
  let code = '';
  const flush = () => {
    out += code
      .replace(/\{\{/g, '(')
      .replace(/\}\}/g, ')')
      .replace(/\bnot\s+in\b/g, 'not in')
      .replace(/\bis\s+not\b/g, 'is not')
      .replace(/(?<=[A-Za-z_$\])][\w$]*)\.(\d+)/g, '[$1]');
    code = '';
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '"' || c === "'") {
      flush();
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j;
    } else code += c;
  }
  flush();
  return out;
}

/** jsep binds `not` tighter than comparisons; Jinja binds it looser: `not a == b` is `not (a == b)`. */
function rotateNot(n: Node): Node {
  switch (n.type) {
    case 'BinaryExpression': {
      const b = n as jsep.BinaryExpression;
      const left = rotateNot(b.left);
      const right = rotateNot(b.right);
      if (b.operator !== 'and' && b.operator !== 'or' && left.type === 'UnaryExpression' && (left as jsep.UnaryExpression).operator === 'not' && !left.paren) {
        const u = left as jsep.UnaryExpression;
        return { type: 'UnaryExpression', operator: 'not', prefix: true, argument: rotateNot({ ...b, left: u.argument, right }) };
      }
      return { ...b, left, right };
    }
    case 'UnaryExpression':
      return { ...n, argument: rotateNot((n as jsep.UnaryExpression).argument) };
    case 'MemberExpression': {
      const m = n as jsep.MemberExpression;
      return { ...m, object: rotateNot(m.object), property: m.computed ? rotateNot(m.property) : m.property };
    }
    case 'CallExpression': {
      const c = n as jsep.CallExpression;
      return { ...c, callee: rotateNot(c.callee), arguments: c.arguments.map(rotateNot) };
    }
    case 'ArrayExpression': {
      const a = n as jsep.ArrayExpression;
      return { ...a, elements: a.elements.map((e) => (e ? rotateNot(e) : e)) };
    }
    default:
      return n;
  }
}

const parsed = new Map<string, Node>();

function parse(expr: string): Node {
  const hit = parsed.get(expr);
  if (hit) return hit;
  const pre = preprocess(expr);
  if (pre.trim() === '') throw new ExprError('empty expression');
  let ast: Node;
  try {
    ast = rotateNot(jsep(pre));
  } catch (e) {
    const err = e as Error & { description?: string; index?: number };
    throw new ExprError(`cannot parse: ${err.description ?? err.message}${err.index !== undefined ? ` at character ${err.index + 1}` : ''}`);
  }
  validateShape(ast);
  if (parsed.size > 5000) parsed.clear();
  parsed.set(expr, ast);
  return ast;
}

/** Reject constructs tsplay does not evaluate, at parse time so `validate` reports them. */
function validateShape(n: Node): void {
  switch (n.type) {
    case 'Literal':
      if ((n as jsep.Literal).value instanceof RegExp) throw new ExprError('regular expression literals are not supported');
      return;
    case 'Identifier':
      return;
    case 'ThisExpression':
      throw new ExprError('`this` is not available in conditions');
    case 'Compound': {
      const word = (n as jsep.Compound).body.find((b) => b.type === 'Identifier' && ['and', 'or', 'not', 'in', 'is'].includes((b as jsep.Identifier).name));
      if (word) throw new ExprError(`\`${(word as jsep.Identifier).name}\` is missing an operand`);
      throw new ExprError('several expressions in one condition', 'use `and` / `or` to combine conditions');
    }
    case 'SequenceExpression':
      throw new ExprError('comma-separated expressions are not supported');
    case 'ConditionalExpression':
      throw new ExprError('`a ? b : c` is not supported', 'write two conditions, or compute the value with set_fact');
    case 'UnaryExpression': {
      const u = n as jsep.UnaryExpression;
      if (JS_OPERATORS[u.operator]) throw new ExprError(`operator \`${u.operator}\` is not supported`, `write \`${JS_OPERATORS[u.operator]}\``);
      return validateShape(u.argument);
    }
    case 'BinaryExpression': {
      const b = n as jsep.BinaryExpression;
      if (JS_OPERATORS[b.operator]) throw new ExprError(`operator \`${b.operator}\` is not supported`, `write \`${JS_OPERATORS[b.operator]}\``);
      if (['&', '^', '<<', '>>', '>>>', '**', '??'].includes(b.operator)) throw new ExprError(`operator \`${b.operator}\` is not supported`);
      validateShape(b.left);
      if (b.operator === '|' || b.operator === 'is' || b.operator === 'is not') {
        const name = calleeName(b.right);
        if (name === undefined) throw new ExprError(`expected a ${b.operator === '|' ? 'filter' : 'test'} name after \`${b.operator}\``);
        if (b.operator === '|' && !Object.hasOwn(filters, name)) {
          throw new ExprError(`unsupported filter \`${name}\``, `supported filters: ${Object.keys(filters).sort().join(', ')}`);
        }
        if (b.operator !== '|' && !Object.hasOwn(TESTS, name)) {
          throw new ExprError(`unsupported test \`is ${name}\``, `supported tests: ${Object.keys(TESTS).sort().join(', ')}`);
        }
        if (b.right.type === 'CallExpression') (b.right as jsep.CallExpression).arguments.forEach(validateShape);
        return;
      }
      return validateShape(b.right);
    }
    case 'MemberExpression': {
      const m = n as jsep.MemberExpression;
      validateShape(m.object);
      if (m.computed) validateShape(m.property);
      return;
    }
    case 'CallExpression': {
      const c = n as jsep.CallExpression;
      if (c.callee.type !== 'MemberExpression' || (c.callee as jsep.MemberExpression).computed) {
        throw new ExprError('function calls are not supported', 'filters are written `x | name(args)`; string methods as `s.startswith("a")`');
      }
      const m = c.callee as jsep.MemberExpression;
      const name = (m.property as jsep.Identifier).name;
      if (!Object.hasOwn(METHODS, name)) throw new ExprError(`method \`${name}()\` is not supported`, `supported methods: ${Object.keys(METHODS).sort().join(', ')}`);
      validateShape(m.object);
      c.arguments.forEach(validateShape);
      return;
    }
    case 'ArrayExpression':
      for (const e of (n as jsep.ArrayExpression).elements) if (e) validateShape(e);
      return;
    default:
      throw new ExprError(`unsupported syntax (${n.type})`);
  }
}

function calleeName(n: Node): string | undefined {
  if (n.type === 'Identifier') return (n as jsep.Identifier).name;
  if (n.type === 'Literal' && typeof (n as jsep.Literal).value === 'boolean') return String((n as jsep.Literal).value);
  if (n.type === 'Literal' && (n as jsep.Literal).value === null) return 'none';
  if (n.type === 'CallExpression' && (n as jsep.CallExpression).callee.type === 'Identifier') return ((n as jsep.CallExpression).callee as jsep.Identifier).name;
  return undefined;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `x is NAME` tests. `v` may be Undef only for defined/undefined. */
const TESTS: Record<string, (v: unknown, ...args: unknown[]) => boolean> = {
  defined: (v) => !(v instanceof Undef),
  undefined: (v) => v instanceof Undef,
  none: (v) => v === null,
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  integer: (v) => Number.isInteger(v),
  float: (v) => typeof v === 'number' && !Number.isInteger(v),
  boolean: (v) => typeof v === 'boolean',
  true: (v) => v === true,
  false: (v) => v === false,
  mapping: (v) => isObj(v),
  sequence: (v) => Array.isArray(v) || typeof v === 'string',
  iterable: (v) => Array.isArray(v) || typeof v === 'string' || isObj(v),
  list: (v) => Array.isArray(v),
  succeeded: (v) => isObj(v) && v.failed !== true,
  success: (v) => isObj(v) && v.failed !== true,
  failed: (v) => isObj(v) && v.failed === true,
  failure: (v) => isObj(v) && v.failed === true,
  changed: (v) => isObj(v) && v.changed === true,
  change: (v) => isObj(v) && v.changed === true,
  skipped: (v) => isObj(v) && v.skipped === true,
  skip: (v) => isObj(v) && v.skipped === true,
  match: (v, re) => typeof v === 'string' && new RegExp('^(?:' + String(re) + ')').test(v),
  search: (v, re) => typeof v === 'string' && new RegExp(String(re)).test(v),
  regex: (v, re) => typeof v === 'string' && new RegExp(String(re)).test(v),
  equalto: (v, o) => deepEqual(v, o),
  eq: (v, o) => deepEqual(v, o),
  in: (v, o) => inOp(v, o),
  even: (v) => typeof v === 'number' && v % 2 === 0,
  odd: (v) => typeof v === 'number' && Math.abs(v % 2) === 1,
  empty: (v) => (typeof v === 'string' || Array.isArray(v) ? v.length === 0 : isObj(v) ? Object.keys(v).length === 0 : false),
};

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new ExprError(`${what} needs a string, got ${typeName(v)}`);
  return v;
}

/** Python methods users call on strings, lists and dicts in Ansible conditions. */
const METHODS: Record<string, (self: unknown, ...args: unknown[]) => unknown> = {
  startswith: (s, p) => str(s, 'startswith').startsWith(str(p, 'startswith')),
  endswith: (s, p) => str(s, 'endswith').endsWith(str(p, 'endswith')),
  lower: (s) => str(s, 'lower').toLowerCase(),
  upper: (s) => str(s, 'upper').toUpperCase(),
  strip: (s) => str(s, 'strip').trim(),
  lstrip: (s) => str(s, 'lstrip').trimStart(),
  rstrip: (s) => str(s, 'rstrip').trimEnd(),
  split: (s, sep) => (sep === undefined ? str(s, 'split').trim().split(/\s+/) : str(s, 'split').split(str(sep, 'split'))),
  replace: (s, a, b) => str(s, 'replace').split(str(a, 'replace')).join(str(b, 'replace')),
  find: (s, p) => str(s, 'find').indexOf(str(p, 'find')),
  keys: (d) => {
    if (!isObj(d)) throw new ExprError(`keys() needs a dict, got ${typeName(d)}`);
    return Object.keys(d);
  },
  values: (d) => {
    if (!isObj(d)) throw new ExprError(`values() needs a dict, got ${typeName(d)}`);
    return Object.values(d);
  },
  items: (d) => {
    if (!isObj(d)) throw new ExprError(`items() needs a dict, got ${typeName(d)}`);
    return Object.entries(d);
  },
  get: (d, k, def = null) => {
    if (!isObj(d)) throw new ExprError(`get() needs a dict, got ${typeName(d)}`);
    return typeof k === 'string' && !FORBIDDEN_KEYS.has(k) && Object.hasOwn(d, k) ? d[k] : def;
  },
};

function inOp(needle: unknown, hay: unknown): boolean {
  if (Array.isArray(hay)) return hay.some((x) => deepEqual(x, needle));
  if (typeof hay === 'string') return hay.includes(str(needle, '`in` on a string'));
  if (isObj(hay)) return typeof needle === 'string' && !FORBIDDEN_KEYS.has(needle) && Object.hasOwn(hay, needle);
  throw new ExprError(`\`in\` needs a list, string or dict on the right, got ${typeName(hay)}`);
}

function describe(v: unknown): string {
  const t = typeName(v);
  const shown = JSON.stringify(v);
  const article = /^[aeiou]/.test(t) ? 'an' : 'a';
  return `${article} ${t} (${shown !== undefined && shown.length > 40 ? shown.slice(0, 40) + '…' : shown})`;
}

class Evaluator {
  constructor(private readonly vars: Record<string, unknown>) {}

  /** Evaluate, refusing Undef. */
  need(n: Node): unknown {
    const v = this.eval(n);
    if (v instanceof Undef) throw new UndefinedVar(v.path);
    return v;
  }

  bool(n: Node, op: string): boolean {
    const v = this.need(n);
    if (typeof v !== 'boolean') throw new ExprError(`\`${op}\` needs true/false, got ${describe(v)}`, 'compare explicitly (x == "yes", x | length > 0) or use the `bool` filter');
    return v;
  }

  eval(n: Node): unknown {
    switch (n.type) {
      case 'Literal':
        return (n as jsep.Literal).value;
      case 'Identifier': {
        const name = (n as jsep.Identifier).name;
        if (!FORBIDDEN_KEYS.has(name) && Object.hasOwn(this.vars, name)) return this.vars[name];
        return new Undef(name);
      }
      case 'ArrayExpression':
        return (n as jsep.ArrayExpression).elements.map((e) => (e ? this.need(e) : null));
      case 'MemberExpression':
        return this.member(n as jsep.MemberExpression);
      case 'CallExpression': {
        const c = n as jsep.CallExpression;
        const m = c.callee as jsep.MemberExpression;
        const self = this.need(m.object);
        const args = c.arguments.map((a) => this.need(a));
        return METHODS[(m.property as jsep.Identifier).name]!(self, ...args);
      }
      case 'UnaryExpression': {
        const u = n as jsep.UnaryExpression;
        if (u.operator === 'not') return !this.bool(u.argument, 'not');
        const v = this.need(u.argument);
        if (typeof v !== 'number') throw new ExprError(`unary \`${u.operator}\` needs a number, got ${describe(v)}`);
        return u.operator === '-' ? -v : v;
      }
      case 'BinaryExpression':
        return this.binary(n as jsep.BinaryExpression);
      default:
        throw new ExprError(`unsupported syntax (${n.type})`);
    }
  }

  member(m: jsep.MemberExpression): unknown {
    const obj = this.eval(m.object);
    let key: unknown;
    if (m.computed) {
      key = this.need(m.property);
      if (typeof key !== 'string' && typeof key !== 'number') throw new ExprError(`an index must be a string or number, got ${describe(key)}`);
    } else key = (m.property as jsep.Identifier).name;
    const path = obj instanceof Undef ? obj.path : pathOf(m.object);
    const sub = `${path}${typeof key === 'number' ? `[${key}]` : `.${key}`}`;
    if (obj instanceof Undef) return new Undef(sub);
    if (typeof key === 'string' && FORBIDDEN_KEYS.has(key)) return new Undef(sub);
    if (Array.isArray(obj) || typeof obj === 'string') {
      const i = typeof key === 'number' ? key : /^-?\d+$/.test(String(key)) ? Number(key) : NaN;
      if (!Number.isInteger(i)) return new Undef(sub);
      const at = i < 0 ? obj.length + i : i;
      return at >= 0 && at < obj.length ? obj[at] : new Undef(sub);
    }
    if (isObj(obj)) {
      const k = String(key);
      return Object.hasOwn(obj, k) ? obj[k] : new Undef(sub);
    }
    return new Undef(sub);
  }

  binary(b: jsep.BinaryExpression): unknown {
    const op = b.operator;
    const left = b.left as jsep.BinaryExpression;
    if (COMPARISONS.has(op) && left.type === 'BinaryExpression' && COMPARISONS.has(left.operator) && !left.paren) {
      // Python chains comparisons: `1 < x < 5` is `1 < x and x < 5`.
      return this.binary(left) === true && this.binary({ ...b, left: left.right });
    }
    switch (op) {
      case 'and':
        return this.bool(b.left, 'and') && this.bool(b.right, 'and');
      case 'or':
        return this.bool(b.left, 'or') || this.bool(b.right, 'or');
      case '==':
        return deepEqual(this.need(b.left), this.need(b.right));
      case '!=':
        return !deepEqual(this.need(b.left), this.need(b.right));
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const c = compare(this.need(b.left), this.need(b.right), op);
        return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
      }
      case 'in':
        return inOp(this.need(b.left), this.need(b.right));
      case 'not in':
        return !inOp(this.need(b.left), this.need(b.right));
      case '~':
        return stringify(this.need(b.left)) + stringify(this.need(b.right));
      case '+': {
        const l = this.need(b.left);
        const r = this.need(b.right);
        if (typeof l === 'number' && typeof r === 'number') return l + r;
        if (typeof l === 'string' && typeof r === 'string') return l + r;
        if (Array.isArray(l) && Array.isArray(r)) return [...l, ...r];
        throw new ExprError(`cannot add ${describe(l)} and ${describe(r)}`);
      }
      case '-':
      case '*':
      case '/':
      case '%': {
        const l = this.need(b.left);
        const r = this.need(b.right);
        if (typeof l !== 'number' || typeof r !== 'number') throw new ExprError(`\`${op}\` needs numbers, got ${describe(l)} and ${describe(r)}`);
        if ((op === '/' || op === '%') && r === 0) throw new ExprError('division by zero');
        return op === '-' ? l - r : op === '*' ? l * r : op === '/' ? l / r : l % r;
      }
      case '|':
        return this.filter(b);
      case 'is':
      case 'is not': {
        const name = calleeName(b.right)!;
        const v = this.eval(b.left);
        const args = b.right.type === 'CallExpression' ? (b.right as jsep.CallExpression).arguments.map((a) => this.need(a)) : [];
        if (v instanceof Undef && name !== 'defined' && name !== 'undefined') throw new UndefinedVar(v.path);
        const r = TESTS[name]!(v, ...args);
        return op === 'is' ? r : !r;
      }
      default:
        throw new ExprError(`operator \`${op}\` is not supported`);
    }
  }

  filter(b: jsep.BinaryExpression): unknown {
    const name = calleeName(b.right)!;
    const v = this.eval(b.left);
    const args = b.right.type === 'CallExpression' ? (b.right as jsep.CallExpression).arguments.map((a) => this.need(a)) : [];
    if (v instanceof Undef) {
      if (name === 'default' || name === 'd') return args.length > 0 ? args[0] : '';
      if (name !== 'mandatory') throw new UndefinedVar(v.path);
      throw new ExprError(typeof args[0] === 'string' ? args[0] : `mandatory variable '${v.path}' is not defined`);
    }
    try {
      return filters[name]!(v, ...args);
    } catch (e) {
      if (e instanceof FilterError) throw new ExprError(e.message);
      throw e;
    }
  }
}

class UndefinedVar extends Error {
  constructor(readonly path: string) {
    super(path);
  }
}

function pathOf(n: Node): string {
  if (n.type === 'Identifier') return (n as jsep.Identifier).name;
  if (n.type === 'MemberExpression') {
    const m = n as jsep.MemberExpression;
    const p = m.computed ? (m.property.type === 'Literal' ? `[${JSON.stringify((m.property as jsep.Literal).value)}]` : '[…]') : `.${(m.property as jsep.Identifier).name}`;
    return pathOf(m.object) + p;
  }
  return '(…)';
}

function compare(a: unknown, b: unknown, op: string): number {
  try {
    return compareValues(a, b);
  } catch {
    throw new ExprError(`\`${op}\` cannot compare ${describe(a)} with ${describe(b)}`, typeof a === 'string' || typeof b === 'string' ? 'convert with the `int` filter: x | int' : undefined);
  }
}

function stringify(v: unknown): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function toTsplayError(e: unknown, expr: string, loc: SourceLocation | undefined, what: string): TsplayError {
  if (e instanceof TsplayError) return e;
  if (e instanceof UndefinedVar) {
    return new TsplayError('EXPRESSION', `undefined variable '${e.path}' in ${what} \`${expr}\``, {
      location: loc,
      hint: `guard it with \`${e.path} is defined\` or give a fallback: ${e.path} | default(...)`,
    });
  }
  if (e instanceof ExprError) return new TsplayError('EXPRESSION', `${what} \`${expr}\`: ${e.message}`, { location: loc, hint: e.hint });
  return new TsplayError('EXPRESSION', `${what} \`${expr}\` failed: ${(e as Error).message}`, { location: loc });
}

function source(expr: string | boolean): string {
  return typeof expr === 'boolean' ? String(expr) : expr;
}

/** Evaluate a condition; the result must be a boolean (no truthiness guessing). */
export function evaluateCondition(expr: string | boolean, vars: Record<string, unknown>, loc?: SourceLocation): boolean {
  if (typeof expr === 'boolean') return expr;
  let v: unknown;
  try {
    v = new Evaluator(vars).need(parse(expr));
  } catch (e) {
    throw toTsplayError(e, expr, loc, 'condition');
  }
  if (typeof v !== 'boolean') {
    throw new TsplayError('EXPRESSION', `condition \`${expr}\` gave ${describe(v)}, not true/false`, {
      location: loc,
      hint: 'compare explicitly, e.g. `x == "yes"`, `x | length > 0`, `x is defined`, or use the `bool` filter',
    });
  }
  return v;
}

/** All conditions of a `when:` list must hold (evaluated in order, stopping at the first false). */
export function evaluateConditions(exprs: Array<string | boolean>, vars: Record<string, unknown>, loc?: SourceLocation): boolean {
  for (const e of exprs) if (!evaluateCondition(e, vars, loc)) return false;
  return true;
}

/** Evaluate an expression to its value (`debug: var=`, `assert` helpers). Undefined is an error. */
export function evaluateValue(expr: string, vars: Record<string, unknown>, loc?: SourceLocation): unknown {
  try {
    return new Evaluator(vars).need(parse(expr));
  } catch (e) {
    throw toTsplayError(e, expr, loc, 'expression');
  }
}

/** Parse-only check for load time: returns the syntax problems of a condition (empty when fine). */
export function checkExpression(expr: string | boolean, loc?: SourceLocation): TsplayError[] {
  if (typeof expr === 'boolean') return [];
  try {
    parse(expr);
    return [];
  } catch (e) {
    return [toTsplayError(e, source(expr), loc, 'condition')];
  }
}
