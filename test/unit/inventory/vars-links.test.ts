import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.js';
import { errorOf, tree } from './helpers.js';

describe('group_vars/host_vars links', () => {
  it('a dangling symlink is an error naming the file', async () => {
    const d = tree({ 'h.ini': '[web]\nweb1\n' });
    mkdirSync(join(d, 'host_vars'));
    symlinkSync('nowhere', join(d, 'host_vars', 'web1'));
    const inv = await loadInventory([join(d, 'h.ini')]).catch((e) => e);
    const e = inv instanceof Error ? inv : await errorOf(() => inv.hostVars('web1'));
    expect(e.message).toMatch(/this variables file is a dangling symlink/);
  });

  it('a directory symlink loop is an error, not endless recursion', async () => {
    const d = tree({ 'h.ini': '[web]\nweb1\n', 'group_vars/web/a.yml': 'x: 1\n' });
    symlinkSync('..', join(d, 'group_vars', 'web', 'loop'));
    const e = await errorOf(() => loadInventory([join(d, 'h.ini')]));
    expect(e.message).toMatch(/nested more than 32 levels deep \(a symlink loop\?\)/);
  });
});
