import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isUnsafe } from '../../../src/config/unsafe.js';
import { parseYaml } from '../../../src/loader/yaml.js';

interface Case {
  yaml: string;
  type: string;
  value: unknown;
}

// Recorded from ansible-core's AnsibleLoader by test/fixtures/yaml/generate-scalars.py.
const cases = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/yaml/scalars.json', import.meta.url)), 'utf8')) as Case[];

/** Where tsplay knowingly reads differently, and why. */
const DIVERGES: Record<string, string> = {};

function expected(c: Case): unknown {
  switch (c.type) {
    case 'int':
      return Number(c.value);
    case 'float':
      return c.value === 'nan' ? NaN : c.value === 'inf' ? Infinity : c.value === '-inf' ? -Infinity : Number(c.value);
    case 'date':
      return c.value;
    case 'datetime':
      // Kept as the text written (documented in parseYaml).
      return c.yaml.trim();
    case 'bytes':
      return c.value;
    default:
      return c.value;
  }
}

describe('YAML scalars read as ansible-core reads them', () => {
  it('has the recorded table', () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
  });

  for (const c of cases) {
    if (DIVERGES[c.yaml]) continue;
    it(`v: ${c.yaml} → ${c.type} ${JSON.stringify(c.value)}`, () => {
      const r = parseYaml(`v: ${c.yaml}\n`, 'case.yml');
      if (c.type === 'error') {
        expect(r.errors.length, `expected an error, got ${JSON.stringify(r.value)}`).toBeGreaterThan(0);
        expect(r.errors[0]!.location).toMatchObject({ file: 'case.yml', line: 1 });
        return;
      }
      expect(r.errors.map((e) => e.message)).toEqual([]);
      const v = (r.value as { v: unknown }).v;
      if (c.type === 'unsafe') {
        expect(isUnsafe(v)).toBe(true);
        expect(String(v)).toBe(c.value);
        return;
      }
      expect(isUnsafe(v)).toBe(false);
      const want = expected(c);
      if (typeof want === 'number' && Number.isNaN(want)) expect(Number.isNaN(v)).toBe(true);
      else expect(v).toStrictEqual(want);
    });
  }
});
