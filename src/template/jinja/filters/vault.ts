/** The vault/unvault filters: Ansible Vault 1.2 AES256 (PBKDF2-SHA256 → AES-256-CTR + HMAC-SHA256). */
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Filter } from '../types.js';
import { PyError, bindArgs, str } from '../py.js';
import { filterError, filterTypeError, pyClass, wrapped } from './common.js';

const vaultError = (prefix: string, msg: string) => wrapped(prefix, new PyError('AnsibleVaultError', msg));

const HEADER = '$ANSIBLE_VAULT';

function keys(secret: Buffer, salt: Buffer): { key1: Buffer; key2: Buffer; iv: Buffer } {
  const d = pbkdf2Sync(secret, salt, 10000, 2 * 32 + 16, 'sha256');
  return { key1: d.subarray(0, 32), key2: d.subarray(32, 64), iv: d.subarray(64, 80) };
}

/** VaultLib.encrypt with the AES256 cipher; the envelope is 80-column hex after the header. */
export function vaultEncrypt(plaintext: string, secret: string, salt: string | null, vaultId: string): string {
  if (plaintext.startsWith(HEADER)) throw filterError('Unable to encrypt: input is already encrypted');
  if (salt !== null && !salt) throw vaultError('Unable to encrypt: ', 'Empty or invalid salt passed to encrypt()');
  const bSalt = salt === null ? randomBytes(32) : Buffer.from(salt, 'utf8');
  const { key1, key2, iv } = keys(Buffer.from(secret, 'utf8'), bSalt);
  const data = Buffer.from(plaintext, 'utf8');
  const pad = 16 - (data.length % 16);
  const padded = Buffer.concat([data, Buffer.alloc(pad, pad)]);
  const c = createCipheriv('aes-256-ctr', key1, iv);
  const ct = Buffer.concat([c.update(padded), c.final()]);
  const hmac = createHmac('sha256', key2).update(ct).digest();
  const inner = [bSalt.toString('hex'), hmac.toString('hex'), ct.toString('hex')].join('\n');
  const hex = Buffer.from(inner, 'utf8').toString('hex');
  const version = vaultId && vaultId !== 'default' ? '1.2' : '1.1';
  const header = [HEADER, version, 'AES256', ...(version === '1.2' ? [vaultId] : [])].join(';');
  const lines = [header];
  for (let i = 0; i < hex.length; i += 80) lines.push(hex.slice(i, i + 80));
  return lines.join('\n') + '\n';
}

export function isEncrypted(v: unknown): boolean {
  return typeof v === 'string' && /^[\x00-\x7f]*$/.test(v) && v.startsWith(HEADER);
}

export function vaultDecrypt(vaulttext: string, secret: string): string {
  const fail = () => vaultError('Unable to decrypt: ', 'Decryption failed (no vault secrets were found that could decrypt)');
  const lines = vaulttext.trim().split(/\r?\n/);
  const header = lines.shift()!.trim().split(';');
  if (header[2]?.trim() !== 'AES256') throw filterError(`Unable to decrypt: ${header[2] ?? ''} cipher could not be found`);
  let inner: string;
  try {
    inner = Buffer.from(lines.join('').trim(), 'hex').toString('utf8');
  } catch {
    throw fail();
  }
  const [saltHex, hmacHex, ctHex] = inner.split('\n');
  if (saltHex === undefined || hmacHex === undefined || ctHex === undefined) throw filterError('Unable to decrypt: Vault vaulttext format error: not enough values to unpack (expected 3, got 1)');
  const salt = Buffer.from(saltHex, 'hex');
  const ct = Buffer.from(ctHex, 'hex');
  const { key1, key2, iv } = keys(Buffer.from(secret, 'utf8'), salt);
  const want = Buffer.from(hmacHex, 'hex');
  const got = createHmac('sha256', key2).update(ct).digest();
  if (want.length !== got.length || !timingSafeEqual(want, got)) throw fail();
  const d = createDecipheriv('aes-256-ctr', key1, iv);
  const padded = Buffer.concat([d.update(ct), d.final()]);
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > 16) throw fail();
  return padded.subarray(0, padded.length - pad).toString('utf8');
}

export const vaultFilters: Record<string, Filter> = {
  vault: (v, args, kw) => {
    const a = bindArgs('do_vault', ['secret', 'salt', 'vaultid', 'wrap_object'], args, kw, { salt: null, vaultid: 'filter_default', wrap_object: false });
    if (typeof a.secret !== 'string') throw filterTypeError(`Secret passed is required to be a string, instead we got: ${pyClass(a.secret)}`);
    if (typeof v !== 'string') throw filterTypeError(`Can only vault strings, instead we got: ${pyClass(v)}`);
    return vaultEncrypt(v, a.secret, a.salt === null ? null : str(a.salt), str(a.vaultid));
  },
  unvault: (v, args, kw) => {
    const a = bindArgs('do_unvault', ['secret', 'vaultid'], args, kw, { vaultid: 'filter_default' });
    if (typeof a.secret !== 'string') throw filterTypeError(`Secret passed is required to be as string, instead we got: ${pyClass(a.secret)}`);
    if (typeof v !== 'string') throw filterTypeError(`Vault should be in the form of a string, instead we got: ${pyClass(v)}`);
    return isEncrypted(v) ? vaultDecrypt(v, a.secret) : v;
  },
};

export { PyError };
