import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decryptVault, encryptVault, isVault, parseVaultEnvelope, setVaultSecrets, type VaultSecret } from '../../../src/config/vault.js';
import { parseYaml } from '../../../src/loader/yaml.js';
import { main, type Io } from '../../../src/cli/main.js';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..');
const TSPLAY = path.join(REPO, 'bin', 'tsplay.mjs');
const ANSIBLE_VAULT = '/usr/bin/ansible-vault';
// Debian's ansible-vault is installed here and in CI; under CI the interop tests must run, never skip.
const haveAnsibleVault = existsSync(ANSIBLE_VAULT) || !!process.env['CI'];

/** Recorded from ansible-vault 2.14 (`printf 'db_password: s3cr3t-value\n' | ansible-vault encrypt`, password "pw1"). */
const RECORDED = `$ANSIBLE_VAULT;1.1;AES256
31366537376365626238353430623464303230366663633465656566323065643666636434383335
3663396337333033636663643965653333303835613764350a386666636237616537323532363066
63656566616431656632323732363764353636303962356234643336623361616131653739633966
3339363462313637620a633064343839346663653365366463323561363831376431343530346165
34303934623833336463376337636136383365313835386339303564373835333962
`;

const secret = (password: string, id = 'default'): VaultSecret => ({ id, password: Buffer.from(password), source: 'test' });

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'tsplay-vault-'));
}

function capture(): Io & { text: () => string; stdout: () => string } {
  let buf = '';
  let out = '';
  const out1 = (t: string) => {
    buf += t;
    out += t;
  };
  return { out: out1, err: (t) => void (buf += t), isTTY: false, text: () => buf, stdout: () => out };
}

function ansibleVault(args: string[], input?: string): string {
  return execFileSync(ANSIBLE_VAULT, args, { input, encoding: 'utf8', env: { ...process.env, ANSIBLE_NOCOLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
}

afterEach(() => setVaultSecrets([]));

describe('vault crypto (format 1.1/1.2, AES256)', () => {
  it('decrypts what ansible-vault wrote', () => {
    setVaultSecrets([secret('pw1')]);
    expect(decryptVault(RECORDED, 'x', { file: 'x' }).plaintext.toString()).toBe('db_password: s3cr3t-value\n');
  });

  it('is byte-identical with ansible-vault for the same salt (80-column hex, 1.2 header with the id)', () => {
    const env = encryptVault('hello\n', 'pw1', 'dev', Buffer.from('0123456789abcdef0123456789abcdef'));
    const lines = env.split('\n');
    expect(lines[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;dev');
    expect(lines.slice(1, -2).every((l) => l.length === 80)).toBe(true);
    expect(env.endsWith('\n')).toBe(true);
    expect(parseVaultEnvelope(env)).toMatchObject({ version: '1.2', cipher: 'AES256', vaultId: 'dev' });
    expect(encryptVault('x', 'pw1', 'default').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.1;AES256');
  });

  it('picks the secret whose id matches the 1.2 header first, then tries the others', () => {
    const env = encryptVault('secret-text', 'pw-dev', 'dev');
    setVaultSecrets([secret('wrong', 'prod'), secret('pw-dev', 'other')]);
    expect(decryptVault(env, 'x', { file: 'x' })).toMatchObject({ vaultId: 'other' });
  });

  it('no password and a wrong password are clear errors naming the place and what to pass', () => {
    expect(() => decryptVault(RECORDED, 'this vault file', { file: 'group_vars/all.yml', line: 1 })).toThrow(/no vault password was given/);
    setVaultSecrets([secret('nope')]);
    try {
      decryptVault(encryptVault('x', 'pw', 'dev'), 'this vault file', { file: 'v.yml', line: 1 });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'VAULT', location: { file: 'v.yml' } });
      expect(String((e as Error).message)).toMatch(/vault id "dev".*none of the vault passwords given fits/);
      expect((e as { hint: string }).hint).toMatch(/--vault-id dev@FILE/);
    }
  });
});

describe('the YAML reader', () => {
  it('decrypts a whole vault-encrypted file with the secrets given', () => {
    setVaultSecrets([secret('pw1')]);
    expect(parseYaml(RECORDED, 'v.yml')).toMatchObject({ value: { db_password: 's3cr3t-value' }, errors: [] });
  });

  it('keeps inline !vault values encrypted until used; a wrong password names file:line:col', () => {
    const text = `a: 1\npw: !vault |\n  ${encryptVault('inline', 'right').trim().split('\n').join('\n  ')}\n`;
    const r = parseYaml(text, 'vars.yml');
    const pw = (r.value as { pw: unknown }).pw;
    expect(isVault(pw)).toBe(true);
    expect(JSON.stringify(r.value)).not.toContain('inline');
    setVaultSecrets([secret('wrong')]);
    try {
      (pw as { reveal(): string }).reveal();
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'VAULT', location: { file: 'vars.yml', line: 2, col: expect.any(Number) } });
      expect((e as Error).message).toMatch(/cannot decrypt this !vault value/);
    }
    setVaultSecrets([secret('right')]);
    expect((pw as { reveal(): string }).reveal()).toBe('inline');
  });
});

// Each test runs ansible-vault / ansible-playbook (Python start-up on a loaded machine).
describe.runIf(haveAnsibleVault)('tsplay vault and Debian ansible-vault read each other', { timeout: 120_000 }, () => {
  it('tsplay vault encrypt → ansible-vault view; ansible-vault encrypt → tsplay vault view and decrypt', async () => {
    const d = tmp();
    const pw = path.join(d, 'pw');
    writeFileSync(pw, 'correct horse\n');
    const f = path.join(d, 'a.yml');
    writeFileSync(f, 'token: abc-123\n');
    const io = capture();
    expect(await main(['vault', 'encrypt', '--vault-password-file', pw, f], io)).toBe(0);
    expect(readFileSync(f, 'utf8')).toMatch(/^\$ANSIBLE_VAULT;1\.1;AES256\n/);
    expect(ansibleVault(['view', '--vault-password-file', pw, f])).toBe('token: abc-123\n');

    const g = path.join(d, 'b.yml');
    writeFileSync(g, 'other: xyz-789\n');
    ansibleVault(['encrypt', '--vault-password-file', pw, g]);
    const io2 = capture();
    expect(await main(['vault', 'view', '--vault-password-file', pw, g], io2)).toBe(0);
    expect(io2.stdout()).toBe('other: xyz-789\n');
    expect(await main(['vault', 'decrypt', '--vault-password-file', pw, g], capture())).toBe(0);
    expect(readFileSync(g, 'utf8')).toBe('other: xyz-789\n');
  });

  it('vault ids (format 1.2) both ways, and --output', async () => {
    const d = tmp();
    const pw = path.join(d, 'dev-pw');
    writeFileSync(pw, 'dev-password');
    const f = path.join(d, 'plain.txt');
    writeFileSync(f, 'line one\nline two\n');
    const out = path.join(d, 'enc.txt');
    expect(await main(['vault', 'encrypt', '--vault-id', `dev@${pw}`, '--output', out, f], capture())).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;dev');
    expect(readFileSync(f, 'utf8')).toBe('line one\nline two\n');
    expect(ansibleVault(['view', '--vault-id', `dev@${pw}`, out])).toBe('line one\nline two\n');

    const g = path.join(d, 'g.txt');
    writeFileSync(g, 'from ansible\n');
    ansibleVault(['encrypt', '--vault-id', `prod@${pw}`, g]);
    expect(readFileSync(g, 'utf8').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;prod');
    const io = capture();
    expect(await main(['vault', 'view', '--vault-id', `prod@${pw}`, g], io)).toBe(0);
    expect(io.stdout()).toBe('from ansible\n');
  });

  it('encrypt_string --name (args and stdin) is read by ansible; ansible-vault encrypt_string is read by tsplay', () => {
    const d = tmp();
    const pw = path.join(d, 'pw');
    writeFileSync(pw, 'pw-es');
    const r = spawnSync(process.execPath, [TSPLAY, 'vault', 'encrypt_string', '--vault-password-file', pw, '--stdin-name', 'db_pass'], {
      input: 'from-stdin-secret',
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^db_pass: !vault \|\n {10}\$ANSIBLE_VAULT;1\.1;AES256\n/);
    // ansible reads it as a vars file
    const vars = path.join(d, 'vars.yml');
    writeFileSync(vars, r.stdout + '\n');
    const pb = path.join(d, 'pb.yml');
    writeFileSync(
      pb,
      '- hosts: localhost\n  gather_facts: false\n  vars_files: [vars.yml]\n  tasks:\n    - copy: {content: "{{ db_pass }}", dest: "' + path.join(d, 'out.txt') + '"}\n',
    );
    execFileSync('/usr/bin/ansible-playbook', ['-i', 'localhost,', '-c', 'local', '--vault-password-file', pw, pb], {
      encoding: 'utf8',
      env: { ...process.env, ANSIBLE_NOCOLOR: '1' },
    });
    expect(readFileSync(path.join(d, 'out.txt'), 'utf8')).toBe('from-stdin-secret');

    // args with --name, and the reverse direction
    const r2 = spawnSync(process.execPath, [TSPLAY, 'vault', 'encrypt_string', '--vault-id', `dev@${pw}`, '--name', 'a', 'alpha-text'], { encoding: 'utf8' });
    expect(r2.stdout).toMatch(/^a: !vault \|\n {10}\$ANSIBLE_VAULT;1\.2;AES256;dev\n/);
    const envelope =
      r2.stdout
        .split('\n')
        .slice(1)
        .map((l) => l.trim())
        .join('\n') + '\n';
    expect(ansibleVault(['decrypt', '--vault-id', `dev@${pw}`, '--output', '-'], envelope)).toBe('alpha-text');

    const fromAnsible = ansibleVault(['encrypt_string', '--vault-password-file', pw, '--name', 'b', 'beta-text']);
    setVaultSecrets([secret('pw-es')]);
    const v = parseYaml(fromAnsible, 'es.yml').value as { b: { reveal(): string } };
    expect(v.b.reveal()).toBe('beta-text');
  });
});

describe.runIf(haveAnsibleVault)('tsplay vault create and edit ($EDITOR)', { timeout: 120_000 }, () => {
  it('create encrypts what the editor saved; edit keeps the vault id; ansible-vault reads both; the temp copy is gone', async () => {
    const d = tmp();
    const pw = path.join(d, 'pw');
    writeFileSync(pw, 'editor-pw');
    const editor = path.join(d, 'ed.sh');
    // The "editor" appends a line and records which file it was given.
    writeFileSync(editor, `#!/bin/sh\nprintf 'line: %s\\n' "$$" >> "$1"\necho "$1" > ${d}/edited-path\n`);
    chmodSync(editor, 0o755);
    const saved = process.env['EDITOR'];
    process.env['EDITOR'] = editor;
    try {
      const f = path.join(d, 'sub', 'new.yml');
      expect(await main(['vault', 'create', '--vault-id', `dev@${pw}`, f], capture())).toBe(0);
      expect(readFileSync(f, 'utf8').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;dev');
      expect(ansibleVault(['view', '--vault-id', `dev@${pw}`, f])).toMatch(/^line: \d+\n$/);
      expect(existsSync(readFileSync(path.join(d, 'edited-path'), 'utf8').trim())).toBe(false);
      const io = capture();
      expect(await main(['vault', 'create', '--vault-id', `dev@${pw}`, f], io)).toBe(5);
      expect(io.text()).toMatch(/exists, please use 'edit' instead/);

      expect(await main(['vault', 'edit', '--vault-password-file', pw, f], capture())).toBe(0);
      expect(readFileSync(f, 'utf8').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;dev');
      expect(ansibleVault(['view', '--vault-password-file', pw, f])).toMatch(/^line: \d+\nline: \d+\n$/);
      expect(existsSync(readFileSync(path.join(d, 'edited-path'), 'utf8').trim())).toBe(false);
    } finally {
      if (saved === undefined) delete process.env['EDITOR'];
      else process.env['EDITOR'] = saved;
    }
  });
});

describe('vault password sources', { timeout: 60_000 }, () => {
  it('an executable password file is run and its stdout used; a -client script gets --vault-id', async () => {
    const d = tmp();
    const enc = path.join(d, 'e.txt');
    writeFileSync(enc, encryptVault('scripted\n', 'from-script', 'dev'));
    const script = path.join(d, 'pass.sh');
    writeFileSync(script, '#!/bin/sh\necho from-script\n');
    chmodSync(script, 0o755);
    const io = capture();
    expect(await main(['vault', 'view', '--vault-password-file', script, enc], io)).toBe(0);
    expect(io.stdout()).toBe('scripted\n');

    const client = path.join(d, 'keyring-client.sh');
    writeFileSync(client, '#!/bin/sh\n[ "$1" = "--vault-id" ] && [ "$2" = "dev" ] && echo from-script && exit 0\necho "unknown id $2" >&2; exit 2\n');
    chmodSync(client, 0o755);
    const io2 = capture();
    expect(await main(['vault', 'view', '--vault-id', `dev@${client}`, enc], io2)).toBe(0);
    expect(io2.stdout()).toBe('scripted\n');
    const io3 = capture();
    expect(await main(['vault', 'view', '--vault-id', `prod@${client}`, enc], io3)).toBe(5);
    expect(io3.text()).toMatch(/did not find a secret for vault-id=prod/);
  });

  it('ANSIBLE_VAULT_PASSWORD_FILE is read; a missing file and --ask-vault-pass without a terminal are clear errors', async () => {
    const d = tmp();
    const pw = path.join(d, 'pw');
    writeFileSync(pw, 'env-pw\n');
    const enc = path.join(d, 'e.txt');
    writeFileSync(enc, encryptVault('via env\n', 'env-pw'));
    const saved = process.env['ANSIBLE_VAULT_PASSWORD_FILE'];
    process.env['ANSIBLE_VAULT_PASSWORD_FILE'] = pw;
    try {
      const io = capture();
      expect(await main(['vault', 'view', enc], io)).toBe(0);
      expect(io.stdout()).toBe('via env\n');
    } finally {
      if (saved === undefined) delete process.env['ANSIBLE_VAULT_PASSWORD_FILE'];
      else process.env['ANSIBLE_VAULT_PASSWORD_FILE'] = saved;
    }
    const io2 = capture();
    expect(await main(['vault', 'view', '--vault-password-file', path.join(d, 'missing'), enc], io2)).toBe(5);
    expect(io2.text()).toMatch(/vault password file .*missing was not found/);
    expect(io2.text()).not.toMatch(/\n\s+at /);
    if (!process.stdin.isTTY) {
      const io3 = capture();
      expect(await main(['vault', 'view', '--ask-vault-pass', enc], io3)).toBe(5);
      expect(io3.text()).toMatch(/prompt needs a terminal/);
    }
  });
});

// util-linux `script` gives the CLI a pseudo-terminal, so the prompt path runs as a user sees it.
describe.runIf(existsSync('/usr/bin/script'))('--ask-vault-pass on a terminal', { timeout: 60_000 }, () => {
  it('asks for the password without echoing it and decrypts with it', () => {
    const d = tmp();
    const enc = path.join(d, 'e.yml');
    writeFileSync(enc, encryptVault('asked: yes\n', 'typed-pw'));
    const cmd = `${process.execPath} ${TSPLAY} vault view --ask-vault-pass ${enc}`;
    // The password is typed once the prompt is shown (script forwards our stdin to the terminal).
    const r = spawnSync('/bin/sh', ['-c', `(while [ ! -s ${d}/t ]; do sleep 0.2; done; sleep 0.5; printf 'typed-pw\\r') | script -qefc "${cmd}" ${d}/t`], {
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(r.stdout).toMatch(/Vault password: /);
    expect(r.stdout).toContain('asked: yes');
    expect(r.stdout.split('Vault password: ')[1]).not.toContain('typed-pw');
  });
});
