import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { cpus, hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quote } from '../../../src/commands/quote.js';
import { SshExecutor } from '../../../src/executors/ssh.js';
import { TsplayError } from '../../../src/errors.js';
import { gatherFacts } from '../../../src/facts/gather.js';
import { startSshd, sshdAvailable, type Sshd } from '../../support/sshd.js';

const available = sshdAvailable();

describe.runIf(available)('SshExecutor against a real sshd on loopback', () => {
  let sshd: Sshd;
  let ex: SshExecutor;
  const work = mkdtempSync(join(tmpdir(), 'tsplay-ssh-e2e-'));
  const acceptedLogins = (): number => (readFileSync(sshd.logPath, 'utf8').match(/Accepted publickey/g) ?? []).length;

  beforeAll(async () => {
    sshd = await startSshd();
    ex = new SshExecutor(sshd.spec());
  });
  afterAll(async () => {
    await ex?.close();
    await sshd?.stop();
  });

  it('runs a command: rc, stdout and stderr come back; non-zero rc does not throw', async () => {
    const r = await ex.run('echo out; echo err >&2; exit 7');
    expect(r).toMatchObject({ rc: 7, stdout: 'out\n', stderr: 'err\n' });
    expect((await ex.run('id -un')).stdout.trim()).toBe(userInfo().username);
  });

  it('feeds stdin (binary-safe) and closes it', async () => {
    expect((await ex.run('cat', { stdin: 'token-123\n' })).stdout).toBe('token-123\n');
    expect((await ex.run('od -An -tx1 | tr -d " \\n"', { stdin: Buffer.from([0, 1, 255]) })).stdout).toBe('0001ff');
    expect((await ex.run('cat')).stdout).toBe('');
  });

  it('exports hostile env values and changes into cwd, executing nothing from them', async () => {
    const canary = join(work, 'env-canary');
    const v = `it's "x" $(touch ${canary}) \`touch ${canary}\` ; touch ${canary}\nnext ✓ 日本`;
    const r = await ex.run('printf "%s|" "$V"; pwd', { env: { V: v, EMPTY: '' }, cwd: work });
    expect(r.stdout).toBe(`${v}|${work}\n`);
    expect(existsSync(canary)).toBe(false);
  });

  it('hostile strings quoted as arguments are printed, never executed', async () => {
    const canary = join(work, 'arg-canary');
    const hostile = [`'; touch ${canary}; '`, `"; touch ${canary}; "`, `$(touch ${canary})`, `\`touch ${canary}\``, `a\ntouch ${canary}`, `ünïcødé ✓ 🚀`, `\\$HOME`, `-e`, `*`];
    const r = await ex.run(`printf '%s\\0' ${hostile.map((h) => quote(h)).join(' ')}`);
    expect(r.rc).toBe(0);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(hostile);
    expect(existsSync(canary)).toBe(false);
  });

  it('a command past its timeout is cut off with timedOut and rc 124; the connection stays usable', async () => {
    const r = await ex.run('echo started >&2; sleep 37; echo finished', { timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    expect(r.rc).toBe(124);
    expect(r.stdout).not.toContain('finished');
    expect(r.stderr).not.toContain('TSPLAY'); // tsplay's own bookkeeping never shows
    // the command was killed on the host, not just abandoned
    const left = await ex.run(`for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done | grep -c '^sleep 37' || true`);
    expect(left.stdout.trim()).toBe('0');
    expect((await ex.run('echo alive')).stdout).toBe('alive\n');
    expect((await ex.run('echo e >&2', { timeoutMs: 5000 })).stderr).toBe('e\n');
  });

  it('20 concurrent runs on one connection all succeed, never more than 8 channels at once', async () => {
    const before = acceptedLogins();
    const lockDir = join(work, 'locks');
    await ex.run(`mkdir -p ${quote(lockDir)}`);
    const runs = Array.from({ length: 20 }, (_, i) =>
      ex.run(`touch ${quote(join(lockDir, String(i)))}; n=$(ls ${quote(lockDir)} | wc -l); sleep 0.3; rm ${quote(join(lockDir, String(i)))}; echo "$n"`),
    );
    const results = await Promise.all(runs);
    expect(results.map((r) => r.rc)).toEqual(Array(20).fill(0));
    const seen = results.map((r) => Number(r.stdout.trim()));
    expect(Math.max(...seen)).toBeLessThanOrEqual(8);
    expect(Math.max(...seen)).toBeGreaterThan(1); // channels do run in parallel
    expect(acceptedLogins()).toBe(before); // no new connection was opened
  });

  it('put writes atomically with mode, keeps mode on rewrite, get reads it back; missing file → null', async () => {
    const p = join(work, 'app.conf');
    await ex.put(p, 'a=1\n', { mode: '0640' });
    expect((await ex.run(`stat -c %a ${quote(p)}`)).stdout.trim()).toBe('640');
    await ex.put(p, Buffer.from([0, 10, 255]));
    expect((await ex.run(`stat -c %a ${quote(p)}`)).stdout.trim()).toBe('640');
    expect(await ex.get(p)).toEqual(Buffer.from([0, 10, 255]));
    expect((await ex.run(`ls -A ${quote(work)}`)).stdout).not.toContain('.tsplay-');
    expect(await ex.get(join(work, 'nope'))).toBeNull();
    await expect(ex.put(join(work, 'no', 'dir', 'f'), 'x')).rejects.toThrow(/cannot write .*no\/dir\/f on sshd-test/);
  });

  it('put of a big file arrives intact', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    const p = join(work, 'big.bin');
    await ex.put(p, big);
    expect((await ex.run(`wc -c < ${quote(p)}`)).stdout.trim()).toBe(String(big.length));
  });

  it('reconnects once when the connection dropped between commands', async () => {
    const before = acceptedLogins();
    // Kill this connection's sshd process (not the listener): the channel and connection die, and
    // the command that was running is reported as a lost connection (its effect is unknown).
    const lost = await ex
      .run(
        `p=$$; while [ "$p" -gt 1 ]; do c=$(cat /proc/$p/comm); if [ "\${c#sshd}" != "$c" ] && [ "$p" != ${sshd.pid} ]; then kill -9 "$p"; break; fi; p=$(awk '/^PPid/{print $2}' /proc/$p/status); done`,
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(lost).toBeInstanceOf(TsplayError);
    expect((lost as TsplayError).code).toBe('CONNECTION');
    expect((lost as TsplayError).message).toMatch(/connection was lost while a command ran/);
    await new Promise((r) => setTimeout(r, 200));
    const r = await ex.run('echo back');
    expect(r).toMatchObject({ rc: 0, stdout: 'back\n' });
    expect(acceptedLogins()).toBe(before + 1);
  });

  it('gathers facts that match this machine', async () => {
    const f = await gatherFacts(ex);
    expect(f.hostname).toBe(hostname());
    expect(f.user).toBe(userInfo().username);
    expect(f.isRoot).toBe(userInfo().uid === 0);
    expect(f.cpus).toBeGreaterThan(0);
    expect(f.cpus).toBeLessThanOrEqual(cpus().length);
    expect(f.memoryMb).toBeGreaterThan(0);
    const osRelease = readFileSync('/etc/os-release', 'utf8');
    expect(osRelease).toMatch(new RegExp(`^ID="?${f.os.id}"?$`, 'm'));
    expect(f.kernel).toBe((await ex.run('uname -r')).stdout.trim());
    expect(f.addresses).not.toContain('127.0.0.1');
  });

  it('a key the server does not accept fails with CONNECTION naming the key tried', async () => {
    const other = new SshExecutor(sshd.spec({ identityFile: join(work, 'no-such-key') }));
    const err = (await other.connect().catch((e: unknown) => e)) as TsplayError;
    expect(err).toBeInstanceOf(TsplayError);
    expect(err.code).toBe('CONNECTION');
    expect(err.message).toContain('authentication as');
    expect(err.hint).toContain(join(work, 'no-such-key'));
  });

  it('a closed port fails with CONNECTION: connection refused', async () => {
    const other = new SshExecutor(sshd.spec({ port: 1 }));
    await expect(other.connect()).rejects.toMatchObject({ code: 'CONNECTION', message: expect.stringContaining('connection refused') });
  });

  it('authenticates through ssh-agent (SSH_AUTH_SOCK) when no key file is given', async () => {
    const sock = join(work, 'agent.sock');
    const agent = spawn('/usr/bin/ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    const saved = process.env['SSH_AUTH_SOCK'];
    try {
      for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise<void>((resolve, reject) => {
        const add = spawn('/usr/bin/ssh-add', [sshd.keyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
        add.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ssh-add exited ${code}`))));
      });
      process.env['SSH_AUTH_SOCK'] = sock;
      const viaAgent = new SshExecutor(sshd.spec({ identityFile: join(work, 'not-a-key') }));
      try {
        expect((await viaAgent.run('echo agent-ok')).stdout).toBe('agent-ok\n');
      } finally {
        await viaAgent.close();
      }
    } finally {
      if (saved === undefined) delete process.env['SSH_AUTH_SOCK'];
      else process.env['SSH_AUTH_SOCK'] = saved;
      agent.kill();
    }
  });

  it('a server that never completes the handshake hits the connect timeout with a clear error', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s)); // accepts, never speaks SSH
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    try {
      const ex2 = new SshExecutor(sshd.spec({ port, connectTimeoutMs: 500 }));
      const err = (await ex2.connect().catch((e: unknown) => e)) as TsplayError;
      expect(err.code).toBe('CONNECTION');
      expect(err.message).toContain(`timed out after 500 ms connecting to 127.0.0.1:${port}`);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('a server with fewer sessions than max_channels refuses channels: a CONNECTION error, not a hang or a reconnect storm', async () => {
    const tight = await startSshd({ clientKeyPath: sshd.keyPath, extraConfig: ['MaxSessions 2'] });
    const ex3 = new SshExecutor(tight.spec({ maxChannels: 4 }));
    try {
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => ex3.run('sleep 1; echo done')));
      const refused = results.filter((r) => r.status === 'rejected');
      expect(refused.length).toBeGreaterThan(0);
      expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'CONNECTION', message: expect.stringContaining('refused a channel') });
      expect(results.some((r) => r.status === 'fulfilled' && r.value.stdout === 'done\n')).toBe(true);
    } finally {
      await ex3.close();
      await tight.stop();
    }
  });
});
