import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encryptVault } from '../../../src/config/vault.js';
import { main, type Io } from '../../../src/cli/main.js';

function capture(): Io & { text: () => string } {
  let buf = '';
  return { out: (t) => void (buf += t), err: (t) => void (buf += t), isTTY: false, text: () => buf };
}

const indent = (env: string, n: number) =>
  env
    .trim()
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');

describe('validate with vault values', { timeout: 60_000 }, () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'tsplay-vault-validate-'));
  mkdirSync(path.join(d, 'roles', 'r', 'meta'), { recursive: true });
  mkdirSync(path.join(d, 'roles', 'r', 'tasks'), { recursive: true });
  writeFileSync(path.join(d, 'roles', 'r', 'meta', 'argument_specs.yml'), 'argument_specs:\n  main:\n    options:\n      r_port: {type: int, required: true}\n');
  writeFileSync(path.join(d, 'roles', 'r', 'tasks', 'main.yml'), '- debug: {msg: "{{ r_port }}"}\n');
  writeFileSync(path.join(d, 'pw'), 'validate-pw');
  writeFileSync(
    path.join(d, 'pb.yml'),
    `- hosts: localhost\n  gather_facts: false\n  roles:\n    - role: r\n      r_port: !vault |\n${indent(encryptVault('not-a-number', 'validate-pw'), 8)}\n  tasks:\n    - copy:\n        content: !vault |\n${indent(encryptVault('arg', 'validate-pw'), 10)}\n        dest: /tmp/x\n`,
  );
  const pb = path.join(d, 'pb.yml');

  it('without a password: valid, with a warning naming the value that was not checked', async () => {
    const io = capture();
    expect(await main(['validate', pb, '-i', 'localhost,'], io)).toBe(0);
    expect(io.text()).toMatch(/pb\.yml:5:\d+: a !vault value \(a param of role r\) was not checked: no vault password given/);
  });

  it('with the password: valid and no warning; with a wrong one: exit 4 naming file:line:col, never the plaintext', async () => {
    const io = capture();
    expect(await main(['validate', pb, '-i', 'localhost,', '--vault-password-file', path.join(d, 'pw')], io)).toBe(0);
    expect(io.text()).not.toMatch(/was not checked/);
    writeFileSync(path.join(d, 'wrong'), 'wrong-pw');
    const io2 = capture();
    expect(await main(['validate', pb, '-i', 'localhost,', '--vault-password-file', path.join(d, 'wrong')], io2)).toBe(4);
    expect(io2.text()).toMatch(/pb\.yml:5:\d+: cannot decrypt this !vault value: none of the vault passwords given fits/);
    expect(io2.text()).not.toContain('not-a-number');
  });
});
