/**
 * SshExecutor: one ssh2 connection per host for the whole run, channels capped below OpenSSH's
 * MaxSessions, commands through `/bin/sh -c`, become through sudo, files over SFTP.
 */
import { existsSync, readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Duplex } from 'node:stream';
import pLimit from 'p-limit';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthenticationType, ClientChannel, ConnectConfig, SFTPWrapper } from 'ssh2';
import { TsplayError } from '../errors.js';
import { quote } from '../commands/quote.js';
import {
  becomeError,
  becomeTarget,
  buildCommandLine,
  buildScript,
  dirnameOf,
  installFromStdinScript,
  parseMode,
  randomTag,
  sudoWantsPassword,
  sudoWrongPassword,
  toRunResult,
  writeErrorHint,
  type RawResult,
  becomeSettings,
  suError,
  suRefused,
  type BecomeOpts,
} from './command-line.js';
import { HostLock, lockScript, type LockGrant, type LockOptions } from './host-lock.js';
import { knownHostName, parseKnownHosts, preferredHostKeyAlgorithms, verifyHostKey, type HostKeyPolicy } from './known-hosts.js';
import { resolveTarget, type IdentityCandidate, type ResolveEnv, type ResolvedTarget } from './ssh-config.js';
import type { ConnectionSpec, Executor, PutOptions, RunOptions, RunResult } from './types.js';

const { Client, utils } = ssh2;
type Client = InstanceType<typeof Client>;

/** Default (and most) concurrent exec channels per connection: with SFTP and the run lock's channel, OpenSSH's MaxSessions 10. */
export const DEFAULT_MAX_CHANNELS = 8;
const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
/** A host silent for 15 s × 4 is unreachable (OpenSSH's ServerAliveInterval / ServerAliveCountMax). */
const DEFAULT_KEEPALIVE_MS = 15_000;
const DEFAULT_KEEPALIVE_COUNT = 4;
/** rc reported for a command killed by its timeout (as coreutils `timeout` does). */
export const TIMEOUT_RC = 124;
/** rc of the `get` helper script when the file does not exist. */
const MISSING_RC = 44;
const SUPPORTED_HOST_KEY_ALGOS = new Set(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);

interface Endpoint {
  label: string; // for messages: "user@address:port"
  address: string;
  port: number;
  user: string;
  identityFiles: IdentityCandidate[];
}

export class SshExecutor implements Executor {
  readonly host: string;
  private readonly spec: ConnectionSpec;
  private readonly env: ResolveEnv;
  private target?: ResolvedTarget;
  private client?: Client;
  private hops: Client[] = [];
  private connecting?: Promise<Client>;
  private sftpSession?: Promise<SFTPWrapper>;
  private readonly limit: ReturnType<typeof pLimit>;
  /** Become users for which sudo asked for a password (skip the `sudo -n` probe next time). */
  private readonly sudoNeedsPassword = new Set<string>();
  private hostLock?: Promise<HostLock>;

  constructor(spec: ConnectionSpec, env: ResolveEnv = {}) {
    this.host = spec.host;
    this.spec = spec;
    this.env = env;
    const cap = Math.min(Math.max(spec.maxChannels ?? DEFAULT_MAX_CHANNELS, 1), DEFAULT_MAX_CHANNELS);
    this.limit = pLimit(cap);
  }

  /** The login user (after ssh config resolution). */
  get user(): string {
    return this.resolved().user;
  }

  private resolved(): ResolvedTarget {
    this.target ??= resolveTarget(this.spec, this.env);
    return this.target;
  }

  async connect(): Promise<void> {
    await this.ensureClient();
  }

  private ensureClient(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.openChain().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async openChain(): Promise<Client> {
    const t = this.resolved();
    const hops: Client[] = [];
    try {
      let sock: Duplex | undefined;
      for (const hop of t.jumps) {
        const ep: Endpoint = { ...hop, label: `${hop.user}@${hop.address}:${hop.port}` };
        const c = await this.openClient(ep, sock, `jump host ${hop.label}`);
        hops.push(c);
        sock = await forwardOut(c, t.jumps[hops.length]?.address ?? t.address, t.jumps[hops.length]?.port ?? t.port, this.host, hop.label);
      }
      const ep: Endpoint = { label: `${t.user}@${t.address}:${t.port}`, address: t.address, port: t.port, user: t.user, identityFiles: t.identityFiles };
      const client = await this.openClient(ep, sock, undefined);
      for (const h of this.hops) h.end(); // tunnels of a connection that dropped
      this.hops = hops;
      this.client = client;
      const onGone = (): void => {
        if (this.client === client) {
          this.client = undefined;
          this.sftpSession = undefined;
        }
      };
      client.on('close', onGone);
      client.on('end', onGone);
      return client;
    } catch (e) {
      for (const h of hops) h.end();
      throw e;
    }
  }

  private openClient(ep: Endpoint, sock: Duplex | undefined, via: string | undefined): Promise<Client> {
    const t = this.resolved();
    const policy: HostKeyPolicy = this.spec.hostKeyChecking ?? 'accept-new';
    const name = knownHostName(ep.address, ep.port);
    const what = via ? `${this.host} (${via})` : this.host;
    const tried: string[] = [];
    const methods = this.authMethods(ep, tried);
    const timeoutMs = t.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    let hostKeyError: TsplayError | undefined;

    const cfg: ConnectConfig = {
      host: ep.address,
      port: ep.port,
      username: ep.user,
      readyTimeout: timeoutMs,
      keepaliveInterval: t.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_MS,
      keepaliveCountMax: t.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT,
      hostVerifier: (key: Buffer): boolean => {
        const v = verifyHostKey({ host: what, names: [name], blob: key, policy, file: t.knownHostsFile });
        if (!v.ok) hostKeyError = v.error;
        return v.ok;
      },
      authHandler: ((methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: (m: AnyAuthMethod | false) => void) => {
        for (;;) {
          const m = methods.shift();
          if (!m) return next(false);
          if (methodsLeft && !methodsLeft.includes(m.method.type === 'agent' ? 'publickey' : m.method.type)) continue;
          tried.push(m.label);
          return next(m.method);
        }
      }) as unknown as ConnectConfig['authHandler'],
    };
    if (sock) cfg.sock = sock;
    if (policy !== 'off' && existsSync(t.knownHostsFile)) {
      const preferred = preferredHostKeyAlgorithms(parseKnownHosts(readFileSync(t.knownHostsFile, 'utf8')), name);
      const usable = preferred.filter((a) => SUPPORTED_HOST_KEY_ALGOS.has(a));
      // ssh2's `prepend` skips algorithms already listed, so remove them first to move them up front.
      if (usable.length > 0) cfg.algorithms = { serverHostKey: { remove: usable, prepend: usable } } as unknown as ConnectConfig['algorithms'];
    }

    return new Promise<Client>((resolve, reject) => {
      const c = new Client();
      let settled = false;
      c.once('ready', () => {
        settled = true;
        resolve(c);
      });
      c.on('error', (err: Error & { level?: string; code?: string }) => {
        if (settled) {
          // later errors surface as a lost connection on the running or the next command
          lostReasons.set(c, err.message);
          return;
        }
        settled = true;
        c.end();
        reject(hostKeyError ?? mapConnectError(err, { what, ep, tried, timeoutMs, methodsConfigured: tried.length }));
      });
      c.once('close', () => {
        if (settled) return;
        settled = true;
        reject(hostKeyError ?? new TsplayError('CONNECTION', `${what}: connection to ${ep.label} closed during the handshake`, { hint: 'check that the port speaks SSH' }));
      });
      try {
        c.connect(cfg);
      } catch (e) {
        settled = true;
        reject(new TsplayError('CONNECTION', `${what}: cannot connect to ${ep.label}: ${(e as Error).message}`, { cause: e }));
      }
    });
  }

  /** Auth methods in OpenSSH's spirit: configured key files, then the agent, then a password. */
  private authMethods(ep: Endpoint, tried: string[]): Array<{ label: string; method: AnyAuthMethod }> {
    const out: Array<{ label: string; method: AnyAuthMethod }> = [];
    for (const id of ep.identityFiles) {
      if (!existsSync(id.path)) {
        if (id.explicit) tried.push(`key ${id.path} (file not found)`);
        continue;
      }
      let parsed: ReturnType<typeof utils.parseKey>;
      try {
        parsed = utils.parseKey(readFileSync(id.path));
      } catch (e) {
        tried.push(`key ${id.path} (unreadable: ${(e as Error).message})`);
        continue;
      }
      if (parsed instanceof Error) {
        const why = /encrypted|passphrase/i.test(parsed.message) ? 'encrypted; load it into ssh-agent' : 'not a private key ssh2 can read';
        tried.push(`key ${id.path} (${why})`);
        continue;
      }
      const key = Array.isArray(parsed) ? parsed[0] : parsed;
      out.push({ label: `key ${id.path}`, method: { type: 'publickey', username: ep.user, key } });
    }
    const agent = process.env['SSH_AUTH_SOCK'];
    if (agent) out.push({ label: `ssh-agent (${agent})`, method: { type: 'agent', username: ep.user, agent } });
    if (this.spec.password !== undefined) out.push({ label: 'password', method: { type: 'password', username: ep.user, password: this.spec.password } });
    return out;
  }

  private sftp(): Promise<SFTPWrapper> {
    if (this.sftpSession) return this.sftpSession;
    const p = this.ensureClient().then(
      (c) =>
        new Promise<SFTPWrapper>((resolve, reject) => {
          c.sftp((err, s) => {
            if (err)
              return reject(
                new TsplayError('CONNECTION', `${this.host}: cannot open an SFTP session: ${err.message}`, { hint: 'is the sftp subsystem enabled in sshd_config?', cause: err }),
              );
            s.on('close', () => {
              if (this.sftpSession === p) this.sftpSession = undefined;
            });
            resolve(s);
          });
        }),
    );
    this.sftpSession = p;
    p.catch(() => {
      if (this.sftpSession === p) this.sftpSession = undefined;
    });
    return p;
  }

  /** Open a channel and run one command line; reconnects once when the connection had dropped. */
  private execLine(line: string, stdin: string | Buffer | undefined, timeoutMs: number | undefined, waitForPgid = false): Promise<RawResult> {
    return this.limit(async () => {
      let client = await this.ensureClient();
      let channel: ClientChannel;
      try {
        channel = await openExec(client, line);
      } catch (e) {
        const gone = this.client !== client || /not connected|no response|socket|closed/i.test((e as Error).message);
        if (!gone)
          throw new TsplayError('CONNECTION', `${this.host}: the server refused a channel: ${(e as Error).message}`, {
            hint: 'sshd may limit sessions (MaxSessions); lower max_channels',
            cause: e,
          });
        // The connection dropped and the command never started, so trying again on a fresh connection is safe.
        if (this.client === client) {
          this.client = undefined;
          this.sftpSession = undefined;
          client.end();
        }
        client = await this.ensureClient();
        try {
          channel = await openExec(client, line);
        } catch (e2) {
          throw new TsplayError('CONNECTION', `${this.host}: cannot open a channel: ${(e2 as Error).message}`, { cause: e2 ?? e });
        }
      }
      const res = await collect(channel, stdin, timeoutMs, waitForPgid);
      if (res.noExit && !res.timedOut && (this.client !== client || lostReasons.has(client) || (await closesSoon(client)))) {
        // The channel ended without an exit status because the connection itself went away
        // (host killed, frozen past the keepalive limit, network cut): the host is unreachable.
        const why = lostReasons.get(client) ?? 'the server closed the connection';
        throw new TsplayError('CONNECTION', `${this.host}: the connection was lost while a command ran (${why}); what the command did on the host is unknown`, {
          hint: 'the host may have stopped, frozen or rebooted, or the network dropped; keepalive: ServerAliveInterval × ServerAliveCountMax (ansible_ssh_common_args / ssh config)',
        });
      }
      return res;
    });
  }

  /**
   * Run a script with become handling; with a timeout, the script first reports its process group
   * so a timed-out command is killed on the host too (closing the channel alone leaves it running).
   */
  private async runScript(script: string, opts: BecomeOpts & { stdin?: string | Buffer; timeoutMs?: number }): Promise<RawResult> {
    const timeoutMs = opts.timeoutMs ?? this.spec.commandTimeoutMs;
    if (timeoutMs === undefined || timeoutMs <= 0) return this.runScriptOnce(script, { ...opts, timeoutMs: undefined });
    const res = await this.runScriptOnce(PGID_PROBE + script, { ...opts, timeoutMs, waitForPgid: true });
    const { pgid, stderr } = takePgid(res.stderr);
    res.stderr = stderr;
    if (res.timedOut && pgid !== undefined) {
      // sshd made the session a process group of its own (setsid): kill all of it.
      const kill = `kill -s KILL -- -${pgid} 2>/dev/null || kill -9 -${pgid} 2>/dev/null; exit 0`;
      await this.runScriptOnce(kill, {
        become: opts.become,
        becomeUser: opts.becomeUser,
        becomeMethod: opts.becomeMethod,
        becomeFlags: opts.becomeFlags,
        becomeExe: opts.becomeExe,
        timeoutMs: 10_000,
      }).catch(() => undefined);
    }
    return res;
  }

  private async runScriptOnce(script: string, opts: BecomeOpts & { stdin?: string | Buffer; timeoutMs: number | undefined; waitForPgid?: boolean }): Promise<RawResult> {
    const login = this.user;
    const target = becomeTarget(login, opts.become ?? this.spec.become, opts.becomeUser ?? this.spec.becomeUser);
    const timeoutMs = opts.timeoutMs;
    if (!target) return this.execLine(buildCommandLine(script), opts.stdin, timeoutMs, opts.waitForPgid);
    const bs = becomeSettings(this.spec, opts);
    if (bs.method === 'su') {
      const res = await this.execLine(buildCommandLine(script, { user: target, ...bs }), opts.stdin, timeoutMs, opts.waitForPgid);
      if (suRefused(res.rc, res.stderr.toString('utf8'))) throw suError(this.host, target);
      return res;
    }
    const password = this.spec.becomePassword;
    if (!this.sudoNeedsPassword.has(target) || password === undefined) {
      const res = await this.execLine(buildCommandLine(script, { user: target, loginIsRoot: login === 'root', ...bs }), opts.stdin, timeoutMs, opts.waitForPgid);
      if (!sudoWantsPassword(res.rc, res.stderr.toString('utf8'))) return res;
      this.sudoNeedsPassword.add(target);
      if (password === undefined) throw becomeError(this.host, target);
    }
    const stdin = Buffer.concat([Buffer.from(password + '\n'), opts.stdin === undefined ? Buffer.alloc(0) : Buffer.from(opts.stdin)]);
    const res = await this.execLine(buildCommandLine(script, { user: target, withPassword: true, ...bs }), stdin, timeoutMs, opts.waitForPgid);
    if (sudoWrongPassword(res.rc, res.stderr.toString('utf8'))) throw becomeError(this.host, target, true);
    return res;
  }

  async run(command: string, opts: RunOptions = {}): Promise<RunResult> {
    const script = buildScript(command, { ...(opts.env ? { env: opts.env } : {}), ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}) });
    return toRunResult(await this.runScript(script, opts));
  }

  async put(remotePath: string, content: string | Buffer, opts: PutOptions = {}): Promise<void> {
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    if (opts.mode !== undefined) parseMode(opts.mode);
    const target = becomeTarget(this.user, opts.become ?? this.spec.become, opts.becomeUser ?? this.spec.becomeUser);
    // The login user may not be able to write there: stream the bytes to a sudo'd shell on stdin.
    if (target) return this.putThroughShell(remotePath, data, opts);
    const sftp = await this.sftp();
    const dir = dirnameOf(remotePath);
    const base = remotePath.slice(dir.length).replace(/^\/+/, '');
    const tmp = `${dir === '' ? '.' : dir === '/' ? '' : dir}/.${base}.tsplay-${randomTag()}`;
    // A connection that drops mid-transfer leaves SFTP requests unanswered: end the write then,
    // as unreachable. The file itself is safe: only a complete temp file is ever renamed over it.
    const lost = sessionLost(sftp, this.host);
    try {
      await Promise.race([this.putSftp(sftp, remotePath, tmp, data, opts), lost.promise]);
    } catch (e) {
      if (!lost.happened) await sftpCall((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
      if (e instanceof TsplayError) throw e;
      // sftp-server says only "Failure" for most errnos (ENOSPC, EDQUOT, EROFS, EIO): write once
      // more through the shell, whose error names the reason ("No space left on device").
      if ((e as { code?: unknown }).code === SFTP_STATUS_FAILURE && !lost.happened) return this.putThroughShell(remotePath, data, opts);
      throw this.fileError('write', remotePath, (e as Error).message);
    } finally {
      lost.dispose();
    }
  }

  /** put() as a shell reading stdin into a temp file and renaming it (become, or SFTP's reason unknown). */
  private async putThroughShell(remotePath: string, data: Buffer, opts: PutOptions): Promise<void> {
    const r = await this.runScript(installFromStdinScript(remotePath, { ...opts, size: data.length }), { ...opts, stdin: data });
    if (r.rc !== 0) throw this.fileError('write', remotePath, r.stderr.toString('utf8').trim() || `rc ${r.rc}`);
  }

  private async putSftp(sftp: SFTPWrapper, remotePath: string, tmp: string, data: Buffer, opts: PutOptions): Promise<void> {
    let mode = opts.mode !== undefined ? parseMode(opts.mode) : undefined;
    if (mode === undefined) {
      const st = await sftpCall<{ mode: number } | null>((cb) => sftp.stat(remotePath, cb)).catch(() => null);
      mode = st ? st.mode & 0o7777 : 0o644;
    }
    await writeSftp(sftp, tmp, data);
    await sftpCall((cb) => sftp.chmod(tmp, mode!, cb));
    if (opts.owner || opts.group) {
      const spec = `${opts.owner ?? ''}${opts.group ? ':' + opts.group : ''}`;
      const r = await this.execLine(buildCommandLine(`chown ${quote(spec)} -- ${quote(tmp)}`), undefined, undefined);
      if (r.rc !== 0) throw new Error(r.stderr.toString('utf8').trim() || `chown rc ${r.rc}`);
    }
    await sftpCall((cb) => sftp.ext_openssh_rename(tmp, remotePath, cb)).catch(async () => {
      // Servers without posix-rename: plain mv keeps the replace atomic.
      const r = await this.execLine(buildCommandLine(`mv -f -- ${quote(tmp)} ${quote(remotePath)}`), undefined, undefined);
      if (r.rc !== 0) throw new Error(r.stderr.toString('utf8').trim());
    });
  }

  async get(remotePath: string, opts: { become?: boolean } = {}): Promise<Buffer | null> {
    const target = becomeTarget(this.user, opts.become ?? this.spec.become, this.spec.becomeUser);
    if (target) {
      const r = await this.runScript(`if [ ! -e ${quote(remotePath)} ]; then exit ${MISSING_RC}; fi; exec cat -- ${quote(remotePath)}`, { become: true });
      if (r.rc === MISSING_RC) return null;
      if (r.rc !== 0) throw this.fileError('read', remotePath, r.stderr.toString('utf8').trim() || `rc ${r.rc}`);
      return r.stdout;
    }
    const sftp = await this.sftp();
    try {
      return await sftpCall<Buffer>((cb) => sftp.readFile(remotePath, cb));
    } catch (e) {
      if ((e as { code?: number }).code === 2) return null; // SSH_FX_NO_SUCH_FILE
      throw this.fileError('read', remotePath, (e as Error).message);
    }
  }

  private fileError(verb: string, path: string, why: string): TsplayError {
    return new TsplayError('MODULE', `cannot ${verb} ${path} on ${this.host}: ${why}`, {
      hint: verb === 'write' ? writeErrorHint(why) : 'check permissions, or use become',
    });
  }

  lock(opts: LockOptions): Promise<LockGrant> {
    // Its own channel, outside the channel limit: it stays open for the whole run.
    this.hostLock ??= this.ensureClient()
      .then((c) => openExec(c, buildCommandLine(lockScript(opts))))
      .then(
        (ch) =>
          new HostLock(
            this.host,
            {
              onStdout: (fn) => ch.on('data', fn),
              onClose: (fn) => ch.on('close', fn),
              write: (d) => ch.write(d),
              end: () => ch.end(),
            },
            opts,
          ),
      );
    return this.hostLock.then((l) => l.granted);
  }

  async close(): Promise<void> {
    const l = this.hostLock;
    this.hostLock = undefined;
    if (l) await l.then((x) => x.release()).catch(() => undefined);
    const s = this.sftpSession;
    this.sftpSession = undefined;
    if (s) await s.then((x) => x.end()).catch(() => undefined);
    const c = this.client;
    this.client = undefined;
    if (c) await endClient(c);
    for (const h of this.hops.reverse()) await endClient(h);
    this.hops = [];
  }
}

/** Prints the shell's process group id on stderr (Linux /proc; silently nothing elsewhere). */
const PGID_MARK = 'TSPLAY-PGID:';
const PGID_PROBE = `printf '${PGID_MARK}%s\\n' "$(cut -d' ' -f5 /proc/$$/stat 2>/dev/null)" >&2; `;

/** Remove the PGID marker line from stderr and return the pgid it names. */
export function takePgid(stderr: Buffer): { pgid?: number; stderr: Buffer } {
  const text = stderr.toString('latin1');
  const m = /(^|\n)TSPLAY-PGID:(\d*)\n/.exec(text);
  if (!m) return { stderr };
  const start = m.index + m[1]!.length;
  const rest = Buffer.concat([stderr.subarray(0, start), stderr.subarray(start + m[0].length - m[1]!.length)]);
  const pgid = m[2] ? Number(m[2]) : undefined;
  return pgid && pgid > 1 ? { pgid, stderr: rest } : { stderr: rest };
}

function endClient(c: Client): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => resolve();
    c.once('close', done);
    c.end();
    setTimeout(done, 2000).unref();
  });
}

/**
 * Exit status of a channel, recorded from the moment ssh2 hands it over: a fast command's
 * exit-status often arrives in the same read as the exec reply, and ssh2 emits 'exit' before an
 * awaiting caller could attach a listener (the command then looked like rc 255).
 */
const channelExits = new WeakMap<ClientChannel, { code: number | null; signal?: string }>();

function openExec(c: Client, line: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      c.exec(line, (err, ch) => {
        if (err) return reject(err);
        ch.once('exit', (code: number | null, signal?: string) => channelExits.set(ch, { code, signal }));
        resolve(ch);
      });
    } catch (e) {
      reject(e as Error);
    }
  });
}

function forwardOut(c: Client, address: string, port: number, host: string, via: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    c.forwardOut('127.0.0.1', 0, address, port, (err, stream) => {
      if (err) {
        return reject(
          new TsplayError('CONNECTION', `${host}: jump host ${via} cannot reach ${address}:${port}: ${err.message}`, {
            hint: 'check the address as seen from the jump host, and that it allows TCP forwarding (AllowTcpForwarding)',
            cause: err,
          }),
        );
      }
      resolve(stream as unknown as Duplex);
    });
  });
}

function signalNumber(name: string | undefined): number {
  if (!name) return 0;
  const n = (osConstants.signals as Record<string, number>)[`SIG${name}`];
  return n ?? 0;
}

/** Grace period after a timeout to learn the command's process group (slow session start-up). */
const PGID_GRACE_MS = 10_000;

/** Whether a connection closes within a moment (a channel that ended with no exit status is torn down with it). */
function closesSoon(c: Client, ms = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (v: boolean) => {
      clearTimeout(timer);
      c.off('close', onClose);
      resolve(v);
    };
    const onClose = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    c.once('close', onClose);
  });
}

/** Why a connection went away after it was set up (its last error), for the unreachable message. */
const lostReasons = new WeakMap<Client, string>();

function collect(ch: ClientChannel, stdin: string | Buffer | undefined, timeoutMs: number | undefined, waitForPgid = false): Promise<RawResult & { noExit?: boolean }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let rc: number | undefined;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (timedOut: boolean): void => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      const r: RawResult & { noExit?: boolean } = {
        rc: timedOut ? TIMEOUT_RC : (rc ?? 255),
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err),
        durationMs: Date.now() - started,
      };
      if (timedOut) r.timedOut = true;
      if (rc === undefined) r.noExit = true;
      resolve(r);
    };
    let timedOut = false;
    const pgidKnown = (): boolean => /(^|\n)TSPLAY-PGID:\d*\n/.test(Buffer.concat(err).toString('latin1'));
    const stop = (): void => {
      try {
        ch.signal('KILL');
      } catch {
        /* servers may refuse signals; the caller kills the process group */
      }
      ch.close();
      finish(true);
    };
    ch.on('data', (d: Buffer) => out.push(d));
    ch.stderr.on('data', (d: Buffer) => {
      err.push(d);
      if (timedOut && !done && pgidKnown()) stop();
    });
    const early = channelExits.get(ch);
    if (early) rc = early.code ?? 128 + signalNumber(early.signal);
    ch.on('exit', (code: number | null, signal?: string) => {
      rc = code ?? 128 + signalNumber(signal);
    });
    ch.on('close', () => finish(timedOut));
    ch.on('error', () => finish(timedOut));
    if (timeoutMs !== undefined && timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        if (!waitForPgid || pgidKnown()) return stop();
        // The command has not reported its process group yet: wait a little so it can be killed.
        timer = setTimeout(stop, PGID_GRACE_MS);
      }, timeoutMs);
    }
    if (stdin !== undefined && stdin.length > 0) ch.end(stdin);
    else ch.end();
  });
}

function sftpCall<T = void>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    fn((err, v) => (err ? reject(err) : resolve(v as T)));
  });
}

/** SSH_FX_FAILURE: the status sftp-server sends for an errno it has no code for (ENOSPC among them). */
const SFTP_STATUS_FAILURE = 4;

/**
 * Write all of `data` to a new file; rejects on any failed WRITE or CLOSE. (Not ssh2's write
 * stream: on a failed WRITE it destroys itself before reporting, the error is dropped and 'close'
 * looks like success, so a disk-full write was renamed over the file truncated.)
 * A session lost mid-write is caught by the caller's sessionLost race.
 */
export async function writeSftp(sftp: SFTPWrapper, path: string, data: Buffer): Promise<void> {
  const handle = await sftpCall<Buffer>((cb) => sftp.open(path, 'w', { mode: 0o600 }, cb));
  try {
    await sftpCall((cb) => sftp.write(handle, data, 0, data.length, 0, (err) => cb(err)));
  } catch (e) {
    await sftpCall((cb) => sftp.close(handle, cb)).catch(() => undefined);
    throw e;
  }
  await sftpCall((cb) => sftp.close(handle, cb));
}

/** Rejects (CONNECTION) when the SFTP session or its connection closes; `dispose` when done. */
function sessionLost(sftp: SFTPWrapper, host: string): { promise: Promise<never>; happened: boolean; dispose(): void } {
  const state = { happened: false };
  let onClose = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    onClose = () => {
      state.happened = true;
      reject(
        new TsplayError('CONNECTION', `${host}: the connection was lost while a file was written; the file on the host was left as it was (only a complete copy replaces it)`),
      );
    };
    sftp.once('close', onClose);
  });
  promise.catch(() => undefined);
  return {
    promise,
    get happened() {
      return state.happened;
    },
    dispose: () => sftp.off('close', onClose),
  };
}

interface MapCtx {
  what: string;
  ep: Endpoint;
  tried: string[];
  timeoutMs: number;
  methodsConfigured: number;
}

/** ssh2/socket errors → CONNECTION errors that say what to check. */
export function mapConnectError(err: Error & { level?: string; code?: string }, ctx: MapCtx): TsplayError {
  const { what, ep } = ctx;
  const where = `${ep.address}:${ep.port}`;
  if (err.level === 'client-authentication') {
    const tried = ctx.tried.length > 0 ? ctx.tried.join(', ') : 'nothing (no key file found, no SSH_AUTH_SOCK, no password)';
    return new TsplayError('CONNECTION', `${what}: authentication as ${ep.user} on ${where} failed`, {
      hint: `tried: ${tried}. Set identity_file (ansible_ssh_private_key_file), load a key into ssh-agent, or check the user`,
      cause: err,
    });
  }
  if (err.level === 'client-timeout' || err.code === 'ETIMEDOUT') {
    return new TsplayError('CONNECTION', `${what}: timed out after ${ctx.timeoutMs} ms connecting to ${where}`, {
      hint: 'check the address and port, that sshd is running, and firewalls in between (connect_timeout raises the limit)',
      cause: err,
    });
  }
  switch (err.code) {
    case 'ECONNREFUSED':
      return new TsplayError('CONNECTION', `${what}: connection refused by ${where}`, { hint: `is sshd running and listening on port ${ep.port}?`, cause: err });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new TsplayError('CONNECTION', `${what}: cannot resolve host name ${ep.address}`, {
        hint: 'check address / ansible_host in the inventory or HostName in ~/.ssh/config',
        cause: err,
      });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new TsplayError('CONNECTION', `${what}: ${where} is unreachable (${err.code})`, { hint: 'check routing and the address', cause: err });
    case 'ECONNRESET':
      return new TsplayError('CONNECTION', `${what}: ${where} reset the connection`, {
        hint: 'sshd may be refusing this client (MaxStartups, tcp wrappers, fail2ban)',
        cause: err,
      });
    default:
      return new TsplayError('CONNECTION', `${what}: cannot connect to ${where}: ${err.message}`, { cause: err });
  }
}
