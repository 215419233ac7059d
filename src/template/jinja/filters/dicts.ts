/** Mapping filters: dict2items, items2dict, combine, dictsort, items. */
import type { Filter } from '../types.js';
import { PyError, Undefined, bindArgs, cmp, contains, dictKey, eq, isDict, isTuple, repr, str, truthy, tuple, typeName } from '../py.js';
import { filterError, filterTypeError, hashable, lowerIfStr, pyClass, pySorted } from './common.js';
import { jsonDumps } from './serialize.js';
import { flatten } from './lists.js';

const LIST_MERGE = ['replace', 'keep', 'append', 'prepend', 'append_rp', 'prepend_rp'];

/** Ansible's merge_hash (keys of y win). */
export function mergeHash(x: Record<string, unknown>, y: Record<string, unknown>, recursive = true, listMerge = 'replace'): Record<string, unknown> {
  if (!LIST_MERGE.includes(listMerge))
    throw new PyError('AnsibleError', "merge_hash: 'list_merge' argument can only be equal to 'replace', 'keep', 'append', 'prepend', 'append_rp' or 'prepend_rp'");
  if (!isDict(x) || !isDict(y))
    throw new PyError('AnsibleError', `failed to combine variables, expected dicts but got a '${typeName(x)}' and a '${typeName(y)}': \n${jsonDumps(x)}\n${jsonDumps(y)}`);
  if (Object.keys(x).length === 0 || eq(x, y)) return { ...y };
  const out: Record<string, unknown> = { ...x };
  if (!recursive && listMerge === 'replace') return Object.assign(out, y);
  for (const [key, yv] of Object.entries(y)) {
    if (!Object.hasOwn(out, key)) {
      out[key] = yv;
      continue;
    }
    const xv = out[key];
    if (isDict(xv) && isDict(yv)) {
      out[key] = recursive ? mergeHash(xv, yv, recursive, listMerge) : yv;
      continue;
    }
    if (Array.isArray(xv) && !isTuple(xv) && Array.isArray(yv) && !isTuple(yv)) {
      if (listMerge === 'replace') out[key] = yv;
      else if (listMerge === 'append') out[key] = [...xv, ...yv];
      else if (listMerge === 'prepend') out[key] = [...yv, ...xv];
      else if (listMerge === 'append_rp') out[key] = [...xv.filter((z) => !contains(yv, z)), ...yv];
      else if (listMerge === 'prepend_rp') out[key] = [...yv, ...xv.filter((z) => !contains(yv, z))];
      continue;
    }
    out[key] = yv;
  }
  return out;
}

function checkDefined(v: unknown): void {
  if (v instanceof Undefined) throw filterError(`${v.message} is undefined`);
  if (isDict(v)) Object.values(v).forEach(checkDefined);
  else if (Array.isArray(v) && !isTuple(v)) v.forEach(checkDefined);
}

export const dictFilters: Record<string, Filter> = {
  rekey_on_member: (v, args, kw) => {
    const a = bindArgs('rekey_on_member', ['key', 'duplicates'], args, kw, { duplicates: 'error' });
    if (a.duplicates !== 'error' && a.duplicates !== 'overwrite') throw filterError(`duplicates parameter to rekey_on_member has unknown value: ${str(a.duplicates)}`);
    let items: unknown[];
    if (isDict(v)) items = Object.values(v);
    else if (Array.isArray(v)) items = v;
    else throw filterTypeError('Type is not a valid list, set, or dict');
    const out: Record<string, unknown> = {};
    for (const item of items) {
      if (!isDict(item)) throw filterTypeError('List item is not a valid dict');
      const k = dictKey(item, a.key);
      if (k === undefined) throw filterError(`Key ${str(a.key)} was not found`);
      const keyElem = item[k];
      if (!hashable(keyElem)) throw filterTypeError(`unhashable type: '${typeName(keyElem)}'`);
      const ks = str(keyElem);
      if (Object.hasOwn(out, ks) && truthy(out[ks])) {
        if (a.duplicates === 'error') throw filterError(`Key ${ks} is not unique, cannot correctly turn into dict`);
        out[ks] = item;
      } else out[ks] = item;
    }
    return out;
  },
  dict2items: (v, args, kw) => {
    const a = bindArgs('dict2items', ['key_name', 'value_name'], args, kw, { key_name: 'key', value_name: 'value' });
    if (!isDict(v)) throw filterTypeError(`dict2items requires a dictionary, got ${pyClass(v)} instead.`);
    return Object.entries(v).map(([k, x]) => ({ [str(a.key_name)]: k, [str(a.value_name)]: x }));
  },
  items2dict: (v, args, kw) => {
    const a = bindArgs('items2dict', ['key_name', 'value_name'], args, kw, { key_name: 'key', value_name: 'value' });
    if (!Array.isArray(v)) throw filterTypeError(`items2dict requires a list, got ${pyClass(v)} instead.`);
    const out: Record<string, unknown> = {};
    const kn = str(a.key_name);
    const vn = str(a.value_name);
    for (const item of v) {
      if (!isDict(item)) throw filterTypeError(`items2dict requires a list of dictionaries, got ${repr(v)} instead.`);
      if (!Object.hasOwn(item, kn) || !Object.hasOwn(item, vn))
        throw filterTypeError(`items2dict requires each dictionary in the list to contain the keys '${kn}' and '${vn}', got ${repr(v)} instead.`);
      if (!hashable(item[kn])) throw filterTypeError(`items2dict requires a list of dictionaries, got ${repr(v)} instead.`);
      out[str(item[kn])] = item[vn];
    }
    return out;
  },
  combine: (v, args, kw) => {
    const { recursive = false, list_merge = 'replace', ...rest } = kw;
    if (Object.keys(rest).length) throw filterError("'recursive' and 'list_merge' are the only valid keyword arguments");
    const dicts = flatten([v, ...args], 1);
    checkDefined(dicts);
    if (!dicts.length) return {};
    if (dicts.length === 1) return dicts[0];
    let result = dicts[dicts.length - 1] as Record<string, unknown>;
    for (let i = dicts.length - 2; i >= 0; i--) result = mergeHash(dicts[i] as Record<string, unknown>, result, truthy(recursive), str(list_merge));
    return result;
  },
  dictsort: (v, args, kw) => {
    const a = bindArgs('do_dictsort', ['case_sensitive', 'by', 'reverse'], args, kw, { case_sensitive: false, by: 'key', reverse: false });
    let pos: number;
    if (a.by === 'key') pos = 0;
    else if (a.by === 'value') pos = 1;
    else throw new PyError('FilterArgumentError', 'You can only sort by either "key" or "value"');
    if (!isDict(v)) throw new PyError('AttributeError', `'${typeName(v)}' object has no attribute 'items'`);
    const cs = truthy(a.case_sensitive);
    const items = Object.entries(v).map(([k, x]) => tuple([k, x]));
    return pySorted(
      items,
      (it) => (cs ? it[pos] : lowerIfStr(it[pos])),
      truthy(a.reverse),
      (x, y) => cmp(x, y),
    );
  },
  items: Object.assign(
    (v: unknown) => {
      if (v instanceof Undefined) return [];
      if (!isDict(v)) throw new PyError('TypeError', 'Can only get item pairs from a mapping.');
      return Object.entries(v).map(([k, x]) => tuple([k, x]));
    },
    { acceptsUndefined: true },
  ),
};
