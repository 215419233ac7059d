/**
 * `openssh_keypair` (community.crypto): generate, check or remove an OpenSSH key pair with
 * ssh-keygen on the host, as community.crypto's module does with its `opensshbin` backend —
 * `regenerate` (never, fail, partial/full idempotence, always; `force` = always), the public key
 * restored from the private one when it is missing or differs, the comment updated with
 * `ssh-keygen -c`, mode/owner/group applied to both files, and its result fields read back from the
 * files. The `cryptography` backend (and so `passphrase`) is not taken: a clear error says so.
 */
import { z } from 'zod';
import { raw, sh } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { attrArgs, attrChanges, bool, str } from '../files/common.js';
import { parseFileState, type FileState, type InodeInfo } from '../files/state.js';
import { int } from '../system/args.js';
import { pathExpansionShell } from '../users/common.js';
import { defineModule, type Plan, type Probe } from '../types.js';
import { statOfVar } from './paths.js';

export const opensshKeypairArgs = z.strictObject({
  path: str,
  state: z.enum(['present', 'absent']).default('present'),
  size: int.optional(),
  type: z.enum(['rsa', 'dsa', 'rsa1', 'ecdsa', 'ed25519']).default('rsa'),
  force: bool.default(false),
  comment: str.optional(),
  regenerate: z.enum(['never', 'fail', 'partial_idempotence', 'full_idempotence', 'always']).default('partial_idempotence'),
  passphrase: str.optional(),
  private_key_format: z.enum(['auto', 'pkcs1', 'pkcs8', 'ssh']).default('auto'),
  backend: z.enum(['auto', 'cryptography', 'opensshbin']).default('auto'),
  ...attrArgs,
  /** Taken and ignored: the files are always replaced by a rename. */
  unsafe_writes: bool.optional(),
});
export type OpensshKeypairArgs = z.infer<typeof opensshKeypairArgs>;

/** `ssh-keygen -l` of a private key: size, type, fingerprint (the module's PrivateKey). */
export interface PrivateKeyInfo {
  size: number;
  type: string;
  fingerprint: string;
}

/** A public key file or `ssh-keygen -y` output: type, base64 data, comment. */
export interface PublicKeyInfo {
  typeString: string;
  data: string;
  comment: string | null;
}

/** PrivateKey.from_string: "4096 SHA256:… comment (RSA)"; undefined where the module's parse raises. */
export function parsePrivateKey(out: string): PrivateKeyInfo | undefined {
  const p = out.trim().split(/\s+/).filter(Boolean);
  const size = p[0] !== undefined && /^[+-]?\d+$/.test(p[0]) ? Number(p[0]) : undefined;
  if (size === undefined || p.length < 2) return undefined;
  return { size, type: p[p.length - 1]!.slice(1, -1).toLowerCase(), fingerprint: p[1]! };
}

/** Python's str.split(' ', 2). */
function split3(s: string): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < 2) {
    const i = rest.indexOf(' ');
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + 1);
  }
  out.push(rest);
  return out;
}

const stripChars = (s: string, chars: string) => {
  let a = 0;
  let b = s.length;
  while (a < b && chars.includes(s[a]!)) a++;
  while (b > a && chars.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
};

/** PublicKey.load: the .pub file's text. */
export function parsePublicKeyFile(text: string): PublicKeyInfo | undefined {
  const p = split3(stripChars(text, ' \n'));
  if (p.length < 2) return undefined;
  return { typeString: p[0]!, data: p[1]!, comment: p.length <= 2 ? '' : p[2]! };
}

/** PublicKey.from_string: `ssh-keygen -y` output. */
export function parsePublicKeyString(text: string): PublicKeyInfo | undefined {
  const p = split3(stripChars(text, '\n'));
  if (p.length < 2) return undefined;
  return { typeString: p[0]!, data: p[1]!, comment: p.length > 2 ? p[2]! : '' };
}

/** PublicKey.__eq__: comments compared only when both are known. */
function samePublicKey(a: PublicKeyInfo, b: PublicKeyInfo): boolean {
  return a.typeString === b.typeString && a.data === b.data && (a.comment !== null && b.comment !== null ? a.comment === b.comment : true);
}

/** The module's _get_size: the size it will generate, or its error. */
export function keySize(type: OpensshKeypairArgs['type'], size: number | undefined): number | { error: string } {
  if (type === 'rsa' || type === 'rsa1') {
    const r = size ?? 4096;
    if (r < 1024)
      return {
        error: 'For RSA keys, the minimum size is 1024 bits and the default is 4096 bits. Attempting to use bit lengths under 1024 will cause the module to fail.',
      };
    return r;
  }
  if (type === 'dsa') {
    const r = size ?? 1024;
    return r === 1024 ? r : { error: 'DSA keys must be exactly 1024 bits as specified by FIPS 186-2.' };
  }
  if (type === 'ecdsa') {
    const r = size ?? 256;
    if (![256, 384, 521].includes(r))
      return {
        error:
          'For ECDSA keys, size determines the key length by selecting from one of three elliptic curve sizes: 256, 384 or 521 bits. Attempting to use bit lengths other than these three values for ECDSA keys will cause this module to fail.',
      };
    return r;
  }
  return 256;
}

interface KeyProbe {
  path: string;
  keygen: boolean;
  baseDir: boolean;
  isDir: boolean;
  privExists: boolean;
  pubExists: boolean;
  /** `ssh-keygen -l -f path` stdout (when the private key exists). */
  list?: string;
  /** `ssh-keygen -P '' -y -f path`. */
  pubFromPriv?: { rc: number; stdout: string; stderr: string };
  /** The .pub file's text, when it is a readable file. */
  pubText?: string;
  priv: FileState;
  pub: FileState;
}

const b64 = (v: string) => `"$(printf %s ${v} | base64 | tr -d '\\n')"`;
const dec = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

/** Shell that reads the key pair: ssh-keygen -l and -y of the private key, the .pub text, both stats. */
function readScript(): string {
  return [
    'if [ -e "$P" ]; then echo E; t=$(mktemp) || exit 1;',
    `ssh-keygen -l -f "$P" > "$t" 2>/dev/null < /dev/null; printf 'l %s\\n' "$(base64 < "$t" | tr -d '\\n')";`,
    `ssh-keygen -P '' -y -f "$P" > "$t" 2> "$t.e" < /dev/null; echo "yrc $?"; printf 'y %s\\n' "$(base64 < "$t" | tr -d '\\n')"; printf 'ye %s\\n' "$(base64 < "$t.e" | tr -d '\\n')";`,
    'rm -f -- "$t" "$t.e"; fi;',
    `if [ -e "$Q" ]; then echo F; if [ -f "$Q" ] && [ -r "$Q" ]; then printf 'q %s\\n' "$(base64 < "$Q" | tr -d '\\n')"; fi; fi;`,
    `echo ---priv; ${statOfVar('"$P"')}; echo ---pub; ${statOfVar('"$Q"')}`,
  ].join(' ');
}

function parseRead(path: string, r: RunResult): Omit<KeyProbe, 'path' | 'keygen' | 'baseDir' | 'isDir'> {
  const [head = '', rest = ''] = r.stdout.split('---priv\n');
  const [privStat = '', pubStat = ''] = rest.split('---pub\n');
  const lines = head.split('\n');
  const field = (t: string) => lines.find((l) => l.startsWith(`${t} `))?.slice(t.length + 1);
  const out: Omit<KeyProbe, 'path' | 'keygen' | 'baseDir' | 'isDir'> = {
    privExists: lines.includes('E'),
    pubExists: lines.includes('F'),
    priv: parseFileState(path, { ...r, stdout: privStat }),
    pub: parseFileState(`${path}.pub`, { ...r, stdout: pubStat }),
  };
  if (out.privExists) {
    out.list = dec(field('l'));
    out.pubFromPriv = { rc: Number(field('yrc') ?? '1'), stdout: dec(field('y')), stderr: dec(field('ye')) };
  }
  const q = field('q');
  if (q !== undefined) out.pubText = dec(q);
  return out;
}

function keyProbe(a: OpensshKeypairArgs): Probe {
  const script = [
    `${pathExpansionShell(a.path, 'P')}\nQ="$P.pub";`,
    `printf 'p %s\\n' ${b64('"$P"')};`,
    'command -v ssh-keygen > /dev/null 2>&1 && echo K;',
    '[ -d "$(dirname -- "$P")" ] && echo B; [ -d "$P" ] && echo DIR;',
    readScript(),
  ].join(' ');
  return {
    key: 'keypair',
    cmd: raw(script),
    parse(r: RunResult): KeyProbe {
      const lines = (r.stdout.split('---priv\n')[0] ?? '').split('\n');
      const path = dec(lines.find((l) => l.startsWith('p '))?.slice(2));
      return { path, keygen: lines.includes('K'), baseDir: lines.includes('B'), isDir: lines.includes('DIR'), ...parseRead(path, r) };
    },
  };
}

const pyDirnameOrDot = (p: string) => {
  const i = p.lastIndexOf('/');
  const head = i < 0 ? '' : p.slice(0, i + 1);
  const d = head && head !== '/'.repeat(head.length) ? head.replace(/\/+$/, '') : head;
  return d || '.';
};

function loadKeys(p: Omit<KeyProbe, 'path' | 'keygen' | 'baseDir' | 'isDir'>): { priv?: PrivateKeyInfo; pub?: PublicKeyInfo } {
  const out: { priv?: PrivateKeyInfo; pub?: PublicKeyInfo } = {};
  const priv = p.privExists && p.list !== undefined ? parsePrivateKey(p.list) : undefined;
  if (priv) out.priv = priv;
  const pub = p.pubExists && p.pubText !== undefined ? parsePublicKeyFile(p.pubText) : undefined;
  if (pub) out.pub = pub;
  return out;
}

function keyResult(a: OpensshKeypairArgs, size: number, path: string, k: { priv?: PrivateKeyInfo; pub?: PublicKeyInfo }): Record<string, unknown> {
  return {
    size,
    type: a.type,
    filename: path,
    fingerprint: k.priv?.fingerprint ?? '',
    public_key: k.pub ? `${k.pub.typeString} ${k.pub.data}` : '',
    comment: k.pub?.comment ?? '',
  };
}

function keyDiffSide(k: { priv?: PrivateKeyInfo; pub?: PublicKeyInfo }): Record<string, unknown> {
  return {
    ...(k.priv ? { size: k.priv.size, type: k.priv.type, fingerprint: k.priv.fingerprint, format: '' } : {}),
    ...(k.pub ? { comment: k.pub.comment, public_key: k.pub.data } : {}),
  };
}

const diffText = (d: Record<string, unknown>) => (Object.keys(d).length ? `${JSON.stringify(d, null, 4)}\n` : '');

/** Shell that replaces `dest` by `src` as the module's _safe_secure_move: an existing dest lends its mode and owner. */
function secureMove(src: string, dest: string): string {
  return `if [ -e ${dest} ]; then chmod --reference=${dest} ${src} && chown --reference=${dest} ${src} || exit 1; fi; mv -f -- ${src} ${dest} || exit 1;`;
}

export const opensshKeypair = defineModule<OpensshKeypairArgs>({
  name: 'openssh_keypair',
  factsFree: true,
  aliases: ['community.crypto.openssh_keypair'],
  description: "Generate, check or remove an OpenSSH key pair with ssh-keygen on the host as community.crypto's openssh_keypair (opensshbin backend)",
  args: opensshKeypairArgs,
  probes: (a) => [keyProbe(a)],
  returns: {
    size: 'the key size in bits (256 for ed25519)',
    type: 'the type argument',
    filename: 'the private key file',
    fingerprint: "the private key's SHA256 fingerprint (empty when there is none)",
    public_key: 'the public key "type data" from the .pub file',
    comment: "the .pub file's comment",
  },
  plan(a, ctx): Plan {
    const p = ctx.probed.keypair as KeyProbe;
    const fail = (msg: string, extra: Record<string, unknown> = {}): Plan => ({ changed: false, commands: [], failed: msg, result: { ...extra, msg } });
    if (a.backend === 'cryptography' || (a.backend === 'auto' && (!p.keygen || a.passphrase)))
      return fail(
        "tsplay's openssh_keypair uses ssh-keygen only (backend opensshbin); the cryptography backend (and so passphrase) is not supported — generate an encrypted key with ssh-keygen -N through command",
      );
    if (!p.keygen) return fail('Cannot find the OpenSSH binary in the PATH');
    const size = keySize(a.type, a.size);
    if (typeof size !== 'number') return fail(size.error);
    if (!p.baseDir) {
      const d = pyDirnameOrDot(p.path);
      return fail(`The directory ${d} does not exist or the file is not a directory`, { name: d });
    }
    if (p.isDir) return fail(`${p.path} is a directory. Please specify a path to a file.`);
    if (a.private_key_format !== 'auto') return fail("'auto' is the only valid option for 'private_key_format' when 'backend' is not 'cryptography'");
    const regenerate = a.force ? 'always' : a.regenerate;
    const orig = loadKeys(p);
    const P = sh`${p.path}`.text;
    const Q = sh`${`${p.path}.pub`}`.text;
    const want = { mode: a.mode, owner: a.owner, group: a.group };

    if (a.state === 'absent') {
      const result = { ...keyResult(a, size, p.path, orig), changed: false };
      if (!p.privExists && !p.pubExists) return { changed: false, commands: [], result };
      const changedResult = { ...result, changed: true };
      if (ctx.check) return { changed: true, commands: [], result: changedResult };
      return {
        changed: true,
        commands: [{ kind: 'shell', cmd: raw(`rm -f -- ${P} ${Q}`), describe: `remove ${p.path} and ${p.path}.pub` }],
        result: changedResult,
      };
    }

    const y = p.pubFromPriv;
    const readable = !!y && !(y.rc === 255 || ['is not a public key file', 'incorrect passphrase', 'load failed'].some((s) => y.stderr.includes(s)));
    if (p.privExists && ['never', 'fail', 'partial_idempotence'].includes(regenerate) && (!orig.priv || !readable))
      return fail(
        'Unable to read the key. The key is protected with a passphrase or broken. Will not proceed. To force regeneration, call the module with `generate` set to `full_idempotence` or `always`, or with `force=true`.',
      );
    const valid = !!orig.priv && orig.priv.size === size && orig.priv.type === a.type;
    let generate: boolean;
    if (!orig.priv) generate = true;
    else if (regenerate === 'never') generate = false;
    else if (regenerate === 'fail') {
      if (!valid)
        return fail(
          'Key has wrong type and/or size. Will not proceed. To force regeneration, call the module with `generate` set to `partial_idempotence`, `full_idempotence` or `always`, or with `force=true`.',
        );
      generate = false;
    } else if (regenerate === 'always') generate = true;
    else generate = !valid;

    let restore = false;
    if (!generate) {
      const fromPriv = y ? parsePublicKeyString(y.stdout) : undefined;
      if (!fromPriv) return fail('unexpected error occurred: list index out of range');
      restore = !orig.pub || !samePublicKey(orig.pub, { ...fromPriv, comment: a.comment ?? null });
    }
    let changed = generate || restore;

    // The files' attributes once generated or restored (as _safe_secure_move leaves them), for mode/owner/group.
    const after = (st: FileState, fresh: string): InodeInfo | undefined => st.resolved ?? { ...freshInode, mode: fresh };
    const privInfo = generate ? after(p.priv, '0600') : p.priv.resolved;
    const pubInfo = generate || (restore && !p.pubExists) ? after(p.pub, '0644') : p.pub.resolved;
    const attrCmds: Command[] = [];
    for (const [path, info] of [
      [p.path, privInfo],
      [`${p.path}.pub`, pubInfo],
    ] as const) {
      if (ctx.check && !info) {
        changed = true;
        continue;
      }
      const c = attrChanges(path, info, want);
      if (c.commands.length) changed = true;
      attrCmds.push(...c.commands);
    }

    const base = keyResult(a, size, p.path, orig);
    const beforeSide = keyDiffSide(orig);
    if (ctx.check) {
      const result: Record<string, unknown> = { ...base, changed };
      if (ctx.diff) result.diff = { before: beforeSide, after: beforeSide };
      return { changed, commands: [], result };
    }
    const commands: Command[] = [];
    if (generate) {
      const comment = sh`${a.comment ?? ''}`.text;
      commands.push({
        kind: 'shell',
        cmd: raw(
          `d=$(mktemp -d ${sh`${`${pyDirnameOrDot(p.path)}/.tsplay-keypair.XXXXXX`}`.text}) || exit 1; ` +
            `ssh-keygen -q -N '' -b ${size} -t ${a.type} -f "$d/key" -C ${comment} < /dev/null || { rm -rf -- "$d"; exit 1; }; ` +
            `${secureMove('"$d/key"', P)} ${secureMove('"$d/key.pub"', Q)} rm -rf -- "$d"`,
        ),
        describe: `ssh-keygen -t ${a.type} -b ${size} -f ${p.path}`,
      });
    } else if (restore) {
      commands.push({
        kind: 'shell',
        cmd: raw(
          `t=$(mktemp ${sh`${`${pyDirnameOrDot(p.path)}/.tsplay-pub.XXXXXX`}`.text}) || exit 1; ` +
            `{ ssh-keygen -P '' -y -f ${P} < /dev/null | head -n 1 | cut -d' ' -f1,2; } > "$t" && chmod 0644 "$t" && ${secureMove('"$t"', Q)}` +
            (a.comment ? ` ssh-keygen -q -o -c -C ${sh`${a.comment}`.text} -f ${P} > /dev/null || exit 1;` : ''),
        ),
        describe: `restore ${p.path}.pub from the private key`,
      });
    }
    commands.push(...attrCmds);
    if (commands.length === 0) {
      const result: Record<string, unknown> = { ...base, changed: false };
      if (ctx.diff) result.diff = { before: beforeSide, after: beforeSide };
      return { changed: false, commands: [], result };
    }
    commands.push({ kind: 'shell', cmd: raw(`P=${P}; Q=${Q}; ${readScript()}`), describe: `read ${p.path} back`, mayFail: true });
    return {
      changed,
      commands,
      result: { ...base, changed },
      interpret(outputs) {
        const firstFailed = outputs.slice(0, -1).find((o) => o.rc !== 0);
        if (firstFailed || outputs.length < commands.length) {
          const o = firstFailed ?? outputs[outputs.length - 1];
          const msg = restore
            ? 'The public key is missing or does not match the private key. Unable to regenerate the public key.'
            : o?.stderr.trim() || o?.stdout.trim() || 'ssh-keygen failed';
          return { changed: false, failed: msg, result: { msg } };
        }
        const now = loadKeys(parseRead(p.path, outputs[outputs.length - 1]!));
        const result: Record<string, unknown> = { ...keyResult(a, size, p.path, { priv: now.priv ?? orig.priv, pub: now.pub ?? orig.pub }), changed };
        if (ctx.diff) result.diff = { before: beforeSide, after: keyDiffSide(now) };
        return { changed, result };
      },
      ...(ctx.diff && (generate || restore)
        ? {
            diff: [
              {
                path: p.path,
                before: diffText(beforeSide),
                after: generate ? '(a new key pair, made by ssh-keygen on the host)\n' : '(the public key made again from the private key)\n',
              },
            ],
          }
        : {}),
    };
  },
});

/** A file the module creates: root's, as the connection user's (mode filled in by the caller). */
const freshInode: InodeInfo = { type: 'file', mode: '0600', uid: 0, owner: 'root', gid: 0, group: 'root', size: 0, nlink: 1, inode: 0, device: 0 };
