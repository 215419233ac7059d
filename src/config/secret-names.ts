/**
 * The one test for "this name holds a secret": variable names, role params, inventory keys and
 * environment variables (token, password, passwd, secret, private key, api key, credential), at any
 * depth of a value. Values are also secret by origin (vault, no_log, connection passwords): those
 * are registered with the run's Redactor where they are read.
 */
export const SECRET_NAME = /(token|passw(or)?d|passwd|secret|private_?key|api_?key|credential)/i;

/** True when a variable, key or param name looks like it holds a secret. */
export function isSecretName(name: string): boolean {
  // ansible_ssh_private_key_file, vault_password_file: where a secret is, not the secret;
  // tsplay_secret_vars: the names of secrets.
  if (name === SECRET_VARS_KEY) return false;
  return SECRET_NAME.test(name) && !/_(file|path|dir)$/i.test(name);
}

/**
 * The variable a playbook, inventory or vars file sets to name its other secret variables (a list
 * of names, or one name): `tsplay_secret_vars: [db_seed, signing_salt]`. Ansible ignores it.
 */
export const SECRET_VARS_KEY = 'tsplay_secret_vars';

/** The names a layer of variables lists in tsplay_secret_vars (templates are not names). */
export function listedSecretNames(vars: Record<string, unknown>): string[] {
  const listed = vars[SECRET_VARS_KEY];
  const names = typeof listed === 'string' ? [listed] : Array.isArray(listed) ? listed : [];
  return names.filter((n): n is string => typeof n === 'string' && n !== '' && !n.includes('{{'));
}
