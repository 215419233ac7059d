/** pyregex's str-pattern (unicode) mode and pySubn against CPython's re.subn with MULTILINE (gen-pyregex-str-fixtures.py). */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compilePyRegex, pySubn } from '../../../../src/modules/files/pyregex.js';

const data = JSON.parse(readFileSync(fileURLToPath(new URL('../../../fixtures/modules/files/pyregex-str.json', import.meta.url)), 'utf8'));

describe(`re.subn parity, str patterns with MULTILINE (CPython ${data.python}, ${data.cases.length} cases)`, () => {
  it('matches every recorded result', () => {
    const wrong: string[] = [];
    for (const c of data.cases) {
      let got: unknown;
      try {
        const r = pySubn(compilePyRegex(c.pattern, { unicode: true, multiline: true }), c.template, c.subject);
        got = { text: r.text, count: r.count };
      } catch {
        got = { error: true };
      }
      const want = c.error ? { error: true } : { text: c.text, count: c.count };
      if (JSON.stringify(got) !== JSON.stringify(want))
        wrong.push(`${JSON.stringify([c.pattern, c.subject, c.template])}: got ${JSON.stringify(got)} want ${JSON.stringify(want)}`);
    }
    expect(wrong.join('\n')).toBe('');
  });
});
