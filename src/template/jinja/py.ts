/**
 * Python's value semantics as Jinja2 (and so Ansible) sees them, on plain JavaScript values.
 *
 * The value model:
 * - str: string; int: integral number; float: non-integral number, NaN/±Infinity, or a PyFloat
 *   box for an integral float (`4 / 2` is `2.0` in Python and prints so);
 * - bool: boolean; None: null; an undefined variable: an Undefined (never a bare JS undefined
 *   inside the engine);
 * - list: array; tuple: array marked with `tuple()`; dict: plain object (own enumerable keys);
 * - callables (macros, bound methods, lookups): PyCallable.
 */

export class PyFloat {
  constructor(readonly v: number) {}
  valueOf(): number {
    return this.v;
  }
}

/** A Jinja2 undefined value (Ansible's AnsibleUndefined: strict, chained attribute access). */
export class Undefined {
  constructor(
    /** What was looked up, for messages: `foo` or `foo.bar`. */
    readonly name: string,
    /** Jinja's message: "'foo' is undefined" or "'dict object' has no attribute 'bar'". */
    readonly message: string,
  ) {}
}

/** Jinja's plain Undefined (an inline `x if c` without else): prints as '' and is false. */
export class SilentUndefined extends Undefined {}

export function isUndefined(v: unknown): v is Undefined {
  return v instanceof Undefined;
}

/** Raised for Python-level errors (TypeError, ValueError…) inside templates; rendered as template errors. */
export class PyError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
  }
}

/** Raised when an Undefined is used where a value is needed (printed, iterated, compared…). */
export class UndefinedError extends Error {
  constructor(readonly undef: Undefined) {
    super(undef.message);
  }
}

export type Kwargs = Record<string, unknown>;

/** Something callable from a template: macros, bound methods, globals such as lookup/range. */
export class PyCallable {
  constructor(
    readonly name: string,
    readonly fn: (args: unknown[], kwargs: Kwargs) => unknown,
    /** Python's type name (type_debug): bound methods are builtin_function_or_method. */
    readonly pyType: string = 'function',
  ) {}
}

const TUPLE = Symbol('tuple');

/** Mark an array as a Python tuple (prints as `(a, b)`; equal to no list). */
export function tuple<T>(items: T[]): T[] {
  Object.defineProperty(items, TUPLE, { value: true, enumerable: false });
  return items;
}

export function isTuple(v: unknown): boolean {
  return Array.isArray(v) && (v as unknown as Record<symbol, unknown>)[TUPLE] === true;
}

/** A dict: a plain object (class instances such as loop contexts, Undefined, PyFloat are not). */
export function isDict(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** An object with Python attributes of its own (loop, namespace, cycler…). */
export interface PyObject {
  pyGetattr(name: string): unknown;
  pyTypeName: string;
}

export function isPyObject(v: unknown): v is PyObject {
  return v !== null && typeof v === 'object' && typeof (v as PyObject).pyGetattr === 'function';
}

const RANGE = Symbol('range');

/** Mark a list as made by range() (prints as `range(0, 3)` inside other values, as Python does). */
export function markRange(items: number[], start: number, stop: number, step: number): number[] {
  Object.defineProperty(items, RANGE, { value: step === 1 ? `range(${start}, ${stop})` : `range(${start}, ${stop}, ${step})`, enumerable: false });
  return items;
}

export function isRange(v: unknown): boolean {
  return Array.isArray(v) && (v as unknown as Record<symbol, unknown>)[RANGE] !== undefined;
}

export function isNumber(v: unknown): boolean {
  return (typeof v === 'number' || v instanceof PyFloat) && typeof v !== 'boolean';
}

/** A number as Python's arithmetic sees it: int, float, or bool (bool is an int subclass). */
export function isNumeric(v: unknown): boolean {
  return isNumber(v) || typeof v === 'boolean';
}

export function isInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v);
}

export function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

/** The number inside an int, float or bool (True is 1). */
export function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new PyError('TypeError', `expected a number, got ${typeName(v)}`);
}

/** A Python float from a JS number: boxed when integral so it still prints as `2.0`. */
export function float(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

/** Strip engine-internal boxes for the outside world (PyFloat → number, deep). */
export function toPlain(v: unknown): unknown {
  if (v instanceof PyFloat) return v.v;
  if (Array.isArray(v)) return v.map(toPlain);
  if (isDict(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toPlain(x);
    return out;
  }
  return v;
}

/** Python's type name, as type_debug and error messages give it. */
export function typeName(v: unknown): string {
  if (v === null) return 'NoneType';
  if (v instanceof Undefined) return 'AnsibleUndefined';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'str';
  if (isInt(v)) return 'int';
  if (isFloat(v)) return 'float';
  if (isRange(v)) return 'range';
  if (isTuple(v)) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyCallable) return v.pyType;
  if (isPyObject(v)) return v.pyTypeName;
  if (v instanceof Date) return 'datetime';
  if (isDict(v)) return 'dict';
  return typeof v;
}

/** Python's repr() of a float: shortest round-trip digits, exponent past 1e16 / below 1e-4. */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(n);
  if (abs >= 1e16 || abs < 1e-4) {
    // JS: 1e+21, 1.5e-7; Python: 1e+21, 1.5e-07 (two-digit exponent at least)
    const [m, e] = n.toExponential().split('e') as [string, string];
    const sign = e.startsWith('-') ? '-' : '+';
    const digits = e.replace(/^[+-]/, '');
    return `${m}e${sign}${digits.padStart(2, '0')}`;
  }
  const s = String(n);
  if (s.includes('e')) {
    // JS uses exponents from 1e21 only; in [1e16, 1e21) we returned above; below 1e-6 JS goes exponential
    return n.toFixed(20).replace(/0+$/, '');
  }
  return s.includes('.') ? s : `${s}.0`;
}

/** Python's repr() of a string. */
export function strRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += '\\' + q;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c >= 0x80 && c < 0xa0) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c === 0xad) out += '\\xad';
    else if ((c >= 0xd800 && c <= 0xdfff) || c === 0x2028 || c === 0x2029 || (c >= 0xfff0 && c <= 0xffff && c !== 0xfffd)) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + q;
}

/** Ansible's NativeJinjaText: the text a string-type filter (to_json, string…) printed; never literal_eval'd. */
export class NativeText extends String {}

/** A boxed string (an `!unsafe` text) read as the plain string it holds; other values unchanged. */
export function unbox(v: unknown): unknown {
  return v instanceof String ? v.valueOf() : v;
}

/** Python's repr(). */
export function repr(v: unknown): string {
  if (v instanceof String) return strRepr(v.valueOf());
  if (typeof v === 'string') return strRepr(v);
  if (Array.isArray(v)) {
    const items = v.map(repr);
    const range = (v as unknown as Record<symbol, string | undefined>)[RANGE];
    if (range) return range;
    if (isTuple(v)) return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    return `[${items.join(', ')}]`;
  }
  if (isDict(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${strRepr(k)}: ${repr(x)}`)
      .join(', ')}}`;
  return str(v);
}

/** Python's str(): what `{{ v }}` prints. */
export function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof String) return v.valueOf();
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v instanceof PyFloat) return floatRepr(v.v);
  if (typeof v === 'number') return Number.isInteger(v) ? intStr(v) : floatRepr(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof SilentUndefined) return '';
  if (v instanceof Undefined) throw new UndefinedError(v);
  if (v instanceof PyCallable) return `<function ${v.name}>`;
  if (v instanceof Date) return pyDatetimeStr(v);
  if (Array.isArray(v) || isDict(v)) return repr(v);
  if (v === undefined) return '';
  return String(v);
}

function intStr(n: number): string {
  if (Math.abs(n) < 1e21) return n.toFixed(0);
  return BigInt(n).toString();
}

function pyDatetimeStr(d: Date): string {
  const iso = d.toISOString(); // 2001-12-14T21:59:43.100Z
  const [date, rest] = iso.split('T') as [string, string];
  const time = rest.replace('Z', '').replace(/\.000$/, '');
  return `${date} ${time.includes('.') ? time.replace(/\.(\d+)$/, (_m, f: string) => '.' + f.padEnd(6, '0')) : time}`;
}

/** Python truthiness (an Undefined raises, as Ansible's strict undefined does). */
export function truthy(v: unknown): boolean {
  if (v instanceof SilentUndefined) return false;
  if (v instanceof Undefined) throw new UndefinedError(v);
  if (v === null || v === undefined || v === false) return false;
  if (v === true) return true;
  if (typeof v === 'number') return v !== 0;
  if (v instanceof PyFloat) return v.v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return true;
}

/** Python ==. */
export function eq(a: unknown, b: unknown): boolean {
  // Ansible's undefined is strict: comparing it is an error
  if (a instanceof Undefined && !(a instanceof SilentUndefined)) throw new UndefinedError(a);
  if (b instanceof Undefined && !(b instanceof SilentUndefined)) throw new UndefinedError(b);
  if (a instanceof Undefined || b instanceof Undefined) return a instanceof Undefined && b instanceof Undefined;
  const an = isNumeric(a);
  const bn = isNumeric(b);
  if (an && bn) return num(a) === num(b);
  if (an !== bn) return false;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (isTuple(a) !== isTuple(b)) return false;
    return a.length === b.length && a.every((x, i) => eq(x, b[i]));
  }
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && eq(a[k], b[k]));
  }
  return a === b;
}

/** Python ordering (<): numbers, strings, lists/tuples lexicographically; else TypeError. Returns -1/0/1. */
export function cmp(a: unknown, b: unknown, op = '<'): number {
  if (a instanceof Undefined) throw new UndefinedError(a);
  if (b instanceof Undefined) throw new UndefinedError(b);
  const an = isNumeric(a);
  const bn = isNumeric(b);
  if (an && bn) {
    const x = num(a);
    const y = num(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!eq(a[i], b[i])) return cmp(a[i], b[i], op);
    }
    return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
  }
  throw new PyError('TypeError', `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python `x in container`. */
export function contains(container: unknown, x: unknown): boolean {
  if (container instanceof Undefined) throw new UndefinedError(container);
  if (typeof container === 'string') {
    if (typeof x !== 'string') throw new PyError('TypeError', `'in <string>' requires string as left operand, not ${typeName(x)}`);
    return container.includes(x);
  }
  if (Array.isArray(container)) return container.some((y) => eq(y, x));
  if (isDict(container)) return dictKey(container, x) !== undefined;
  throw new PyError('TypeError', `argument of type '${typeName(container)}' is not iterable`);
}

/** The own key of a dict matching a Python key (ints match their decimal string, as YAML keys do here). */
export function dictKey(d: Record<string, unknown>, key: unknown): string | undefined {
  let k: string;
  if (typeof key === 'string') k = key;
  else if (isInt(key) || typeof key === 'boolean' || key === null || isFloat(key)) k = str(key);
  else return undefined;
  return Object.hasOwn(d, k) ? k : undefined;
}

/** Python iteration: list items, dict keys, string characters. */
export function iterate(v: unknown): unknown[] {
  if (v instanceof SilentUndefined) return [];
  if (v instanceof Undefined) throw new UndefinedError(v);
  if (Array.isArray(v)) return v.map(unbox);
  if (typeof v === 'string') return [...v];
  if (isDict(v)) return Object.keys(v);
  throw new PyError('TypeError', `'${typeName(v)}' object is not iterable`);
}

/** Python len(). */
export function len(v: unknown): number {
  if (v instanceof Undefined) throw new UndefinedError(v);
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (isDict(v)) return Object.keys(v).length;
  throw new PyError('TypeError', `object of type '${typeName(v)}' has no len()`);
}

/** Bind Python-style arguments: names in order, `name=default` for optional ones. Throws TypeError like Python. */
export function bindArgs(fname: string, spec: string[], args: unknown[], kwargs: Kwargs, defaults: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (args.length > spec.length) throw new PyError('TypeError', `${fname}() takes at most ${spec.length} arguments (${args.length} given)`);
  spec.forEach((name, i) => {
    if (i < args.length) out[name] = args[i];
  });
  for (const [k, v] of Object.entries(kwargs)) {
    if (!spec.includes(k)) throw new PyError('TypeError', `${fname}() got an unexpected keyword argument '${k}'`);
    if (k in out) throw new PyError('TypeError', `${fname}() got multiple values for argument '${k}'`);
    out[k] = v;
  }
  for (const name of spec) {
    if (!(name in out)) {
      if (name in defaults) out[name] = defaults[name];
      else throw new PyError('TypeError', `${fname}() missing required argument '${name}'`);
    }
  }
  return out;
}
