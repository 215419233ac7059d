/**
 * Shared helpers of the filter library: Ansible's error types, Python conversions
 * (to_text, int(), float()), attribute getters as Jinja's make_attrgetter builds them.
 */
import type { CallContext } from '../types.js';
import { PyError, PyFloat, Undefined, UndefinedError, dictKey, isDict, isInt, isTuple, num, str, typeName } from '../py.js';

export const filterError = (msg: string): PyError => new PyError('AnsibleFilterError', msg);
export const filterTypeError = (msg: string): PyError => new PyError('AnsibleFilterTypeError', msg);
export const argError = (msg: string): PyError => new PyError('FilterArgumentError', msg);

/** AnsibleFilterError(prefix + str(e), orig_exc=e): its str() appends the original error (". <e>"). */
export function wrapped(prefix: string, e: PyError, msg = prefix + e.message): PyError {
  return new PyError('AnsibleFilterError', `${msg}. ${e.message}`);
}

/** Python's `type(x)` as printed in messages: `<class 'list'>`. */
export function pyClass(v: unknown): string {
  return `<class '${typeName(v)}'>`;
}

/** Ansible's to_text(v, nonstring='simplerepr') / Jinja's soft_str: str() of anything. */
export function text(v: unknown): string {
  return str(v);
}

/** Python's bool() of a filter argument (None/0/''/[] false). */
export function pyBool(v: unknown): boolean {
  if (v instanceof Undefined) throw new UndefinedError(v);
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (v instanceof PyFloat) return v.v !== 0;
  if (typeof v === 'number') return v !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return true;
}

/** Python's int() of a number or bool (truncating), TypeError otherwise. */
export function toIntArg(v: unknown, what = 'int'): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || v instanceof PyFloat) {
    const n = num(v);
    if (!Number.isFinite(n))
      throw new PyError(Number.isNaN(n) ? 'ValueError' : 'OverflowError', Number.isNaN(n) ? 'cannot convert float NaN to integer' : 'cannot convert float infinity to integer');
    return Math.trunc(n);
  }
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return parseInt(v, 10);
  throw new PyError('TypeError', `'${typeName(v)}' object cannot be interpreted as an integer${what ? '' : ''}`);
}

/** Python code points of a string (len and slicing count these, not UTF-16 units). */
export function chars(s: string): string[] {
  return [...s];
}

/** Python's str.splitlines(). */
export function splitlines(s: string, keepends = false): string[] {
  const out: string[] = [];
  const re = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    out.push(s.slice(last, keepends ? m.index + m[0].length : m.index));
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

/** Python's whitespace for str.split()/strip() without arguments. */
export const PY_WS = ' \t\n\r\v\f\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

export function pyStrip(s: string, charsArg?: string | null, left = true, right = true): string {
  const set = charsArg === undefined || charsArg === null ? PY_WS : charsArg;
  const cs = [...s];
  let a = 0;
  let b = cs.length;
  if (left) while (a < b && set.includes(cs[a]!)) a++;
  if (right) while (b > a && set.includes(cs[b - 1]!)) b--;
  return cs.slice(a, b).join('');
}

/** Python's str.split(sep=None, maxsplit=-1). */
export function pySplit(s: string, sep: string | null = null, maxsplit = -1): string[] {
  if (sep === null) {
    const out: string[] = [];
    let i = 0;
    const cs = [...s];
    while (i < cs.length) {
      while (i < cs.length && PY_WS.includes(cs[i]!)) i++;
      if (i >= cs.length) break;
      if (maxsplit >= 0 && out.length >= maxsplit) {
        out.push(pyStrip(cs.slice(i).join(''), null, false, true));
        return out;
      }
      let j = i;
      while (j < cs.length && !PY_WS.includes(cs[j]!)) j++;
      out.push(cs.slice(i, j).join(''));
      i = j;
    }
    return out;
  }
  if (sep === '') throw new PyError('ValueError', 'empty separator');
  const parts = s.split(sep);
  if (maxsplit < 0 || parts.length <= maxsplit + 1) return parts;
  return [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(sep)];
}

/** Python's str.replace(old, new, count). */
export function pyReplace(s: string, old: string, rep: string, count = -1): string {
  if (count < 0) {
    if (old === '') {
      const cs = [...s];
      return rep + cs.join(rep) + (cs.length ? rep : '');
    }
    return s.split(old).join(rep);
  }
  let out = '';
  let rest = s;
  let n = 0;
  if (old === '') {
    const cs = [...s];
    for (let i = 0; i <= cs.length; i++) {
      if (n < count) {
        out += rep;
        n++;
      }
      if (i < cs.length) out += cs[i];
    }
    return out;
  }
  while (n < count) {
    const i = rest.indexOf(old);
    if (i < 0) break;
    out += rest.slice(0, i) + rep;
    rest = rest.slice(i + old.length);
    n++;
  }
  return out + rest;
}

/** Jinja's environment.getitem for one path part (int parts index lists). */
export function getitem(obj: unknown, part: string | number): unknown {
  if (obj instanceof Undefined) throw new UndefinedError(obj);
  if (Array.isArray(obj)) {
    if (typeof part === 'number') {
      const i = part < 0 ? obj.length + part : part;
      if (i >= 0 && i < obj.length) return obj[i];
    }
    return new Undefined(String(part), `${typeName(obj) === 'tuple' ? 'tuple' : 'list'} object has no element ${part}`);
  }
  if (typeof obj === 'string' && typeof part === 'number') {
    const cs = [...obj];
    const i = part < 0 ? cs.length + part : part;
    if (i >= 0 && i < cs.length) return cs[i];
    return new Undefined(String(part), `str object has no element ${part}`);
  }
  if (isDict(obj)) {
    const k = dictKey(obj, part);
    if (k !== undefined) return obj[k];
    return new Undefined(String(part), `'dict object' has no attribute '${part}'`);
  }
  return new Undefined(String(part), `'${typeName(obj)} object' has no attribute '${part}'`);
}

/** Jinja's _prepare_attribute_parts. */
export function attrParts(attr: unknown): (string | number)[] {
  if (attr === null || attr === undefined) return [];
  if (typeof attr === 'string') return attr.split('.').map((x) => (/^\d+$/.test(x) ? parseInt(x, 10) : x));
  if (isInt(attr)) return [attr as number];
  return [str(attr)];
}

export function lowerIfStr(v: unknown): unknown {
  return typeof v === 'string' ? v.toLowerCase() : v;
}

/** One step of an attribute path: the engine's getattr when there is a context (same errors as templates), else getitem. */
function step(obj: unknown, part: string | number, ctx?: CallContext): unknown {
  if (!ctx) return getitem(obj, part);
  if (obj instanceof Undefined) throw new UndefinedError(obj);
  return ctx.getattr(obj, String(part));
}

/** Jinja's make_attrgetter. */
export function attrGetter(attribute: unknown, postprocess?: (v: unknown) => unknown, dflt: unknown = null, ctx?: CallContext): (item: unknown) => unknown {
  const parts = attrParts(attribute);
  return (item) => {
    for (const p of parts) {
      item = step(item, p, ctx);
      if (dflt !== null && dflt !== undefined && item instanceof Undefined) item = dflt;
    }
    return postprocess ? postprocess(item) : item;
  };
}

/** Jinja's make_multi_attrgetter (comma-separated attributes → list of values). */
export function multiAttrGetter(attribute: unknown, postprocess?: (v: unknown) => unknown, ctx?: CallContext): (item: unknown) => unknown[] {
  const split = typeof attribute === 'string' ? attribute.split(',') : [attribute];
  const parts = split.map(attrParts);
  return (item) =>
    parts.map((ps) => {
      let x = item;
      for (const p of ps) x = step(x, p, ctx);
      return postprocess ? postprocess(x) : x;
    });
}

/** A stable sort by Python ordering of keys. */
export function pySorted<T>(items: T[], key: (x: T) => unknown, reverse: boolean, cmpFn: (a: unknown, b: unknown) => number): T[] {
  const keyed = items.map((x, i) => ({ x, k: key(x), i }));
  keyed.sort((a, b) => {
    const c = reverse ? cmpFn(b.k, a.k) : cmpFn(a.k, b.k);
    return c !== 0 ? c : a.i - b.i;
  });
  return keyed.map((e) => e.x);
}

/** Values of an iterable as a list, Python-style (dict → keys, str → chars). */
export function isSequenceLike(v: unknown): boolean {
  return Array.isArray(v) || typeof v === 'string' || isDict(v);
}

export { isTuple };

/** Ansible's is_sequence: list/tuple (not strings, not dicts). */
export function isSeq(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

export type { CallContext };

/** Python's a + b for the types templates add (numbers, str, list, tuple). */
export function pyAdd(a: unknown, b: unknown): unknown {
  const an = typeof a === 'boolean' || typeof a === 'number' || a instanceof PyFloat;
  const bn = typeof b === 'boolean' || typeof b === 'number' || b instanceof PyFloat;
  if (an && bn) {
    const r = num(a) + num(b);
    const isF = (x: unknown) => x instanceof PyFloat || (typeof x === 'number' && !Number.isInteger(x));
    return isF(a) || isF(b) ? (Number.isInteger(r) ? new PyFloat(r) : r) : r;
  }
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) {
    const r = [...a, ...b];
    return isTuple(a) ? tupleOf(r) : r;
  }
  if (Array.isArray(a)) throw new PyError('TypeError', `can only concatenate ${typeName(a)} (not "${typeName(b)}") to ${typeName(a)}`);
  if (typeof a === 'string') throw new PyError('TypeError', `can only concatenate str (not "${typeName(b)}") to str`);
  throw new PyError('TypeError', `unsupported operand type(s) for +: '${typeName(a)}' and '${typeName(b)}'`);
}
import { tuple as tupleOf } from '../py.js';

/** Python hashability (for set-based filters): str, numbers, bool, None, tuples of hashables. */
export function hashable(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat) return true;
  if (isTuple(v)) return (v as unknown[]).every(hashable);
  return false;
}
