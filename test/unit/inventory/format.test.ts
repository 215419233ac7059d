import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatInventory, loadInventory } from '../../../src/inventory/index.js';
import { tree } from './helpers.js';

const dir = tree({
  'hosts.ini': [
    'solo',
    '[web]',
    'w1 ansible_host=10.0.0.1 ansible_password=hunter2 password=pw1',
    '[web:vars]',
    'become_password=sudo-secret',
    'ansible_become_pass=also-secret',
    'api_token=tok-123',
    'http_port=80',
  ].join('\n'),
});

describe('formatInventory', async () => {
  const inv = await loadInventory([join(dir, 'hosts.ini')]);

  it('--list: JSON like ansible-inventory, secrets redacted, internal vars dropped', () => {
    const text = formatInventory(inv, { graph: false });
    for (const secret of ['hunter2', 'pw1', 'sudo-secret', 'also-secret', 'tok-123']) expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toEqual({
      _meta: {
        hostvars: {
          w1: {
            ansible_host: '10.0.0.1',
            ansible_password: '********',
            password: '********',
            become_password: '********',
            ansible_become_pass: '********',
            api_token: '********',
            http_port: 80,
          },
        },
      },
      all: { children: ['ungrouped', 'web'] },
      ungrouped: { hosts: ['solo'] },
      web: { hosts: ['w1'] },
    });
    // keys sorted and 4-space indented, like ansible-inventory
    expect(text.split('\n').slice(0, 3)).toEqual(['{', '    "_meta": {', '        "hostvars": {']);
  });

  it('--graph: the ansible-inventory tree', () => {
    expect(formatInventory(inv, { graph: true })).toBe(['@all:', '  |--@ungrouped:', '  |  |--solo', '  |--@web:', '  |  |--w1'].join('\n'));
  });

  it("--host: one host's resolved vars, redacted", () => {
    const vars = JSON.parse(formatInventory(inv, { host: 'w1' }));
    expect(vars.become_password).toBe('********');
    expect(vars.http_port).toBe(80);
    expect(vars).not.toHaveProperty('inventory_file');
  });
});

describe('secrets in inventory output, at any depth', () => {
  it('masks aws_secret_access_key, nested db.password and list items under a secret key; keeps key file paths', async () => {
    const { loadInventory: load, formatInventory: fmt } = await import('../../../src/inventory/index.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const d = mkdtempSync(path.join(os.tmpdir(), 'tsplay-fmt-'));
    writeFileSync(
      path.join(d, 'h.yml'),
      [
        'all:',
        '  hosts:',
        '    web1:',
        '      aws_secret_access_key: AKIAVERYSECRET1',
        '      db: {user: app, password: hunter22x}',
        '      api_tokens: [tok-one-1, tok-two-2]',
        '      ansible_ssh_private_key_file: /keys/id_ed25519',
        '      motd: hello',
        '',
      ].join('\n'),
    );
    const out = fmt(await load([path.join(d, 'h.yml')]));
    for (const s of ['AKIAVERYSECRET1', 'hunter22x', 'tok-one-1', 'tok-two-2']) expect(out).not.toContain(s);
    expect(out).toContain('/keys/id_ed25519');
    expect(out).toContain('"user": "app"');
    expect(out).toContain('"motd": "hello"');
  });
});
