/**
 * `known_hosts` (ansible.builtin): add or remove a host key in a known_hosts file as ansible-core
 * 2.14 does — ssh-keygen on the host decides which lines belong to the host (`-F`, hashed entries
 * and patterns included) and removes a whole host (`-R`); a replaced key's line is dropped and the
 * new key appended; `hash_host` writes `|1|salt|hmac` with a fresh random salt.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { noteArgAliases } from '../arg-aliases.js';
import { raw, sh } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { splitlines } from '../../template/jinja/filters/common.js';
import { bool, pathInfo, str } from '../files/common.js';
import { fileStateCommand, parseFileState, type FileState } from '../files/state.js';
import { pathExpansionShell } from '../users/common.js';
import { defineModule, type Plan, type Probe } from '../types.js';
import { statOfVar, strictUtf8, universalNewlines } from './paths.js';

const schema = z
  .strictObject({
    name: str.optional().describe('the host (required, or as host)'),
    /** Ansible's alias of name; the result carries it too when it was given. */
    host: str.optional().describe('alias of name; the result carries it too when given'),
    key: str.optional(),
    path: str.default('~/.ssh/known_hosts'),
    hash_host: bool.default(false),
    state: z.enum(['absent', 'present']).default('present'),
  })
  .superRefine((a, ctx) => {
    if (a.name === undefined && a.host === undefined) ctx.addIssue({ code: 'custom', message: 'missing required arguments: name', path: ['name'] });
  });
export type KnownHostsArgs = z.infer<typeof schema>;

/** A known_hosts line's fields as the module compares them (marker, host field, type, key blob). */
export interface HostKey {
  options?: string;
  host: string;
  type: string;
  key: string;
}

/** The module's normalize_known_hosts_key; undefined for a line with too few fields. */
export function normalizeHostKey(line: string): HostKey | undefined {
  const k = line.trim().split(/\s+/).filter(Boolean);
  const marker = k[0]?.startsWith('@');
  const [o, h, t, b] = marker ? k : [undefined, ...k];
  if (h === undefined || t === undefined || b === undefined) return undefined;
  return { ...(o !== undefined ? { options: o } : {}), host: h, type: t, key: b };
}

const sameKey = (a: HostKey, b: HostKey) => a.options === b.options && a.host === b.host && a.type === b.type && a.key === b.key;

/** The key line with its host field replaced by `|1|salt|hmac-sha1(host)` (hash_host). */
export function hashHostKey(host: string, key: string, salt: Buffer = randomBytes(20)): string {
  const parts = key.trim().split(/\s+/).filter(Boolean);
  const i = parts[0]?.startsWith('@') ? 1 : 0;
  const mac = createHmac('sha1', salt).update(host, 'utf8').digest();
  parts[i] = `|1|${salt.toString('base64')}|${mac.toString('base64')}`;
  return parts.join(' ');
}

/** search_for_host_key on `ssh-keygen -F` output: found, replace_or_add, found_line. */
export function searchHostKey(out: string, key: string | undefined): { found: boolean; replace: boolean; line: number | null } | { error: string } {
  if (!key) return { found: true, replace: false, line: null };
  const want = normalizeHostKey(key);
  if (!want) return { error: `the key is not a known_hosts line (host, type and key): ${key.trim()}` };
  let line: number | null = null;
  for (const l of out.split('\n')) {
    if (l === '') continue;
    if (l.startsWith('#')) {
      const m = /found: line (\d+)/.exec(l);
      if (m) line = Number(m[1]);
      continue;
    }
    const got = normalizeHostKey(l);
    if (!got) continue;
    if (want.host.startsWith('|1|') && got.host.startsWith('|1|')) want.host = got.host;
    if (sameKey(want, got)) return { found: true, replace: false, line };
    if (want.type === got.type) return { found: true, replace: true, line };
  }
  return { found: true, replace: true, line: null };
}

const nameOf = (a: KnownHostsArgs): string => a.name ?? a.host ?? '';

interface KnownHostsProbe {
  path: string;
  /** The key as it will be written (hashed when hash_host), with its newline. */
  key?: string;
  keygen: boolean;
  sane?: boolean;
  dirExists: boolean;
  search?: { rc: number; stdout: string; stderr: string };
  st: FileState;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const dec = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');
const COMMA = /\S+(\s+)?,(\s+)?/;

function knownHostsProbe(a: KnownHostsArgs): Probe {
  const host = nameOf(a).toLowerCase();
  let key = a.key || undefined;
  if (key && a.hash_host) key = hashHostKey(host, key);
  if (key && !key.endsWith('\n')) key += '\n';
  const stat = statOfVar('"$p"', { content: true });
  const parts = [
    `${pathExpansionShell(a.path, 'p')}\n`,
    `printf 'p %s\\n' "$(printf %s "$p" | base64 | tr -d '\\n')";`,
    'command -v ssh-keygen >/dev/null 2>&1 && echo K;',
    '[ -d "$(dirname -- "$p")" ] && echo D;',
  ];
  if (key && !COMMA.test(host))
    parts.push(sh`t=$(mktemp) && printf %s ${b64(key)} | base64 -d > "$t" && if [ -n "$(ssh-keygen -F ${host} -f "$t" 2>/dev/null)" ]; then echo S; fi; rm -f -- "$t";`.text);
  parts.push(
    sh`if [ -e "$p" ]; then t=$(mktemp) && { ssh-keygen -F ${host} -f "$p" > "$t" 2> "$t.e"; echo "rc $?"; printf 'o %s\\n' "$(base64 < "$t" | tr -d '\\n')"; printf 'e %s\\n' "$(base64 < "$t.e" | tr -d '\\n')"; rm -f -- "$t" "$t.e"; }; fi;`
      .text,
    'echo ---stat;',
    stat,
  );
  return {
    key: 'known_hosts',
    cmd: raw(parts.join(' ')),
    parse(r: RunResult): KnownHostsProbe {
      const [head = '', tail = ''] = r.stdout.split('---stat\n');
      const lines = head.split('\n');
      const field = (t: string) => lines.find((l) => l.startsWith(`${t} `))?.slice(t.length + 1);
      const path = dec(field('p'));
      const out: KnownHostsProbe = {
        path,
        keygen: lines.includes('K'),
        dirExists: lines.includes('D'),
        st: parseFileState(path, { ...r, stdout: tail }),
      };
      if (key !== undefined) {
        out.key = key;
        out.sane = lines.includes('S');
      }
      const rc = field('rc');
      if (rc !== undefined) out.search = { rc: Number(rc), stdout: dec(field('o')), stderr: dec(field('e')) };
      return out;
    },
  };
}

export const knownHosts = defineModule<KnownHostsArgs>({
  name: 'known_hosts',
  factsFree: true,
  description: "Add or remove a host key in a known_hosts file as ansible-core 2.14's known_hosts (ssh-keygen on the host finds the host's lines)",
  // `host` stays its own key (the module's result carries it when given); noted as name's alias for `tsplay modules show`.
  args: noteArgAliases(schema, { host: 'name' }),
  probes: (a) => [knownHostsProbe(a)],
  returns: {
    name: 'the name argument as given',
    key: 'the key argument as given',
    path: 'the known_hosts file (~ expanded)',
    hash_host: 'the hash_host argument',
    state: "the path's state (file) when it exists, as ansible-core's path info; else the state argument",
    diff: 'before/after text of the file',
  },
  plan(a, ctx): Plan {
    const p = ctx.probed.known_hosts as KnownHostsProbe;
    const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });
    const host = nameOf(a).toLowerCase();
    if (!p.keygen) return fail('Failed to find required executable "ssh-keygen" in paths: /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    const key = p.key;
    if (!key && a.state !== 'absent') return fail('No key specified when adding a host');
    if (key) {
      if (COMMA.test(host)) return fail('Comma separated list of names is not supported. Please pass a single name to lookup in the known_hosts file.');
      if (!p.sane) return fail('Host parameter does not match hashed host field in supplied key');
    }
    let found = false;
    let replace = false;
    let foundLine: number | null = null;
    const s = p.search;
    if (s && !(s.stdout === '' && s.stderr === '' && (s.rc === 0 || s.rc === 1))) {
      if (s.rc !== 0) return fail(`ssh-keygen failed (rc=${s.rc}, stdout='${s.stdout}',stderr='${s.stderr}')`);
      const r = searchHostKey(s.stdout, key);
      if ('error' in r) return fail(r.error);
      ({ found, replace, line: foundLine } = r);
    }
    const rawBefore = p.st.content ? strictUtf8(p.st.content) : '';
    if (rawBefore === undefined) return fail(`${p.path} is not UTF-8 text`);
    const before = universalNewlines(rawBefore);
    const lines = splitlines(before, true);
    if ((replace || a.state === 'absent') && foundLine !== null && foundLine >= 1 && foundLine <= lines.length) lines.splice(foundLine - 1, 1);
    if (a.state === 'present' && (replace || foundLine === null)) lines.push(key!);
    const diff = { before_header: p.st.resolved ? p.path : '/dev/null', after_header: p.path, before, after: lines.join('') };
    const params: Record<string, unknown> = {
      name: nameOf(a),
      ...(a.host !== undefined ? { host: a.host } : {}),
      key: a.key ?? null,
      path: p.path,
      hash_host: a.hash_host,
      state: a.state,
      diff,
    };
    const planDiff =
      ctx.diff && diff.before !== diff.after ? [{ path: p.path, before: diff.before, after: diff.after, beforeHeader: diff.before_header, afterHeader: p.path }] : undefined;
    if (a.state === 'absent' && foundLine === null && key) return { changed: false, commands: [], result: { ...params, changed: false, ...pathInfo(p.st) } };
    const rewrite = replace || found !== (a.state === 'present');
    const removeHost = found && !key && a.state === 'absent';
    if (ctx.check) {
      const changed = replace || (a.state === 'present') !== found;
      return { changed, commands: [], result: { changed, diff }, ...(planDiff ? { diff: planDiff } : {}) };
    }
    const commands: Command[] = [];
    if (removeHost) {
      commands.push({ kind: 'shell', cmd: sh`ssh-keygen -R ${host} -f ${p.path}`, describe: `ssh-keygen -R ${host}` });
      // The module then rewrites the file through Python's text mode: CR LF and a lone CR become LF.
      if (rawBefore.includes('\r'))
        commands.push({
          kind: 'shell',
          cmd: sh`t=$(mktemp ${`${p.path}.XXXXXX`}) && sed -e 's/\r$//' -e 's/\r/\n/g' -- ${p.path} > "$t" && chmod --reference=${p.path} "$t" && chown --reference=${p.path} "$t" && mv -f -- "$t" ${p.path}`,
          describe: `rewrite ${p.path} with LF line ends`,
        });
    } else if (rewrite) {
      if (!p.dirExists) return fail(`Failed to write to file ${p.path}: [Errno 2] No such file or directory`);
      // Lines as the module iterates them in text mode: after universal-newline translation, split after LF.
      const kept = before.split(/(?<=\n)/).filter((l, i) => l !== '' && !(foundLine === i + 1 && (replace || a.state === 'absent')));
      if (a.state === 'present') kept.push(key!);
      const r = p.st.resolved;
      commands.push({
        kind: 'put',
        path: p.path,
        content: Buffer.from(kept.join(''), 'utf8'),
        mode: r?.mode ?? '0644',
        ...(r ? { owner: String(r.uid), group: String(r.gid) } : {}),
        describe: `write ${p.path}`,
      });
    }
    const changed = removeHost || rewrite;
    if (commands.length === 0) return { changed, commands, result: { ...params, ...(changed ? { changed } : {}), ...pathInfo(p.st) } };
    commands.push({ kind: 'shell', cmd: fileStateCommand(p.path), describe: `stat ${p.path}`, mayFail: true });
    const result = { ...params, changed: true };
    return {
      changed: true,
      commands,
      result,
      ...(planDiff ? { diff: planDiff } : {}),
      interpret(outputs) {
        const last = outputs[outputs.length - 1];
        const st = last && outputs.length === commands.length ? parseFileState(p.path, last) : undefined;
        return { changed: true, result: { ...result, ...pathInfo(st) } };
      },
    };
  },
});
