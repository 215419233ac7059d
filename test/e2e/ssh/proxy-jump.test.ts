import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshExecutor } from '../../../src/executors/ssh.js';
import { startSshd, sshdAvailable, type Sshd } from '../../support/sshd.js';

const available = sshdAvailable();

describe.runIf(available)('ProxyJump through a second sshd on loopback', () => {
  let jump: Sshd;
  let target: Sshd;
  let noForward: Sshd;
  const work = mkdtempSync(join(tmpdir(), 'tsplay-jump-'));
  const open: SshExecutor[] = [];

  beforeAll(async () => {
    target = await startSshd();
    jump = await startSshd({ clientKeyPath: target.keyPath, logLevel: 'DEBUG1' });
    noForward = await startSshd({ clientKeyPath: target.keyPath, extraConfig: ['AllowTcpForwarding no'] });
  });
  afterAll(async () => {
    for (const ex of open) await ex.close();
    await jump?.stop();
    await target?.stop();
    await noForward?.stop();
  });

  function sshConfig(jumpPort: number): string {
    const file = join(work, `ssh_config_${jumpPort}`);
    writeFileSync(file, `Host bastion\n  HostName 127.0.0.1\n  Port ${jumpPort}\n  User ${target.user}\n  IdentityFile ${target.keyPath}\n`);
    return file;
  }

  it('reaches the target through the jump host named in ssh config, checking both host keys', async () => {
    const knownHosts = join(work, 'kh');
    const ex = new SshExecutor(target.spec({ proxyJump: 'bastion', sshConfigFile: sshConfig(jump.port), hostKeyChecking: 'accept-new', knownHostsFile: knownHosts }));
    open.push(ex);
    const r = await ex.run('echo "$SSH_CONNECTION"');
    expect(r.rc).toBe(0);
    expect(r.stdout).toContain(` ${target.port}\n`);
    // The jump sshd opened the forwarded TCP connection to the target's port.
    expect(readFileSync(jump.logPath, 'utf8')).toMatch(new RegExp(`direct_tcpip: originator .* target 127\\.0\\.0\\.1 port ${target.port}\\b`));
    const kh = readFileSync(knownHosts, 'utf8');
    expect(kh).toContain(`[127.0.0.1]:${jump.port} ${jump.hostPublicKey}`);
    expect(kh).toContain(`[127.0.0.1]:${target.port} ${target.hostPublicKey}`);
    // and it keeps working on the same tunnel
    expect((await ex.run('echo again')).stdout).toBe('again\n');
  });

  it('a jump host that forbids forwarding gives a CONNECTION error naming the jump host', async () => {
    const ex = new SshExecutor(target.spec({ proxyJump: 'bastion', sshConfigFile: sshConfig(noForward.port), hostKeyChecking: 'off' }));
    open.push(ex);
    await expect(ex.connect()).rejects.toMatchObject({
      code: 'CONNECTION',
      message: expect.stringContaining('jump host bastion cannot reach 127.0.0.1:' + target.port),
    });
  });
});
