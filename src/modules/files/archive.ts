/**
 * `archive` (community.general.archive, the installed 6.x collection): pack paths into a tar / tar.gz /
 * tar.bz2 / tar.xz / zip archive, or compress one file, on the host.
 *
 * The module's decisions rest on Python's own libraries (tarfile header checksums and zip CRCs to
 * tell whether the archive changed, glob, fnmatch, os.walk order, the gz/bz2/xz codecs the lab image
 * has no command-line tools for), so tsplay's program runs in the host's python3, like the modules
 * Ansible sends: one read-only probe decides (and is the whole answer in check mode), one command
 * writes. It prints one JSON object: the registered fields, or `failed` with Ansible's message.
 */
import { z } from 'zod';
import { quote, raw } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { bool, str, strList } from '../system/args.js';
import { defineModule, type Outcome, type Plan, type PlanContext, type Probe } from '../types.js';
import { modeArg } from './mode.js';
import { selinuxArgs } from './common.js';

const schema = z
  .object({
    path: strList,
    format: z.enum(['bz2', 'gz', 'tar', 'xz', 'zip']).optional(),
    dest: str.optional(),
    exclude_path: strList.optional(),
    exclusion_patterns: strList.optional(),
    force_archive: bool.optional(),
    remove: bool.optional(),
    mode: modeArg.optional(),
    owner: str.optional(),
    group: str.optional(),
    ...selinuxArgs,
  })
  .strict();

export type ArchiveArgs = z.infer<typeof schema>;

// Written for tsplay (not taken from the collection): the module's algorithm as its documentation
// and behaviour describe it. argv[1] is the JSON of the arguments and `run` (false: decide only).
const PROGRAM = String.raw`
import sys, os, json, glob, re, io, shutil, tarfile, zipfile, gzip, bz2, zlib
from fnmatch import fnmatch
try:
    import lzma
except ImportError:
    lzma = None
A = json.loads(sys.argv[1])
RUN = A['run']
enc, dec = os.fsencode, os.fsdecode
def done(r):
    # the path's stat fields, as AnsibleModule's exit_json/fail_json add them (path, else dest)
    p = r.get('path', r.get('dest'))
    if p is not None and os.path.exists(enc(p)):
        import pwd, grp, stat
        st = os.lstat(enc(p))
        try:
            owner = pwd.getpwuid(st.st_uid)[0]
        except KeyError:
            owner = str(st.st_uid)
        try:
            group = grp.getgrgid(st.st_gid)[0]
        except KeyError:
            group = str(st.st_gid)
        kind = 'link' if stat.S_ISLNK(st.st_mode) else 'directory' if os.path.isdir(enc(p)) else 'hard' if os.stat(enc(p)).st_nlink > 1 else 'file'
        r.update(uid=st.st_uid, gid=st.st_gid, owner=owner, group=group, mode='0%03o' % stat.S_IMODE(st.st_mode), state=kind, size=st.st_size)
    print(json.dumps(r))
    sys.exit(0)
def xpath(p):
    return os.path.expanduser(os.path.expandvars(p))
fmt = A.get('format') or 'gz'
if fmt == 'xz' and lzma is None:
    done({'failed': True, 'msg': 'Failed to import the required Python library (lzma or backports.lzma) on this host: when using xz format'})
pats = [xpath(p) for p in (A.get('exclusion_patterns') or [])]
given = [xpath(p) for p in A['path']]
def expand(ps):
    out, globby = [], False
    for p in ps:
        bp = enc(p)
        if b'*' in bp or b'?' in bp:
            out.extend(glob.glob(bp))
            globby = True
        else:
            out.append(bp)
    return out, globby
expanded, globby = expand(given)
excluded = expand([xpath(p) for p in (A.get('exclude_path') or [])])[0]
paths = sorted(set(expanded) - set(excluded))
if not paths:
    done({'failed': True, 'path': ', '.join(given), 'expanded_paths': dec(b', '.join(expanded)), 'expanded_exclude_paths': dec(b', '.join(excluded)), 'msg': 'Error, no source paths were found'})
prefix = os.path.commonprefix([os.path.join(os.path.dirname(p), b'') for p in paths])
root = os.path.join(os.path.dirname(prefix), b'')
dest = enc(xpath(A['dest'])) if A.get('dest') else None
must = bool(A.get('force_archive')) or globby or os.path.isdir(paths[0]) or len(paths) > 1
if not dest and not must:
    dest = paths[0] + b'.' + enc(fmt)
if must and not dest:
    done({'failed': True, 'dest': 'None', 'path': ', '.join(given), 'msg': 'Error, must specify "dest" when archiving multiple files or trees'})
remove = bool(A.get('remove'))
if remove:
    for p in paths:
        if os.path.isdir(p) and dest.startswith(os.path.join(p, b'')):
            done({'failed': True, 'path': dec(b', '.join(paths)), 'msg': 'Error, created archive can not be contained in source paths when remove=true'})
def excluded_name(name):
    return any(fnmatch(name, p) for p in pats)
def unpack(path, mode):
    if fmt == 'gz':
        return gzip.open(path, mode)
    if fmt == 'bz2':
        return bz2.BZ2File(path, mode)
    return lzma.LZMAFile(path, mode)
def sums(path):
    if not (os.path.exists(path) and os.access(path, os.R_OK)):
        return None
    if fmt == 'zip':
        try:
            with zipfile.ZipFile(dec(path), 'r') as z:
                return sorted([i.filename, i.CRC] for i in z.infolist())
        except zipfile.BadZipFile:
            return []
    errors = (tarfile.ReadError, tarfile.CompressionError) + ((lzma.LZMAError,) if lzma else ())
    try:
        if fmt == 'xz':
            with lzma.open(dec(path), 'r') as f:
                t = tarfile.open(fileobj=f)
                s = sorted([m.name, m.chksum] for m in t.getmembers())
                t.close()
                return s
        t = tarfile.open(dec(path), 'r|' + fmt)
        s = sorted([m.name, m.chksum] for m in t.getmembers())
        t.close()
        return s
    except errors:
        try:
            c = 0
            with unpack(dec(path), 'r') as f:
                while True:
                    chunk = f.read(1 << 24)
                    if not chunk:
                        break
                    c = zlib.crc32(chunk, c)
            return [['', c]]
        except Exception:
            return []
def size(path):
    return os.path.getsize(path) if os.path.exists(path) else 0
before_sums, before_size = sums(dest), size(dest)
def changed_since():
    if before_sums is None:
        return before_size != size(dest)
    return before_sums != sums(dest)
targets = [p for p in paths if os.path.lexists(p)]
missing = [p for p in paths if not os.path.lexists(p)]
state, changed, successes, errors = 'absent', False, [], []
is_archive = re.search(br'\.(tar|tar\.(gz|bz2|xz)|tgz|tbz2|zip)$', os.path.basename(dest), re.IGNORECASE)
def strip_root(p):
    return p[len(root):] if p.startswith(root) else p
class Writer:
    def __init__(self):
        self.buf = None
        if fmt == 'zip':
            self.f = zipfile.ZipFile(dec(dest), 'w', zipfile.ZIP_DEFLATED, True)
        elif fmt in ('gz', 'bz2'):
            self.f = tarfile.open(dec(dest), 'w|' + fmt)
        elif fmt == 'xz':
            self.buf = io.BytesIO()
            self.f = tarfile.open(fileobj=self.buf, mode='w')
        else:
            self.f = tarfile.open(dec(dest), 'w')
    def add(self, path):
        name = dec(strip_root(path))
        try:
            if fmt == 'zip':
                if not excluded_name(path.decode('ascii', 'surrogateescape')):
                    self.f.write(path.decode('ascii', 'surrogateescape'), name)
                try:
                    self.f.getinfo(name)
                    successes.append(path)
                except KeyError:
                    pass
            else:
                self.f.add(path.decode('ascii', 'surrogateescape'), name, recursive=False, filter=lambda ti: None if excluded_name(ti.name) else ti)
                try:
                    self.f.getmember(name)
                    successes.append(path)
                except KeyError:
                    pass
        except Exception as e:
            errors.append('%s: %s' % (path.decode('ascii', 'surrogateescape'), e))
    def close(self):
        self.f.close()
        if self.buf is not None:
            with lzma.open(dec(dest), 'wb') as out:
                out.write(self.buf.getvalue())
def result():
    return {'targets': len(targets), 'archived': [dec(p) for p in successes], 'dest': dec(dest), 'dest_state': state, 'changed': changed, 'arcroot': dec(root),
            'missing': [dec(p) for p in missing], 'expanded_paths': [dec(p) for p in expanded], 'expanded_exclude_paths': [dec(p) for p in excluded]}
if not targets:
    if os.path.exists(dest):
        state = 'archive' if is_archive else 'compress'
elif must:
    if not RUN:
        changed = True
    else:
        w = Writer()
        kind = fmt if fmt in ('zip', 'tar') else 'tar.' + fmt
        try:
            for t in targets:
                if os.path.isdir(t):
                    for top, dirs, files in os.walk(t, topdown=True):
                        for d in dirs:
                            w.add(os.path.join(top, d))
                        for f in files:
                            w.add(os.path.join(top, f))
                else:
                    w.add(t)
        except Exception as e:
            done({'failed': True, 'msg': 'Error when writing %s archive at %s: %s' % (kind, dec(dest), e)})
        w.close()
        if errors:
            done({'failed': True, 'msg': 'Errors when writing archive at %s: %s' % (dec(dest), '; '.join(errors))})
        state = 'incomplete' if missing else 'archive'
        changed = changed_since()
        if remove:
            bad = []
            for p in successes:
                if os.path.exists(p):
                    try:
                        shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
                    except OSError:
                        bad.append(dec(p))
            for p in paths:
                try:
                    if os.path.isdir(p):
                        shutil.rmtree(p)
                except OSError:
                    bad.append(dec(p))
            if bad:
                done({'failed': True, 'dest': dec(dest), 'msg': 'Error deleting some source files: ', 'files': bad})
else:
    if not RUN:
        changed = not os.path.exists(dest)
    else:
        src = paths[0]
        if fmt in ('zip', 'tar'):
            w = Writer()
            w.add(src)
            w.close()
            state = 'archive'
        else:
            try:
                with open(src, 'rb') as fin:
                    out = unpack(dec(dest), 'wb')
                    shutil.copyfileobj(fin, out)
                    out.close()
                successes.append(src)
                state = 'compress'
            except (IOError, OSError) as e:
                done({'failed': True, 'path': dec(src), 'dest': dec(dest), 'msg': 'Unable to write to compressed file: %s' % e})
        changed = changed or changed_since()
        if remove:
            try:
                os.remove(src)
            except OSError as e:
                done({'failed': True, 'path': dec(src), 'msg': 'Unable to remove source file: %s' % e})
if os.path.exists(dest):
    st = os.lstat(dest)
    want = A.get('mode')
    if want is not None and (st.st_mode & 0o7777) != want:
        changed = True
        if RUN:
            os.chmod(dest, want)
    for key, idx, lookup in (('owner', 2, 'pwd'), ('group', 3, 'grp')):
        name = A.get(key)
        if name is None:
            continue
        try:
            wid = int(name)
        except ValueError:
            try:
                wid = __import__(lookup).getpwnam(name).pw_uid if key == 'owner' else __import__(lookup).getgrnam(name).gr_gid
            except KeyError:
                done(dict(result(), failed=True, msg='chown failed: failed to look up %s %s' % ('user' if key == 'owner' else 'group', name)))
        have = st.st_uid if key == 'owner' else st.st_gid
        if have != wid:
            changed = True
            if RUN:
                os.lchown(dest, wid if key == 'owner' else -1, wid if key == 'group' else -1)
done(result())
`;

/** The program's command line for these arguments (`run`: write the archive; otherwise decide only). */
function programLine(a: ArchiveArgs, mode: number | undefined, run: boolean): string {
  const args = { ...a, mode, run };
  return `if command -v python3 >/dev/null 2>&1; then python3 -c ${quote(PROGRAM)} ${quote(JSON.stringify(args))}; else echo '{"failed": true, "msg": "archive needs python3 on the host (as the module does)"}'; fi`;
}

/** `mode:` as a number: octal text only (a symbolic mode is refused, naming the argument). */
function octalMode(m: string | undefined): number | undefined | { error: string } {
  if (m === undefined) return undefined;
  if (/^[0-7]{1,4}$/.test(m)) return Number.parseInt(m, 8);
  return { error: `archive: mode must be octal here (symbolic mode '${m}' is not supported by tsplay's archive)` };
}

/** The program's JSON output, or a failure that says what came back instead. */
function parseOutput(r: RunResult | undefined): Record<string, unknown> {
  const text = r?.stdout.trim() ?? '';
  try {
    const v = JSON.parse(text.slice(text.lastIndexOf('\n') + 1)) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  return { failed: true, msg: `archive: the host's python3 gave no result (rc=${r?.rc}): ${(r?.stderr || r?.stdout || '').trim().slice(-2000)}` };
}

/** The program's answer as an outcome; `targets` (how many paths exist) is the plan's, not registered. */
function outcomeOf(res: Record<string, unknown>): Outcome & { targets?: number } {
  const { failed, changed, targets, ...rest } = res;
  if (failed === true) return { changed: false, failed: String(rest['msg'] ?? 'archive failed'), result: rest };
  return { changed: changed === true, result: rest, ...(typeof targets === 'number' ? { targets } : {}) };
}

export function planArchive(a: ArchiveArgs, ctx: PlanContext): Plan {
  const mode = octalMode(a.mode);
  if (typeof mode === 'object') return { changed: false, commands: [], failed: mode.error, result: { msg: mode.error } };
  const decided = outcomeOf(parseOutput(ctx.probed['archive'] as RunResult));
  if (decided.failed || ctx.check) return { changed: decided.changed, commands: [], result: decided.result, ...(decided.failed ? { failed: decided.failed } : {}) };
  // Nothing to pack (every path missing) and the dest's attributes as wanted: nothing to run.
  if (!decided.changed && decided.targets === 0) return { changed: false, commands: [], result: decided.result };
  return {
    changed: true,
    commands: [{ kind: 'shell', cmd: raw(programLine(a, mode, true)), mayFail: true, describe: `archive ${a.path.join(', ')}${a.dest ? ` into ${a.dest}` : ''}` }],
    interpret: (outputs) => {
      const { targets: _t, ...o } = outcomeOf(parseOutput(outputs[0]));
      return o;
    },
  };
}

export const archive = defineModule<ArchiveArgs>({
  name: 'archive',
  factsFree: true,
  aliases: ['community.general.archive'],
  description: 'Pack paths into a tar/tar.gz/tar.bz2/tar.xz/zip archive or compress one file, on the host (its python3, as the module)',
  args: schema,
  probes: (a): Probe[] => {
    const mode = octalMode(a.mode);
    return typeof mode === 'object' ? [] : [{ key: 'archive', cmd: raw(programLine(a, mode, false)), parse: (r: RunResult) => r }];
  },
  plan: planArchive,
  returns: {
    dest_state: 'absent, archive, compress or incomplete',
    archived: 'the paths packed',
    missing: 'paths that did not exist',
    expanded_paths: 'the paths after glob expansion',
    expanded_exclude_paths: 'exclude_path after glob expansion',
    arcroot: 'the common root stripped from member names',
    dest: 'the archive written',
  },
});
