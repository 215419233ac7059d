/** `debug`: print a message or a variable's value. */
import { z } from 'zod';
import { defineModule } from '../types.js';
import { int } from './args.js';

export const debugArgs = z
  .strictObject({ msg: z.unknown().optional(), var: z.string().optional(), verbosity: int.optional() })
  .refine((a) => !(a.msg !== undefined && a.var !== undefined), { message: "'msg' and 'var' are incompatible options" });
export type DebugArgs = z.infer<typeof debugArgs>;

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

export const debugModule = defineModule<DebugArgs>({
  name: 'debug',
  description: 'Print a message (`msg`) or the value of an expression (`var`).',
  args: debugArgs,
  local: true,
  plan(args, ctx) {
    const verbosity = args.verbosity ?? 0;
    const current = Number(ctx.vars.ansible_verbosity ?? 0);
    if (verbosity > current) {
      // Ansible reports this as skipped; the contract has no "skipped" plan, so the result says so.
      return { changed: false, commands: [], result: { skipped: true, skipped_reason: 'Verbosity threshold not met.' } };
    }
    if (args.var !== undefined) {
      let value: unknown;
      try {
        value = ctx.evaluateValue(args.var);
      } catch {
        value = undefined;
      }
      if (value === undefined) value = 'VARIABLE IS NOT DEFINED!';
      return { changed: false, commands: [], msg: `${args.var}: ${show(value)}`, result: { [args.var]: value } };
    }
    const msg = args.msg ?? 'Hello world!';
    return { changed: false, commands: [], msg: show(msg), result: { msg } };
  },
});
