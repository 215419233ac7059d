/**
 * `reboot` (ansible.builtin): reboot the host and wait until it is back, as ansible-core's reboot
 * action plugin does. The plan works out the commands (the boot-time command, the shutdown binary
 * found in search_paths, its arguments) and hands them to the engine as a `reboot` request: only
 * the engine can drop the host's connection and open it again (src/engine/reboot.ts runs the wait).
 * Check mode reports changed without rebooting, as the plugin does.
 */
import { z } from 'zod';
import { sh } from '../../commands/quote.js';
import { strRepr } from '../../template/jinja/py.js';
import { str } from '../files/common.js';
import { defineModule, type Plan } from '../types.js';

/** What the engine needs to reboot a host and see it come back (src/engine/reboot.ts). */
export interface RebootRequest {
  bootTimeCommand: string;
  rebootCommand: string;
  testCommand: string;
  /** reboot_timeout: for the boot-time check, then again for the test command. */
  rebootTimeoutS: number;
  postRebootDelayS: number;
  connectTimeoutS?: number;
}

/** type=int as Ansible converts it (a string of digits, a whole float). */
const int = z.preprocess((v) => (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : v), z.number().int());
const strList = z.preprocess((v) => (typeof v === 'string' ? v.split(',') : v), z.array(str));

export const rebootArgs = z.strictObject({
  pre_reboot_delay: int.default(0),
  post_reboot_delay: int.default(0),
  reboot_timeout: int.default(600),
  connect_timeout: int.nullish(),
  test_command: str.default('whoami'),
  msg: str.default('Reboot initiated by Ansible'),
  search_paths: strList.default(['/sbin', '/bin', '/usr/sbin', '/usr/bin', '/usr/local/sbin']),
  boot_time_command: str.default('cat /proc/sys/kernel/random/boot_id'),
  reboot_command: z.string().nullish(),
});
export type RebootArgs = z.infer<typeof rebootArgs>;

/** The shutdown program (first word of reboot_command, or the distribution's) and its arguments. */
export function shutdownCommand(a: RebootArgs, family: string): { bin: string; args: string } {
  if (a.reboot_command !== null && a.reboot_command !== undefined) {
    const i = a.reboot_command.indexOf(' ');
    return i < 0 ? { bin: a.reboot_command, args: '' } : { bin: a.reboot_command.slice(0, i), args: a.reboot_command.slice(i + 1) };
  }
  if (family === 'alpine') return { bin: 'reboot', args: '' };
  const delay = Math.max(0, a.pre_reboot_delay);
  // The plugin glues the message in double quotes; tsplay quotes it for the shell (the same words).
  return { bin: 'shutdown', args: `-r ${Math.floor(delay / 60)} ${sh`${a.msg}`.text}` };
}

/** First `<dir>/<bin>` that exists, in search_paths order (the find module the plugin runs). */
function findProbe(bin: string, paths: string[]) {
  return {
    key: 'shutdown_bin',
    cmd: sh`b=${bin}; for d in ${paths}; do case $d in */) p=$d$b ;; *) p=$d/$b ;; esac; if [ -e "$p" ] || [ -L "$p" ]; then printf '%s\\n' "$p"; break; fi; done; true`,
    parse: (r: { stdout: string }) => r.stdout.split('\n')[0] ?? '',
  };
}

export const rebootModule = defineModule<RebootArgs>({
  name: 'reboot',
  aliases: ['ansible.builtin.reboot', 'ansible.legacy.reboot'],
  description: 'Reboot the host, wait until it is back (boot time changed, test_command succeeds), as ansible-core',
  args: rebootArgs,
  probes: (a, ctx) => {
    const { bin } = shutdownCommand(a, ctx.facts.os.family);
    return ctx.check || bin.startsWith('/') ? [] : [findProbe(bin, a.search_paths)];
  },
  plan(a, ctx): Plan {
    const { bin, args } = shutdownCommand(a, ctx.facts.os.family);
    const request: Omit<RebootRequest, 'rebootCommand'> = {
      bootTimeCommand: a.boot_time_command,
      testCommand: a.test_command,
      rebootTimeoutS: a.reboot_timeout,
      postRebootDelayS: Math.max(0, a.post_reboot_delay),
      ...(a.connect_timeout ? { connectTimeoutS: a.connect_timeout } : {}),
    };
    const base: Plan = { changed: true, commands: [], result: { elapsed: 0, rebooted: true } };
    if (ctx.check) return { ...base, reboot: { ...request, rebootCommand: '' } };
    const path = bin.startsWith('/') ? bin : (ctx.probed.shutdown_bin as string);
    if (!path) {
      const msg = `Unable to find command "${bin}" in search paths: [${a.search_paths.map(strRepr).join(', ')}]`;
      return { changed: false, commands: [], failed: msg, result: { msg }, reboot: { ...request, rebootCommand: '' } };
    }
    return { ...base, reboot: { ...request, rebootCommand: `${path} ${args}` } };
  },
  returns: { rebooted: 'true once the host rebooted (also on a timeout waiting for it)', elapsed: 'seconds from the reboot command to the host being back' },
});
