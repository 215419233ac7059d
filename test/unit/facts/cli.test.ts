import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';

// `tsplay facts` on the controller itself (local connection): Ansible's names, --filter, --gather-subset.
const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-facts-cli-'));
const inv = path.join(dir, 'inventory.yml');
writeFileSync(inv, 'all:\n  hosts:\n    here:\n      ansible_connection: local\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function facts(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['facts', 'here', '-i', inv, ...args], { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false });
  return { code, out, err };
}

describe('tsplay facts', { timeout: 60_000 }, () => {
  it('prints ansible_facts with Ansible’s names, filtered', async () => {
    const r = await facts('--filter', 'ansible_os_family', '--filter', 'system');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(j).sort()).toEqual(['ansible_os_family', 'ansible_system']);
    expect(j['ansible_system']).toBe('Linux');
  });

  it('--gather-subset !all leaves out network and hardware facts and records the subset', async () => {
    const r = await facts('--gather-subset', '!all');
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(j['ansible_distribution']).toBeDefined();
    expect(j['ansible_interfaces']).toBeUndefined();
    expect(j['ansible_memtotal_mb']).toBeUndefined();
    expect(j['gather_subset']).toEqual(['!all']);
    expect(j['module_setup']).toBe(true);
  });

  it('a bad subset is a usage error before connecting, with ansible-core’s wording', async () => {
    const r = await facts('--gather-subset', 'hardwar');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/Bad subset 'hardwar' given to Ansible/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('--tsplay prints tsplay’s typed facts', async () => {
    const j = JSON.parse((await facts('--tsplay')).out) as Record<string, unknown>;
    expect(j['os']).toBeDefined();
    expect(j['ansible']).toBeUndefined();
  });
});
