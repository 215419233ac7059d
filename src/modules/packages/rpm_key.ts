/**
 * `rpm_key`: import or remove a GPG key in the rpm database as ansible-core 2.14 does (key id from
 * the file through gpg, compared with the imported gpg-pubkey packages; `fingerprint` checked
 * before an import; removal erases gpg-pubkey-<last 8 hex>). Keys come from a path on the host or
 * a key id; a URL is not fetched (tsplay's network rule): copy the key to the host first.
 */
import { z } from 'zod';
import { argv, quote, raw, Shell } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { bool } from '../system/args.js';
import { defineModule, type Plan, type Probe } from '../types.js';

export const rpmKeyArgs = z.strictObject({
  key: z.string(),
  state: z.enum(['absent', 'present']).optional(),
  fingerprint: z.string().optional(),
  validate_certs: bool.optional(),
});
export type RpmKeyArgs = z.infer<typeof rpmKeyArgs>;

const GPG = 'gpg --no-tty --batch --with-colons --fixed-list-mode';

interface RpmKeyProbe {
  isFile: boolean;
  fileKeyId?: string;
  fileFpr?: string;
  fileError?: string;
  /** `gpg --with-colons` lines of every imported gpg-pubkey (none: no key imported). */
  imported: string[];
}

export function parseRpmKeyProbe(r: RunResult): RpmKeyProbe {
  const o: RpmKeyProbe = { isFile: false, imported: [] };
  const errs: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const [tag, ...rest] = line.split('\t');
    const v = rest.join('\t');
    if (tag === 'isfile') o.isFile = true;
    else if (tag === 'f') {
      const t = v.trim();
      if (t.startsWith('pub:') && o.fileKeyId === undefined) o.fileKeyId = t.split(':')[4];
      if (t.startsWith('fpr:') && o.fileFpr === undefined) o.fileFpr = t.split(':')[9];
    } else if (tag === 'ferr') errs.push(v);
    else if (tag === 'i') o.imported.push(v);
  }
  if (errs.length) o.fileError = errs.join('\n');
  return o;
}

const isKeyId = (k: string) => /^(0x)?[0-9a-f]{8}/i.test(k);
const normalize = (k: string) => {
  const r = k.trim().toUpperCase();
  return r.startsWith('0X') ? r.slice(2) : r;
};

export const rpmKeyModule = defineModule<RpmKeyArgs>({
  name: 'rpm_key',
  description: 'Import or remove a GPG key in the rpm database (from a file on the host or a key id), as ansible-core 2.14.',
  args: rpmKeyArgs,
  probes(a): Probe[] {
    const k = quote(a.key);
    const script =
      `export LC_ALL=C; if [ -f ${k} ]; then echo isfile; { ${GPG} --with-fingerprint -- ${k} 2>/tmp/.tsplay-rpmkey-err.$$ | sed 's/^/f\\t/'; sed 's/^/ferr\\t/' /tmp/.tsplay-rpmkey-err.$$ | grep -v 'WARNING\\|gpg: keybox\\|gpg: directory' ; rm -f /tmp/.tsplay-rpmkey-err.$$; }; fi; ` +
      `if rpm -q gpg-pubkey >/dev/null 2>&1; then rpm -q gpg-pubkey --qf '%{description}' | ${GPG} - 2>/dev/null | sed 's/^/i\\t/'; fi`;
    return [{ key: 'rpmkey', cmd: raw(script), parse: parseRpmKeyProbe }];
  },
  plan(a, ctx): Plan {
    const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });
    const p = ctx.probed.rpmkey as RpmKeyProbe;
    const state = a.state ?? 'present';
    if (a.key.includes('://')) return fail(`tsplay's rpm_key does not download keys (${a.key}): copy the key to the host and give its path`);
    let keyfile: string | undefined;
    let keyid: string;
    if (isKeyId(a.key)) keyid = a.key;
    else if (p.isFile) {
      keyfile = a.key;
      if (p.fileKeyId === undefined) return fail(p.fileError ?? 'Unexpected gpg output');
      keyid = p.fileKeyId;
    } else return fail(`Not a valid key ${a.key}`);
    keyid = normalize(keyid);
    const imported = p.imported.some((l) => (l.split(':')[4] ?? '').includes(keyid));
    const ok = (changed: boolean): Plan => ({ changed, commands: [], result: { changed } });
    if (state === 'present') {
      if (imported) return ok(false);
      if (!keyfile) return fail('When importing a key, a valid file must be given');
      if (a.fingerprint) {
        const want = a.fingerprint.replace(/ /g, '').toUpperCase();
        if (p.fileFpr === undefined) return fail('Unexpected gpg output');
        if (want !== p.fileFpr) return fail(`The specified fingerprint, '${want}', does not match the key fingerprint '${p.fileFpr}'`);
      }
      return run(new Shell(argv(['rpm', '--import', keyfile]).text), `rpm --import ${keyfile}`);
    }
    if (!imported) return ok(false);
    return run(new Shell(argv(['rpm', '--erase', '--allmatches', `gpg-pubkey-${keyid.slice(-8).toLowerCase()}`]).text), `rpm --erase gpg-pubkey-${keyid.slice(-8).toLowerCase()}`);

    function run(cmd: Shell, describe: string): Plan {
      return {
        changed: true,
        commands: [{ kind: 'shell', cmd, describe, mayFail: true }],
        result: { changed: true },
        interpret: ([r]) => (r && r.rc !== 0 ? { changed: false, failed: r.stderr, result: { msg: r.stderr } } : { changed: true, result: { changed: true } }),
      };
    }
  },
});
