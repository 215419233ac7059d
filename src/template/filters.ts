import path from 'node:path';
import { stringify as yamlStringify } from 'yaml';
import { quote } from '../commands/quote.js';
import { ansibleBoolean } from '../config/boolean.js';

/**
 * The filters Ansible users reach for most, as plain functions `(value, ...args) => result`.
 * They back both template helpers (`{{ upper x }}`, `{{ x | upper }}`) and expression filters
 * (`when: out.stdout | length > 0`). Filters never see `undefined` except `default`/`mandatory`:
 * callers turn an undefined input into an "undefined variable" error first.
 */
export type FilterFn = (value: unknown, ...args: unknown[]) => unknown;

/** Raised by a filter for bad input; callers wrap it with the location. */
export class FilterError extends Error {}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

function asString(v: unknown, filter: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new FilterError(`${filter} expects a string, got ${typeName(v)}`);
}

function asList(v: unknown, filter: string): unknown[] {
  if (Array.isArray(v)) return v;
  throw new FilterError(`${filter} expects a list, got ${typeName(v)}`);
}

/** Python/Jinja-like truthiness is deliberately absent; `bool` follows Ansible's `bool` filter. */
export function toBool(v: unknown): boolean {
  return ansibleBoolean(v) ?? false;
}

function toInt(v: unknown, def: unknown = 0): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^\s*[+-]?\d+(\.\d+)?\s*$/.test(v)) return Math.trunc(Number(v));
  return typeof def === 'number' ? def : 0;
}

function toFloat(v: unknown, def: unknown = 0): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return typeof def === 'number' ? def : 0;
}

function length(v: unknown): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (v !== null && typeof v === 'object') return Object.keys(v).length;
  throw new FilterError(`length expects a string, list or object, got ${typeName(v)}`);
}

/** Structural equality, as Python's `==` on JSON-like data. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b as object, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new FilterError(`cannot compare ${typeName(a)} with ${typeName(b)}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Copy of an object without prototype-polluting keys. */
function safeEntries(o: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(o).filter(([k]) => k !== '__proto__' && k !== 'constructor' && k !== 'prototype');
}

function combine(a: unknown, ...rest: unknown[]): Record<string, unknown> {
  let out: Record<string, unknown> = {};
  for (const o of [a, ...rest]) {
    if (!isPlainObject(o)) throw new FilterError(`combine expects objects, got ${typeName(o)}`);
    for (const [k, v] of safeEntries(o)) out = { ...out, [k]: v };
  }
  return out;
}

/** Filter table. Keys are the names users write (Jinja names); aliases included. */
export const filters: Record<string, FilterFn> = {
  default: (v, def = '', boolean = false) => (v === undefined || (boolean === true && !v) ? def : v),
  mandatory: (v, msg) => {
    if (v === undefined) throw new FilterError(typeof msg === 'string' ? msg : 'mandatory variable is not defined');
    return v;
  },
  join: (v, sep = '') =>
    asList(v, 'join')
      .map((x) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x ?? '')))
      .join(String(sep)),
  upper: (v) => asString(v, 'upper').toUpperCase(),
  lower: (v) => asString(v, 'lower').toLowerCase(),
  capitalize: (v) => {
    const s = asString(v, 'capitalize');
    return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
  },
  trim: (v) => asString(v, 'trim').trim(),
  int: (v, def) => toInt(v, def),
  float: (v, def) => toFloat(v, def),
  bool: (v) => toBool(v),
  string: (v) => (typeof v === 'string' ? v : v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)),
  to_json: (v) => JSON.stringify(v),
  to_nice_json: (v, indent = 4) => JSON.stringify(v, null, typeof indent === 'number' ? indent : 4),
  from_json: (v) => {
    try {
      return JSON.parse(asString(v, 'from_json'));
    } catch (e) {
      throw new FilterError(`from_json: ${(e as Error).message}`);
    }
  },
  to_yaml: (v) => yamlStringify(v).trimEnd(),
  to_nice_yaml: (v) => yamlStringify(v),
  b64encode: (v) => Buffer.from(asString(v, 'b64encode'), 'utf8').toString('base64'),
  b64decode: (v) => Buffer.from(asString(v, 'b64decode'), 'base64').toString('utf8'),
  length,
  count: length,
  first: (v) => (typeof v === 'string' ? v.charAt(0) : asList(v, 'first')[0]),
  last: (v) => (typeof v === 'string' ? v.charAt(v.length - 1) : asList(v, 'last').at(-1)),
  unique: (v) => asList(v, 'unique').filter((x, i, arr) => arr.findIndex((y) => deepEqual(x, y)) === i),
  sort: (v, reverse = false) => {
    const out = [...asList(v, 'sort')].sort(compareValues);
    return reverse === true ? out.reverse() : out;
  },
  reverse: (v) => (typeof v === 'string' ? [...v].reverse().join('') : [...asList(v, 'reverse')].reverse()),
  min: (v) => [...asList(v, 'min')].sort(compareValues)[0],
  max: (v) => [...asList(v, 'max')].sort(compareValues).at(-1),
  flatten: (v) => asList(v, 'flatten').flat(Infinity),
  split: (v, sep) => (sep === undefined ? asString(v, 'split').trim().split(/\s+/) : asString(v, 'split').split(String(sep))),
  replace: (v, from, to = '') => asString(v, 'replace').split(asString(from, 'replace')).join(asString(to, 'replace')),
  regex_replace: (v, pattern, to = '') =>
    asString(v, 'regex_replace').replace(new RegExp(asString(pattern, 'regex_replace'), 'g'), asString(to, 'regex_replace').replace(/\\(\d)/g, '$$$1')),
  regex_search: (v, pattern) => {
    const m = new RegExp(asString(pattern, 'regex_search')).exec(asString(v, 'regex_search'));
    return m ? m[0] : null;
  },
  basename: (v) => path.posix.basename(asString(v, 'basename')),
  dirname: (v) => path.posix.dirname(asString(v, 'dirname')),
  quote: (v) => quote(asString(v, 'quote')),
  dict2items: (v) => {
    if (!isPlainObject(v)) throw new FilterError(`dict2items expects an object, got ${typeName(v)}`);
    return safeEntries(v).map(([key, value]) => ({ key, value }));
  },
  items2dict: (v) => {
    const out: Record<string, unknown> = {};
    for (const it of asList(v, 'items2dict')) {
      if (!isPlainObject(it) || typeof it.key !== 'string') throw new FilterError('items2dict expects a list of {key, value}');
      if (it.key === '__proto__' || it.key === 'constructor' || it.key === 'prototype') continue;
      out[it.key] = it.value;
    }
    return out;
  },
  combine,
  ternary: (v, yes, no) => (v === true ? yes : no),
  abs: (v) => Math.abs(toFloat(v)),
  round: (v, digits = 0) => {
    const f = 10 ** toInt(digits);
    return Math.round(toFloat(v) * f) / f;
  },
};

/** Jinja aliases. */
filters.d = filters.default!;

/** Helpers that exist only in handlebars form (comparisons, logic), in addition to every filter. */
export const logicHelpers: Record<string, FilterFn> = {
  eq: (a, b) => deepEqual(a, b),
  ne: (a, b) => !deepEqual(a, b),
  lt: (a, b) => compareValues(a, b) < 0,
  le: (a, b) => compareValues(a, b) <= 0,
  gt: (a, b) => compareValues(a, b) > 0,
  ge: (a, b) => compareValues(a, b) >= 0,
  and: (...xs) => xs.every((x) => x === true),
  or: (...xs) => xs.some((x) => x === true),
  not: (v) => v !== true,
  contains: (hay, needle) => (typeof hay === 'string' ? hay.includes(String(needle)) : Array.isArray(hay) ? hay.some((x) => deepEqual(x, needle)) : false),
};

export { compareValues, typeName };
