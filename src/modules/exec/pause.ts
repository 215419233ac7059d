/**
 * `pause`: wait a number of seconds or minutes (ansible-core 2.14's action/pause.py). tsplay never
 * reads the terminal, so a pause without a duration behaves as Ansible's does when stdin is not
 * interactive: it warns and goes on. Runs once for the play's hosts (Ansible's BYPASS_HOST_LOOP).
 */
import { z } from 'zod';
import { bool, str } from '../system/args.js';
import { pyTime } from '../system/command.js';
import { defineModule } from '../types.js';

/** Python's int() of an int or a float (Ansible keeps `seconds: 1.5` working by truncating). */
const pyInt = z.preprocess((v) => {
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return Number.parseInt(v, 10);
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  return v;
}, z.number().int());

export const pauseArgs = z
  .strictObject({ echo: bool.optional(), minutes: pyInt.optional(), seconds: pyInt.optional(), prompt: str.optional() })
  .refine((a) => a.minutes === undefined || a.seconds === undefined, { message: 'parameters are mutually exclusive: minutes|seconds' });
export type PauseArgs = z.infer<typeof pauseArgs>;

/** Python's round(x, 2) printed as a float ("2.0", "0.02"). */
function pyFloat(x: number): string {
  const r = Math.round(x * 100) / 100;
  return Number.isInteger(r) ? `${r}.0` : String(r);
}

export const pauseModule = defineModule<PauseArgs>({
  name: 'pause',
  description: 'Pause the play for a number of seconds or minutes (a prompt is not answered: tsplay does not read the terminal).',
  args: pauseArgs,
  local: true,
  bypassHostLoop: true,
  plan(a) {
    const echo = a.echo ?? true;
    const unit = a.minutes !== undefined ? 'minutes' : 'seconds';
    let seconds = a.minutes !== undefined ? a.minutes * 60 : a.seconds;
    if (seconds !== undefined && seconds < 1) seconds = 1;
    const start = new Date();
    return {
      changed: false,
      commands: [],
      waitMs: seconds !== undefined ? seconds * 1000 : 0,
      warnings: seconds === undefined ? ['Not waiting for response to prompt as stdin is not interactive'] : undefined,
      interpret: () => {
        const stop = new Date();
        const duration = (stop.getTime() - start.getTime()) / 1000;
        return {
          changed: false,
          result: {
            rc: 0,
            stderr: '',
            stdout: `Paused for ${pyFloat(unit === 'minutes' ? duration / 60 : duration)} ${unit}`,
            start: pyTime(start),
            stop: pyTime(stop),
            delta: Math.trunc(duration),
            echo,
            user_input: '',
          },
        };
      },
    };
  },
});
