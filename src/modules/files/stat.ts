/**
 * `stat`: what ansible-core 2.14's stat module reports about one path, read on the host in one
 * probe (GNU stat, test -r/-w/-x, getent, readlink, the checksum tools, `file` and `lsattr` when the
 * host has them). Never changes anything, so check mode and --diff are the plain run.
 */
import { z } from 'zod';
import { raw, sh, type Shell } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { float } from '../../template/jinja/py.js';
import { bool, str, withAliases } from '../system/args.js';
import { defineModule, type Probe } from '../types.js';

export const CHECKSUM_ALGORITHMS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

const schema = z.strictObject({
  path: str.refine((s) => s !== '', { message: 'path cannot be empty' }),
  follow: bool.default(false),
  get_md5: bool.default(false),
  get_checksum: bool.default(true),
  // ansible-core 2.14: get_mime and get_attributes default to true
  get_mime: bool.default(true),
  get_attributes: bool.default(true),
  checksum_algorithm: z.enum(CHECKSUM_ALGORITHMS).default('sha1'),
});
export type StatArgs = z.infer<typeof schema>;

/** Ansible's lsattr letters and their names (module_utils FILE_ATTRIBUTES). */
const FILE_ATTRIBUTES: Record<string, string> = {
  A: 'noatime',
  a: 'append',
  c: 'compressed',
  C: 'nocow',
  d: 'nodump',
  D: 'dirsync',
  e: 'extents',
  E: 'encrypted',
  h: 'blocksize',
  i: 'immutable',
  I: 'indexed',
  j: 'journalled',
  N: 'inline',
  s: 'zero',
  S: 'synchronous',
  t: 'notail',
  T: 'blockroot',
  u: 'undelete',
  X: 'compressedraw',
  Z: 'compresseddirty',
};

/** The attribute names of lsattr flags, in the flags' order (unknown letters dropped). */
export function attributeNames(flags: string): string[] {
  return [...flags].filter((c) => c in FILE_ATTRIBUTES).map((c) => FILE_ATTRIBUTES[c]!);
}

/** A program found as Ansible's get_bin_path finds it (PATH, then the sbin directories). */
function binPath(name: string): string {
  return `PATH="$PATH:/sbin:/usr/sbin:/usr/local/sbin" command -v ${name}`;
}

const STAT_FORMAT = '%f %u %g %s %i %d %h %b %o %t %T %.9X %.9Y %.9Z';

export interface StatProbeOptions {
  follow: boolean;
  checksum?: ChecksumAlgorithm;
  md5?: boolean;
  mime?: boolean;
  attributes?: boolean;
}

/** The shell that prints what stat needs about `path` as tagged lines (names and paths base64). */
export function statCommand(path: string, o: StatProbeOptions): Shell {
  const L = (s: Shell | string) => (typeof s === 'string' ? s : s.text);
  const parts: string[] = [
    L(sh`p=${path};`),
    o.follow ? 'if [ -e "$p" ]; then' : 'if [ -e "$p" ] || [ -L "$p" ]; then',
    `s=$(stat ${o.follow ? '-L ' : ''}-c '${STAT_FORMAT}' -- "$p") || exit 1; echo "S $s";`,
    'r=0; w=0; x=0; [ -r "$p" ] && r=1; [ -w "$p" ] && w=1; [ -x "$p" ] && x=1; echo "P $r$w$x";',
    'set -- $s;',
    'u=$(getent passwd "$2" | cut -d: -f1) && [ -n "$u" ] && printf "U %s\\n" "$(printf %s "$u" | base64 -w0)";',
    'g=$(getent group "$3" | cut -d: -f1) && [ -n "$g" ] && printf "G %s\\n" "$(printf %s "$g" | base64 -w0)";',
  ];
  if (!o.follow)
    parts.push(
      'if [ -L "$p" ]; then l=$(readlink -m -- "$p"); printf "L %s\\n" "$(printf %s "$l" | base64 -w0)"; l=$(readlink -- "$p"); printf "T %s\\n" "$(printf %s "$l" | base64 -w0)"; fi;',
    );
  // Checksums only of a regular file (as stat saw it) that is readable.
  const isReg = `[ $(( 0x$1 & 0170000 )) -eq $(( 0100000 )) ] && [ $r = 1 ]`;
  if (o.checksum) parts.push(`if ${isReg}; then c=$(${o.checksum}sum < "$p") && echo "C \${c%% *}"; fi;`);
  if (o.md5) parts.push(`if ${isReg}; then c=$(md5sum < "$p") && echo "M \${c%% *}"; fi;`);
  if (o.mime) parts.push(`f=$(${binPath('file')}) && o=$("$f" --mime-type --mime-encoding "$p" 2>/dev/null) && printf "F %s\\n" "$(printf %s "$o" | base64 -w0)";`);
  if (o.attributes) parts.push(`a=$(${binPath('lsattr')}) && o=$("$a" -vd "$p" 2>/dev/null) && printf "A %s\\n" "$(printf %s "$o" | base64 -w0)";`);
  parts.push('else echo absent; fi; true');
  return raw(parts.join(' '));
}

/** What the stat probe read, before it is shaped into Ansible's result. */
export interface StatProbe {
  exists: boolean;
  fields?: string[];
  access?: string;
  pwName?: string;
  grName?: string;
  lnkSource?: string;
  lnkTarget?: string;
  checksum?: string;
  md5?: string;
  mimeOutput?: string;
  lsattrOutput?: string;
}

const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** Parse statCommand's output; stat failing on the path (permissions) is a StatFailure value. */
export function parseStatProbe(path: string, r: RunResult): StatProbe | StatFailure {
  const lines = r.stdout.split('\n');
  if (lines[0]?.trim() === 'absent') return { exists: false };
  const p: StatProbe = { exists: true };
  for (const line of lines) {
    const tag = line.slice(0, 2);
    const v = line.slice(2);
    if (tag === 'S ') p.fields = v.trim().split(' ');
    else if (tag === 'P ') p.access = v.trim();
    else if (tag === 'U ') p.pwName = b64(v);
    else if (tag === 'G ') p.grName = b64(v);
    else if (tag === 'L ') p.lnkSource = b64(v);
    else if (tag === 'T ') p.lnkTarget = b64(v);
    else if (tag === 'C ') p.checksum = v.trim();
    else if (tag === 'M ') p.md5 = v.trim();
    else if (tag === 'F ') p.mimeOutput = b64(v);
    else if (tag === 'A ') p.lsattrOutput = b64(v);
  }
  if (!p.fields || p.fields.length < 14) {
    const err = r.stderr.trim();
    return new StatFailure(err.replace(/^stat: cannot statx? '.*?': /, '') || `unexpected stat output for ${path}: ${r.stdout.slice(0, 200)}`);
  }
  return p;
}

/** stat could not read the path (Ansible fails with the OS error's text). */
export class StatFailure extends Error {}

/** Linux's makedev (glibc's encoding of st_rdev). */
function makedev(major: number, minor: number): number {
  return (minor & 0xff) + (major & 0xfff) * 0x100 + Math.floor(minor / 0x100) * 0x100000 + Math.floor(major / 0x1000) * 0x1000 * 0x100000000;
}

/** Seconds with nanoseconds as Python's st_mtime (a float, also when whole). */
function seconds(text: string): unknown {
  const [s, ns = '0'] = text.split('.');
  return float(Number(s) + Number(ns.padEnd(9, '0')) * 1e-9);
}

/** The `stat` dict of Ansible's stat module, from a probe. */
export function statResult(path: string, p: StatProbe, a: Pick<StatArgs, 'get_checksum' | 'get_md5' | 'get_mime' | 'get_attributes'>): Record<string, unknown> {
  if (!p.exists || !p.fields) return { exists: false };
  const f = p.fields;
  const raw = parseInt(f[0]!, 16);
  const fmt = raw & 0o170000;
  const bit = (b: number): boolean => (raw & b) !== 0;
  const out: Record<string, unknown> = {
    exists: true,
    path,
    mode: (raw & 0o7777).toString(8).padStart(4, '0'),
    isdir: fmt === 0o040000,
    ischr: fmt === 0o020000,
    isblk: fmt === 0o060000,
    isreg: fmt === 0o100000,
    isfifo: fmt === 0o010000,
    islnk: fmt === 0o120000,
    issock: fmt === 0o140000,
    uid: Number(f[1]),
    gid: Number(f[2]),
    size: Number(f[3]),
    inode: Number(f[4]),
    dev: Number(f[5]),
    nlink: Number(f[6]),
    atime: seconds(f[11]!),
    mtime: seconds(f[12]!),
    ctime: seconds(f[13]!),
    wusr: bit(0o200),
    rusr: bit(0o400),
    xusr: bit(0o100),
    wgrp: bit(0o020),
    rgrp: bit(0o040),
    xgrp: bit(0o010),
    woth: bit(0o002),
    roth: bit(0o004),
    xoth: bit(0o001),
    isuid: bit(0o4000),
    isgid: bit(0o2000),
    blocks: Number(f[7]),
    block_size: Number(f[8]),
    device_type: makedev(parseInt(f[9]!, 16), parseInt(f[10]!, 16)),
    readable: p.access?.[0] === '1',
    writeable: p.access?.[1] === '1',
    executable: p.access?.[2] === '1',
  };
  if (out.islnk) {
    if (p.lnkSource !== undefined) out.lnk_source = p.lnkSource;
    if (p.lnkTarget !== undefined) out.lnk_target = p.lnkTarget;
  }
  if (p.pwName !== undefined) out.pw_name = p.pwName;
  if (p.grName !== undefined) out.gr_name = p.grName;
  if (out.isreg && out.readable) {
    if (a.get_md5) out.md5 = p.md5 ?? null;
    if (a.get_checksum && p.checksum !== undefined) out.checksum = p.checksum;
  }
  if (a.get_mime) {
    out.mimetype = 'unknown';
    out.charset = 'unknown';
    const m = parseMime(p.mimeOutput);
    if (m) {
      out.mimetype = m.mimetype;
      out.charset = m.charset;
    }
  }
  if (a.get_attributes) {
    out.version = null;
    out.attributes = [];
    out.attr_flags = '';
    const words = p.lsattrOutput?.split(/\s+/).filter((w) => w !== '');
    if (words && words.length >= 2) {
      out.version = words[0]!;
      out.attr_flags = words[1]!.replace(/-/g, '');
      out.attributes = attributeNames(out.attr_flags as string);
    }
  }
  return out;
}

/** `file --mime-type --mime-encoding` output → type and charset, or undefined where Ansible keeps "unknown". */
export function parseMime(out: string | undefined): { mimetype: string; charset: string } | undefined {
  if (out === undefined) return undefined;
  const colon = out.lastIndexOf(':');
  if (colon < 0) return undefined;
  const parts = out.slice(colon + 1).split(';');
  if (parts.length !== 2) return undefined;
  const cs = parts[1]!.split('=');
  if (cs.length < 2) return undefined;
  return { mimetype: parts[0]!.trim(), charset: cs[1]!.trim() };
}

/** The probe of one path for stat (and for modules that report a stat). */
export function probeStat(path: string, o: StatProbeOptions, key = 'stat'): Probe {
  return { key, cmd: statCommand(path, o), parse: (r: RunResult) => parseStatProbe(path, r) };
}

export const stat = defineModule<StatArgs>({
  name: 'stat',
  factsFree: true,
  description: "Report a path's type, mode, owner, size, times, checksum, link target, MIME type and attributes (never changes anything)",
  args: withAliases(
    {
      dest: 'path',
      name: 'path',
      mime: 'get_mime',
      mime_type: 'get_mime',
      'mime-type': 'get_mime',
      attr: 'get_attributes',
      attributes: 'get_attributes',
      checksum: 'checksum_algorithm',
      checksum_algo: 'checksum_algorithm',
    },
    schema,
  ) as unknown as z.ZodType<StatArgs>,
  probes: (a) => [
    probeStat(a.path, {
      follow: a.follow,
      ...(a.get_checksum ? { checksum: a.checksum_algorithm } : {}),
      md5: a.get_md5,
      mime: a.get_mime,
      attributes: a.get_attributes,
    }),
  ],
  plan: (a, ctx) => {
    const p = ctx.probed.stat;
    if (p instanceof StatFailure) return { changed: false, commands: [], failed: p.message, result: { stat: undefined } };
    return { changed: false, commands: [], result: { stat: statResult(a.path, p as StatProbe, a) } };
  },
  returns: {
    stat:
      'exists, path, mode, isdir/isreg/islnk/ischr/isblk/isfifo/issock, uid, gid, pw_name, gr_name, size, inode, dev, nlink, atime/mtime/ctime, ' +
      'r/w/x bits (rusr…xoth, isuid, isgid), readable/writeable/executable, blocks, block_size, device_type, lnk_source/lnk_target (links), ' +
      'checksum (get_checksum), md5 (get_md5), mimetype/charset (get_mime), version/attributes/attr_flags (get_attributes)',
  },
});
