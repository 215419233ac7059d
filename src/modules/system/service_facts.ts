/**
 * `service_facts`: the host's services as `ansible_facts.services` (name → name, state, status,
 * source), as ansible-core 2.14 gathers them on Linux: `service --status-all` (sysv), `initctl
 * list` (upstart), chkconfig + `service NAME status` (SysV on RHEL), rc-status/rc-update (openrc), then systemd's list-units and list-unit-files
 * (`systemctl show` for unit files without a loaded unit), later sources overriding earlier
 * ones. One probe; the commands run in the best parsable locale, as ansible's do.
 */
import { z } from 'zod';
import { raw } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { defineModule, type Plan, type Probe } from '../types.js';

export const serviceFactsArgs = z.strictObject({});

const SBIN = ['/sbin', '/usr/sbin', '/usr/local/sbin'];
const BAD = ['not-found', 'masked', 'failed'];

export interface ServiceFact {
  name: string;
  /** A number when `service NAME status` was refused (ansible keeps its rc there). */
  state: string | number;
  status?: string;
  source: string;
  goal?: string;
  runlevels?: string[] | null;
}

/** Found programs and the outputs of the listing commands. */
interface Probed {
  bins: Record<string, boolean>;
  outs: Record<string, { rc: number; out: string; err: string }>;
  shows: Record<string, { rc: number; out: string }>;
  /** `service NAME status` of the services chkconfig listed: rc and stderr. */
  rhStatus: Record<string, { rc: number; err: string }>;
  systemd: boolean;
  initd: boolean;
}

/** chkconfig's seven runlevel columns ("0:off 1:off 2:on …"), after the service name. */
const RH_LEVELS = `${'[[:space:]]+[0-9]:(on|off)'.repeat(7)}`;
const RH_RE = new RegExp(`^(.*?)${'\\s+[0-9]:(on|off)'.repeat(7)}`);

const PROBE = [
  `P="$PATH:${SBIN.join(':')}"`,
  'has() { PATH="$P" command -v "$1" 2>/dev/null; }',
  'b64() { base64 -w0; }',
  // get_best_parsable_locale
  'L=C; if a=$(has locale) && la=$("$a" -a 2>/dev/null); then for l in C.utf8 C.UTF-8 en_US.utf8 en_US.UTF-8 C POSIX; do if printf "%s\\n" "$la" | grep -qx -- "$l"; then L=$l; break; fi; done; fi',
  'export LANG=$L LC_ALL=$L LC_MESSAGES=$L',
  'for t in service chkconfig initctl rc-status rc-update; do p=$(has $t) && printf "bin %s %s\\n" $t "$p"; done',
  '[ -e /etc/init.d ] && echo initd',
  'grep -q systemd /proc/1/comm 2>/dev/null && echo systemd',
  // one listing: out RC <stdout b64> <stderr b64>
  'cap() { k=$1; shift; e=$(mktemp); o=$("$@" 2>"$e"; r=$?; echo .; exit $r); r=$?; printf "out %s %s %s %s\\n" "$k" $r "$(printf %s "${o%.}" | b64)" "$(b64 < "$e")"; rm -f "$e"; }',
  'if s=$(has service) && ! has chkconfig >/dev/null && ! has rc-status >/dev/null; then cap sysv "$s" --status-all; fi',
  'if i=$(has initctl) && ! has chkconfig >/dev/null; then cap upstart "$i" list; elif ck=$(has chkconfig); then',
  // ansible's _list_rh: chkconfig (or its SLES / RHEL5 spellings), then `service NAME status` for each listed service
  `  e=$(mktemp); o=$("$ck" 2>"$e"; echo .); o=\${o%.}; if ! printf "%s\\n" "$o" | grep -Eq '${RH_LEVELS}'; then if printf "%s\\n" "$o" | grep -Eq '[[:space:]](on|off)'; then o=$("$ck" -l --allservices 2>"$e"; echo .); o=\${o%.}; elif grep -q -- --list "$e"; then o=$("$ck" --list 2>"$e"; echo .); o=\${o%.}; fi; fi`,
  '  printf "out rh 0 %s %s\\n" "$(printf %s "$o" | b64)" "$(b64 < "$e")"; rm -f "$e"',
  `  s=$(has service); printf "%s\\n" "$o" | awk '{ if (match($0, /${RH_LEVELS}/)) print substr($0, 1, RSTART - 1) }' | while IFS= read -r n; do e=$(mktemp); \${s:-None} $n status >/dev/null 2>"$e"; r=$?; printf "rhsvc %s %s %s\\n" "$(printf %s "$n" | b64)" $r "$(b64 < "$e")"; rm -f "$e"; done`,
  'elif rs=$(has rc-status) && ru=$(has rc-update); then cap openrc sh -c "\\"$rs\\" -a -s -m 2>&1 | grep \'^ \' | tr -d \'[]\'"; cap openrc-u sh -c "\\"$ru\\" show -v 2>&1 | grep \'|\'"; fi',
  'if grep -q systemd /proc/1/comm 2>/dev/null && c=$(PATH="/usr/bin:/usr/local/bin:$P" command -v systemctl); then',
  '  cap units "$c" list-units --no-pager --type service --all',
  '  cap files "$c" list-unit-files --no-pager --type service --all',
  // ansible asks `systemctl show` for each unit file it has no loaded unit for
  '  loaded=$("$c" list-units --no-pager --type service --all 2>/dev/null | awk \'/\\.service/ { b=0; for (i=1;i<=NF;i++) if ($i=="not-found"||$i=="masked"||$i=="failed") b=1; print (b ? $2 : $1) }\')',
  '  for n in $("$c" list-unit-files --no-pager --type service --all 2>/dev/null | awk \'/\\.service/ { print $1 }\'); do',
  '    printf "%s\\n" "$loaded" | grep -qxF -- "$n" && continue',
  '    o=$("$c" show "$n" --property=ActiveState 2>/dev/null); printf "show %s %s %s\\n" "$n" $? "$(printf %s "$o" | b64)"',
  '  done',
  'fi',
].join('\n');

function parseProbe(r: RunResult): Probed {
  const p: Probed = { bins: {}, outs: {}, shows: {}, rhStatus: {}, systemd: false, initd: false };
  const d = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');
  for (const line of r.stdout.split('\n')) {
    const w = line.split(' ');
    if (w[0] === 'bin' && w[1]) p.bins[w[1]] = true;
    else if (line === 'initd') p.initd = true;
    else if (line === 'systemd') p.systemd = true;
    else if (w[0] === 'out' && w[1]) p.outs[w[1]] = { rc: Number(w[2]), out: d(w[3]), err: d(w[4]) };
    else if (w[0] === 'show' && w[1]) p.shows[w[1]] = { rc: Number(w[2]), out: d(w[3]) };
    else if (w[0] === 'rhsvc' && w[1]) p.rhStatus[d(w[1])] = { rc: Number(w[2]), err: d(w[3]) };
  }
  return p;
}

/** Services from the probe, in ansible's order of sources; warnings ansible's module.warn would give. */
export function gatherServices(p: Probed): { services: Record<string, ServiceFact>; warnings: string[]; failed?: string } {
  const services: Record<string, ServiceFact> = {};
  const warnings: string[] = [];
  const sysv = p.outs.sysv;
  if (sysv && !(sysv.rc === 4 && !p.initd)) {
    if (sysv.rc !== 0) warnings.push(`Unable to query 'service' tool (${sysv.rc}): ${sysv.err}`);
    for (const m of sysv.out.matchAll(/^\s*\[ ([+-]) \]\s+(.+)$/gm)) {
      const name = m[2]!;
      services[name] = { name, state: m[1] === '+' ? 'running' : 'stopped', source: 'sysv' };
    }
  }
  const up = p.outs.upstart;
  if (up) {
    if (up.rc !== 0) warnings.push(`Unable to query upstart for service data: ${up.err}`);
    else
      for (const line of up.out.replace(/\r/g, '').split('\n')) {
        const m = /^\s?(.*)\s(\w+)\/(\w+)(,\sprocess\s([0-9]+))?\s*$/.exec(line);
        if (m) services[m[1]!] = { name: m[1]!, state: m[3]!, goal: m[2]!, source: 'upstart' };
      }
  }
  const rh = p.outs.rh;
  if (rh) {
    for (const line of rh.out.split('\n')) {
      const m = RH_RE.exec(line);
      if (!m) continue;
      const name = m[1]!;
      const st = p.rhStatus[name];
      let state: string | number = st?.rc ?? 1;
      if (st?.rc === 0) state = 'running';
      else if (['root', 'permission', 'not in sudoers'].some((x) => (st?.err ?? '').toLowerCase().includes(x)))
        warnings.push(`Insufficient permissions to query sysV service "${name}" and their states`);
      else state = 'stopped';
      services[name] = { name, state, status: m[5] === 'on' ? 'enabled' : 'disabled', source: 'sysv' };
    }
  }
  const rc = p.outs.openrc;
  if (rc) {
    const levels: Record<string, string[] | null> = {};
    for (const line of p.outs['openrc-u']?.out.split('\n') ?? []) {
      const parts = line.split('|');
      if (parts.length < 2) continue;
      const lv = parts[1]!.trim();
      levels[parts[0]!.trim()] = lv ? lv.split(/\s+/) : null;
    }
    for (const line of rc.out.split('\n')) {
      const f = line.split(/\s+/).filter(Boolean);
      if (f.length < 2) continue;
      services[f[0]!] = { name: f[0]!, runlevels: levels[f[0]!] ?? null, state: f[1]!, source: 'openrc' };
    }
  }
  const units = p.outs.units;
  const files = p.outs.files;
  if (units) {
    const sd: Record<string, ServiceFact> = {};
    if (units.rc !== 0) warnings.push(`Could not list units from systemd: ${units.err}`);
    else
      for (const line of units.out.split('\n').filter((l) => l.includes('.service'))) {
        let f = line.split(/\s+/).filter(Boolean);
        let status = 'unknown';
        const bad = BAD.find((b) => f.includes(b));
        if (bad) {
          status = bad;
          f = f.slice(1);
        } else status = f[2] ?? 'unknown';
        const name = f[0]!;
        sd[name] = { name, state: f[3] === 'running' ? 'running' : 'stopped', status, source: 'systemd' };
      }
    if (files && files.rc !== 0) warnings.push(`Could not get unit files data from systemd: ${files.err}`);
    else if (files)
      for (const line of files.out.split('\n').filter((l) => l.includes('.service'))) {
        const [name, status] = line.split(/\s+/).filter(Boolean);
        if (name === undefined || status === undefined) return { services, warnings, failed: `Malformed output discovered from systemd list-unit-files: ${line}` };
        const have = sd[name];
        if (!have) {
          const s = p.shows[name];
          const state = s && s.rc === 0 && s.out !== '' ? s.out.replace(/ActiveState=/g, '').replace(/\s+$/, '') : 'unknown';
          sd[name] = { name, state, status, source: 'systemd' };
        } else if (!BAD.includes(have.status ?? '')) have.status = status;
      }
    Object.assign(services, sd);
  }
  return { services, warnings };
}

export const serviceFactsModule = defineModule<Record<string, never>>({
  name: 'service_facts',
  description: "The host's services as ansible_facts.services (systemd, sysv, upstart, openrc), as ansible-core 2.14 gathers them.",
  args: serviceFactsArgs,
  returns: { ansible_facts: 'services: name → {name, state, status, source}' },
  probes: (): Probe[] => [{ key: 'services', cmd: raw(PROBE), parse: parseProbe }],
  plan(_a, ctx): Plan {
    const g = gatherServices(ctx.probed.services as Probed);
    if (g.failed) return { changed: false, commands: [], failed: g.failed, result: { msg: g.failed }, warnings: g.warnings };
    if (Object.keys(g.services).length === 0) {
      const msg = 'Failed to find any services. This can be due to privileges or some other configuration issue.';
      return { changed: false, commands: [], result: { skipped: true, msg }, msg, warnings: g.warnings };
    }
    return {
      changed: false,
      commands: [],
      result: { ansible_facts: { services: g.services } },
      gatheredFacts: { facts: ctx.facts, ansible: { services: g.services } },
      warnings: g.warnings,
    };
  },
});
