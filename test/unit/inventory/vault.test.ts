import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encryptVault, isVault, revealedSecrets, setVaultSecrets } from '../../../src/config/vault.js';
import { loadInventory } from '../../../src/inventory/index.js';
import { errorOf, tree } from './helpers.js';

const secrets = [{ id: 'default', password: Buffer.from('inv-pw'), source: 'test' }];

afterEach(() => setVaultSecrets([]));

describe('vault-encrypted inventories', () => {
  it('an INI inventory encrypted whole is decrypted; its values become secrets', async () => {
    const dir = tree({ hosts: encryptVault('[web]\nweb1 ansible_host=10.1.2.3 db_secret=ini-v4ult-value\n', 'inv-pw') });
    setVaultSecrets(secrets);
    const inv = await loadInventory([join(dir, 'hosts')]);
    expect(inv.hostVars('web1')).toMatchObject({ ansible_host: '10.1.2.3', db_secret: 'ini-v4ult-value' });
    expect(revealedSecrets().has('ini-v4ult-value')).toBe(true);
  });

  it('a YAML inventory encrypted whole, and group_vars files encrypted whole or with inline !vault', async () => {
    const inline = encryptVault('inline-inv-secret', 'inv-pw')
      .trim()
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n');
    const dir = tree({
      'inv.yml': encryptVault('all:\n  hosts:\n    h1: {a: 1}\n', 'inv-pw', 'inv'),
      'group_vars/all.yml': encryptVault('from_group_vars: gv-v4ult\n', 'inv-pw'),
      'host_vars/h1.yml': `pw: !vault |\n${inline}\n`,
    });
    setVaultSecrets(secrets);
    const inv = await loadInventory([join(dir, 'inv.yml')]);
    const vars = inv.hostVars('h1');
    expect(vars).toMatchObject({ a: 1, from_group_vars: 'gv-v4ult' });
    expect(isVault(vars['pw'])).toBe(true);
    expect((vars['pw'] as { reveal(): string }).reveal()).toBe('inline-inv-secret');
  });

  it('without a password: an error naming the inventory file', async () => {
    const dir = tree({ hosts: encryptVault('[web]\nweb1\n', 'inv-pw') });
    const e = await errorOf(() => loadInventory([join(dir, 'hosts')]));
    expect(e).toMatchObject({ code: 'VAULT', location: { file: join(dir, 'hosts'), line: 1 } });
    expect(e.message).toMatch(/no vault password was given/);
  });
});
