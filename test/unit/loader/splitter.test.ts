import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseKv, SplitArgsError, splitArgs } from '../../../src/loader/splitter.js';

interface Case {
  input: string;
  split?: string[];
  split_error?: string;
  kv?: Record<string, string>;
  kv_error?: string;
  kv_raw?: Record<string, string>;
  kv_raw_error?: string;
}

// Recorded from ansible-core's split_args / parse_kv by test/fixtures/splitter/generate.py.
const cases = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/splitter/cases.json', import.meta.url)), 'utf8')) as Case[];

function asAnsible(r: { options: Record<string, string>; raw?: string }): Record<string, string> {
  return r.raw === undefined ? { ...r.options } : { ...r.options, _raw_params: r.raw };
}

describe("Ansible's split_args and parse_kv", () => {
  it('has the recorded cases', () => expect(cases.length).toBeGreaterThanOrEqual(60));

  for (const c of cases) {
    it(JSON.stringify(c.input), () => {
      if (c.split_error) expect(() => splitArgs(c.input)).toThrow(SplitArgsError);
      else expect(splitArgs(c.input)).toEqual(c.split);
      if (c.kv_error) expect(() => parseKv(c.input)).toThrow(SplitArgsError);
      else expect(asAnsible(parseKv(c.input))).toEqual(c.kv);
      if (c.kv_raw_error) expect(() => parseKv(c.input, true)).toThrow(SplitArgsError);
      else expect(asAnsible(parseKv(c.input, true))).toEqual(c.kv_raw);
    });
  }
});
