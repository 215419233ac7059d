import type { z } from 'zod';
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
