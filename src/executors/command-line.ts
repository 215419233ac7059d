/**
 * Pure builders for the command lines executors send: env exported inside the shell, cwd, and
 * privilege escalation. Shared by SshExecutor and LocalExecutor so both quote the same way.
 */
import { TsplayError } from '../errors.js';
import type { BecomeMethod, RunResult } from './types.js';
import { quote } from '../commands/quote.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The script run by `/bin/sh -c`: exports, then cd, then the user's command in its own `sh -c`. */
export function buildScript(command: string, opts: { env?: Record<string, string>; cwd?: string } = {}): string {
  let script = '';
  const env = opts.env ?? {};
  const names = Object.keys(env);
  for (const name of names) {
    if (!ENV_NAME.test(name)) {
      throw new TsplayError('VALIDATION', `environment variable name ${JSON.stringify(name)} is not valid`, {
        hint: 'names are letters, digits and underscores, not starting with a digit',
      });
    }
  }
  if (names.length > 0) script += 'export ' + names.map((n) => `${n}=${quote(env[n] ?? '')}`).join(' ') + '; ';
  if (opts.cwd !== undefined && opts.cwd !== '') script += `cd -- ${quote(opts.cwd)} || exit 1; `;
  if (script === '') return command;
  return `${script}exec /bin/sh -c ${quote(command)}`;
}

export interface BecomePlan {
  /** The user to run as; undefined when no escalation is needed. */
  user?: string;
  /** Use `sudo -S` with the password as the first stdin line (never on the command line). */
  withPassword?: boolean;
  /** The login user is root: fall back to `su` when sudo is not installed. */
  loginIsRoot?: boolean;
  /** `sudo` (default) or `su`, as Ansible's become plugins build them. */
  method?: BecomeMethod;
  /** `become_flags`: replaces the method's default flags. */
  flags?: string;
  /** `become_exe`: the program (default: the method's name). */
  exe?: string;
}

/** What a command asks for: become, to whom, and how. */
export interface BecomeOpts {
  become?: boolean;
  becomeUser?: string;
  becomeMethod?: BecomeMethod;
  becomeFlags?: string;
  becomeExe?: string;
}

/** The become settings a command runs with: the host's `ansible_become_*` variables win over the keywords, as in Ansible. */
export function becomeSettings(
  spec: { becomeMethod?: BecomeMethod; becomeFlags?: string; becomeExe?: string },
  opts: { becomeMethod?: BecomeMethod; becomeFlags?: string; becomeExe?: string },
): Pick<BecomePlan, 'method' | 'flags' | 'exe'> {
  const out: Pick<BecomePlan, 'method' | 'flags' | 'exe'> = {};
  const method = spec.becomeMethod ?? opts.becomeMethod;
  const flags = spec.becomeFlags ?? opts.becomeFlags;
  const exe = spec.becomeExe ?? opts.becomeExe;
  if (method) out.method = method;
  if (flags !== undefined) out.flags = flags;
  if (exe !== undefined) out.exe = exe;
  return out;
}

/** Whether `become` needs an escalation step for this login user (no sudo when already that user). */
export function becomeTarget(loginUser: string, become: boolean | undefined, becomeUser: string | undefined): string | undefined {
  if (!become) return undefined;
  const target = becomeUser && becomeUser !== '' ? becomeUser : 'root';
  return target === loginUser ? undefined : target;
}

/** The full command line (for sshd's login shell or for spawn through /bin/sh -c). */
export function buildCommandLine(script: string, become: BecomePlan = {}): string {
  if (!become.user) return `/bin/sh -c ${quote(script)}`;
  const u = quote(become.user);
  if (become.method === 'su') {
    // Ansible's su plugin: `su [flags] USER -c 'SHELL -c …'` (the user's login shell runs it).
    const flags = become.flags ? `${become.flags} ` : '';
    return `${become.exe ?? 'su'} ${flags}${u} -c ${quote(`/bin/sh -c ${quote(script)}`)}`;
  }
  if (become.flags !== undefined || become.exe !== undefined) {
    const exe = become.exe ?? 'sudo';
    // Ansible's sudo plugin: the flags replace `-H -S -n`; with a password `-n` goes and a prompt is set.
    let flags = become.flags ?? '-H -S -n';
    if (become.withPassword)
      flags = `${flags
        .split(/\s+/)
        .filter((f) => f !== '-n')
        .join(' ')} -k -S -p ''`;
    return `${exe} ${flags} -u ${u} -- /bin/sh -c ${quote(script)}`;
  }
  if (become.withPassword) return `sudo -k -S -p '' -H -u ${u} -- /bin/sh -c ${quote(script)}`;
  const sudo = `sudo -n -H -u ${u} -- /bin/sh -c ${quote(script)}`;
  if (!become.loginIsRoot) return sudo;
  // root without sudo installed (minimal images): su needs no password for root.
  const fallback = `if command -v sudo >/dev/null 2>&1; then exec ${sudo}; else exec su -s /bin/sh -c ${quote(script)} ${u}; fi`;
  return `/bin/sh -c ${quote(fallback)}`;
}

/** True when su could not authenticate (it wants a password on a terminal tsplay does not give it). */
export function suRefused(rc: number, stderr: string): boolean {
  return rc !== 0 && /^su: (Authentication failure|must be run from a terminal|Sorry|incorrect password)/im.test(stderr);
}

export function suError(host: string, user: string): TsplayError {
  return new TsplayError('BECOME', `su on ${host} refused to become ${user} (su wants a password on a terminal)`, {
    hint: 'become with su works when the login user is root (no password); otherwise use become_method: sudo, with ansible_become_password if sudo asks for one',
  });
}

/** True when a result is sudo refusing to run without a password (`sudo -n`). */
export function sudoWantsPassword(rc: number, stderr: string): boolean {
  if (rc !== 1) return false;
  return /^sudo: (a password is required|a terminal is required|no tty present)/m.test(stderr);
}

/** True when `sudo -S` was given a wrong password. */
export function sudoWrongPassword(rc: number, stderr: string): boolean {
  return rc === 1 && /^sudo: (\d+ incorrect password attempts?|incorrect password)|Sorry, try again\./m.test(stderr);
}

export function becomeError(host: string, user: string, wrongPassword = false): TsplayError {
  if (wrongPassword) {
    return new TsplayError('BECOME', `sudo on ${host} rejected the become password (to become ${user})`, {
      hint: 'check become_password for this host',
    });
  }
  return new TsplayError('BECOME', `sudo on ${host} needs a password; configure NOPASSWD or set become_password`, {
    hint: `to become ${user} without a prompt add a sudoers rule like "<login user> ALL=(ALL) NOPASSWD: ALL", or set become_password (ansible_become_password)`,
  });
}

/**
 * Shell script (run as the become user) that writes its stdin to `dest` atomically: temp file in
 * the same directory, mode (given, or the existing file's, or 0644), owner/group, then rename.
 */
export function installFromStdinScript(dest: string, opts: { mode?: string; owner?: string; group?: string; size?: number }): string {
  const dir = dirnameOf(dest);
  const base = dest.slice(dir.length).replace(/^\/+/, '');
  const tmp = `${dir === '' ? '.' : dir === '/' ? '' : dir}/.${base}.tsplay-${randomTag()}`;
  const q = quote;
  const lines = [`trap ${q(`rm -f -- ${q(tmp)}`)} EXIT`, `umask 077`, `cat > ${q(tmp)} || exit 1`];
  // A connection cut mid-transfer ends stdin early, and cat exits 0 on that EOF: only the whole
  // content may replace the file (never a truncated one).
  if (opts.size !== undefined) {
    lines.push(`got=$(wc -c < ${q(tmp)}) || exit 1`, `[ "$got" -eq ${opts.size} ] || { echo "received $got of ${opts.size} bytes: the file was not replaced" >&2; exit 1; }`);
  }
  if (opts.mode) lines.push(`chmod ${q(opts.mode)} -- ${q(tmp)} || exit 1`);
  else lines.push(`if [ -e ${q(dest)} ]; then chmod "$(stat -c %a -- ${q(dest)})" -- ${q(tmp)}; else chmod 0644 -- ${q(tmp)}; fi || exit 1`);
  if (opts.owner || opts.group) {
    const spec = `${opts.owner ?? ''}${opts.group ? ':' + opts.group : ''}`;
    lines.push(`chown ${q(spec)} -- ${q(tmp)} || exit 1`);
  }
  lines.push(`mv -f -- ${q(tmp)} ${q(dest)} || exit 1`);
  lines.push(`trap - EXIT`);
  return lines.join('\n');
}

/** The hint for a failed file write: a full disk or quota needs space, not permissions or become. */
export function writeErrorHint(why: string): string {
  if (/No space left on device|ENOSPC|Disk quota exceeded|EDQUOT/i.test(why)) return 'free space on that filesystem (df -h on the host); the file was left as it was';
  return 'check the directory exists and permissions, or use become';
}

export function dirnameOf(p: string): string {
  const i = p.lastIndexOf('/');
  if (i < 0) return '';
  if (i === 0) return '/';
  return p.slice(0, i);
}

export function randomTag(): string {
  return Math.random().toString(36).slice(2, 10) + Date.now().toString(36);
}

/** Octal mode string ("0644", "755") → number; throws a clear error for anything else. */
export function parseMode(mode: string): number {
  if (!/^0?[0-7]{3,4}$/.test(mode)) {
    throw new TsplayError('VALIDATION', `file mode ${JSON.stringify(mode)} is not an octal mode`, { hint: 'write it as a quoted string like "0644"' });
  }
  return parseInt(mode, 8);
}

/** A command's output as bytes, before it becomes a RunResult (both executors produce this). */
export interface RawResult {
  rc: number;
  stdout: Buffer;
  stderr: Buffer;
  durationMs: number;
  timedOut?: boolean;
}

/** Decode a raw result into the executor contract's RunResult. */
export function toRunResult(r: RawResult): RunResult {
  const out: RunResult = { rc: r.rc, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), durationMs: r.durationMs };
  if (r.timedOut) out.timedOut = true;
  return out;
}
