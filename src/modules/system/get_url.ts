/**
 * `get_url`: download a URL to a file on the host with curl (on the target), verify a checksum,
 * move it into place atomically. Idempotent: an existing file whose checksum matches (or, without
 * checksum and force, any existing file) is left alone.
 */
import { z } from 'zod';
import { quote, raw, Shell } from '../../commands/quote.js';
import type { ShellCommand } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { defineModule, type Outcome, type Probe } from '../types.js';
import { bool, idArg, int, octalMode, str, withAliases } from './args.js';
import { curlConfig, headerEntries, headersArg, redactUrl } from './curl.js';

const ALGOS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
type Algo = (typeof ALGOS)[number];

export const getUrlArgs = withAliases(
  { dst: 'dest', username: 'url_username', password: 'url_password' },
  z.strictObject({
    url: str.refine((u) => /^(https?|ftp|file):\/\//i.test(u), { message: 'url must start with http://, https://, ftp:// or file://' }),
    dest: str.refine((d) => d !== '', { message: 'dest cannot be empty' }),
    checksum: str.optional(),
    mode: octalMode.optional(),
    owner: idArg.optional(),
    group: idArg.optional(),
    force: bool.optional(),
    headers: headersArg(z),
    timeout: int.optional(),
    validate_certs: bool.optional(),
    url_username: str.optional(),
    url_password: str.optional(),
    force_basic_auth: bool.optional(),
  }),
);
export type GetUrlArgs = z.infer<typeof getUrlArgs>;

/** "sha256:ABC..." → algorithm and lowercase hex, or an error message. */
export function parseChecksum(c: string): { algo: Algo; hex: string } | string {
  const i = c.indexOf(':');
  if (i < 0) return 'The checksum parameter has to be in format <algorithm>:<checksum>';
  const algo = c.slice(0, i).toLowerCase();
  const value = c.slice(i + 1);
  if (/^(https?|ftp|file):\/\//i.test(value)) return 'checksum URLs are not supported by tsplay; give the checksum itself (sha256:<hex>)';
  if (!(ALGOS as readonly string[]).includes(algo)) return `Unsupported hash algorithm '${algo}' (use one of ${ALGOS.join(', ')})`;
  const hex = value.replace(/[^\p{L}\p{N}_]+/gu, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex)) return 'The checksum format is invalid';
  return { algo: algo as Algo, hex };
}

function urlBasename(url: string): string {
  const path = url.replace(/[?#].*$/, '').replace(/^[a-z]+:\/\/[^/]*/i, '');
  const base = decodeURIComponent(path.split('/').filter(Boolean).pop() ?? '');
  return base === '' || base === '.' || base === '..' ? 'index.html' : base;
}

export interface DestState {
  kind: 'none' | 'file' | 'dir';
  /** The file looked at: dest, or dest/<url basename> when dest is a directory. */
  path: string;
  exists: boolean;
  sum?: string;
  mode?: string;
  owner?: string;
  group?: string;
  uid?: string;
  gid?: string;
}

function destProbe(a: GetUrlArgs, algo: Algo | undefined): Probe {
  const base = urlBasename(a.url);
  const sum = algo ? `echo "sum=$(${algo}sum < "$f" | cut -d' ' -f1)"; ` : '';
  const script =
    `d=${quote(a.dest)}; f="$d"; k=file; if [ -d "$d" ]; then k=dir; f="\${d%/}"/${quote(base)}; fi; echo "kind=$k"; printf 'path=%s\\n' "$f"; ` +
    `if [ -f "$f" ]; then echo exists=1; ${sum}stat -c 'attrs=%a %U %G %u %g' -- "$f"; else echo exists=0; fi`;
  return {
    key: 'dest',
    cmd: raw(script),
    parse(r: RunResult): DestState {
      const get = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(r.stdout)?.[1];
      const attrs = get('attrs')?.split(' ');
      const exists = get('exists') === '1';
      return {
        kind: (get('kind') as 'file' | 'dir' | undefined) === 'dir' ? 'dir' : exists ? 'file' : 'none',
        path: get('path') ?? a.dest,
        exists,
        sum: get('sum') || undefined,
        mode: attrs?.[0]?.padStart(4, '0'),
        owner: attrs?.[1],
        group: attrs?.[2],
        uid: attrs?.[3],
        gid: attrs?.[4],
      };
    },
  };
}

function attrCommands(a: GetUrlArgs, st: DestState | undefined, target: string): ShellCommand[] {
  const cmds: ShellCommand[] = [];
  const f = quote(target);
  if (a.mode && st?.mode !== a.mode) cmds.push({ kind: 'shell', cmd: new Shell(`chmod ${a.mode} -- ${f}`), describe: `chmod ${a.mode} ${target}` });
  if (a.owner && st?.owner !== a.owner && st?.uid !== a.owner)
    cmds.push({ kind: 'shell', cmd: new Shell(`chown ${quote(a.owner)} -- ${f}`), describe: `chown ${a.owner} ${target}` });
  if (a.group && st?.group !== a.group && st?.gid !== a.group)
    cmds.push({ kind: 'shell', cmd: new Shell(`chgrp ${quote(a.group)} -- ${f}`), describe: `chgrp ${a.group} ${target}` });
  return cmds;
}

/** The download script: temp file beside dest, curl (config on stdin), checksum, compare, move. */
export function downloadScript(a: GetUrlArgs, dest: string, checksum: { algo: Algo; hex: string } | undefined): Shell {
  const timeout = a.timeout ?? 10;
  const curl = [
    'curl -sS -L --max-redirs 20 -K - -o "$t" -w \'%{http_code}\'',
    `--connect-timeout ${timeout} --speed-limit 1 --speed-time ${timeout}`,
    a.validate_certs === false ? '-k' : '',
  ]
    .filter(Boolean)
    .join(' ');
  let s = `d=${quote(dest)}; dir=$(dirname -- "$d"); `;
  s += `if [ ! -d "$dir" ]; then echo "tsplay:nodir=$dir"; exit 3; fi; `;
  s += `t=$(mktemp "$dir/.tsplay-get_url.XXXXXX") || exit 3; `;
  s += `code=$(${curl}); rc=$?; echo "tsplay:status=$code"; `;
  s += `case "$code" in [45]??) rc=22;; esac; `;
  s += `if [ "$rc" -ne 0 ]; then rm -f -- "$t"; echo "tsplay:curl_rc=$rc"; exit 4; fi; `;
  if (checksum) {
    s += `s=$(${checksum.algo}sum < "$t" | cut -d' ' -f1); `;
    s += `if [ "$s" != ${quote(checksum.hex)} ]; then rm -f -- "$t"; echo "tsplay:sum=$s"; exit 5; fi; `;
  }
  s += `n=$(sha1sum < "$t" | cut -d' ' -f1); echo "tsplay:sha1=$n"; `;
  s += `if [ -f "$d" ] && [ "$(sha1sum < "$d" | cut -d' ' -f1)" = "$n" ]; then rm -f -- "$t"; echo tsplay:unchanged; else `;
  // Keep an existing file's mode; a new file gets 0666 minus umask like Ansible (mktemp made it 0600).
  s += `if [ -e "$d" ]; then chmod "$(stat -c %a -- "$d")" -- "$t"; chown "$(stat -c %u:%g -- "$d")" -- "$t" 2>/dev/null; else chmod "$(printf '%o' $((0666 & ~$(umask))))" -- "$t"; fi; `;
  s += `mv -f -- "$t" "$d" || { rm -f -- "$t"; exit 6; }; echo tsplay:moved; fi; `;
  s += `echo "tsplay:size=$(wc -c < "$d")"`;
  return new Shell(s);
}

function curlStdin(a: GetUrlArgs): string {
  const entries: Array<[string, string]> = [['url', a.url], ...headerEntries(a.headers)];
  if (a.url_username !== undefined) entries.push(['user', `${a.url_username}:${a.url_password ?? ''}`]);
  return curlConfig(entries);
}

export function interpretDownload(a: GetUrlArgs, dest: string, attrCount: number, outputs: RunResult[], checksumHex?: string): Outcome {
  const r = outputs[0];
  const url = redactUrl(a.url);
  const base: Record<string, unknown> = { dest, url, state: 'file' };
  if (!r) return { changed: false, failed: 'the download did not run', result: base };
  const get = (k: string) => new RegExp(`^tsplay:${k}=(.*)$`, 'm').exec(r.stdout)?.[1];
  const status = Number(get('status') ?? 0) || -1;
  base.status_code = status;
  if (r.rc === 3) {
    const msg = get('nodir') !== undefined ? `Destination ${get('nodir')} does not exist` : `Could not create a temporary file beside ${dest}: ${r.stderr.trim()}`;
    return { changed: false, failed: msg, msg, result: { ...base, msg } };
  }
  if (r.rc === 4) {
    const msg = 'Request failed';
    const response = r.stderr.trim() || (status > 0 ? `HTTP Error ${status}` : 'no response');
    return { changed: false, failed: `${msg}: ${response}`, msg, result: { ...base, msg, response } };
  }
  if (r.rc === 5) {
    const msg = `The checksum for ${dest} did not match ${checksumHex}; it was ${get('sum')}.`;
    return { changed: false, failed: msg, msg, result: { ...base, msg } };
  }
  if (r.rc !== 0) {
    const msg = `failed to copy the download to ${dest}: ${r.stderr.trim() || `rc ${r.rc}`}`;
    return { changed: false, failed: msg, msg, result: { ...base, msg } };
  }
  for (let i = 1; i < outputs.length; i++) {
    const o = outputs[i]!;
    if (o.rc !== 0) {
      const msg = `failed to set attributes on ${dest}: ${o.stderr.trim()}`;
      return { changed: true, failed: msg, msg, result: { ...base, msg } };
    }
  }
  const moved = /^tsplay:moved$/m.test(r.stdout);
  const size = Number(get('size') ?? 0);
  const changed = moved || attrCount > 0;
  return {
    changed,
    msg: `OK (${size} bytes)`,
    result: { ...base, changed, msg: `OK (${size} bytes)`, checksum_src: get('sha1'), size, mode: a.mode, owner: a.owner, group: a.group },
  };
}

export const getUrlModule = defineModule<GetUrlArgs>({
  name: 'get_url',
  description: 'Download a file from a URL onto the host (curl on the target), with checksum, mode, owner and group.',
  args: getUrlArgs,
  probes(a) {
    const c = a.checksum ? parseChecksum(a.checksum) : undefined;
    return [destProbe(a, typeof c === 'object' ? c.algo : undefined)];
  },
  plan(a, ctx) {
    const c = a.checksum ? parseChecksum(a.checksum) : undefined;
    if (typeof c === 'string') return { changed: false, commands: [], failed: c, result: { msg: c, dest: a.dest, url: redactUrl(a.url) } };
    const st = ctx.probed.dest as DestState;
    const dest = st.path;
    const url = redactUrl(a.url);
    if (st.exists && !a.force && (c === undefined || st.sum === c.hex)) {
      const cmds = attrCommands(a, st, dest);
      const msg = cmds.length ? 'file already exists but file attributes changed' : 'file already exists';
      return { changed: cmds.length > 0, commands: cmds, msg, result: { dest, url, msg, state: 'file', checksum_dest: st.sum } };
    }
    // The script gives a replaced file the old file's mode and owner, so attributes compare with the probe.
    const attrs = attrCommands(a, st.exists ? st : undefined, dest);
    const download: ShellCommand = {
      kind: 'shell',
      cmd: downloadScript(a, dest, c),
      stdin: curlStdin(a),
      mayFail: true,
      describe: `download ${url} to ${dest}`,
      timeoutMs: ((a.timeout ?? 10) * 6 + 600) * 1000,
    };
    return {
      changed: true,
      commands: [download, ...attrs],
      result: { dest, url },
      interpret: (outputs) => interpretDownload(a, dest, attrs.length, outputs, c?.hex),
    };
  },
});
