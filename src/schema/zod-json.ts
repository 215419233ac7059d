import { z } from 'zod';
import { bool } from '../modules/ansible-bool.js';
import { ansibleBoolSchema, templateString } from '../config/keywords.js';

/**
 * zod → JSON Schema (draft 2020-12) for the editor: zod's own `z.toJSONSchema` output of what a
 * user writes (the schemas' input side), with two rules of tsplay's loader laid over it:
 * - a module argument parsed by `bool` takes Ansible's boolean words, as the loader does;
 * - `widenTemplates`: a templated value ("{{ … }}") is accepted wherever a typed one is, since
 *   module arguments and role params are checked again after rendering, per host.
 */

export type Json = Record<string, unknown>;

/** The `$defs` key every generated document shares for a template string. */
export const TEMPLATE_REF = { $ref: '#/$defs/template' } as const;

function defOf(s: unknown): unknown {
  return (s as { _zod: { def: unknown } })._zod.def;
}

/**
 * One zod schema as a JSON Schema fragment (no `$schema` key). `replace` swaps chosen zod schemas
 * (and their `.describe()` copies, which share the definition) for fixed fragments, below the root.
 */
export function zodToJson(schema: z.ZodType, replaceBy: Map<z.ZodType, Json> = new Map()): Json {
  const replace = new Map([...replaceBy].map(([k, v]) => [defOf(k), v]));
  const flagged = new Set<string>();
  const out = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
    override: (ctx) => {
      noteFlags(ctx.zodSchema, flagged);
      const d = defOf(ctx.zodSchema);
      if ((ctx.zodSchema as unknown) !== schema) widenPreprocessed(d, ctx.jsonSchema as Json);
      const fixed = ((ctx.zodSchema as unknown) !== schema ? replace.get(d) : undefined) ?? (d === defOf(bool) ? ansibleBoolJson : undefined);
      if (!fixed) return;
      const keep = ctx.jsonSchema.description;
      for (const k of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Json)[k];
      Object.assign(ctx.jsonSchema, structuredClone(fixed));
      if (keep !== undefined && ctx.jsonSchema.description === undefined) ctx.jsonSchema.description = keep;
    },
  }) as Json;
  delete out.$schema;
  keepCase(out, flagged);
  return out;
}

function types(n: Json): string[] {
  const own = Array.isArray(n.type) ? (n.type as string[]) : typeof n.type === 'string' ? [n.type] : [];
  const sub = [...((n.anyOf as Json[]) ?? []), ...((n.oneOf as Json[]) ?? [])].flatMap(types);
  return [...own, ...sub];
}

/**
 * A `z.preprocess` takes more than the schema after it: the module converts first, as
 * ansible-core's argument types do (a number is a str, "a,b" a list, "5" an int). Its JSON says
 * what the conversions take.
 */
function widenPreprocessed(d: unknown, j: Json): void {
  const def = d as { type?: string; in?: unknown };
  if (def.type !== 'pipe' || (defOf(def.in) as { type?: string }).type !== 'transform') return;
  const t = types(j);
  if (t.length === 0 || (t.length === 1 && t[0] === 'boolean')) return;
  const keep: Json = { ...j };
  const description = keep.description;
  delete keep.description;
  for (const k of Object.keys(j)) delete j[k];
  if (t.includes('string')) {
    // a str argument: any scalar or structure is converted to its text
  } else if (t.includes('array')) {
    // a list of str (strList): its number and boolean items become text too
    const items = keep.items as Json | undefined;
    if (items && items.type === 'string' && Object.keys(items).length === 1) keep.items = { type: ['string', 'number', 'boolean'] };
    j.anyOf = [keep, { type: ['string', 'number'] }];
  } else if (t.includes('number') || t.includes('integer')) j.anyOf = [keep, { type: 'number' }, { type: 'string', pattern: '^\\s*[-+]?(\\d+\\.?\\d*|\\.\\d+)\\s*$' }];
  else if (t.includes('object')) j.anyOf = [keep, { type: 'string' }];
  else Object.assign(j, keep);
  if (description !== undefined) j.description = description;
}

/** A template string's JSON Schema (from the keywords' `templateString`). */
export const templateJson: Json = (() => {
  const j = z.toJSONSchema(templateString, { target: 'draft-2020-12' }) as Json;
  delete j.$schema;
  return j;
})();

/** A regex source matching letters in either case (JSON Schema patterns have no `i` flag). */
export function caseless(source: string): string {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      out += c + (source[i + 1] ?? '');
      i++;
    } else out += /[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
  }
  return out;
}

/** Remember the source of a case-insensitive regex check on this zod schema. */
function noteFlags(schema: unknown, flagged: Set<string>): void {
  const checks = (schema as { _zod: { def: { checks?: Array<{ _zod: { def: { pattern?: RegExp } } }> } } })._zod.def.checks ?? [];
  for (const c of checks) if (c._zod.def.pattern?.flags.includes('i')) flagged.add(c._zod.def.pattern.source);
}

/** Case-insensitive zod regexes keep their meaning in the JSON (zod drops the flag). */
function keepCase(n: unknown, flagged: Set<string>): void {
  if (typeof n !== 'object' || n === null) return;
  const o = n as Json;
  if (typeof o.pattern === 'string' && flagged.has(o.pattern)) o.pattern = caseless(o.pattern);
  for (const v of Object.values(o)) keepCase(v, flagged);
}

/** Ansible's boolean words as JSON Schema (from the keywords' `ansibleBoolSchema`, case-insensitive). */
const ansibleBoolJson: Json = (() => {
  const j = z.toJSONSchema(ansibleBoolSchema, { target: 'draft-2020-12' }) as Json;
  delete j.$schema;
  const flagged = new Set<string>();
  z.toJSONSchema(ansibleBoolSchema, { override: (ctx) => noteFlags(ctx.zodSchema, flagged) });
  keepCase(j, flagged);
  return j;
})();

const ANNOTATIONS = ['description', 'title', 'default', 'examples', 'deprecated'];

/** Whether every string passes this fragment (a template needs no extra branch). */
function takesAnyString(n: Json): boolean {
  if (Object.keys(n).every((k) => ANNOTATIONS.includes(k))) return true;
  if (n.type === 'string') return !['pattern', 'minLength', 'maxLength', 'format', 'enum', 'const'].some((k) => k in n);
  if (Array.isArray(n.type)) return n.type.includes('string') && !['pattern', 'minLength', 'maxLength', 'format', 'enum', 'const'].some((k) => k in n);
  for (const k of ['anyOf', 'oneOf'] as const) if (Array.isArray(n[k]) && (n[k] as Json[]).some((b) => takesAnyString(b))) return true;
  return false;
}

/** Recurse into a fragment's structure (properties, items, branches) without widening the fragment itself. */
export function widenInside(n: Json): Json {
  const out: Json = { ...n };
  if (n.properties && typeof n.properties === 'object') {
    out.properties = Object.fromEntries(Object.entries(n.properties as Record<string, Json>).map(([k, v]) => [k, widenTemplates(v)]));
  }
  if (n.patternProperties && typeof n.patternProperties === 'object') {
    out.patternProperties = Object.fromEntries(Object.entries(n.patternProperties as Record<string, Json>).map(([k, v]) => [k, widenTemplates(v)]));
  }
  if (n.additionalProperties && typeof n.additionalProperties === 'object') out.additionalProperties = widenTemplates(n.additionalProperties as Json);
  if (n.items && typeof n.items === 'object') out.items = widenTemplates(n.items as Json);
  if (Array.isArray(n.prefixItems)) out.prefixItems = (n.prefixItems as Json[]).map(widenTemplates);
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) if (Array.isArray(n[k])) out[k] = (n[k] as Json[]).map(widenInside);
  return out;
}

/** A fragment that also takes a template string wherever it (or a value inside it) is typed. */
export function widenTemplates(n: Json): Json {
  if (typeof n !== 'object' || n === null || '$ref' in n) return n;
  const inner = widenInside(n);
  if (takesAnyString(inner)) return inner;
  const head: Json = {};
  for (const k of ANNOTATIONS) {
    if (k in inner) {
      head[k] = inner[k];
      delete inner[k];
    }
  }
  if (Array.isArray(inner.anyOf) && Object.keys(inner).length === 1) return { ...head, anyOf: [...(inner.anyOf as Json[]), TEMPLATE_REF] };
  return { ...head, anyOf: [inner, TEMPLATE_REF] };
}
