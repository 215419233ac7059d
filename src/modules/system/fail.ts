/** `fail`: stop the host with a message. */
import { z } from 'zod';
import { defineModule } from '../types.js';

export const failArgs = z.strictObject({ msg: z.unknown().optional() });
export type FailArgs = z.infer<typeof failArgs>;

export const failModule = defineModule<FailArgs>({
  name: 'fail',
  description: 'Fail the host with a custom message.',
  args: failArgs,
  local: true,
  plan(args) {
    const msg = args.msg ?? 'Failed as requested from task';
    return { changed: false, commands: [], failed: typeof msg === 'string' ? msg : JSON.stringify(msg), result: { msg } };
  },
});
