/**
 * "Same bytes as Ansible", proven: every case in ansible-*.json was run through real ansible-core by
 * test/fixtures/modules/files/gen-ansible-fixtures.sh. tsplay's plan for the same input file and args must
 * produce the same file bytes, the same changed flag and msg, the same failure, and the same verdict on a
 * second run (idempotence).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { blockinfile, planBlockInFile } from '../../../../src/modules/files/blockinfile.js';
import { lineinfile, planLineInFile } from '../../../../src/modules/files/lineinfile.js';
import { fileStateOf } from '../../../../src/modules/files/state.js';
import type { Plan } from '../../../../src/modules/types.js';
import type { PutCommand } from '../../../../src/commands/types.js';

interface Case {
  id: string;
  args: Record<string, unknown>;
  input: string | null;
  output: string | null;
  changed: boolean;
  failed: boolean;
  msg: string;
  changed2: boolean;
  rc?: number;
  found?: number;
}

function load(name: string): { ansible: string; cases: Case[] } {
  const url = new URL(`../../../fixtures/modules/files/${name}`, import.meta.url);
  return JSON.parse(readFileSync(fileURLToPath(url), 'utf8'));
}

const b64 = (s: string | null): Buffer | null => (s === null ? null : Buffer.from(s, 'base64'));

function written(plan: Plan): Buffer | undefined {
  const puts = plan.commands.filter((c): c is PutCommand => c.kind === 'put');
  const last = puts.at(-1);
  return last ? Buffer.from(last.content) : undefined;
}

type Planner = (args: any, content: Buffer | null, path: string) => Plan;

function suite(file: string, planner: Planner): void {
  const data = load(file);
  describe(`${file} (${data.ansible})`, () => {
    it('has cases', () => {
      expect(data.cases.length).toBeGreaterThan(100);
    });
    for (const c of data.cases) {
      it(`${c.id}: ${JSON.stringify(c.args)}`, () => {
        const path = `/fixture/${c.id}`;
        const input = b64(c.input);
        const plan = planner(c.args, input, path);
        const msg = c.msg.replace(/\/tmp\/tmp[^/]+\//g, '/fixture/');
        if (c.failed && msg.startsWith('MODULE FAILURE')) {
          // Ansible crashed (a traceback, not a message): tsplay must fail too, with a message of its own.
          expect(plan.failed).toMatch(/Ansible fails here too/);
          expect(plan.commands).toEqual([]);
          return;
        }
        if (c.failed) {
          expect(plan.failed).toBe(msg);
          if (c.rc !== undefined) expect(plan.result?.rc).toBe(c.rc);
          expect(plan.commands).toEqual([]);
          return;
        }
        expect(plan.failed).toBeUndefined();
        expect({ changed: plan.changed, msg: plan.msg ?? '' }).toEqual({ changed: c.changed, msg });
        const expected = b64(c.output);
        if (c.changed) {
          expect(written(plan)?.toString('latin1')).toBe(expected!.toString('latin1'));
        } else {
          expect(plan.commands).toEqual([]);
        }
        if (c.found !== undefined) expect(plan.result?.found).toBe(c.found);
        // Second run on what the first run left behind.
        const again = planner(c.args, expected, path);
        expect(again.failed).toBeUndefined();
        expect(again.changed).toBe(c.changed2);
      });
    }
  });
}

suite('ansible-lineinfile.json', (args, content, path) => {
  const a = lineinfile.args.parse({ ...args, path });
  return planLineInFile(a, fileStateOf(path, content));
});

suite('ansible-blockinfile.json', (args, content, path) => {
  const a = blockinfile.args.parse({ ...args, path });
  return planBlockInFile(a, fileStateOf(path, content));
});
