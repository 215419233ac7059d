import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.js';
import { errorOf, tree } from './helpers.js';

describe('inventory sources', () => {
  it('several -i merge: hosts and groups add up, later values win', async () => {
    const dir = tree({ 'a.ini': '[web]\nw1 x=1\n', 'b.yml': 'all:\n  children:\n    web:\n      hosts:\n        w1: {x: 2}\n        w2:\n' });
    const inv = await loadInventory([join(dir, 'a.ini'), join(dir, 'b.yml')]);
    expect(inv.groups.web).toEqual(['w1', 'w2']);
    expect(inv.hostVars('w1').x).toBe(2);
  });

  it('a directory loads its files in name order; skips .md/.txt, group_vars, and (like Ansible) .ini with a warning', async () => {
    const dir = tree({
      '10-web': '[web]\nw1\n',
      '20-db.yml': 'all:\n  children:\n    db:\n      hosts: {d1: }\n',
      'sub/30-more': '[web]\nw2\n',
      'README.md': '# not an inventory {{',
      'legacy.ini': '[old]\no1\n',
      'group_vars/web.yml': 'port: 80\n',
    });
    const inv = await loadInventory([dir]);
    expect(inv.hosts).toEqual(['w1', 'd1', 'w2']);
    expect(inv.hostVars('w2').port).toBe(80);
    expect(inv.warnings.join('\n')).toMatch(/legacy\.ini: skipped/);
  });

  it('a comma list is a list of hosts, like `ansible -i host1,host2:2222,`', async () => {
    const inv = await loadInventory(['h1,h2:2222,']);
    expect(inv.hosts).toEqual(['h1', 'h2']);
    expect(inv.groups.ungrouped).toEqual(['h1', 'h2']);
    expect(inv.hostVars('h2').ansible_port).toBe(2222);
  });

  it('a missing path is a clear error', async () => {
    const e = await errorOf(() => loadInventory(['/nonexistent/inventory.yml']));
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toMatch(/does not exist/);
    expect(e.hint).toMatch(/-i/);
  });

  it('dynamic inventory scripts are refused with a way out', async () => {
    const dir = tree({ 'inv.py': '#!/usr/bin/env python3\nprint("{}")\n' });
    chmodSync(join(dir, 'inv.py'), 0o755);
    const e = await errorOf(() => loadInventory([join(dir, 'inv.py')]));
    expect(e.message).toMatch(/scripts are not supported/);
    expect(e.hint).toMatch(/ansible-inventory/);
  });

  it('a group cycle is refused', async () => {
    const dir = tree({ 'inv.ini': '[a:children]\nb\n[b:children]\na\n' });
    const e = await errorOf(() => loadInventory([join(dir, 'inv.ini')]));
    expect(e.message).toMatch(/cycle/);
  });
});

describe('hosts, groups and magic variables', () => {
  it('records inventory_file/inventory_dir like Ansible and exposes group_names and groups', async () => {
    const dir = tree({ 'inv.ini': '[web]\nweb1.example.com\n[prod:children]\nweb\n' });
    const inv = await loadInventory([join(dir, 'inv.ini')]);
    expect(inv.hostVars('web1.example.com')).toMatchObject({ inventory_file: join(dir, 'inv.ini'), inventory_dir: dir });
    expect(inv.magicVars('web1.example.com')).toEqual({
      inventory_hostname: 'web1.example.com',
      inventory_hostname_short: 'web1',
      group_names: ['prod', 'web'],
      groups: { all: ['web1.example.com'], ungrouped: [], web: ['web1.example.com'], prod: ['web1.example.com'] },
    });
    expect(inv.groupTree).toEqual({
      name: 'all',
      hosts: [],
      children: [
        { name: 'ungrouped', hosts: [], children: [] },
        { name: 'prod', hosts: [], children: [{ name: 'web', hosts: ['web1.example.com'], children: [] }] },
      ],
    });
  });

  it('localhost is implicit when not defined: local connection, all-group vars, no groups', async () => {
    const dir = tree({ 'inv.ini': '[web]\nw1\n[all:vars]\nshared=1\n', 'group_vars/all.yml': 'from_file: 2\n' });
    const inv = await loadInventory([join(dir, 'inv.ini')]);
    expect(inv.hosts).toEqual(['w1']);
    expect(inv.hasHost('localhost')).toBe(true);
    expect(inv.hostVars('localhost')).toEqual({ shared: 1, from_file: 2, ansible_connection: 'local' });
    expect(inv.groupNames('localhost')).toEqual([]);
    expect(inv.groups.all).toEqual(['w1']);
  });

  it('asking for an unknown host is a clear error', async () => {
    const inv = await loadInventory(['h1,']);
    const e = await errorOf(() => inv.hostVars('nope'));
    expect(e.message).toBe('host "nope" is not in the inventory');
  });
});
