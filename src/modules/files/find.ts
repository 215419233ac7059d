/**
 * `find`: ansible-core 2.14's find module. One probe lists every entry below each path with GNU
 * find's lstat fields (in readdir order, as os.walk sees them); the plan replays os.walk on that
 * list (files before directories of each level, hidden directories still walked, `depth` pruning,
 * `examined` counting) and applies Ansible's filters (fnmatch or Python regex names, age, size,
 * contains, file_type). `contains` and `get_checksum` also read the regular files' bytes.
 */
import { posix } from 'node:path';
import { z } from 'zod';
import { raw, sh } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { float } from '../../template/jinja/py.js';
import { bool, int, str, strList, withAliases } from '../system/args.js';
import { defineModule, type Plan, type Probe } from '../types.js';
import { compilePyRegex, PyRegexError, utf8bin } from './pyregex.js';
import { createHash } from 'node:crypto';

const schema = z.strictObject({
  paths: strList.refine((l) => l.length > 0, { message: 'paths is required' }),
  patterns: strList.default([]),
  excludes: strList.optional(),
  contains: str.optional(),
  read_whole_file: bool.default(false),
  file_type: z.enum(['any', 'directory', 'file', 'link']).default('file'),
  age: str.optional(),
  age_stamp: z.enum(['atime', 'ctime', 'mtime']).default('mtime'),
  size: str.optional(),
  recurse: bool.default(false),
  hidden: bool.default(false),
  follow: bool.default(false),
  get_checksum: bool.default(false),
  use_regex: bool.default(false),
  depth: int.optional(),
});
export type FindArgs = z.infer<typeof schema>;

/** One entry as GNU find printed it. */
export interface FindEntry {
  /** Path relative to the search path (find's %P). */
  rel: string;
  /** lstat type letter (f d l c b p s) and the type following links (d for a link to a directory). */
  type: string;
  followType: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  inode: number;
  dev: number;
  nlink: number;
  atime: string;
  mtime: string;
  ctime: string;
  user: string;
  group: string;
}

export interface FindPathProbe {
  path: string;
  isDir: boolean;
  entries: FindEntry[];
  /** Bytes of regular files by relative path (with contains / get_checksum). */
  contents: Record<string, Buffer>;
}

export interface FindProbe {
  now: number;
  paths: FindPathProbe[];
}

const PRINTF = '%y %Y %m %U %G %s %i %D %n %A@ %T@ %C@ %u\\0%g\\0%P\\0';

/** The find(1) options that bound the walk: not below the first level without recurse, depth+1 with depth. */
function walkBounds(a: FindArgs): string {
  if (!a.recurse) return '-mindepth 1 -maxdepth 1';
  if (a.depth) return `-mindepth 1 -maxdepth ${a.depth + 1}`;
  return '-mindepth 1';
}

/** The probe: the host's time, then per path its listing (and file bytes when needed), base64 on the wire. */
export function findCommand(a: FindArgs): string {
  const L = a.follow ? '-L ' : '';
  const bounds = walkBounds(a);
  const parts = ['echo "N $(date +%s.%N)";'];
  for (const p of a.paths) {
    parts.push(sh`p=${p};`.text);
    parts.push(
      `if [ -d "$p" ]; then echo D; printf 'E '; find ${L}"$p" ${bounds} -printf '${PRINTF}' 2>/dev/null | base64 -w0; echo;`,
      a.contains !== undefined || a.get_checksum
        ? `printf 'C '; find ${L}"$p" ${bounds} -type f -exec sh -c 'for f; do printf "%s\\0" "\${f#"$0"}"; base64 -w0 < "$f"; printf "\\0"; done' "$p" {} + 2>/dev/null | base64 -w0; echo;`
        : '',
      `else echo X; fi;`,
    );
  }
  parts.push('true');
  return parts.join(' ');
}

/** Parse findCommand's output. */
export function parseFindProbe(paths: string[], r: RunResult): FindProbe {
  const lines = r.stdout.split('\n');
  let now = 0;
  const out: FindPathProbe[] = [];
  let cur: FindPathProbe | undefined;
  let i = 0;
  for (const line of lines) {
    if (line.startsWith('N ')) now = Number(line.slice(2));
    else if (line === 'D' || line === 'X') {
      cur = { path: paths[i++] ?? '', isDir: line === 'D', entries: [], contents: {} };
      out.push(cur);
    } else if (line.startsWith('E ') && cur) {
      const f = Buffer.from(line.slice(2), 'base64').toString('utf8').split('\0');
      for (let j = 0; j + 2 < f.length; j += 3) {
        const w = f[j]!.split(' ');
        cur.entries.push({
          type: w[0]!,
          followType: w[1]!,
          mode: parseInt(w[2]!, 8),
          uid: Number(w[3]),
          gid: Number(w[4]),
          size: Number(w[5]),
          inode: Number(w[6]),
          dev: Number(w[7]),
          nlink: Number(w[8]),
          atime: w[9]!,
          mtime: w[10]!,
          ctime: w[11]!,
          user: w.slice(12).join(' '),
          group: f[j + 1]!,
          rel: f[j + 2]!,
        });
      }
    } else if (line.startsWith('C ') && cur) {
      const f = Buffer.from(line.slice(2), 'base64').toString('latin1').split('\0');
      for (let j = 0; j + 1 < f.length; j += 2) {
        const rel = Buffer.from(f[j]!, 'latin1').toString('utf8').replace(/^\/+/, '');
        cur.contents[rel] = Buffer.from(f[j + 1]!, 'base64');
      }
    }
  }
  return { now, paths: out };
}

const AGE_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `age`/`size` as Ansible reads them ("-3d", "10m", "2k"); undefined when it cannot. */
export function parseQuantity(v: string, units: Record<string, number>): number | undefined {
  const m = /^(-?\d+)([a-z])?$/.exec(v.toLowerCase());
  if (!m || (m[2] !== undefined && !(m[2] in units))) return undefined;
  return Number(m[1]) * (m[2] ? units[m[2]]! : 1);
}

/** Python's fnmatch.fnmatch on POSIX (case-sensitive): *, ?, [seq], [!seq]. */
export function fnmatch(name: string, pat: string): boolean {
  let re = '';
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i]!;
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '[') {
      let j = i + 1;
      if (pat[j] === '!') j++;
      if (pat[j] === ']') j++;
      while (j < pat.length && pat[j] !== ']') j++;
      if (j >= pat.length) re += '\\[';
      else {
        let body = pat.slice(i + 1, j).replace(/\\/g, '\\\\');
        i = j;
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        else if (body.startsWith('^')) body = `\\${body}`;
        re += `[${body}]`;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`).test(name);
}

function nameFilter(name: string, a: FindArgs, patterns: string[]): boolean {
  const matches = (p: string): boolean => (a.use_regex ? pyMatch(p, utf8bin(name)) : fnmatch(name, p));
  for (const p of patterns) {
    if (matches(p)) return !(a.excludes ?? []).some(matches);
  }
  return false;
}

/** Python's re.match (anchored at the start) for a translated regex. */
function pyMatch(pattern: string, s: string): boolean {
  const r = compilePyRegex(pattern).re;
  const sticky = new RegExp(r.source, `${r.flags.replace(/[gy]/g, '')}y`);
  sticky.lastIndex = 0;
  return sticky.test(s);
}

function contentFilter(bytes: Buffer | undefined, pattern: string | undefined, whole: boolean): boolean {
  if (pattern === undefined) return true;
  if (bytes === undefined) return false;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return false;
  }
  // Python's text mode: universal newlines
  const bin = utf8bin(text.replace(/\r\n?/g, '\n'));
  if (whole) return compilePyRegex(pattern).re.test(bin);
  return (bin.match(/[^\n]*\n|[^\n]+$/g) ?? []).some((line) => pyMatch(pattern, line));
}

function secondsOf(t: string): number {
  return Number(t);
}

function statInfo(e: FindEntry): Record<string, unknown> {
  const m = e.mode;
  const t = e.type;
  return {
    mode: (m & 0o7777).toString(8).padStart(4, '0'),
    isdir: t === 'd',
    ischr: t === 'c',
    isblk: t === 'b',
    isreg: t === 'f',
    isfifo: t === 'p',
    islnk: t === 'l',
    issock: t === 's',
    uid: e.uid,
    gid: e.gid,
    size: e.size,
    inode: e.inode,
    dev: e.dev,
    nlink: e.nlink,
    atime: float(secondsOf(e.atime)),
    mtime: float(secondsOf(e.mtime)),
    ctime: float(secondsOf(e.ctime)),
    // find prints the number when the id has no name; Ansible gives ""
    gr_name: e.group === String(e.gid) ? '' : e.group,
    pw_name: e.user === String(e.uid) ? '' : e.user,
    wusr: (m & 0o200) !== 0,
    rusr: (m & 0o400) !== 0,
    xusr: (m & 0o100) !== 0,
    wgrp: (m & 0o020) !== 0,
    rgrp: (m & 0o040) !== 0,
    xgrp: (m & 0o010) !== 0,
    woth: (m & 0o002) !== 0,
    roth: (m & 0o004) !== 0,
    xoth: (m & 0o001) !== 0,
    isuid: (m & 0o4000) !== 0,
    isgid: (m & 0o2000) !== 0,
  };
}

/** Python's os.path.normpath for POSIX paths (no trailing slash; two leading slashes kept). */
function normpath(p: string): string {
  if (p === '') return '.';
  const lead = p.startsWith('//') && !p.startsWith('///') ? '//' : p.startsWith('/') ? '/' : '';
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..' && (out.length > 0 ? out[out.length - 1] !== '..' : lead !== '')) {
      if (out.length > 0) out.pop();
      continue;
    }
    out.push(c);
  }
  return lead + out.join('/') || '.';
}

/** Ansible's find over probed listings: the registered result, and warnings for skipped paths. */
export function findResult(a: FindArgs, probe: FindProbe): { result: Record<string, unknown>; warnings: string[] } | { failed: string; result: Record<string, unknown> } {
  const patterns = a.patterns.length ? a.patterns : [a.use_regex ? '.*' : '*'];
  let age: number | undefined;
  if (a.age !== undefined) {
    age = parseQuantity(a.age, AGE_UNITS);
    if (age === undefined) return { failed: 'failed to process age', result: { age: a.age } };
  }
  let size: number | undefined;
  if (a.size !== undefined) {
    size = parseQuantity(a.size, SIZE_UNITS);
    if (size === undefined) return { failed: 'failed to process size', result: { size: a.size } };
  }
  const ageOk = (e: FindEntry): boolean => {
    if (age === undefined) return true;
    const d = probe.now - secondsOf(e[a.age_stamp]);
    return age >= 0 ? d >= Math.abs(age) : d <= Math.abs(age);
  };
  const sizeOk = (e: FindEntry): boolean => (size === undefined ? true : size >= 0 ? e.size >= Math.abs(size) : e.size <= Math.abs(size));

  const files: Record<string, unknown>[] = [];
  const skipped: Record<string, string> = {};
  const warnings: string[] = [];
  let looked = 0;
  for (const p of probe.paths) {
    if (!p.isDir) {
      skipped[p.path] = `'${p.path}' is not a directory`;
      warnings.push(`Skipped '${p.path}' path due to this access issue: ${skipped[p.path]}\n`);
      continue;
    }
    const children = new Map<string, FindEntry[]>();
    for (const e of p.entries) {
      const parent = posix.dirname(e.rel) === '.' ? '' : posix.dirname(e.rel);
      children.set(parent, [...(children.get(parent) ?? []), e]);
    }
    const walk = (dir: string, level: number): void => {
      const list = children.get(dir) ?? [];
      const dirs = list.filter((e) => e.followType === 'd');
      const order = [...list.filter((e) => e.followType !== 'd'), ...dirs];
      looked += list.length;
      let descend = [...dirs];
      for (const e of order) {
        const name = posix.basename(e.rel);
        const fsname = normpath(`${p.path}/${e.rel}`);
        if (a.depth && level + 1 > a.depth) {
          descend = [];
          continue;
        }
        if (name.startsWith('.') && !a.hidden) continue;
        const r: Record<string, unknown> = { path: fsname };
        const named = (): boolean => nameFilter(name, a, patterns) && ageOk(e);
        if (a.file_type === 'any') {
          if (named()) {
            Object.assign(r, statInfo(e));
            if (e.type === 'f' && a.get_checksum) r.checksum = sha1(p.contents[e.rel]);
            if (e.type !== 'f' || sizeOk(e)) files.push(r);
          }
        } else if (e.type === 'd' && a.file_type === 'directory') {
          if (named()) files.push(Object.assign(r, statInfo(e)));
        } else if (e.type === 'f' && a.file_type === 'file') {
          if (named() && sizeOk(e) && contentFilter(p.contents[e.rel], a.contains, a.read_whole_file)) {
            Object.assign(r, statInfo(e));
            if (a.get_checksum) r.checksum = sha1(p.contents[e.rel]);
            files.push(r);
          }
        } else if (e.type === 'l' && a.file_type === 'link') {
          if (named()) files.push(Object.assign(r, statInfo(e)));
        }
      }
      if (!a.recurse) return;
      for (const d of descend) if (a.follow || d.type !== 'l') walk(d.rel, level + 1);
    };
    walk('', 0);
  }
  const msg = warnings.length ? 'Not all paths examined, check warnings for details' : 'All paths examined';
  return { result: { files, changed: false, msg, matched: files.length, examined: looked, skipped_paths: skipped }, warnings };
}

function sha1(b: Buffer | undefined): string | undefined {
  return b === undefined ? undefined : createHash('sha1').update(b).digest('hex');
}

export const find = defineModule<FindArgs>({
  name: 'find',
  factsFree: true,
  description: 'List files below paths that match names (glob or Python regex), age, size, type or content (never changes anything)',
  args: withAliases({ name: 'paths', path: 'paths', pattern: 'patterns', exclude: 'excludes' }, schema) as unknown as z.ZodType<FindArgs>,
  probes: (a): Probe[] => [{ key: 'find', cmd: raw(findCommand(a)), parse: (r: RunResult) => parseFindProbe(a.paths, r) }],
  plan: (a, ctx): Plan => {
    let out: ReturnType<typeof findResult>;
    try {
      out = findResult(a, ctx.probed.find as FindProbe);
    } catch (e) {
      if (e instanceof PyRegexError) return { changed: false, commands: [], failed: e.message, result: {} };
      throw e;
    }
    if ('failed' in out) return { changed: false, commands: [], failed: out.failed, result: out.result };
    return { changed: false, commands: [], result: out.result, msg: out.result.msg as string, ...(out.warnings.length ? { warnings: out.warnings } : {}) };
  },
  returns: {
    files:
      'list of the matches, each {path, and stat fields: mode, isdir, isreg, islnk, uid, gid, pw_name, gr_name, size, inode, dev, nlink, atime, mtime, ctime, r/w/x bits, checksum with get_checksum}',
    matched: 'how many matched',
    examined: 'how many entries were looked at',
    skipped_paths: 'paths that could not be searched, with why',
    msg: '"All paths examined" or "Not all paths examined, check warnings for details"',
  },
});
