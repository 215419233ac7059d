import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../../src/cli/main.js';
import { encryptVault } from '../../../src/config/vault.js';

// Issue 12: a secret never appears in any artifact of a run. Random tokens enter by every way a
// secret comes in — a vault-encrypted value, a secret-named -e variable, a secret-named value
// nested in inventory vars, a no_log task — and, secret by origin whatever their names: a role
// option with `no_log: true` in meta/argument_specs.yml, a TypeScript role param marked secret(),
// a vars_prompt answer the play lists in tsplay_secret_vars, an inventory variable listed there and an
// environment variable named in TSPLAY_SECRET_ENV. They are used where they would show: debug,
// --diff of a file, a command line, a failure message, registered output. Then every artifact is read as raw
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
    const SPEC = token('spec');
    const TSROLE = token('tsrole');
    const PROMPT = token('prompt');
    const LISTED = token('listed');
    const ENVV = token('env');
    writeFileSync(path.join(d, 'pw'), `${pw}\n`);
    writeFileSync(
      path.join(d, 'inv.yml'),
      `all:\n  hosts:\n    localhost:\n      ansible_connection: local\n      db: {password: ${NESTED}, user: app}\n      shared_seed: ${LISTED}\n      tsplay_secret_vars: [shared_seed]\n`,
    );
    // a YAML role whose argument spec says seed_value is no_log, and a TS role with a secret() param
    mkdirSync(path.join(d, 'roles', 'seeded', 'meta'), { recursive: true });
    mkdirSync(path.join(d, 'roles', 'seeded', 'tasks'), { recursive: true });
    writeFileSync(
      path.join(d, 'roles', 'seeded', 'meta', 'argument_specs.yml'),
      'argument_specs:\n  main:\n    options:\n      seed_value: {type: str, required: true, no_log: true}\n',
    );
    writeFileSync(
      path.join(d, 'roles', 'seeded', 'tasks', 'main.yml'),
      `- debug: {msg: "seed {{ seed_value }}"}\n- copy: {dest: "${d}/seeded.txt", content: "{{ seed_value }}\\n"}\n`,
    );
    mkdirSync(path.join(d, 'roles', 'tsseed'), { recursive: true });
    const src = path.resolve(import.meta.dirname, '../../../src');
    writeFileSync(
      path.join(d, 'roles', 'tsseed', 'index.ts'),
      [
        "import { z } from 'zod';",
        `import { defineRole, secret } from '${path.join(src, 'index.js')}';`,
        'export default defineRole({',
        "  name: 'tsseed',",
        "  description: 'a role with a secret param',",
        '  params: z.object({ unlock: secret(z.string()) }),',
        `  tasks: (p) => [{ name: 'show', debug: { msg: \`unlock \${p.unlock}\` } }, { copy: { dest: '${d}/tsseed.txt', content: \`\${p.unlock}\\n\` } }],`,
        '});',
        '',
      ].join('\n'),
    );
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
        '  vars_prompt:',
        `    - {name: unlock_phrase, prompt: "Unlock phrase", default: ${PROMPT}}`,
        '  vars:',
        '    tsplay_secret_vars: [unlock_phrase]',
        `    ${vaultVar.trimEnd()}`,
        '  roles:',
        `    - {role: seeded, seed_value: ${SPEC}}`,
        `    - {role: tsseed, unlock: ${TSROLE}}`,
        '  tasks:',
        "    - debug: {msg: \"prompt {{ unlock_phrase }} listed {{ shared_seed }} env {{ lookup('env', 'TSPLAY_TEST_SEED') }}\"}",
        `    - copy: {dest: "${d}/origin.txt", content: "{{ unlock_phrase }} {{ shared_seed }} {{ lookup('env', 'TSPLAY_TEST_SEED') }}\\n"}`,
        '    - command: echo {{ unlock_phrase }} {{ shared_seed }} {{ lookup("env", "TSPLAY_TEST_SEED") }}',
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
    process.env.TSPLAY_TEST_SEED = ENVV;
    process.env.TSPLAY_SECRET_ENV = 'SOMETHING_ELSE,TSPLAY_TEST_SEED';
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
    ).finally(() => {
      delete process.env.TSPLAY_TEST_SEED;
      delete process.env.TSPLAY_SECRET_ENV;
    });
    expect(code, io.text()).toBe(0);
    // the run really used the secrets: the file on disk holds them
    expect(readFileSync(path.join(d, 'out.txt'), 'utf8')).toBe(`${VAULT} ${CLI} ${NESTED}\n`);
    expect(readFileSync(path.join(d, 'seeded.txt'), 'utf8')).toBe(`${SPEC}\n`);
    expect(readFileSync(path.join(d, 'tsseed.txt'), 'utf8')).toBe(`${TSROLE}\n`);
    expect(readFileSync(path.join(d, 'origin.txt'), 'utf8')).toBe(`${PROMPT} ${LISTED} ${ENVV}\n`);
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
      for (const secret of [VAULT, CLI, NESTED, NOLOG, SPEC, TSROLE, PROMPT, LISTED, ENVV]) expect(text.includes(secret), `${secret.split('-')[0]} secret in ${name}`).toBe(false);
    }
  });
});
