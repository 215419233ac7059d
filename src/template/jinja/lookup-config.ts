/**
 * ansible.builtin.config: the value of an ansible-core setting, for the settings tsplay has, with
 * the value tsplay uses (each equal to ansible-core 2.14's default; TASK_TIMEOUT read from
 * ANSIBLE_TASK_TIMEOUT as the engine does). Other names are missing settings (on_missing decides),
 * as a name ansible-core does not know is there; plugin settings (plugin_type/plugin_name) are not
 * modelled and refused.
 */
import { ANSIBLE_MANAGED } from '../ansible.js';
import { PyError, str, typeName } from './py.js';
import type { Kwargs } from './py.js';
import { templateWarning } from '../warnings.js';

function taskTimeout(): number {
  const v = process.env['ANSIBLE_TASK_TIMEOUT'];
  return v !== undefined && /^\s*\d+\s*$/.test(v) ? Number(v) : 0;
}

/** The global settings tsplay answers, by ansible-core's constant names. */
const SETTINGS: Record<string, () => unknown> = {
  DEFAULT_BECOME: () => false,
  DEFAULT_BECOME_USER: () => 'root',
  DEFAULT_BECOME_METHOD: () => 'sudo',
  DEFAULT_BECOME_EXE: () => null,
  DEFAULT_BECOME_FLAGS: () => null,
  DEFAULT_REMOTE_USER: () => null,
  DEFAULT_REMOTE_PORT: () => null,
  // 'smart' in ansible.cfg terms; ansible-playbook resolves it to ssh when the run starts (set_default_transport)
  DEFAULT_TRANSPORT: () => 'ssh',
  DEFAULT_MANAGED_STR: () => ANSIBLE_MANAGED,
  DEFAULT_HASH_BEHAVIOUR: () => 'replace',
  DEFAULT_JINJA2_NATIVE: () => false,
  DEFAULT_UNDEFINED_VAR_BEHAVIOR: () => true,
  DEFAULT_GATHERING: () => 'implicit',
  DEFAULT_STRATEGY: () => 'linear',
  DEFAULT_ALLOW_UNSAFE_LOOKUPS: () => false,
  DEFAULT_VAULT_IDENTITY: () => 'default',
  INJECT_FACTS_AS_VARS: () => true,
  ANY_ERRORS_FATAL: () => false,
  TASK_TIMEOUT: taskTimeout,
};

/** The names lookup('config', …) answers. */
export const configSettingNames = Object.keys(SETTINGS);

/** lookup('config', NAME…, on_missing='error'|'warn'|'skip'). */
export function configLookup(terms: unknown[], kwargs: Kwargs): unknown[] {
  const missing = kwargs.on_missing === undefined ? 'error' : kwargs.on_missing;
  const ptype = kwargs.plugin_type;
  const pname = kwargs.plugin_name;
  if ((ptype || pname) && !(ptype && pname)) throw new PyError('AnsibleOptionsError', 'Both plugin_type and plugin_name are required, cannot use one without the other');
  if (typeof missing !== 'string' || !['error', 'warn', 'skip'].includes(missing)) {
    throw new PyError(
      'AnsibleOptionsError',
      `Invalid value "${str(missing)}" for configuration option "plugin_type: lookup plugin: config setting: on_missing ", valid values are: error, skip, warn`,
    );
  }
  if (ptype) {
    throw new PyError(
      'AnsibleOptionsError',
      `lookup config: tsplay has no ${str(ptype)} plugin settings (plugin_type/plugin_name); it answers the global settings ${configSettingNames.join(', ')}`,
    );
  }
  const out: unknown[] = [];
  for (const term of terms) {
    if (typeof term !== 'string') throw new PyError('AnsibleOptionsError', `Invalid setting identifier, "${str(term)}" is not a string, its a <class '${typeName(term)}'>`);
    const get = Object.hasOwn(SETTINGS, term) ? SETTINGS[term] : undefined;
    if (get) {
      out.push(get());
      continue;
    }
    if (missing === 'error') {
      throw new PyError('AnsibleLookupError', `Unable to find setting ${term}. tsplay answers these settings: ${configSettingNames.join(', ')}`);
    }
    if (missing === 'warn') templateWarning(`Skipping, did not find setting ${term}`);
  }
  return out;
}
