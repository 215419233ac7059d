/**
 * `apt_key`: add or remove a key in apt's trusted keyring with apt-key, as ansible-core 2.14 does
 * (key id from the file or data through gpg, compared with `apt-key adv --list-public-keys`;
 * result fields id, short_id, fp, key_id, before, after). `url` is fetched on the host only from
 * its loopback (tsplay's network rule); `keyserver` needs the internet and is refused.
 */
import { z } from 'zod';
import { argv, quote, raw, Shell } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { bool } from '../system/args.js';
import { defineModule, type Plan, type Probe } from '../types.js';

export const aptKeyArgs = z.strictObject({
  id: z.string().optional(),
  url: z.string().optional(),
  data: z.string().optional(),
  file: z.string().optional(),
  keyring: z.string().optional(),
  validate_certs: bool.optional(),
  keyserver: z.string().optional(),
  state: z.enum(['absent', 'present']).optional(),
});
export type AptKeyArgs = z.infer<typeof aptKeyArgs>;

const ENV = 'LANG=C LC_ALL=C LC_MESSAGES=C';

/** Key ids in `gpg --with-colons` or `apt-key adv --list-public-keys` output (ansible's parse_output_for_keys). */
export function parseKeyIds(output: string, short = false): string[] {
  const found: string[] = [];
  for (const line of output.split('\n')) {
    if (!(line.startsWith('pub') || line.startsWith('sub')) || line.includes('expired')) continue;
    const tokens = line.split(/\s+/).filter(Boolean);
    const code = tokens[1];
    const parts = code?.split('/');
    if (parts && parts.length === 2) found.push(parts[1]!);
    else {
      const c = line.split(':');
      if (c.length > 4) found.push(c[4]!);
    }
  }
  return short ? found.map((k) => k.slice(-8)) : found;
}

/** ansible's parse_key_id: short id (last 8), fingerprint (last 16), the id itself; or an error. */
export function parseKeyId(id: string): { short: string; fp: string; keyId: string } | undefined {
  if (!/^\s*(0[xX])?[0-9a-fA-F]+(_[0-9a-fA-F]+)*\s*$/.test(id)) return undefined;
  let k = id.toUpperCase();
  if (k.startsWith('0X')) k = k.slice(2);
  if (k.length !== 8 && k.length !== 16 && k.length <= 16) return undefined;
  return { short: k.slice(-8), fp: k.length > 16 ? k.slice(-16) : k, keyId: k };
}

const isLoopbackUrl = (u: string): boolean => /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/i.test(u);

function keyringWords(keyring?: string): string[] {
  return keyring ? ['--keyring', keyring] : [];
}

function listCmd(keyring?: string): Shell {
  return new Shell(`${ENV} ${argv(['apt-key', ...keyringWords(keyring), 'adv', '--list-public-keys', '--keyid-format=long']).text}`);
}

interface AptKeyProbe {
  list: RunResult;
  source?: RunResult;
  /** get_bin_path's failure text for the first of apt-key, gpg the host lacks (Debian 13 has no apt-key). */
  missingBin?: string;
}

const SBIN = ['/sbin', '/usr/sbin', '/usr/local/sbin'];

// PATH, the sbin directories that exist, and whether apt-key and gpg are found in them (ansible's get_bin_path).
const BIN_PRELUDE =
  `printf 'tsplay-path=%s\\n' "$PATH"; for d in ${SBIN.join(' ')}; do [ -e "$d" ] && printf 'tsplay-sbin=%s\\n' "$d"; done; ` +
  `for b in apt-key gpg; do PATH="$PATH:${SBIN.join(':')}" command -v "$b" >/dev/null || printf 'tsplay-nobin=%s\\n' "$b"; done; echo tsplay-list; `;

function missingBinMessage(prelude: string): string | undefined {
  const bin = /^tsplay-nobin=(.*)$/m.exec(prelude)?.[1];
  if (!bin) return undefined;
  const dirs = (/^tsplay-path=(.*)$/m.exec(prelude)?.[1] ?? '').split(':');
  for (const m of prelude.matchAll(/^tsplay-sbin=(.*)$/gm)) if (!dirs.includes(m[1]!)) dirs.push(m[1]!);
  return `Failed to find required executable "${bin}" in paths: ${dirs.join(':')}`;
}

function probeFor(a: AptKeyArgs): Probe {
  let script = `${BIN_PRELUDE}${listCmd(a.keyring).text} 2>&1; echo "tsplay-list-rc=$?"`;
  if (!a.id) {
    let src: string | undefined;
    if (a.file) src = `${ENV} gpg --with-colons -- ${quote(a.file)}`;
    else if (a.data !== undefined) src = `printf %s ${quote(Buffer.from(a.data).toString('base64'))} | base64 -d | ${ENV} gpg --with-colons -`;
    else if (a.url && isLoopbackUrl(a.url)) src = `curl -fsSL ${a.validate_certs === false ? '-k ' : ''}-- ${quote(a.url)} | ${ENV} gpg --with-colons -`;
    if (src) script += `; echo tsplay-source; ${src} 2>&1; echo "tsplay-source-rc=$?"`;
  }
  return {
    key: 'aptkey',
    cmd: raw(script),
    parse(r: RunResult): AptKeyProbe {
      const at = r.stdout.indexOf('tsplay-list\n');
      const prelude = at >= 0 ? r.stdout.slice(0, at) : '';
      const [listPart, srcPart] = r.stdout.slice(at >= 0 ? at + 'tsplay-list\n'.length : 0).split('\ntsplay-source\n');
      const rc = (s: string, tag: string) => Number(new RegExp(`${tag}=(\\d+)`).exec(s)?.[1] ?? '1');
      const out: AptKeyProbe = { list: { rc: rc(listPart ?? '', 'tsplay-list-rc'), stdout: (listPart ?? '').replace(/tsplay-list-rc=\d+\n?$/, ''), stderr: '', durationMs: 0 } };
      if (srcPart !== undefined) out.source = { rc: rc(srcPart, 'tsplay-source-rc'), stdout: srcPart.replace(/tsplay-source-rc=\d+\n?$/, ''), stderr: '', durationMs: 0 };
      const missing = missingBinMessage(prelude);
      if (missing) out.missingBin = missing;
      return out;
    },
  };
}

export const aptKeyModule = defineModule<AptKeyArgs>({
  name: 'apt_key',
  description: 'Add or remove an apt key with apt-key as ansible-core 2.14 (from a file, data or a loopback URL on the host).',
  args: aptKeyArgs,
  probes: (a) => [probeFor(a)],
  plan(a, ctx): Plan {
    const fail = (msg: string, r: Record<string, unknown> = {}): Plan => ({ changed: false, commands: [], failed: msg, result: { ...r, msg } });
    const given = (['data', 'file', 'keyserver', 'url'] as const).filter((k) => a[k] !== undefined);
    if (given.length > 1) return fail(`parameters are mutually exclusive: data|file|keyserver|url`);
    const probe = ctx.probed.aptkey as AptKeyProbe;
    // ansible looks for apt-key and gpg before anything else (apt 3, Debian 13, has no apt-key).
    if (probe.missingBin) return fail(probe.missingBin);
    if (a.keyserver) return fail(`tsplay's apt_key does not fetch from a keyserver (${a.keyserver} is on the internet): give the key as file or data`);
    if (a.url && !isLoopbackUrl(a.url))
      return fail(`tsplay's apt_key fetches url only from the host's loopback (127.0.0.1, localhost); download ${a.url} another way and give it as file or data`);
    const state = a.state ?? 'present';
    const r: Record<string, unknown> = { changed: false };
    let id = a.id;
    if (!id && probe.source) {
      if (probe.source.rc !== 0) {
        if (a.url) return fail(`Failed to download key at ${a.url}`);
        return fail(`Unable to extract key from '${a.data !== undefined ? 'inline data' : a.file}'`, { stdout: probe.source.stdout, stderr: '' });
      }
      id = parseKeyIds(probe.source.stdout)[0];
    }
    r.id = id ?? null;
    const k = id ? parseKeyId(id) : undefined;
    if (!k) return fail('Invalid key_id', r);
    Object.assign(r, { short_id: k.short, fp: k.fp, key_id: k.keyId });
    if (probe.list.rc !== 0) return fail('Unable to list public keys', { ...r, stdout: probe.list.stdout });
    const short = k.keyId.length === 8;
    const before = parseKeyIds(probe.list.stdout, short);
    r.before = before;
    const has = (keys: string[]) => (short ? keys.includes(k.short) : keys.includes(k.fp));
    const commands: Command[] = [];
    const kr = keyringWords(a.keyring);
    if (state === 'present') {
      if (has(before)) return { changed: false, commands: [], result: r };
      if (a.file) commands.push({ kind: 'shell', cmd: new Shell(`${ENV} ${argv(['apt-key', ...kr, 'add', a.file]).text}`), describe: `apt-key add ${a.file}`, mayFail: true });
      else if (a.data !== undefined)
        commands.push({ kind: 'shell', cmd: new Shell(`${ENV} ${argv(['apt-key', ...kr, 'add', '-']).text}`), stdin: a.data, describe: 'apt-key add -', mayFail: true });
      else if (a.url)
        commands.push({
          kind: 'shell',
          cmd: new Shell(`curl -fsSL ${a.validate_certs === false ? '-k ' : ''}-- ${quote(a.url)} | ${ENV} ${argv(['apt-key', ...kr, 'add', '-']).text}`),
          describe: `apt-key add ${a.url}`,
          mayFail: true,
        });
      else return fail('No key to add ... how did i get here?!?!', r);
    } else {
      if (!has(parseKeyIds(probe.list.stdout))) return { changed: false, commands: [], result: r };
      commands.push({ kind: 'shell', cmd: new Shell(`${ENV} ${argv(['apt-key', ...kr, 'del', k.short]).text}`), describe: `apt-key del ${k.short}`, mayFail: true });
    }
    commands.push({ kind: 'shell', cmd: new Shell(`${listCmd(a.keyring).text} 2>/dev/null`), describe: 'apt-key list', mayFail: true });
    const result = { ...r, changed: true };
    return {
      changed: true,
      commands,
      result,
      interpret(outputs) {
        const first = outputs[0];
        if (first && first.rc !== 0 && outputs.length === commands.length) {
          const msg =
            state === 'absent' ? `Unable to remove a key with id ${k.short}` : a.file ? `Unable to add a key from file ${a.file}` : 'Unable to add a key from binary data';
          return { changed: false, failed: msg, result: { ...result, msg, rc: first.rc, stdout: first.stdout, stderr: first.stderr } };
        }
        const after = parseKeyIds(outputs[outputs.length - 1]?.stdout ?? '', short);
        const res = { ...result, after };
        const ok = state === 'present' ? has(after) : !after.includes(k.fp);
        if (!ok) {
          const msg = `apt-key did not return an error, but ${state === 'present' ? 'failed to add the key' : 'the key was not removed'} (check that the id is correct and *not* a subkey)`;
          return { changed: true, failed: msg, result: { ...res, msg } };
        }
        return { changed: true, result: res };
      },
    };
  },
});
