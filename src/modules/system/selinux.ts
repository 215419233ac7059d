/**
 * `seboolean` and `selinux` (ansible.posix): their arguments, and what they answer on a host without
 * SELinux, as the modules do: no Python `selinux` library (Debian, the lab images) fails with
 * AnsibleModule's missing_required_lib text; seboolean with the library but SELinux off fails "SELinux
 * is disabled on this host.". Changing booleans or the SELinux state on an SELinux host is not
 * implemented yet: the task fails saying so (no lab image has SELinux to compare against).
 * `seport` (community.general) likewise: libselinux, then policycoreutils' seobject, then SELinux on.
 */
import { z } from 'zod';
import { raw } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { defineModule, type Plan, type Probe } from '../types.js';
import { bool, str, strList } from './args.js';

/** What the host's python3 says about SELinux. */
export interface SelinuxProbe {
  /** platform.node() and sys.executable, for missing_required_lib's message. */
  node: string;
  python: string;
  hasSelinux: boolean;
  hasSemanage: boolean;
  /** policycoreutils' seobject (seport). */
  hasSeobject?: boolean;
  /** selinux.is_selinux_enabled() (when the library is there). */
  enabled?: boolean;
}

const PROGRAM = [
  'import platform, sys',
  "print('node=' + platform.node()); print('python=' + sys.executable)",
  'try:',
  '    import selinux',
  "    print('selinux=1'); print('enabled=%d' % (1 if selinux.is_selinux_enabled() else 0))",
  'except ImportError:',
  "    print('selinux=0')",
  'try:',
  '    import semanage',
  "    print('semanage=1')",
  'except ImportError:',
  "    print('semanage=0')",
  'try:',
  '    import seobject',
  "    print('seobject=1')",
  'except ImportError:',
  "    print('seobject=0')",
].join('\n');

const probe: Probe = {
  key: 'selinux',
  cmd: raw(
    `if command -v python3 >/dev/null 2>&1; then python3 -c '${PROGRAM.replace(/'/g, `'"'"'`)}'; else echo "node=$(uname -n)"; echo python=/usr/bin/python3; echo selinux=0; echo semanage=0; fi`,
  ),
  parse(r: RunResult): SelinuxProbe {
    const v = new Map<string, string>();
    for (const l of r.stdout.split('\n')) {
      const i = l.indexOf('=');
      if (i > 0) v.set(l.slice(0, i), l.slice(i + 1));
    }
    return {
      node: v.get('node') ?? '',
      python: v.get('python') ?? '/usr/bin/python3',
      hasSelinux: v.get('selinux') === '1',
      hasSemanage: v.get('semanage') === '1',
      hasSeobject: v.get('seobject') === '1',
      ...(v.has('enabled') ? { enabled: v.get('enabled') === '1' } : {}),
    };
  },
};

/** AnsibleModule's missing_required_lib message. */
export function missingRequiredLib(library: string, p: Pick<SelinuxProbe, 'node' | 'python'>): string {
  return (
    `Failed to import the required Python library (${library}) on ${p.node}'s Python ${p.python}.` +
    ' Please read the module documentation and install it in the appropriate location.' +
    ' If the required library is installed, but Ansible is using the wrong Python interpreter,' +
    ' please consult the documentation on ansible_python_interpreter'
  );
}

const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });

const NOT_YET = (what: string) =>
  `tsplay's ${what} does not change SELinux hosts yet (it answers as the module only where SELinux is absent or disabled): use ansible-core for this host`;

const sebooleanArgs = z.strictObject({ name: str, state: bool, persistent: bool.optional(), ignore_selinux_state: bool.optional() });
export type SebooleanArgs = z.infer<typeof sebooleanArgs>;

export function planSeboolean(a: SebooleanArgs, p: SelinuxProbe): Plan {
  if (!p.hasSelinux) return fail(missingRequiredLib('libselinux-python', p));
  if (!p.hasSemanage) return fail(missingRequiredLib('libsemanage-python or python3-libsemanage', p));
  if (!(a.ignore_selinux_state === true || p.enabled)) return fail('SELinux is disabled on this host.');
  return fail(NOT_YET('seboolean'));
}

export const sebooleanModule = defineModule<SebooleanArgs>({
  name: 'seboolean',
  aliases: ['ansible.posix.seboolean'],
  description: 'SELinux booleans (ansible.posix.seboolean): the module’s answers on hosts without SELinux; SELinux hosts not yet',
  args: sebooleanArgs,
  probes: () => [probe],
  plan: (a, ctx) => planSeboolean(a, ctx.probed['selinux'] as SelinuxProbe),
  returns: { name: 'the boolean', state: 'its value asked for', persistent: 'whether it was made persistent' },
});

const selinuxArgs = z
  .strictObject({
    policy: str.optional(),
    state: z.enum(['enforcing', 'permissive', 'disabled']),
    configfile: str.optional(),
    conf: str.optional(),
    file: str.optional(),
    update_kernel_param: bool.optional(),
  })
  .superRefine((a, ctx) => {
    const given = (['configfile', 'conf', 'file'] as const).filter((k) => a[k] !== undefined);
    if (given.length > 1) ctx.addIssue({ code: 'custom', message: `only one of configfile and its aliases conf, file may be given (got ${given.join(', ')})` });
  });
export type SelinuxArgs = z.infer<typeof selinuxArgs>;

export function planSelinux(_a: SelinuxArgs, p: SelinuxProbe): Plan {
  if (!p.hasSelinux) return fail(missingRequiredLib('libselinux-python', p));
  return fail(NOT_YET('selinux'));
}

export const selinuxModule = defineModule<SelinuxArgs>({
  name: 'selinux',
  aliases: ['ansible.posix.selinux'],
  description: 'SELinux state and policy (ansible.posix.selinux): the module’s answer on hosts without SELinux; SELinux hosts not yet',
  args: selinuxArgs,
  probes: () => [probe],
  plan: (a, ctx) => planSelinux(a, ctx.probed['selinux'] as SelinuxProbe),
  returns: { msg: 'what changed', policy: 'the policy', state: 'the state asked for', configfile: 'the config file', reboot_required: 'whether a reboot is needed' },
});

const seportArgs = z.strictObject({
  ports: strList.describe('ports or port ranges (a list, or comma-separated text)'),
  proto: z.enum(['tcp', 'udp']).describe('the protocol'),
  setype: str.describe('the SELinux type for the ports'),
  state: z.enum(['absent', 'present']).default('present'),
  reload: bool.default(true),
  local: bool.default(false),
  ignore_selinux_state: bool.default(false),
});
export type SeportArgs = z.infer<typeof seportArgs>;

export function planSeport(a: SeportArgs, p: SelinuxProbe): Plan {
  if (!p.hasSelinux) return fail(missingRequiredLib('libselinux-python', p));
  if (!p.hasSeobject) return fail(missingRequiredLib('policycoreutils-python', p));
  if (!(a.ignore_selinux_state || p.enabled)) return fail('SELinux is disabled on this host.');
  return fail(NOT_YET('seport'));
}

export const seportModule = defineModule<SeportArgs>({
  name: 'seport',
  aliases: ['community.general.seport'],
  description: 'SELinux network port types (community.general.seport): the module’s answers on hosts without SELinux; SELinux hosts not yet',
  args: seportArgs,
  probes: () => [probe],
  plan: (a, ctx) => planSeport(a, ctx.probed['selinux'] as SelinuxProbe),
  returns: { ports: 'the ports', proto: 'the protocol', setype: 'the type', state: 'the state asked for' },
});
