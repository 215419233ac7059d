/**
 * A real OpenSSH server on loopback for e2e tests: `/usr/sbin/sshd -D` with a throwaway config,
 * host key and client key in a temp dir. Reused by the engine's e2e tests.
 *
 *   const sshd = await startSshd();
 *   const ex = new SshExecutor(sshd.spec());
 *   ...
 *   await sshd.stop();
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ConnectionSpec } from '../../src/executors/types.js';

export const SSHD_PATH = '/usr/sbin/sshd';

export interface SshdOptions {
  /** Extra sshd_config lines (e.g. "AllowTcpForwarding no"). */
  extraConfig?: string[];
  /** Reuse this client key (private key path; `.pub` beside it) instead of generating one. */
  clientKeyPath?: string;
  /** sshd LogLevel (the log is in `logPath`). */
  logLevel?: string;
}

export interface Sshd {
  port: number;
  /** pid of the listening sshd (its per-connection children have other pids). */
  pid: number;
  /** Login user the client key is authorized for (the current user). */
  user: string;
  /** Private key that logs in as any user (authorized for every account via AuthorizedKeysFile). */
  keyPath: string;
  /** known_hosts holding this server's host key as `[127.0.0.1]:port` (use with host_key_checking: strict). */
  knownHostsPath: string;
  /** The `ssh-ed25519 AAAA...` public host key. */
  hostPublicKey: string;
  dir: string;
  logPath: string;
  /** A ConnectionSpec for this server (strict host key checking against knownHostsPath). */
  spec(overrides?: Partial<ConnectionSpec>): ConnectionSpec;
  /** Authorize the client key for another (throwaway) user of this machine. */
  authorize(user: string): void;
  stop(): Promise<void>;
}

/** Is there an sshd to test against? Under CI=true a missing sshd is an error, not a skip. */
export function sshdAvailable(): boolean {
  const ok = existsSync(SSHD_PATH) && existsSync('/usr/bin/ssh-keygen');
  if (!ok && process.env['CI'] === 'true') {
    throw new Error(`${SSHD_PATH} or ssh-keygen is missing; CI must install openssh-server and openssh-client`);
  }
  if (!ok) console.log(`skipping SSH e2e tests: ${SSHD_PATH} not installed (apt-get install openssh-server)`);
  return ok;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = netConnect({ host: '127.0.0.1', port }, () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

function keygen(path: string): void {
  execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tsplay-test', '-f', path], { stdio: 'ignore' });
}

/** Start sshd on 127.0.0.1:<free port> as the current user; resolves when it accepts connections. */
export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-sshd-'));
  chmodSync(dir, 0o755); // other users' sessions read their authorized_keys below
  const user = userInfo().username;
  const hostKey = join(dir, 'host_ed25519');
  keygen(hostKey);
  let keyPath = opts.clientKeyPath;
  if (!keyPath) {
    keyPath = join(dir, 'id_ed25519');
    keygen(keyPath);
  }
  const clientPub = readFileSync(keyPath + '.pub', 'utf8').trim();
  const keysDir = join(dir, 'authorized_keys');
  mkdirSync(keysDir, { mode: 0o755 });
  chmodSync(keysDir, 0o755);
  const authorize = (u: string): void => {
    writeFileSync(join(keysDir, u), clientPub + '\n', { mode: 0o644 });
  };
  authorize(user);
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const hostPublicKey = readFileSync(hostKey + '.pub', 'utf8')
    .trim()
    .split(/\s+/)
    .slice(0, 2)
    .join(' ');
  const logPath = join(dir, 'sshd.log');
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      // sshd keeps the first value it reads for a keyword, so overrides go first.
      ...(opts.extraConfig ?? []),
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${keysDir}/%u`,
      'UsePAM no',
      'StrictModes no',
      'MaxSessions 10',
      'PermitRootLogin yes',
      'PubkeyAuthentication yes',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'AllowTcpForwarding yes',
      'X11Forwarding no',
      'PrintMotd no',
      'UseDNS no',
      `LogLevel ${opts.logLevel ?? 'VERBOSE'}`,
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );

  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    const c = spawn(SSHD_PATH, ['-D', '-f', config, '-p', String(port), '-h', hostKey, '-E', logPath], { stdio: 'ignore' });
    let exited = false;
    c.once('exit', () => {
      exited = true;
    });
    for (let i = 0; i < 100 && !exited; i++) {
      if (await canConnect(port)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!exited && (await canConnect(port))) child = c;
    else c.kill('SIGKILL');
  }
  if (!child) {
    const log = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`sshd did not start:\n${log}`);
  }

  const knownHostsPath = join(dir, 'known_hosts');
  const sshConfigPath = join(dir, 'ssh_config');
  writeFileSync(sshConfigPath, '# empty: tests must not read the real ~/.ssh/config\n');
  writeFileSync(knownHostsPath, `[127.0.0.1]:${port} ${hostPublicKey}\n`);
  const proc = child;
  // If the test process dies without stop(), do not leave a listening sshd behind.
  const killOnExit = (): void => {
    proc.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const finalKeyPath = keyPath;
  return {
    port,
    pid: proc.pid ?? 0,
    user,
    keyPath: finalKeyPath,
    knownHostsPath,
    hostPublicKey,
    dir,
    logPath,
    authorize,
    spec: (overrides = {}) => ({
      host: 'sshd-test',
      connection: 'ssh',
      address: '127.0.0.1',
      port,
      user,
      identityFile: finalKeyPath,
      hostKeyChecking: 'strict',
      knownHostsFile: knownHostsPath,
      sshConfigFile: sshConfigPath,
      ...overrides,
    }),
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (proc.exitCode === null && proc.signalCode === null) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
