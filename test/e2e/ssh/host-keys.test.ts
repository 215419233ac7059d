import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshExecutor } from '../../../src/executors/ssh.js';
import type { TsplayError } from '../../../src/errors.js';
import { startSshd, sshdAvailable, type Sshd } from '../../support/sshd.js';

const available = sshdAvailable();

describe.runIf(available)('host key checking against a real sshd', () => {
  let sshd: Sshd;
  const work = mkdtempSync(join(tmpdir(), 'tsplay-hostkeys-'));
  const name = (): string => `[127.0.0.1]:${sshd.port}`;
  const open: SshExecutor[] = [];
  const executor = (o: Parameters<Sshd['spec']>[0]): SshExecutor => {
    const ex = new SshExecutor(sshd.spec(o));
    open.push(ex);
    return ex;
  };

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    for (const ex of open) await ex.close();
    await sshd?.stop();
  });

  it('accept-new (the default) records an unknown host in known_hosts and then trusts it', async () => {
    const file = join(work, 'kh-new');
    const ex = executor({ hostKeyChecking: undefined, knownHostsFile: file });
    expect((await ex.run('echo ok')).stdout).toBe('ok\n');
    expect(readFileSync(file, 'utf8')).toBe(`${name()} ${sshd.hostPublicKey}\n`);
    // strict now accepts it, and OpenSSH's own client agrees with what we wrote
    const strict = executor({ hostKeyChecking: 'strict', knownHostsFile: file });
    expect((await strict.run('echo ok')).rc).toBe(0);
    const found = execFileSync('/usr/bin/ssh-keygen', ['-F', name(), '-f', file], { encoding: 'utf8' });
    expect(found).toContain(sshd.hostPublicKey);
  });

  it('a changed host key is refused loudly, naming the known_hosts file and line, and nothing runs', async () => {
    const file = join(work, 'kh-changed');
    execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(work, 'impostor')]);
    const impostor = readFileSync(join(work, 'impostor.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(file, `# team hosts\n${name()} ${impostor}\n`);
    const ex = executor({ hostKeyChecking: 'accept-new', knownHostsFile: file });
    const err = (await ex.run('echo should-not-run').catch((e: unknown) => e)) as TsplayError;
    expect(err.code).toBe('CONNECTION');
    expect(err.message).toContain('HOST KEY CHANGED');
    expect(err.message).toContain(`${file}:2`);
    expect(err.hint).toContain(`remove line 2 of ${file}`);
    expect(readFileSync(file, 'utf8')).toBe(`# team hosts\n${name()} ${impostor}\n`);
  });

  it('strict refuses an unknown host and writes nothing', async () => {
    const file = join(work, 'kh-strict');
    writeFileSync(file, '');
    const ex = executor({ hostKeyChecking: 'strict', knownHostsFile: file });
    await expect(ex.connect()).rejects.toMatchObject({ code: 'CONNECTION', message: expect.stringMatching(/not in .*strict/) });
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it('strict accepts a host recorded as a hashed entry (ssh-keygen -H)', async () => {
    const file = join(work, 'kh-hashed');
    copyFileSync(sshd.knownHostsPath, file);
    execFileSync('/usr/bin/ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    expect(readFileSync(file, 'utf8')).toMatch(/^\|1\|/);
    const ex = executor({ hostKeyChecking: 'strict', knownHostsFile: file });
    expect((await ex.run('echo hashed-ok')).stdout).toBe('hashed-ok\n');
  });

  it('off connects whatever the key, and leaves known_hosts alone', async () => {
    const file = join(work, 'kh-off');
    writeFileSync(file, `${name()} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILDxRs5y2t7T0EcTykmYy05wgjLxAxL4X9BEa1G/ASzz\n`);
    const before = readFileSync(file, 'utf8');
    const ex = executor({ hostKeyChecking: 'off', knownHostsFile: file });
    expect((await ex.run('echo off-ok')).rc).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
