import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parseYaml } from '../../../src/loader/yaml.js';
import { buildSchema, type SchemaKind, SCHEMA_KINDS } from '../../../src/schema/build.js';
import { listModules } from '../../../src/modules/registry.js';
import { listRoles, loadPlugins, roleSearchPaths } from '../../../src/loader/index.js';

export const ROOT = path.resolve(import.meta.dirname, '../../..');

/** The schemas as `tsplay schema` builds them in the repository root (shipped plugins and roles), or with the roles of `rolesDir` too (`--roles DIR`). */
export async function compiledSchemas(rolesDir?: string): Promise<Record<SchemaKind, ValidateFunction>> {
  await loadPlugins(ROOT);
  const roles = await listRoles([...(rolesDir ? [rolesDir] : []), ...roleSearchPaths(ROOT)]);
  const ajv = new Ajv2020({ allErrors: false, strict: false });
  const out = {} as Record<SchemaKind, ValidateFunction>;
  for (const k of SCHEMA_KINDS) out[k] = ajv.compile(buildSchema(k, { modules: listModules().map((m) => m.module), roles }));
  return out;
}

/** Plain JSON data: `!unsafe` texts and `!vault` values become the strings an editor sees. */
function plain(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object' || depth > 200) return v;
  if (v instanceof String) return String(v);
  if (Array.isArray(v)) return v.map((x) => plain(x, depth + 1));
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return String((v as { text?: string }).text ?? v);
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plain(x, depth + 1)]));
}

/** A YAML file's data as tsplay's one YAML reader gives it (YAML 1.1 as Ansible), for the schema. Undefined when it does not parse. */
export function editorValue(content: string, file = 'file.yml'): unknown {
  const p = parseYaml(content, file);
  return p.errors.length ? undefined : plain(p.value);
}

/** The YAML files of the repository under these folders (no node_modules, no dotted folders). */
export function yamlFiles(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      if (e.startsWith('.') || e === 'node_modules') continue;
      const p = path.join(d, e);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e)) out.push(p);
    }
  };
  for (const d of dirs) walk(path.join(ROOT, d));
  return out.sort();
}

export function text(file: string): string {
  return readFileSync(file, 'utf8');
}

/**
 * What validate's error says is a schema matter (a wrong or unknown key, a wrong type, a missing
 * required argument, a value outside the choices): the editor schema must flag those. Others
 * (a missing file, a template that does not compile, a role not found) are not its business.
 */
export const SCHEMA_REASONS = [
  /unknown (argument|keyword|task keyword|play keyword|module|loop_control key|strategy|order)\b/,
  /module '[\w.]+' is not available in tsplay/,
  /handlers must be module tasks/,
  /skipping unexpected key/,
  /is not valid on/,
  /missing required argument/,
  /Invalid options for/,
  /invalid meta action/,
  /a task calls one module/,
  /has no module/,
  /cannot also call a module/,
  /must be true or false/,
  /must be a mapping/,
  /^module [\w.]+: argument '[\w.[\]]+': (Invalid option|Invalid input: expected (string|number|boolean|array|object))/,
  /'listen' is only valid on handlers/,
];
