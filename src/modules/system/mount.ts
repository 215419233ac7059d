/**
 * `mount` (ansible.posix.mount 1.5 on Linux): the mount point's line in fstab (added, changed in
 * place, or removed, with ansible's escaping and its field rules), and the live mount (mount,
 * umount, remount with the umount+mount fallback, the fstab and created directories restored when
 * mounting fails). Mount state is read from /proc/self/mountinfo and ansible's ismount rule.
 */
import { z } from 'zod';
import { argv, quote, raw } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { backupCommand, backupFileFrom } from '../files/common.js';
import { defineModule, type Outcome, type Plan, type Probe } from '../types.js';
import { bool, str, withAliases, probeLines, statLine } from './args.js';
import { binPathMessage } from './cron.js';

const STATES = ['absent', 'absent_from_fstab', 'mounted', 'present', 'unmounted', 'remounted', 'ephemeral'] as const;

export const mountArgs = withAliases(
  { name: 'path' },
  z.strictObject({
    path: str,
    src: str.optional(),
    fstype: str.optional(),
    opts: str.optional(),
    dump: str.default('0'),
    passno: str.default('0'),
    state: z.enum(STATES),
    fstab: str.optional(),
    boot: bool.default(true),
    backup: bool.default(false),
  }),
);
export type MountArgs = z.infer<typeof mountArgs>;

const SBIN = ['/sbin', '/usr/sbin', '/usr/local/sbin'];

/** fstab's escapes for space, ampersand and backslash. */
export function escapeFstab(v: string): string {
  return v.replace(/\\/g, '\\134').replace(/ /g, '\\040').replace(/&/g, '\\046');
}

interface MountProbe {
  path: string;
  sbin: string[];
  mountBin?: string;
  umountBin?: string;
  fstabExists: boolean;
  fstabDirExists: boolean;
  fstab: string;
  fstabStat?: { mode: string; uid: string; gid: string };
  pathExists: boolean;
  isMount: boolean;
  mountinfo?: string;
  mountV: string;
}

/** Live mounts by mount point, with the source ansible's get_linux_mounts gives bind mounts. */
export function linuxMounts(mountinfo: string): Map<string, { src: string; fs: string }> {
  type Rec = { id: number; parent: number; root: string; dst: string; fs: string; src: string };
  const recs = new Map<number, Rec>();
  for (const line of mountinfo.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 7) continue;
    recs.set(Number(f[0]), { id: Number(f[0]), parent: Number(f[1]), root: f[3]!, dst: f[4]!, fs: f.at(-3)!, src: f.at(-2)! });
  }
  const out = new Map<string, { src: string; fs: string }>();
  for (const m of recs.values()) {
    let src = m.src;
    const parent = m.parent !== 1 ? recs.get(m.parent) : undefined;
    if (parent) {
      let root = m.root;
      if (parent.root.length > 1 && root.startsWith(`${parent.root}/`)) root = root.slice(parent.root.length);
      if (parent.dst !== '/') root = `${parent.dst}${root}`;
      // ansible keeps the shortened root on the record it reads later
      m.root = root;
      src = root;
    }
    out.set(m.dst, { src, fs: m.fs });
  }
  return out;
}

function parentOf(p: string): string {
  return `${p.replace(/\/+$/, '') || '/'}/..`;
}

function probeScript(a: MountArgs, fstab: string): string {
  const p = quote(a.path);
  const f = quote(fstab);
  return [
    'printf "path=%s\\n" "$PATH"',
    ...SBIN.map((d) => `[ -d ${d} ] && echo sbin=${d}`),
    `c=$(PATH="$PATH:${SBIN.join(':')}" command -v mount) && printf "mount=%s\\n" "$c"`,
    `u=$(PATH="$PATH:${SBIN.join(':')}" command -v umount) && printf "umount=%s\\n" "$u"`,
    `if [ -e ${f} ]; then echo fstab-exists; stat -L -c "stat %a %u %g" -- ${f}; printf "fstab="; base64 -w0 < ${f}; echo; fi`,
    `[ -d "$(dirname -- ${f})" ] && echo fstab-dir`,
    `[ -e ${p} ] && echo path-exists`,
    // ansible's ismount: not a symlink, and on another device than path/.., or the same inode
    `if [ -e ${p} ] && [ ! -L ${p} ]; then a=$(stat -c "%d %i" -- ${p}); b=$(stat -L -c "%d %i" -- "$(realpath -- ${quote(parentOf(a.path))})" 2>/dev/null); if [ -n "$b" ] && { [ "\${a% *}" != "\${b% *}" ] || [ "\${a#* }" = "\${b#* }" ]; }; then echo is-mount; fi; fi`,
    '[ -r /proc/self/mountinfo ] && { printf "mountinfo="; base64 -w0 < /proc/self/mountinfo; echo; }',
    ...(a.state === 'ephemeral' ? ['[ -n "$c" ] && { printf "mountv="; "$c" -v 2>/dev/null | base64 -w0; echo; }'] : []),
  ].join('\n');
}

function parseProbe(r: RunResult): MountProbe {
  const p: MountProbe = { path: '', sbin: [], fstabExists: false, fstabDirExists: false, fstab: '', pathExists: false, isMount: false, mountV: '' };
  const b = (v: string) => Buffer.from(v, 'base64').toString('utf8');
  for (const [key, v, line] of probeLines(r.stdout)) {
    if (key === 'path') p.path = v;
    else if (key === 'sbin') p.sbin.push(v);
    else if (key === 'mount' && v) p.mountBin = v;
    else if (key === 'umount' && v) p.umountBin = v;
    else if (line === 'fstab-exists') p.fstabExists = true;
    else if (line === 'fstab-dir') p.fstabDirExists = true;
    else if (line === 'path-exists') p.pathExists = true;
    else if (line === 'is-mount') p.isMount = true;
    else if (line.startsWith('stat ')) p.fstabStat = statLine(line);
    else if (key === 'fstab') p.fstab = b(v);
    else if (key === 'mountinfo') p.mountinfo = b(v);
    else if (key === 'mountv') p.mountV = b(v);
  }
  return p;
}

/** Text mode readlines: universal newlines, each line keeping its '\n'. */
function readLines(text: string): string[] {
  const t = text.replace(/\r\n?/g, '\n');
  const out = t.split(/(?<=\n)/);
  return out.filter((l) => l !== '');
}

type Fields = Record<'src' | 'name' | 'fstype' | 'opts' | 'dump' | 'passno', string>;

/** ansible's _set_mount_save_old: the new fstab lines, the old ones (each ending in '\n'), whether anything changed. */
export function setMountLines(text: string, want: Fields, srcGiven: boolean, rawSrc: string | undefined): { lines: string[]; old: string[]; changed: boolean } {
  const esc = Object.fromEntries(Object.entries(want).map(([k, v]) => [k, escapeFstab(v)])) as Fields;
  const fmt = (d: Record<string, string | undefined>) => `${d.src} ${d.name} ${d.fstype} ${d.opts} ${d.dump} ${d.passno}\n`;
  const lines: string[] = [];
  const old: string[] = [];
  let exists = false;
  let changed = false;
  for (let line of readLines(text)) {
    if (!line.endsWith('\n')) line += '\n';
    old.push(line);
    if (!line.trim() || line.trim().startsWith('#')) {
      lines.push(line);
      continue;
    }
    const f = line.split(/\s+/).filter(Boolean);
    if (f.length < 4 || f.length > 6) {
      lines.push(line);
      continue;
    }
    // missing dump/passno are ints in ansible, never equal to the wanted strings
    const ld: Record<string, string | undefined> = { src: f[0], name: f[1], fstype: f[2], opts: f[3], dump: f[4], passno: f[5] };
    if (ld.name !== esc.name || (srcGiven && ld.name === 'none' && ld.fstype === 'swap' && ld.src !== rawSrc)) {
      lines.push(line);
      continue;
    }
    exists = true;
    for (const t of ['src', 'fstype', 'opts', 'dump', 'passno'] as const) {
      if (ld[t] !== esc[t]) {
        ld[t] = esc[t];
        changed = true;
      }
    }
    lines.push(changed ? fmt(ld) : line);
  }
  if (!exists) {
    lines.push(fmt(esc));
    changed = true;
  }
  return { lines, old, changed };
}

/** ansible's unset_mount: the fstab without the mount point's 6-field lines. */
export function unsetMountLines(text: string, name: string, srcGiven: boolean, rawSrc: string | undefined): { lines: string[]; changed: boolean } {
  const esc = escapeFstab(name);
  const lines: string[] = [];
  let changed = false;
  for (const line of readLines(text)) {
    const f = line.split(/\s+/).filter(Boolean);
    if (!line.trim() || line.trim().startsWith('#') || f.length !== 6 || f[1] !== esc || (srcGiven && f[1] === 'none' && f[2] === 'swap' && f[0] !== rawSrc)) {
      lines.push(line);
      continue;
    }
    changed = true;
  }
  return { lines, changed };
}

const ERRNO: Array<[string, number]> = [
  ['Operation not permitted', 1],
  ['No such file or directory', 2],
  ['Permission denied', 13],
  ['Device or resource busy', 16],
  ['File exists', 17],
  ['Not a directory', 20],
  ['Read-only file system', 30],
  ['Directory not empty', 39],
];

/** Python's OSError text ("[Errno 39] Directory not empty: '/x'") for a coreutils error message. */
export function pyOSError(coreutils: string, path: string, bytesPath = false): string {
  const hit = ERRNO.find(([m]) => coreutils.includes(m));
  if (!hit) return coreutils.trim();
  return `[Errno ${hit[1]}] ${hit[0]}: ${bytesPath ? 'b' : ''}'${path}'`;
}

/** `cap CMD...`: its output (trailing newlines kept) in $o; `say KEY`: print KEY=<base64 of $o>. */
const PRELUDE = ['cap() { o=$("$@" 2>&1; r=$?; echo .; exit $r); r=$?; o=${o%.}; return $r; }', 'say() { printf "%s=%s\\n" "$1" "$(printf %s "$o" | base64 -w0)"; }'].join('\n');

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
/** Truncate and rewrite in place (keeps the inode, its mode and owner, as ansible's open('w')). */
const writeInPlace = (path: string, text: string) => `printf %s ${quote(b64(text))} | base64 -d > ${quote(path)}`;

export const mountModule = defineModule<MountArgs>({
  name: 'mount',
  aliases: ['ansible.posix.mount'],
  description: "Manage a mount point's fstab line and its live mount, as ansible.posix.mount.",
  args: mountArgs,
  returns: {
    name: 'the mount point',
    src: 'the device',
    fstype: 'the filesystem type',
    opts: 'the options (noauto added for boot: false)',
    dump: 'dump field',
    passno: 'passno field',
    fstab: 'the fstab file',
    boot: 'yes or no',
    backup_file: 'backup of the fstab (backup: true), else ""',
  },
  probes: (a): Probe[] => [{ key: 'mount', cmd: raw(probeScript(a, a.fstab ?? '/etc/fstab')), parse: parseProbe }],
  plan(a, ctx): Plan {
    const fail = (msg: string, extra: Record<string, unknown> = {}): Plan => ({ changed: false, commands: [], failed: msg, result: { msg, ...extra } });
    const state = a.state;
    if ((state === 'mounted' || state === 'present' || state === 'ephemeral') && (a.src === undefined || a.fstype === undefined)) {
      const missing = [a.src === undefined ? 'src' : '', a.fstype === undefined ? 'fstype' : ''].filter(Boolean);
      return fail(`state is ${state} but all of the following are missing: ${missing.join(', ')}`);
    }
    const p = ctx.probed.mount as MountProbe;
    const fstab = a.fstab ?? '/etc/fstab';
    const warnings: string[] = [];
    if (p.mountinfo === undefined) warnings.push('Cannot open file /proc/self/mountinfo. Bind mounts might be misinterpreted.');
    let opts = a.opts ?? 'defaults';
    let boot = 'yes';
    const optList = opts.split(',');
    if (optList.includes('noauto')) warnings.push("Ignore the 'boot' due to 'opts' contains 'noauto'.");
    else if (!a.boot) {
      boot = 'no';
      if (optList.includes('defaults')) warnings.push("Ignore the 'boot' due to 'opts' contains 'defaults'.");
      else opts = [...optList, 'noauto'].join(',');
    }
    const res: Record<string, unknown> = { name: a.path, opts, dump: a.dump, passno: a.passno, fstab, boot, backup_file: '' };
    if (a.src !== undefined) res.src = a.src;
    if (a.fstype !== undefined) res.fstype = a.fstype;
    if (warnings.length) res.warnings = warnings;

    const pre: Command[] = [];
    const dir = fstab.includes('/') ? fstab.slice(0, fstab.lastIndexOf('/')) || '/' : '.';
    if (state !== 'ephemeral' && !p.fstabExists) {
      // ansible creates a missing fstab (and its directory) before anything else, even in check mode
      pre.push({ kind: 'shell', cmd: raw(`${p.fstabDirExists ? '' : `mkdir -p -- ${quote(dir)} && `}: >> ${quote(fstab)}`), describe: `create ${fstab}` });
    }
    const mounts = p.mountinfo !== undefined ? linuxMounts(p.mountinfo) : undefined;
    const boundAt = (src?: string) => (mounts ? mounts.has(a.path) && (src === undefined || mounts.get(a.path)!.src === src) : false);
    const isMounted = (src?: string) => p.isMount || boundAt(src);
    const want: Fields = { src: a.src ?? '', name: a.path, fstype: a.fstype ?? '', opts, dump: a.dump, passno: a.passno };
    const fstabArgs = fstab !== '/etc/fstab' ? ['-T', fstab] : [];
    const needMount = (): string | undefined => (p.mountBin ? undefined : binPathMessage('mount', p.path, p.sbin));
    const needUmount = (): string | undefined => (p.umountBin ? undefined : binPathMessage('umount', p.path, p.sbin));

    const commands: Command[] = [...pre];
    let changed = false;
    let diffAfter: string | undefined;
    /** A script that ends with a marker line the interpret step reads ("fail=<base64 message>"). */
    const script = (body: string, describe: string) => commands.push({ kind: 'shell', cmd: raw(`${PRELUDE}\n${body}`), describe, mayFail: true });
    const writeFstab = (text: string) => {
      if (a.backup) commands.push(backupCommand(fstab));
      script(writeInPlace(fstab, text), `write ${fstab}`);
      diffAfter = text;
    };
    const mountCmd = (extra: string[]) => argv([p.mountBin ?? 'mount', ...extra, a.path]).text;
    const ephemeralArgs = () => ['-t', a.fstype ?? '', ...(opts !== 'defaults' ? ['-o', opts] : []), a.src ?? ''];
    const mountArgsFor = () => (state === 'ephemeral' ? ephemeralArgs() : fstabArgs);
    /** remount, falling back to umount + mount; prints fail=<msg> when the last step failed. */
    const remountScript = (): string => {
      const first = argv([p.mountBin ?? 'mount', '-o', state === 'remounted' && opts !== 'defaults' ? `remount,${opts}` : 'remount', ...mountArgsFor(), a.path]).text;
      const strict = state === 'remounted' && opts !== 'defaults';
      return [
        `cap ${first} && exit 0`,
        strict ? 'echo strict-fail; exit 0' : '',
        `cap ${argv([p.umountBin ?? 'umount', a.path]).text} || { say fail; exit 0; }`,
        `cap ${mountCmd(mountArgsFor())} || { say fail; exit 0; }`,
      ]
        .filter(Boolean)
        .join('\n');
    };

    const text = p.fstabExists ? p.fstab : '';
    let umountPart = '';
    if (state === 'absent' || state === 'absent_from_fstab') {
      const u = unsetMountLines(text, a.path, a.src !== undefined, a.src);
      changed = u.changed;
      if (changed) {
        writeFstab(u.lines.join(''));
        if (state === 'absent') {
          if (isMounted()) {
            const m = needUmount();
            if (m) return fail(m);
            umountPart = `cap ${argv([p.umountBin!, a.path]).text} || { say umount-fail; exit 0; }\n`;
          }
          script(`${umountPart}if [ -e ${quote(a.path)} ]; then cap rmdir -- ${quote(a.path)} || say rmdir-fail; fi`, `umount and rmdir ${a.path}`);
        }
      }
    } else if (state === 'unmounted') {
      if (isMounted()) {
        const m = needUmount();
        if (m) return fail(m);
        script(`cap ${argv([p.umountBin!, a.path]).text} || say umount-fail`, `umount ${a.path}`);
        changed = true;
      }
    } else if (state === 'present') {
      const s = setMountLines(text, want, a.src !== undefined, a.src);
      changed = s.changed;
      if (changed) writeFstab(s.lines.join(''));
    } else if (state === 'remounted') {
      const m = needMount() ?? needUmount();
      if (m) return fail(m);
      script(`${remountScript()}`, `remount ${a.path}`);
      changed = true;
    } else {
      // mounted / ephemeral
      const parts: string[] = [];
      if (!p.pathExists) {
        let cur = '';
        parts.push('set --');
        for (const d of a.path.replace(/^\/+|\/+$/g, '').split('/')) {
          cur = `${cur}/${d}`;
          const c = a.path.startsWith('/') ? cur : cur.replace(/^\/+/, '');
          parts.push(`if [ ! -e ${quote(c)} ]; then cap mkdir -- ${quote(c)} || { [ -d ${quote(c)} ] || { say mkdir-fail; exit 0; }; }; set -- ${quote(c)} "$@"; fi`);
        }
      }
      let old: string[] = [];
      if (state === 'mounted') {
        const s = setMountLines(text, want, true, a.src);
        changed = s.changed;
        old = s.old;
        if (changed) {
          diffAfter = s.lines.join('');
          if (a.backup) parts.push(backupCommand(fstab).cmd.text);
          parts.push(writeInPlace(fstab, diffAfter));
        }
      }
      const m = needMount() ?? (isMounted(a.src) ? needUmount() : undefined);
      if (m) return fail(m);
      const undo = [state === 'mounted' ? writeInPlace(fstab, old.join('')) : ':', 'for d in "$@"; do rmdir -- "$d"; done 2>/dev/null'].join('; ');
      if (isMounted(a.src)) {
        if (state === 'ephemeral') {
          const sameSrc =
            boundAt(a.src) ||
            p.mountV
              .trim()
              .split('\n')
              .some((l) => {
                const f = l.split(/\s+/);
                return f[0] === a.src && f[2] === a.path;
              });
          if (!sameSrc)
            return fail(
              'Ephemeral mount point is already mounted with a different source than the specified one. Failing in order to prevent an unwanted unmount or override operation. Try replacing this command with a "state: unmounted" followed by a "state: ephemeral", or use a different destination path.',
            );
          changed = true;
        }
        if (changed) parts.push(`r=$( ${remountScript()} ); printf "%s\\n" "$r"; case "$r" in *fail=*) ${undo};; esac`);
      } else {
        changed = true;
        parts.push(`cap ${mountCmd(mountArgsFor())} || { say fail; ${undo}; }`);
      }
      if (changed || parts.length) script(parts.join('\n'), `${state} ${a.path}`);
    }

    const result = { changed, ...res };
    return {
      changed,
      commands: changed ? commands : pre,
      diff: diffAfter !== undefined ? [{ path: fstab, before: text, after: diffAfter }] : undefined,
      result,
      warnings,
      interpret(outputs: RunResult[]): Outcome {
        const all = outputs.map((o) => o.stdout).join('\n');
        const grab = (k: string) => {
          const m = new RegExp(`^${k}=(.*)$`, 'm').exec(all);
          return m ? Buffer.from(m[1]!, 'base64').toString('utf8') : undefined;
        };
        const failed = (msg: string): Outcome => ({ changed: false, failed: msg, result: { msg } });
        const backup = backupFileFrom(outputs);
        const r = { ...result, ...(backup ? { backup_file: backup } : {}) };
        const mkdirFail = grab('mkdir-fail');
        if (mkdirFail !== undefined) return failed(`Error making dir ${a.path}: ${pyOSError(mkdirFail, /'([^']*)'/.exec(mkdirFail)?.[1] ?? a.path, true)}`);
        if (/^strict-fail$/m.test(all))
          return failed(
            'Options were specified with remounted, but the remount command failed. Failing in order to prevent an unexpected mount result. Try replacing this command with a "state: unmounted" followed by a "state: mounted" using the full desired mount options instead.',
          );
        const um = grab('umount-fail');
        if (um !== undefined) return failed(`Error unmounting ${a.path}: ${um}`);
        const rd = grab('rmdir-fail');
        if (rd !== undefined) return failed(`Error rmdir ${a.path}: ${pyOSError(rd, a.path)}`);
        const mf = grab('fail');
        if (mf !== undefined) return failed(state === 'remounted' ? `Error remounting ${a.path}: ${mf}` : `Error mounting ${a.path}: ${mf}`);
        return { changed, result: r };
      },
    };
  },
});
