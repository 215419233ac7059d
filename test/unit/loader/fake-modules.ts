import { z } from 'zod';
import type { ModuleDef } from '../../../src/modules/types.js';
import type { ModuleLookup } from '../../../src/loader/index.js';

/**
 * A small, stable module set for loader tests (the real registry is filled by other parts of the
 * project and changes; the loader only needs names, aliases, free-form and arg schemas).
 */
const plan = () => ({ changed: false, commands: [] });
const defs: ModuleDef[] = [
  {
    name: 'command',
    freeForm: 'cmd',
    description: '',
    args: z
      .object({ cmd: z.string().optional(), argv: z.array(z.string()).optional(), chdir: z.string().optional(), creates: z.string().optional(), removes: z.string().optional() })
      .strict(),
    plan,
  },
  {
    name: 'shell',
    freeForm: 'cmd',
    description: '',
    args: z.object({ cmd: z.string(), chdir: z.string().optional(), creates: z.string().optional(), executable: z.string().optional() }).strict(),
    plan,
  },
  { name: 'debug', description: '', local: true, args: z.object({ msg: z.unknown().optional(), var: z.string().optional(), verbosity: z.number().optional() }).strict(), plan },
  {
    name: 'copy',
    description: '',
    args: z
      .object({
        dest: z.string(),
        src: z.string().optional(),
        content: z.string().optional(),
        mode: z.union([z.string(), z.number()]).optional(),
        force: z.boolean().default(true),
        backup: z.boolean().optional(),
      })
      .strict(),
    plan,
  },
  {
    name: 'lineinfile',
    description: '',
    args: z
      .object({
        path: z.string(),
        line: z.string().optional(),
        regexp: z.string().optional(),
        state: z.enum(['present', 'absent']).default('present'),
        create: z.boolean().default(false),
        insertafter: z.string().optional(),
      })
      .strict(),
    plan,
  },
  {
    name: 'service',
    aliases: ['systemd'],
    description: '',
    args: z.object({ name: z.string(), state: z.enum(['started', 'stopped', 'restarted', 'reloaded']).optional(), enabled: z.boolean().optional() }).strict(),
    plan,
  },
  {
    name: 'package',
    aliases: ['apt', 'dnf', 'yum'],
    description: '',
    args: z.object({ name: z.union([z.string(), z.array(z.string())]), state: z.enum(['present', 'absent', 'latest']).default('present') }).strict(),
    plan,
  },
  { name: 'set_fact', description: '', local: true, args: z.record(z.string(), z.unknown()), plan },
  { name: 'assert', description: '', local: true, args: z.object({ that: z.union([z.string(), z.array(z.string())]), fail_msg: z.string().optional() }).strict(), plan },
  { name: 'fail', description: '', local: true, args: z.object({ msg: z.string().optional() }).strict(), plan },
];

const byName = new Map<string, ModuleDef>();
for (const m of defs)
  for (const n of [m.name, ...(m.aliases ?? [])]) {
    byName.set(n, m);
    byName.set(`ansible.builtin.${n}`, m);
  }

export const fakeModules: ModuleLookup = {
  find: (n) => byName.get(n),
  names: () => [...byName.keys()].filter((n) => !n.startsWith('ansible.builtin.')),
};
