import { homedir } from 'node:os';
import { TsplayError } from '../errors.js';
import type { ConnectionSpec } from '../executors/types.js';
import { LOCALHOST_NAMES } from './data.js';
import { ansibleBoolean } from '../config/boolean.js';

/**
 * Connection variables: each tsplay name, then its Ansible aliases in the order they are tried.
 * When a host sets both, the tsplay name wins.
 */
export const CONNECTION_VARS = {
  address: ['address', 'ansible_host', 'ansible_ssh_host'],
  port: ['port', 'ansible_port', 'ansible_ssh_port'],
  user: ['user', 'ansible_user', 'ansible_ssh_user'],
  identity_file: ['identity_file', 'ansible_ssh_private_key_file', 'ansible_private_key_file'],
  password: ['password', 'ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password'],
  connection: ['connection', 'ansible_connection'],
  become: ['become', 'ansible_become'],
  become_user: ['become_user', 'ansible_become_user'],
  become_password: ['become_password', 'ansible_become_password', 'ansible_become_pass', 'ansible_sudo_pass'],
  become_method: ['become_method', 'ansible_become_method'],
  host_key_checking: ['host_key_checking', 'ansible_host_key_checking', 'ansible_ssh_host_key_checking'],
  known_hosts_file: ['known_hosts_file'],
  ssh_config_file: ['ssh_config_file'],
  proxy_jump: ['proxy_jump'],
  connect_timeout: ['connect_timeout', 'ansible_timeout', 'ansible_ssh_timeout'],
  command_timeout: ['command_timeout'],
  max_channels: ['max_channels'],
} as const;

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
    if (c === 'local') connection = 'local';
    else if (c === 'ssh' || c === 'paramiko' || c === 'smart' || c === 'paramiko_ssh' || c === 'ansible.builtin.ssh' || c === 'ansible.builtin.paramiko_ssh') connection = 'ssh';
    else if (c === 'ansible.builtin.local') connection = 'local';
    else {
      throw new TsplayError('VALIDATION', `host "${hostName}": connection type "${c}" (from ${conn.name}) is not supported`, {
        hint: 'tsplay connects with ssh or runs locally: use ssh or local',
      });
    }
  } else {
    connection = LOCALHOST_NAMES.includes(hostName) ? 'local' : 'ssh';
  }

  const become = bool('become');
  const method = str('become_method');
  if (become && method && method !== 'sudo' && method !== 'ansible.builtin.sudo') {
    throw new TsplayError('VALIDATION', `host "${hostName}": become method "${method}" is not supported`, { hint: 'tsplay becomes another user with sudo' });
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
  set('hostKeyChecking', hostKeyChecking);
  set('knownHostsFile', expandHome(str('known_hosts_file')));
  set('sshConfigFile', expandHome(str('ssh_config_file')));
  set('proxyJump', str('proxy_jump') ?? proxyJumpFromArgs(vars));
  set('connectTimeoutMs', seconds('connect_timeout'));
  set('commandTimeoutMs', seconds('command_timeout'));
  set('maxChannels', int('max_channels', 1, 9));
  return spec;
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
