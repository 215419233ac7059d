/**
 * `yum_repository`: one section of a .repo file in /etc/yum.repos.d, written byte for byte as
 * ansible-core 2.14 writes it (Python's RawConfigParser: `key = value`, continuation lines
 * indented with a tab, a blank line after each section; the section ansible (re)adds goes last,
 * its keys sorted; a file left without sections is removed). `diff` (before/after, sorted
 * dumps) is always in the result, as ansible returns it.
 */
import { z } from 'zod';
import { quote, raw } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { bool, strList, withAliases } from '../system/args.js';
import { defineModule, type Plan, type Probe } from '../types.js';

const str = z.union([z.string(), z.number()]).transform(String);

export const yumRepositoryArgs = withAliases(
  { ca_cert: 'sslcacert', client_cert: 'sslclientcert', client_key: 'sslclientkey', validate_certs: 'sslverify' },
  z.strictObject({
    async: bool.optional(),
    bandwidth: str.optional(),
    baseurl: strList.optional(),
    cost: str.optional(),
    deltarpm_metadata_percentage: str.optional(),
    deltarpm_percentage: str.optional(),
    description: z.string().optional(),
    enabled: bool.optional(),
    enablegroups: bool.optional(),
    exclude: strList.optional(),
    failovermethod: z.enum(['roundrobin', 'priority']).optional(),
    file: z.string().optional(),
    gpgcakey: z.string().optional(),
    gpgcheck: bool.optional(),
    gpgkey: strList.optional(),
    module_hotfixes: bool.optional(),
    http_caching: z.enum(['all', 'packages', 'none']).optional(),
    include: z.string().optional(),
    includepkgs: strList.optional(),
    ip_resolve: z.enum(['4', '6', 'IPv4', 'IPv6', 'whatever']).optional(),
    keepalive: bool.optional(),
    keepcache: z.enum(['0', '1']).optional(),
    metadata_expire: str.optional(),
    metadata_expire_filter: z.enum(['never', 'read-only:past', 'read-only:present', 'read-only:future']).optional(),
    metalink: z.string().optional(),
    mirrorlist: z.string().optional(),
    mirrorlist_expire: str.optional(),
    name: z.string(),
    params: z.record(z.string(), z.unknown()).optional(),
    password: z.string().optional(),
    priority: str.optional(),
    protect: bool.optional(),
    proxy: z.string().optional(),
    proxy_password: z.string().optional(),
    proxy_username: z.string().optional(),
    repo_gpgcheck: bool.optional(),
    reposdir: z.string().optional(),
    retries: str.optional(),
    s3_enabled: bool.optional(),
    skip_if_unavailable: bool.optional(),
    sslcacert: z.string().optional(),
    ssl_check_cert_permissions: bool.optional(),
    sslclientcert: z.string().optional(),
    sslclientkey: z.string().optional(),
    sslverify: bool.optional(),
    state: z.enum(['present', 'absent']).optional(),
    throttle: str.optional(),
    timeout: str.optional(),
    ui_repoid_vars: z.string().optional(),
    username: z.string().optional(),
    mode: z.union([z.string(), z.number().int()]).optional(),
    owner: z.string().optional(),
    group: z.string().optional(),
  }),
);
export type YumRepositoryArgs = z.infer<typeof yumRepositoryArgs>;

const ALLOWED = new Set(
  'async bandwidth baseurl cost deltarpm_metadata_percentage deltarpm_percentage enabled enablegroups exclude failovermethod gpgcakey gpgcheck gpgkey module_hotfixes http_caching include includepkgs ip_resolve keepalive keepcache metadata_expire metadata_expire_filter metalink mirrorlist mirrorlist_expire name password priority protect proxy proxy_password proxy_username repo_gpgcheck retries s3_enabled skip_if_unavailable sslcacert ssl_check_cert_permissions sslclientcert sslclientkey sslverify throttle timeout ui_repoid_vars username'.split(
    ' ',
  ),
);

/** An ini file as RawConfigParser holds it: sections in order, keys (lowercased) in order. */
export type Ini = Array<{ name: string; items: Array<[string, string | null]> }>;

/** RawConfigParser.read for the files yum/dnf use (comments dropped, continuation lines joined with \n). */
export function parseIni(text: string): Ini {
  const ini: Ini = [];
  let cur: Ini[number] | undefined;
  let last: [string, string | null] | undefined;
  for (const line of text.split(/\r\n|\n|\r/)) {
    const t = line.trim();
    if (t.startsWith('#') || t.startsWith(';')) continue;
    if (t === '') {
      last = undefined;
      continue;
    }
    if (/^\s/.test(line) && last && cur) {
      last[1] = `${last[1] ?? ''}\n${t}`;
      continue;
    }
    const sec = /^\[(.+)\]/.exec(t);
    if (sec) {
      const name = sec[1]!;
      cur = ini.find((s) => s.name === name);
      if (!cur) ini.push((cur = { name, items: [] }));
      last = undefined;
      continue;
    }
    if (!cur) continue;
    const m = /^(.*?)\s*[=:]\s*(.*)$/.exec(t);
    const key = (m ? m[1]! : t).trim().toLowerCase();
    const value = m ? m[2]!.trim() : null;
    const i = cur.items.findIndex(([k]) => k === key);
    last = [key, value];
    if (i >= 0) cur.items[i] = last;
    else cur.items.push(last);
  }
  return ini;
}

/** RawConfigParser.write. */
export function writeIni(ini: Ini): string {
  return ini.map((s) => `[${s.name}]\n${s.items.map(([k, v]) => (v === null ? `${k}\n` : `${k} = ${v.replace(/\n/g, '\n\t')}\n`)).join('')}\n`).join('');
}

const sortStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** YumRepo.dump: sections and keys sorted, no continuation indent. */
export function dumpIni(ini: Ini): string {
  return [...ini]
    .sort((a, b) => sortStr(a.name, b.name))
    .map(
      (s) =>
        `[${s.name}]\n${[...s.items]
          .sort((a, b) => sortStr(a[0], b[0]))
          .map(([k, v]) => `${k} = ${v}\n`)
          .join('')}\n`,
    )
    .join('');
}

/** The keys ansible's add() writes for these args, in its (sorted) order. */
export function repoItems(a: YumRepositoryArgs): Array<[string, string]> {
  const p: Record<string, unknown> = { ...a, name: a.description };
  delete p.description;
  const out: Array<[string, string]> = [];
  for (const key of Object.keys(p).sort(sortStr)) {
    let v = p[key];
    if (v === undefined || v === null || !ALLOWED.has(key)) continue;
    if (key === 'baseurl' || key === 'gpgkey') v = (v as string[]).join('\n');
    else if (Array.isArray(v)) v = v.join(' ');
    else if (typeof v === 'boolean') v = v ? '1' : '0';
    out.push([key, String(v)]);
  }
  return out;
}

function modeString(m: string | number | undefined): string | undefined {
  if (m === undefined) return undefined;
  return typeof m === 'number' ? m.toString(8).padStart(4, '0') : m.length === 3 ? `0${m}` : m;
}

interface Probed {
  dirOk: boolean;
  exists: boolean;
  content: string;
  mode?: string;
  owner?: string;
  group?: string;
}

export const yumRepositoryModule = defineModule<YumRepositoryArgs>({
  name: 'yum_repository',
  description: 'Add or remove a yum/dnf repository section in a .repo file, written as ansible-core 2.14 writes it.',
  args: yumRepositoryArgs,
  probes(a): Probe[] {
    const dir = a.reposdir ?? '/etc/yum.repos.d';
    const dest = `${dir}/${a.file ?? a.name}.repo`;
    const cmd = raw(
      `d=${quote(dir)}; f=${quote(dest)}; [ -d "$d" ] && echo dir; if [ -f "$f" ]; then stat -c 'stat %a %U %G' -- "$f"; printf 'data '; base64 -w0 < "$f"; echo; fi`,
    );
    return [
      {
        key: 'repo',
        cmd,
        parse(r: RunResult): Probed {
          const o: Probed = { dirOk: false, exists: false, content: '' };
          for (const line of r.stdout.split('\n')) {
            if (line === 'dir') o.dirOk = true;
            else if (line.startsWith('stat ')) {
              const [, mode, owner, group] = line.split(' ');
              Object.assign(o, { exists: true, mode: mode!.padStart(4, '0'), owner, group });
            } else if (line.startsWith('data ')) o.content = Buffer.from(line.slice(5), 'base64').toString('utf8');
          }
          return o;
        },
      },
    ];
  },
  plan(a, ctx): Plan {
    const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });
    if (a.params) return fail("The params option to yum_repository was removed in Ansible 2.5 since it circumvents Ansible's option handling");
    const state = a.state ?? 'present';
    if (state === 'present') {
      if (!a.baseurl && a.metalink === undefined && a.mirrorlist === undefined) return fail("Parameter 'baseurl', 'metalink' or 'mirrorlist' is required.");
      if (a.description === undefined) return fail("Parameter 'description' is required.");
    }
    const dir = a.reposdir ?? '/etc/yum.repos.d';
    const dest = `${dir}/${a.file ?? a.name}.repo`;
    const p = ctx.probed.repo as Probed;
    if (!p.dirOk) return fail(`Repo directory '${dir}' does not exist.`);
    const ini = p.exists ? parseIni(p.content) : [];
    const before = dumpIni(ini);
    const without = ini.filter((s) => s.name !== a.name);
    const after = state === 'present' ? [...without, { name: a.name, items: repoItems(a) as Array<[string, string | null]> }] : without;
    const diff = { before_header: dest, before, after_header: dest, after: dumpIni(after) };
    let changed = before !== diff.after;
    const commands: Command[] = [];
    const mode = modeString(a.mode);
    if (changed) {
      if (after.length)
        commands.push({ kind: 'put', path: dest, content: writeIni(after), mode: mode ?? p.mode ?? '0644', owner: a.owner, group: a.group, describe: `write ${dest}` });
      else commands.push({ kind: 'shell', cmd: raw(`rm -f -- ${quote(dest)}`), describe: `remove ${dest}` });
    } else if (p.exists && ((mode && mode !== p.mode) || (a.owner && a.owner !== p.owner) || (a.group && a.group !== p.group))) {
      changed = true;
      const parts: string[] = [];
      if (mode) parts.push(`chmod ${quote(mode)} -- ${quote(dest)}`);
      if (a.owner || a.group) parts.push(`chown ${quote(`${a.owner ?? ''}${a.group ? `:${a.group}` : ''}`)} -- ${quote(dest)}`);
      commands.push({ kind: 'shell', cmd: raw(parts.join(' && ')), describe: `attributes of ${dest}` });
    }
    return {
      changed,
      commands,
      diff: changed ? [{ path: dest, before: p.exists ? p.content : '', after: after.length ? writeIni(after) : '' }] : undefined,
      result: { changed, repo: a.name, state, diff },
    };
  },
});
