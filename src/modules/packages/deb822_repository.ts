/**
 * `deb822_repository` (ansible-core 2.15; ansible-core 2.14 has no such module, a deliberate
 * difference): one repository as /etc/apt/sources.list.d/<slug>.sources in deb822 form, fields in
 * the order of their option names (X-Repolib-Name, Types, URIs, Suites, Components, …), booleans
 * yes/no, lists space-joined, multi-line values (an inline Signed-By key) indented by four spaces
 * with `.` for empty lines. `signed_by` is a path on the host or the key itself; URLs are not
 * fetched (network rule). No cache update, as in Ansible (call apt with update_cache).
 */
import { z } from 'zod';
import { quote, raw } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { bool, int, strList } from '../system/args.js';
import { defineModule, type Plan, type Probe } from '../types.js';

export const deb822RepositoryArgs = z.strictObject({
  allow_downgrade_to_insecure: bool.optional(),
  allow_insecure: bool.optional(),
  allow_weak: bool.optional(),
  architectures: strList.optional(),
  by_hash: bool.optional(),
  check_date: bool.optional(),
  check_valid_until: bool.optional(),
  components: strList.optional(),
  date_max_future: int.optional(),
  enabled: bool.optional(),
  inrelease_path: z.string().optional(),
  install_python_debian: bool.optional(),
  languages: strList.optional(),
  name: z.string(),
  pdiffs: bool.optional(),
  signed_by: z.string().optional(),
  suites: strList.optional(),
  targets: strList.optional(),
  trusted: bool.optional(),
  types: z
    .array(z.enum(['deb', 'deb-src']))
    .or(z.enum(['deb', 'deb-src']).transform((t) => [t]))
    .optional(),
  uris: strList.optional(),
  mode: z.union([z.string(), z.number().int()]).optional(),
  state: z.enum(['present', 'absent']).optional(),
});
export type Deb822RepositoryArgs = z.infer<typeof deb822RepositoryArgs>;

const KEYRINGS = '/etc/apt/keyrings';

/** The file name part Ansible derives from `name`. */
export function deb822Slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[_\s]+/g, '-')
    .replace(/[^a-z0-9-]+/g, '');
}

const fieldName = (k: string) =>
  k === 'name' ? 'X-Repolib-Name' : k === 'uris' ? 'URIs' : k.replace(/_/g, '-').replace(/[A-Za-z]+/g, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase());

function multiline(v: string): string {
  const body = v
    .trim()
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim() || '.')
    .map((l) => `    ${l}`)
    .join('\n');
  return `\n${body}`;
}

/** The .sources text for these args (signedBy: what goes into Signed-By). */
export function deb822Text(a: Deb822RepositoryArgs, signedBy: string | undefined): string {
  const p: Record<string, unknown> = { ...a, types: a.types ?? ['deb'], signed_by: signedBy };
  for (const k of ['mode', 'state', 'install_python_debian']) delete p[k];
  let out = '';
  for (const key of Object.keys(p).sort()) {
    let v = p[key];
    if (v === undefined || v === null) continue;
    if (typeof v === 'boolean') v = v ? 'yes' : 'no';
    else if (typeof v === 'number') v = String(v);
    else if (Array.isArray(v)) v = v.join(' ');
    let s = String(v);
    if (s.includes('\n')) s = multiline(s);
    out += s.startsWith('\n') ? `${fieldName(key)}:${s}\n` : `${fieldName(key)}: ${s}\n`;
  }
  return out;
}

interface Probed {
  content?: string;
  mode?: string;
  signedByIsFile: boolean;
  keyFiles: string[];
}

export const deb822RepositoryModule = defineModule<Deb822RepositoryArgs>({
  name: 'deb822_repository',
  description: 'Add or remove an apt repository as a deb822 .sources file (ansible-core 2.15 module; not in 2.14).',
  args: deb822RepositoryArgs,
  probes(a): Probe[] {
    const slug = deb822Slug(a.name);
    const dest = `/etc/apt/sources.list.d/${slug}.sources`;
    let script = `f=${quote(dest)}; if [ -f "$f" ]; then printf 'mode %s\\n' "$(stat -c %a "$f")"; printf 'data '; base64 -w0 < "$f"; echo; fi; `;
    for (const ext of ['asc', 'gpg']) script += `[ -e ${quote(`${KEYRINGS}/${slug}.${ext}`)} ] && echo 'key ${ext}'; `;
    if (a.signed_by && !a.signed_by.includes('\n')) script += `[ -f ${quote(a.signed_by)} ] && echo signedbyfile; `;
    script += 'true';
    return [
      {
        key: 'deb822',
        cmd: raw(script),
        parse(r: RunResult): Probed {
          const o: Probed = { signedByIsFile: false, keyFiles: [] };
          for (const line of r.stdout.split('\n')) {
            if (line.startsWith('mode ')) o.mode = line.slice(5).padStart(4, '0');
            else if (line.startsWith('data ')) o.content = Buffer.from(line.slice(5), 'base64').toString('utf8');
            else if (line.startsWith('key ')) o.keyFiles.push(`${KEYRINGS}/${deb822Slug(a.name)}.${line.slice(4)}`);
            else if (line === 'signedbyfile') o.signedByIsFile = true;
          }
          return o;
        },
      },
    ];
  },
  plan(a, ctx): Plan {
    const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });
    const p = ctx.probed.deb822 as Probed;
    const slug = deb822Slug(a.name);
    const dest = `/etc/apt/sources.list.d/${slug}.sources`;
    if ((a.state ?? 'present') === 'absent') {
      const gone = [...(p.content !== undefined ? [dest] : []), ...p.keyFiles];
      const commands: Command[] = gone.length ? [{ kind: 'shell', cmd: raw(`rm -f -- ${gone.map(quote).join(' ')}`), describe: `remove ${gone.join(' ')}` }] : [];
      const changed = gone.length > 0;
      return { changed, commands, result: { repo: null, changed, dest, key_filename: `${KEYRINGS}/${slug}.gpg` } };
    }
    let signedBy = a.signed_by;
    let keyFilename: string | null = null;
    if (signedBy !== undefined && !signedBy.includes('\n')) {
      if (p.signedByIsFile) keyFilename = signedBy;
      else if (/^[a-z][a-z0-9+.-]*:/i.test(signedBy))
        return fail(`Could not fetch signed_by key: tsplay does not download keys (${signedBy}); copy it to the host and give its path`);
    }
    if (signedBy === '') signedBy = undefined;
    const repo = deb822Text(a, signedBy);
    const mode = a.mode === undefined ? '0644' : typeof a.mode === 'number' ? a.mode.toString(8).padStart(4, '0') : a.mode.length === 3 ? `0${a.mode}` : a.mode;
    const contentChanged = p.content !== repo;
    const changed = contentChanged || p.mode !== mode;
    const commands: Command[] = [];
    if (contentChanged) commands.push({ kind: 'put', path: dest, content: repo, mode, describe: `write ${dest}` });
    else if (changed) commands.push({ kind: 'shell', cmd: raw(`chmod ${quote(mode)} -- ${quote(dest)}`), describe: `chmod ${dest}` });
    return {
      changed,
      commands,
      diff: contentChanged ? [{ path: dest, before: p.content ?? '', after: repo }] : undefined,
      result: { repo, changed, dest, key_filename: keyFilename },
    };
  },
});
