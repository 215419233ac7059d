/**
 * `git` (ansible.builtin.git, ansible-core 2.14): clone a repository or bring a checkout to a
 * version. One probe reads the checkout (HEAD, status, remote url, branches, HEAD files) and the
 * remote's refs (`git ls-remote`, matched here as git matches its patterns); check mode answers
 * from them as ansible does (ls-remote, nothing fetched). A real run is one script of the steps
 * ansible runs (clone, set-url, fetch, checkout/reset, submodules, archive), each step's output
 * marked so `interpret` reports the first failing step with ansible's message; `changed` is
 * before ≠ after (HEAD moved), local modifications reset, submodules updated or the remote url set.
 */
import { z } from 'zod';
import { argv, quote, raw, type Shell } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { defineModule, type FileDiff, type Outcome, type Plan, type Probe } from '../types.js';
import { bool, int, str, strList, withAliases } from '../system/args.js';

export const gitArgs = withAliases(
  { name: 'repo' },
  z
    .strictObject({
      repo: str,
      dest: str.optional(),
      version: str.default('HEAD'),
      remote: str.default('origin'),
      refspec: str.optional(),
      reference: str.optional(),
      force: bool.default(false),
      depth: int.optional(),
      clone: bool.default(true),
      update: bool.default(true),
      verify_commit: bool.default(false),
      gpg_whitelist: strList.default([]),
      accept_hostkey: bool.default(false),
      accept_newhostkey: bool.default(false),
      key_file: str.optional(),
      ssh_opts: str.optional(),
      executable: str.optional(),
      bare: bool.default(false),
      recursive: bool.default(true),
      single_branch: bool.default(false),
      track_submodules: bool.default(false),
      umask: z.unknown().optional(),
      archive: str.optional(),
      archive_prefix: str.optional(),
      separate_git_dir: str.optional(),
    })
    .superRefine((a, ctx) => {
      if (a.separate_git_dir !== undefined && a.bare) ctx.addIssue({ code: 'custom', message: 'parameters are mutually exclusive: separate_git_dir|bare' });
      if (a.accept_hostkey && a.accept_newhostkey) ctx.addIssue({ code: 'custom', message: 'parameters are mutually exclusive: accept_hostkey|accept_newhostkey' });
      if (a.archive_prefix !== undefined && a.archive === undefined) ctx.addIssue({ code: 'custom', message: "missing parameter(s) required by 'archive_prefix': archive" });
    }),
);
export type GitArgs = z.infer<typeof gitArgs>;

// ---------------------------------------------------------------- probe

interface Cap {
  rc: number;
  out: string;
  err: string;
}

/** What the probe found on the host. */
export interface GitProbe {
  path: string;
  git?: string;
  version?: string;
  home: string;
  /** Absolute dest (os.path.abspath) and realpath of separate_git_dir. */
  dest?: string;
  sepDir?: string;
  /** `.git` is a file: its first line; or the repository path could not be read. */
  gitFile?: string;
  repoPath?: string;
  sepDirExists?: boolean;
  configExists: boolean;
  before?: string;
  status?: string;
  remoteUrl?: Cap;
  branches?: string;
  headFile?: string;
  remoteHeadFile?: string;
  /** `git ls-remote` of the remote ansible asks (the repo url, or the remote's name inside dest). */
  lsRemote?: Cap;
  sshAcceptNew?: boolean;
  archiveExists?: boolean;
}

const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

/** A shell function: run a command, print `@@cap KEY RC OUT ERR` (base64), return its rc. */
const CAP =
  'cap() { k=$1; shift; e=$(mktemp); o=$("$@" 2>"$e"; r=$?; echo .; exit $r); r=$?; printf "@@cap %s %s %s %s\\n" "$k" $r "$(printf %s "${o%.}" | base64 -w0)" "$(base64 -w0 < "$e")"; rm -f "$e"; return $r; }';

/** ansible turns a path repo (`/srv/x.git`, `~/x`) into a file:// url; `~` is the remote user's home. */
export function repoUrl(repo: string, home: string): string {
  const expanded = repo === '~' || repo.startsWith('~/') ? home + repo.slice(1) : repo;
  return expanded.startsWith('/') ? `file://${expanded}` : repo;
}

/** ansible's ssh options for GIT_SSH_COMMAND (accept_hostkey, BatchMode, key_file). */
export function sshCommand(a: GitArgs, acceptNew: boolean): string {
  let opts: string | undefined = a.ssh_opts;
  const addStrict = (v: string) => {
    if (opts === undefined) opts = `-o StrictHostKeyChecking=${v}`;
    else if (!opts.includes('-o StrictHostKeyChecking=no') && !opts.includes('-o StrictHostKeyChecking=accept-new')) opts += ` -o StrictHostKeyChecking=${v}`;
  };
  if (a.accept_hostkey) addStrict('no');
  if (a.accept_newhostkey && acceptNew) addStrict('accept-new');
  let s = opts === undefined ? '' : ` ${opts}`;
  if (a.accept_hostkey && !s.includes('StrictHostKeyChecking=no')) s += ' -o StrictHostKeyChecking=no';
  if (!s.includes('BatchMode=yes')) s += ' -o BatchMode=yes';
  if (a.key_file !== undefined) {
    const key = `-i ${a.key_file}`;
    if (!s.includes(key)) s += `  ${key}`;
    if (!s.includes('IdentitiesOnly=yes')) s += ' -o IdentitiesOnly=yes';
  }
  return `ssh${s ? ` ${s}` : ''}`;
}

function env(a: GitArgs, acceptNew: boolean): Record<string, string> {
  return { LANG: 'C.utf8', LC_ALL: 'C.utf8', LC_MESSAGES: 'C.utf8', LC_CTYPE: 'C.utf8', GIT_SSH_COMMAND: sshCommand(a, acceptNew) };
}

const envPrefix = (e: Record<string, string>) => Object.entries(e).map(([k, v]) => `${k}=${quote(v)}`);

function probeScript(a: GitArgs, check: boolean): Shell {
  const exe = a.executable !== undefined ? quote(a.executable) : '"$(command -v git)"';
  const lines = [
    CAP,
    'printf "path=%s\\n" "$PATH"',
    'printf "home=%s\\n" "$HOME"',
    `g=${exe}`,
    `if [ -n "$g" ] && { [ -x "$g" ] || command -v "$g" >/dev/null 2>&1; }; then printf "git=%s\\n" "$g"; printf "version=%s\\n" "$("$g" --version 2>/dev/null)"; else exit 0; fi`,
    `export ${envPrefix(env(a, false)).join(' ')}`,
  ];
  if (a.accept_newhostkey) lines.push('if ssh -o StrictHostKeyChecking=accept-new -V >/dev/null 2>&1; then echo acceptnew; fi');
  if (a.separate_git_dir !== undefined) lines.push(`printf "sepdir=%s\\n" "$(realpath -m -- ${quote(a.separate_git_dir)})"`);
  if (a.dest !== undefined) {
    const bare = a.bare ? '1' : '';
    lines.push(
      `d=$(realpath -m -s -- ${quote(a.dest)}); printf "dest=%s\\n" "$d"`,
      `if [ -n "${bare}" ]; then rp=$d; else rp=$d/.git; fi`,
      'if [ -f "$rp" ]; then printf "gitfile=%s\\n" "$(head -n1 "$rp" | base64 -w0)"; gd=$(head -n1 "$rp" | sed "s/^gitdir: //"); case $gd in /*) rp=$gd;; *) rp=$d/$gd;; esac; fi',
      'printf "repopath=%s\\n" "$rp"',
      'if [ -f "$rp/config" ]; then echo config',
      '  cd "$d" && {',
      '  cap before "$g" rev-parse HEAD',
      bare ? '  :' : '  cap status "$g" status --porcelain',
      `  cap remoteurl "$g" ls-remote --get-url ${quote(a.remote)}`,
      '  cap branches "$g" branch --no-color -a',
      '  [ -f "$rp/HEAD" ] && printf "headfile=%s\\n" "$(head -n1 "$rp/HEAD" | base64 -w0)"',
      `  [ -f "$rp/refs/remotes/"${quote(a.remote)}/HEAD ] && printf "remotehead=%s\\n" "$(head -n1 "$rp/refs/remotes/"${quote(a.remote)}/HEAD | base64 -w0)"`,
      '  }',
      'fi',
    );
    if (a.separate_git_dir !== undefined) lines.push(`[ -e "$(realpath -m -- ${quote(a.separate_git_dir)})" ] && echo sepdirexists`);
    if (a.archive !== undefined) lines.push(`[ -e ${quote(a.archive)} ] && echo archiveexists`);
  }
  // Which remote ansible's ls-remote calls ask: the url when cloning (or after set-url), the remote's name in check mode.
  const inDest = check && a.dest !== undefined;
  lines.push(
    inDest
      ? `if [ -f "$rp/config" ]; then (cd "$d" && cap lsremote "$g" ls-remote ${quote(a.remote)}); else cap lsremote "$g" ls-remote "$repo"; fi`
      : 'cap lsremote "$g" ls-remote "$repo"',
  );
  // $repo: the url as ansible forms it (needs $HOME for ~).
  lines.splice(6, 0, `repo=${quote(a.repo)}; case $repo in '~'|'~/'*) repo=$HOME\${repo#\\~};; esac; case $repo in /*) repo=file://$repo;; *) repo=${quote(a.repo)};; esac`);
  return raw(lines.join('\n'));
}

export function parseGitProbe(stdout: string): GitProbe {
  const p: GitProbe = { path: '', home: '', configExists: false };
  const caps: Record<string, Cap> = {};
  for (const line of stdout.split('\n')) {
    const w = line.split(' ');
    const eq = line.indexOf('=');
    const k = eq > 0 ? line.slice(0, eq) : line;
    const v = eq > 0 ? line.slice(eq + 1) : '';
    if (w[0] === '@@cap' && w[1]) caps[w[1]] = { rc: Number(w[2]), out: unb64(w[3]), err: unb64(w[4]) };
    else if (k === 'path') p.path = v;
    else if (k === 'home') p.home = v;
    else if (k === 'git') p.git = v;
    else if (k === 'version') p.version = v;
    else if (k === 'dest') p.dest = v;
    else if (k === 'sepdir') p.sepDir = v;
    else if (k === 'gitfile') p.gitFile = unb64(v);
    else if (k === 'repopath') p.repoPath = v;
    else if (k === 'headfile') p.headFile = unb64(v);
    else if (k === 'remotehead') p.remoteHeadFile = unb64(v);
    else if (line === 'config') p.configExists = true;
    else if (line === 'acceptnew') p.sshAcceptNew = true;
    else if (line === 'sepdirexists') p.sepDirExists = true;
    else if (line === 'archiveexists') p.archiveExists = true;
  }
  if (caps.before) p.before = caps.before.out.replace(/\n+$/, '');
  if (caps.status) p.status = caps.status.out;
  if (caps.remoteurl) p.remoteUrl = caps.remoteurl;
  if (caps.branches) p.branches = caps.branches.out;
  if (caps.lsremote) p.lsRemote = caps.lsremote;
  return p;
}

// ---------------------------------------------------------------- ansible's readings of git output

const globRe = (p: string) =>
  p
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : /[\\^$.|+(){}[\]]/.test(c) ? `\\${c}` : c))
    .join('');

/** `git ls-remote R <patterns>`: the listing's lines whose ref matches a pattern as git's tail match does. */
export function lsRemoteMatch(listing: string, patterns: string[]): string {
  const res = patterns.map((p) => new RegExp(`^.*/${globRe(p)}$`, 's'));
  const out = listing
    .split('\n')
    .filter((l) => l !== '')
    .filter((l) => {
      const ref = l.slice(l.indexOf('\t') + 1);
      return res.some((r) => r.test(`/${ref}`));
    });
  return out.length ? `${out.join('\n')}\n` : '';
}

/** head_splitter: the branch named by a HEAD file's first line. */
export function headSplitter(line: string | undefined, remote: string): string | null {
  if (!line) return null;
  const parts = line.replace(`refs/remotes/${remote}`, '').split(' ');
  const n = parts[parts.length - 1]!.split('/');
  const last = n.length > 2 ? n.slice(2).join('/') : n[n.length - 1]!;
  return last.replace(/\n+$/, '');
}

/** ansible's LooseVersion comparison of `git --version`'s number against a release. */
export function versionAtLeast(v: string | undefined, want: string): boolean {
  if (!v) return false;
  const parts = (s: string) => (s.match(/\d+|[a-z]+/gi) ?? []).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const a = parts(v);
  const b = parts(want);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return false;
    if (y === undefined) return true;
    if (x === y) continue;
    if (typeof x === typeof y) return x > y;
    return typeof x === 'number';
  }
  return true;
}

/** os.path.normpath of an absolute or relative path (no symlinks read). */
function normpath(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const s of p.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
    } else out.push(s);
  }
  return (abs ? '/' : '') + out.join('/') || (abs ? '/' : '.');
}

class GitFail extends Error {
  constructor(
    msg: string,
    readonly fields: Record<string, unknown> = {},
  ) {
    super(msg);
  }
}

/** How the probe and the arguments decide the remote's refs (is_remote_branch, is_remote_tag, get_remote_head). */
class Remote {
  constructor(
    private readonly p: GitProbe,
    private readonly cmdFor: (patterns: string[]) => string,
  ) {}
  private listing(patterns: string[]): string {
    const ls = this.p.lsRemote;
    if (!ls) throw new GitFail('internal: git ls-remote was not probed');
    if (ls.rc !== 0) throw new GitFail(ls.err.replace(/\s+$/, ''), { cmd: this.cmdFor(patterns), rc: ls.rc, stdout: ls.out, stderr: ls.err });
    return lsRemoteMatch(ls.out, patterns);
  }
  isBranch(version: string): boolean {
    return this.listing(['-h', `refs/heads/${version}`]).includes(version);
  }
  isTag(version: string): boolean {
    return this.listing(['-t', `refs/tags/${version}`]).includes(version);
  }
  /** get_remote_head: the sha the remote has for version (a sha is returned as given). */
  head(version: string, cloning: boolean, headBranch: () => string | null): string {
    let patterns: string[];
    let tag = false;
    if (version === 'HEAD') patterns = cloning ? ['-h', 'HEAD'] : ['-h', `refs/heads/${headBranch()}`];
    else if (this.isBranch(version)) patterns = ['-h', `refs/heads/${version}`];
    else if (this.isTag(version)) {
      tag = true;
      patterns = ['-t', `refs/tags/${version}*`];
    } else return version;
    let out = this.listing(patterns);
    if (out.length < 1) {
      const ls = this.p.lsRemote!;
      throw new GitFail(`Could not determine remote revision for ${version}`, { stdout: out, stderr: ls.err, rc: ls.rc });
    }
    if (tag) {
      for (const t of out.split('\n')) {
        if (t.endsWith(`${version}^{}`)) {
          out = t;
          break;
        } else if (t.endsWith(version)) out = t;
      }
    }
    return out.split(/\s+/).filter(Boolean)[0] ?? '';
  }
}

// ---------------------------------------------------------------- the run script

/** A step of the run script: its key (for interpret's message) and its command words. */
const step = (key: string, words: Shell): string => `cap ${key} ${words.text} || exit 0`;

const ARCHIVE_FORMATS: Record<string, string> = { '.zip': 'zip', '.gz': 'tar.gz', '.tar': 'tar', '.tgz': 'tgz' };

function splitext(p: string): string {
  const base = p.slice(p.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 && base.slice(0, dot).replace(/\./g, '') !== '' ? base.slice(dot) : '';
}

interface Ctx {
  a: GitArgs;
  p: GitProbe;
  g: string;
  repo: string;
  dest: string;
  remote: Remote;
  warnings: string[];
  depth: number | undefined;
}

function archiveLines(c: Ctx, version: string): string[] {
  const { a, g } = c;
  const archive = a.archive!;
  const fmt = ARCHIVE_FORMATS[splitext(archive)];
  if (fmt === undefined)
    throw new GitFail(`Unable to get file extension from archive file name : ${archive}`, {
      details: "Please specify archive as filename with extension. File extension can be one of ['tar', 'tar.gz', 'zip', 'tgz']",
    });
  const words = (out: string) => argv([g, 'archive', '--format', fmt, '--output', out, ...(a.archive_prefix !== undefined ? ['--prefix', a.archive_prefix] : []), version]);
  const name = c.repo.split('/').pop()!.replace(/\.git/g, '');
  if (c.p.archiveExists) {
    return [
      `t=$(mktemp -d); n="$t"/${quote(`${name}.${fmt}`)}`,
      `cap archive ${words('@@N@@').text.replace(quote('@@N@@'), '"$n"')} || { rm -rf "$t"; exit 0; }`,
      `if cmp -s "$n" ${quote(archive)}; then echo @@archive-same; else mv -f "$n" ${quote(archive)} && echo @@archive-changed || echo @@archive-move-failed; fi; rm -rf "$t"`,
    ];
  }
  return [step('archive', words(archive)), 'echo @@archive-changed'];
}

/** The fetch ansible runs on an existing checkout (its refspecs chosen from the remote's refs). */
function fetchLine(c: Ctx, headBranch: string | null): string {
  const { a, g } = c;
  const cmd: string[] = [g, 'fetch'];
  let refspecs: string[] = [];
  if (c.depth) {
    if (a.refspec) refspecs.push(a.refspec);
    else if (a.version === 'HEAD') refspecs.push(headBranch ?? 'None');
    else if (c.remote.isBranch(a.version)) {
      if (headBranch !== a.version) refspecs.push(`+refs/heads/${a.version}:refs/heads/${a.version}`);
      refspecs.push(`+refs/heads/${a.version}:refs/remotes/${a.remote}/${a.version}`);
    } else if (c.remote.isTag(a.version)) refspecs.push(`+refs/tags/${a.version}:refs/tags/${a.version}`);
    if (refspecs.length) cmd.push('--depth', String(c.depth));
  }
  if (!c.depth || !refspecs.length) {
    if (a.bare) refspecs = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];
    else cmd.push('--tags');
    if (a.refspec) refspecs.push(a.refspec);
  }
  if (a.force) cmd.push('--force');
  cmd.push(a.remote);
  return step('fetch', argv([...cmd, ...refspecs]));
}

/** switch_version: check the version out (branch: tracked and reset to the remote's). */
function switchLines(c: Ctx, headBranch: string | null): string[] {
  const { a, g } = c;
  const R = a.remote;
  const v = a.version;
  if (v === 'HEAD') {
    // after a clone HEAD names the remote's default branch: read it as head_splitter does
    const b = headBranch !== null ? quote(headBranch) : '"$hb"';
    const lines =
      headBranch !== null
        ? []
        : [
            `hb=$(head -n1 ${c.p.repoPath && c.p.configExists ? quote(`${c.p.repoPath}/HEAD`) : '"$rp/HEAD"'}); hb=\${hb##* }; hb=\${hb#*/}; hb=\${hb#*/}; printf "@@headbranch %s\\n" "$hb"`,
          ];
    return [...lines, `cap checkout ${quote(g)} checkout --force ${b} || exit 0`, `cap switch ${quote(g)} reset --hard ${quote(R)}/${b} -- || exit 0`];
  }
  if (c.remote.isBranch(v)) {
    const local = `${quote(g)} show-ref --verify --quiet ${quote(`refs/heads/${v}`)}`;
    const out: string[] = [];
    if (c.depth)
      out.push(
        `if ! ${local}; then cap setbranch ${argv([g, 'fetch', `--depth=${c.depth}`, R, `+refs/heads/${v}:refs/heads/${v}`, `+refs/heads/${v}:refs/remotes/${R}/${v}`]).text} || exit 0; fi`,
      );
    out.push(
      `if ! ${local}; then cap switch ${argv([g, 'checkout', '--track', '-b', v, `${R}/${v}`]).text} || exit 0; else cap checkout ${argv([g, 'checkout', '--force', v]).text} || exit 0; cap switch ${argv([g, 'reset', '--hard', `${R}/${v}`]).text} || exit 0; fi`,
    );
    return out;
  }
  return [step('switch', argv([g, 'checkout', '--force', v]))];
}

function verifyLines(c: Ctx): string[] {
  const { a, g } = c;
  const sub = `if ${quote(g)} for-each-ref refs/tags/ --format '%(objecttype):%(refname:short)' | grep -qxF ${quote(`tag:${a.version}`)}; then vs=verify-tag; else vs=verify-commit; fi`;
  return [sub, `cap verify ${quote(g)} "$vs" ${quote(a.version)}${a.gpg_whitelist.length ? ' --raw' : ''} || exit 0`];
}

function submoduleLines(c: Ctx): string[] {
  const { a, g } = c;
  const G = quote(g);
  const track = a.track_submodules;
  return [
    'if [ -f .gitmodules ]; then',
    '  sc=; for sp in $(sed -n "s/^[[:space:]]*path[^=]*=[[:space:]]*//p" .gitmodules); do [ -e "$sp/.git" ] || sc=1; done',
    '  if [ -z "$sc" ]; then',
    `    sb=$(${G} submodule foreach ${G} rev-parse HEAD 2>/dev/null)`,
    `    cap subfetch ${G} submodule foreach ${G} fetch || exit 0`,
    track
      ? `    sa=$(${G} submodule foreach ${G} rev-parse ${quote(`${a.remote}/master`)} 2>/dev/null); [ "$sb" != "$sa" ] && sc=1`
      : `    ${G} submodule status | grep -q '^[^ ]' && sc=1`,
    '  fi',
    '  if [ -n "$sc" ]; then echo @@submodules-changed',
    `    cap subsync ${G} submodule sync || exit 0`,
    `    cap subupdate ${G} submodule update --init --recursive${track ? ` $(${G} submodule update --help 2>&1 | grep -q 'git submodule \\[--quiet\\] update .*--remote' && echo --remote)` : ''}${a.force ? ' --force' : ''} || exit 0`,
    '  fi',
    'fi',
  ];
}

// ---------------------------------------------------------------- plan

const fail = (msg: string, result: Record<string, unknown> = {}): Plan => ({ changed: false, commands: [], failed: msg, result });

function planGit(a: GitArgs, p: GitProbe, check: boolean, wantDiff: boolean): Plan {
  if (!p.git) {
    if (a.executable !== undefined) return fail(`[Errno 2] No such file or directory: b'${a.executable}'`);
    const dirs = p.path.split(':');
    for (const d of ['/sbin', '/usr/sbin', '/usr/local/sbin']) if (!dirs.includes(d)) dirs.push(d);
    return fail(`Failed to find required executable "git" in paths: ${dirs.join(':')}`);
  }
  const warnings: string[] = [];
  if (a.accept_newhostkey && !p.sshAcceptNew) warnings.push('Your ssh client does not support accept_newhostkey option, therefore it cannot be used.');
  let umask: string | undefined;
  if (a.umask !== undefined && a.umask !== null) {
    if (typeof a.umask !== 'string') return fail('umask must be defined as a quoted octal integer');
    if (!/^\s*[+-]?(0o)?[0-7]+(_[0-7]+)*\s*$/i.test(a.umask)) return fail('umask must be an octal integer', { details: `invalid literal for int() with base 8: '${a.umask}'` });
    umask = a.umask.trim().replace(/^0o/i, '').replace(/_/g, '');
  }
  const repo = repoUrl(a.repo, p.home);
  const result: Record<string, unknown> = { changed: false };
  const dest = p.dest;
  if (a.dest === undefined && a.clone) return fail('the destination directory must be specified unless clone=no');
  const g = p.git;
  let depth = a.depth;
  if (depth !== undefined && !versionAtLeast(p.version?.replace(/^git version /, ''), '1.9.1')) {
    warnings.push('git version is too old to fully support the depth argument. Falling back to full checkouts.');
    depth = undefined;
  }
  const gitCmd = (target: string, patterns: string[]) => [g, 'ls-remote', target, ...patterns].join(' ');
  const cloning = !p.configExists;
  const remote = new Remote(p, (pats) => gitCmd(cloning || !check ? repo : a.remote, pats));
  const c: Ctx = { a, p, g, repo, dest: dest ?? '', remote, warnings, depth };
  const headBranch = (): string | null => {
    const detached = (p.branches ?? '')
      .split('\n')
      .map((l) => l.trim())
      .some((l) => l.startsWith('* ') && (l.includes('no branch') || l.includes('detached from') || l.includes('detached at')));
    return headSplitter(detached ? p.remoteHeadFile : p.headFile, a.remote);
  };
  const done = (extra: Partial<Plan> = {}): Plan => ({ changed: result.changed === true, commands: [], result, warnings, ...extra });
  const prepared = (before: string | null, after: string): Record<string, unknown> | undefined => (before === null ? { prepared: `>> Newly checked out ${after}` } : undefined);
  const diffOf = (d: Record<string, unknown> | undefined): FileDiff[] | undefined =>
    d ? [{ path: a.dest ?? a.repo, before: '', after: `${String(d.prepared)}\n`, beforeHeader: 'before', afterHeader: 'after' }] : undefined;
  try {
    if (p.gitFile !== undefined && !/^gitdir: /.test(p.gitFile))
      return fail('Current repo does not have a valid reference to a separate Git dir or it refers to the invalid path', {
        details: '.git file has invalid git dir reference format',
      });
    const script: string[] = [CAP, `export ${envPrefix(env(a, !!p.sshAcceptNew)).join(' ')}`];
    if (umask !== undefined) script.push(`umask ${umask}`);
    if (a.separate_git_dir !== undefined && p.configExists && p.sepDir !== p.repoPath) {
      result.changed = true;
      if (!check) {
        if (p.sepDirExists) return fail(`Separate-git-dir path ${p.sepDir} already exists.`);
        const old = p.repoPath!;
        script.push(`mv -- ${quote(old)} ${quote(p.sepDir!)} && printf %s ${quote(`gitdir: ${p.sepDir}`)} > ${quote(`${dest}/.git`)} || { echo @@relocate-failed; exit 0; }`);
        result.git_dir_before = old;
        result.git_dir_now = p.sepDir;
      }
    }
    result.before = null;
    let localMods = false;
    let remoteUrlChanged = false;
    let knownHead: string | null = null;
    if ((dest !== undefined && !p.configExists) || (dest === undefined && !a.clone)) {
      if (check || !a.clone) {
        const after = remote.head(a.version, true, headBranch);
        result.changed = true;
        result.after = after;
        const d = wantDiff ? prepared(null, after) : undefined;
        if (d) result.diff = d;
        return done({ diff: diffOf(d) });
      }
      // clone
      const isBranchOrTag = remote.isBranch(a.version) || remote.isTag(a.version);
      const cmd: string[] = [g, 'clone', ...(a.bare ? ['--bare'] : ['--origin', a.remote])];
      if (depth) {
        if (a.version === 'HEAD' || a.refspec) cmd.push('--depth', String(depth));
        else if (isBranchOrTag) cmd.push('--depth', String(depth), '--branch', a.version);
        else warnings.push('Ignoring depth argument. Shallow clones are only available for HEAD, branches, tags or in combination with refspec.');
      }
      if (a.reference !== undefined) cmd.push('--reference', a.reference);
      if (a.single_branch) {
        cmd.push('--single-branch');
        if (isBranchOrTag) cmd.push('--branch', a.version);
      }
      if (a.separate_git_dir !== undefined) cmd.push(`--separate-git-dir=${p.sepDir}`);
      cmd.push(repo, dest!);
      const parent = dest!.slice(0, dest!.lastIndexOf('/')) || '/';
      script.push(`mkdir -p -- ${quote(parent)} 2>/dev/null; cd -- ${quote(parent)} || exit 0`, step('clone', argv(cmd)), `cd -- ${quote(dest!)} || exit 0`);
      script.push(`if [ -n "${a.bare ? '1' : ''}" ]; then rp=.; elif [ -f .git ]; then rp=$(sed -n '1s/^gitdir: //p' .git); else rp=.git; fi`);
      if (a.bare && a.remote !== 'origin') script.push(step('remoteadd', argv([g, 'remote', 'add', a.remote, repo])));
      if (a.refspec) script.push(step('refspec', argv([g, 'fetch', ...(depth ? ['--depth', String(depth)] : []), a.remote, a.refspec])));
      if (a.verify_commit) script.push(...verifyLines(c));
    } else if (!a.update) {
      result.before = p.before ?? '';
      result.after = result.before;
      if (a.archive !== undefined) {
        if (check) {
          result.changed = true;
          return done();
        }
        script.push(`cd -- ${quote(dest!)} || exit 0`, ...archiveLines(c, a.version));
        return runPlan(c, script, result, { before: String(result.before), noAfter: true, localMods, remoteUrlChanged, wantDiff: false });
      }
      return done();
    } else {
      localMods = !a.bare && (p.status ?? '').split('\n').some((l) => l !== '' && !/^\?\?/.test(l));
      result.before = p.before ?? '';
      script.push(`cd -- ${quote(dest!)} || exit 0`);
      if (localMods) {
        if (!a.force) return fail(`Local modifications exist in the destination: ${dest} (force=no).`, result);
        if (!check) {
          script.push(step('reset', argv([g, 'reset', '--hard', 'HEAD'])));
          result.changed = true;
          result.msg = `Local modifications exist in the destination: ${dest}`;
        }
      }
      const url = p.remoteUrl && p.remoteUrl.rc === 0 ? p.remoteUrl.out.replace(/\n+$/, '') : null;
      const same = url === repo || (url !== null && normpath(url) === normpath(repo));
      if (check) {
        result.remote_url_changed = !!url && !same;
        const after = remote.head(a.version, false, headBranch);
        result.changed = result.before !== after || result.remote_url_changed === true;
        result.after = after;
        return done();
      }
      remoteUrlChanged = !same && url !== null;
      if (!same) script.push(`cap seturl ${argv([g, 'remote', 'set-url', a.remote, repo]).text} || exit 0`);
      result.remote_url_changed = remoteUrlChanged;
      knownHead = headBranch();
      script.push(fetchLine(c, knownHead));
    }
    if (!a.bare) {
      script.push(...switchLines(c, a.version === 'HEAD' && p.configExists ? knownHead : null));
      if (a.verify_commit) script.push(...verifyLines(c));
    }
    if (a.recursive && !a.bare) script.push(...submoduleLines(c));
    script.push(`printf "@@after %s\\n" "$(${quote(g)} rev-parse HEAD 2>/dev/null)"`);
    if (wantDiff && p.configExists)
      script.push(
        `a=$(${quote(g)} rev-parse HEAD 2>/dev/null); if [ ${quote(String(result.before))} != "$a" ]; then ${quote(g)} fetch --tags ${quote(a.remote)} >/dev/null 2>&1; cap gitdiff ${quote(g)} diff ${quote(String(result.before))} "$a"; fi`,
      );
    if (a.archive !== undefined) script.push(...archiveLines(c, a.version));
    return runPlan(c, script, result, { before: p.configExists ? String(result.before) : null, localMods, remoteUrlChanged, wantDiff, headBranch: knownHead });
  } catch (e) {
    if (e instanceof GitFail) return fail(e.message, e.fields);
    throw e;
  }
}

interface RunOpts {
  before: string | null;
  noAfter?: boolean;
  localMods: boolean;
  remoteUrlChanged: boolean;
  wantDiff: boolean;
  /** The branch HEAD names in an existing checkout (version HEAD's checkout messages). */
  headBranch?: string | null;
}

/** Ansible's failure message for each step of the run script. */
function stepFailure(key: string, cap: Cap, a: GitArgs, repo: string, cmd?: string): { msg: string; fields: Record<string, unknown> } {
  const std = { stdout: cap.out, stderr: cap.err, rc: cap.rc };
  const v = a.version;
  switch (key) {
    case 'clone':
    case 'remoteadd':
    case 'refspec':
    case 'reset':
    case 'subfetch':
    case 'subsync':
      return { msg: cap.err.replace(/\s+$/, ''), fields: { ...std, ...(cmd ? { cmd } : {}) } };
    case 'seturl':
      return { msg: `Failed to set a new url ${repo} for ${a.remote}: ${cap.out} ${cap.err}`, fields: {} };
    case 'fetch':
      return { msg: `Failed to download remote objects and refs: ${cap.out} ${cap.err}`, fields: {} };
    case 'setbranch':
      return { msg: `Failed to fetch branch from remote: ${v}`, fields: std };
    case 'checkout':
      return { msg: `Failed to checkout branch ${v}`, fields: std };
    case 'switch':
      return { msg: v === 'HEAD' ? 'Failed to checkout branch' : `Failed to checkout ${v}`, fields: std };
    case 'verify':
      return { msg: `Failed to verify GPG signature of commit/tag "${v}"`, fields: std };
    case 'subupdate':
      return { msg: `Failed to init/update submodules: ${cap.out}${cap.err}`, fields: {} };
    case 'archive':
      return {
        msg: 'Failed to perform archive operation',
        fields: { details: `Git archive command failed to create archive ${a.archive} using ${a.dest} directory.Error: ${cap.err}` },
      };
    default:
      return { msg: `${key} failed: ${cap.err}`, fields: std };
  }
}

/** get_gpg_fingerprint: the primary key's fingerprint from `--raw` status lines. */
export function gpgFingerprint(err: string): string | undefined {
  for (const line of err.split('\n')) {
    const d = line.split(/\s+/).filter(Boolean);
    if (d[1] !== 'VALIDSIG') continue;
    return d[d.length === 11 ? 11 : 2];
  }
  return undefined;
}

function runPlan(c: Ctx, script: string[], result: Record<string, unknown>, o: RunOpts): Plan {
  const { a } = c;
  const interpret = (outputs: RunResult[]): Outcome => {
    const r = outputs[0] ?? { rc: 1, stdout: '', stderr: 'no output', durationMs: 0 };
    const res: Record<string, unknown> = { ...result };
    let after: string | undefined;
    let submodules = false;
    let headBranch: string | undefined;
    let archiveChanged: boolean | undefined;
    for (const line of r.stdout.split('\n')) {
      const w = line.split(' ');
      if (w[0] === '@@cap' && w[1]) {
        const cap = { rc: Number(w[2]), out: unb64(w[3]), err: unb64(w[4]) };
        if (w[1] === 'gitdiff') {
          if (cap.rc === 0 && cap.out) res.diff = { prepared: cap.out };
          else if (cap.rc === 0) res.diff = { prepared: `>> No visual differences between ${o.before} and ${after}` };
          else res.diff = { prepared: `>> Failed to get proper diff between ${o.before} and ${after}${cap.err ? `:\n>> ${cap.err}` : ''}` };
          continue;
        }
        if (cap.rc !== 0) {
          const f = stepFailure(w[1], cap, a, c.repo);
          if ((w[1] === 'switch' || w[1] === 'checkout') && a.version === 'HEAD') f.msg = `Failed to checkout branch ${headBranch ?? o.headBranch ?? ''}`;
          return { changed: false, failed: f.msg, result: f.fields };
        }
        if (w[1] === 'verify' && a.gpg_whitelist.length) {
          const fp = gpgFingerprint(cap.err);
          if (fp === undefined || !a.gpg_whitelist.includes(fp))
            return {
              changed: false,
              failed: `The gpg_whitelist does not include the public key "${fp ?? 'None'}" for this commit`,
              result: { stdout: cap.out, stderr: cap.err, rc: cap.rc },
            };
        }
      } else if (w[0] === '@@after') after = w.slice(1).join(' ');
      else if (w[0] === '@@headbranch') headBranch = w.slice(1).join(' ');
      else if (line === '@@submodules-changed') submodules = true;
      else if (line === '@@archive-changed') archiveChanged = true;
      else if (line === '@@archive-same') archiveChanged = false;
      else if (line === '@@archive-move-failed') return { changed: false, failed: `Failed to move archive to ${a.archive}` };
      else if (line === '@@relocate-failed') return { changed: false, failed: 'Unable to move git dir.' };
    }
    if (r.rc !== 0 && after === undefined && archiveChanged === undefined) return { changed: false, failed: r.stderr.trim() || `git run failed (rc=${r.rc})` };
    if (!o.noAfter) res.after = after ?? '';
    if (submodules) res.submodules_changed = true;
    if (res.before !== res.after || o.localMods || submodules || o.remoteUrlChanged) {
      res.changed = true;
      if (o.wantDiff && o.before === null) res.diff = { prepared: `>> Newly checked out ${res.after}` };
    } else delete res.diff;
    if (archiveChanged !== undefined) res.changed = archiveChanged;
    return { changed: res.changed === true, result: res };
  };
  return {
    changed: true,
    commands: [{ kind: 'shell', cmd: raw(script.join('\n')), describe: `git: ${a.dest ?? a.repo} at ${a.version}`, mayFail: true }],
    result,
    warnings: c.warnings,
    interpret,
  };
}

export const gitModule = defineModule<GitArgs>({
  name: 'git',
  factsFree: true,
  aliases: ['ansible.builtin.git'],
  description: 'Clone a git repository or bring a checkout to a version (branch, tag, sha), as ansible.builtin.git.',
  args: gitArgs,
  returns: {
    before: 'the commit HEAD pointed at before (null when the repository was cloned)',
    after: 'the commit HEAD points at now (check mode: the remote commit it would move to)',
    remote_url_changed: 'whether the remote url was changed (an existing checkout)',
    submodules_changed: 'present and true when submodules were added or updated',
    git_dir_before: 'where the repository was before separate_git_dir moved it',
    git_dir_now: 'where separate_git_dir moved the repository',
    diff: '{prepared: text} with --diff: "Newly checked out <sha>" or `git diff before after`',
    warnings: "the module's warnings (depth ignored, old git, accept_newhostkey unsupported)",
  },
  probes(a, ctx): Probe[] {
    return [{ key: 'git', cmd: probeScript(a, ctx.check), parse: (r) => parseGitProbe(r.stdout) }];
  },
  plan(a, ctx) {
    return planGit(a, (ctx.probed.git as GitProbe) ?? { path: '', home: '', configExists: false }, ctx.check, ctx.diff);
  },
});
