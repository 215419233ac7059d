/**
 * An inline `!vault` value as Ansible writes it (`$ANSIBLE_VAULT;1.1;AES256` + hex lines). tsplay cannot
 * decrypt yet: the reader keeps the ciphertext in this object, and using the value is an error.
 */
export class VaultText {
  constructor(
    /** The ciphertext exactly as written in the YAML (envelope line included). */
    readonly ciphertext: string,
  ) {}

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
