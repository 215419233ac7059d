/**
 * tsplay's public interface for a team's own modules, roles and plugins (`import … from 'tsplay'`;
 * docs/extending.md). The shipped Wallarm package (src/wallarm/) uses only what is exported here.
 */
export { defineModule, definePlugin } from './modules/types.js';
export type { ModuleDef, Plan, PlanContext, Probe, Outcome, FileDiff, TsplayPlugin } from './modules/types.js';
export { defineRole, secret, type RoleDefinition } from './config/role-definition.js';
export type { RoleExpandContext } from './config/model.js';
export type { Command, ShellCommand, PutCommand } from './commands/types.js';
export { sh, raw, argv, quote, Shell } from './commands/quote.js';
export type { RunResult } from './executors/types.js';
export type { HostFacts } from './facts/types.js';
export { ansibleBoolean } from './config/boolean.js';
/** The zod tsplay uses, so a team's schemas are introspected the same way (`tsplay modules show`). */
export { z } from 'zod';
