import { homedir } from 'node:os';
import { TsplayError } from '../errors.js';
import type { ConnectionSpec } from '../executors/types.js';
import { LOCALHOST_NAMES } from './data.js';
import { ansibleBoolean } from '../config/boolean.js';
import { becomeMethodOf, connectionKind } from '../config/connection-names.js';

export { becomeMethodOf };

/**
 * Connection variables: Ansible's names (tried in order), then tsplay's own settings under a
 * `tsplay_` prefix. Only these names are read: a play or inventory variable called `port`, `user`
 * or `address` is the user's own data, never a connection setting (Ansible reads only `ansible_*`).
 */
export const CONNECTION_VARS = {
  address: ['ansible_host', 'ansible_ssh_host'],
  port: ['ansible_port', 'ansible_ssh_port'],
  user: ['ansible_user', 'ansible_ssh_user'],
  identity_file: ['ansible_ssh_private_key_file', 'ansible_private_key_file'],
  password: ['ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password'],
  connection: ['ansible_connection'],
  become: ['ansible_become'],
  become_user: ['ansible_become_user'],
  become_password: ['ansible_become_password', 'ansible_become_pass', 'ansible_sudo_pass', 'ansible_su_pass', 'ansible_sudo_password', 'ansible_su_password'],
  become_method: ['ansible_become_method'],
  become_flags: ['ansible_become_flags'],
  become_exe: ['ansible_become_exe'],
  host_key_checking: ['tsplay_host_key_checking', 'ansible_host_key_checking', 'ansible_ssh_host_key_checking'],
  known_hosts_file: ['tsplay_known_hosts_file'],
  ssh_config_file: ['tsplay_ssh_config_file'],
  proxy_jump: ['tsplay_proxy_jump'],
  connect_timeout: ['ansible_timeout', 'ansible_ssh_timeout', 'tsplay_connect_timeout'],
  command_timeout: ['tsplay_command_timeout'],
  max_channels: ['tsplay_max_channels'],
} as const;

/**
 * The names tsplay read before they took Ansible's rule (bare names that collide with users'
 * variables): each with the name to write instead, for the warning a run shows when a host sets one.
 */
export const RETIRED_CONNECTION_VARS: Record<string, string> = {
  identity_file: 'ansible_ssh_private_key_file',
  known_hosts_file: 'tsplay_known_hosts_file',
  ssh_config_file: 'tsplay_ssh_config_file',
  proxy_jump: 'tsplay_proxy_jump',
  host_key_checking: 'tsplay_host_key_checking',
  command_timeout: 'tsplay_command_timeout',
  max_channels: 'tsplay_max_channels',
};

/** Variable names that hold secrets: never print their values. */
export const SECRET_VARS = new Set<string>([...CONNECTION_VARS.password, ...CONNECTION_VARS.become_password, 'ansible_vault_password']);

type Key = keyof typeof CONNECTION_VARS;

function pick(vars: Record<string, unknown>, key: Key): { name: string; value: unknown } | undefined {
  for (const name of CONNECTION_VARS[key]) {
    const v = vars[name];
    if (v !== undefined && v !== null && v !== '') return { name, value: v };
  }
  return undefined;
}

/**
 * The ConnectionSpec for a host from its variables (call it with rendered vars: templates in values are
 * not rendered here). `localhost`/`127.0.0.1`/`::1` without an explicit connection run locally.
 */
export function connectionSpecFor(hostName: string, vars: Record<string, unknown>): ConnectionSpec {
  const bad = (name: string, value: unknown, expected: string): never => {
    const shown = SECRET_VARS.has(name) ? '********' : JSON.stringify(value);
    throw new TsplayError('VALIDATION', `host "${hostName}": ${name} must be ${expected}, got ${shown}`, {
      hint: `fix ${name} in the inventory, group_vars/ or host_vars/ for ${hostName}`,
    });
  };
  const str = (key: Key): string | undefined => {
    const p = pick(vars, key);
    if (!p) return undefined;
    if (typeof p.value === 'string') return p.value;
    if (typeof p.value === 'number') return String(p.value);
    return bad(p.name, p.value, 'a string');
  };
  const bool = (key: Key): boolean | undefined => {
    const p = pick(vars, key);
    if (!p) return undefined;
    const b = toBoolean(p.value);
    return b === undefined ? bad(p.name, p.value, 'a boolean (true/false/yes/no)') : b;
  };
  const int = (key: Key, min: number, max: number): number | undefined => {
    const p = pick(vars, key);
    if (!p) return undefined;
    const n = typeof p.value === 'number' ? p.value : typeof p.value === 'string' && /^\s*\d+\s*$/.test(p.value) ? Number(p.value) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) return bad(p.name, p.value, `a whole number from ${min} to ${max}`);
    return n;
  };
  const seconds = (key: Key): number | undefined => {
    const p = pick(vars, key);
    if (!p) return undefined;
    const n = typeof p.value === 'number' ? p.value : typeof p.value === 'string' && p.value.trim() !== '' ? Number(p.value) : NaN;
    if (!Number.isFinite(n) || n <= 0) return bad(p.name, p.value, 'a positive number of seconds');
    return Math.round(n * 1000);
  };

  let connection: ConnectionSpec['connection'];
  const conn = pick(vars, 'connection');
  if (conn) {
    const c = String(conn.value);
    const kind = connectionKind(c);
    if (kind) connection = kind;
    else {
      throw new TsplayError('VALIDATION', `host "${hostName}": connection type "${c}" (from ${conn.name}) is not supported`, {
        hint: 'tsplay connects with ssh or runs locally: use ssh or local',
      });
    }
  } else {
    connection = LOCALHOST_NAMES.includes(hostName) ? 'local' : 'ssh';
  }

  const become = bool('become');
  const methodVar = pick(vars, 'become_method');
  const becomeMethod = methodVar === undefined ? undefined : becomeMethodOf(String(methodVar.value));
  if (methodVar && becomeMethod === undefined && become) {
    throw new TsplayError('VALIDATION', `host "${hostName}": become method "${String(methodVar.value)}" (from ${methodVar.name}) is not supported`, {
      hint: 'tsplay becomes another user with sudo or su',
    });
  }

  const hkc = pick(vars, 'host_key_checking');
  let hostKeyChecking: ConnectionSpec['hostKeyChecking'];
  if (hkc) {
    const v = hkc.value;
    if (v === 'accept-new' || v === 'strict' || v === 'off') hostKeyChecking = v;
    else {
      const b = toBoolean(v);
      if (b === undefined) bad(hkc.name, v, 'accept-new, strict, off or a boolean');
      hostKeyChecking = b ? 'strict' : 'off';
    }
  }

  const spec: ConnectionSpec = {
    host: hostName,
    connection,
    address: str('address') ?? hostName,
  };
  const set = <K extends keyof ConnectionSpec>(k: K, v: ConnectionSpec[K] | undefined) => {
    if (v !== undefined) spec[k] = v;
  };
  set('port', int('port', 1, 65535));
  set('user', str('user'));
  set('identityFile', expandHome(str('identity_file')));
  set('password', str('password'));
  set('become', become);
  set('becomeUser', str('become_user'));
  set('becomePassword', str('become_password'));
  set('becomeMethod', becomeMethod);
  set('becomeFlags', str('become_flags'));
  set('becomeExe', str('become_exe'));
  set('hostKeyChecking', hostKeyChecking);
  set('knownHostsFile', expandHome(str('known_hosts_file')));
  set('sshConfigFile', expandHome(str('ssh_config_file')));
  set('proxyJump', str('proxy_jump') ?? proxyJumpFromArgs(vars));
  set('connectTimeoutMs', seconds('connect_timeout'));
  set('commandTimeoutMs', seconds('command_timeout'));
  set('maxChannels', int('max_channels', 1, 9));
  const alive = sshOptionFromArgs(vars, 'ServerAliveInterval');
  if (alive !== undefined && /^\d+$/.test(alive) && Number(alive) > 0) spec.keepaliveIntervalMs = Number(alive) * 1000;
  const count = sshOptionFromArgs(vars, 'ServerAliveCountMax');
  if (count !== undefined && /^\d+$/.test(count) && Number(count) > 0) spec.keepaliveCountMax = Number(count);
  return spec;
}

/** An `-o Name=value` (or `-o Name value`) of ansible_ssh_common_args / extra_args, as OpenSSH reads it (first wins). */
export function sshOptionFromArgs(vars: Record<string, unknown>, option: string): string | undefined {
  for (const name of ['ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const args = vars[name];
    if (typeof args !== 'string') continue;
    const m = new RegExp(`(?:^|\\s)-o\\s*["']?${option}(?:\\s*=\\s*|\\s+)["']?([^\\s"']+)`, 'i').exec(args);
    if (m) return m[1];
  }
  return undefined;
}

/** Ansible's boolean spellings (yes/no, on/off, true/false, 1/0, y/n, t/f). */
export function toBoolean(v: unknown): boolean | undefined {
  return ansibleBoolean(v);
}

function expandHome(p: string | undefined): string | undefined {
  if (p === undefined) return undefined;
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return homedir() + p.slice(1);
  return p;
}

/** `-J host`, `-o ProxyJump=host` or `-o ProxyCommand="ssh -W %h:%p [-q] host"` in ansible_ssh_common_args / extra_args. */
export function proxyJumpFromArgs(vars: Record<string, unknown>): string | undefined {
  for (const name of ['ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const args = vars[name];
    if (typeof args !== 'string') continue;
    const j = /(?:^|\s)-J\s*(\S+)/.exec(args) ?? /ProxyJump[= ]\s*["']?([^\s"']+)/i.exec(args);
    if (j) return j[1];
    const pc = /ProxyCommand[= ]\s*["']?ssh\s+((?:-\S+\s+)*)-W\s*%h:%p\s+((?:-\S+\s+)*)([^\s"']+)/i.exec(args);
    if (pc) {
      const opts = (pc[1] ?? '') + ' ' + (pc[2] ?? '');
      const port = /-p\s*(\d+)/.exec(opts)?.[1];
      return port ? `${pc[3]}:${port}` : pc[3];
    }
  }
  return undefined;
}
