/**
 * `authorized_key` (ansible.posix): add or remove SSH public keys in a user's authorized_keys as
 * ansible.posix's module does with ansible-core 2.14 — its parsing (whitespace-split lines, options
 * split on unquoted commas, comments and unparsable lines kept), its ordering (existing entries by
 * line, new keys after them), its rewrite ("type key comment" with a space before an empty
 * comment), ~/.ssh 0700 and the file 0600 owned by the user. A key given as a URL is refused
 * (tsplay's network rule).
 */
import { z } from 'zod';
import { raw, sh } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { splitlines } from '../../template/jinja/filters/common.js';
import { bool, pathInfo, str } from '../files/common.js';
import { fileStateCommand, parseFileState, type FileState } from '../files/state.js';
import { pathExpansionShell } from '../users/common.js';
import { defineModule, type Plan, type Probe } from '../types.js';
import { parsePasswdLine, passwdProbe, type PasswdEntry } from './passwd.js';
import { statOfVar, strictUtf8, universalNewlines } from './paths.js';

export const authorizedKeyArgs = z.strictObject({
  user: str,
  key: str,
  path: str.optional(),
  manage_dir: bool.default(true),
  state: z.enum(['absent', 'present']).default('present'),
  key_options: str.optional(),
  exclusive: bool.default(false),
  comment: str.optional(),
  validate_certs: bool.default(true),
  follow: bool.default(false),
});
export type AuthorizedKeyArgs = z.infer<typeof authorizedKeyArgs>;

/** Key types the module recognises (ansible.posix's list). */
const KEY_TYPES = new Set([
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'webauthn-sk-ecdsa-sha2-nistp256@openssh.com',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'sk-ssh-ed25519@openssh.com',
  'sk-ssh-ed25519-cert-v01@openssh.com',
  'ssh-ed25519',
  'ssh-ed25519-cert-v01@openssh.com',
  'ssh-dss',
  'ssh-rsa',
  'ssh-xmss@openssh.com',
  'ssh-xmss-cert-v01@openssh.com',
  'rsa-sha2-256',
  'rsa-sha2-512',
  'ssh-rsa-cert-v01@openssh.com',
  'rsa-sha2-256-cert-v01@openssh.com',
  'rsa-sha2-512-cert-v01@openssh.com',
  'ssh-dss-cert-v01@openssh.com',
]);

/** Key options in order, duplicates kept (`no-pty` → [no-pty, null]; `from="a,b"` → [from, '"a,b"']). */
export type KeyOptions = Array<[string, string | null]>;

/**
 * One entry of the file as the module keeps it: a key (by its base64 blob) or a line kept as it is
 * (`type: 'skipped'`: comments, blank and unparsable lines). `rank` orders the rewrite.
 */
export interface KeyEntry {
  /** The key blob, or the kept line's text. */
  id: string;
  type: string;
  options: KeyOptions | null;
  comment: string | null;
  rank: number;
}

export class KeyLineError extends Error {}

/** Split options on commas outside quotes, as the module does (`a,b="x,y"` → a, b="x,y"). */
export function parseKeyOptions(options: string | null | undefined): KeyOptions {
  const out: KeyOptions = [];
  if (!options) return out;
  const parts = options.split(/((?:[^,"']|"[^"]*"|'[^']*')+)/).slice(1, -1);
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq >= 0) out.push([part.slice(0, eq), part.slice(eq + 1)]);
    else if (part !== ',') out.push([part, null]);
  }
  return out;
}

/** shlex with no quotes and no comments, whitespace_split: words between spaces, tabs, CR and LF. */
function words(s: string): string[] {
  return s.split(/[ \t\r\n]+/).filter((w) => w !== '');
}

/** Parse one line (or one given key); undefined when it holds no known key type. */
export function parseKeyLine(rawLine: string, rank: number): KeyEntry | undefined {
  const line = rawLine.split('\\#').join('#');
  const parts = words(line);
  if (parts[0] === '#') return { id: line, type: 'skipped', options: null, comment: null, rank };
  const ti = parts.findIndex((p) => KEY_TYPES.has(p));
  if (ti < 0) return undefined;
  const blob = parts[ti + 1];
  if (blob === undefined) throw new KeyLineError(`key type ${parts[ti]} is not followed by a key`);
  return { id: blob, type: parts[ti]!, options: parseKeyOptions(ti > 0 ? parts.slice(0, ti).join(' ') : null), comment: parts.slice(ti + 2).join(' '), rank };
}

/** The entries of a file's text, by id (a later entry with the same id replaces the earlier one's value, keeping its place). */
export function parseKeyFile(text: string): Map<string, KeyEntry> {
  const keys = new Map<string, KeyEntry>();
  splitlines(text, true).forEach((line, i) => {
    let e: KeyEntry | undefined;
    try {
      e = parseKeyLine(line, i);
    } catch (err) {
      if (err instanceof KeyLineError) throw new KeyLineError(`line ${i + 1}: ${err.message}`);
      throw err;
    }
    keys.set(e?.id ?? line, e ?? { id: line, type: 'skipped', options: null, comment: null, rank: i });
  });
  return keys;
}

function sameOptions(a: KeyOptions | null, b: KeyOptions | null): boolean {
  if (a === null || b === null) return a === b;
  // The module's option dict compares like a dict of lists: order between names does not matter.
  const group = (o: KeyOptions) => {
    const m = new Map<string, Array<string | null>>();
    for (const [k, v] of o) m.set(k, [...(m.get(k) ?? []), v]);
    return m;
  };
  const ga = group(a);
  const gb = group(b);
  if (ga.size !== gb.size) return false;
  for (const [k, va] of ga) {
    const vb = gb.get(k);
    if (!vb || vb.length !== va.length || va.some((v, i) => v !== vb[i])) return false;
  }
  return true;
}

function sameEntry(a: KeyEntry, b: KeyEntry): boolean {
  return a.id === b.id && a.type === b.type && sameOptions(a.options, b.options) && a.comment === b.comment;
}

/** The file's text from its entries, ordered by rank (ties keep insertion order). */
export function serializeKeys(keys: Map<string, KeyEntry>): string {
  const sorted = [...keys.values()].sort((x, y) => x.rank - y.rank);
  return sorted
    .map((e) => {
      if (e.type === 'skipped') return e.id;
      const opts = e.options && e.options.length > 0 ? `${e.options.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join(',')} ` : '';
      return `${opts}${e.type} ${e.id} ${e.comment}\n`;
    })
    .join('');
}

/** What the module does to a file's text: the new text and whether it writes. */
export function editAuthorizedKeys(
  existing: string,
  a: Pick<AuthorizedKeyArgs, 'key' | 'state' | 'key_options' | 'exclusive' | 'comment'>,
): { content: string; write: boolean } | { error: string } {
  const newKeys = splitlines(a.key).filter((s) => s && !s.startsWith('#'));
  let keys: Map<string, KeyEntry>;
  try {
    keys = parseKeyFile(existing);
  } catch (e) {
    if (e instanceof KeyLineError) return { error: `cannot read the authorized keys file: ${e.message}` };
    throw e;
  }
  let write = false;
  const keep = new Set<string>();
  const maxRank = keys.size;
  for (const [i, text] of newKeys.entries()) {
    let parsed: KeyEntry | undefined;
    try {
      parsed = parseKeyLine(text, i);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.type === 'skipped') return { error: `invalid key specified: ${text}` };
    if (a.key_options !== undefined) parsed.options = parseKeyOptions(a.key_options);
    if (a.comment !== undefined) parsed.comment = a.comment;
    const had = keys.get(parsed.id);
    const matched = had !== undefined && (a.state === 'absent' || sameEntry(parsed, had));
    if (a.state === 'present') {
      keep.add(parsed.id);
      if (had && !matched) {
        keys.delete(parsed.id);
        write = true;
      }
      if (!matched) {
        keys.set(parsed.id, { ...parsed, rank: maxRank + parsed.rank });
        write = true;
      }
    } else if (matched) {
      keys.delete(parsed.id);
      write = true;
    }
  }
  if (a.state === 'present' && a.exclusive) {
    for (const id of [...keys.keys()]) {
      if (!keep.has(id)) {
        keys.delete(id);
        write = true;
      }
    }
  }
  return { content: serializeKeys(keys), write };
}

// ---------------------------------------------------------------------------------------------
// On the host

interface KeyFileProbe {
  user?: PasswdEntry;
  /** The keys file as named (path, or ~user/.ssh/authorized_keys). */
  file: string;
  /** Its realpath. */
  real: string;
  sshdirExists: boolean;
  fileExists: boolean;
  realExists: boolean;
  fileDirExists: boolean;
  realDirExists: boolean;
  content?: Buffer;
  /** The given path's state (ansible-core's path info in the result). */
  st?: FileState;
}

const b64line = (tag: string, v: string) => `printf '${tag} %s\\n' "$(printf %s ${v} | base64 | tr -d '\\n')";`;

function keyFileProbe(a: AuthorizedKeyArgs): Probe {
  const lines = [
    passwdProbe(a.user).text,
    'home=$(printf %s "$pw" | cut -d: -f6);',
    a.path !== undefined ? `${pathExpansionShell(a.path, 'f')}\nd=$(dirname -- "$f");` : 'f="$home/.ssh/authorized_keys"; d="$home/.ssh";',
    'r=$(readlink -m -- "$f");',
    b64line('f', '"$f"'),
    b64line('r', '"$r"'),
    '[ -e "$d" ] && echo D; [ -e "$f" ] && echo E; [ -e "$r" ] && echo R;',
    '[ -e "$(dirname -- "$f")" ] && echo P; [ -e "$(dirname -- "$r")" ] && echo Q;',
    `if [ -f "$f" ]; then echo c; base64 < "$f" || echo '!unreadable'; fi;`,
    a.path !== undefined ? `echo ---stat; ${statOfVar('"$f"')}` : 'true',
  ];
  return {
    key: 'keyfile',
    cmd: raw(lines.join(' ')),
    parse(r: RunResult): KeyFileProbe {
      const [head = '', stat] = r.stdout.split('---stat\n');
      const out = head.split('\n');
      const dec = (tag: string) => Buffer.from(out.find((l) => l.startsWith(`${tag} `))?.slice(2) ?? '', 'base64').toString('utf8');
      const flag = (t: string) => out.includes(t);
      const u = out.find((l) => l.startsWith('u '));
      const p: KeyFileProbe = {
        file: dec('f'),
        real: dec('r'),
        sshdirExists: flag('D'),
        fileExists: flag('E'),
        realExists: flag('R'),
        fileDirExists: flag('P'),
        realDirExists: flag('Q'),
      };
      if (stat !== undefined) p.st = parseFileState(p.file, { ...r, stdout: stat });
      const entry = u ? parsePasswdLine(u.slice(2), a.user) : undefined;
      if (entry) p.user = entry;
      const c = out.indexOf('c');
      if (c >= 0) {
        if (out.includes('!unreadable')) throw new Error(`cannot read ${p.file}: ${r.stderr.trim()}`);
        p.content = Buffer.from(out.slice(c + 1).join(''), 'base64');
      }
      return p;
    },
  };
}

function parentDir(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

export const authorizedKey = defineModule<AuthorizedKeyArgs>({
  name: 'authorized_key',
  factsFree: true,
  aliases: ['ansible.posix.authorized_key'],
  description: "Add or remove SSH authorized keys of a user as ansible.posix's authorized_key (keys given as text; URLs are refused)",
  args: authorizedKeyArgs,
  probes: (a) => [keyFileProbe(a)],
  returns: {
    key: 'the key argument as given',
    key_options: 'the key_options argument (null when not given)',
    keyfile: 'the authorized keys file (before following links)',
    user: 'the user argument',
    exclusive: 'the exclusive argument',
    manage_dir: 'the manage_dir argument',
    path: 'the path argument (null when not given)',
    state: 'present or absent',
    validate_certs: 'the validate_certs argument',
    comment: 'the comment argument (null when not given)',
    follow: 'the follow argument',
  },
  plan(a, ctx): Plan {
    const params: Record<string, unknown> = {
      user: a.user,
      key: a.key,
      path: null,
      manage_dir: a.manage_dir,
      state: a.state,
      key_options: a.key_options ?? null,
      exclusive: a.exclusive,
      comment: a.comment ?? null,
      validate_certs: a.validate_certs,
      follow: a.follow,
    };
    const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });
    if (a.key.startsWith('http'))
      return fail(`tsplay's authorized_key does not download keys (network rule): ${a.key} — give the key text instead, e.g. key: "{{ lookup('file', 'id_ed25519.pub') }}"`);
    const p = ctx.probed.keyfile as KeyFileProbe;
    if (a.path !== undefined) params.path = p.file;
    if (!(ctx.check && a.path !== undefined) && !p.user) {
      if (ctx.check && a.path === undefined) return fail('Either user must exist or you must provide full path to key file in check mode');
      return fail(`Failed to lookup user ${a.user}: "getpwnam(): name not found: '${a.user}'"`);
    }
    params.keyfile = p.file;
    const existing = p.content ? strictUtf8(p.content) : '';
    if (existing === undefined) return fail(`${p.file} is not UTF-8 text`);
    const before = universalNewlines(existing);
    const edit = editAuthorizedKeys(before, a);
    if ('error' in edit) return fail(edit.error);
    // ansible-core adds the stat of a result's `path` (state, mode, owner...) when it exists.
    const info = a.path !== undefined ? pathInfo(p.st) : {};
    if (!edit.write) return { changed: false, commands: [], result: { ...params, ...info } };
    const target = a.follow ? p.real : p.file;
    const result: Record<string, unknown> = { ...params, changed: true };
    const plan: Plan = { changed: true, commands: [], result: { ...result, ...info } };
    if (ctx.diff) {
      plan.diff = [{ path: target, before, after: edit.content, beforeHeader: p.file, afterHeader: target }];
      // The module returns its diff as a result field too.
      result.diff = { before_header: p.file, after_header: target, before, after: edit.content };
      plan.result = { ...result, ...info };
    }
    if (ctx.check) return plan;
    const u = p.user!;
    const ids = `${u.uid}:${u.gid}`;
    const prep: string[] = [];
    if (a.manage_dir) {
      const sshdir = a.path !== undefined ? parentDir(p.file) : `${u.home.replace(/\/+$/, '')}/.ssh`;
      if (!p.sshdirExists) prep.push(sh`mkdir -m 0700 -- ${sshdir} || exit 3;`.text);
      prep.push(sh`chown ${ids} -- ${sshdir} && chmod 0700 -- ${sshdir} || exit 4;`.text);
    }
    const targetExists = a.follow ? p.realExists : p.fileExists;
    if (!targetExists) {
      const dirExists = a.follow ? p.realDirExists : p.fileDirExists;
      if (!dirExists) prep.push(sh`mkdir -p -- ${parentDir(target)} || exit 5;`.text);
      prep.push(sh`: >> ${target} || exit 6;`.text);
    }
    prep.push(sh`chown ${ids} -- ${target} 2>/dev/null; chmod 0600 -- ${target} 2>/dev/null; true`.text);
    const commands: Command[] = [
      { kind: 'shell', cmd: raw(prep.join(' ')), describe: `prepare ${target} for ${a.user}` },
      { kind: 'put', path: target, content: Buffer.from(edit.content, 'utf8'), mode: '0600', owner: String(u.uid), group: String(u.gid), describe: `write ${target}` },
    ];
    if (a.path !== undefined) commands.push({ kind: 'shell', cmd: fileStateCommand(p.file), describe: `stat ${p.file}`, mayFail: true });
    plan.commands = commands;
    plan.interpret = (outputs) => {
      const first = outputs[0];
      if (first && first.rc !== 0) {
        const msg =
          first.rc === 3
            ? `Failed to create directory ${a.path !== undefined ? parentDir(p.file) : `${u.home}/.ssh`} : ${first.stderr.trim()}`
            : `Failed to prepare ${target}: ${first.stderr.trim()}`;
        return { changed: false, failed: msg, result: { msg } };
      }
      const st = outputs[2] ? parseFileState(p.file, outputs[2]) : undefined;
      return { changed: true, result: { ...result, ...pathInfo(st) } };
    };
    return plan;
  },
});
