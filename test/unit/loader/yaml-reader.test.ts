import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isUnsafe } from '../../../src/config/unsafe.js';
import { isVault } from '../../../src/config/vault.js';
import { parseYaml, stringifyYaml } from '../../../src/loader/yaml.js';

interface DocCase {
  name: string;
  yaml: string;
  value?: unknown;
  error?: string;
}

// Recorded from ansible-core's from_yaml by test/fixtures/yaml/generate-documents.py.
const docs = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/yaml/documents.json', import.meta.url)), 'utf8')) as DocCase[];

/** Unsafe texts as {"__unsafe__": text}, like the fixture. */
function tagged(v: unknown): unknown {
  if (isUnsafe(v)) return { __unsafe__: String(v) };
  if (Array.isArray(v)) return v.map(tagged);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tagged(x)]));
  return v;
}

describe('YAML documents read as ansible-core reads them', () => {
  for (const d of docs) {
    it(d.name, () => {
      const r = parseYaml(d.yaml, 'doc.yml');
      if (d.error !== undefined) {
        expect(r.errors.length).toBeGreaterThan(0);
        return;
      }
      expect(r.errors.map((e) => e.message)).toEqual([]);
      expect(tagged(r.value)).toEqual(d.value);
    });
  }
});

describe('YAML reader', () => {
  it('warns on a key written twice in one mapping and keeps the last value and its position', () => {
    const r = parseYaml('a: 1\nb: 2\na: 3\n', 'dup.yml');
    expect(r.value).toEqual({ a: 3, b: 2 });
    expect(r.warnings).toEqual(['dup.yml:3:1: found a duplicate dict key (a); using the last defined value only']);
    expect(r.map.value(r.value, 'a')).toMatchObject({ line: 3, col: 4 });
  });

  it('does not warn when a merge key is overridden (that is what merges are for)', () => {
    const r = parseYaml('b: &b {x: 1}\nc:\n  <<: *b\n  x: 2\n', 'm.yml');
    expect(r.warnings).toEqual([]);
    expect(r.value).toEqual({ b: { x: 1 }, c: { x: 2 } });
  });

  it('refuses a "billion laughs" document with its location', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const r = parseYaml(levels.join('\n') + '\n', 'laughs.yml');
    expect(r.value).toBeUndefined();
    expect(r.errors[0]!.message).toMatch(/alias expansions/);
    expect(r.errors[0]!.location).toMatchObject({ file: 'laughs.yml', line: expect.any(Number), col: expect.any(Number) });
  });

  it('refuses a recursive alias', () => {
    const r = parseYaml('a: &a\n  b: *a\n', 'rec.yml');
    expect(r.value).toBeUndefined();
    expect(r.errors[0]!.message).toMatch(/recursive|alias/);
    expect(r.errors[0]!.location?.file).toBe('rec.yml');
  });

  it('a merge of something that is not a mapping is an error, as in PyYAML', () => {
    const r = parseYaml('a: &a [1]\nb:\n  <<: *a\n', 'bad.yml');
    expect(r.errors[0]!.message).toMatch(/mapping/);
    expect(r.errors[0]!.location).toMatchObject({ line: 1 });
  });

  it('keeps !vault values as VaultText holding the ciphertext', () => {
    const r = parseYaml('pw: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n', 'v.yml');
    const pw = (r.value as { pw: unknown }).pw;
    expect(isVault(pw)).toBe(true);
    expect((pw as { ciphertext: string }).ciphertext).toBe('$ANSIBLE_VAULT;1.1;AES256\n6162\n');
    expect(JSON.stringify(r.value)).not.toContain('6162');
  });

  it('an unknown tag is an error (Ansible: could not determine a constructor)', () => {
    const r = parseYaml('a: !foo bar\n', 't.yml');
    expect(r.errors[0]!.location).toMatchObject({ file: 't.yml', line: 1 });
  });

  it('a whole file encrypted with ansible-vault is refused plainly', () => {
    const r = parseYaml('$ANSIBLE_VAULT;1.1;AES256\n6162\n', 's.yml');
    expect(r.errors[0]!.message).toMatch(/ansible-vault/);
  });

  it('syntax errors carry file:line:col', () => {
    const r = parseYaml('a: 1\n b: 2\n', 'syn.yml');
    expect(r.errors[0]!.location).toMatchObject({ file: 'syn.yml', line: expect.any(Number), col: expect.any(Number) });
  });

  it('JSON text is read as JSON (1e3 is a number) but keeps positions', () => {
    const r = parseYaml('{\n  "a": 1e3,\n  "b": "x"\n}\n', 'j.json');
    expect(r.value).toEqual({ a: 1000, b: 'x' });
    expect(r.map.value(r.value, 'b')).toMatchObject({ line: 3 });
  });
});

describe('stringifyYaml', () => {
  it('writes text the reader reads back as the same value (YAML 1.1 look-alikes are quoted)', () => {
    const v = { a: 'yes', b: 'n', c: '0644', d: '1:30', e: 'on', f: '1e3', g: '2001-12-14', h: 'x', i: 420, j: true, k: null, l: ['~', 'null'] };
    const text = stringifyYaml(v);
    expect(parseYaml(text, 'w.yml').value).toEqual(v);
  });
});

describe('JSON text', () => {
  it('a duplicate key in JSON keeps the last value without a warning (json.loads)', () => {
    const r = parseYaml('{"a": 1, "a": 2}', 'd.json');
    expect(r.value).toEqual({ a: 2 });
    expect(r.warnings).toEqual([]);
  });
});
