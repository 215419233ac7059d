/** The Jinja2 and Ansible tests (`x is name(args)`), with Python semantics. */
import fs from 'node:fs';
import type { Test } from './types.js';
import {
  PyCallable,
  PyError,
  PyFloat,
  Undefined,
  UndefinedError,
  bindArgs,
  cmp,
  contains,
  eq,
  isDict,
  isFloat,
  isInt,
  isNumber,
  isNumeric,
  isTuple,
  iterate,
  num,
  str,
  truthy,
  typeName,
} from './py.js';
import { compile, search as reSearch } from './filters/regex.js';
import { pyAbspath } from './filters/paths.js';
import { filterError, hashable } from './filters/common.js';
import { filters } from './filters/index.js';

const ferr = filterError;

function resultDict(v: unknown, name: string): Record<string, unknown> {
  if (!isDict(v)) throw ferr(`The '${name}' test expects a dictionary`);
  return v;
}
function get(d: Record<string, unknown>, k: string, dflt: unknown): unknown {
  return Object.hasOwn(d, k) ? d[k] : dflt;
}

function failed(v: unknown): boolean {
  return truthy(get(resultDict(v, 'failed'), 'failed', false));
}
function unreachable(v: unknown): boolean {
  return truthy(get(resultDict(v, 'unreachable'), 'unreachable', false));
}
function changed(v: unknown): boolean {
  const r = resultDict(v, 'changed');
  if (!Object.hasOwn(r, 'changed')) {
    const res = r.results;
    if (Array.isArray(res) && !isTuple(res) && !res.length) throw new PyError('IndexError', 'list index out of range');
    if (Array.isArray(res) && !isTuple(res) && isDict(res[0])) return res.some((x) => isDict(x) && truthy(get(x, 'changed', false)));
    return false;
  }
  return truthy(r.changed);
}
function asyncState(v: unknown, key: 'finished' | 'started'): boolean {
  const r = resultDict(v, key);
  if (Object.hasOwn(r, key)) return eq(r[key], 1);
  return true;
}

function regexTest(value: unknown, pattern: unknown, ignorecase: unknown, multiline: unknown, matchType: string): boolean {
  const rx = compile(str(pattern), (truthy(ignorecase) ? 'i' : '') + (truthy(multiline) ? 'm' : ''));
  if (!['search', 'match', 'fullmatch'].includes(matchType)) throw new PyError('TypeError', "'str' object is not callable");
  return reSearch(rx, str(value), matchType as 'search' | 'match' | 'fullmatch') !== null;
}

// --- version comparison (ansible.module_utils.compat.version, ansible.utils.version)
type VCmp = (a: string, b: string) => number;

function looseParse(v: string): unknown[] {
  return v
    .split(/(\d+|[a-z]+|\.)/)
    .filter((x) => x && x !== '.')
    .map((x) => (/^\d+$/.test(x) ? parseInt(x, 10) : x));
}
const looseCmp: VCmp = (a, b) => {
  const x = looseParse(a);
  const y = looseParse(b);
  if (eq(x, y)) return 0;
  return cmp(x, y) < 0 ? -1 : 1;
};
function strictParse(v: string): [number[], [string, number] | null] {
  const m = /^(\d+)\.(\d+)(\.(\d+))?([ab](\d+))?$/.exec(v);
  if (!m) throw new PyError('ValueError', `invalid version number '${v}'`);
  return [[+m[1]!, +m[2]!, m[4] ? +m[4] : 0], m[5] ? [m[5][0]!, +m[6]!] : null];
}
const strictCmp: VCmp = (a, b) => {
  const [va, pa] = strictParse(a);
  const [vb, pb] = strictParse(b);
  const c = cmp(va, vb);
  if (c) return c;
  if (!pa && !pb) return 0;
  if (pa && !pb) return -1;
  if (!pa && pb) return 1;
  return cmp(pa, pb);
};
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const semverCmp: VCmp = (a, b) => {
  const pa = SEMVER.exec(a);
  if (!pa) throw new PyError('ValueError', `invalid semantic version '${a}'`);
  const pb = SEMVER.exec(b);
  if (!pb) throw new PyError('ValueError', `invalid semantic version '${b}'`);
  const c = cmp([+pa[1]!, +pa[2]!, +pa[3]!], [+pb[1]!, +pb[2]!, +pb[3]!]);
  if (c) return c;
  if (!pa[4] && !pb[4]) return 0;
  if (pa[4] && !pb[4]) return -1;
  if (!pa[4] && pb[4]) return 1;
  const xa = pa[4]!.split('.');
  const xb = pb[4]!.split('.');
  for (let i = 0; i < Math.min(xa.length, xb.length); i++) {
    const p = xa[i]!;
    const q = xb[i]!;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return +p < +q ? -1 : 1;
    if (pn) return -1;
    if (qn) return 1;
    return p < q ? -1 : 1;
  }
  return xa.length === xb.length ? 0 : xa.length < xb.length ? -1 : 1;
};
function pep440Key(v: string): unknown[] {
  const m =
    /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i.exec(
      v,
    );
  if (!m) throw new PyError('InvalidVersion', `Invalid version: '${v}'`);
  const rel = m[2]!.split('.').map(Number);
  while (rel.length > 1 && rel[rel.length - 1] === 0) rel.pop();
  const preMap: Record<string, string> = { alpha: 'a', beta: 'b', c: 'rc', pre: 'rc', preview: 'rc' };
  const pre = m[3] ? [0, preMap[m[3].toLowerCase()] ?? m[3].toLowerCase(), +(m[4] ?? 0)] : null;
  const post = m[5] !== undefined ? +m[5] : m[6] ? +(m[7] ?? 0) : null;
  const dev = m[8] ? +(m[9] ?? 0) : null;
  const preK = pre ?? (post === null && dev !== null ? [-1] : [1]);
  const local = m[10]
    ? m[10]
        .toLowerCase()
        .split(/[-_.]/)
        .map((x) => (/^\d+$/.test(x) ? [1, +x] : [0, x]))
    : [[-1]];
  return [+(m[1] ?? 0), rel, preK, post === null ? [-1] : [0, post], dev === null ? [1] : [0, dev], local];
}
const pep440Cmp: VCmp = (a, b) => {
  const ka = pep440Key(a);
  const kb = pep440Key(b);
  const c = (x: unknown, y: unknown): number => {
    if (Array.isArray(x) && Array.isArray(y)) {
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const r = c(x[i], y[i]);
        if (r) return r;
      }
      return x.length - y.length;
    }
    return cmp(x, y);
  };
  return Math.sign(c(ka, kb));
};

function versionCompare(value: unknown, args: unknown[], kw: Record<string, unknown>): boolean {
  const a = bindArgs('version_compare', ['version', 'operator', 'strict', 'version_type'], args, kw, { operator: 'eq', strict: null, version_type: null });
  const opMap: Record<string, string> = {
    '==': 'eq',
    '=': 'eq',
    eq: 'eq',
    '<': 'lt',
    lt: 'lt',
    '<=': 'le',
    le: 'le',
    '>': 'gt',
    gt: 'gt',
    '>=': 'ge',
    ge: 'ge',
    '!=': 'ne',
    '<>': 'ne',
    ne: 'ne',
  };
  const typeMap: Record<string, VCmp> = { loose: looseCmp, strict: strictCmp, semver: semverCmp, semantic: semverCmp, pep440: pep440Cmp };
  if (a.strict !== null && a.version_type !== null) throw ferr("Cannot specify both 'strict' and 'version_type'");
  if (!truthy(value)) throw ferr('Input version value cannot be empty');
  if (!truthy(a.version)) throw ferr('Version parameter to compare against cannot be empty');
  let V = looseCmp;
  if (truthy(a.strict)) V = strictCmp;
  else if (truthy(a.version_type)) {
    const t = typeMap[str(a.version_type)];
    if (!t) throw ferr(`Invalid version type (${str(a.version_type)}). Must be one of 'loose', 'strict', 'semver', 'semantic', 'pep440'`);
    V = t;
  }
  const op = opMap[str(a.operator)];
  if (!op) throw ferr(`Invalid operator type (${str(a.operator)}). Must be one of '==', '=', 'eq', '<', 'lt', '<=', 'le', '>', 'gt', '>=', 'ge', '!=', '<>', 'ne'`);
  let c: number;
  try {
    c = V(str(value), str(a.version));
  } catch (e) {
    throw ferr(`Version comparison failed: ${(e as Error).message}`);
  }
  return { eq: c === 0, ne: c !== 0, lt: c < 0, le: c <= 0, gt: c > 0, ge: c >= 0 }[op]!;
}

function setOf(v: unknown): unknown[] {
  const items = iterate(v);
  for (const x of items) if (!hashable(x)) throw new PyError('TypeError', `unhashable type: '${typeName(x)}'`);
  return items;
}

/** ansible.module_utils.parsing.convert_bool.boolean (strict): unrecognised values stay as they are. */
function toBoolean(v: unknown): unknown {
  if (typeof v === 'boolean') return v;
  const s = typeof v === 'string' ? v.toLowerCase().trim() : v;
  const hit = (xs: unknown[]) => (typeof s === 'string' || typeof s === 'number') && xs.some((x) => x === s);
  if (hit(['y', 'yes', 'on', '1', 'true', 't', 1])) return true;
  if (hit(['n', 'no', 'off', '0', 'false', 'f', 0])) return false;
  return v;
}

function numArg(v: unknown): number {
  if (typeof v === 'boolean' || isNumber(v)) return num(v);
  throw new PyError('TypeError', `not all arguments converted during string formatting`);
}
function pyMod(a: number, b: number): number {
  if (b === 0) throw new PyError('ZeroDivisionError', isInt(a) && isInt(b) ? 'integer modulo by zero' : 'float modulo');
  return ((a % b) + b) % b;
}

function fsTest(fn: (p: string) => boolean): Test {
  return (v) => {
    const p = str(v);
    if (!p) return false;
    try {
      return fn(pyAbspath(p));
    } catch {
      return false;
    }
  };
}

const cmpTest =
  (op: (c: number) => boolean, sym: string): Test =>
  (v, args) =>
    op(cmp(v, args[0], sym));
const isLower = (s: string) => /\p{Ll}/u.test(s) && s === s.toLowerCase() && !/\p{Lu}|\p{Lt}/u.test(s);
const isUpper = (s: string) => /\p{Lu}/u.test(s) && s === s.toUpperCase() && !/\p{Ll}|\p{Lt}/u.test(s);

export const tests: Record<string, Test> = {
  // Jinja2 builtins
  odd: (v) => pyMod(numArg(v), 2) === 1,
  even: (v) => pyMod(numArg(v), 2) === 0,
  divisibleby: (v, args, kw) => pyMod(numArg(v), numArg(bindArgs('test_divisibleby', ['num'], args, kw).num)) === 0,
  defined: (v) => !(v instanceof Undefined),
  undefined: (v) => v instanceof Undefined,
  filter: (v) => typeof v === 'string' && Object.hasOwn(filters, v),
  test: (v) => typeof v === 'string' && Object.hasOwn(tests, v),
  none: (v) => v === null,
  boolean: (v) => typeof v === 'boolean',
  false: (v) => v === false,
  true: (v) => v === true,
  integer: (v) => isInt(v) && !(v instanceof PyFloat),
  float: (v) => isFloat(v),
  lower: (v) => isLower(str(v)),
  upper: (v) => isUpper(str(v)),
  // a boxed text (NativeJinjaText of a lookup, an !unsafe value) is a string too
  string: (v) => typeof v === 'string' || v instanceof String,
  mapping: (v) => isDict(v),
  number: (v) => isNumeric(v),
  // test_sequence swallows len()'s error; test_iterable lets iter()'s UndefinedError through
  sequence: (v) => typeof v === 'string' || Array.isArray(v) || isDict(v),
  iterable: (v) => {
    if (v instanceof Undefined) throw new UndefinedError(v);
    return typeof v === 'string' || Array.isArray(v) || isDict(v);
  },
  callable: (v) => v instanceof PyCallable,
  sameas: (v, args) => {
    const o = args[0];
    if (v === null || typeof v === 'boolean' || o === null || typeof o === 'boolean') return v === o;
    if (typeof v === 'number' && typeof o === 'number') return v === o && isInt(v) && v >= -5 && v <= 256;
    return v === o;
  },
  escaped: () => false,
  in: (v, args) => contains(args[0], v),
  '==': (v, args) => eq(v, args[0]),
  eq: (v, args) => eq(v, args[0]),
  equalto: (v, args) => eq(v, args[0]),
  '!=': (v, args) => !eq(v, args[0]),
  ne: (v, args) => !eq(v, args[0]),
  '>': cmpTest((c) => c > 0, '>'),
  gt: cmpTest((c) => c > 0, '>'),
  greaterthan: cmpTest((c) => c > 0, '>'),
  '>=': cmpTest((c) => c >= 0, '>='),
  ge: cmpTest((c) => c >= 0, '>='),
  '<': cmpTest((c) => c < 0, '<'),
  lt: cmpTest((c) => c < 0, '<'),
  lessthan: cmpTest((c) => c < 0, '<'),
  '<=': cmpTest((c) => c <= 0, '<='),
  le: cmpTest((c) => c <= 0, '<='),
  // Ansible core
  failed: (v) => failed(v),
  failure: (v) => failed(v),
  succeeded: (v) => !failed(v),
  success: (v) => !failed(v),
  successful: (v) => !failed(v),
  reachable: (v) => !unreachable(v),
  unreachable: (v) => unreachable(v),
  changed: (v) => changed(v),
  change: (v) => changed(v),
  skipped: (v) => truthy(get(resultDict(v, 'skipped'), 'skipped', false)),
  skip: (v) => truthy(get(resultDict(v, 'skipped'), 'skipped', false)),
  finished: (v) => asyncState(v, 'finished'),
  started: (v) => asyncState(v, 'started'),
  match: (v, args, kw) => {
    const a = bindArgs('match', ['pattern', 'ignorecase', 'multiline'], args, kw, { pattern: '', ignorecase: false, multiline: false });
    return regexTest(v, a.pattern, a.ignorecase, a.multiline, 'match');
  },
  search: (v, args, kw) => {
    const a = bindArgs('search', ['pattern', 'ignorecase', 'multiline'], args, kw, { pattern: '', ignorecase: false, multiline: false });
    return regexTest(v, a.pattern, a.ignorecase, a.multiline, 'search');
  },
  regex: (v, args, kw) => {
    const a = bindArgs('regex', ['pattern', 'ignorecase', 'multiline', 'match_type'], args, kw, { pattern: '', ignorecase: false, multiline: false, match_type: 'search' });
    return regexTest(v, a.pattern, a.ignorecase, a.multiline, str(a.match_type));
  },
  version_compare: (v, args, kw) => versionCompare(v, args, kw),
  version: (v, args, kw) => versionCompare(v, args, kw),
  any: (v) => iterate(v).some((x) => truthy(x)),
  all: (v) => iterate(v).every((x) => truthy(x)),
  truthy: (v, args, kw) => {
    const a = bindArgs('truthy', ['convert_bool'], args, kw, { convert_bool: false });
    return truthy(truthy(a.convert_bool) ? toBoolean(v) : v);
  },
  falsy: (v, args, kw) => {
    const a = bindArgs('falsy', ['convert_bool'], args, kw, { convert_bool: false });
    return !truthy(truthy(a.convert_bool) ? toBoolean(v) : v);
  },
  vault_encrypted: () => false,
  // files (controller side)
  directory: fsTest((p) => fs.statSync(p).isDirectory()),
  is_dir: fsTest((p) => fs.statSync(p).isDirectory()),
  file: fsTest((p) => fs.statSync(p).isFile()),
  is_file: fsTest((p) => fs.statSync(p).isFile()),
  link: fsTest((p) => fs.lstatSync(p).isSymbolicLink()),
  is_link: fsTest((p) => fs.lstatSync(p).isSymbolicLink()),
  exists: fsTest((p) => fs.existsSync(p)),
  link_exists: fsTest((p) => {
    fs.lstatSync(p);
    return true;
  }),
  abs: (v) => str(v).startsWith('/'),
  is_abs: (v) => str(v).startsWith('/'),
  same_file: (v, args) => {
    const a = fs.statSync(pyAbspath(str(v)));
    const b = fs.statSync(pyAbspath(str(args[0])));
    return a.dev === b.dev && a.ino === b.ino;
  },
  is_same_file: (v, args) => tests.same_file!(v, args, {}, undefined as never),
  mount: fsTest((p) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return false;
    const parent = fs.lstatSync(p.replace(/\/[^/]*$/, '') || '/');
    return st.dev !== parent.dev || st.ino === parent.ino;
  }),
  is_mount: (v, args, kw, ctx) => tests.mount!(v, args, kw, ctx),
  // mathstuff
  subset: (v, args) => {
    const b = setOf(args[0]);
    return setOf(v).every((x) => b.some((y) => eq(x, y)));
  },
  issubset: (v, args, kw, ctx) => tests.subset!(v, args, kw, ctx),
  superset: (v, args) => {
    const a = setOf(v);
    return setOf(args[0]).every((x) => a.some((y) => eq(x, y)));
  },
  issuperset: (v, args, kw, ctx) => tests.superset!(v, args, kw, ctx),
  contains: (v, args) => contains(v, args[0]),
  nan: (v) => (isNumber(v) ? Number.isNaN(num(v)) : false),
  isnan: (v) => (isNumber(v) ? Number.isNaN(num(v)) : false),
};
