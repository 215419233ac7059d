/** `shell`: run a script through `/bin/sh -c` (or `executable`) on the host, like Ansible. */
import { defineModule } from '../types.js';
import { commandModule, guardProbe, planRun, runSpec, shellArgs, type ShellArgs } from './command.js';

export const shellModule = defineModule<ShellArgs>({
  name: 'shell',
  factsFree: true,
  description: 'Run a script through /bin/sh -c (or `executable`) on the host.',
  args: shellArgs,
  freeForm: '_raw_params',
  returns: commandModule.returns,
  probes(args) {
    const spec = runSpec(args, true);
    const p = typeof spec === 'string' ? undefined : guardProbe(spec);
    return p ? [p] : [];
  },
  plan(args, ctx) {
    return planRun(runSpec(args, true), ctx);
  },
});
