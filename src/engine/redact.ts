import { revealedSecrets } from '../config/vault.js';
import { isSecretName, listedSecretNames } from '../config/secret-names.js';

/**
 * Keeps secrets out of output, reports and history. Values are registered as they are discovered
 * (secret-named variables, role params, secret env of commands, and every text ansible-vault data
 * decrypted to: src/config/vault.ts) and replaced everywhere afterwards.
 */
export const REDACTED = '********';

const NO_LOG_PLACEHOLDERS = new Set(['NOT_LOGGING_PASSWORD', 'NOT_LOGGING_PARAMETER', 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER']);

export class Redactor {
  private readonly secrets = new Set<string>();
  /**
   * Names whose values are secrets by where they were declared, whatever the name looks like: role
   * argument_specs options with `no_log: true`, TypeScript role params marked secret, and the
   * names listed in `tsplay_secret_vars`.
   */
  private readonly names = new Set<string>();

  /** True when a variable or param name looks like it holds a secret. */
  static isSecretKey(key: string): boolean {
    return isSecretName(key);
  }

  /** Values under this name are secrets from now on (in every layer scanned or rendered later). */
  markName(name: string): void {
    this.names.add(name);
  }

  /** The names marked secret by declaration (see markName). */
  get markedNames(): ReadonlySet<string> {
    return this.names;
  }

  /** True when values under this name are secrets: by its look, or because it was declared secret. */
  isSecret(key: string): boolean {
    return this.names.has(key) || isSecretName(key);
  }

  add(value: unknown): void {
    // A template is not the secret itself; its rendered value is registered when it is known.
    // Ansible's no_log placeholders (the user module's password: NOT_LOGGING_PASSWORD) are not secrets.
    if (typeof value === 'string' && NO_LOG_PLACEHOLDERS.has(value)) return;
    if (typeof value === 'string' && value.length >= 4 && !value.includes('{{')) this.secrets.add(value);
  }

  /** Register the values of secret-named keys found anywhere inside `obj`. */
  scan(obj: unknown, depth = 0): void {
    if (depth > 8 || obj === null || typeof obj !== 'object') return;
    // A layer that lists its secret names (tsplay_secret_vars) marks them before its values are read.
    if (!Array.isArray(obj)) for (const n of listedSecretNames(obj as Record<string, unknown>)) this.markName(n);
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      // package_facts' ansible_facts.packages is keyed by package names (passwd, libsecret-1-0), service_facts'
      // ansible_facts.services by unit names (systemd-ask-password-console.service): data, not variable names.
      if (k === 'ansible_facts' && v && typeof v === 'object' && ('packages' in v || 'services' in v)) {
        const { packages: _packageData, services: _serviceData, ...rest } = v as Record<string, unknown>;
        this.scan(rest, depth + 1);
        continue;
      }
      // getent's ansible_facts.getent_passwd is account data ('root', '/bin/bash'), not a secret;
      // only the password hashes of getent_shadow / getent_gshadow (each entry's first field) are.
      if (k === 'ansible_facts' && v && typeof v === 'object' && Object.keys(v).some((f) => f.startsWith('getent_'))) {
        const rest: Record<string, unknown> = {};
        for (const [f, tree] of Object.entries(v as Record<string, unknown>)) {
          if (!f.startsWith('getent_')) rest[f] = tree;
          else if ((f === 'getent_shadow' || f === 'getent_gshadow') && tree && typeof tree === 'object')
            for (const entry of Object.values(tree as Record<string, unknown>)) {
              const records = Array.isArray(entry) && Array.isArray(entry[0]) ? entry : [entry];
              for (const r of records) if (Array.isArray(r) && r[0] !== '!' && r[0] !== '*') this.add(r[0]);
            }
        }
        this.scan(rest, depth + 1);
        continue;
      }
      if (this.isSecret(k)) {
        if (typeof v === 'string') this.add(v);
        else if (v && typeof v === 'object') this.scanAll(v, depth + 1);
      } else this.scan(v, depth + 1);
    }
  }

  private scanAll(obj: unknown, depth: number): void {
    if (depth > 8) return;
    if (typeof obj === 'string') this.add(obj);
    else if (obj && typeof obj === 'object') for (const v of Object.values(obj)) this.scanAll(v, depth + 1);
  }

  text(s: string): string {
    let out = s;
    // Longest first so a secret containing another is replaced whole.
    for (const secret of [...this.secrets, ...revealedSecrets()].sort((a, b) => b.length - a.length)) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }

  /** Deep copy of `value` with every secret replaced. */
  value<T>(value: T): T {
    if (this.secrets.size === 0 && revealedSecrets().size === 0) return value;
    return this.walk(value, 0) as T;
  }

  private walk(v: unknown, depth: number): unknown {
    if (typeof v === 'string') return this.text(v);
    if (depth > 20 || v === null || typeof v !== 'object') return v;
    if (Buffer.isBuffer(v)) return v;
    if (Array.isArray(v)) return v.map((x) => this.walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = this.walk(x, depth + 1);
    return out;
  }
}
