/**
 * tsplay against Ansible's own answers for the same fixtures (test/fixtures/inventory/expected.json,
 * produced by generate-expected.py with ansible-core): `ansible-inventory --list`, `--graph`, and
 * `ansible PATTERN --list-hosts`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatInventory, loadInventory, selectHosts } from '../../../src/inventory/index.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/inventory');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as {
  cases: Record<string, { inventory: string[]; playbookDir: string | null; list: unknown; graph: string }>;
  patterns: Record<string, string[]>;
};

describe('same result as ansible-inventory', () => {
  for (const [name, c] of Object.entries(expected.cases)) {
    it(`${name}: --list`, async () => {
      const inv = await loadInventory(
        c.inventory.map((p) => join(FIXTURES, p)),
        { playbookDir: c.playbookDir ? join(FIXTURES, c.playbookDir) : undefined },
      );
      expect(JSON.parse(formatInventory(inv, { graph: false }))).toEqual(c.list);
    });
    it(`${name}: --graph`, async () => {
      const inv = await loadInventory(
        c.inventory.map((p) => join(FIXTURES, p)),
        {},
      );
      expect(formatInventory(inv, { graph: true })).toBe(c.graph);
    });
  }
});

describe('same hosts as `ansible PATTERN --list-hosts`', async () => {
  const inv = await loadInventory(
    expected.cases.patterns!.inventory.map((p) => join(FIXTURES, p)),
    {},
  );
  for (const [pattern, hosts] of Object.entries(expected.patterns)) {
    it(pattern, () => {
      expect(selectHosts(inv, pattern)).toEqual(hosts);
    });
  }
});
