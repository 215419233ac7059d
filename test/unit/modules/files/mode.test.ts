import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { modeArg, modeOrPreserveArg, normalizeMode, parseOctal, resolveMode } from '../../../../src/modules/files/mode.js';

interface Case {
  mode: number | string;
  start: string;
  dir: boolean;
  umask: string;
  result?: string;
  error?: string;
}

// Recorded from ansible-core's AnsibleModule.set_mode_if_different on real files (test/fixtures/modes/generate.py).
const cases = JSON.parse(readFileSync(fileURLToPath(new URL('../../../fixtures/modes/cases.json', import.meta.url)), 'utf8')) as Case[];

/**
 * Out-of-range numbers: Ansible hands them to chmod (the kernel keeps the low 12 bits) and reports
 * "changed" on every run; tsplay refuses them with a hint instead.
 */
const outOfRange = (m: number | string) => (typeof m === 'number' ? m > 0o7777 : (parseOctal(m) ?? 0) > 0o7777 || (parseOctal(m) ?? 0) < 0);

describe('mode arguments mean what they mean to Ansible', () => {
  it('has the recorded cases', () => expect(cases.length).toBeGreaterThan(600));

  for (const c of cases) {
    const name = `${JSON.stringify(c.mode)} on ${c.start}${c.dir ? ' dir' : ''} (umask ${c.umask}) → ${c.result ?? 'error'}`;
    it(name, () => {
      const n = normalizeMode(c.mode);
      if (outOfRange(c.mode)) {
        expect(n).toEqual({ error: expect.stringMatching(/range|permission number/) });
        return;
      }
      if (c.error !== undefined) {
        expect(typeof n).toBe('object');
        return;
      }
      expect(typeof n, JSON.stringify(n)).toBe('string');
      expect(resolveMode(n as string, c.start, c.dir, parseInt(c.umask, 8))).toBe(c.result);
    });
  }
});

describe('mode argument schemas', () => {
  it('a YAML int is the number itself, a string is octal, symbolic stays text', () => {
    expect(modeArg.parse(420)).toBe('0644');
    expect(modeArg.parse(644)).toBe('1204');
    expect(modeArg.parse('644')).toBe('0644');
    expect(modeArg.parse('0o755')).toBe('0755');
    expect(modeArg.parse('u=rw,g=r,o=r')).toBe('u=rw,g=r,o=r');
    expect(modeArg.safeParse('preserve').success).toBe(false);
    expect(modeOrPreserveArg.parse('preserve')).toBe('preserve');
    expect(modeArg.safeParse('u+z').error?.issues[0]?.message).toMatch(/octal or symbolic/);
    expect(modeArg.safeParse(4755 * 8).error?.issues[0]?.message).toMatch(/0o7777/);
  });
});
