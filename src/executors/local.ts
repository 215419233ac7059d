/**
 * LocalExecutor: `connection: local` on zx, without ssh. Same command lines as SshExecutor
 * (`/bin/sh -c`, env exported inside, sudo for become), files written with node:fs atomically.
 */
import { spawn } from 'node:child_process';
import { chmod, lstat, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { $ } from 'zx';
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
  becomeSettings,
  suError,
  suRefused,
  type BecomeOpts,
  type RawResult,
} from './command-line.js';
import { HostLock, lockScript, type LockGrant, type LockOptions } from './host-lock.js';
import type { ConnectionSpec, Executor, PutOptions, RunOptions, RunResult } from './types.js';

export const TIMEOUT_RC = 124;
const MISSING_RC = 44;

export class LocalExecutor implements Executor {
  readonly host: string;
  private readonly spec: ConnectionSpec;
  readonly user: string;
  private readonly sudoNeedsPassword = new Set<string>();
  private hostLock?: HostLock;

  constructor(spec: Partial<ConnectionSpec> & { host: string } = { host: 'localhost' }) {
    this.host = spec.host;
    this.spec = { connection: 'local', address: spec.address ?? 'localhost', ...spec };
    this.user = userInfo().username;
  }

  async connect(): Promise<void> {}

  private spawnLine(line: string, stdin: string | Buffer | undefined, timeoutMs: number | undefined): Promise<RawResult> {
    const started = Date.now();
    // Per-call options: nothing is shared through zx's global `$` state.
    const run = $({ nothrow: true, quiet: true, verbose: false, shell: '/bin/sh', prefix: '', postfix: '', quote, stdio: ['pipe', 'pipe', 'pipe'] });
    const p = run`${['/bin/sh', '-c', line]}`;
    // Raw chunks keep binary output intact (zx's ProcessOutput decodes to strings).
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer | string) => out.push(Buffer.from(d)));
    p.stderr.on('data', (d: Buffer | string) => err.push(Buffer.from(d)));
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs !== undefined && timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        void p.kill('SIGKILL').catch(() => undefined);
      }, timeoutMs);
    }
    p.stdin.on('error', () => undefined); // the command may exit without reading its stdin
    p.stdin.end(stdin === undefined ? undefined : Buffer.from(stdin));
    return p.then((o) => {
      if (timer) clearTimeout(timer);
      const r: RawResult = {
        rc: timedOut ? TIMEOUT_RC : (o.exitCode ?? 128 + 9),
        stdout: out.length > 0 ? Buffer.concat(out) : Buffer.from(o.stdout, 'utf8'),
        stderr: err.length > 0 ? Buffer.concat(err) : Buffer.from(o.stderr, 'utf8'),
        durationMs: Date.now() - started,
      };
      if (timedOut) r.timedOut = true;
      return r;
    });
  }

  private async runScript(script: string, opts: BecomeOpts & { stdin?: string | Buffer; timeoutMs?: number }): Promise<RawResult> {
    const target = becomeTarget(this.user, opts.become ?? this.spec.become, opts.becomeUser ?? this.spec.becomeUser);
    const timeoutMs = opts.timeoutMs ?? this.spec.commandTimeoutMs;
    if (!target) return this.spawnLine(buildCommandLine(script), opts.stdin, timeoutMs);
    const bs = becomeSettings(this.spec, opts);
    if (bs.method === 'su') {
      const res = await this.spawnLine(buildCommandLine(script, { user: target, ...bs }), opts.stdin, timeoutMs);
      if (suRefused(res.rc, res.stderr.toString('utf8'))) throw suError(this.host, target);
      return res;
    }
    const password = this.spec.becomePassword;
    if (!this.sudoNeedsPassword.has(target) || password === undefined) {
      const res = await this.spawnLine(buildCommandLine(script, { user: target, loginIsRoot: this.user === 'root', ...bs }), opts.stdin, timeoutMs);
      if (!sudoWantsPassword(res.rc, res.stderr.toString('utf8'))) return res;
      this.sudoNeedsPassword.add(target);
      if (password === undefined) throw becomeError(this.host, target);
    }
    const stdin = Buffer.concat([Buffer.from(password + '\n'), opts.stdin === undefined ? Buffer.alloc(0) : Buffer.from(opts.stdin)]);
    const res = await this.spawnLine(buildCommandLine(script, { user: target, withPassword: true, ...bs }), stdin, timeoutMs);
    if (sudoWrongPassword(res.rc, res.stderr.toString('utf8'))) throw becomeError(this.host, target, true);
    return res;
  }

  async run(command: string, opts: RunOptions = {}): Promise<RunResult> {
    const script = buildScript(command, { ...(opts.env ? { env: opts.env } : {}), ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}) });
    return toRunResult(await this.runScript(script, opts));
  }

  async put(path: string, content: string | Buffer, opts: PutOptions = {}): Promise<void> {
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    if (opts.mode !== undefined) parseMode(opts.mode);
    const target = becomeTarget(this.user, opts.become ?? this.spec.become, opts.becomeUser ?? this.spec.becomeUser);
    if (target || opts.owner || opts.group) {
      // chown needs names resolved on the host; the shell script does mode/owner/group + rename.
      const r = await this.runScript(installFromStdinScript(path, { ...opts, size: data.length }), { ...opts, stdin: data });
      if (r.rc !== 0) throw this.fileError('write', path, r.stderr.toString('utf8').trim() || `rc ${r.rc}`);
      return;
    }
    const dir = dirnameOf(path);
    const base = path.slice(dir.length).replace(/^\/+/, '');
    const tmp = `${dir === '' ? '.' : dir === '/' ? '' : dir}/.${base}.tsplay-${randomTag()}`;
    try {
      let mode = opts.mode !== undefined ? parseMode(opts.mode) : undefined;
      if (mode === undefined)
        mode = await lstat(path).then(
          (s) => s.mode & 0o7777,
          () => 0o644,
        );
      await writeFile(tmp, data, { mode: 0o600, flag: 'wx' });
      await chmod(tmp, mode);
      await rename(tmp, path);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw this.fileError('write', path, (e as Error).message);
    }
  }

  async get(path: string, opts: { become?: boolean } = {}): Promise<Buffer | null> {
    const target = becomeTarget(this.user, opts.become ?? this.spec.become, this.spec.becomeUser);
    if (target) {
      const r = await this.runScript(`if [ ! -e ${quote(path)} ]; then exit ${MISSING_RC}; fi; exec cat -- ${quote(path)}`, { become: true });
      if (r.rc === MISSING_RC) return null;
      if (r.rc !== 0) throw this.fileError('read', path, r.stderr.toString('utf8').trim() || `rc ${r.rc}`);
      return r.stdout;
    }
    try {
      return await readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw this.fileError('read', path, (e as Error).message);
    }
  }

  private fileError(verb: string, path: string, why: string): TsplayError {
    return new TsplayError('MODULE', `cannot ${verb} ${path} on ${this.host}: ${why}`, {
      hint: verb === 'write' ? writeErrorHint(why) : 'check the directory exists and permissions, or use become',
    });
  }

  lock(opts: LockOptions): Promise<LockGrant> {
    if (!this.hostLock) {
      // A child shell of this process holds the flock: it ends with tsplay, and the kernel drops the lock.
      const child = spawn('/bin/sh', ['-c', lockScript(opts)], { stdio: ['pipe', 'pipe', 'ignore'] });
      child.stdin.on('error', () => undefined);
      this.hostLock = new HostLock(
        this.host,
        {
          onStdout: (fn) => child.stdout.on('data', fn),
          onClose: (fn) => child.on('close', fn),
          write: (d) => child.stdin.write(d),
          end: () => child.stdin.end(),
        },
        opts,
      );
      child.on('error', () => child.emit('close'));
    }
    return this.hostLock.granted;
  }

  async close(): Promise<void> {
    const l = this.hostLock;
    this.hostLock = undefined;
    l?.release();
  }
}
