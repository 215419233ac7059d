import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../../src/cli/main.js';
import { SCHEMA_KINDS } from '../../../src/schema/build.js';
import { ROOT } from './support.js';

async function tsplay(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false };
  const code = await main(args, io);
  return { code, out, err };
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tsplay-schema-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('tsplay schema', () => {
  it('writes every kind, and schemas/ in the package is what it writes now (run `npm run schemas` after changing a schema)', async () => {
    const r = await tsplay(['schema', '--out', tmp]);
    expect(r.code).toBe(0);
    for (const k of SCHEMA_KINDS) {
      const fresh = readFileSync(path.join(tmp, `${k}.json`), 'utf8');
      expect(readFileSync(path.join(ROOT, 'schemas', `${k}.json`), 'utf8'), `schemas/${k}.json is stale: run npm run schemas`).toBe(fresh);
    }
  }, 60_000);

  it('prints one kind as a draft 2020-12 JSON Schema with every module under its names', async () => {
    const r = await tsplay(['schema', 'tasks']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as { $schema: string; $defs: Record<string, { properties?: Record<string, unknown> }> };
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(s.$defs['action.copy']!.properties!)).toEqual(expect.arrayContaining(['copy', 'ansible.builtin.copy']));
    expect(Object.keys(s.$defs['action.sysctl']!.properties!)).toContain('ansible.posix.sysctl');
    expect(s.$defs['module.wallarm_install'], 'the shipped plugin’s modules are in it').toBeDefined();
  }, 60_000);

  it('types the params of a role given with --roles in role entries', async () => {
    const r = await tsplay(['schema', 'playbook', '--roles', path.join(ROOT, 'test/differential/cases/playbooks/argspec-tasks-from-entry-points/roles')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('"const":"pkg"');
  }, 60_000);

  it('refuses an unknown kind with the list of kinds', async () => {
    const r = await tsplay(['schema', 'playbooks']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/unknown schema 'playbooks'[\s\S]*playbook, tasks, handlers, inventory/);
  });
});
