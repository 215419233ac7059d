/** `set_fact`: set host variables for the rest of the run (`cacheable` is accepted and ignored). */
import { z } from 'zod';
import { isAnsibleIdentifier } from '../../config/identifier.js';
import { defineModule } from '../types.js';

export const setFactArgs = z.record(z.string(), z.unknown()).superRefine((a, ctx) => {
  const keys = Object.keys(a).filter((k) => k !== 'cacheable');
  if (keys.length === 0) ctx.addIssue({ code: 'custom', message: 'No key/value pairs provided, at least one is required for this action to succeed' });
  for (const k of keys) {
    // ansible's isidentifier: a Python keyword (class, None, True…) is refused too
    if (!isAnsibleIdentifier(k)) {
      ctx.addIssue({
        code: 'custom',
        path: [k],
        message: `The variable name '${k}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores.`,
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
  plan(args) {
    const facts: Record<string, unknown> = {};
    // ansible-core's set_fact (jinja2_native off): a string value true/false/yes/no becomes a bool
    for (const [k, v] of Object.entries(args)) if (k !== 'cacheable') facts[k] = typeof v === 'string' && /^(true|false|yes|no)$/i.test(v) ? /^(true|yes)$/i.test(v) : v;
    return { changed: false, commands: [], setFacts: facts, result: { ansible_facts: facts } };
  },
});
