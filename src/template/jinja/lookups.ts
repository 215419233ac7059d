/**
 * Lookup plugins (controller side), as ansible-core 2.14's of the same names behave. Each gets
 * the terms and keyword options and returns a list (lookup() joins it, query() keeps it).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { PyError, Undefined, UndefinedError, isDict, iterate, str, tuple, truthy } from './py.js';
import type { CallContext, Lookup } from './types.js';

function flattenTerms(terms: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const t of terms) {
    if (Array.isArray(t)) out.push(...t);
    else out.push(t);
  }
  return out;
}

function findFile(name: string, searchPaths: readonly string[], sub: string): string | undefined {
  if (path.isAbsolute(name)) return existsSync(name) ? name : undefined;
  for (const d of searchPaths) {
    for (const c of [path.join(d, sub, name), path.join(d, name)]) if (existsSync(c) && statSync(c).isFile()) return c;
  }
  const cwd = path.resolve(name);
  return existsSync(cwd) ? cwd : undefined;
}

function listOf(t: unknown): unknown[] {
  return Array.isArray(t) ? t : [t];
}

/** Ansible's sequence lookup: `start=1 end=5 stride=1 format=%d`, `count=`, or the `[start-]end[/stride][:format]` shortcut. */
function sequence(term: string, ctx: CallContext): string[] {
  let start = 1;
  let end: number | undefined;
  let count: number | undefined;
  let stride = 1;
  let format = '%d';
  const num = (v: string): number => {
    const n = /^0x/i.test(v) ? parseInt(v, 16) : /^0o?[0-7]+$/i.test(v) && v.length > 1 ? parseInt(v.replace(/^0o?/i, ''), 8) : Number(v);
    if (!Number.isInteger(n)) throw new PyError('AnsibleError', `can't parse arg ${v} as integer`);
    return n;
  };
  const short = /^(?:(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|[0-9]+)-)?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|[0-9]+)(?:\/(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|[0-9]+))?(?::(.+))?$/.exec(term.trim());
  if (short) {
    if (short[1] !== undefined) start = num(short[1]);
    end = num(short[2]!);
    if (short[3] !== undefined) stride = num(short[3]);
    if (short[4] !== undefined) format = short[4];
  } else {
    for (const [k, v] of Object.entries(parseKvSimple(term))) {
      if (k === 'start') start = num(v);
      else if (k === 'end') end = num(v);
      else if (k === 'count') count = num(v);
      else if (k === 'stride') stride = num(v);
      else if (k === 'format') format = v;
      else throw new PyError('AnsibleError', `unrecognized arguments to with_sequence: ['${k}']`);
    }
  }
  if (count === undefined && end === undefined) throw new PyError('AnsibleError', 'must specify count or end in with_sequence');
  if (count !== undefined && end !== undefined) throw new PyError('AnsibleError', "can't specify both count and end in with_sequence");
  if (count !== undefined) {
    if (count !== 0) end = start + count * stride - 1;
    else [start, end, stride] = [0, 0, 0];
  }
  if (stride > 0 && end! < start) throw new PyError('AnsibleError', 'to count backwards make stride negative');
  if (stride < 0 && end! > start) throw new PyError('AnsibleError', "to count forward don't make stride negative");
  if ((format.match(/%/g) ?? []).length !== 1) throw new PyError('AnsibleError', `bad formatting string: ${format}`);
  const out: string[] = [];
  if (stride === 0) return out;
  const stop = end! + (stride >= 0 ? 1 : -1);
  for (let i = start; stride > 0 ? i < stop : i > stop; i += stride) out.push(str(ctx.filter('format', format, [i])));
  return out;
}

function parseKvSimple(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.trim().split(/[\s,]+/)) {
    if (!part) continue;
    const i = part.indexOf('=');
    if (i < 0) throw new PyError('AnsibleError', `unrecognized arguments to with_sequence: ['${part}']`);
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

export const lookups: Record<string, Lookup> = {
  nested: (terms) => {
    const lists = terms.map(listOf);
    if (lists.length === 0) throw new PyError('AnsibleError', 'with_nested requires at least one element in the nested list');
    let acc: unknown[][] = [[]];
    for (const l of lists) acc = acc.flatMap((prefix) => l.map((x) => [...prefix, x]));
    return acc;
  },
  together: (terms) => {
    const lists = terms.map(listOf);
    if (lists.length === 0) throw new PyError('AnsibleError', 'with_together requires at least one element in each list');
    const n = Math.max(...lists.map((l) => l.length));
    return Array.from({ length: n }, (_, i) => lists.map((l) => (i < l.length ? l[i] : null)));
  },
  sequence: (terms, _kwargs, ctx) => flattenTerms(terms).flatMap((t) => sequence(str(t), ctx)),
  subelements: (terms) => {
    const [list, key, flags] = terms;
    const skipMissing = isDict(flags) && flags.skip_missing !== undefined ? truthy(flags.skip_missing) : false;
    if (typeof key !== 'string') throw new PyError('AnsibleError', 'subelements lookup expects a dictionary key as its second term');
    const out: unknown[] = [];
    for (const item of isDict(list) ? Object.values(list) : listOf(list)) {
      if (!isDict(item)) throw new PyError('AnsibleError', 'subelements lookup expects a list of dictionaries');
      if (isDict(item) && item.skipped === true) continue;
      let sub: unknown = item;
      for (const part of key.split('.')) {
        if (isDict(sub) && Object.hasOwn(sub, part)) sub = sub[part];
        else if (skipMissing) {
          sub = undefined;
          break;
        } else throw new PyError('AnsibleError', `could not find '${part}' key in iterated item '${str(item)}'`);
      }
      if (sub === undefined) continue;
      if (!Array.isArray(sub)) throw new PyError('AnsibleError', `the key ${key} should point to a list, got '${str(sub)}'`);
      for (const s of sub) out.push(tuple([item, s]));
    }
    return out;
  },
  pipe: (terms) =>
    flattenTerms(terms).map((t) => {
      try {
        return execFileSync('/bin/sh', ['-c', str(t)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).replace(/\s+$/, '');
      } catch (e) {
        throw new PyError('AnsibleError', `lookup_plugin.pipe(${str(t)}) returned ${(e as { status?: number }).status ?? 'an error'}`);
      }
    }),
  env: (terms, kwargs) => {
    const def = kwargs.default;
    return flattenTerms(terms).map((t) => {
      const v = process.env[str(t)];
      if (v === undefined) {
        if (def instanceof Undefined) throw new UndefinedError(def);
        return def === undefined ? '' : def;
      }
      return v;
    });
  },
  file: (terms, kwargs, ctx) =>
    flattenTerms(terms).map((t) => {
      const p = findFile(str(t), ctx.searchPaths, 'files');
      if (!p) throw new PyError('AnsibleError', `could not locate file in lookup: ${str(t)}`);
      let text = readFileSync(p, 'utf8');
      if (kwargs.rstrip === undefined || truthy(kwargs.rstrip)) text = text.replace(/\s+$/, '');
      if (kwargs.lstrip !== undefined && truthy(kwargs.lstrip)) text = text.replace(/^\s+/, '');
      return text;
    }),
  vars: (terms, kwargs, ctx) => {
    const vars = ctx.vars;
    return flattenTerms(terms).map((t) => {
      const name = str(t);
      if (name in vars) return vars[name];
      if (kwargs.default !== undefined) return kwargs.default;
      throw new UndefinedError(new Undefined(name, `No variable found with this name: ${name}`));
    });
  },
  list: (terms) => terms,
  items: (terms) => flattenTerms(terms),
  indexed_items: (terms) => flattenTerms(terms).map((x, i) => tuple([i, x])),
  dict: (terms) => {
    const out: unknown[] = [];
    for (const t of terms) {
      if (!isDict(t)) throw new PyError('AnsibleError', `with_dict expects a dict`);
      for (const [key, value] of Object.entries(t)) out.push({ key, value });
    }
    return out;
  },
  first_found: (terms, kwargs, ctx) => {
    const files: string[] = [];
    const dirs: string[] = [];
    for (const t of terms.length ? terms : [kwargs]) {
      for (const x of Array.isArray(t) ? t : [t]) {
        if (isDict(x)) {
          for (const f of iterate(x.files ?? [])) files.push(...str(f).split(/[,;]/));
          for (const p of iterate(x.paths ?? [])) dirs.push(...str(p).split(/[,:;]/));
        } else files.push(str(x));
      }
    }
    if (isDict(kwargs) && kwargs.files) for (const f of iterate(kwargs.files)) files.push(str(f));
    if (isDict(kwargs) && kwargs.paths) for (const p of iterate(kwargs.paths)) dirs.push(str(p));
    for (const f of files) {
      const candidates = dirs.length && !path.isAbsolute(f) ? dirs.map((d) => path.join(d, f)) : [f];
      for (const c of candidates) {
        const hit = findFile(c, ctx.searchPaths, 'files');
        if (hit) return [hit];
      }
    }
    if (kwargs.skip !== undefined && truthy(kwargs.skip)) return [];
    throw new PyError('AnsibleError', 'No file was found when using first_found.');
  },
};
