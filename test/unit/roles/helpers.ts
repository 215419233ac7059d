import type { RoleExpandContext } from '../../../src/config/model.js';
import type { RoleDefinition } from '../../../roles/define.js';
import type { z } from 'zod';

/** An expansion context: inventory groups, per-host vars (hostvars), the current host's facts. */
export function expandCtx(
  opts: {
    host?: string;
    groups?: Record<string, string[]>;
    hostvars?: Record<string, Record<string, unknown>>;
    vars?: Record<string, unknown>;
    facts?: Record<string, unknown>;
  } = {},
): RoleExpandContext {
  const hv = opts.hostvars ?? {};
  return {
    host: opts.host ?? 'nginx-1',
    vars: opts.vars ?? {},
    facts: opts.facts ?? { hostname: opts.host ?? 'nginx-1', defaultIpv4: '10.0.1.21' },
    groups: opts.groups ?? {},
    hostvars: (h) => hv[h] ?? {},
  };
}

/** Validate params with the role's schema (as the engine does) and expand. */
export function expand<S extends z.ZodType>(role: RoleDefinition<S>, params: unknown, c: RoleExpandContext = expandCtx()): Array<Record<string, unknown>> {
  return role.tasks(role.params.parse(params), c) as Array<Record<string, unknown>>;
}

/** The module each task calls (the one key that is not a task keyword). */
const KEYWORDS = new Set(['name', 'when', 'notify', 'register', 'no_log', 'vars', 'tags', 'become', 'ignore_errors', 'changed_when', 'failed_when']);
export function moduleOf(t: Record<string, unknown>): string {
  return Object.keys(t).find((k) => !KEYWORDS.has(k))!;
}
export const modules = (ts: Array<Record<string, unknown>>) => ts.map(moduleOf);

/** zod issues of a failed parse as "path: message" lines. */
export function issues<S extends z.ZodType>(role: RoleDefinition<S>, params: unknown): string[] {
  const r = role.params.safeParse(params);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}
