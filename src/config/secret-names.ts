/**
 * The one test for "this name holds a secret": variable names, role params, inventory keys and
 * environment variables (token, password, passwd, secret, private key, api key, credential), at any
 * depth of a value. Values are also secret by origin (vault, no_log, connection passwords): those
 * are registered with the run's Redactor where they are read.
 */
export const SECRET_NAME = /(token|passw(or)?d|passwd|secret|private_?key|api_?key|credential)/i;

/** True when a variable, key or param name looks like it holds a secret. */
export function isSecretName(name: string): boolean {
  // ansible_ssh_private_key_file, vault_password_file: where a secret is, not the secret.
  return SECRET_NAME.test(name) && !/_(file|path|dir)$/i.test(name);
}
