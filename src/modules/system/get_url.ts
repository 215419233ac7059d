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
import { backupCommand, backupFileFrom, selinuxArgs } from '../files/common.js';

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
    ...selinuxArgs,
    force: bool.optional(),
    headers: headersArg(z),
    timeout: int.optional(),
    validate_certs: bool.optional(),
    url_username: str.optional(),
    url_password: str.optional(),
    force_basic_auth: bool.optional(),
    backup: bool.optional(),
    tmp_dest: str.refine((d) => d !== '', { message: 'tmp_dest cannot be empty' }).optional(),
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
  size?: number;
}

function destProbe(a: GetUrlArgs, algo: Algo | undefined): Probe {
  const base = urlBasename(a.url);
  const sum = algo ? `echo "sum=$(${algo}sum < "$f" | cut -d' ' -f1)"; ` : '';
  const script =
    `d=${quote(a.dest)}; f="$d"; k=file; if [ -d "$d" ]; then k=dir; f="\${d%/}"/${quote(base)}; fi; echo "kind=$k"; printf 'path=%s\\n' "$f"; ` +
    `if [ -f "$f" ]; then echo exists=1; ${sum}stat -c 'attrs=%a %U %G %u %g %s' -- "$f"; else echo exists=0; fi`;
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
        size: attrs?.[5] !== undefined ? Number(attrs[5]) : undefined,
      };
    },
  };
}

/** chmod/chown/chgrp lines for the download script, each printing `tsplay:attr` when it ran (only what differs). */
function attrScript(a: GetUrlArgs, st: DestState | undefined): string {
  return attrCommands(a, st, '')
    .map((c) => `${c.cmd.text.replace(/ -- ''$/, ' -- "$d"')} || exit 8; echo tsplay:attr; `)
    .join('');
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

/**
 * The download script, as ansible-core 2.14's get_url: curl (config on stdin) to a temp file (in
 * tmp_dest, else beside dest), If-Modified-Since from an existing dest's mtime unless force (then
 * `cache-control: no-cache`); 304 is ok with nothing touched; a body whose sha1 differs from dest
 * replaces it (backup first when asked), then the checksum and the attributes.
 */
export function downloadScript(a: GetUrlArgs, dest: string, checksum: { algo: Algo; hex: string } | undefined, attrs = '', force = a.force === true): Shell {
  const timeout = a.timeout ?? 10;
  const curl = [
    'curl -sS -L --max-redirs 20 -K - -o "$t" -w \'%{http_code}\'',
    `--connect-timeout ${timeout} --speed-limit 1 --speed-time ${timeout}`,
    a.validate_certs === false ? '-k' : '',
    force ? "-H 'cache-control: no-cache'" : '${ims:+-H "$ims"}',
  ]
    .filter(Boolean)
    .join(' ');
  let s = `d=${quote(dest)}; dir=$(dirname -- "$d"); `;
  s += `if [ ! -d "$dir" ]; then echo "tsplay:nodir=$dir"; exit 3; fi; `;
  if (a.tmp_dest !== undefined) {
    s += `td=${quote(a.tmp_dest)}; if [ ! -d "$td" ]; then if [ -e "$td" ]; then echo "tsplay:tmpdest=$td is a file but should be a directory."; else echo "tsplay:tmpdest=$td directory does not exist."; fi; exit 9; fi; `;
  } else s += `td="$dir"; `;
  s += `ims=; if [ -f "$d" ]; then ims="If-Modified-Since: $(LC_ALL=C date -u -r "$d" '+%a, %d %b %Y %H:%M:%S GMT')"; fi; `;
  s += `t=$(mktemp "$td/.tsplay-get_url.XXXXXX") || exit 3; echo "tsplay:src=$t"; `;
  s += `code=$(${curl} -D "$t.h"); rc=$?; echo "tsplay:status=$code"; `;
  s += `printf 'tsplay:reason=%s\\n' "$(tr -d '\\r' < "$t.h" 2>/dev/null | sed -n 's/^HTTP\\/[0-9.]* [0-9][0-9][0-9] *//p' | tail -n 1)"; rm -f -- "$t.h"; `;
  s += `if [ "$rc" -eq 0 ] && [ "$code" = 304 ]; then rm -f -- "$t"; echo tsplay:notmodified; echo "tsplay:stat=$(stat -c '%u %g %U %G %a %s' -- "$d")"; exit 0; fi; `;
  s += `case "$code" in 200) ;; *) [ "$rc" -eq 0 ] && rc=22;; esac; `;
  s += `if [ "$rc" -ne 0 ]; then rm -f -- "$t"; echo "tsplay:curl_rc=$rc"; exit 4; fi; `;
  s += `n=$(sha1sum < "$t" | cut -d' ' -f1); echo "tsplay:sha1=$n"; `;
  s += `if [ -f "$d" ]; then o=$(sha1sum < "$d" | cut -d' ' -f1); echo "tsplay:sha1_dest=$o"; else o=; fi; `;
  s += `if [ "$o" = "$n" ]; then rm -f -- "$t"; echo tsplay:unchanged; else `;
  if (a.backup) s += `if [ -e "$d" ]; then ${backupCommand(dest).cmd.text} || { rm -f -- "$t"; exit 7; }; fi; `;
  // Keep an existing file's mode; a new file gets 0666 minus umask like Ansible (mktemp made it 0600).
  s += `if [ -e "$d" ]; then chmod "$(stat -c %a -- "$d")" -- "$t"; chown "$(stat -c %u:%g -- "$d")" -- "$t" 2>/dev/null; else chmod "$(printf '%o' $((0666 & ~$(umask))))" -- "$t"; fi; `;
  s += `mv -f -- "$t" "$d" || { rm -f -- "$t"; exit 6; }; echo tsplay:moved; fi; `;
  if (checksum) {
    s += `c=$(${checksum.algo}sum < "$d" | cut -d' ' -f1); `;
    s += `if [ "$c" != ${quote(checksum.hex)} ]; then rm -f -- "$d"; echo "tsplay:sum=$c"; exit 5; fi; `;
  }
  s += attrs;
  s += `echo "tsplay:md5=$(md5sum < "$d" | cut -d' ' -f1)"; echo "tsplay:size=$(wc -c < "$d")"; echo "tsplay:stat=$(stat -c '%u %g %U %G %a %s' -- "$d")"`;
  return new Shell(s);
}

function curlStdin(a: GetUrlArgs): string {
  const entries: Array<[string, string]> = [['url', a.url], ...headerEntries(a.headers)];
  if (a.url_username !== undefined) entries.push(['user', `${a.url_username}:${a.url_password ?? ''}`]);
  return curlConfig(entries);
}

export function interpretDownload(a: GetUrlArgs, dest: string, outputs: RunResult[], checksumHex?: string): Outcome {
  const r = outputs[0];
  const url = redactUrl(a.url);
  const elapsed = r ? Math.floor(r.durationMs / 1000) : 0;
  const base: Record<string, unknown> = { changed: false, checksum_dest: null, checksum_src: null, dest, elapsed, url };
  if (!r) return { changed: false, failed: 'the download did not run', result: base };
  const get = (k: string) => new RegExp(`^tsplay:${k}=(.*)$`, 'm').exec(r.stdout)?.[1];
  const status = Number(get('status') ?? 0) || -1;
  const fail = (msg: string, extra: Record<string, unknown> = {}, changed = false): Outcome => ({ changed, failed: msg, msg, result: { ...base, ...extra, msg } });
  const statLine = get('stat')?.split(' ');
  const pathInfo: Record<string, unknown> = {};
  if (statLine && statLine.length >= 6) {
    const [uid, gid, owner, group, mode, sz] = statLine;
    Object.assign(pathInfo, { uid: Number(uid), gid: Number(gid), owner, group, mode: `0${parseInt(mode!, 8).toString(8).padStart(3, '0')}`, state: 'file', size: Number(sz) });
  }
  if (r.rc === 0 && /^tsplay:notmodified$/m.test(r.stdout)) {
    // ansible's url_get exits at once on 304: no checksum, no attributes.
    const msg = 'HTTP Error 304: Not Modified';
    return { changed: false, msg, result: { url, dest, changed: false, msg, status_code: 304, elapsed, ...pathInfo } };
  }
  if (r.rc === 3) return fail(get('nodir') !== undefined ? `Destination ${get('nodir')} does not exist` : `Could not create a temporary file beside ${dest}: ${r.stderr.trim()}`);
  if (r.rc === 9) {
    // ansible's url_get fails here with the message and elapsed only.
    const msg = get('tmpdest') ?? 'tmp_dest is not a directory';
    return { changed: false, failed: msg, msg, result: { msg, elapsed } };
  }
  if (r.rc === 4) {
    const reason = get('reason');
    if (status <= 0 || !/^\d+$/.test(String(status))) {
      const msg = `Request failed: ${r.stderr.trim() || 'no response'}`;
      return { changed: false, failed: msg, msg, result: { msg, url, dest, elapsed } };
    }
    const response = status >= 400 ? `HTTP Error ${status}: ${reason || ''}`.trim() : `OK (${reason || status})`;
    const msg = 'Request failed';
    return { changed: false, failed: msg, msg, result: { msg, status_code: status, response, url, dest, elapsed } };
  }
  base.src = get('src');
  base.checksum_src = get('sha1') ?? null;
  base.checksum_dest = get('sha1_dest') ?? null;
  const backup = backupFileFrom([r]);
  if (r.rc === 7) return fail(`failed to copy ${get('src')} to ${dest}: the backup failed: ${r.stderr.trim()}`);
  const moved = /^tsplay:moved$/m.test(r.stdout);
  if (r.rc === 5) return fail(`The checksum for ${dest} did not match ${checksumHex}; it was ${get('sum')}.`, {}, moved);
  if (r.rc === 8) return fail(`failed to set attributes on ${dest}: ${r.stderr.trim()}`, {}, true);
  if (r.rc !== 0) return fail(`failed to copy ${get('src')} to ${dest}: ${r.stderr.trim() || `rc ${r.rc}`}`);
  const changed = moved || /^tsplay:attr$/m.test(r.stdout);
  const size = Number(get('size') ?? 0);
  const msg = `OK (${size} bytes)`;
  const result: Record<string, unknown> = { ...base, changed, md5sum: get('md5') ?? null, msg, status_code: status, size, ...pathInfo };
  if (backup) result.backup_file = backup;
  return { changed, msg, result };
}

export const getUrlModule = defineModule<GetUrlArgs>({
  name: 'get_url',
  factsFree: true,
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
    // Only a matching checksum skips the request; without one, an existing file is asked for with If-Modified-Since.
    if (st.exists && !a.force && c !== undefined && st.sum === c.hex) {
      const cmds = attrCommands(a, st, dest);
      const msg = cmds.length ? 'file already exists but file attributes changed' : 'file already exists';
      const info = {
        uid: Number(st.uid),
        gid: Number(st.gid),
        owner: st.owner,
        group: st.group,
        mode: a.mode ?? st.mode,
        state: 'file',
        size: st.size,
      };
      return { changed: cmds.length > 0, commands: cmds, msg, result: { changed: cmds.length > 0, checksum_dest: null, checksum_src: null, dest, elapsed: 0, url, msg, ...info } };
    }
    // The script gives a replaced file the old file's mode and owner, so attributes compare with the probe.
    const attrs = attrScript(a, st.exists ? st : undefined);
    // A checksum the existing file does not match forces the download (no If-Modified-Since), as ansible.
    const force = a.force === true || (st.exists && c !== undefined && st.sum !== c.hex);
    const download: ShellCommand = {
      kind: 'shell',
      cmd: downloadScript(a, dest, c, attrs, force),
      stdin: curlStdin(a),
      mayFail: true,
      describe: `download ${url} to ${dest}`,
      timeoutMs: ((a.timeout ?? 10) * 6 + 600) * 1000,
    };
    return {
      changed: true,
      // An existing file may come back 304 or with the same bytes: check mode cannot know without the request.
      ...(st.exists ? { unpredictable: true } : {}),
      commands: [download],
      // The run's result is interpret's alone: ansible's tmp_dest failure carries no dest or url.
      result: ctx.check ? { dest, url } : {},
      interpret: (outputs) => interpretDownload(a, dest, outputs, c?.hex),
    };
  },
});
