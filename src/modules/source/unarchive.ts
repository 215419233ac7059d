/**
 * `unarchive`: unpack a tar (plain, gz, bz2, xz, zstd) or zip archive into an existing directory,
 * from the controller (staged to the host first) or from the host (`remote_src`).
 *
 * Idempotence is decided as ansible-core 2.14 decides it, on the host: tar archives by
 * `tar --diff` (differences in mtime, mode, uid/gid and missing files count; content alone does
 * not), zip archives by comparing each member's type, mtime, size, CRC-32, mode and owner with the
 * file on disk. The handler is picked in Ansible's order (zip, `unzip -Z`, tar -z, tar, -j, -J,
 * zstd), so a `.tar.xz` is handled by `TarArchive` (GNU tar detects the compression) as in Ansible.
 *
 * Check mode, as Ansible: a tar archive reports skipped ("does not support check mode when using
 * gtar"); a zip archive on the host reports whether it would unpack. A zip from the controller in
 * check mode reports "would run" (tsplay stages the archive only when it runs; deliberate).
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { z } from 'zod';
import { quote, raw, type Shell } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { modeArg } from '../files/mode.js';
import { selinuxArgs } from '../files/common.js';
import { bool, idArg, int, str, strList } from '../system/args.js';
import { defineModule, type Outcome, type Plan, type Probe } from '../types.js';

export const unarchiveArgs = z
  .strictObject({
    src: str.refine((s) => s !== '', { message: 'src cannot be empty' }),
    dest: str.refine((s) => s !== '', { message: 'dest cannot be empty' }),
    remote_src: bool.optional(),
    copy: bool.optional(),
    creates: str.optional(),
    list_files: bool.default(false),
    keep_newer: bool.default(false),
    exclude: strList.default([]),
    include: strList.default([]),
    extra_opts: strList.default([]),
    validate_certs: bool.default(true),
    io_buffer_size: int.optional(),
    decrypt: bool.default(true),
    mode: modeArg.optional(),
    owner: idArg.optional(),
    group: idArg.optional(),
    ...selinuxArgs,
  })
  .superRefine((a, ctx) => {
    if (a.copy !== undefined && a.remote_src !== undefined) ctx.addIssue({ code: 'custom', message: "parameters are mutually exclusive: ('copy', 'remote_src')", path: ['copy'] });
    if (a.include.length && a.exclude.length) ctx.addIssue({ code: 'custom', message: 'parameters are mutually exclusive: include|exclude', path: ['include'] });
  })
  .transform((a) => ({ ...a, remote_src: a.remote_src ?? (a.copy !== undefined ? !a.copy : false) }));
export type UnarchiveArgs = z.infer<typeof unarchiveArgs>;

/** awk: the first seven blank-separated fields of a listing line (the member name is the rest, spaces kept). */
const SEVEN = '^ *[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +';

const TAR_FLAGS = ['-z', '', '-j', '-J', '--use-compress-program=zstd'] as const;
const TAR_HANDLERS = ['TgzArchive', 'TarArchive', 'TarBzipArchive', 'TarXzArchive', 'TarZstdArchive'] as const;

/** `~/x` as the remote user's home (Ansible's _remote_expand_user), everything else as given. */
function hostPath(p: string): Shell {
  if (p === '~') return raw('"$HOME"');
  if (p.startsWith('~/')) return raw(`"$HOME"/${quote(p.slice(2))}`);
  return raw(quote(p));
}

function words(ws: string[]): string {
  return ws.map((w) => quote(w)).join(' ');
}

/**
 * The shell script that does what Ansible's unarchive module does on the host: checks, handler,
 * is_unarchived, (apply) unpack and attributes, list of files, dest's stat. Prints `tsplay:` lines.
 */
export function unarchiveScript(a: UnarchiveArgs, src: Shell, opts: { apply: boolean; staged: boolean }): Shell {
  const L: string[] = [];
  const excl = a.exclude.map((e) => e.replace(/\/+$/, ''));
  const tarExcl = excl.map((e) => `--exclude=${e}`);
  const tarOpts = a.extra_opts.length ? ['--show-transformed-names', ...a.extra_opts] : [];
  const owner = a.owner ?? '';
  const group = a.group ?? '';
  L.push(`LC_ALL=C; LANG=C; LANGUAGE=C; export LC_ALL LANG LANGUAGE`);
  L.push(`src=${src.text}; dest=${hostPath(a.dest).text}; T=$(mktemp -d) || exit 1`);
  L.push(opts.staged ? `trap 'rm -rf -- "$T"; rm -f -- "$src"' EXIT` : `trap 'rm -rf -- "$T"' EXIT`);
  L.push(`b64() { printf 'tsplay:%s=' "$1"; base64 -w0 < "$2"; echo; }`);
  L.push(`fail() { echo "tsplay:fail=$1"; exit 0; }`);
  if (a.remote_src && /:\/\//.test(a.src)) {
    // remote_src with a URL: Ansible downloads it to a temp file first.
    L.push(
      `case "$src" in *://*) if [ ! -e "$src" ]; then curl -sSfL ${a.validate_certs ? '' : '-k '}-o "$T/download" -- "$src" 2> "$T/dlerr" || { b64 dlerr "$T/dlerr"; fail download; }; src="$T/download"; fi;; esac`,
    );
  }
  L.push(`[ -e "$src" ] || fail nosrc; [ -r "$src" ] || fail unreadable; [ -s "$src" ] || fail empty; [ -d "$dest" ] || fail notdir`);
  L.push(`printf 'tsplay:src=%s\\n' "$src"; cd "$dest" || fail notdir; uid=$(id -u)`);
  // Handler choice, Ansible's order.
  L.push(`h=; zi=`);
  L.push(
    `if command -v unzip >/dev/null 2>&1; then if command -v zipinfo >/dev/null 2>&1; then zi=zipinfo; elif unzip -Z 2>&1 | grep -qi zipinfo; then zi='unzip -Z'; fi; ` +
      `if [ -n "$zi" ] && unzip -l "$src" >/dev/null 2>&1; then if [ "$zi" = zipinfo ]; then h=ZipArchive; else h=ZipZArchive; fi; fi; fi`,
  );
  // Ansible's tar handlers refuse check mode as soon as no zip handler took the archive.
  if (!opts.apply) L.push(`[ -n "$h" ] || { echo tsplay:tarcheck=1; exit 0; }`);
  L.push(`tarv=$(tar --version 2>/dev/null)`);
  L.push(`case "$tarv" in tar*GNU*) gnu=1;; *) gnu=;; esac`);
  const tarTries = TAR_FLAGS.map((flag, i) => {
    const cmd = `tar --list -C "$dest" ${flag} ${words([...tarOpts, ...tarExcl])} -f "$src" ${words(a.include)}`;
    return `if [ -z "$h" ]; then if ${cmd} > "$T/list" 2>/dev/null && [ -s "$T/list" ]; then h=${TAR_HANDLERS[i]}; z=${quote(flag)}; fi; fi`;
  });
  L.push(`if [ -n "$gnu" ]; then ${tarTries.join('; ')}; fi`);
  L.push(`[ -n "$h" ] || { [ -n "$gnu" ] && echo tsplay:gnutar=1; command -v unzip >/dev/null 2>&1 && echo tsplay:unzip=1; fail nohandler; }`);
  L.push(`echo "tsplay:handler=$h"`);
  // Zip: files_in_archive from the member names, filtered with shell patterns (fnmatch).
  // Patterns go through variables: an unquoted expansion in a case pattern is a glob, a quoted word is literal.
  const pats = [...a.include, ...excl].map((p, i) => `zp${i}=${quote(p)}`).join('; ');
  const inc = a.include.map((_, i) => `$zp${i}) echo "$n";;`).join(' ');
  const exc = excl.map((_, i) => `$zp${i + a.include.length}) ;;`).join(' ');
  if (pats) L.push(pats);
  L.push(
    `case "$h" in Zip*) unzip -Z1 "$src" 2>/dev/null | while IFS= read -r n; do ` +
      (a.include.length ? `case "$n" in ${inc} esac` : `case "$n" in ${exc} *) echo "$n";; esac`) +
      `; done > "$T/list";; esac`,
  );
  // is_unarchived
  L.push(`un=1; : > "$T/diff"; : > "$T/newer"; : > "$T/inc"; tab=$(printf '\\t')`);
  const tarDiffArgs = [...tarOpts, ...(owner ? [`--owner=${owner}`] : []), ...(group ? [`--group=${group}`] : []), ...(a.keep_newer ? ['--keep-newer-files'] : []), ...tarExcl];
  const countUid = owner ? '' : `[ "$uid" = 0 ] && p="$p|: Uid differs$"; `;
  const countGid = group ? '' : `[ "$uid" = 0 ] && p="$p|: Gid differs$"; `;
  const countMode = a.mode ? '' : `p="$p|: Mode differs$"; `;
  L.push(
    `case "$h" in Tar*|Tgz*) tar --diff -C "$dest" $z ${words(tarDiffArgs)} -f "$src" ${words(a.include)} > "$T/tdiff" 2>&1; ` +
      `p=': Mod time differs$|: Warning: Cannot stat: No such file or directory$|: Invalid owner|: Invalid group'; ${countUid}${countGid}${countMode}` +
      `grep -v ': : Warning: Cannot stat: No such file or directory$' "$T/tdiff" | grep -E "$p" > "$T/diff" && un=0;; esac`,
  );
  L.push(zipCompare(a, excl));
  L.push(`echo "tsplay:unarchived=$un"`);
  if (opts.apply) {
    // Unpack.
    const zipExcl = `set -- ${words(a.exclude)}`;
    L.push(
      `ch=0; if [ "$un" = 0 ]; then case "$h" in ` +
        `Zip*) ${zipExcl}; while IFS= read -r n; do set -- "$@" "$n"; done < "$T/newer"; [ $# -gt 0 ] && set -- -x "$@"; ` +
        `unzip -o ${words(a.extra_opts)} "$src" "$@" ${words(a.include)} -d "$dest" > "$T/out" 2> "$T/err"; rc=$?;; ` +
        `*) tar --extract -C "$dest" $z ${words(tarDiffArgs)} -f "$src" ${words(a.include)} > "$T/out" 2> "$T/err"; rc=$?;; esac; ` +
        `echo "tsplay:rc=$rc"; b64 out "$T/out"; b64 err "$T/err"; [ "$rc" = 0 ] || exit 0; ch=1; fi`,
    );
    // Attributes of every listed file, then of the top folders (ansible#35426).
    if (a.mode || a.owner || a.group) {
      const setAttrs = [
        a.owner ? `o=$(stat -c %u -- "$f"); chown -h ${quote(a.owner)} -- "$f" 2>>"$T/aerr" && [ "$(stat -c %u -- "$f")" != "$o" ] && ch=1; ` : '',
        a.group ? `o=$(stat -c %g -- "$f"); chgrp -h ${quote(a.group)} -- "$f" 2>>"$T/aerr" && [ "$(stat -c %g -- "$f")" != "$o" ] && ch=1; ` : '',
        a.mode ? `if [ ! -L "$f" ]; then o=$(stat -c %a -- "$f"); chmod ${quote(a.mode)} -- "$f" 2>>"$T/aerr" && [ "$(stat -c %a -- "$f")" != "$o" ] && ch=1; fi; ` : '',
      ].join('');
      L.push(
        `: > "$T/aerr"; { cat "$T/list"; sed -n 's#^/*\\([^/]*\\)/.*#\\1#p' "$T/list" | awk '!s[$0]++'; } | while IFS= read -r n; do n=\${n#/}; f="$dest/$n"; [ -e "$f" ] || [ -L "$f" ] || continue; ${setAttrs}[ "$ch" = 1 ] && echo tsplay:attrchanged=1; done`,
      );
      L.push(`[ -s "$T/aerr" ] && b64 aerr "$T/aerr"`);
    }
    L.push(`echo "tsplay:changed=$ch"`);
  }
  L.push(`b64 list "$T/list"; b64 diff "$T/diff"`);
  L.push(`stat -L -c 'tsplay:deststat=%u %g %U %G %a %s' -- "$dest"`);
  return raw(L.join('\n'));
}

/** Ansible's ZipArchive.is_unarchived, member by member, on the host (zipinfo -T -s, unzip -v, stat, CRC-32 via gzip). */
function zipCompare(a: UnarchiveArgs, excl: string[]): string {
  const exclCase = excl.length ? `case "$path" in ${excl.map((e) => quote(e)).join('|')}) continue;; esac; ` : '';
  const fut = (kind: 'passwd' | 'group', arg: string | undefined, fallback: string) => (arg ? `$(getent ${kind} ${quote(arg)} | cut -d: -f1)` : fallback);
  const modeWant = `want=${a.mode && /^[0-7]+$/.test(a.mode) ? Number.parseInt(a.mode, 8).toString(8) : ''}; `;
  return [
    `case "$h" in Zip*)`,
    `$zi -T -s "$src" ${excl.length ? `-x ${words(excl)}` : ''} ${words(a.include)} > "$T/zi" 2>/dev/null || un=0`,
    `unzip -v "$src" 2>/dev/null | awk 'NF>=8 && length($7)==8 && $7 ~ /^[0-9a-f]+$/ { n=$0; sub(/${SEVEN}/, "", n); print $7 "\\t" n }' > "$T/crc"`,
    `fo=${fut('passwd', a.owner, '$(id -un)')}; [ -n "$fo" ] || fo=$(id -un); fg=${fut('group', a.group, '$(id -gn)')}; [ -n "$fg" ] || fg=$(id -gn); um=$(umask)`,
    `awk 'NF>=8 && (length($1)==7 || length($1)==10) && length($7)==15 && $1 ~ /^[dl?-][rwxstah-]+$/ { n=$0; sub(/${SEVEN}/, "", n); print substr($1,1,1) "\\t" substr($1,2) "\\t" $4 "\\t" $7 "\\t" n }' "$T/zi" > "$T/members"`,
    `while IFS="$tab" read -r zt perm size ts path; do`,
    `  ${exclCase}f="$dest/$path"; c=0`,
    `  case "$path" in */) ft=d;; *) case "$zt" in l) ft=L;; *) ft=f;; esac;; esac`,
    `  if [ ! -e "$f" ] && [ ! -L "$f" ]; then echo "$path" >> "$T/inc"; echo ">$ft++++++.?? $path" >> "$T/diff"; continue; fi`,
    `  if [ "$ft" = d ] && [ ! -d "$f" ]; then echo "$path" >> "$T/inc"; continue; fi`,
    `  if [ "$ft" = f ] && { [ ! -f "$f" ] || [ -L "$f" ]; }; then echo "$path" >> "$T/inc"; continue; fi`,
    `  if [ "$ft" = L ] && [ ! -L "$f" ]; then echo "$path" >> "$T/inc"; continue; fi`,
    `  set -- $(stat -c '%Y %s %a %U %G %u %g' -- "$f")`,
    `  if [ -f "$f" ] && [ ! -L "$f" ]; then`,
    `    zt2=$(date -d "$(echo "$ts" | sed 's/^\\(....\\)\\(..\\)\\(..\\)\\.\\(..\\)\\(..\\)\\(..\\)$/\\1-\\2-\\3 \\4:\\5:\\6/')" +%s)`,
    a.keep_newer ? `    if [ "$zt2" -gt "$1" ]; then c=1; elif [ "$zt2" -lt "$1" ]; then echo "$path" >> "$T/newer"; continue; fi` : `    [ "$zt2" != "$1" ] && c=1`,
    `    [ "$size" != "$2" ] && c=1`,
    `    crc=$(gzip -c < "$f" | tail -c8 | od -An -N4 -tx4 | tr -d ' ')`,
    `    zc=$(awk -F'\\t' -v p="$path" '$2==p {print $1; exit}' "$T/crc")`,
    `    [ "$crc" != "$zc" ] && c=1`,
    `  fi`,
    `  if [ "$ft" != L ]; then`,
    a.mode
      ? `    ${modeWant}[ -n "$want" ] && [ "$want" != "$3" ] && c=1`
      : `    if [ \${#perm} = 6 ]; then case "$path" in */) pm=rwxrwxrwx;; *) if [ "$perm" = rwx--- ]; then pm=rwxrwxrwx; else pm=rw-rw-rw-; fi;; esac; fu=$um; else pm=$perm; fu=0; fi; ` +
        `m=0; i=0; for ch9 in $(echo "$pm" | sed 's/./& /g'); do case "$ch9" in [rwxst]) m=$((m | (1 << (8 - i))));; esac; i=$((i+1)); done; ` +
        `[ "$zt" = "?" ] && fu=0; m=$((m & ~fu)); [ "$(printf '%o' "$m")" != "$3" ] && c=1`,
    `  fi`,
    `  [ "$4" != "$fo" ] && c=1`,
    `  [ "$5" != "$fg" ] && c=1`,
    `  if [ "$c" = 1 ]; then echo "$path" >> "$T/inc"; echo "changed $path" >> "$T/diff"; fi`,
    `done < "$T/members"`,
    `[ -s "$T/inc" ] && un=0;;`,
    `esac`,
  ].join('\n');
}

export interface UnarchiveReport {
  fail?: string;
  handler?: string;
  src?: string;
  unarchived?: boolean;
  tarCheck?: boolean;
  rc?: number;
  out?: string;
  err?: string;
  list: string[];
  diff: string;
  changed?: boolean;
  attrErr?: string;
  gnuTar?: boolean;
  unzip?: boolean;
  dest?: { uid: number; gid: number; owner: string; group: string; mode: string; size: number };
  dlErr?: string;
}

/** The script's `tsplay:` lines → a report. */
export function parseReport(stdout: string): UnarchiveReport {
  const get = (k: string) => new RegExp(`^tsplay:${k}=(.*)$`, 'm').exec(stdout)?.[1];
  const b64 = (k: string) => {
    const v = get(k);
    return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
  };
  const ds = get('deststat')?.split(' ');
  const rc = get('rc');
  return {
    fail: get('fail'),
    handler: get('handler'),
    src: get('src'),
    unarchived: get('unarchived') === undefined ? undefined : get('unarchived') === '1',
    tarCheck: get('tarcheck') === '1',
    rc: rc === undefined ? undefined : Number(rc),
    out: b64('out'),
    err: b64('err'),
    list: lines(b64('list') ?? '').map((l) => unescapeTar(l).replace(/^\//, '')),
    diff: b64('diff') ?? '',
    changed: get('changed') === undefined ? undefined : get('changed') === '1' || /^tsplay:attrchanged=1$/m.test(stdout),
    attrErr: b64('aerr'),
    gnuTar: get('gnutar') === '1',
    unzip: get('unzip') === '1',
    dlErr: b64('dlerr'),
    dest: ds && ds.length >= 6 ? { uid: Number(ds[0]), gid: Number(ds[1]), owner: ds[2]!, group: ds[3]!, mode: ds[4]!.padStart(4, '0'), size: Number(ds[5]) } : undefined,
  };
}

/** Python's str.splitlines: a stripped member name (--strip-components) stays as an empty entry. */
function lines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** GNU tar's listing escapes (\\ooo, \\n, \\\\) as Python's codecs.escape_decode reads them. */
function unescapeTar(s: string): string {
  if (!s.includes('\\')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      const m = /^[0-7]{1,3}/.exec(s.slice(i + 1));
      if (m) {
        bytes.push(Number.parseInt(m[0], 8));
        i += m[0].length;
        continue;
      }
      const e: Record<string, number> = { n: 10, t: 9, r: 13, '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, v: 11 };
      const n = s[i + 1]!;
      if (e[n] !== undefined) {
        bytes.push(e[n]);
        i++;
        continue;
      }
    }
    bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The argv Ansible's handler would have run to unpack (extract_results.cmd). */
export function extractCmd(a: UnarchiveArgs, handler: string, src: string, dest: string): string[] {
  const excl = a.exclude.map((e) => e.replace(/\/+$/, ''));
  if (handler.startsWith('Zip')) return ['/usr/bin/unzip', '-o', ...a.extra_opts, src, ...(a.exclude.length ? ['-x', ...a.exclude] : []), ...a.include, '-d', dest];
  const flag = TAR_FLAGS[TAR_HANDLERS.indexOf(handler as (typeof TAR_HANDLERS)[number])] ?? '';
  return [
    '/usr/bin/tar',
    '--extract',
    '-C',
    dest,
    ...(flag ? [flag] : []),
    ...(a.extra_opts.length ? ['--show-transformed-names', ...a.extra_opts] : []),
    ...(a.owner ? [`--owner=${quote(a.owner)}`] : []),
    ...(a.group ? [`--group=${quote(a.group)}`] : []),
    ...(a.keep_newer ? ['--keep-newer-files'] : []),
    ...excl.map((e) => `--exclude=${e}`),
    '-f',
    src,
    ...a.include,
  ];
}

const TAR_CHECK_MSG = 'remote module (ansible.legacy.unarchive) does not support check mode when using gtar';

/** A report's failure as Ansible words it, or undefined. */
function failureOf(a: UnarchiveArgs, r: UnarchiveReport, src: string): string | undefined {
  switch (r.fail) {
    case undefined:
      return undefined;
    case 'nosrc':
      return a.remote_src ? `Source '${src}' does not exist` : `Source '${src}' failed to transfer`;
    case 'unreadable':
      return `Source '${src}' not readable`;
    case 'empty':
      return `Invalid archive '${src}', the file is 0 bytes`;
    case 'notdir':
      return `Destination '${a.dest}' is not a directory`;
    case 'download':
      return `Failure downloading ${a.src}, ${(r.dlErr ?? '').trim()}`;
    case 'nohandler': {
      const reasons = [
        r.unzip ? `Command "/usr/bin/unzip" could not handle archive` : "Unable to find required 'unzip' or 'zipinfo' binary in the path.",
        r.gnuTar ? 'Command "/usr/bin/tar" could not handle archive' : 'Command "/usr/bin/tar" detected as tar type None. GNU tar required.',
      ];
      return `Failed to find handler for "${src}". Make sure the required command to extract the file is installed.\n${reasons.join('\n')}`;
    }
    default:
      return `unarchive: ${r.fail}`;
  }
}

/** Turn the host's report into the task's outcome and registered fields. */
export function interpretUnarchive(a: UnarchiveArgs, r: UnarchiveReport, opts: { check: boolean; srcShown: string }): Outcome {
  const src = r.src ?? opts.srcShown;
  const base: Record<string, unknown> = { dest: a.dest, src };
  const failed = failureOf(a, r, src);
  if (failed) return { changed: false, failed, msg: failed, result: { ...base, msg: failed } };
  const result: Record<string, unknown> = { handler: r.handler, ...base };
  if (opts.check && r.tarCheck) return { changed: false, msg: TAR_CHECK_MSG, result: { skipped: true, msg: TAR_CHECK_MSG } };
  let changed = opts.check ? r.unarchived === false : (r.changed ?? false);
  if (!opts.check && r.rc !== undefined) {
    result.extract_results = { cmd: extractCmd(a, r.handler ?? '', src, a.dest), rc: r.rc, out: r.out ?? '', err: r.err ?? '' };
    if (r.rc !== 0) {
      const msg = `failed to unpack ${src} to ${a.dest}`;
      return { changed: false, failed: msg, msg, result: { ...result, msg } };
    }
    changed = true;
  }
  if (r.attrErr?.trim()) {
    const msg = `Unexpected error when accessing exploded file: ${r.attrErr.trim()}`;
    return { changed, failed: msg, msg, result: { ...result, msg } };
  }
  if (a.list_files) result.files = filesInArchive(a, r);
  if (r.dest) Object.assign(result, { ...r.dest, state: 'directory' });
  return { changed, result };
}

/** files_in_archive as Ansible returns it: zip members filtered by include/exclude; tar names minus excluded patterns. */
function filesInArchive(a: UnarchiveArgs, r: UnarchiveReport): string[] {
  if (r.handler?.startsWith('Zip')) return r.list;
  const excl = a.exclude.map((e) => globRe(e.replace(/\/+$/, '')));
  return r.list.filter((n) => !excl.some((re) => re.test(n)));
}

/** Python's fnmatch (`*` crosses `/`). */
function globRe(p: string): RegExp {
  let s = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') s += '.*';
    else if (c === '?') s += '.';
    else if (c === '[') {
      const j = p.indexOf(']', i + 2);
      if (j < 0) s += '\\[';
      else {
        let body = p.slice(i + 1, j);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        s += `[${body.replace(/\\/g, '\\\\')}]`;
        i = j;
      }
    } else s += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${s}$`, 's');
}

function probeScript(a: UnarchiveArgs): Shell {
  const parts: string[] = [];
  if (a.creates) parts.push(`if [ -e ${hostPath(a.creates).text} ]; then echo tsplay:creates=1; fi`);
  parts.push(`d=${hostPath(a.dest).text}; if [ -d "$d" ]; then echo tsplay:destdir=1; fi`);
  parts.push(`if command -v unzip >/dev/null 2>&1; then echo tsplay:unzip=1; fi`);
  return raw(parts.join('; '));
}

interface ProbeState {
  creates: boolean;
  destDir: boolean;
  unzip: boolean;
  /** Check mode with remote_src: the script's detection run. */
  report?: UnarchiveReport;
}

function isZip(b: Buffer): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5) && (b[3] === 4 || b[3] === 6);
}

export const unarchiveModule = defineModule<UnarchiveArgs>({
  name: 'unarchive',
  factsFree: true,
  description: 'Unpack a tar or zip archive (from the controller or, with remote_src, from the host) into an existing directory.',
  args: unarchiveArgs,
  probes(a, ctx): Probe[] {
    const probes: Probe[] = [
      {
        key: 'state',
        cmd: probeScript(a),
        parse: (r: RunResult) => ({ creates: /^tsplay:creates=1$/m.test(r.stdout), destDir: /^tsplay:destdir=1$/m.test(r.stdout), unzip: /^tsplay:unzip=1$/m.test(r.stdout) }),
      },
    ];
    if (ctx.check && a.remote_src)
      probes.push({ key: 'report', cmd: unarchiveScript(a, hostPath(a.src), { apply: false, staged: false }), parse: (r: RunResult) => parseReport(r.stdout) });
    return probes;
  },
  plan(a, ctx): Plan {
    const st: ProbeState = { ...(ctx.probed.state as ProbeState), report: ctx.probed.report as UnarchiveReport | undefined };
    if (a.creates && st.creates) {
      const msg = `skipped, since ${a.creates} exists`;
      return { changed: false, commands: [], msg, result: { skipped: true, msg } };
    }
    let bytes: Buffer | undefined;
    if (!a.remote_src) {
      try {
        bytes = ctx.readControllerFile(a.src, 'files', { decrypt: a.decrypt });
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        return { changed: false, commands: [], failed: msg, result: { msg } };
      }
    }
    if (!st.destDir) {
      const msg = `dest '${a.dest}' must be an existing dir`;
      return { changed: false, commands: [], failed: msg, result: { msg } };
    }
    if (ctx.check) {
      if (a.remote_src) {
        const o = interpretUnarchive(a, st.report ?? { list: [], diff: '' }, { check: true, srcShown: a.src });
        if (o.failed) return { changed: false, commands: [], failed: o.failed, result: o.result };
        if (o.result?.skipped) return { changed: false, commands: [], msg: o.msg, result: o.result };
        const stay: Command = { kind: 'shell', cmd: raw(':'), describe: `unpack ${a.src} into ${a.dest}` };
        return { changed: o.changed, commands: o.changed ? [stay] : [], result: o.result };
      }
      // A zip needs unzip on the host to be compared; anything else is the tar handler (no check mode).
      if (!(bytes && isZip(bytes) && st.unzip)) return { changed: false, commands: [], msg: TAR_CHECK_MSG, result: { skipped: true, msg: TAR_CHECK_MSG } };
    }
    const commands: Command[] = [];
    let src: Shell;
    let srcShown = a.src;
    if (bytes) {
      const base = a.dest.replace(/\/+$/, '') || '/';
      const staged = posix.join(
        posix.dirname(base.startsWith('~') ? '/tmp/x' : base),
        `.tsplay-unarchive-${createHash('sha1').update(bytes).update(ctx.host).digest('hex').slice(0, 12)}`,
      );
      commands.push({ kind: 'put', path: staged, content: bytes, mode: '0600', describe: `stage ${a.src}` });
      src = raw(quote(staged));
      srcShown = staged;
    } else src = hostPath(a.src);
    commands.push({
      kind: 'shell',
      cmd: unarchiveScript(a, src, { apply: true, staged: !!bytes }),
      mayFail: true,
      describe: `unpack ${a.src} into ${a.dest}`,
      timeoutMs: 3600_000,
    });
    return {
      changed: true,
      unpredictable: ctx.check,
      commands,
      result: { dest: a.dest, src: srcShown },
      interpret: (outputs) => {
        const out = outputs[outputs.length - 1];
        if (!out) return { changed: false, failed: 'the unpack did not run', result: { dest: a.dest } };
        const r = parseReport(out.stdout);
        if (r.fail === undefined && r.handler === undefined) {
          const msg = `unarchive failed on the host: ${out.stderr.trim() || `rc ${out.rc}`}`;
          return { changed: false, failed: msg, msg, result: { dest: a.dest, src: srcShown, msg } };
        }
        return interpretUnarchive(a, r, { check: false, srcShown });
      },
    };
  },
});
