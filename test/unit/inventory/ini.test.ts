import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.js';
import { expandHostRange } from '../../../src/inventory/hostnames.js';
import { shlexSplit } from '../../../src/inventory/ini.js';
import { parseIniValue } from '../../../src/inventory/pyliteral.js';
import { errorOf, tree } from './helpers.js';

describe('INI values are read like Ansible (Python literals, else strings)', () => {
  it.each([
    ['22', 22],
    ['-3', -3],
    ['1.5', 1.5],
    ['0x1F', 31],
    ['True', true],
    ['False', false],
    ['None', null],
    ['true', 'true'],
    ['yes', 'yes'],
    ['010', '010'],
    ['1.2.3.4', '1.2.3.4'],
    ['/srv/app', '/srv/app'],
    ['"quoted"', 'quoted'],
    ["'single'", 'single'],
    ['"a" \'b\'', 'ab'],
    ['"tab\\there"', 'tab\there'],
    ['"x"  # comment', 'x'],
    ["[1, 'two', [3]]", [1, 'two', [3]]],
    ['(1, 2)', [1, 2]],
    ["{'k': 'v', 'n': 1}", { k: 'v', n: 1 }],
    ['{k: v}', '{k: v}'],
    ['', ''],
    ['[1, 2', '[1, 2'],
  ])('%s', (raw, value) => {
    expect(parseIniValue(raw)).toEqual(value);
  });
});

describe('host lines are split like shlex', () => {
  it.each([
    ['h x=1 y=2', ['h', 'x=1', 'y=2']],
    ['h x="a b" y=\'c d\'', ['h', 'x=a b', 'y=c d']],
    ['h x="a \\" b"', ['h', 'x=a " b']],
    ['h x=a\\ b', ['h', 'x=a b']],
    ['h x=a#b y=2', ['h', 'x=a']],
    ['h x="#not a comment"', ['h', 'x=#not a comment']],
    ['h # x=1', ['h']],
  ])('%s', (line, tokens) => {
    expect(shlexSplit(line)).toEqual(tokens);
  });
});

describe('host ranges', () => {
  it.each([
    ['web[01:03].example.com', ['web01.example.com', 'web02.example.com', 'web03.example.com']],
    ['web[1:3]', ['web1', 'web2', 'web3']],
    ['db-[a:c]', ['db-a', 'db-b', 'db-c']],
    ['n[0:10:5]', ['n0', 'n5', 'n10']],
    ['r[1:2]-[a:b]', ['r1-a', 'r1-b', 'r2-a', 'r2-b']],
    ['plain', ['plain']],
  ])('%s', (name, hosts) => {
    expect(expandHostRange(name)).toEqual(hosts);
  });

  it('rejects ranges Ansible rejects', () => {
    expect(() => expandHostRange('w[01:100]')).toThrow(/equal-length/);
    expect(() => expandHostRange('w[c:a]')).toThrow(/begin <= end/);
    expect(() => expandHostRange('w[1:]')).toThrow(/end value/);
  });
});

describe('INI inventory structure', () => {
  it('places hosts in groups, children before their declaration, ports and ungrouped hosts', async () => {
    const dir = tree({
      hosts: ['top1', '[parents:children]', 'kids', '[kids]', 'k1:2222 role=kid', '[kids:vars]', 'color=blue'].join('\n'),
    });
    const inv = await loadInventory([join(dir, 'hosts')]);
    expect(inv.hosts).toEqual(['top1', 'k1']);
    expect(inv.groups.ungrouped).toEqual(['top1']);
    expect(inv.groups.parents).toEqual(['k1']);
    expect(inv.groupNames('k1')).toEqual(['kids', 'parents']);
    expect(inv.hostVars('k1')).toMatchObject({ ansible_port: 2222, role: 'kid', color: 'blue' });
  });
});

describe('INI errors point at file and line with a hint', () => {
  const cases: Array<[string, string, number, RegExp, RegExp]> = [
    ['[web]\nw1 novalue', 'bad host var', 2, /expected `host key=value`, got "novalue"/, /key=value/],
    ['[web:children]\nmissing\n', 'undefined child', 2, /group `missing` listed in \[web:children\] is not defined/, /\[missing\]/],
    ['[ghost:vars]\nx=1\n', 'vars of undefined group', 1, /\[ghost:vars\].*not defined/, /\[ghost\]/],
    ['[web:hosts2]\n', 'unknown section type', 1, /unknown type "hosts2"/, /:children/],
    ['[web group]\n', 'space in section', 1, /invalid section header/, /no spaces/],
    ['[web]\nw1 x="open\n', 'unclosed quote', 2, /no closing quotation/i, /quote/],
    ['[web]\nw[3:1]\n', 'bad range', 2, /bad host range/, /web\[01:03\]/],
    ['---\nall:\n', 'YAML in an INI file', 1, /"---"/, /\.yml/],
    ['[web]\nw1\n[web:vars]\nnot an assignment\n', 'bad vars line', 4, /expected `key=value` in \[web:vars\]/, /name=value/],
  ];
  it.each(cases)('%j (%s)', async (text, _what, line, message, hint) => {
    const dir = tree({ 'inv.ini': text });
    const file = join(dir, 'inv.ini');
    const e = await errorOf(() => loadInventory([file]));
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toMatch(message);
    expect(e.location).toEqual({ file, line });
    expect(e.hint).toMatch(hint);
  });
});

describe('INI errors never print secrets', () => {
  it.each([
    ['[web]\nw1 ansible_password=two words\n', 'words'],
    ['[web]\nw1 ansible_become_pass="unclosed secret\n', 'unclosed secret'],
  ])('%j', async (text, secret) => {
    const dir = tree({ 'inv.ini': text });
    const e = await errorOf(() => loadInventory([join(dir, 'inv.ini')]));
    expect(e.message + (e.hint ?? '')).not.toContain(secret);
    expect(e.location?.line).toBe(2);
  });
});
