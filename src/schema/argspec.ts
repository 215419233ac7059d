import { z } from 'zod';
import type { ArgumentSpecOption } from '../config/schemas.js';
import { ansibleBoolSchema } from '../config/keywords.js';

/**
 * A YAML role's meta/argument_specs.yml options as a zod schema, for the editor: what
 * ansible-core's ArgumentSpecValidator takes as each type (its conversions: "5" is an int, "a,b" a
 * list, yes/no a bool), the choices and the description. Not required: a role's variable may come
 * from anywhere (group_vars, -e), so only a given param is checked. Unknown params stay allowed, as
 * ansible-core allows them.
 */

const intText = z.string().regex(/^\s*[-+]?\d+\s*$/);
const floatText = z.string().regex(/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/);

function typed(o: ArgumentSpecOption, depth: number): z.ZodType {
  const t = o.type ?? 'str';
  switch (t) {
    case 'int':
      return z.union([z.number().int(), intText]);
    case 'float':
      return z.union([z.number(), floatText]);
    case 'bool':
      return ansibleBoolSchema;
    case 'list': {
      const el = o.elements ? typed({ ...o, type: o.elements, choices: o.choices, options: o.options }, depth + 1) : z.unknown();
      // a comma-separated string (or a number) is a list to ansible-core
      return z.union([z.array(el), z.string(), z.number()]);
    }
    case 'dict': {
      if (o.options && depth < 8) {
        const shape = Object.fromEntries(Object.entries(o.options).map(([k, v]) => [k, option(v, depth + 1).optional()]));
        return z.union([z.looseObject(shape), z.string()]);
      }
      // a dict may also be written as k=v text or JSON
      return z.union([z.record(z.string(), z.unknown()), z.string()]);
    }
    case 'str':
    case 'path':
      return z.union([z.string(), z.number(), z.boolean()]);
    default:
      return z.unknown();
  }
}

function option(o: ArgumentSpecOption, depth = 0): z.ZodType {
  let s: z.ZodType =
    Array.isArray(o.choices) && o.choices.length && o.type !== 'list'
      ? z.union(o.choices.map((c) => z.literal(c as string | number | boolean)) as [z.ZodLiteral, z.ZodLiteral, ...z.ZodLiteral[]])
      : typed(o, depth);
  if (Array.isArray(o.choices) && o.choices.length === 1 && o.type !== 'list') s = z.literal(o.choices[0] as string | number | boolean);
  const d = Array.isArray(o.description) ? o.description.join(' ') : o.description;
  return d ? s.describe(d) : s;
}

/** The params of one entry point (`main`): an object of optional, typed params; other keys allowed. */
export function argumentSpecZod(options: Record<string, ArgumentSpecOption>): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, o] of Object.entries(options)) {
    shape[name] = option(o).optional();
    for (const a of o.aliases ?? []) shape[a] ??= option(o).optional();
  }
  return z.looseObject(shape);
}
