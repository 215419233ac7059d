import type { z } from 'zod';
import {
  applyKeywordsSchema,
  blockKeywordsSchema,
  importTasksKeywordsSchema,
  includeTasksKeywordsSchema,
  includeTasksOptionsSchema,
  metaKeywordsSchema,
  playKeywordsSchema,
  playbookSchema,
  roleEntryKeywordsSchema,
  roleReferenceSchema,
  taskKeywordsSchema,
  taskListSchema,
  roleListSchema,
} from '../config/keywords.js';
import { ALIAS_COLLECTION_NAMES, META_ACTIONS } from '../loader/tasks.js';
import type { LoadedRole } from '../config/model.js';
import type { ModuleDef } from '../modules/types.js';
import { argAliases } from '../modules/arg-aliases.js';
import { moduleKeys } from '../modules/registry.js';
import { inventoryVarsSchema, yamlInventorySchema } from '../inventory/shape.js';
import { argumentSpecZod } from './argspec.js';
import { type Json, TEMPLATE_REF, templateJson, widenInside, widenTemplates, zodToJson } from './zod-json.js';

/** The editor schemas `tsplay schema` prints and `schemas/` ships. */
export const SCHEMA_KINDS = ['playbook', 'tasks', 'handlers', 'inventory', 'vars'] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];

export interface SchemaInput {
  modules: ModuleDef[];
  roles: LoadedRole[];
}

const WITH_LOOP = { '^with_[A-Za-z0-9_]+$': { description: 'loop over what the lookup plugin after with_ returns' } };

/** The `properties` of a keyword object schema, with task lists and role lists pointing at the task definitions. */
function keywordProps(schema: z.ZodType, lists: Map<z.ZodType, Json>, drop: string[] = []): Record<string, Json> {
  const j = zodToJson(schema, lists);
  const props = { ...((j.properties as Record<string, Json>) ?? {}) };
  for (const d of drop) delete props[d];
  return props;
}

/** A module's arguments: its zod schema's JSON, aliases as properties too, templates accepted. */
function moduleArgs(m: ModuleDef): Json {
  const j = zodToJson(m.args);
  const props = j.properties as Record<string, Json> | undefined;
  const aliases = argAliases(m.args);
  let required = Array.isArray(j.required) ? (j.required as string[]) : [];
  if (props) {
    for (const [canonical, names] of Object.entries(aliases)) {
      const p = props[canonical];
      if (!p) continue;
      for (const a of names) props[a] = { ...p, description: `same as ${canonical}${p.description ? `: ${p.description}` : ''}` };
    }
    // `name:` or its alias `pkg:` fills a required argument
    const alt: Json[] = [];
    required = required.filter((r) => {
      if (!aliases[r]?.length) return true;
      alt.push({ anyOf: [r, ...aliases[r]!].map((n) => ({ required: [n] })) });
      return false;
    });
    if (alt.length) j.allOf = [...((j.allOf as Json[]) ?? []), ...alt];
    if (required.length) j.required = required;
    else delete j.required;
  }
  // the arguments' values may be templates; the mapping itself may not (a text is key=value words)
  const widened = widenInside(j);
  // key=value words (`copy: src=a dest=b`); a free-form module takes any text
  const kv: Json = m.freeForm
    ? { type: 'string', description: `the ${m.freeForm} (free form), or key=value arguments` }
    : { type: 'string', pattern: '=', description: 'key=value arguments' };
  const forms: Json[] = [widened, kv];
  if (m.freeForm) forms.push({ type: ['number', 'boolean'] });
  if (!required.length && !j.allOf) forms.push({ type: 'null' });
  return { description: m.description.split('\n')[0], anyOf: forms };
}

/** Role params by role name, as zod: a typed role's params, or a YAML role's argument_specs (main). */
function roleParams(role: LoadedRole): z.ZodType | undefined {
  if (role.params) return role.params;
  const main = role.argumentSpecs?.main;
  return main ? argumentSpecZod(main.options) : undefined;
}

function roleConditionals(roles: LoadedRole[], nameKeys: string[]): Json[] {
  const out: Json[] = [];
  for (const r of roles) {
    const params = roleParams(r);
    if (!params) continue;
    const pj = widenTemplates(zodToJson(params));
    const then: Json = { properties: pj.properties ?? {} };
    for (const key of nameKeys) out.push({ if: { properties: { [key]: { const: r.name } }, required: [key] }, then });
  }
  return out;
}

/** `allOf` when there is something in it (an empty one is not valid JSON Schema). */
function allOf(parts: Json[]): Json {
  return parts.length ? { allOf: parts } : {};
}

/** Every definition the task-level schemas share, by `$defs` key. */
function taskDefs(input: SchemaInput): Record<string, Json> {
  const lists = new Map<z.ZodType, Json>([
    [taskListSchema, { type: 'array', items: { $ref: '#/$defs/task' } }],
    [roleListSchema, { type: 'array', items: { $ref: '#/$defs/roleEntry' } }],
  ]);
  const handlerLists = new Map<z.ZodType, Json>([[taskListSchema, { type: 'array', items: { $ref: '#/$defs/handler' } }]]);
  const defs: Record<string, Json> = { template: templateJson };

  const taskKw = keywordProps(taskKeywordsSchema, lists, ['listen']);
  const handlerKw = keywordProps(taskKeywordsSchema, lists);
  const actions: Json[] = [];
  for (const m of input.modules) {
    const key = `module.${m.name}`;
    defs[key] = moduleArgs(m);
    // the loader also takes a short name under the collections tsplay stands in for
    const names = [
      ...new Set([...moduleKeys(m), ...[m.name, ...(m.aliases ?? [])].filter((n) => !n.includes('.')).flatMap((n) => ALIAS_COLLECTION_NAMES.map((c) => `${c}.${n}`))]),
    ];
    defs[`action.${m.name}`] = {
      properties: Object.fromEntries(names.map((n) => [n, { $ref: `#/$defs/${key}` }])),
      ...(names.length === 1 ? { required: names } : { oneOf: names.map((n) => ({ required: [n] })) }),
    };
    actions.push({ $ref: `#/$defs/action.${m.name}` });
  }
  const actionForm = {
    properties: {
      action: {
        description: 'the module and its arguments ("MODULE ARGS", or module: NAME with the arguments)',
        anyOf: [{ type: 'string' }, { type: 'object', required: ['module'] }],
      },
      local_action: { description: 'the module and its arguments, run on the controller', anyOf: [{ type: 'string' }, { type: 'object', required: ['module'] }] },
    },
    oneOf: [{ required: ['action'] }, { required: ['local_action'] }],
  };
  const moduleTask = (kw: Record<string, Json>, description: string): Json => {
    const { action: _a, local_action: _l, ...rest } = kw;
    return { type: 'object', description, properties: rest, patternProperties: WITH_LOOP, oneOf: [...actions, actionForm], unevaluatedProperties: false };
  };
  defs.moduleTask = moduleTask(taskKw, 'a task: one module and its keywords');
  defs.moduleHandler = moduleTask(handlerKw, 'a handler: a task run when notified (by name or a listen topic)');

  const keyed = (keys: string[], value: Json, kw: Record<string, Json>, description: string, extra: Json = {}): Json => ({
    type: 'object',
    description,
    properties: { ...kw, ...Object.fromEntries(keys.map((k) => [k, value])) },
    oneOf: keys.map((k) => ({ required: [k] })),
    unevaluatedProperties: false,
    ...extra,
  });
  defs.block = {
    type: 'object',
    description: 'a block: tasks sharing keywords, with rescue and always',
    properties: keywordProps(blockKeywordsSchema, lists),
    required: ['block'],
    additionalProperties: false,
  };
  const applyRef = new Map<z.ZodType, Json>([[applyKeywordsSchema, { $ref: '#/$defs/apply' }]]);
  defs.apply = { ...zodToJson(applyKeywordsSchema, lists), additionalProperties: false };
  const includeOptions = zodToJson(includeTasksOptionsSchema, applyRef);
  const fileOrOptions = (what: string): Json => ({ description: what, anyOf: [{ type: 'string' }, includeOptions, { type: 'null' }] });
  const dynamicIncludes: Array<[string, string, string, string]> = [
    ['includeTasks', 'include_tasks', 'the task file, read when a host reaches it', 'include_tasks: the tasks of a file, read when a host reaches it'],
    ['include', 'include', 'the task file (deprecated: use include_tasks or import_tasks)', 'include: (deprecated) the tasks of a file'],
  ];
  for (const [def, action, what, description] of dynamicIncludes) {
    defs[def] = keyed(
      ['', 'ansible.builtin.', 'ansible.legacy.'].map((p) => p + action),
      fileOrOptions(what),
      keywordProps(includeTasksKeywordsSchema, lists),
      description,
      { patternProperties: WITH_LOOP },
    );
  }
  defs.importTasks = keyed(
    ['import_tasks', 'ansible.builtin.import_tasks', 'ansible.legacy.import_tasks'],
    { description: 'the task file, read when the playbook loads', anyOf: [{ type: 'string' }, { type: 'object', properties: { file: { type: 'string' } }, required: ['file'] }] },
    keywordProps(importTasksKeywordsSchema, lists),
    'import_tasks: the tasks of a file, read when the playbook loads',
  );
  const roleRef = zodToJson(roleReferenceSchema, applyRef);
  const roleRefValue: Json = { description: roleRef.description, anyOf: [{ type: 'string' }, { ...roleRef, additionalProperties: false }] };
  const applyKw = keywordProps(applyKeywordsSchema, lists);
  const loopKw = keywordProps(taskKeywordsSchema.pick({ loop: true, loop_control: true, register: true }), lists);
  const includeRoleNames = ['include_role', 'ansible.builtin.include_role'];
  const importRoleNames = ['import_role', 'ansible.builtin.import_role'];
  const roleVars = (keys: string[]): Json[] =>
    roleConditionals(input.roles, ['name']).map((c) => ({
      if: { anyOf: keys.map((k) => ({ properties: { [k]: c.if }, required: [k] })) },
      then: { properties: { vars: c.then } },
    }));
  defs.includeRole = keyed(includeRoleNames, roleRefValue, { ...applyKw, ...loopKw }, 'include_role: run a role when a host reaches the task', {
    patternProperties: WITH_LOOP,
    ...allOf(roleVars(includeRoleNames)),
  });
  defs.importRole = keyed(importRoleNames, roleRefValue, applyKw, 'import_role: a role’s tasks, read when the playbook loads', allOf(roleVars(importRoleNames)));
  defs.meta = keyed(
    ['meta', 'ansible.builtin.meta', 'ansible.legacy.meta'],
    { description: 'the meta action', enum: [...META_ACTIONS] },
    keywordProps(metaKeywordsSchema, lists),
    'meta: an action of the engine itself (flush_handlers, end_play, end_host…)',
  );
  defs.task = {
    description: 'a task: a module call, a block, an include or import, or a meta action',
    type: 'object',
    oneOf: ['moduleTask', 'block', 'includeTasks', 'importTasks', 'include', 'includeRole', 'importRole', 'meta'].map((k) => ({ $ref: `#/$defs/${k}` })),
  };
  defs.handler = {
    description: 'a handler: a module task (or an include of handler tasks), run when notified',
    type: 'object',
    oneOf: ['moduleHandler', 'includeTasks', 'importTasks', 'include', 'meta'].map((k) => ({ $ref: `#/$defs/${k}` })),
  };
  const entry = zodToJson(roleEntryKeywordsSchema, lists);
  defs.roleEntry = {
    description: 'a role applied by the play: its name, or role: NAME with keywords and the role’s params',
    anyOf: [
      { type: 'string' },
      { ...entry, anyOf: [{ required: ['role'] }, { required: ['name'] }], ...allOf(roleConditionals(input.roles, ['role', 'name'])), additionalProperties: true },
    ],
  };
  const play = zodToJson(playKeywordsSchema, lists);
  const playProps = play.properties as Record<string, Json>;
  playProps.handlers = { ...playProps.handlers, items: { $ref: '#/$defs/handler' } };
  // a play keyword left empty (`gather_facts:`) is not given, to the loader as to ansible-core
  for (const [k, v] of Object.entries(playProps)) {
    const { description, ...rest } = v;
    playProps[k] = { ...(description !== undefined ? { description } : {}), anyOf: [rest, { type: 'null' }] };
  }
  defs.play = { ...play, required: ['hosts'], additionalProperties: false };
  void handlerLists;
  return defs;
}

function document(kind: SchemaKind, body: Json, defs: Record<string, Json>): Json {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://tsplay.dev/schemas/${kind}.json`,
    title: `tsplay ${kind}`,
    ...body,
    $defs: defs,
  };
}

/** One editor schema. */
export function buildSchema(kind: SchemaKind, input: SchemaInput): Json {
  switch (kind) {
    case 'playbook': {
      const defs = taskDefs(input);
      const pb = zodToJson(playbookSchema);
      const importPb = ((pb.items as Json).anyOf as Json[])[1]!;
      return document(kind, { description: pb.description, type: 'array', items: { anyOf: [{ $ref: '#/$defs/play' }, importPb] } }, defs);
    }
    case 'tasks':
      return document(kind, { description: 'a task file: a list of tasks', type: ['array', 'null'], items: { $ref: '#/$defs/task' } }, taskDefs(input));
    case 'handlers':
      return document(kind, { description: 'a handlers file: a list of handlers', type: ['array', 'null'], items: { $ref: '#/$defs/handler' } }, taskDefs(input));
    case 'inventory': {
      const j = zodToJson(yamlInventorySchema);
      const defs = { ...((j.$defs as Record<string, Json>) ?? {}) };
      delete j.$defs;
      return document(kind, { ...j, type: ['object', 'null'] }, defs);
    }
    case 'vars':
      return document(kind, { ...zodToJson(inventoryVarsSchema), type: ['object', 'null'] }, { template: templateJson });
  }
}

export { TEMPLATE_REF };
