import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { becomeTarget, buildCommandLine, buildScript, installFromStdinScript, sudoWantsPassword, sudoWrongPassword } from '../../../src/executors/command-line.js';
import { becomeSettings } from '../../../src/executors/command-line.js';

const dir = mkdtempSync(join(tmpdir(), 'tsplay-cmdline-'));
const canary = join(dir, 'canary');
const HOSTILE = [`it's`, `"double" \\ back`, `$(touch ${canary})`, `\`touch ${canary}\``, `; touch ${canary}`, `a\nb\ttab`, `ünïcødé ✓ 日本`, `$HOME $$ \${x:-y}`, `-n`, `*`];

/** Run a command line the way sshd does: the login shell gets it after -c. */
function sh(line: string, input?: string): string {
  return execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8', input: input ?? '', stdio: ['pipe', 'pipe', 'pipe'] });
}

describe('buildScript + buildCommandLine', () => {
  it('exports hostile env values verbatim and never executes them', () => {
    const env: Record<string, string> = {};
    for (const [i, v] of HOSTILE.entries()) env[`V${i}`] = v;
    const print = HOSTILE.map((_, i) => `printf '%s\\0' "$V${i}"`).join('; ');
    const out = sh(buildCommandLine(buildScript(print, { env })));
    expect(out.split('\0').slice(0, -1)).toEqual(HOSTILE);
    expect(existsSync(canary)).toBe(false);
  });

  it('changes into a cwd with hostile characters in its name', () => {
    const weird = join(dir, `it's $(x) \`y\` ✓`);
    execFileSync('mkdir', ['-p', weird]);
    expect(sh(buildCommandLine(buildScript('pwd', { cwd: weird }))).trim()).toBe(weird);
  });

  it('a missing cwd fails the command instead of running it elsewhere', () => {
    expect(() => sh(buildCommandLine(buildScript(`touch ${canary}`, { cwd: join(dir, 'nope') })))).toThrow();
    expect(existsSync(canary)).toBe(false);
  });

  it('keeps the command a single sh -c program (multiple statements, $0-free)', () => {
    expect(sh(buildCommandLine(buildScript('a=1; echo $a; echo two', { env: { X: 'y' } })))).toBe('1\ntwo\n');
    expect(buildScript('echo hi')).toBe('echo hi');
  });

  it('rejects environment names that are not identifiers', () => {
    expect(() => buildScript('true', { env: { 'A;touch x': '1' } })).toThrow(/not valid/);
  });

  it('become wraps in sudo -n with the user quoted; password mode uses -S with an empty prompt', () => {
    expect(buildCommandLine('id', { user: 'post gres' })).toBe(`sudo -n -H -u 'post gres' -- /bin/sh -c id`);
    expect(buildCommandLine('id', { user: 'root', withPassword: true })).toBe(`sudo -k -S -p '' -H -u root -- /bin/sh -c id`);
    expect(buildCommandLine('id', { user: 'app', loginIsRoot: true })).toContain('su -s /bin/sh -c id app');
  });

  it('no sudo when already the wanted user or when become is off', () => {
    expect(becomeTarget('root', true, undefined)).toBeUndefined();
    expect(becomeTarget('deploy', true, undefined)).toBe('root');
    expect(becomeTarget('deploy', true, 'deploy')).toBeUndefined();
    expect(becomeTarget('deploy', false, 'root')).toBeUndefined();
    expect(becomeTarget('root', true, 'postgres')).toBe('postgres');
  });
});

describe('sudo output detection', () => {
  it('recognises sudo -n refusing for a password, not a command that happens to print similar text', () => {
    expect(sudoWantsPassword(1, 'sudo: a password is required\n')).toBe(true);
    expect(sudoWantsPassword(1, 'sudo: a terminal is required to read the password; either use the -S option\n')).toBe(true);
    expect(sudoWantsPassword(2, 'sudo: a password is required\n')).toBe(false);
    expect(sudoWantsPassword(1, 'error: a password is required for the db\n')).toBe(false);
    expect(sudoWrongPassword(1, 'sudo: 1 incorrect password attempt\n')).toBe(true);
    expect(sudoWrongPassword(1, 'Sorry, try again.\nsudo: 3 incorrect password attempts\n')).toBe(true);
    expect(sudoWrongPassword(0, '')).toBe(false);
  });
});

describe('installFromStdinScript', () => {
  it('writes stdin atomically with the given mode and leaves no temp file', () => {
    const dest = join(dir, `dest it's.txt`);
    sh(buildCommandLine(installFromStdinScript(dest, { mode: '0640' })), 'hello\n');
    expect(readFileSync(dest, 'utf8')).toBe('hello\n');
    expect((statSync(dest).mode & 0o777).toString(8)).toBe('640');
    // keeps the existing mode when none is given
    sh(buildCommandLine(installFromStdinScript(dest, {})), 'again\n');
    expect(readFileSync(dest, 'utf8')).toBe('again\n');
    expect((statSync(dest).mode & 0o777).toString(8)).toBe('640');
    expect(execFileSync('ls', ['-A', dir], { encoding: 'utf8' })).not.toContain('.tsplay-');
  });

  it('a transfer cut short (stdin ends early, cat exits 0) never replaces the file', () => {
    const dest = join(dir, 'whole.txt');
    sh(buildCommandLine(installFromStdinScript(dest, { size: 4 })), 'old\n');
    expect(readFileSync(dest, 'utf8')).toBe('old\n');
    // 12 bytes announced, 5 arrived
    expect(() => sh(buildCommandLine(installFromStdinScript(dest, { size: 12 })), 'new c')).toThrow(/received 5 of 12 bytes: the file was not replaced/);
    expect(readFileSync(dest, 'utf8')).toBe('old\n');
    expect(execFileSync('ls', ['-A', dir], { encoding: 'utf8' })).not.toContain('.tsplay-');
  });

  it('fails (and cleans up) when the directory does not exist', () => {
    expect(() => sh(buildCommandLine(installFromStdinScript(join(dir, 'missing', 'f'), {})), 'x')).toThrow();
  });
});

describe('become methods and flags (Ansible become plugins)', () => {
  it("su runs the command through the target user's shell: su USER -c '/bin/sh -c …'", () => {
    expect(buildCommandLine('id -un', { user: 'app', method: 'su' })).toBe(`su app -c '/bin/sh -c '"'"'id -un'"'"''`);
    expect(buildCommandLine('id', { user: 'app', method: 'su', flags: '-l', exe: '/bin/su' })).toBe(`/bin/su -l app -c '/bin/sh -c id'`);
  });

  it("become_flags replace sudo's defaults; with a password -n goes and sudo reads stdin", () => {
    expect(buildCommandLine('id', { user: 'root', flags: '-H -n -E' })).toBe(`sudo -H -n -E -u root -- /bin/sh -c id`);
    expect(buildCommandLine('id', { user: 'root', flags: '-H -n', withPassword: true })).toBe(`sudo -H -k -S -p '' -u root -- /bin/sh -c id`);
    expect(buildCommandLine('id', { user: 'root', exe: '/usr/local/bin/sudo' })).toBe(`/usr/local/bin/sudo -H -S -n -u root -- /bin/sh -c id`);
  });

  it("the host's ansible_become_method wins over the keyword", () => {
    expect(becomeSettings({ becomeMethod: 'su' }, { becomeMethod: 'sudo', becomeFlags: '-E' })).toEqual({ method: 'su', flags: '-E' });
  });
});
