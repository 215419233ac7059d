import type { z } from 'zod';

/** Argument aliases a module's args schema was built with (withAliases), kept for `tsplay modules show`. */
const ARG_ALIASES = new WeakMap<z.ZodType, Record<string, string>>();

/** Remember that `schema` renames `aliases` (alias → canonical name); returns the schema. */
export function noteArgAliases<S extends z.ZodType>(schema: S, aliases: Record<string, string>): S {
  ARG_ALIASES.set(schema, aliases);
  return schema;
}

/** Canonical argument name → its aliases. */
export function argAliases(schema: z.ZodType): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [alias, canonical] of Object.entries(ARG_ALIASES.get(schema) ?? {})) (out[canonical] ??= []).push(alias);
  return out;
}
