/**
 * OpenSSH known_hosts: parsing (plain, wildcard, negated, hashed `|1|salt|hash`, `[host]:port`),
 * lookup and the host-key policies (accept-new, strict, off).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { TsplayError } from '../errors.js';

export interface KnownHostEntry {
  /** 1-based line number in the file. */
  line: number;
  marker?: '@revoked' | '@cert-authority';
  /** Plain patterns (comma-separated in the file); empty for hashed entries. */
  patterns: string[];
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  /** base64 of the public key blob. */
  key: string;
}

export type HostKeyPolicy = 'accept-new' | 'strict' | 'off';

/** Parse known_hosts text; malformed lines are ignored (as OpenSSH does). */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as KnownHostEntry['marker'];
    if (fields.length < 3) return;
    const [hosts, keyType, key] = fields as [string, string, string];
    const entry: KnownHostEntry = { line: i + 1, patterns: [], keyType, key };
    if (marker) entry.marker = marker;
    if (hosts.startsWith('|1|')) {
      const parts = hosts.split('|');
      if (parts.length !== 4) return;
      entry.hashed = { salt: Buffer.from(parts[2]!, 'base64'), hash: Buffer.from(parts[3]!, 'base64') };
    } else {
      entry.patterns = hosts.split(',').filter((p) => p !== '');
    }
    out.push(entry);
  });
  return out;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port = 22): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** `|1|salt|hash` for a host name (HMAC-SHA1 keyed by the salt), as `ssh-keygen -H` writes. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}

function globMatch(pattern: string, name: string): boolean {
  let re = '^';
  for (const ch of pattern) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(re + '$', 'i').test(name);
}

/** Does this entry name the host? (hashed: HMAC compare; plain: patterns with `!` negation). */
export function entryMatches(entry: KnownHostEntry, name: string): boolean {
  if (entry.hashed) {
    const h = createHmac('sha1', entry.hashed.salt).update(name).digest();
    return h.length === entry.hashed.hash.length && h.equals(entry.hashed.hash);
  }
  let matched = false;
  for (const p of entry.patterns) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) {
      matched = true;
    }
  }
  return matched;
}

/** Key type stored in an SSH public key blob (first length-prefixed string). */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:...` fingerprint as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

export type HostKeyVerdict = { ok: true; added?: boolean } | { ok: false; error: TsplayError };

/** Host key algorithms to prefer so the server presents a key type we already know (as OpenSSH does). */
export function preferredHostKeyAlgorithms(entries: KnownHostEntry[], name: string): string[] {
  const types = new Set(entries.filter((e) => !e.marker && entryMatches(e, name)).map((e) => e.keyType));
  const algos: string[] = [];
  for (const t of types) {
    if (t === 'ssh-rsa') algos.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else algos.push(t);
  }
  return algos;
}

export interface VerifyInput {
  host: string; // inventory name, for messages
  names: string[]; // names to look up, e.g. ["[127.0.0.1]:2222"]; the first is written for new hosts
  blob: Buffer;
  policy: HostKeyPolicy;
  file: string;
}

/** Check a presented host key against known_hosts under a policy; appends on accept-new. */
export function verifyHostKey(input: VerifyInput): HostKeyVerdict {
  const { policy, file, blob } = input;
  if (policy === 'off') return { ok: true };
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const entries = parseKnownHosts(text);
  const type = keyTypeOfBlob(blob);
  const b64 = blob.toString('base64');
  const mine = entries.filter((e) => input.names.some((n) => entryMatches(e, n)));
  const shown = input.names[0] ?? input.host;
  const revoked = entries.find((e) => e.marker === '@revoked' && e.key === b64);
  if (revoked) {
    return {
      ok: false,
      error: new TsplayError('CONNECTION', `host key of ${input.host} (${shown}) is marked @revoked in ${file}:${revoked.line}`, {
        hint: 'the server presents a revoked key; do not connect until it is replaced',
      }),
    };
  }
  const plain = mine.filter((e) => !e.marker);
  if (plain.some((e) => e.keyType === type && e.key === b64)) return { ok: true };
  const sameType = plain.find((e) => e.keyType === type);
  if (sameType) {
    return {
      ok: false,
      error: new TsplayError(
        'CONNECTION',
        `HOST KEY CHANGED for ${input.host} (${shown}): the server presented ${type} ${fingerprint(blob)}, but ${file}:${sameType.line} holds a different key. Someone may be intercepting the connection, or the host was reinstalled.`,
        { hint: `if the change is expected, remove line ${sameType.line} of ${file} (ssh-keygen -R '${shown}' -f '${file}') and run again` },
      ),
    };
  }
  if (policy === 'strict') {
    return {
      ok: false,
      error: new TsplayError('CONNECTION', `host key of ${input.host} (${shown}) is not in ${file} and host key checking is strict`, {
        hint: `add it first, e.g. ssh-keyscan -p PORT HOST >> '${file}' after checking its fingerprint ${fingerprint(blob)}, or use host_key_checking: accept-new`,
      }),
    };
  }
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const prefix = text === '' || text.endsWith('\n') ? '' : '\n';
    appendFileSync(file, `${prefix}${shown} ${type} ${b64}\n`, { mode: 0o600 });
  } catch (e) {
    return {
      ok: false,
      error: new TsplayError('CONNECTION', `cannot record the host key of ${input.host} in ${file}: ${(e as Error).message}`, {
        hint: 'make the known_hosts file writable or set known_hosts_file',
        cause: e,
      }),
    };
  }
  return { ok: true, added: true };
}
