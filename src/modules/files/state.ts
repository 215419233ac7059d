import { raw, sh, type Shell } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import type { Probe } from '../types.js';

/** What `stat` says about one inode (the path itself, or what a symlink points at). */
export interface InodeInfo {
  type: 'file' | 'directory' | 'link' | 'other';
  /** Permission bits as 4 octal digits, e.g. "0644", "4755". */
  mode: string;
  uid: number;
  owner: string;
  gid: number;
  group: string;
  size: number;
  nlink: number;
  inode: number;
  device: number;
}

/** A remote path as one probe saw it. Ansible's `get_state` vocabulary is in `state`. */
export interface FileState {
  path: string;
  /** lexists: true for a dangling symlink too. */
  exists: boolean;
  /** Ansible's prev_state: absent, file, directory, link, hard (a regular file with nlink > 1). */
  state: 'absent' | 'file' | 'directory' | 'link' | 'hard' | 'other';
  /** lstat of the path itself (undefined when absent). */
  self?: InodeInfo;
  /** stat following symlinks (undefined when absent or a dangling link). */
  resolved?: InodeInfo;
  /** readlink of the path when it is a symlink. */
  linkTarget?: string;
  /** realpath (readlink -f) when the path resolves. */
  realPath?: string;
  /** File bytes (following symlinks) when asked for and the path resolves to a regular file. */
  content?: Buffer;
  /** With `emptiness`: a directory with no entries. */
  dirEmpty?: boolean;
  /** With `children`: does anything below a directory differ from the wanted attributes? */
  childrenDiffer?: boolean;
  /** With `childModes`: the distinct (type, mode) pairs of the directories and files below. */
  childModes?: Array<{ type: 'd' | 'f'; mode: string }>;
}

export interface ProbeFileOptions {
  /** Also read the file's bytes (base64 on the wire so CRLF, NUL and a missing final newline survive). */
  content?: boolean;
  /** For `file state=directory recurse=yes`: report whether any entry below differs (octal mode / owner / group). */
  children?: { mode?: string; owner?: string; group?: string };
  /** For a recursive symbolic mode: list the distinct (type, mode) pairs of the directories and files below. */
  childModes?: boolean;
  /** For `file state=link force=yes` over a directory: report whether the directory is empty. */
  emptiness?: boolean;
  /** Probe key; default `file:<path>`. */
  key?: string;
}

const STAT_FMT = '%f %a %u %U %g %G %s %h %i %d';

/** Shell that prints a parseable description of `path` (see parseFileState). One round trip, read-only. */
/** `r <base64 of readlink -f>`: the realpath of any path, newlines and all. */
function realpathBase64(path: string): Shell {
  return sh`printf 'r '; printf %s "$(readlink -f -- ${path})" | base64 | tr -d '\\n'; echo;`;
}

export function fileStateCommand(path: string, opts: ProbeFileOptions = {}): Shell {
  const realpathB64 = realpathBase64(path);
  const parts: Shell[] = [
    sh`if [ -L ${path} ] || [ -e ${path} ]; then`,
    sh`printf 'l '; stat -c ${STAT_FMT} -- ${path};`,
    // a symlink: what it points at, and where it resolves
    sh`if [ -L ${path} ]; then printf 't '; printf %s "$(readlink -- ${path})" | base64 | tr -d '\\n'; echo;`,
    sh`if [ -e ${path} ]; then printf 's '; stat -L -c ${STAT_FMT} -- ${path};`,
    realpathB64,
    raw('fi;'),
    // no symlink: stat -L would say what stat said (S), and the realpath is the parent's physical
    // path and the name, from shell builtins (readlink -f, base64 and tr where that cannot be used)
    raw('else echo S;'),
    fastRealpath(path) ?? realpathB64,
    raw('fi;'),
  ];
  if (opts.content) {
    parts.push(sh`if [ -f ${path} ]; then echo c; base64 < ${path} || echo '!unreadable'; fi;`);
  }
  if (opts.children) {
    const tests: Shell[] = [];
    const c = opts.children;
    if (c.mode) tests.push(sh`! -perm ${c.mode}`);
    if (c.owner) tests.push(/^\d+$/.test(c.owner) ? sh`! -uid ${c.owner}` : sh`! -user ${c.owner}`);
    if (c.group) tests.push(/^\d+$/.test(c.group) ? sh`! -gid ${c.group}` : sh`! -group ${c.group}`);
    if (tests.length > 0) {
      const expr = tests.map((t) => t.text).join(' -o ');
      parts.push(raw(`if [ -d ${sh`${path}`.text} ]; then printf 'k '; find ${sh`${path}`.text} -mindepth 1 \\( ${expr} \\) -print 2>/dev/null | head -n 1 | wc -l; fi;`));
    }
  }
  if (opts.childModes) {
    parts.push(raw(`if [ -d ${sh`${path}`.text} ]; then find ${sh`${path}`.text} -mindepth 1 \\( -type d -o -type f \\) -printf 'm %y %m\\n' 2>/dev/null | sort -u; fi;`));
  }
  if (opts.emptiness) parts.push(sh`if [ -d ${path} ] && [ ! -L ${path} ]; then printf 'e '; ls -A -- ${path} | head -n 1 | wc -l; fi;`);
  parts.push(raw('else echo absent; fi'));
  return raw(parts.map((p) => p.text).join(' '));
}

/**
 * `readlink -f` of an existing path that is no symlink, without a process: `cd -P` to its parent and
 * `pwd -P` (builtins, in a subshell), then the name: printed plain as `R <path>` (the path has no
 * newline; a parent resolving to a name with one falls back to readlink). Undefined for a path this
 * cannot take as written: relative, the root, a trailing slash, `.`/`..`/empty segments.
 */
function fastRealpath(path: string): Shell | undefined {
  if (!path.startsWith('/') || path.includes('\n') || path.length < 2 || path.endsWith('/')) return undefined;
  const segs = path.slice(1).split('/');
  if (segs.some((x) => x === '' || x === '.' || x === '..')) return undefined;
  const base = segs.pop()!;
  const dir = `/${segs.join('/')}`;
  const fallback = realpathBase64(path);
  return raw(
    `if __d=$(cd -P -- ${sh`${dir}`.text} 2>/dev/null && pwd -P); then case $__d in *'\n'*) ${fallback.text} ;; *) printf 'R %s/%s\\n' "\${__d%/}" ${sh`${base}`.text} ;; esac; else ${fallback.text} fi;`,
  );
}

/** A Probe reading `path`'s state; its parsed value is a FileState. */
export function probeFileState(path: string, opts: ProbeFileOptions = {}): Probe {
  return {
    key: opts.key ?? `file:${path}`,
    cmd: fileStateCommand(path, opts),
    parse: (r: RunResult) => parseFileState(path, r),
  };
}

function parseInode(text: string): InodeInfo {
  const f = text.trim().split(' ');
  if (f.length < 10) throw new Error(`unexpected stat output: ${text}`);
  const raw = parseInt(f[0]!, 16);
  const fmt = raw & 0o170000;
  const type = fmt === 0o100000 ? 'file' : fmt === 0o040000 ? 'directory' : fmt === 0o120000 ? 'link' : 'other';
  return {
    type,
    mode: (raw & 0o7777).toString(8).padStart(4, '0'),
    uid: Number(f[2]),
    owner: f[3]!,
    gid: Number(f[4]),
    group: f[5]!,
    size: Number(f[6]),
    nlink: Number(f[7]),
    inode: Number(f[8]),
    device: Number(f[9]),
  };
}

/** Parse the output of fileStateCommand. Throws on output it does not understand (a probe bug, not a user error). */
export function parseFileState(path: string, r: RunResult): FileState {
  const out = r.stdout;
  if (r.rc !== 0 && !out.trim()) throw new Error(`probing ${path} failed (rc ${r.rc}): ${r.stderr.trim()}`);
  const lines = out.split('\n');
  if (lines[0]?.trim() === 'absent') return { path, exists: false, state: 'absent' };
  const st: FileState = { path, exists: true, state: 'other' };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('l ')) st.self = parseInode(line.slice(2));
    else if (line.startsWith('t ')) st.linkTarget = Buffer.from(line.slice(2), 'base64').toString('utf8');
    else if (line.startsWith('s ')) st.resolved = parseInode(line.slice(2));
    else if (line === 'S') st.resolved = st.self;
    else if (line.startsWith('R ')) st.realPath = line.slice(2);
    else if (line.startsWith('r ')) st.realPath = Buffer.from(line.slice(2), 'base64').toString('utf8');
    else if (line.startsWith('k ')) st.childrenDiffer = Number(line.slice(2).trim()) > 0;
    else if (line.startsWith('e ')) st.dirEmpty = Number(line.slice(2).trim()) === 0;
    else if (/^m [df] [0-7]+$/.test(line)) (st.childModes ??= []).push({ type: line[2] as 'd' | 'f', mode: line.slice(4).padStart(4, '0') });
    else if (line === 'c') {
      const b64: string[] = [];
      let j = i + 1;
      for (; j < lines.length && /^[A-Za-z0-9+/=]*$/.test(lines[j]!) && !lines[j]!.startsWith('k '); j++) b64.push(lines[j]!);
      if (lines[j] === '!unreadable') throw new Error(`cannot read ${path}: ${r.stderr.trim()}`);
      st.content = Buffer.from(b64.join(''), 'base64');
      i = j - 1;
    }
  }
  if (!st.self) throw new Error(`unexpected probe output for ${path}: ${out.slice(0, 200)}`);
  st.state = st.self.type === 'link' ? 'link' : st.self.type === 'directory' ? 'directory' : st.self.type === 'file' ? (st.self.nlink > 1 ? 'hard' : 'file') : 'other';
  return st;
}

/** Test helper and fixture builder: the FileState a probe would report for a regular file. */
export function fileStateOf(path: string, content: Buffer | string | null, attrs: Partial<InodeInfo> = {}): FileState {
  if (content === null) return { path, exists: false, state: 'absent' };
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const info: InodeInfo = {
    type: 'file',
    mode: '0644',
    uid: 0,
    owner: 'root',
    gid: 0,
    group: 'root',
    size: bytes.length,
    nlink: 1,
    inode: 1,
    device: 1,
    ...attrs,
  };
  return { path, exists: true, state: 'file', self: info, resolved: info, realPath: path, content: bytes };
}

/** Test helper: a directory's FileState. */
export function dirStateOf(path: string, attrs: Partial<InodeInfo> = {}): FileState {
  const info: InodeInfo = {
    type: 'directory',
    mode: '0755',
    uid: 0,
    owner: 'root',
    gid: 0,
    group: 'root',
    size: 4096,
    nlink: 2,
    inode: 2,
    device: 1,
    ...attrs,
  };
  return { path, exists: true, state: 'directory', self: info, resolved: info, realPath: path };
}
