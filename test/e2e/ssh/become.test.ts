import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshExecutor } from '../../../src/executors/ssh.js';
import { TsplayError } from '../../../src/errors.js';
import { startSshd, sshdAvailable, type Sshd } from '../../support/sshd.js';

const available = sshdAvailable();
const isRoot = process.getuid?.() === 0;
const hasSudo = existsSync('/usr/bin/sudo');
if (available && !hasSudo && process.env['CI'] === 'true') throw new Error('sudo is missing; CI must apt-get install sudo');
if (available && !(isRoot && hasSudo)) console.log('skipping become e2e tests: they need root (to create throwaway users) and sudo');

// Throwaway accounts: one with NOPASSWD sudo, one whose sudo wants its password.
const suffix = String(process.pid % 100000);
const NOPW = `tsp_nopw_${suffix}`;
const PW = `tsp_pw_${suffix}`;
const PASSWORD = `Pw-${suffix}-'quoted' $(touch /tmp/tsp-pw-canary)`;
const SUDOERS = `/etc/sudoers.d/tsplay-e2e-${suffix}`;

describe.runIf(available && isRoot && hasSudo)('become through sudo over SSH', () => {
  let sshd: Sshd;
  const open: SshExecutor[] = [];
  const executor = (o: Parameters<Sshd['spec']>[0]): SshExecutor => {
    const ex = new SshExecutor(sshd.spec(o));
    open.push(ex);
    return ex;
  };

  beforeAll(async () => {
    for (const u of [NOPW, PW]) execFileSync('useradd', ['-m', '-s', '/bin/sh', u]);
    execFileSync('usermod', ['-p', '*', NOPW]); // not locked: sshd (UsePAM no) refuses locked accounts
    execFileSync('chpasswd', [], { input: `${PW}:${PASSWORD}\n` });
    writeFileSync(SUDOERS, `${NOPW} ALL=(ALL) NOPASSWD: ALL\n${PW} ALL=(ALL) ALL\nDefaults:${PW} lecture=never\n`, { mode: 0o440 });
    execFileSync('visudo', ['-c', '-f', SUDOERS], { stdio: 'ignore' });
    sshd = await startSshd();
    sshd.authorize(NOPW); // PW logs in with its password only
  });
  afterAll(async () => {
    for (const ex of open) await ex.close();
    await sshd?.stop();
    rmSync(SUDOERS, { force: true });
    for (const u of [NOPW, PW]) {
      try {
        execFileSync('userdel', ['-r', '-f', u], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
    }
  });

  it('NOPASSWD user: become runs as root, become_user as another user, and without become stays the login user', async () => {
    const ex = executor({ user: NOPW });
    expect((await ex.run('id -un')).stdout.trim()).toBe(NOPW);
    expect((await ex.run('id -un', { become: true })).stdout.trim()).toBe('root');
    expect((await ex.run('id -un', { become: true, becomeUser: PW })).stdout.trim()).toBe(PW);
    // env and cwd survive sudo's environment reset, HOME is the target's (-H)
    const r = await ex.run('echo "$TOKEN|$HOME|$(pwd)"', { become: true, env: { TOKEN: "a'b $(c)" }, cwd: '/etc' });
    expect(r.stdout).toBe(`a'b $(c)|/root|/etc\n`);
  });

  it('NOPASSWD user: put and get with become write root-owned files atomically with mode and owner', async () => {
    const ex = executor({ user: NOPW });
    const path = `/etc/tsplay-e2e-${suffix}.conf`;
    try {
      await ex.put(path, 'secret=1\n', { become: true, mode: '0600', owner: 'root', group: 'root' });
      const st = await ex.run(`stat -c '%a %U %G' ${path}`, { become: true });
      expect(st.stdout.trim()).toBe('600 root root');
      expect((await ex.run(`cat ${path}`)).rc).not.toBe(0); // the login user cannot read it
      expect((await ex.get(path, { become: true }))?.toString()).toBe('secret=1\n');
      expect(await ex.get(`${path}.missing`, { become: true })).toBeNull();
      expect((await ex.run('ls -A /etc', { become: true })).stdout).not.toContain('.tsplay-');
    } finally {
      rmSync(path, { force: true });
    }
  });

  it('a user whose sudo wants a password gets a clear BECOME error when none is configured', async () => {
    const ex = executor({ user: PW, identityFile: undefined, password: PASSWORD });
    expect((await ex.run('id -un')).stdout.trim()).toBe(PW); // password login works
    const err = (await ex.run('touch /tmp/should-not-exist', { become: true }).catch((e: unknown) => e)) as TsplayError;
    expect(err).toBeInstanceOf(TsplayError);
    expect(err.code).toBe('BECOME');
    expect(err.message).toBe('sudo on sshd-test needs a password; configure NOPASSWD or set become_password');
  });

  it('become_password is fed to sudo -S on stdin; the command still gets its own stdin', async () => {
    const ex = executor({ user: PW, identityFile: undefined, password: PASSWORD, becomePassword: PASSWORD });
    const r = await ex.run('id -un; cat', { become: true, stdin: 'payload' });
    expect(r.stdout).toBe('root\npayload');
    expect((await ex.run('id -un', { become: true })).stdout.trim()).toBe('root');
    expect(existsSync('/tmp/tsp-pw-canary')).toBe(false);
  });

  it('a wrong become_password is a BECOME error, and the password appears in no message', async () => {
    const wrong = 'not-the-password-zz9';
    const ex = executor({ user: PW, identityFile: undefined, password: PASSWORD, becomePassword: wrong });
    const err = (await ex.run('id', { become: true }).catch((e: unknown) => e)) as TsplayError;
    expect(err.code).toBe('BECOME');
    expect(err.message).toContain('rejected the become password');
    expect(`${err.message} ${err.hint}`).not.toContain(wrong);
  });

  it('a wrong login password is a CONNECTION error that lists what was tried, without the password', async () => {
    const ex = executor({ user: PW, identityFile: undefined, password: 'wrong-login-pw' });
    const err = (await ex.connect().catch((e: unknown) => e)) as TsplayError;
    expect(err.code).toBe('CONNECTION');
    expect(err.hint).toContain('password');
    expect(`${err.message} ${err.hint}`).not.toContain('wrong-login-pw');
  });
});
