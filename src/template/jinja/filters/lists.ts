/** Sequence filters: Jinja2's list builtins and Ansible's mathstuff/core list filters. */
import type { CallContext, Filter } from '../types.js';
import { PyError, Undefined, UndefinedError, bindArgs, cmp, contains, eq, isDict, isInt, isTuple, iterate, len, num, str, truthy, tuple, typeName, repr } from '../py.js';
import { attrGetter, wrapped, filterError, filterTypeError, getitem, hashable, lowerIfStr, multiAttrGetter, pyAdd, pySorted, pySplit, pyClass } from './common.js';

const b = bindArgs;

/** Python list(x) of an iterable. */
export function toList(v: unknown): unknown[] {
  return [...iterate(v)];
}

/** Jinja's unique (hash-based, case-insensitive by default). */
export function jinjaUnique(value: unknown, caseSensitive: boolean, attribute: unknown, ctx?: CallContext): unknown[] {
  const getter = attrGetter(attribute, caseSensitive ? undefined : lowerIfStr, null, ctx);
  const seen: unknown[] = [];
  const out: unknown[] = [];
  for (const item of iterate(value)) {
    const key = getter(item);
    if (!hashable(key)) throw new PyError('TypeError', `unhashable type: '${typeName(key)}'`);
    if (!seen.some((s) => eq(s, key))) {
      seen.push(key);
      out.push(item);
    }
  }
  return out;
}

/** Ansible's unique: Jinja's, falling back to == comparison for unhashable items. */
export function ansibleUnique(value: unknown, caseSensitive: unknown = null, attribute: unknown = null, ctx?: CallContext): unknown[] {
  try {
    return jinjaUnique(value, truthy(caseSensitive ?? false), attribute, ctx);
  } catch (e) {
    if (!(e instanceof PyError)) throw e;
    if (caseSensitive === false || (attribute !== null && truthy(attribute))) {
      throw wrapped('', e, "Jinja2's unique filter failed and we cannot fall back to Ansible's version as it does not support the parameters supplied");
    }
    const c: unknown[] = [];
    for (const x of iterate(value)) if (!c.some((y) => eq(y, x))) c.push(x);
    return c;
  }
}

function setOp(a: unknown, bb: unknown): boolean {
  return hashable(a) && hashable(bb);
}
function setUnsupported(): never {
  throw filterError('set operations on strings/tuples produce Python sets, whose order is not reproducible');
}

/** Ansible's flatten. */
export function flatten(list: unknown, levels: unknown = null, skipNulls = true): unknown[] {
  const ret: unknown[] = [];
  for (const el of iterate(list)) {
    if (skipNulls && (el === null || el === 'None' || el === 'null')) continue;
    if (Array.isArray(el)) {
      if (levels === null) ret.push(...flatten(el, null, skipNulls));
      else if (num(levels) >= 1) ret.push(...flatten(el, Math.trunc(num(levels)) - 1, skipNulls));
      else ret.push(el);
    } else ret.push(el);
  }
  return ret;
}

function minMax(value: unknown, which: 'min' | 'max', caseSensitive: unknown, attribute: unknown, ctx?: CallContext): unknown {
  const items = toList(value);
  if (!items.length) return new Undefined('', 'No aggregated item, sequence was empty.');
  const key = attrGetter(attribute, truthy(caseSensitive) ? undefined : lowerIfStr, null, ctx);
  let best = items[0];
  let bestKey = key(best);
  for (const x of items.slice(1)) {
    const k = key(x);
    if (which === 'min' ? cmp(k, bestKey) < 0 : cmp(k, bestKey) > 0) {
      best = x;
      bestKey = k;
    }
  }
  return best;
}

function* product(pools: unknown[][]): Generator<unknown[]> {
  if (pools.some((p) => p.length === 0)) return;
  const idx = pools.map(() => 0);
  for (;;) {
    yield idx.map((i, k) => pools[k]![i]);
    let k = pools.length - 1;
    while (k >= 0) {
      idx[k]!++;
      if (idx[k]! < pools[k]!.length) break;
      idx[k] = 0;
      k--;
    }
    if (k < 0) return;
  }
}

function permutations(pool: unknown[], r: number): unknown[][] {
  const n = pool.length;
  const out: unknown[][] = [];
  if (r > n) return out;
  const rec = (prefix: number[], used: boolean[]) => {
    if (prefix.length === r) {
      out.push(prefix.map((i) => pool[i]));
      return;
    }
    for (let i = 0; i < n; i++) {
      if (used[i]) continue;
      used[i] = true;
      prefix.push(i);
      rec(prefix, used);
      prefix.pop();
      used[i] = false;
    }
  };
  rec([], []);
  return out;
}

function combinations(pool: unknown[], r: number): unknown[][] {
  const out: unknown[][] = [];
  const rec = (start: number, acc: unknown[]) => {
    if (acc.length === r) {
      out.push([...acc]);
      return;
    }
    for (let i = start; i < pool.length; i++) {
      acc.push(pool[i]);
      rec(i + 1, acc);
      acc.pop();
    }
  };
  if (r <= pool.length) rec(0, []);
  return out;
}

function selectOrReject(value: unknown, args: unknown[], kw: Record<string, unknown>, ctx: CallContext, keep: boolean, lookupAttr: boolean): unknown[] {
  if (!truthy(value)) return [];
  let trans = (x: unknown) => x;
  let off = 0;
  if (lookupAttr) {
    if (!args.length) throw new PyError('FilterArgumentError', 'Missing parameter for attribute name');
    trans = attrGetter(args[0], undefined, null, ctx);
    off = 1;
  }
  let func: (x: unknown) => boolean;
  if (args.length > off) {
    const name = str(args[off]);
    const rest = args.slice(off + 1);
    func = (x) => ctx.test(name, x, rest, kw);
  } else func = (x) => truthy(x);
  return iterate(value).filter((item) => func(trans(item)) === keep);
}

function int(v: unknown): number {
  if (!isInt(v) && typeof v !== 'boolean') throw new PyError('TypeError', `'${typeName(v)}' object cannot be interpreted as an integer`);
  return num(v);
}

export const listFilters: Record<string, Filter> = {
  join: (v, args, kw, ctx) => {
    const a = b('do_join', ['d', 'attribute'], args, kw, { d: '', attribute: null });
    let items = iterate(v);
    if (a.attribute !== null) items = items.map(attrGetter(a.attribute, undefined, null, ctx));
    return items.map((x) => str(x)).join(str(a.d));
  },
  split: (v, args, kw) => {
    const a = b('split', ['sep', 'maxsplit'], args, kw, { sep: null, maxsplit: -1 });
    if (typeof v !== 'string') throw new PyError('TypeError', `descriptor 'split' for 'str' objects doesn't apply to a '${typeName(v)}' object`);
    return pySplit(v, a.sep === null ? null : str(a.sep), num(a.maxsplit));
  },
  list: (v) => toList(v),
  first: (v) => {
    const items = iterate(v);
    return items.length ? items[0] : new Undefined('', 'No first item, sequence was empty.');
  },
  last: (v) => {
    if (!Array.isArray(v) && typeof v !== 'string' && !isDict(v)) throw new PyError('TypeError', `'${typeName(v)}' object is not reversible`);
    const items = iterate(v);
    return items.length ? items[items.length - 1] : new Undefined('', 'No last item, sequence was empty.');
  },
  length: (v) => len(v),
  count: (v) => len(v),
  unique: (v, args, kw, ctx) => {
    const a = b('unique', ['case_sensitive', 'attribute'], args, kw, { case_sensitive: null, attribute: null });
    return ansibleUnique(v, a.case_sensitive, a.attribute, ctx);
  },
  union: (v, args, kw) => {
    const a = b('union', ['b'], args, kw);
    if (setOp(v, a.b)) setUnsupported();
    return ansibleUnique(pyAdd(v, a.b), true);
  },
  intersect: (v, args, kw) => {
    const a = b('intersect', ['b'], args, kw);
    if (setOp(v, a.b)) setUnsupported();
    return ansibleUnique(
      iterate(v).filter((x) => contains(a.b, x)),
      true,
    );
  },
  difference: (v, args, kw) => {
    const a = b('difference', ['b'], args, kw);
    if (setOp(v, a.b)) setUnsupported();
    return ansibleUnique(
      iterate(v).filter((x) => !contains(a.b, x)),
      true,
    );
  },
  symmetric_difference: (v, args, kw) => {
    const a = b('symmetric_difference', ['b'], args, kw);
    if (setOp(v, a.b)) setUnsupported();
    const isect = ansibleUnique(
      iterate(v).filter((x) => contains(a.b, x)),
      true,
    );
    return ansibleUnique(pyAdd(v, a.b), true).filter((x) => !isect.some((y) => eq(x, y)));
  },
  flatten: (v, args, kw) => {
    const a = b('flatten', ['levels', 'skip_nulls'], args, kw, { levels: null, skip_nulls: true });
    return flatten(v, a.levels, truthy(a.skip_nulls));
  },
  sort: (v, args, kw, ctx) => {
    const a = b('do_sort', ['reverse', 'case_sensitive', 'attribute'], args, kw, { reverse: false, case_sensitive: false, attribute: null });
    const key = multiAttrGetter(a.attribute, truthy(a.case_sensitive) ? undefined : lowerIfStr, ctx);
    return pySorted(toList(v), key, truthy(a.reverse), (x, y) => cmp(x, y));
  },
  reverse: (v) => {
    if (typeof v === 'string') return [...v].reverse().join('');
    if (Array.isArray(v) || isDict(v)) return [...iterate(v)].reverse();
    throw new PyError('FilterArgumentError', 'argument must be iterable');
  },
  min: (v, args, kw, ctx) => {
    const a = b('do_min', ['case_sensitive', 'attribute'], args, kw, { case_sensitive: false, attribute: null });
    return minMax(v, 'min', a.case_sensitive, a.attribute, ctx);
  },
  max: (v, args, kw, ctx) => {
    const a = b('do_max', ['case_sensitive', 'attribute'], args, kw, { case_sensitive: false, attribute: null });
    return minMax(v, 'max', a.case_sensitive, a.attribute, ctx);
  },
  sum: (v, args, kw, ctx) => {
    const a = b('do_sum', ['attribute', 'start'], args, kw, { attribute: null, start: 0 });
    let items = iterate(v);
    if (a.attribute !== null) items = items.map(attrGetter(a.attribute, undefined, null, ctx));
    if (typeof a.start === 'string') throw new PyError('TypeError', "sum() can't sum strings [use ''.join(seq) instead]");
    let acc: unknown = a.start;
    for (const x of items) acc = pyAdd(acc, x);
    return acc;
  },
  map: (v, args, kw, ctx) => {
    if (!truthy(v)) return [];
    let func: (x: unknown) => unknown;
    if (!args.length && 'attribute' in kw) {
      const { attribute, default: dflt = null, ...rest } = kw;
      const extra = Object.keys(rest);
      if (extra.length) throw new PyError('FilterArgumentError', `Unexpected keyword argument ${repr(extra[0])}`);
      func = attrGetter(attribute, undefined, dflt, ctx);
    } else {
      if (!args.length) throw new PyError('FilterArgumentError', 'map requires a filter argument');
      const name = str(args[0]);
      const rest = args.slice(1);
      func = (x) => ctx.filter(name, x, rest, kw);
    }
    if (!truthy(v)) return [];
    return iterate(v).map(func);
  },
  select: (v, args, kw, ctx) => selectOrReject(v, args, kw, ctx, true, false),
  reject: (v, args, kw, ctx) => selectOrReject(v, args, kw, ctx, false, false),
  selectattr: (v, args, kw, ctx) => selectOrReject(v, args, kw, ctx, true, true),
  rejectattr: (v, args, kw, ctx) => selectOrReject(v, args, kw, ctx, false, true),
  zip: (v, args) => {
    const lists = [v, ...args].map(toList);
    const n = Math.min(...lists.map((l) => l.length));
    return Array.from({ length: n }, (_, i) => tuple(lists.map((l) => l[i])));
  },
  zip_longest: (v, args, kw) => {
    const { fillvalue = null, ...rest } = kw;
    if (Object.keys(rest).length) throw new PyError('TypeError', `zip_longest() got an unexpected keyword argument '${Object.keys(rest)[0]}'`);
    const lists = [v, ...args].map(toList);
    const n = Math.max(...lists.map((l) => l.length));
    return Array.from({ length: n }, (_, i) => tuple(lists.map((l) => (i < l.length ? l[i] : fillvalue))));
  },
  product: (v, args, kw) => {
    const { repeat = 1, ...rest } = kw;
    if (Object.keys(rest).length) throw new PyError('TypeError', `product() got an unexpected keyword argument '${Object.keys(rest)[0]}'`);
    let pools = [v, ...args].map(toList);
    const r = int(repeat);
    pools = Array.from({ length: r }, () => pools).flat();
    return [...product(pools)].map((x) => tuple(x));
  },
  permutations: (v, args, kw) => {
    const a = b('permutations', ['r'], args, kw, { r: null });
    const pool = toList(v);
    return permutations(pool, a.r === null ? pool.length : int(a.r)).map((x) => tuple(x));
  },
  combinations: (v, args, kw) => {
    const a = b('combinations', ['r'], args, kw);
    return combinations(toList(v), int(a.r)).map((x) => tuple(x));
  },
  batch: (v, args, kw) => {
    const a = b('do_batch', ['linecount', 'fill_with'], args, kw, { fill_with: null });
    const n = num(a.linecount);
    const out: unknown[][] = [];
    let tmp: unknown[] = [];
    for (const item of iterate(v)) {
      if (tmp.length === n) {
        out.push(tmp);
        tmp = [];
      }
      tmp.push(item);
    }
    if (tmp.length) {
      if (a.fill_with !== null && tmp.length < n) tmp.push(...Array.from({ length: n - tmp.length }, () => a.fill_with));
      out.push(tmp);
    }
    return out;
  },
  slice: (v, args, kw) => {
    const a = b('do_slice', ['slices', 'fill_with'], args, kw, { fill_with: null });
    const seq = toList(v);
    const slices = num(a.slices);
    const per = Math.floor(seq.length / slices);
    const extra = seq.length % slices;
    let offset = 0;
    const out: unknown[][] = [];
    for (let n = 0; n < slices; n++) {
      const start = offset + n * per;
      if (n < extra) offset++;
      const end = offset + (n + 1) * per;
      const tmp = seq.slice(start, end);
      if (a.fill_with !== null && n >= extra) tmp.push(a.fill_with);
      out.push(tmp);
    }
    return out;
  },
  groupby: (v, args, kw, ctx) => {
    const a = b('do_groupby', ['attribute', 'default', 'case_sensitive'], args, kw, { default: null, case_sensitive: false });
    const cs = truthy(a.case_sensitive);
    const expr = attrGetter(a.attribute, cs ? undefined : lowerIfStr, a.default, ctx);
    const sorted = pySorted(toList(v), expr, false, (x, y) => cmp(x, y));
    const out: unknown[] = [];
    let curKey: unknown;
    let cur: unknown[] | null = null;
    for (const item of sorted) {
      const k = expr(item);
      if (cur && eq(k, curKey)) cur.push(item);
      else {
        cur = [item];
        curKey = k;
        out.push(tuple([k, cur]));
      }
    }
    if (!cs) {
      const outExpr = attrGetter(a.attribute, undefined, a.default, ctx);
      return out.map((g) => tuple([outExpr((g as unknown[][])[1]![0]), (g as unknown[])[1]]));
    }
    return out;
  },
  extract: (v, args, kw) => {
    const a = b('extract', ['container', 'morekeys'], args, kw, { morekeys: null });
    const keys = a.morekeys === null ? [v] : Array.isArray(a.morekeys) && !isTuple(a.morekeys) ? [v, ...a.morekeys] : [v, a.morekeys];
    let value = a.container;
    for (const k of keys) {
      if (value instanceof Undefined) throw new UndefinedError(value);
      value = getitem(value, isInt(k) ? (k as number) : str(k));
    }
    return value;
  },
  subelements: (v, args, kw) => {
    const a = b('subelements', ['subelements', 'skip_missing'], args, kw, { skip_missing: false });
    let elements: unknown[];
    if (isDict(v)) elements = Object.values(v);
    else if (Array.isArray(v) && !isTuple(v)) elements = [...v];
    else throw filterError('obj must be a list of dicts or a nested dict');
    let path: unknown[];
    if (Array.isArray(a.subelements) && !isTuple(a.subelements)) path = [...a.subelements];
    else if (typeof a.subelements === 'string') path = a.subelements.split('.');
    else throw filterTypeError('subelements must be a list or a string');
    const results: unknown[] = [];
    for (const el of elements) {
      let values: unknown = el;
      for (const sub of path) {
        if (isDict(values)) {
          if (!Object.hasOwn(values, str(sub))) {
            if (truthy(a.skip_missing)) {
              values = [];
              break;
            }
            throw filterError(`could not find ${repr(sub)} key in iterated item ${repr(values)}`);
          }
          values = values[str(sub)];
        } else {
          throw filterTypeError(`the key ${str(sub)} should point to a dictionary, got '${str(values)}'`);
        }
      }
      if (!Array.isArray(values) || isTuple(values)) throw filterTypeError(`the key ${repr(path[path.length - 1])} should point to a list, got ${repr(values)}`);
      for (const x of values) results.push(tuple([el, x]));
    }
    return results;
  },
};

export { pyClass };
