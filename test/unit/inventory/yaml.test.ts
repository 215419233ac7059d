import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isUnsafe } from '../../../src/config/unsafe.js';
import { isVault } from '../../../src/config/vault.js';
import { loadInventory } from '../../../src/inventory/index.js';
import { errorOf, tree } from './helpers.js';

async function load(text: string, name = 'inv.yml') {
  const dir = tree({ [name]: text });
  return { inv: await loadInventory([join(dir, name)]), file: join(dir, name) };
}

describe('YAML inventory', () => {
  it('reads YAML 1.1 like Ansible: yes is a boolean, n a string, 0644 is octal, !unsafe is marked', async () => {
    const { inv } = await load('all:\n  hosts:\n    h1:\n      flag: yes\n      n: n\n      mode: 0644\n      raw: !unsafe "{{ not_rendered }}"\n');
    const vars = inv.hostVars('h1');
    expect(vars).toMatchObject({ flag: true, n: 'n', mode: 420 });
    expect(isUnsafe(vars.raw)).toBe(true);
    expect(String(vars.raw)).toBe('{{ not_rendered }}');
  });

  it('a duplicate key in a YAML inventory warns and the last value wins (Ansible)', async () => {
    const { inv } = await load('all:\n  vars:\n    a: 1\n    a: 2\n  hosts:\n    h1:\n');
    expect(inv.hostVars('h1')).toMatchObject({ a: 2 });
    expect(inv.warnings.some((w) => /duplicate dict key \(a\)/.test(w))).toBe(true);
  });

  it('accepts `hosts: name` and `children: name` shorthands and null groups', async () => {
    const { inv } = await load('all:\n  children:\n    web:\n      hosts: w1\n    empty:\n    meta:\n      children: web\n');
    expect(inv.groups.web).toEqual(['w1']);
    expect(inv.groups.meta).toEqual(['w1']);
    expect(inv.groups.empty).toEqual([]);
    expect(inv.groupNames('w1')).toEqual(['meta', 'web']);
  });

  it('puts hosts listed directly under all into ungrouped', async () => {
    const { inv } = await load('all:\n  hosts:\n    a:\n  children:\n    g:\n      hosts:\n        b:\n');
    expect(inv.groups.ungrouped).toEqual(['a']);
    expect(inv.groupNames('a')).toEqual(['ungrouped']);
    expect(inv.groupNames('b')).toEqual(['g']);
  });

  it('a file without extension is sniffed: YAML layout or INI', async () => {
    const dir = tree({ yamlish: 'all:\n  hosts:\n    y1:\n', iniish: '[g]\ni1 a=1\n' });
    const inv = await loadInventory([join(dir, 'yamlish'), join(dir, 'iniish')]);
    expect(inv.hosts).toEqual(['y1', 'i1']);
  });

  it('warns (does not fail) on keys Ansible also skips', async () => {
    const { inv } = await load('all:\n  host:\n    h1:\n  hosts:\n    h2:\n');
    expect(inv.hosts).toEqual(['h2']);
    expect(inv.warnings.join('\n')).toMatch(/unexpected key "host" in group "all"/);
  });
});

describe('YAML errors carry file, line and column', () => {
  it('syntax error → PARSE with the yaml package position', async () => {
    const dir = tree({ 'inv.yml': 'all:\n  hosts:\n    h1: [1\n    h2:\n' });
    const e = await errorOf(() => loadInventory([join(dir, 'inv.yml')]));
    expect(e.code).toBe('PARSE');
    expect(e.location?.file).toBe(join(dir, 'inv.yml'));
    expect(e.location?.line).toBeGreaterThanOrEqual(3);
    expect(e.location?.col).toBeGreaterThan(0);
  });

  it('hosts written as a list → VALIDATION at the list, with a hint', async () => {
    const dir = tree({ 'inv.yml': 'all:\n  children:\n    web:\n      hosts:\n        - w1\n' });
    const e = await errorOf(() => loadInventory([join(dir, 'inv.yml')]));
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toBe('"hosts" of group "web" must be a mapping');
    expect(e.location).toEqual({ file: join(dir, 'inv.yml'), line: 5, col: 9 });
    expect(e.hint).toMatch(/trailing colon/);
  });

  it.each([
    ['plugin: aws_ec2\nregions: [x]\n', /plugin configurations/, 1],
    ['- a\n- b\n', /must be a mapping of group names/, 1],
    ['all:\n  hosts:\n    10:\n', /host name 10 .* must be a string/, 3],
    ['all:\n  hosts:\n    h1: just-a-string\n', /must map to its variables/, 3],
  ])('%j', async (text, message, line) => {
    const dir = tree({ 'inv.yml': text });
    const e = await errorOf(() => loadInventory([join(dir, 'inv.yml')]));
    expect(e.message).toMatch(message);
    expect(e.location?.line).toBe(line);
  });

  it('ansible-vault values are kept as encrypted values (decryption comes later)', async () => {
    const { inv } = await load('all:\n  vars:\n    secret: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      6162\n  hosts:\n    h1:\n');
    const secret = inv.hostVars('h1').secret;
    expect(isVault(secret)).toBe(true);
  });
});

describe('files without extension', () => {
  it('a YAML inventory with a mistake reports the YAML problem, not an INI one', async () => {
    const dir = tree({ hosts: 'all:\n  children:\n    web:\n      hosts:\n        - w1\n' });
    const e = await errorOf(() => loadInventory([join(dir, 'hosts')]));
    expect(e.message).toBe('"hosts" of group "web" must be a mapping');
  });

  it('an empty YAML inventory is empty, with a warning (Ansible loads it too)', async () => {
    const dir = tree({ 'inv.yml': '# nothing yet\n' });
    const inv = await loadInventory([join(dir, 'inv.yml')]);
    expect(inv.hosts).toEqual([]);
    expect(inv.warnings).toEqual([`${join(dir, 'inv.yml')}: the inventory file is empty`]);
  });
});

it('a one-line `host:port` file without extension is INI', async () => {
  const dir = tree({ hosts: 'db1.example.com:2222\n' });
  const inv = await loadInventory([join(dir, 'hosts')]);
  expect(inv.hosts).toEqual(['db1.example.com']);
  expect(inv.hostVars('db1.example.com').ansible_port).toBe(2222);
});
