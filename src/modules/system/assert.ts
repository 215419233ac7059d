/** `assert`: evaluate conditions on the controller; fail with `fail_msg` when one is false. */
import { z } from 'zod';
import { defineModule } from '../types.js';
import { bool, withAliases } from './args.js';

const message = z.union([z.string(), z.array(z.string())]);

export const assertArgs = withAliases(
  { msg: 'fail_msg' },
  z.strictObject({
    that: z.union([z.string(), z.boolean(), z.array(z.union([z.string(), z.boolean()]))]),
    fail_msg: message.optional(),
    success_msg: message.optional(),
    quiet: bool.optional(),
  }),
);
export type AssertArgs = z.infer<typeof assertArgs>;

const text = (m: string | string[]) => (Array.isArray(m) ? m.join('\n') : m);

export const assertModule = defineModule<AssertArgs>({
  name: 'assert',
  description: 'Fail the host when a condition does not hold (conditions use the `when` grammar).',
  args: assertArgs,
  local: true,
  plan(args, ctx) {
    const conditions = Array.isArray(args.that) ? args.that : [args.that];
    for (const cond of conditions) {
      let ok: boolean;
      try {
        ok = typeof cond === 'boolean' ? cond : ctx.evaluate(cond);
      } catch (e) {
        const msg = `The conditional check '${String(cond)}' failed. The error was: ${e instanceof Error ? e.message : String(e)}`;
        return { changed: false, commands: [], failed: msg, result: { msg, assertion: cond, evaluated_to: false } };
      }
      if (!ok) {
        const msg = args.fail_msg ?? 'Assertion failed';
        return { changed: false, commands: [], failed: text(msg), result: { msg, assertion: cond, evaluated_to: false } };
      }
    }
    const msg = args.success_msg ?? 'All assertions passed';
    return { changed: false, commands: [], msg: args.quiet ? undefined : text(msg), result: { msg } };
  },
});
