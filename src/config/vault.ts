/**
 * ansible-vault, as ansible-core 2.14 reads and writes it (ansible/parsing/vault/__init__.py):
 * format 1.1 (`$ANSIBLE_VAULT;1.1;AES256`) and 1.2 (`…;1.2;AES256;VAULT_ID`), cipher AES256 =
 * PBKDF2-HMAC-SHA256 (10000 iterations) → AES-256-CTR key, HMAC-SHA256 key and counter; PKCS#7
 * padding; the body is hex of "hex(salt)\nhex(hmac)\nhex(ciphertext)", wrapped at 80 columns.
 *
 * The vault secrets of a run (from --vault-password-file, --vault-id, --ask-vault-pass; see
 * src/cli/vault.ts) are set once per command with `setVaultSecrets`; every reader of YAML/vars files
 * decrypts through `decryptVaultFile`/`readVaultedText`, and inline `!vault` values (`VaultText`)
 * are decrypted when a template first uses them, as Ansible's AnsibleVaultEncryptedUnicode is.
 * Every decrypted text is a secret: `revealedSecrets()` feeds the run's Redactor.
 */
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { TsplayError, type SourceLocation } from '../errors.js';
import { readUserFileSync } from './user-file.js';

export const VAULT_HEADER = '$ANSIBLE_VAULT';
/** Ansible's C.DEFAULT_VAULT_IDENTITY. */
export const DEFAULT_VAULT_ID = 'default';

/** One vault password with the id it was given for (`--vault-id dev@file` → id "dev"). */
export interface VaultSecret {
  id: string;
  password: Buffer;
  /** Where the password came from (a file name, "prompt"), for messages; never the password. */
  source: string;
}

/** The parts of a vault envelope. */
export interface VaultEnvelope {
  version: string;
  cipher: string;
  /** The id in a 1.2 header, else undefined. */
  vaultId?: string;
  /** The hexlified body (header removed, lines joined). */
  body: string;
}

/** Is this text (or these bytes) vault-encrypted data (pure ASCII starting with the header)? */
export function isVaultEncrypted(data: string | Buffer): boolean {
  const s = typeof data === 'string' ? data : data.toString('latin1');
  // eslint-disable-next-line no-control-regex
  return s.startsWith(VAULT_HEADER) && /^[\x00-\x7f]*$/.test(s);
}

/** Split the envelope: header fields and the body (Ansible's _parse_vaulttext_envelope). */
export function parseVaultEnvelope(text: string): VaultEnvelope {
  const lines = text.split(/\r\n|\r|\n/);
  const header = lines[0]!.trim().split(';');
  if (header.length < 3) throw new Error('the header needs at least $ANSIBLE_VAULT;VERSION;CIPHER');
  return {
    version: header[1]!.trim(),
    cipher: header[2]!.trim(),
    vaultId: header.length >= 4 ? header[3]!.trim() : undefined,
    body: lines
      .slice(1)
      .map((l) => l.trim())
      .join(''),
  };
}

function deriveKeys(password: Buffer, salt: Buffer): { key1: Buffer; key2: Buffer; iv: Buffer } {
  const d = pbkdf2Sync(password, salt, 10000, 2 * 32 + 16, 'sha256');
  return { key1: d.subarray(0, 32), key2: d.subarray(32, 64), iv: d.subarray(64, 80) };
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

function unhex(s: string): Buffer {
  if (!HEX_RE.test(s)) throw new Error('the vault body is not hexadecimal (Vault format unhexlify error)');
  return Buffer.from(s, 'hex');
}

/**
 * Encrypt with AES256 into a vault envelope (VaultLib.encrypt + format_vaulttext_envelope): format 1.2
 * with the id in the header when `vaultId` is given and not "default", else 1.1. Ends with a newline.
 */
export function encryptVault(plaintext: string | Buffer, password: Buffer | string, vaultId?: string, salt?: Buffer): string {
  const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  if (isVaultEncrypted(data)) throw new TsplayError('VAULT', 'input is already encrypted');
  const bSalt = salt ?? randomBytes(32);
  const { key1, key2, iv } = deriveKeys(typeof password === 'string' ? Buffer.from(password, 'utf8') : password, bSalt);
  const pad = 16 - (data.length % 16);
  const c = createCipheriv('aes-256-ctr', key1, iv);
  const ct = Buffer.concat([c.update(Buffer.concat([data, Buffer.alloc(pad, pad)])), c.final()]);
  const hmac = createHmac('sha256', key2).update(ct).digest();
  const body = Buffer.from([bSalt.toString('hex'), hmac.toString('hex'), ct.toString('hex')].join('\n'), 'utf8').toString('hex');
  const v12 = !!vaultId && vaultId !== DEFAULT_VAULT_ID;
  const lines = [[VAULT_HEADER, v12 ? '1.2' : '1.1', 'AES256', ...(v12 ? [vaultId] : [])].join(';')];
  for (let i = 0; i < body.length; i += 80) lines.push(body.slice(i, i + 80));
  return lines.join('\n') + '\n';
}

/**
 * Decrypt an envelope body with one password: the plaintext, or undefined when the HMAC does not
 * match (a wrong password). A malformed body throws an Error with Ansible's wording.
 */
export function decryptVaultBody(body: string, password: Buffer): Buffer | undefined {
  const inner = unhex(body).toString('latin1').split('\n');
  if (inner.length < 3) throw new Error(`Vault vaulttext format error: not enough values to unpack (expected 3, got ${inner.length})`);
  const salt = unhex(inner[0]!);
  const want = unhex(inner[1]!);
  const ct = unhex(inner.slice(2).join('\n'));
  const { key1, key2, iv } = deriveKeys(password, salt);
  const got = createHmac('sha256', key2).update(ct).digest();
  if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
  const d = createDecipheriv('aes-256-ctr', key1, iv);
  const padded = Buffer.concat([d.update(ct), d.final()]);
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > 16 || padded.length < pad) throw new Error('Invalid padding bytes');
  return padded.subarray(0, padded.length - pad);
}

// ---------------------------------------------------------------------------------------------
// The secrets of this command and what they decrypted.

let secrets: VaultSecret[] = [];
const revealed = new Set<string>();

/** Set the vault secrets for this command (the CLI does it once, before anything is loaded). */
export function setVaultSecrets(list: VaultSecret[]): void {
  secrets = [...list];
}

export function vaultSecrets(): readonly VaultSecret[] {
  return secrets;
}

/** Every text decrypted so far in this process (and each string inside a decrypted vars file). */
export function revealedSecrets(): ReadonlySet<string> {
  return revealed;
}

/** Register a decrypted value (and each string inside it) as a secret. */
export function markRevealed(value: unknown, depth = 0): void {
  if (typeof value === 'string') {
    // As the Redactor: very short texts would blank out ordinary words everywhere.
    if (value.length >= 4) revealed.add(value);
    // A multi-line secret (a key, a certificate) also shows up line by line.
    if (value.includes('\n')) for (const line of value.split('\n')) if (line.trim().length >= 8) revealed.add(line.trim());
    return;
  }
  if (depth > 20 || value === null || typeof value !== 'object') return;
  for (const v of Object.values(value as Record<string, unknown>)) markRevealed(v, depth + 1);
}

const PASSWORD_HINT = 'pass the vault password with --vault-password-file FILE, --vault-id [ID@]FILE|prompt or --ask-vault-pass (or set ANSIBLE_VAULT_PASSWORD_FILE)';

/**
 * Decrypt vault data with this command's secrets, as VaultLib.decrypt picks them: a secret whose id
 * matches the 1.2 header's id first, then every other one. `what` names the data in errors ("file
 * x.yml", "the !vault value"), `loc` is where it is written.
 */
export function decryptVault(text: string, what: string, loc: SourceLocation): { plaintext: Buffer; vaultId: string; secret: VaultSecret } {
  let env: VaultEnvelope;
  try {
    env = parseVaultEnvelope(text.trim());
  } catch (e) {
    throw new TsplayError('VAULT', `${what} is not valid ansible-vault data: ${(e as Error).message}`, {
      location: loc,
      hint: 'the data must be exactly what ansible-vault wrote ($ANSIBLE_VAULT;1.1;AES256 and hex lines)',
    });
  }
  if (env.cipher !== 'AES256') {
    throw new TsplayError('VAULT', `${what} uses the vault cipher "${env.cipher}", which neither ansible-core 2.14 nor tsplay can decrypt`, {
      location: loc,
      hint: 're-encrypt it with ansible-vault (AES256)',
    });
  }
  if (secrets.length === 0) {
    throw new TsplayError('VAULT', `${what} is encrypted with ansible-vault and no vault password was given`, { location: loc, hint: PASSWORD_HINT });
  }
  const targetId = env.vaultId ?? DEFAULT_VAULT_ID;
  const ordered = [...secrets.filter((s) => s.id === targetId), ...secrets.filter((s) => s.id !== targetId)];
  for (const s of ordered) {
    let plain: Buffer | undefined;
    try {
      plain = decryptVaultBody(env.body, s.password);
    } catch (e) {
      throw new TsplayError('VAULT', `${what} is not valid ansible-vault data: ${(e as Error).message}`, {
        location: loc,
        hint: 'the data must be exactly what ansible-vault wrote',
      });
    }
    if (plain !== undefined) {
      markRevealed(plain.toString('utf8'));
      return { plaintext: plain, vaultId: s.id, secret: s };
    }
  }
  const tried = secrets.map((s) => `${s.id} (${s.source})`).join(', ');
  const idNote = env.vaultId ? ` (vault id "${env.vaultId}")` : '';
  throw new TsplayError('VAULT', `cannot decrypt ${what}${idNote}: none of the vault passwords given fits (tried ${tried})`, {
    location: loc,
    hint: env.vaultId
      ? `give the password it was encrypted with: --vault-id ${env.vaultId}@FILE (or --vault-password-file FILE)`
      : 'check that the vault password file holds the password this was encrypted with',
  });
}

/**
 * The text of a file, decrypted when it is a vault file (DataLoader._get_file_contents). The one
 * function for readers of controller files (YAML/vars files, inventory files, include_vars, copy/template
 * sources): a decrypted text's values are secrets from then on.
 */
export function readVaultedText(file: string): string {
  return decryptIfVaulted(readUserFileSync(file), file).toString('utf8');
}

/** File contents as bytes, decrypted when they are vault data (copy's `src`, decrypt: yes). */
export function decryptIfVaulted(data: Buffer, file: string): Buffer {
  if (!isVaultEncrypted(data)) return data;
  return decryptVault(data.toString('latin1'), 'this vault file', { file, line: 1 }).plaintext;
}

/** Text already read from `file`: decrypted when it is vault data; its values are marked secret. */
export function decryptVaultText(text: string, file: string): { text: string; vaulted: boolean } {
  if (!/^\s*\$ANSIBLE_VAULT;/.test(text)) return { text, vaulted: false };
  return { text: decryptVault(text, 'this vault file', { file, line: 1 }).plaintext.toString('utf8'), vaulted: true };
}

/**
 * An inline `!vault` value as Ansible writes it (`$ANSIBLE_VAULT;1.1;AES256` + hex lines). The reader
 * keeps the ciphertext; `reveal()` decrypts it when it is used (Ansible's AnsibleVaultEncryptedUnicode
 * is lazy too: an unused value needs no password). Printing the object never shows the plaintext.
 */
export class VaultText {
  private plain?: string;

  constructor(
    /** The ciphertext exactly as written in the YAML (envelope line included). */
    readonly ciphertext: string,
    /** Where the value is written, for errors. */
    readonly loc?: SourceLocation,
  ) {}

  /** The decrypted text (a secret from then on); a TsplayError naming file:line:col when it cannot be. */
  reveal(): string {
    if (this.plain === undefined) {
      this.plain = decryptVault(this.ciphertext, 'this !vault value', this.loc ?? { file: '<unknown>' }).plaintext.toString('utf8');
    }
    return this.plain;
  }

  toString(): string {
    return '<vault-encrypted value>';
  }

  toJSON(): string {
    return '<vault-encrypted value>';
  }
}

export function isVault(v: unknown): v is VaultText {
  return v instanceof VaultText;
}

/** Does a value hold a `!vault` value anywhere (plain objects and lists)? */
export function containsVault(v: unknown, depth = 0): boolean {
  if (v instanceof VaultText) return true;
  if (depth > 50 || v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some((x) => containsVault(x, depth + 1));
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  // Lazy values (getters) are not forced.
  for (const d of Object.values(Object.getOwnPropertyDescriptors(v))) if (d.get === undefined && containsVault(d.value, depth + 1)) return true;
  return false;
}

/**
 * The value with each `!vault` value replaced by a template placeholder: what load-time validation
 * checks (the plaintext is known only when the task runs, like a template's result).
 */
export function vaultAsTemplate(v: unknown, depth = 0): unknown {
  if (v instanceof VaultText) return '{{ vault_encrypted_value }}';
  if (depth > 50 || !containsVault(v)) return v;
  if (Array.isArray(v)) return v.map((x) => vaultAsTemplate(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>))
    Object.defineProperty(out, k, { value: vaultAsTemplate(x, depth + 1), enumerable: true, writable: true, configurable: true });
  return out;
}
