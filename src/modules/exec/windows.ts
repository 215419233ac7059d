/**
 * Windows modules (`win_*`, `ansible.windows.*`, `community.windows.*`): tsplay manages POSIX hosts
 * only. Roles that support both often carry a Windows branch (`when: ansible_os_family ==
 * 'Windows'`) or a Windows handler; such a task loads, and fails with this message only if a host
 * really reaches it — the rest of the role runs on Linux as it does with ansible-core.
 */
import { z } from 'zod';
import { defineModule } from '../types.js';

const WINDOWS_NAME = /^(?:(?:ansible|community)\.windows\.)?win_[a-z0-9_]+$/;

/** Is this a Windows module name? */
export function isWindowsModule(name: string): boolean {
  return WINDOWS_NAME.test(name);
}

export const windowsModule = defineModule<Record<string, unknown>>({
  name: 'win_*',
  description: 'Windows modules: accepted in a playbook, refused on any host that reaches them (tsplay manages POSIX hosts).',
  args: z.record(z.string(), z.unknown()),
  plan() {
    return {
      changed: false,
      commands: [],
      failed:
        'this is a Windows module: tsplay manages Linux and other POSIX hosts only (the task runs nowhere; guard it with `when: ansible_os_family == "Windows"` or remove it)',
    };
  },
});
