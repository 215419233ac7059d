/**
 * Lookup plugins (controller side), as ansible-core 2.14's of the same names behave. Each gets
 * the terms and keyword options and returns a list (lookup() joins it, query() keeps it).
 */
import { readFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { PyError, Undefined, UndefinedError, isDict, iterate, str, tuple, truthy } from './py.js';
import type { Lookup } from './types.js';

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

export const lookups: Record<string, Lookup> = {
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
