/** `set_fact`: set host variables for the rest of the run (`cacheable` is accepted and ignored). */
import { z } from 'zod';
import { isAnsibleIdentifier } from '../../config/identifier.js';
import { isPossiblyTemplate } from '../../template/ansible.js';
import { defineModule } from '../types.js';

/** ansible's set_fact message for a name that is no identifier. */
const invalidName = (k: string): string =>
  `The variable name '${k}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores.`;

export const setFactArgs = z.record(z.string(), z.unknown()).superRefine((a, ctx) => {
  const keys = Object.keys(a).filter((k) => k !== 'cacheable');
  if (keys.length === 0) ctx.addIssue({ code: 'custom', message: 'No key/value pairs provided, at least one is required for this action to succeed' });
  for (const k of keys) {
    // ansible's isidentifier: a Python keyword (class, None, True…) is refused too
    // a templated name is checked once rendered (plan), as the action plugin templates each key
    if (!isPossiblyTemplate(k) && !isAnsibleIdentifier(k)) {
      ctx.addIssue({
        code: 'custom',
        path: [k],
        message: invalidName(k),
      });
    }
  }
});
export type SetFactArgs = z.infer<typeof setFactArgs>;

export const setFactModule = defineModule<SetFactArgs>({
  name: 'set_fact',
  description: 'Set variables on the host for the rest of the run.',
  args: setFactArgs,
  local: true,
  plan(args, ctx) {
    const facts: Record<string, unknown> = {};
    for (const [k0, v] of Object.entries(args)) {
      if (k0 === 'cacheable') continue;
      // ansible's set_fact action templates each key (`"{{ item.key }}": …` under with_dict)
      const k = isPossiblyTemplate(k0) ? ctx.renderTemplate(k0) : k0;
      if (!isAnsibleIdentifier(k)) {
        const msg = invalidName(k);
        return { changed: false, commands: [], failed: msg, result: { msg } };
      }
      // ansible-core's set_fact (jinja2_native off): a string value true/false/yes/no becomes a bool
      facts[k] = typeof v === 'string' && /^(true|false|yes|no)$/i.test(v) ? /^(true|yes)$/i.test(v) : v;
    }
    return { changed: false, commands: [], setFacts: facts, result: { ansible_facts: facts } };
  },
});
