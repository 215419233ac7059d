import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExtraVars } from '../../../src/loader/extra-vars.js';

function file(text: string): string {
  const p = join(mkdtempSync(join(tmpdir(), 'tsplay-ev-')), 'vars.yml');
  writeFileSync(p, text);
  return p;
}

describe("-e as Ansible's load_extra_vars reads it", () => {
  it('@file is YAML 1.1 like every other file: yes is true, n a string, 0644 is 420', () => {
    expect(parseExtraVars([`@${file('a: yes\nb: n\nc: 0644\n')}`])).toEqual({ a: true, b: 'n', c: 420 });
  });

  it('{…} is inline YAML/JSON (JSON first: 1e3 is a number)', () => {
    expect(parseExtraVars(['{"a": 1e3, "b": "yes"}', '{c: yes}'])).toEqual({ a: 1000, b: 'yes', c: true });
  });

  it('k=v words are parse_kv: values stay strings, quotes and {{ }} whole', () => {
    expect(parseExtraVars(['a=1 b="two words" c={{ x }}'])).toEqual({ a: '1', b: 'two words', c: '{{ x }}' });
  });

  it('later values win', () => {
    expect(parseExtraVars(['a=1', '{"a": 2}'])).toEqual({ a: 2 });
  });

  it('refuses what Ansible refuses, and a bare word', () => {
    expect(() => parseExtraVars(['./vars.yml'])).toThrow(/prepend the file name with '@'/);
    expect(() => parseExtraVars(['[1, 2]'])).toThrow(/mapping/);
    expect(() => parseExtraVars(['word'])).toThrow(/expected key=value/);
    expect(() => parseExtraVars(['a="open'])).toThrow(/unbalanced/);
  });

  it('a duplicate key in @file warns', () => {
    const warnings: string[] = [];
    expect(parseExtraVars([`@${file('a: 1\na: 2\n')}`], (w) => warnings.push(w))).toEqual({ a: 2 });
    expect(warnings).toEqual([expect.stringMatching(/vars\.yml:2:1: found a duplicate dict key \(a\)/)]);
  });
});
