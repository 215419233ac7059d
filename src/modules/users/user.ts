/**
 * `user`: a local account present or absent, as ansible-core 2.14's user module on Linux (its
 * generic User class): useradd / usermod / userdel with the flags Ansible passes, the home
 * directory made from the skeleton when missing, ssh-keygen for `generate_ssh_key`, chage for the
 * password ageing limits. The password hash travels in an environment variable marked secret and
 * the result shows NOT_LOGGING_PASSWORD, as Ansible's no_log does. `local: true` needs libuser's
 * luseradd/lusermod/luserdel (and lgroupmod, lchage) and fails as Ansible does without them.
 * Check mode plans from the probe and runs nothing; no --diff (Ansible has none).
 */
import { z } from 'zod';
import { argv, quote, raw, Shell } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { bool, int, str, withAliases } from '../system/args.js';
import { defineModule, type Outcome, type Plan, type Probe } from '../types.js';
import {
  binLookupScript,
  type BinLookup,
  type GroupEntry,
  missingBin,
  needsPathExpansion,
  outputFields,
  parseBinLookup,
  parseGroupLine,
  parsePasswdLine,
  parseShadowLine,
  pathExpansionShell,
  type PasswdEntry,
  type ShadowEntry,
  tagged,
} from './common.js';

/** Ansible's list of str: a string splits on commas as it is (no trimming: the result shows it joined again). */
const groupsList = z.preprocess((v) => {
  if (typeof v === 'string') return v.split(',');
  if (typeof v === 'number') return [String(v)];
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'number' || typeof x === 'boolean' ? String(x) : x));
  return v;
}, z.array(z.string()));

const num = z.preprocess((v) => (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v), z.number());

export const userArgs = withAliases(
  { user: 'name', createhome: 'create_home' },
  z.strictObject({
    state: z.enum(['absent', 'present']).default('present'),
    name: str,
    uid: int.optional(),
    non_unique: bool.default(false),
    group: str.optional(),
    groups: groupsList.nullish(),
    comment: str.optional(),
    home: str.optional(),
    shell: str.optional(),
    password: str.optional(),
    login_class: str.optional(),
    password_expire_max: int.optional(),
    password_expire_min: int.optional(),
    hidden: bool.optional(),
    seuser: str.optional(),
    force: bool.default(false),
    remove: bool.default(false),
    create_home: bool.default(true),
    skeleton: str.optional(),
    system: bool.default(false),
    move_home: bool.default(false),
    append: bool.default(false),
    generate_ssh_key: bool.optional(),
    ssh_key_bits: int.default(0),
    ssh_key_type: str.default('rsa'),
    ssh_key_file: str.optional(),
    ssh_key_comment: str.optional(),
    ssh_key_passphrase: str.optional(),
    update_password: z.enum(['always', 'on_create']).default('always'),
    expires: num.optional(),
    password_lock: bool.optional(),
    local: bool.optional(),
    profile: str.optional(),
    authorization: str.optional(),
    role: str.optional(),
    umask: str.optional(),
  }),
);
export type UserArgs = z.infer<typeof userArgs>;

const PASSWORDFILE = '/etc/passwd';
const PW_ENV = 'TSPLAY_USER_PASSWORD';
const PASS_ENV = 'TSPLAY_SSH_PASSPHRASE';
const BINS = ['useradd', 'usermod', 'userdel', 'luseradd', 'lusermod', 'luserdel', 'lgroupmod', 'lchage', 'chage', 'ssh-keygen'];

export interface UserProbe {
  pw?: PasswdEntry;
  sp?: ShadowEntry;
  groups: GroupEntry[];
  redhat: boolean;
  suse: boolean;
  hostname: string;
  /** local: true — whether /etc/passwd has a `name:` line; undefined: no /etc/passwd. */
  inPasswdFile?: boolean;
  bins: BinLookup;
  hasAppend: boolean;
  /** The home Ansible checks for "missing home" (home argument, else the current one) exists. */
  homeExists: boolean;
  /** The home argument's parent directory exists. */
  homeParent: boolean;
  ssh: { curHome: boolean; dir: boolean; key: boolean; pub: boolean; fpOut?: string; fpErr?: string; pubKey?: string };
  /** home / ssh_key_file after the host expanded ~ and $VARS (only when they had some). */
  expandedHome?: string;
  expandedKeyFile?: string;
}

/** Print `<tag>\t<line>` for the entry of $TSPLAY_U in a getent database (names only: getent takes digits as ids). */
function entryLookup(db: string, tag: string, numeric: boolean): string {
  const all = numeric ? `; getent ${db} 2>/dev/null` : '';
  return `{ getent ${db} "$TSPLAY_U" 2>/dev/null${all}; } | awk -F: -v t=${tag} '$1==ENVIRON["TSPLAY_U"] { print t "\\t" $0; exit }'`;
}

/** The path of the key Ansible generates: ssh_key_file when absolute, else under the home ($1). */
function sshFile(a: UserArgs): string {
  return a.ssh_key_file ?? `.ssh/id_${a.ssh_key_type}`;
}

function sshPathShell(a: UserArgs, homeVar: string): string {
  const f = sshFile(a);
  if (f.startsWith('/')) return quote(f);
  return `"${homeVar}"/${quote(f)}`;
}

/** One probe: the account, its shadow entry, all groups, programs, home and ssh key paths. */
export function userProbeScript(a: UserArgs): Shell {
  const numeric = /^\d+$/.test(a.name);
  const lines = [
    `export TSPLAY_U=${quote(a.name)}`,
    entryLookup('passwd', 'pw', numeric),
    entryLookup('shadow', 'sp', numeric),
    `getent group 2>/dev/null | sed 's/^/grp\\t/'`,
    `[ -e /etc/redhat-release ] && echo 'rh\tyes'`,
    `[ -e /etc/SuSE-release ] && echo 'suse\tyes'`,
    `printf 'host\\t%s\\n' "$(uname -n)"`,
    binLookupScript(BINS).text,
    `PATH="$_p" ${a.local ? 'lusermod' : 'usermod'} --help 2>&1 | grep -q '^[[:space:]]*-a, --append' && echo 'append\tyes'`,
    `_cur=$(${entryLookup('passwd', 'x', numeric)} | cut -d: -f6)`,
  ];
  // home and ssh_key_file are Ansible `path`s: ~ and $VARS expanded on the host, reported back
  let home = a.home !== undefined ? quote(a.home) : '"$_cur"';
  if (a.home !== undefined && needsPathExpansion(a.home)) {
    lines.push(pathExpansionShell(a.home, '_ah'), `printf 'xhome\\t%s\\n' "$_ah"`);
    home = '"$_ah"';
  }
  const expandKey = a.generate_ssh_key && a.ssh_key_file !== undefined && needsPathExpansion(a.ssh_key_file);
  if (expandKey) lines.push(pathExpansionShell(a.ssh_key_file!, '_af'), `printf 'xsshfile\\t%s\\n' "$_af"`);
  lines.push(`_h=${home}`, `[ -n "$_h" ] && [ -e "$_h" ] && echo 'homeexists\tyes'`);
  if (a.home !== undefined) lines.push(`[ -d "$(dirname -- "$_h")" ] && echo 'homeparent\tyes'`);
  if (a.local)
    lines.push(
      `if [ -e ${PASSWORDFILE} ]; then echo 'pwfile\tyes'; while IFS= read -r _l; do case "$_l" in ${quote(`${a.name}:`)}*) echo 'localpw\tyes'; break ;; esac; done < ${PASSWORDFILE}; fi`,
    );
  if (a.generate_ssh_key) {
    lines.push(
      expandKey ? `case "$_af" in /*) _k="$_af" ;; *) _k="$_cur/$_af" ;; esac` : `_k=${sshPathShell(a, '$_cur')}`,
      `[ -n "$_cur" ] && [ -e "$_cur" ] && echo 'curhome\tyes'`,
      `[ -e "$(dirname -- "$_k")" ] && echo 'sshdir\tyes'`,
      `[ -e "$_k" ] && echo 'key\tyes'`,
      `[ -e "$_k.pub" ] && echo 'pub\tyes'`,
      `if [ -e "$_k" ]; then if _fo=$(PATH="$_p" ssh-keygen -l -f "$_k" 2>/dev/null); then printf 'fpout\\t%s\\n' "$_fo"; else printf 'fperr\\t%s\\n' "$(PATH="$_p" ssh-keygen -l -f "$_k" 2>&1 >/dev/null | tr '\\n' ' ')"; fi; fi`,
      `[ -r "$_k.pub" ] && printf 'pubkey\\t%s\\n' "$(cat -- "$_k.pub")"`,
    );
  }
  return raw(lines.join('\n'));
}

export function parseUserProbe(r: RunResult): UserProbe {
  const t = tagged(r.stdout);
  const has = (k: string) => t.has(k);
  const first = (k: string) => t.get(k)?.[0];
  const pwLine = first('pw');
  const spLine = first('sp');
  const out: UserProbe = {
    groups: (t.get('grp') ?? []).map(parseGroupLine).filter((g): g is GroupEntry => g !== undefined),
    redhat: has('rh'),
    suse: has('suse'),
    hostname: first('host') ?? '',
    bins: parseBinLookup(r.stdout.split('\n')),
    hasAppend: has('append'),
    homeExists: has('homeexists'),
    homeParent: has('homeparent'),
    ssh: { curHome: has('curhome'), dir: has('sshdir'), key: has('key'), pub: has('pub') },
  };
  if (pwLine !== undefined) out.pw = parsePasswdLine(pwLine);
  if (spLine !== undefined) out.sp = parseShadowLine(spLine);
  if (has('pwfile')) out.inPasswdFile = has('localpw');
  const fo = first('fpout');
  const fe = first('fperr');
  const pk = first('pubkey');
  if (fo !== undefined) out.ssh.fpOut = fo;
  if (fe !== undefined) out.ssh.fpErr = fe;
  if (pk !== undefined) out.ssh.pubKey = pk;
  const xh = first('xhome');
  const xf = first('xsshfile');
  if (xh !== undefined) out.expandedHome = xh;
  if (xf !== undefined) out.expandedKeyFile = xf;
  return out;
}

const HASH_BAD = /[^a-zA-Z0-9./=]/;

/** Ansible's check_password_encrypted: a warning when the password does not look like a crypt hash. */
export function passwordWarning(pw: string | undefined): string | undefined {
  if (!pw || ['*', '!', '*************'].includes(pw)) return undefined;
  let bad = /[:*!]/.test(pw);
  if (!pw.includes('$')) bad = true;
  else {
    const f = pw.split('$');
    if (f.length >= 3) {
      const last = f[f.length - 1]!;
      if (HASH_BAD.test(last)) bad = true;
      const want: Record<string, number> = { '1': 22, '5': 43, '6': 86 };
      const n = want[f[1]!];
      if (n !== undefined && last.length !== n) bad = true;
    } else bad = true;
  }
  return bad ? "The input password appears not to have been hashed. The 'password' argument must be encrypted for this module to work properly." : undefined;
}

/** time.gmtime(seconds)[:3] as 'YYYY-MM-DD' (time.strftime('%Y-%m-%d')). */
function ymd(seconds: number): string {
  const d = new Date(Math.floor(seconds) * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`;
}

class PlanError extends Error {}

interface Ctx {
  a: UserArgs;
  p: UserProbe;
  groupsStr: string | undefined;
  check: boolean;
  env: Record<string, string>;
  secretEnv: string[];
}

/** grp lookups as the User class does them: a group argument is tried as a gid first, then as a name. */
function findGroup(p: UserProbe, g: string): GroupEntry | undefined {
  if (/^\s*[-+]?\d+\s*$/.test(g)) {
    const byGid = p.groups.find((e) => e.gid === Number(g));
    if (byGid) return byGid;
  }
  return p.groups.find((e) => e.name === g);
}

function needBin(c: Ctx, name: string): string {
  const b = c.p.bins.found[name];
  if (!c.a.local) return name;
  if (!b) throw new PlanError(missingBin(name, c.p.bins));
  return b;
}

/** get_groups_set: the groups argument's names (stripped, deduplicated, each must exist). */
function groupsSet(c: Ctx, removePrimary: boolean): string[] {
  const out: string[] = [];
  for (const x of (c.groupsStr ?? '').split(',')) {
    if (x === '') continue;
    const g = x.trim();
    if (!out.includes(g)) out.push(g);
  }
  for (const g of [...out]) {
    const e = findGroup(c.p, g);
    if (!e) throw new PlanError(`Group ${g} does not exist`);
    if (removePrimary && c.p.pw && e.gid === c.p.pw.gid) out.splice(out.indexOf(g), 1);
  }
  return out;
}

function passwordWord(c: Ctx): string {
  c.env[PW_ENV] = `${c.a.password_lock ? '!' : ''}${c.a.password}`;
  if (!c.secretEnv.includes(PW_ENV)) c.secretEnv.push(PW_ENV);
  return `"$${PW_ENV}"`;
}

/** A command line from words; `"$VAR"` words (tsplay's own secret references) go in as they are. */
function line(words: string[]): Shell {
  return new Shell(words.map((w) => (/^"\$TSPLAY_[A-Z_]+"$/.test(w) ? w : quote(w))).join(' '));
}

/** useradd's (or luseradd's and its follow-ups') command lines for a new account. */
function createCommands(c: Ctx): Shell[] {
  const { a, p } = c;
  let lgroupmod = '';
  let lchage = '';
  if (a.local) {
    lgroupmod = needBin(c, 'lgroupmod');
    lchage = needBin(c, 'lchage');
  }
  const w = [needBin(c, a.local ? 'luseradd' : 'useradd')];
  if (a.uid !== undefined) w.push('-u', String(a.uid), ...(a.non_unique ? ['-o'] : []));
  if (a.seuser !== undefined) w.push('-Z', a.seuser);
  if (a.group !== undefined) {
    if (!findGroup(p, a.group)) throw new PlanError(`Group ${a.group} does not exist`);
    w.push('-g', a.group);
  } else if (findGroup(p, a.name)) {
    // a group named as the user exists: -N, so useradd does not try to make it (USERGROUPS_ENAB)
    // (Ansible gives -n on RHEL 5 and nothing before SLES 12; those releases are out of scope.)
    w.push(a.local ? '-n' : '-N');
  }
  let groups: string[] = [];
  if (c.groupsStr) {
    groups = groupsSet(c, true);
    if (!a.local) w.push('-G', groups.join(','));
  }
  if (a.comment !== undefined) w.push('-c', a.comment);
  if (a.home !== undefined) w.push('-d', a.home);
  if (a.shell !== undefined) w.push('-s', a.shell);
  if (a.expires !== undefined && !a.local) w.push('-e', a.expires < 0 ? '' : ymd(a.expires));
  if (a.password !== undefined) w.push('-p', passwordWord(c));
  if (a.create_home) {
    if (!a.local) w.push('-m');
    if (a.skeleton !== undefined) w.push('-k', a.skeleton);
    if (a.umask !== undefined) w.push('-K', `UMASK=${a.umask}`);
  } else w.push('-M');
  if (a.system) w.push('-r');
  w.push(a.name);
  const cmds = [line(w)];
  if (!a.local) return cmds;
  if (a.expires !== undefined) cmds.push(argv([lchage, '-E', String(a.expires < 0 ? -1 : Math.floor(Math.floor(a.expires) / 86400)), a.name]));
  for (const g of groups) cmds.push(argv([lgroupmod, '-M', a.name, g]));
  return cmds;
}

/** usermod's (or lusermod's and its follow-ups') command lines for an existing account; none when it matches. */
function modifyCommands(c: Ctx): Shell[] {
  const { a, p } = c;
  const info = p.pw!;
  let lgroupmod = '';
  let lchage = '';
  if (a.local) {
    lgroupmod = needBin(c, 'lgroupmod');
    lchage = needBin(c, 'lchage');
  }
  const w = [needBin(c, a.local ? 'lusermod' : 'usermod')];
  const pwField = info.passwd.length <= 1 ? (p.sp?.pwdp ?? '') : info.passwd;
  let lexpires: number | undefined;
  let ladd: string[] = [];
  let ldel: string[] = [];
  if (a.uid !== undefined && info.uid !== a.uid) w.push('-u', String(a.uid), ...(a.non_unique ? ['-o'] : []));
  if (a.group !== undefined) {
    const g = findGroup(p, a.group);
    if (!g) throw new PlanError(`Group ${a.group} does not exist`);
    if (info.gid !== g.gid) w.push('-g', String(g.gid));
  }
  if (c.groupsStr !== undefined) {
    const current = p.groups.filter((g) => g.members.includes(a.name)).map((g) => g.name);
    let need = false;
    let groups: string[] = [];
    let diff: string[] = [];
    if (c.groupsStr === '') {
      if (current.length && !a.append) need = true;
    } else {
      groups = groupsSet(c, false);
      diff = [...current.filter((g) => !groups.includes(g)), ...groups.filter((g) => !current.includes(g))];
      if (diff.length) {
        if (a.append) {
          if (groups.some((g) => diff.includes(g))) {
            if (p.hasAppend) w.push('-a');
            need = true;
          }
        } else need = true;
      }
    }
    if (need) {
      if (a.local) {
        ladd = groups.filter((g) => !current.includes(g));
        ldel = a.append ? [] : current.filter((g) => !groups.includes(g));
      } else if (a.append && !p.hasAppend) w.push('-A', diff.join(','));
      else w.push('-G', groups.join(','));
    }
  }
  if (a.comment !== undefined && info.gecos !== a.comment) w.push('-c', a.comment);
  if (a.home !== undefined && info.dir !== a.home) w.push('-d', a.home, ...(a.move_home ? ['-m'] : []));
  if (a.shell !== undefined && info.shell !== a.shell) w.push('-s', a.shell);
  if (a.expires !== undefined) {
    const cur = p.sp?.expire ?? -1;
    if (a.expires < 0) {
      if (cur >= 0) {
        if (a.local) lexpires = -1;
        else w.push('-e', '');
      }
    } else if (cur < 0 || ymd(cur * 86400) !== ymd(a.expires)) {
      if (a.local) lexpires = Math.floor(Math.floor(a.expires) / 86400);
      else w.push('-e', ymd(a.expires));
    }
  }
  if (a.password_lock && !pwField.startsWith('!')) w.push('-L');
  else if (a.password_lock === false && pwField.startsWith('!')) w.push('-U');
  let words = w;
  if (a.update_password === 'always' && a.password !== undefined && pwField.replace(/^!+/, '') !== a.password.replace(/^!+/, '')) {
    words = w.filter((x) => x !== '-U' && x !== '-L');
    words.push('-p', passwordWord(c));
  }
  const cmds: Shell[] = [];
  if (words.length > 1) cmds.push(line([...words, a.name]));
  if (!a.local) return cmds;
  if (lexpires !== undefined) cmds.push(argv([lchage, '-E', String(lexpires), a.name]));
  for (const g of ladd) cmds.push(argv([lgroupmod, '-M', a.name, g]));
  for (const g of ldel) cmds.push(argv([lgroupmod, '-m', a.name, g]));
  return cmds;
}

/** Shell for create_homedir + chown_homedir of "$1"-like path `h` (a shell word) owned by $_uid:$_gid. */
function homedirShell(a: UserArgs, h: string): string {
  const skel = quote(a.skeleton ?? '/etc/skel');
  return [
    `if [ ! -e ${h} ]; then`,
    `  if [ -e ${skel} ]; then mkdir -p -- "$(dirname -- ${h})" && cp -a -- ${skel} ${h} || tsplay_fail 1 "cannot copy ${skel.replace(/"/g, '')} to the home directory"; else mkdir -p -- ${h} || tsplay_fail 1 "cannot create the home directory"; fi`,
    `  _um=$(sed -n 's/^UMASK[[:space:]]\\{1,\\}\\([0-9]\\{1,\\}\\)$/\\1/p' /etc/login.defs 2>/dev/null | tail -n 1)`,
    `  [ -n "$_um" ] && chmod "$(printf '%o' $(( 0777 & ~0$_um )))" ${h}`,
    'fi',
  ].join('\n');
}

const FAIL_FN = `tsplay_fail() { printf 'fail\\t%s\\t%s\\n' "$1" "$(printf '%s' "$2" | base64 | tr -d '\\n')"; exit 0; }`;

/** Everything after useradd/usermod, decided on the host: missing home, ssh key, chage, the account read back. */
function postScript(a: UserArgs, created: boolean, pathNeedsParents: boolean, hostname: string): Shell {
  const numeric = /^\d+$/.test(a.name);
  const L = [FAIL_FN, `export TSPLAY_U=${quote(a.name)}`, `PATH="$PATH:/sbin:/usr/sbin:/usr/local/sbin"`];
  const readInfo = `_e=$(${entryLookup('passwd', 'x', numeric)} | cut -f2-); _uid=$(printf '%s' "$_e" | cut -d: -f3); _gid=$(printf '%s' "$_e" | cut -d: -f4); _home=$(printf '%s' "$_e" | cut -d: -f6)`;
  L.push(readInfo, `[ -n "$_e" ] || { echo 'nouser\tyes'; exit 0; }`);
  if (created && pathNeedsParents && a.home !== undefined) L.push(`chown -R "$_uid:$_gid" -- ${quote(a.home)}`);
  const h = a.home !== undefined ? quote(a.home) : '"$_home"';
  if (a.create_home) L.push(`if [ ! -e ${h} ]; then`, homedirShell(a, h), `chown -R "$_uid:$_gid" -- ${h}; echo 'homecreated\tyes'; fi`);
  if (a.generate_ssh_key) {
    L.push(readInfo);
    const f = sshFile(a);
    L.push(`_k=${sshPathShell(a, '$_home')}`);
    if (!f.startsWith('/')) L.push(`[ -e "$_home" ] || tsplay_fail 1 ${quote(`User ${a.name} home directory does not exist`)}`);
    L.push(
      `_d=$(dirname -- "$_k")`,
      `if [ ! -e "$_d" ]; then mkdir -m 0700 -- "$_d" 2>/dev/null || tsplay_fail 1 "Failed to create $_d: [Errno 2] No such file or directory: '$_d'"; chown "$_uid:$_gid" -- "$_d"; fi`,
      `_ow=''; _skip=''`,
      `if [ -e "$_k" ]; then ${a.force ? `printf 'warn\\tOverwriting existing ssh key private file "%s"\\n' "$_k"; _ow=y` : `printf 'warn\\tFound existing ssh key private file "%s", no force, so skipping ssh-keygen generation\\n' "$_k"; _skip='Key already exists, use "force: yes" to overwrite'`}; fi`,
      `if [ -z "$_skip" ] && [ -e "$_k.pub" ]; then ${a.force ? `printf 'warn\\tOverwriting existing ssh key public file "%s"\\n' "$_k.pub"; rm -f -- "$_k.pub"` : `printf 'warn\\tFound existing ssh key public file "%s", no force, so skipping ssh-keygen generation\\n' "$_k.pub"; _skip='Public key already exists, use "force: yes" to overwrite'`}; fi`,
    );
    const gen = ['ssh-keygen', '-t', a.ssh_key_type, ...(a.ssh_key_bits > 0 ? ['-b', String(a.ssh_key_bits)] : []), '-C', a.ssh_key_comment ?? `ansible-generated on ${hostname}`];
    const pass = a.ssh_key_passphrase !== undefined ? `"$${PASS_ENV}"` : "''";
    // Ansible answers ssh-keygen's passphrase prompts through a pty, and with a passphrase it gives up
    // on the "Overwrite (y/n)?" prompt (nothing generated); without one it answers "y" on stdin.
    const overwriteSkip = a.ssh_key_passphrase !== undefined ? `[ -n "$_ow" ] && _skip='Key already exists'` : ':';
    L.push(
      overwriteSkip,
      `if [ -z "$_skip" ]; then _t=$(mktemp); if [ -n "$_ow" ]; then _so=$(echo y | ${argv(gen).text} -f "$_k" -N ${pass} 2>"$_t"); _rc=$?; else _so=$(${argv(gen).text} -f "$_k" -N ${pass} </dev/null 2>"$_t"); _rc=$?; fi; _se=$(cat "$_t"); rm -f "$_t"`,
      `  [ "$_rc" = 0 ] || tsplay_fail "$_rc" "$_se"`,
      `  chown "$_uid:$_gid" -- "$_k" "$_k.pub"; echo 'sshgen\tyes'`,
      'fi',
      `printf 'keyfile\\t%s\\n' "$_k"`,
      `if [ -e "$_k" ]; then if _fo=$(ssh-keygen -l -f "$_k" 2>/dev/null); then printf 'fpout\\t%s\\n' "$_fo"; else printf 'fperr\\t%s\\n' "$(ssh-keygen -l -f "$_k" 2>&1 >/dev/null | tr '\\n' ' ')"; fi; fi`,
      `[ -r "$_k.pub" ] && printf 'pubkey\\t%s\\n' "$(cat -- "$_k.pub")"`,
    );
  }
  if (a.password_expire_min !== undefined || a.password_expire_max !== undefined) {
    L.push(`_s=$(${entryLookup('shadow', 'x', numeric)} | cut -f2-)`, `if [ -n "$_s" ]; then _c=''`);
    if (a.password_expire_min !== undefined) L.push(`  _m=$(printf '%s' "$_s" | cut -d: -f4); [ "\${_m:--1}" = ${a.password_expire_min} ] || _c="$_c -m ${a.password_expire_min}"`);
    if (a.password_expire_max !== undefined) L.push(`  _M=$(printf '%s' "$_s" | cut -d: -f5); [ "\${_M:--1}" = ${a.password_expire_max} ] || _c="$_c -M ${a.password_expire_max}"`);
    L.push(
      `  if [ -n "$_c" ]; then _t=$(mktemp); chage $_c "$TSPLAY_U" 2>"$_t"; _rc=$?; _se=$(cat "$_t"); rm -f "$_t"; [ "$_rc" = 0 ] || tsplay_fail "$_rc" "$_se"; echo 'chage\tyes'; fi`,
      'fi',
    );
  }
  L.push(entryLookup('passwd', 'pw', numeric));
  return raw(L.join('\n'));
}

function infoFields(pw: PasswdEntry, groupsStr: string | undefined): Record<string, unknown> {
  const r: Record<string, unknown> = { uid: pw.uid, group: pw.gid, comment: pw.gecos, home: pw.dir, shell: pw.shell };
  if (groupsStr !== undefined) r.groups = groupsStr;
  return r;
}

function fingerprint(out: string | undefined, err: string | undefined): string {
  if (out !== undefined) return out.trim();
  return (err ?? '').trim();
}

/** get_ssh_key_path for the result: absolute ssh_key_file, else joined to the home. */
function keyPath(a: UserArgs, home: string): string {
  const f = sshFile(a);
  if (f.startsWith('/')) return f;
  return home.endsWith('/') ? `${home}${f}` : `${home}/${f}`;
}

export const userModule = defineModule<UserArgs>({
  name: 'user',
  description: 'A local user account present or absent (useradd/usermod/userdel, home from the skeleton, ssh key), as ansible-core 2.14 on Linux.',
  args: userArgs,
  returns: {
    name: 'the user name',
    state: 'present or absent',
    uid: 'user id',
    group: 'primary group id',
    groups: 'the groups argument, joined with commas',
    comment: 'GECOS field',
    home: 'home directory',
    shell: 'login shell',
    system: 'the system argument (a new account)',
    create_home: 'the create_home argument (a new account)',
    append: 'the append argument (an existing account)',
    move_home: 'the move_home argument (an existing account)',
    password: 'NOT_LOGGING_PASSWORD when a password was given (never the hash)',
    force: 'the force argument (removal)',
    remove: 'the remove argument (removal)',
    ssh_fingerprint: 'ssh-keygen -l of the key (generate_ssh_key)',
    ssh_key_file: 'path of the private key (generate_ssh_key)',
    ssh_public_key: 'the public key (generate_ssh_key)',
    stdout: "useradd/usermod/userdel's output, when not empty",
    stderr: "useradd/usermod/userdel's error output, when not empty",
  },
  probes: (a): Probe[] => [{ key: 'user', cmd: userProbeScript(a), parse: parseUserProbe }],
  plan(given, ctx): Plan {
    const p = ctx.probed.user as UserProbe;
    const a: UserArgs = { ...given, home: p.expandedHome ?? given.home, ssh_key_file: p.expandedKeyFile ?? given.ssh_key_file };
    const warnings: string[] = [];
    const fail = (msg: string, extra: Record<string, unknown> = {}): Plan => ({ changed: false, commands: [], failed: msg, result: { ...extra, msg }, warnings });
    if (a.umask !== undefined && a.local) return fail("'umask' can not be used with 'local'");
    const groupsStr = a.groups === undefined || a.groups === null ? undefined : a.groups.join(',');
    if (groupsStr === undefined && a.append)
      warnings.push("'append' is set, but no 'groups' are specified. Use 'groups' for appending new groups.This will change to an error in Ansible 2.14.");
    const pwWarn = passwordWarning(a.password);
    if (pwWarn) warnings.push(pwWarn);
    if (a.local && p.inPasswdFile === undefined) return fail(`'local: true' specified but unable to find local account file ${PASSWORDFILE} to parse.`);
    let exists: boolean;
    if (a.local) {
      exists = p.inPasswdFile === true;
      if (!exists)
        warnings.push(
          `'local: true' specified and user '${a.name}' was not found in ${PASSWORDFILE}. The local user account may already exist if the local account database exists somewhere other than ${PASSWORDFILE}.`,
        );
    } else exists = p.pw !== undefined;
    const c: Ctx = { a, p, groupsStr, check: ctx.check, env: {}, secretEnv: [] };
    const base = { name: a.name, state: a.state };
    const shell = (cmd: Shell, describe: string, mayFail = false): Command => ({
      kind: 'shell',
      cmd,
      describe,
      mayFail,
      ...(Object.keys(c.env).length ? { env: { ...c.env }, secretEnv: [...c.secretEnv] } : {}),
    });

    try {
      if (a.state === 'absent') {
        if (!exists) return { changed: false, commands: [], result: { ...base, changed: false }, warnings };
        if (ctx.check) return { changed: true, commands: [], result: { changed: true }, warnings };
        const w = [needBin(c, a.local ? 'luserdel' : 'userdel'), ...(a.force && !a.local ? ['-f'] : []), ...(a.remove ? ['-r'] : []), a.name];
        return {
          changed: true,
          commands: [shell(argv(w), w.join(' '), true)],
          warnings,
          interpret(outputs): Outcome {
            const r = outputs[0];
            if (r?.rc !== 0) return { changed: false, failed: r?.stderr ?? '', result: { name: a.name, msg: r?.stderr ?? '', rc: r?.rc } };
            const res: Record<string, unknown> = { ...base, force: a.force, remove: a.remove, changed: true, ...outputFields(r.stdout, r.stderr) };
            return { changed: true, result: res };
          },
        };
      }

      const pwResult = a.password !== undefined ? { password: 'NOT_LOGGING_PASSWORD' } : {};
      if (!exists) {
        if (ctx.check) return { changed: true, commands: [], result: { changed: true }, warnings };
        const pathNeedsParents = a.home !== undefined && a.create_home && !p.homeParent;
        const primary = createCommands(c);
        const commands: Command[] = [];
        if (pathNeedsParents) commands.push(shell(raw(`${FAIL_FN}\n${homedirShell(a, quote(a.home!))}`), `create home ${a.home}`));
        const first = commands.length;
        for (const cmd of primary) commands.push(shell(cmd, cmd.text.replace(/"\$TSPLAY_USER_PASSWORD"/, 'NOT_LOGGING_PASSWORD')));
        commands.push(shell(postScript(a, true, pathNeedsParents, p.hostname), 'read the account back', true));
        if (a.ssh_key_passphrase !== undefined) addPassphrase(commands[commands.length - 1]!, a.ssh_key_passphrase);
        return {
          changed: true,
          commands,
          warnings,
          interpret: (outputs) => finish(a, outputs, first, primary.length, { ...base, system: a.system, create_home: a.create_home, ...pwResult }, groupsStr, true),
        };
      }

      if (!p.pw) return fail(`failed to look up user name: ${a.name}`);
      const primary = modifyCommands(c);
      if (ctx.check) return checkModify(a, p, primary.length > 0, { ...base, append: a.append, move_home: a.move_home, ...pwResult }, groupsStr, warnings);
      sshWarnings(a, p, warnings);
      const commands: Command[] = primary.map((cmd) => shell(cmd, cmd.text.replace(/"\$TSPLAY_USER_PASSWORD"/, 'NOT_LOGGING_PASSWORD')));
      commands.push(shell(postScript(a, false, false, p.hostname), 'read the account back', true));
      if (a.ssh_key_passphrase !== undefined) addPassphrase(commands[commands.length - 1]!, a.ssh_key_passphrase);
      return {
        changed: primary.length > 0,
        commands,
        warnings,
        interpret: (outputs) => finish(a, outputs, 0, primary.length, { ...base, append: a.append, move_home: a.move_home, ...pwResult }, groupsStr, primary.length > 0),
      };
    } catch (e) {
      if (e instanceof PlanError) return fail(e.message);
      throw e;
    }
  },
});

function addPassphrase(cmd: Command, passphrase: string): void {
  if (cmd.kind !== 'shell') return;
  cmd.env = { ...cmd.env, [PASS_ENV]: passphrase };
  cmd.secretEnv = [...(cmd.secretEnv ?? []), PASS_ENV];
}

/** Ansible's warnings about an existing key, known before the run when the home stays where it is. */
function sshWarnings(a: UserArgs, p: UserProbe, warnings: string[]): void {
  if (!a.generate_ssh_key || !p.pw || (a.home !== undefined && a.home !== p.pw.dir)) return;
  const k = keyPath(a, p.pw.dir);
  if (!p.ssh.dir) return;
  if (p.ssh.key) {
    warnings.push(a.force ? `Overwriting existing ssh key private file "${k}"` : `Found existing ssh key private file "${k}", no force, so skipping ssh-keygen generation`);
    if (!a.force) return;
  }
  if (p.ssh.pub)
    warnings.push(a.force ? `Overwriting existing ssh key public file "${k}.pub"` : `Found existing ssh key public file "${k}.pub", no force, so skipping ssh-keygen generation`);
}

/** Check mode on an existing account: what would change, from the probe alone (Ansible's check-mode paths). */
function checkModify(a: UserArgs, p: UserProbe, wouldModify: boolean, base: Record<string, unknown>, groupsStr: string | undefined, warnings: string[]): Plan {
  const pw = p.pw!;
  let changed = wouldModify;
  const r: Record<string, unknown> = { ...base, ...infoFields(pw, groupsStr) };
  if (!p.homeExists && a.create_home) changed = true;
  if (a.generate_ssh_key) {
    sshWarnings(a, p, warnings);
    const k = keyPath(a, pw.dir);
    if (!p.ssh.dir) changed = true;
    else if (!(p.ssh.key && !a.force) && !(p.ssh.pub && !a.force)) changed = true;
    r.ssh_fingerprint = p.ssh.key ? fingerprint(p.ssh.fpOut, p.ssh.fpErr) : '';
    r.ssh_key_file = k;
    r.ssh_public_key = p.ssh.pubKey ?? null;
  }
  if (p.sp && ((a.password_expire_min !== undefined && a.password_expire_min !== p.sp.min) || (a.password_expire_max !== undefined && a.password_expire_max !== p.sp.max)))
    changed = true;
  r.changed = changed;
  return { changed, commands: [], result: r, warnings };
}

/** The result after the commands ran: primary command(s) at outputs[first..first+n), the post script last. */
function finish(a: UserArgs, outputs: RunResult[], first: number, n: number, base: Record<string, unknown>, groupsStr: string | undefined, ranPrimary: boolean): Outcome {
  // the home made before useradd (a missing parent) failed
  if (first > 0 && (outputs[0]?.rc ?? 1) !== 0) {
    const msg = (outputs[0]?.stderr || 'cannot create the home directory').trim();
    return { changed: false, failed: msg, result: { msg } };
  }
  if (first > 0) {
    const f = tagged(outputs[0]!.stdout).get('fail')?.[0];
    if (f) {
      const msg = Buffer.from(f.split('\t')[1] ?? '', 'base64').toString();
      return { changed: false, failed: msg, result: { msg } };
    }
  }
  let out = '';
  let err = '';
  for (let i = first; i < first + n; i++) {
    const r = outputs[i];
    if (!r) return { changed: false, failed: err || 'did not run', result: { name: a.name, msg: err, rc: 1 } };
    out += r.stdout;
    err += r.stderr;
    if (r.rc !== 0) return { changed: false, failed: err, result: { name: a.name, msg: err, rc: r.rc } };
  }
  const post = outputs[first + n];
  const res: Record<string, unknown> = { ...base };
  let changed = ranPrimary;
  Object.assign(res, outputFields(out, err));
  const t = tagged(post?.stdout ?? '');
  const failLine = t.get('fail')?.[0];
  const pwLine = t.get('pw')?.[0];
  const pw = pwLine !== undefined ? parsePasswdLine(pwLine) : undefined;
  if (pw) Object.assign(res, infoFields(pw, groupsStr));
  else if (t.has('nouser')) Object.assign(res, { msg: `failed to look up user name: ${a.name}`, failed: true });
  if (t.has('homecreated')) changed = true;
  if (failLine !== undefined) {
    const [rc, b64] = failLine.split('\t');
    const msg = Buffer.from(b64 ?? '', 'base64').toString();
    return { changed: false, failed: msg, result: { name: a.name, msg, rc: Number(rc) } };
  }
  if (a.generate_ssh_key) {
    if (t.has('sshgen')) changed = true;
    res.ssh_fingerprint = fingerprint(t.get('fpout')?.[0], t.get('fperr')?.[0]);
    res.ssh_key_file = t.get('keyfile')?.[0] ?? '';
    res.ssh_public_key = t.get('pubkey')?.[0] ?? null;
  }
  if (t.has('chage')) changed = true;
  res.changed = changed;
  return { changed, result: res };
}
