/**
 * Variable precedence, inventory side. The fixture sets `upto_N` in layers 1..N, each value naming
 * its layer, so `upto_N` resolving to layer N proves layer N beats every layer below it.
 * (The same fixture is checked against Ansible itself in ansible-parity.test.ts.)
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory, mergeVarLayers } from '../../../src/inventory/index.js';
import { tree } from './helpers.js';

const FIXTURE = join(import.meta.dirname, '../../fixtures/inventory/precedence');

const LAYERS = [
  'inv_all', // [all:vars] in the inventory file
  'inv_parent', // [prod:vars] (prod is web's parent, depth 1)
  'inv_child', // [web:vars] (depth 2)
  'invdir_gv_all', // group_vars/all.yml beside the inventory
  'pbdir_gv_all', // group_vars/all.yml beside the playbook
  'invdir_gv_parent', // group_vars/prod.yml beside the inventory
  'invdir_gv_child', // group_vars/web/ (a directory: a.yml then b.yaml) beside the inventory
  'pbdir_gv_parent', // group_vars/prod.yaml beside the playbook
  'pbdir_gv_child', // group_vars/web.json beside the playbook
  'inv_host', // h1 key=value on its inventory line
  'invdir_hv', // host_vars/h1 (no extension) beside the inventory
  'pbdir_hv', // host_vars/h1.yml beside the playbook
];

describe('inventory variable precedence (each layer beats the one below)', async () => {
  const inv = await loadInventory([join(FIXTURE, 'inv/hosts.ini')], { playbookDir: join(FIXTURE, 'pb') });
  const vars = inv.hostVars('h1');
  it.each(LAYERS.map((layer, i) => [i + 1, layer] as const))('upto_%i → %s', (n, layer) => {
    expect(vars[`upto_${n}`]).toBe(layer);
  });

  it('files of a group_vars directory merge in name order', () => {
    expect(vars).toMatchObject({ only_in_a: 'a', only_in_b: 'b', from_json: true });
  });

  it('the playbook dir is optional: without it its layers are absent', async () => {
    const alone = await loadInventory([join(FIXTURE, 'inv/hosts.ini')]);
    expect(alone.hostVars('h1').upto_5).toBe('invdir_gv_all');
    expect(alone.hostVars('h1').upto_12).toBe('invdir_hv');
  });

  it('a host without host vars gets the group layers only', () => {
    expect(inv.hostVars('h2').upto_12).toBe('pbdir_gv_child');
  });

  it('hostVarLayers names the layers, lowest first', () => {
    const names = inv.hostVarLayers('h1').map((l) => l.name.replace(FIXTURE + '/', ''));
    expect(names).toEqual([
      'inventory group vars: all',
      'inventory group vars: prod',
      'inventory group vars: web',
      'inv/group_vars/all',
      'pb/group_vars/all',
      'inv/group_vars/prod',
      'inv/group_vars/web',
      'pb/group_vars/prod',
      'pb/group_vars/web',
      'inventory host vars: h1',
      'inv/host_vars/h1',
      'pb/host_vars/h1',
    ]);
  });
});

describe('groups of the same depth', () => {
  it('merge by name (later name wins) unless ansible_group_priority orders them', async () => {
    const inv = await loadInventory([join(import.meta.dirname, '../../fixtures/inventory/priority/hosts.yml')]);
    expect(inv.hostVars('h1')).toMatchObject({ who: 'beta', who_prio: 'zeta' });
    // gamma has priority 0 (lower = earlier), so beta still wins over it for h2
    expect(inv.hostVars('h2')).toMatchObject({ who: 'beta', who_prio: 'beta' });
    expect(inv.hostVars('h1')).not.toHaveProperty('ansible_group_priority');
  });

  it('a deeper group beats a shallower one whatever the names', async () => {
    const dir = tree({ 'inv.yml': 'all:\n  children:\n    zzz:\n      vars: {v: zzz}\n      children:\n        aaa:\n          hosts: {h: }\n          vars: {v: aaa}\n' });
    const inv = await loadInventory([join(dir, 'inv.yml')]);
    expect(inv.hostVars('h').v).toBe('aaa');
  });
});

describe('mergeVarLayers (play-side layers)', () => {
  it('later layers replace earlier keys wholesale, like hash_behaviour=replace', () => {
    const merged = mergeVarLayers([{ a: 1, d: { x: 1, y: 2 }, keep: 'role default' }, { a: 2, d: { x: 9 } }, undefined, { b: undefined }]);
    expect(merged).toEqual({ a: 2, d: { x: 9 }, keep: 'role default' });
  });

  it('does not modify its inputs', () => {
    const low = { a: 1 };
    mergeVarLayers([low, { a: 2 }]);
    expect(low).toEqual({ a: 1 });
  });
});
