/**
 * `fetch` (ansible.builtin.fetch): copy a file from the host to the controller, as ansible-core 2.14's
 * action does. One probe reads the file (its bytes as base64, or why it cannot be read); the plan
 * compares their sha1 with the controller's copy and asks the engine to write it there
 * (`controller-write`): nothing is written on the host.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { quote, raw } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { defineModule, type Outcome, type Plan, type PlanContext, type Probe } from '../types.js';
import { bool } from './common.js';
import { parseSlurp, type SlurpRead } from './slurp.js';

const schema = z
  .object({
    src: z.string().optional(),
    dest: z.string().optional(),
    flat: bool.optional(),
    fail_on_missing: bool.optional(),
    validate_checksum: bool.optional(),
  })
  .strict();

export type FetchArgs = z.infer<typeof schema>;

/** The probe's answer: the source path after ~ expansion, and the read. */
export interface FetchRead {
  source: string;
  read: SlurpRead;
}

/** The remote path with a leading ~ or ~user expanded on the host (Ansible's _remote_expand_user); the rest stays literal. */
function sourceShell(src: string): string {
  const m = /^~([^/]*)(.*)$/s.exec(src);
  if (!m) return `p=${quote(src)}`;
  const [, user, rest] = m;
  const home = user === '' ? 'h=${HOME:-}' : `h=$(getent passwd ${quote(user!)} 2>/dev/null | head -n 1 | cut -d: -f6)`;
  return `${home}; if [ -n "$h" ]; then p="$h"${rest ? quote(rest) : ''}; else p=${quote(src)}; fi`;
}

/** One read-only round trip: the expanded path (base64) and then slurp's read of it. */
export function fetchProbe(src: string): Probe {
  const read =
    'if [ -d "$p" ]; then echo EISDIR; elif [ ! -e "$p" ]; then echo ENOENT; elif [ ! -r "$p" ]; then echo EACCES; else base64 < "$p" 2>/dev/null && echo OK || { echo; echo OTHER; }; fi';
  return {
    key: 'fetch',
    cmd: raw(`${sourceShell(src)}; printf 'P%s\\n' "$(printf '%s' "$p" | base64 | tr -d '\\n')"; ${read}`),
    parse: (r: RunResult): FetchRead => {
      const nl = r.stdout.indexOf('\n');
      const first = nl < 0 ? r.stdout : r.stdout.slice(0, nl);
      const source = first.startsWith('P') ? Buffer.from(first.slice(1), 'base64').toString('utf8') : src;
      return { source, read: parseSlurp(nl < 0 ? '' : r.stdout.slice(nl + 1)) };
    },
  };
}

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** Python's os.path.basename. */
function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Python's os.path.normpath (POSIX). */
export function normpath(p: string): string {
  if (p === '') return '.';
  const lead = p.startsWith('//') && !p.startsWith('///') ? '//' : p.startsWith('/') ? '/' : '';
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..' || (!lead && out.length === 0) || out[out.length - 1] === '..') out.push(part);
    else if (out.length) out.pop();
  }
  return lead + out.join('/') || '.';
}

/** Python's errno text for a controller write that failed (`<step> <code>` from the engine). */
const ERRNO: Record<string, string> = {
  EISDIR: '[Errno 21] Is a directory',
  EACCES: '[Errno 13] Permission denied',
  ENOTDIR: '[Errno 20] Not a directory',
  EEXIST: '[Errno 17] File exists',
  ENOENT: '[Errno 2] No such file or directory',
  ENOSPC: '[Errno 28] No space left on device',
  EROFS: '[Errno 30] Read-only file system',
};

function errnoText(code: string, path: string, fallback: string): string {
  const t = ERRNO[code];
  return t ? `${t}: '${path}'` : fallback;
}

/** Plan fetch from the probe's read and the controller's copy. */
export function planFetch(a: FetchArgs, ctx: PlanContext): Plan {
  if (ctx.check) {
    const msg = 'check mode not (yet) supported for this module';
    return { changed: false, commands: [], msg, result: { changed: false, skipped: true, msg } };
  }
  const fail = (msg: string, result: Record<string, unknown> = {}): Plan => ({ changed: false, commands: [], failed: msg, result: { changed: false, ...result, msg } });
  if (a.src === undefined || a.dest === undefined) return fail('src and dest are required');
  const failOnMissing = a.fail_on_missing ?? true;
  const { source, read } = ctx.probed['fetch'] as FetchRead;
  const ok = (result: Record<string, unknown>): Plan => ({
    changed: false,
    commands: [],
    result: { changed: false, ...result },
    ...(typeof result.msg === 'string' ? { msg: result.msg } : {}),
  });
  if (!read.ok) {
    if (read.error === 'EISDIR') {
      const msg = 'remote file is a directory, fetch cannot work on directories';
      // Ansible drops changed/failed here when fail_on_missing is off: the task is ok.
      return failOnMissing ? fail(msg) : ok({ msg: `${msg}, not transferring, ignored` });
    }
    const slurpMsg = read.error === 'ENOENT' ? `file not found: ${source}` : read.error === 'EACCES' ? `file is not readable: ${source}` : `unable to slurp file: ${read.detail}`;
    // the action rewrites slurp's "not found" message, whether it fails or not
    const msg = read.error === 'ENOENT' ? 'the remote file does not exist, not transferring, ignored' : slurpMsg;
    if (failOnMissing) return fail(msg);
    return ok({ file: source, ...(read.error === 'ENOENT' ? { msg } : {}) });
  }
  const dwim = ctx.controllerDwim;
  const inspect = ctx.inspectControllerPath;
  if (!dwim || !inspect) return fail('fetch needs the engine’s controller access (controllerDwim, inspectControllerPath)');
  let dest: string;
  if (a.flat) {
    dest = a.dest;
    if (inspect(dest).kind === 'dir' && !dest.endsWith('/')) return fail('dest is an existing directory, use a trailing slash if you want to fetch src into that directory');
    if (dest.endsWith('/')) dest = `${dest}${basename(source)}`;
    if (!dest.startsWith('/')) dest = dwim(dest);
  } else {
    dest = `${dwim(a.dest)}/${ctx.host}/${source}`;
  }
  dest = normpath(dest);
  const remoteChecksum = sha1(read.content);
  const local = inspect(dest);
  if (local.kind === 'file' && sha1(local.content) === remoteChecksum) {
    return ok({ md5sum: md5(local.content), file: source, dest, checksum: remoteChecksum });
  }
  const interpret = (outputs: RunResult[]): Outcome => {
    const r = outputs[0];
    if (r?.rc !== 0) {
      const [step, code] = (r?.stdout ?? 'write EIO').split(' ');
      const detail = errnoText(code ?? '', step === 'mkdir' ? dest.slice(0, dest.lastIndexOf('/')) : dest, r?.stderr ?? 'not written');
      const msg = step === 'mkdir' ? `Unable to create local directories(${dest.slice(0, dest.lastIndexOf('/'))}): ${detail}` : `Failed to fetch the file: ${detail}`;
      return { changed: false, failed: msg, result: { msg } };
    }
    return { changed: true, result: { md5sum: md5(read.content), dest, remote_md5sum: null, checksum: remoteChecksum, remote_checksum: remoteChecksum } };
  };
  return {
    changed: true,
    commands: [{ kind: 'controller-write', path: dest, content: read.content, describe: `fetch ${source} to ${dest}` }],
    interpret,
  };
}

export const fetch = defineModule<FetchArgs>({
  name: 'fetch',
  factsFree: true,
  description: 'Copy a file from the host to the controller, under dest/<inventory_hostname>/<src> (or dest itself with flat)',
  args: schema,
  // check mode skips the task before anything is read, as ansible-core's action
  probes: (a, ctx) => (ctx.check || a.src === undefined ? [] : [fetchProbe(a.src)]),
  plan: planFetch,
  returns: {
    dest: 'the controller path written (or already equal)',
    file: 'the source path, when nothing was written',
    checksum: "sha1 of the controller's copy",
    remote_checksum: "sha1 of the host's file (when written)",
    md5sum: "md5 of the controller's copy",
    remote_md5sum: 'always null (as Ansible)',
  },
});
