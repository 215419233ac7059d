/**
 * Resolve where and how to connect: inventory connection vars first, then ~/.ssh/config (through the
 * `ssh-config` package: HostName, Port, User, IdentityFile, ProxyJump, UserKnownHostsFile,
 * ConnectTimeout, ServerAliveInterval), then OpenSSH's defaults.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { TsplayError } from '../errors.js';
import type { ConnectionSpec } from './types.js';

export interface IdentityCandidate {
  path: string;
  /** Named by the inventory or ssh config (a missing explicit file is worth a warning in hints). */
  explicit: boolean;
}

export interface JumpHop {
  /** As written in ProxyJump, for messages. */
  label: string;
  address: string;
  port: number;
  user: string;
  identityFiles: IdentityCandidate[];
}

export interface ResolvedTarget {
  host: string;
  address: string;
  port: number;
  user: string;
  identityFiles: IdentityCandidate[];
  /** Hops in order: first is reached directly, the target through the last. */
  jumps: JumpHop[];
  knownHostsFile: string;
  connectTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

export interface ResolveEnv {
  home?: string;
  localUser?: string;
  /** Text of the ssh config (tests); otherwise read from spec.sshConfigFile or ~/.ssh/config. */
  configText?: string;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

function expand(p: string, ctx: { home: string; host: string; user: string; localUser: string; port: number }): string {
  let out = p.replace(/%([%dhrupL])/g, (_m, c: string) => {
    switch (c) {
      case '%':
        return '%';
      case 'd':
        return ctx.home;
      case 'h':
        return ctx.host;
      case 'r':
        return ctx.user;
      case 'u':
        return ctx.localUser;
      case 'p':
        return String(ctx.port);
      default:
        return '';
    }
  });
  if (out === '~') out = ctx.home;
  else if (out.startsWith('~/')) out = join(ctx.home, out.slice(2));
  return out;
}

function first(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v[0] : v;
}

function list(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function parsePort(v: string | undefined, where: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new TsplayError('VALIDATION', `port ${JSON.stringify(v)} in ${where} is not a valid port`);
  return n;
}

/** Load and parse an ssh config; a missing file is an empty config. */
export function loadSshConfig(spec: Pick<ConnectionSpec, 'sshConfigFile'>, env: ResolveEnv = {}): SSHConfig {
  if (env.configText !== undefined) return SSHConfig.parse(env.configText);
  const file = spec.sshConfigFile ?? join(env.home ?? homedir(), '.ssh', 'config');
  if (!existsSync(file)) {
    if (spec.sshConfigFile) throw new TsplayError('VALIDATION', `ssh config file ${file} does not exist`);
    return SSHConfig.parse('');
  }
  try {
    return SSHConfig.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TsplayError('PARSE', `cannot parse ssh config ${file}: ${(e as Error).message}`, { location: { file }, cause: e });
  }
}

/** `[user@]host[:port]` hops of a ProxyJump value ("none" → no hops). */
export function parseProxyJump(value: string | undefined): Array<{ label: string; host: string; user?: string; port?: number }> {
  if (value === undefined || value.trim() === '' || value.trim().toLowerCase() === 'none') return [];
  return value.split(',').map((raw) => {
    let s = raw.trim().replace(/^ssh:\/\//, '');
    let user: string | undefined;
    const at = s.lastIndexOf('@');
    if (at >= 0) {
      user = s.slice(0, at);
      s = s.slice(at + 1);
    }
    let port: number | undefined;
    const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
    let host = s;
    if (bracket) {
      host = bracket[1]!;
      if (bracket[2]) port = parsePort(bracket[2], `ProxyJump ${raw}`);
    } else {
      const m = /^([^:]+):(\d+)$/.exec(s);
      if (m) {
        host = m[1]!;
        port = parsePort(m[2], `ProxyJump ${raw}`);
      }
    }
    if (host === '') throw new TsplayError('VALIDATION', `ProxyJump hop ${JSON.stringify(raw)} has no host`);
    return { label: raw.trim(), host, ...(user ? { user } : {}), ...(port ? { port } : {}) };
  });
}

function identities(explicit: string | undefined, fromConfig: string[], ctx: { home: string; host: string; user: string; localUser: string; port: number }): IdentityCandidate[] {
  const out: IdentityCandidate[] = [];
  const seen = new Set<string>();
  const add = (p: string, isExplicit: boolean): void => {
    const path = expand(p, ctx);
    if (seen.has(path)) return;
    seen.add(path);
    out.push({ path, explicit: isExplicit });
  };
  if (explicit) add(explicit, true);
  for (const p of fromConfig) add(p, true);
  // OpenSSH tries its default key files only when no IdentityFile is configured.
  if (out.length === 0) for (const k of DEFAULT_KEYS) add(join(ctx.home, '.ssh', k), false);
  return out;
}

/** Resolve a ConnectionSpec against ssh config and defaults. */
export function resolveTarget(spec: ConnectionSpec, env: ResolveEnv = {}): ResolvedTarget {
  const home = env.home ?? homedir();
  const localUser = env.localUser ?? userInfo().username;
  const config = loadSshConfig(spec, env);
  const computeFor = (name: string): Record<string, string | string[]> => config.compute(name, { ignoreCase: true, matchExec: false });
  const c = computeFor(spec.address);
  const hostName = first(c['hostname']);
  const address = hostName ? hostName.replace(/%h/g, spec.address).replace(/%%/g, '%') : spec.address;
  const port = spec.port ?? parsePort(first(c['port']), 'ssh config') ?? 22;
  const user = spec.user ?? first(c['user']) ?? localUser;
  const ctx = { home, host: address, user, localUser, port };
  const identityFiles = identities(spec.identityFile, list(c['identityfile']), ctx);

  const jumps: JumpHop[] = parseProxyJump(spec.proxyJump ?? first(c['proxyjump'])).map((hop) => {
    const jc = computeFor(hop.host);
    const jHostName = first(jc['hostname']);
    const jAddress = jHostName ? jHostName.replace(/%h/g, hop.host) : hop.host;
    const jPort = hop.port ?? parsePort(first(jc['port']), 'ssh config') ?? 22;
    const jUser = hop.user ?? first(jc['user']) ?? localUser;
    return {
      label: hop.label,
      address: jAddress,
      port: jPort,
      user: jUser,
      // The inventory's identity_file is tried on jump hosts too, after their own IdentityFile.
      identityFiles: identities(undefined, [...list(jc['identityfile']), ...(spec.identityFile ? [spec.identityFile] : [])], {
        home,
        host: jAddress,
        user: jUser,
        localUser,
        port: jPort,
      }),
    };
  });

  const configKnownHosts = first(c['userknownhostsfile']);
  const knownHostsFile = spec.knownHostsFile ?? (configKnownHosts ? expand(configKnownHosts.split(/\s+/)[0]!, ctx) : join(home, '.ssh', 'known_hosts'));
  const ct = first(c['connecttimeout']);
  const sai = first(c['serveraliveinterval']);
  const out: ResolvedTarget = { host: spec.host, address, port, user, identityFiles, jumps, knownHostsFile };
  const connectTimeoutMs = spec.connectTimeoutMs ?? (ct && /^\d+$/.test(ct) ? Number(ct) * 1000 : undefined);
  if (connectTimeoutMs !== undefined) out.connectTimeoutMs = connectTimeoutMs;
  const keepalive = spec.keepaliveIntervalMs ?? (sai && /^\d+$/.test(sai) && Number(sai) > 0 ? Number(sai) * 1000 : undefined);
  if (keepalive !== undefined) out.keepaliveIntervalMs = keepalive;
  const sacm = first(c['serveralivecountmax']);
  const countMax = spec.keepaliveCountMax ?? (sacm && /^\d+$/.test(sacm) && Number(sacm) > 0 ? Number(sacm) : undefined);
  if (countMax !== undefined) out.keepaliveCountMax = countMax;
  return out;
}
