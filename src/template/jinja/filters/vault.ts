/** The vault/unvault filters, on the one vault implementation (src/config/vault.ts). */
import { VAULT_HEADER, decryptVaultBody, encryptVault, isVaultEncrypted, parseVaultEnvelope } from '../../../config/vault.js';
import type { Filter } from '../types.js';
import { PyError, bindArgs, str } from '../py.js';
import { filterError, filterTypeError, pyClass, wrapped } from './common.js';

const vaultError = (prefix: string, msg: string) => wrapped(prefix, new PyError('AnsibleVaultError', msg));

const HEADER = VAULT_HEADER;

/** VaultLib.encrypt with the AES256 cipher (src/config/vault.ts); `salt` as the filter passes it (text). */
export function vaultEncrypt(plaintext: string, secret: string, salt: string | null, vaultId: string): string {
  if (plaintext.startsWith(HEADER)) throw filterError('Unable to encrypt: input is already encrypted');
  if (salt !== null && !salt) throw vaultError('Unable to encrypt: ', 'Empty or invalid salt passed to encrypt()');
  return encryptVault(plaintext, secret, vaultId, salt === null ? undefined : Buffer.from(salt, 'utf8'));
}

export function isEncrypted(v: unknown): boolean {
  return typeof v === 'string' && isVaultEncrypted(v);
}

export function vaultDecrypt(vaulttext: string, secret: string): string {
  const env = parseVaultEnvelope(vaulttext.trim());
  if (env.cipher !== 'AES256') throw filterError(`Unable to decrypt: ${env.cipher} cipher could not be found`);
  let plain: Buffer | undefined;
  try {
    plain = decryptVaultBody(env.body, Buffer.from(secret, 'utf8'));
  } catch (e) {
    throw filterError(`Unable to decrypt: ${(e as Error).message}`);
  }
  if (plain === undefined) throw vaultError('Unable to decrypt: ', 'Decryption failed (no vault secrets were found that could decrypt)');
  return plain.toString('utf8');
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
