import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../../src/cli/main.js';
import { encryptVault } from '../../../src/config/vault.js';

// Issue 12: a secret never appears in any artifact of a run. Random tokens enter by every way a
// secret comes in — a vault-encrypted value, a secret-named -e variable, a secret-named value
// nested in inventory vars, a no_log task — and are used where they would show: debug, --diff of a
// file, a command line, a failure message, registered output. Then every artifact is read as raw
// bytes: the console, the --json and --junit reports, the history database with its WAL, the HTML
// report, `tsplay inventory` and `tsplay history`.
const token = (what: string) => `${what}-${randomBytes(8).toString('hex')}`;

function capture(): Io & { text: () => string } {
  let buf = '';
  return { out: (t) => void (buf += t), err: (t) => void (buf += t), isTTY: false, text: () => buf };
}

describe('no secret in any artifact of a run', { timeout: 120_000 }, () => {
  it('console, --diff, --json, --junit, history (db + WAL), HTML report, inventory and history output', async () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'tsplay-secret-artifacts-'));
    const pw = 'artifact-test-pw';
    const VAULT = token('vault');
    const CLI = token('cli');
    const NESTED = token('nested');
    const NOLOG = token('nolog');
    writeFileSync(path.join(d, 'pw'), `${pw}\n`);
    writeFileSync(path.join(d, 'inv.yml'), `all:\n  hosts:\n    localhost:\n      ansible_connection: local\n      db: {password: ${NESTED}, user: app}\n`);
    const vaultVar = `vault_value: !vault |\n${encryptVault(VAULT, pw)
      .trim()
      .split('\n')
      .map((l) => `      ${l}`)
      .join('\n')}\n`;
    writeFileSync(
      path.join(d, 'site.yml'),
      [
        '- hosts: all',
        '  gather_facts: false',
        '  vars:',
        `    ${vaultVar.trimEnd()}`,
        '  tasks:',
        '    - debug: {msg: "vault {{ vault_value }} cli {{ api_token }} nested {{ db.password }}"}',
        `    - copy: {dest: "${d}/out.txt", content: "{{ vault_value }} {{ api_token }} {{ db.password }}\\n"}`,
        '    - command: echo {{ vault_value }} {{ api_token }}',
        '      register: echoed',
        '    - debug: {var: echoed}',
        `    - command: echo ${NOLOG}`,
        '      no_log: true',
        '      register: hidden',
        '    - fail: {msg: "failing with {{ api_token }} and {{ vault_value }}"}',
        '      ignore_errors: true',
        '',
      ].join('\n'),
    );
    const hist = path.join(d, 'history.sqlite');
    const json = path.join(d, 'report.json');
    const junit = path.join(d, 'report.xml');
    const html = path.join(d, 'report.html');
    const io = capture();
    const code = await main(
      [
        'run',
        path.join(d, 'site.yml'),
        '-i',
        path.join(d, 'inv.yml'),
        '--vault-password-file',
        path.join(d, 'pw'),
        '-e',
        `api_token=${CLI}`,
        '--diff',
        '--json',
        json,
        '--junit',
        junit,
        '--history',
        hist,
      ],
      io,
    );
    expect(code, io.text()).toBe(0);
    // the run really used the secrets: the file on disk holds them
    expect(readFileSync(path.join(d, 'out.txt'), 'utf8')).toBe(`${VAULT} ${CLI} ${NESTED}\n`);
    const more = capture();
    expect(await main(['report', '--html', html, '--history', hist], more), more.text()).toBe(0);
    expect(await main(['history', '--history', hist], more), more.text()).toBe(0);
    expect(await main(['inventory', '-i', path.join(d, 'inv.yml'), '--host', 'localhost'], more), more.text()).toBe(0);

    const artifacts: Record<string, string> = {
      console: io.text(),
      'report, history and inventory commands': more.text(),
      '--json': readFileSync(json, 'latin1'),
      '--junit': readFileSync(junit, 'latin1'),
      'HTML report': readFileSync(html, 'latin1'),
    };
    for (const f of readdirSync(d).filter((x) => x.startsWith('history.sqlite'))) artifacts[f] = readFileSync(path.join(d, f), 'latin1');
    expect(Object.keys(artifacts).some((k) => k.startsWith('history.sqlite'))).toBe(true);
    expect(artifacts.console).toMatch(/\*{8}/); // redacted, not dropped
    for (const [name, text] of Object.entries(artifacts)) {
      for (const secret of [VAULT, CLI, NESTED, NOLOG]) expect(text.includes(secret), `${secret.split('-')[0]} secret in ${name}`).toBe(false);
    }
  });
});
