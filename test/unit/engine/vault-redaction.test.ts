import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encryptVault } from '../../../src/config/vault.js';
import { main, type Io } from '../../../src/cli/main.js';

// Decrypted vault values are secrets: whatever a playbook does with them on the controller's local
// connection, the plaintext never reaches the run output, the JSON report or the history store.
const PASSWORD = 'redaction-test-pw';
const FILE_SECRET = 'Wh0le-File-S3cret';
const INLINE_SECRET = 'inl1ne-Vault-Value';
const LIST_SECRET = 'list-item-secret-77';

function inline(name: string, value: string): string {
  return `${name}: !vault |\n${encryptVault(value, PASSWORD)
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;
}

function capture(): Io & { text: () => string } {
  let buf = '';
  return { out: (t) => void (buf += t), err: (t) => void (buf += t), isTTY: false, text: () => buf };
}

describe('vault plaintexts never appear in output, reports or history', { timeout: 120_000 }, () => {
  it('debug msg/var, task names, copy --diff, registered output, set_fact and failure messages', async () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'tsplay-vault-redact-'));
    writeFileSync(path.join(d, 'pw'), PASSWORD);
    writeFileSync(path.join(d, 'secrets.yml'), encryptVault(`db_password: ${FILE_SECRET}\ntokens: [${LIST_SECRET}]\n`, PASSWORD));
    writeFileSync(path.join(d, 'inline.yml'), inline('api_key', INLINE_SECRET));
    const out = path.join(d, 'out');
    writeFileSync(
      path.join(d, 'pb.yml'),
      `- hosts: localhost
  gather_facts: false
  vars_files: [secrets.yml, inline.yml]
  tasks:
    - debug: {msg: "password {{ db_password }} key {{ api_key }} token {{ tokens[0] }}"}
    - debug: {var: api_key}
    - name: "deploy with {{ api_key }}"
      copy: {content: "{{ db_password }}\\n{{ api_key }}\\n", dest: "${out}"}
    - command: echo "{{ api_key }}-{{ db_password }}"
      register: echoed
    - set_fact: {derived: "{{ api_key }}"}
    - debug: {var: echoed.stdout}
    - fail: {msg: "failing with {{ db_password }}"}
`,
    );
    const json = path.join(d, 'report.json');
    const history = path.join(d, 'history.sqlite');
    const io = capture();
    const code = await main(
      ['run', path.join(d, 'pb.yml'), '-i', 'localhost,', '--vault-password-file', path.join(d, 'pw'), '--json', json, '--history', history, '--diff', '-vv'],
      io,
    );
    // The playbook ran: the decrypted values reached the file on the host …
    expect(readFileSync(out, 'utf8')).toBe(`${FILE_SECRET}\n${INLINE_SECRET}\n`);
    expect(code).toBe(2);
    expect(io.text()).toMatch(/\*{8}/);
    // … and appear nowhere else.
    const stores = [io.text(), readFileSync(json, 'utf8')];
    for (const f of readdirSync(d).filter((n) => n.startsWith('history'))) stores.push(readFileSync(path.join(d, f)).toString('latin1'));
    expect(existsSync(history)).toBe(true);
    for (const s of stores) for (const secret of [FILE_SECRET, INLINE_SECRET, LIST_SECRET]) expect(s).not.toContain(secret);
    // The history CLI shows the stored run without them too.
    const io2 = capture();
    expect(await main(['history', '--json', '--history', history], io2)).toBe(0);
    expect(io2.text()).toContain('pb.yml');
    for (const secret of [FILE_SECRET, INLINE_SECRET]) expect(io2.text()).not.toContain(secret);
  });

  it('without the password: a clear error naming the file, exit 4, no stack trace', async () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'tsplay-vault-nopw-'));
    writeFileSync(path.join(d, 'secrets.yml'), encryptVault('x: 1\n', PASSWORD));
    writeFileSync(path.join(d, 'pb.yml'), '- hosts: localhost\n  gather_facts: false\n  vars_files: [secrets.yml]\n  tasks:\n    - debug: {var: x}\n');
    const io = capture();
    expect(await main(['run', path.join(d, 'pb.yml'), '-i', 'localhost,', '--no-history'], io)).toBe(4);
    expect(io.text()).toContain(`${path.join(d, 'secrets.yml')}:1: this vault file is encrypted with ansible-vault and no vault password was given`);
    expect(io.text()).toMatch(/--vault-password-file/);
    expect(io.text()).not.toMatch(/\n\s+at /);
    writeFileSync(path.join(d, 'wrong'), 'not-it');
    const io2 = capture();
    expect(await main(['run', path.join(d, 'pb.yml'), '-i', 'localhost,', '--no-history', '--vault-password-file', path.join(d, 'wrong')], io2)).toBe(4);
    expect(io2.text()).toMatch(/secrets\.yml:1: cannot decrypt this vault file: none of the vault passwords given fits/);
  });

  it('an inline !vault value with a wrong password fails the task that uses it, naming file:line:col', async () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'tsplay-vault-inl-'));
    writeFileSync(
      path.join(d, 'pb.yml'),
      `- hosts: localhost\n  gather_facts: false\n  vars:\n    ${inline('k', 'value-1234').trim().split('\n').join('\n    ')}\n  tasks:\n    - debug: {msg: "unused vault vars need no password"}\n    - debug: {msg: "{{ k }}"}\n`,
    );
    const io = capture();
    const code = await main(['run', path.join(d, 'pb.yml'), '-i', 'localhost,', '--no-history'], io);
    expect(code).not.toBe(0);
    expect(io.text()).toMatch(/unused vault vars need no password/);
    expect(io.text()).toMatch(/pb\.yml:4:\d+: this !vault value is encrypted with ansible-vault and no vault password was given/);
  });
  it('-e @file with an encrypted vars file, passwords from ANSIBLE_VAULT_IDENTITY_LIST', async () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'tsplay-vault-extra-'));
    writeFileSync(path.join(d, 'pw'), PASSWORD);
    writeFileSync(path.join(d, 'extra.yml'), encryptVault('extra_secret: Extra-Vars-S3cret\n', PASSWORD, 'ops'));
    const out = path.join(d, 'out');
    writeFileSync(
      path.join(d, 'pb.yml'),
      `- hosts: localhost\n  gather_facts: false\n  tasks:\n    - copy: {content: "{{ extra_secret }}", dest: "${out}"}\n    - debug: {var: extra_secret}\n`,
    );
    const saved = process.env['ANSIBLE_VAULT_IDENTITY_LIST'];
    process.env['ANSIBLE_VAULT_IDENTITY_LIST'] = `ops@${path.join(d, 'pw')}`;
    const io = capture();
    try {
      expect(await main(['run', path.join(d, 'pb.yml'), '-i', 'localhost,', '-e', `@${path.join(d, 'extra.yml')}`, '--no-history'], io)).toBe(0);
    } finally {
      if (saved === undefined) delete process.env['ANSIBLE_VAULT_IDENTITY_LIST'];
      else process.env['ANSIBLE_VAULT_IDENTITY_LIST'] = saved;
    }
    expect(readFileSync(out, 'utf8')).toBe('Extra-Vars-S3cret');
    expect(io.text()).toMatch(/\*{8}/);
    expect(io.text()).not.toContain('Extra-Vars-S3cret');
  });
});
