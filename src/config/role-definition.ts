import { z } from 'zod';
import type { RoleExpandContext } from './model.js';

/**
 * A typed TypeScript role: `roles/NAME/index.ts` default-exports `defineRole({...})`.
 * `tasks(params, ctx)` returns Ansible-shaped task objects (module name → args, plus name/when/...),
 * built from typed, already validated params.
 */
export interface RoleDefinition<S extends z.ZodType> {
  name: string;
  description: string;
  params: S;
  tasks: (params: z.infer<S>, ctx: RoleExpandContext) => unknown[];
  handlers?: unknown[];
  defaults?: Record<string, unknown>;
}

/** Declare a typed role (identity: it only gives the object its type). */
export function defineRole<S extends z.ZodType>(def: RoleDefinition<S>): RoleDefinition<S> {
  return def;
}

/**
 * Mark a role param as a secret: its value is redacted in every output, report and history entry,
 * whatever the param is called (`seed: secret(z.string())`). Names like `api_token` or `password`
 * are secrets without it.
 */
export function secret<T extends z.ZodType>(schema: T): T {
  return schema.meta({ secret: true }) as T;
}

/** True when `secret()` marked this schema (or a schema it wraps). */
export function isMarkedSecret(schema: z.ZodType): boolean {
  return z.globalRegistry.get(schema)?.secret === true;
}
