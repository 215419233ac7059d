import { z } from 'zod';
import { posix } from 'node:path';
import { raw, sh } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { defineModule, type Outcome, type Plan } from '../types.js';
import { str } from './common.js';

const schema = z
  .object({
    state: z.enum(['file', 'directory']).default('file'),
    path: z.string().min(1).optional(),
    prefix: str.default('ansible.'),
    suffix: str.default(''),
  })
  .strict();

export type TempfileArgs = z.infer<typeof schema>;

const MARK = 'tsplay-tempfile=';

/**
 * Shell that makes the file or directory as Python's mkstemp/mkdtemp do: in `path` or the first usable
 * of $TMPDIR, $TEMP, $TMP, /tmp, /var/tmp, /usr/tmp (tempfile.gettempdir), named prefix + 8 of
 * [a-z0-9_] + suffix, created exclusively with mode 0600 (file) or 0700 (directory), retried on a
 * name that exists; a failure reports Python's errno text for the name tried.
 */
export function tempfileCommand(a: TempfileArgs): string {
  const dir =
    a.path !== undefined
      ? sh`d=${a.path};`
      : raw('d=; for c in "$TMPDIR" "$TEMP" "$TMP" /tmp /var/tmp /usr/tmp "$PWD"; do if [ -n "$c" ] && [ -d "$c" ] && [ -w "$c" ]; then d=$c; break; fi; done;');
  const make = a.state === 'file' ? raw('(umask 077; set -C; : > "$p") 2>/dev/null') : raw('(umask 077; mkdir -- "$p") 2>/dev/null');
  const stat = raw(`printf '${MARK}%s\\n' "$p"; stat -c '%u %g %U %G %a %s' -- "$p"; exit 0`);
  // os.path.join: no second slash after a dir that ends in one.
  return sh`${dir} case $d in */) j=;; *) j=/;; esac; i=0; while [ $i -lt 100 ]; do i=$((i+1)); n=$(LC_ALL=C tr -dc 'a-z0-9_' < /dev/urandom | head -c 8); p="$d$j"${a.prefix}"$n"${a.suffix}; [ -e "$p" ] || [ -L "$p" ] && continue; if ${make}; then ${stat}; fi; [ -e "$p" ] && continue; if [ ! -e "$d" ]; then e='[Errno 2] No such file or directory'; elif [ ! -d "$d" ]; then e='[Errno 20] Not a directory'; else e='[Errno 13] Permission denied'; fi; printf "%s: '%s'\\n" "$e" "$p" >&2; exit 1; done; echo '[Errno 17] No usable temporary file name found' >&2; exit 1`
    .text;
}

/** The created path and its stat fields (exit_json's add_path_info) from tempfileCommand's output. */
export function tempfileOutcome(a: TempfileArgs, r: RunResult | undefined): Outcome {
  const out = r?.stdout.split('\n') ?? [];
  const at = out.findIndex((l) => l.startsWith(MARK));
  if (r?.rc !== 0 || at < 0) {
    const msg = r?.stderr.trim() || 'tempfile: the file could not be created';
    return { changed: false, failed: msg, result: { msg } };
  }
  let path = out[at]!.slice(MARK.length);
  // mkstemp returns os.path.abspath of the name; mkdtemp (Python 3.11) the name as joined.
  if (a.state === 'file' && path.startsWith('/')) path = posix.normalize(path);
  const [uid, gid, owner, group, mode, size] = (out[at + 1] ?? '').split(' ');
  return {
    changed: true,
    result: {
      changed: true,
      path,
      uid: Number(uid),
      gid: Number(gid),
      owner,
      group,
      mode: `0${parseInt(mode ?? '0', 8)
        .toString(8)
        .padStart(3, '0')}`,
      state: a.state,
      size: Number(size),
    },
  };
}

/** Plan tempfile: one command; tempfile does not support check mode, so that run is skipped as Ansible's is. */
export function planTempfile(a: TempfileArgs, check: boolean): Plan {
  if (check) {
    const msg = 'remote module (tempfile) does not support check mode';
    return { changed: false, commands: [], msg, result: { changed: false, skipped: true, msg } };
  }
  return {
    changed: true,
    commands: [{ kind: 'shell', cmd: raw(tempfileCommand(a)), describe: `make a temporary ${a.state}` }],
    interpret: (outputs) => tempfileOutcome(a, outputs[0]),
  };
}

export const tempfile = defineModule<TempfileArgs>({
  name: 'tempfile',
  factsFree: true,
  description: 'Create a temporary file or directory (mode 0600/0700) and return its path, ansible.builtin.tempfile',
  args: schema as unknown as z.ZodType<TempfileArgs>,
  plan: (a, ctx) => planTempfile(a, ctx.check),
  returns: { path: 'the file or directory created', mode: 'its mode (0600 or 0700)', state: 'file or directory' },
});
