import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nearlyValidPlaybook, playbookText, yamlInventoryText } from '../fuzz/generators.js';
import { loadPlaybook, normalizeTaskList, readYamlFile, registryModules } from '../../../src/loader/index.js';
import { loadInventory } from '../../../src/inventory/index.js';
import { TsplayError, TsplayErrors } from '../../../src/errors.js';
import type { SchemaKind } from '../../../src/schema/build.js';
import { compiledSchemas, editorValue, ROOT, SCHEMA_REASONS, text, yamlFiles } from './support.js';

/**
 * The editor schema never drifts from the loader: every playbook, task file, inventory and vars
 * file of the repository and its fixtures that validate accepts is valid against the schema, and
 * every one validate rejects for a schema reason (an unknown key, a wrong type…) the schema rejects.
 */

function kindOf(file: string, value: unknown): SchemaKind | undefined {
  const dir = path.basename(path.dirname(file));
  const parts = path.relative(ROOT, file).split(path.sep);
  if (dir === 'tasks') return 'tasks';
  if (dir === 'handlers') return 'handlers';
  if (parts.some((p) => p === 'group_vars' || p === 'host_vars') || dir === 'defaults' || dir === 'vars') return 'vars';
  if (dir === 'meta' || path.basename(file) === 'case.yml') return undefined;
  if (Array.isArray(value) && value.length && value.every((p) => p !== null && typeof p === 'object' && !Array.isArray(p))) {
    if (value.every((p) => 'hosts' in p || 'import_playbook' in p || 'ansible.builtin.import_playbook' in p)) return 'playbook';
    if (value.some((p) => 'hosts' in p)) return 'playbook';
    return 'tasks';
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && (/inventor|hosts/.test(path.basename(file)) || parts.includes('inventory'))) return 'inventory';
  return undefined;
}

function messages(e: unknown): string[] {
  if (e instanceof TsplayErrors) return e.errors.map((x) => x.message);
  if (e instanceof TsplayError) return [e.message];
  throw e;
}

/** validate's verdict: the error messages (empty: accepted). */
async function loaderErrors(kind: SchemaKind, file: string): Promise<string[]> {
  try {
    if (kind === 'playbook') {
      await loadPlaybook(file);
      return [];
    }
    if (kind === 'inventory') {
      const inv = await loadInventory([file], {});
      // ansible-core warns and skips such a key; the editor flags it
      return inv.warnings.filter((w) => /skipping unexpected key|must be a mapping/.test(w));
    }
    const p = readYamlFile(file);
    if (p.errors.length) return p.errors.map((e) => e.message);
    if (kind === 'vars') return p.value === null || (typeof p.value === 'object' && !Array.isArray(p.value)) ? [] : ['must be a mapping of variables'];
    const r = normalizeTaskList(p.value, file, {
      map: p.map,
      modules: registryModules,
      includeDirs: [path.dirname(file)],
      ...(kind === 'handlers' ? { section: 'handlers' as const } : {}),
    });
    return r.errors.map((e) => e.message);
  } catch (e) {
    return messages(e);
  }
}

describe('editor schema agrees with validate', () => {
  let schemas: Record<SchemaKind, ValidateFunction>;
  beforeAll(async () => {
    schemas = await compiledSchemas();
  }, 60_000);

  it('on every playbook, task file, inventory and vars file of the repository', async () => {
    const counts: Record<string, number> = {};
    const projects = new Map<string, Record<SchemaKind, ValidateFunction>>();
    const acceptedButInvalid: string[] = [];
    const rejectedButValid: string[] = [];
    for (const file of yamlFiles(['playbooks', 'roles', 'inventory', 'test'])) {
      const value = editorValue(text(file), file);
      if (value === undefined) continue; // not YAML (the reader's own errors are not the schema's)
      const kind = kindOf(file, value);
      if (!kind) continue;
      const errors = await loaderErrors(kind, file);
      // a playbook beside a roles/ folder: that project's schema types its roles' params too
      const rolesDir = path.join(path.dirname(file), 'roles');
      const own = kind === 'playbook' && existsSync(rolesDir) ? (projects.get(rolesDir) ?? projects.set(rolesDir, await compiledSchemas(rolesDir)).get(rolesDir)!) : schemas;
      const ok = own[kind](value);
      const rel = path.relative(ROOT, file);
      if (errors.length === 0) {
        counts[`${kind} accepted`] = (counts[`${kind} accepted`] ?? 0) + 1;
        if (!ok) acceptedButInvalid.push(`${rel} (${kind}): ${JSON.stringify(own[kind].errors?.slice(0, 2))}`);
      } else if (errors.some((m) => SCHEMA_REASONS.some((r) => r.test(m)))) {
        counts[`${kind} rejected`] = (counts[`${kind} rejected`] ?? 0) + 1;
        if (ok) rejectedButValid.push(`${rel} (${kind}): ${errors.join(' | ')}`);
      }
    }
    expect(acceptedButInvalid).toEqual([]);
    expect(rejectedButValid).toEqual([]);
    // what the test covered: hundreds of real files of each kind, and rejected ones too
    expect(counts['playbook accepted']).toBeGreaterThan(200);
    expect(counts['tasks accepted']).toBeGreaterThan(30);
    expect(counts['vars accepted']).toBeGreaterThan(10);
    expect(counts['inventory accepted']).toBeGreaterThan(3);
    expect(counts['playbook rejected']).toBeGreaterThan(0);
  }, 300_000);
});

describe('bad input', () => {
  let schemas: Record<SchemaKind, ValidateFunction>;
  beforeAll(async () => {
    schemas = await compiledSchemas();
  }, 60_000);

  it('every fixture of test/fixtures/schema/bad is refused by validate for a schema reason and by the schema', async () => {
    const files = yamlFiles(['test/fixtures/schema/bad']);
    expect(files.length).toBeGreaterThan(25);
    const wrong: string[] = [];
    for (const file of files) {
      const value = editorValue(text(file), file);
      const kind = kindOf(file, value);
      const rel = path.relative(ROOT, file);
      if (!kind) {
        wrong.push(`${rel}: not classified`);
        continue;
      }
      const errors = await loaderErrors(kind, file);
      if (!errors.some((m) => SCHEMA_REASONS.some((r) => r.test(m)))) wrong.push(`${rel}: validate said ${JSON.stringify(errors)}`);
      if (schemas[kind](value)) wrong.push(`${rel}: the ${kind} schema accepts it`);
    }
    expect(wrong).toEqual([]);
  }, 120_000);
});

describe('generated input (the fuzz suite’s generators, fixed seeds)', () => {
  let schemas: Record<SchemaKind, ValidateFunction>;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-schema-fuzz-'));
  beforeAll(async () => {
    schemas = await compiledSchemas();
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Each text through validate and the schema: where validate accepts, the schema accepts; where validate refuses for a schema reason, the schema refuses. */
  async function compare(kind: 'playbook' | 'inventory', texts: string[], verdict: (file: string) => Promise<string[]>, reasons: RegExp[]) {
    const seen = { accepted: 0, rejected: 0 };
    const wrong: string[] = [];
    for (const [i, t] of texts.entries()) {
      const file = path.join(dir, `${kind}-${i}.yml`);
      writeFileSync(file, t);
      const value = editorValue(t, file);
      if (value === undefined || (kind === 'inventory' && (value === null || typeof value !== 'object' || Array.isArray(value)))) continue;
      const errors = await verdict(file);
      const ok = schemas[kind](value);
      if (errors.length === 0) {
        seen.accepted++;
        if (!ok) wrong.push(`accepted by validate, not by the schema:\n${t.slice(0, 400)}\n${JSON.stringify(schemas[kind].errors?.slice(0, 2))}`);
      } else if (errors.some((m) => reasons.some((r) => r.test(m)))) {
        seen.rejected++;
        if (ok) wrong.push(`refused by validate (${errors.join(' | ')}), valid to the schema:\n${t.slice(0, 400)}`);
      }
    }
    return { seen, wrong };
  }

  it('playbooks', async () => {
    const texts = [...fc.sample(playbookText(registryModules.names().slice(0, 40)), { numRuns: 400, seed: 42 }), ...fc.sample(nearlyValidPlaybook(), { numRuns: 200, seed: 7 })];
    const r = await compare(
      'playbook',
      texts,
      async (f) => {
        try {
          await loadPlaybook(f, { checkRoles: false });
          return [];
        } catch (e) {
          return messages(e);
        }
      },
      SCHEMA_REASONS,
    );
    expect(r.wrong).toEqual([]);
    expect(r.seen.accepted).toBeGreaterThan(50);
    expect(r.seen.rejected).toBeGreaterThan(100);
  }, 300_000);

  it('YAML inventories', async () => {
    const r = await compare(
      'inventory',
      fc.sample(yamlInventoryText, { numRuns: 400, seed: 3 }),
      async (f) => {
        try {
          return (await loadInventory([f], {})).warnings.filter((w) => /skipping unexpected key|must be a mapping/.test(w));
        } catch (e) {
          return messages(e);
        }
      },
      [/skipping unexpected key|must be a mapping|must map to its variables|must be a string/],
    );
    expect(r.wrong).toEqual([]);
    expect(r.seen.rejected).toBeGreaterThan(100);
  }, 300_000);
});
