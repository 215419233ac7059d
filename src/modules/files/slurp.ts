import { z } from 'zod';
import { sh } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { defineModule, type Plan, type Probe } from '../types.js';
import { failedPlan, probed, withAliases } from './common.js';

const schema = z.object({ src: z.string().min(1) }).strict();

export type SlurpArgs = z.infer<typeof schema>;

/** What reading the file gave: its bytes, or which of Ansible's errors open() would have raised. */
export type SlurpRead = { ok: true; content: Buffer } | { ok: false; error: 'ENOENT' | 'EACCES' | 'EISDIR' | 'OTHER'; detail: string };

/** One read-only round trip: the file's bytes as base64, or the reason it cannot be read. */
export function slurpProbe(src: string): Probe {
  return {
    key: 'slurp',
    cmd: sh`if [ -d ${src} ]; then echo EISDIR; elif [ ! -e ${src} ]; then echo ENOENT; elif [ ! -r ${src} ]; then echo EACCES; else base64 < ${src} 2>/dev/null && echo OK || { echo; echo OTHER; }; fi`,
    parse: (r: RunResult): SlurpRead => parseSlurp(r.stdout),
  };
}

/** Parse slurpProbe's output (the status word is the last line). */
export function parseSlurp(stdout: string): SlurpRead {
  const lines = stdout.split('\n').filter((l) => l !== '');
  const status = lines.pop() ?? 'OTHER';
  if (status === 'OK') return { ok: true, content: Buffer.from(lines.join(''), 'base64') };
  if (status === 'ENOENT' || status === 'EACCES' || status === 'EISDIR') return { ok: false, error: status, detail: '' };
  return { ok: false, error: 'OTHER', detail: 'read error' };
}

/** Plan slurp: nothing to run, the probe already read the file. */
export function planSlurp(a: SlurpArgs, read: SlurpRead): Plan {
  if (!read.ok) {
    const msg =
      read.error === 'ENOENT'
        ? `file not found: ${a.src}`
        : read.error === 'EACCES'
          ? `file is not readable: ${a.src}`
          : read.error === 'EISDIR'
            ? `source is a directory and must be a file: ${a.src}`
            : `unable to slurp file: ${read.detail}`;
    return failedPlan(msg);
  }
  return { changed: false, commands: [], result: { changed: false, content: read.content.toString('base64'), source: a.src, encoding: 'base64' } };
}

export const slurp = defineModule<SlurpArgs>({
  name: 'slurp',
  factsFree: true,
  description: 'Read a remote file and return its bytes as base64 (ansible.builtin.slurp)',
  args: withAliases({ path: 'src' }, schema) as unknown as z.ZodType<SlurpArgs>,
  probes: (a) => [slurpProbe(a.src)],
  plan: (a, ctx) => planSlurp(a, probed<SlurpRead>(ctx.probed, 'slurp')),
  returns: { content: "the file's bytes, base64", encoding: 'always base64', source: 'the path read' },
});
