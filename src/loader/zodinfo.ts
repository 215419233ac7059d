import type { z } from 'zod';
import type { ParamDoc } from '../config/model.js';
import { isMarkedSecret } from '../config/role-definition.js';

/** Read-only introspection of zod 4 schemas: docs for `tsplay roles show`, arg names for hints. */

interface Def {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, unknown>;
  values?: unknown[];
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  items?: z.ZodType[];
}

function def(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

interface Unwrapped {
  core: z.ZodType;
  optional: boolean;
  nullable: boolean;
  default?: unknown;
  hasDefault: boolean;
  description?: string;
  /** Some layer was marked with `secret()` (src/config/role-definition.ts). */
  secret: boolean;
}

/** Strip optional/default/nullable/pipe wrappers, collecting what they said. */
export function unwrap(s: z.ZodType): Unwrapped {
  const out: Unwrapped = { core: s, optional: false, nullable: false, hasDefault: false, secret: false };
  let cur = s;
  for (let i = 0; i < 20; i++) {
    out.description ??= (cur as { description?: string }).description;
    if (isMarkedSecret(cur)) out.secret = true;
    const d = def(cur);
    if (d.type === 'optional') out.optional = true;
    else if (d.type === 'nullable') out.nullable = true;
    else if (d.type === 'default' || d.type === 'prefault') {
      out.hasDefault = true;
      if (!('default' in out)) out.default = typeof d.defaultValue === 'function' ? (d.defaultValue as () => unknown)() : d.defaultValue;
    } else if (d.type === 'pipe') {
      const next = d.in && def(d.in).type !== 'transform' ? d.in : d.out;
      if (!next) break;
      cur = next;
      continue;
    } else if (d.type !== 'readonly' && d.type !== 'catch') break;
    if (!d.innerType) break;
    cur = d.innerType;
  }
  out.core = cur;
  return out;
}

/** A readable type: `string`, `number`, `"US"|"EU"`, `string[]`, `Record<string, number>`. */
export function typeString(s: z.ZodType, depth = 0): string {
  const u = unwrap(s);
  const d = def(u.core);
  const base = ((): string => {
    if (depth > 4) return '…';
    switch (d.type) {
      case 'string':
      case 'number':
      case 'boolean':
      case 'bigint':
      case 'null':
      case 'undefined':
      case 'any':
      case 'unknown':
      case 'date':
        return d.type;
      case 'int':
        return 'integer';
      case 'enum':
        return Object.values(d.entries ?? {})
          .map((v) => JSON.stringify(v))
          .join('|');
      case 'literal':
        return (d.values ?? []).map((v) => JSON.stringify(v)).join('|');
      case 'array': {
        const el = d.element ? typeString(d.element, depth + 1) : 'unknown';
        return /[|<]/.test(el) ? `(${el})[]` : `${el}[]`;
      }
      case 'tuple':
        return `[${(d.items ?? []).map((x) => typeString(x, depth + 1)).join(', ')}]`;
      case 'union':
        return (d.options ?? []).map((x) => typeString(x, depth + 1)).join('|');
      case 'record':
        return `Record<${d.keyType ? typeString(d.keyType, depth + 1) : 'string'}, ${d.valueType ? typeString(d.valueType, depth + 1) : 'unknown'}>`;
      case 'object':
        return 'object';
      default:
        return d.type;
    }
  })();
  return u.nullable ? `${base}|null` : base;
}

/** The keys of an object schema (after unwrapping), or undefined when it is not an object. */
export function objectShape(s: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  if (!s) return undefined;
  const u = unwrap(s);
  const d = def(u.core);
  if (d.type === 'object') return d.shape;
  if (d.type === 'union' || d.type === 'intersection') {
    // Modules with mutually exclusive arg sets: the union of all keys.
    const parts = d.type === 'union' ? (d.options ?? []) : [(d as unknown as { left: z.ZodType }).left, (d as unknown as { right: z.ZodType }).right];
    const all: Record<string, z.ZodType> = {};
    for (const p of parts) Object.assign(all, objectShape(p) ?? {});
    return Object.keys(all).length ? all : undefined;
  }
  return undefined;
}

/** The primitive kind of one field, for coercing `key=value` strings. */
export function fieldKind(s: z.ZodType | undefined, key: string): 'boolean' | 'number' | 'other' {
  const f = objectShape(s)?.[key];
  if (!f) return 'other';
  const t = def(unwrap(f).core).type;
  return t === 'boolean' ? 'boolean' : t === 'number' || t === 'int' ? 'number' : 'other';
}

/** ParamDoc rows from an object schema (`tsplay roles show`). */
export function paramDocsFromZod(s: z.ZodType | undefined): ParamDoc[] {
  const shape = objectShape(s);
  if (!shape) return [];
  return Object.entries(shape).map(([name, f]) => {
    const u = unwrap(f);
    const d = def(u.core);
    const doc: ParamDoc = {
      name,
      type: typeString(f),
      required: !u.optional && !u.hasDefault,
    };
    if (u.hasDefault) doc.default = u.default;
    if (u.description) doc.description = u.description;
    if (u.secret) doc.secret = true;
    if (d.type === 'enum') doc.choices = Object.values(d.entries ?? {});
    return doc;
  });
}

/** The fields of an object schema marked with `secret()` (their values are redacted everywhere). */
export function secretFields(s: z.ZodType | undefined): string[] {
  return Object.entries(objectShape(s) ?? {})
    .filter(([, f]) => unwrap(f).secret)
    .map(([name]) => name);
}
