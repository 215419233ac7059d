import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Io } from './io.js';
import { EXIT } from './exit-codes.js';
import { TsplayError } from '../errors.js';
import { listRoles, loadPlugins, roleSearchPaths } from '../loader/index.js';
import { listModules } from '../modules/registry.js';
import { buildSchema, SCHEMA_KINDS, type SchemaKind } from '../schema/build.js';

/** A schema as written to schemas/ and printed: stable key order, one line per document. */
export function schemaText(s: unknown): string {
  return `${JSON.stringify(s)}\n`;
}

/**
 * `tsplay schema [KIND] [--roles DIR…] [--out DIR]`: the editor's JSON Schema (draft 2020-12) for
 * playbooks, task files, handlers, inventories or vars files, from the zod schemas of the keywords,
 * every module (the project's tsplay.config.* plugins too) and the params of every role on the
 * search path (roles/ here, ANSIBLE_ROLES_PATH, the shipped roles, and each --roles DIR).
 */
export async function schemaCommand(kind: string | undefined, flags: { roles?: string[]; out?: string }, io: Io): Promise<number> {
  if (kind !== undefined && !SCHEMA_KINDS.includes(kind as SchemaKind)) {
    throw new TsplayError('USAGE', `unknown schema '${kind}'`, { hint: `tsplay schema takes one of ${SCHEMA_KINDS.join(', ')} (or --out DIR for all of them)` });
  }
  const cwd = process.cwd();
  await loadPlugins(cwd);
  const paths = [...(flags.roles ?? []).map((d) => path.resolve(d)), ...roleSearchPaths(cwd)];
  const roles = await listRoles(paths);
  const input = { modules: listModules().map((m) => m.module), roles };
  if (flags.out) {
    mkdirSync(flags.out, { recursive: true });
    for (const k of kind ? [kind as SchemaKind] : SCHEMA_KINDS) {
      const file = path.join(flags.out, `${k}.json`);
      const t = schemaText(buildSchema(k, input));
      writeFileSync(file, t);
      io.err(`${file}: ${(t.length / 1024).toFixed(0)} KiB\n`);
    }
    return EXIT.OK;
  }
  io.out(schemaText(buildSchema((kind ?? 'playbook') as SchemaKind, input)));
  return EXIT.OK;
}
