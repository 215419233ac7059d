/** Names of connection types and become methods as Ansible spells them, mapped onto what tsplay has. */

/** `sudo`, `su` (also as ansible.builtin.X / community.general.X); undefined for a method tsplay does not have. */
export function becomeMethodOf(name: string): 'sudo' | 'su' | undefined {
  const short = name.replace(/^(ansible\.builtin|ansible\.legacy|community\.general)\./, '');
  return short === 'sudo' || short === 'su' ? short : undefined;
}

/** `ssh` or `local` for a connection name (paramiko / smart are ssh to tsplay); undefined when unsupported. */
export function connectionKind(name: string): 'ssh' | 'local' | undefined {
  const short = name.replace(/^(ansible\.builtin|ansible\.legacy)\./, '');
  if (short === 'local') return 'local';
  if (['ssh', 'paramiko', 'paramiko_ssh', 'smart'].includes(short)) return 'ssh';
  return undefined;
}
