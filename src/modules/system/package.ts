/**
 * `package` (manager from facts), `apt`, and `dnf` (alias `yum`): install, remove or upgrade
 * packages. Installed state is probed first (dpkg-query / rpm -q) so a converged host runs nothing.
 */
import { z } from 'zod';
import { argv, raw, sh, Shell } from '../../commands/quote.js';
import type { ShellCommand } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import type { HostFacts } from '../../facts/types.js';
import { defineModule, type Outcome, type Plan, type PlanContext, type Probe } from '../types.js';
import { bool, int, lines, strList, withAliases } from './args.js';

type State = 'present' | 'absent' | 'latest';
type Manager = 'apt' | 'dnf' | 'yum';

const stateArg = z.enum(['present', 'installed', 'absent', 'removed', 'latest']).transform((s): State => (s === 'installed' ? 'present' : s === 'removed' ? 'absent' : s));

const names = strList.refine((l) => l.every((n) => n !== '' && !n.startsWith('-')), {
  message: 'package names cannot be empty or start with "-"',
});

/** `package` takes name, state and use; every other argument goes to the backend module (apt, dnf), which validates it. */
export const packageArgs = withAliases(
  { pkg: 'name' },
  z
    .object({
      name: names.optional(),
      state: z.string().optional(),
      use: z.enum(['auto', 'apt', 'dnf', 'yum']).optional(),
    })
    .passthrough(),
);
export type PackageArgs = z.infer<typeof packageArgs>;

export const aptArgs = withAliases(
  {
    pkg: 'name',
    package: 'name',
    'update-cache': 'update_cache',
    'install-recommends': 'install_recommends',
    'default-release': 'default_release',
    'allow-unauthenticated': 'allow_unauthenticated',
    'allow-downgrade': 'allow_downgrade',
    allow_downgrades: 'allow_downgrade',
    'allow-downgrades': 'allow_downgrade',
  },
  z.strictObject({
    name: names.optional(),
    state: z.enum(['present', 'installed', 'absent', 'removed', 'latest', 'build-dep', 'fixed']).optional(),
    update_cache: bool.optional(),
    update_cache_retries: int.optional(),
    update_cache_retry_max_delay: int.optional(),
    cache_valid_time: int.optional(),
    purge: bool.optional(),
    deb: z.string().min(1).optional(),
    default_release: z.string().optional(),
    install_recommends: bool.optional(),
    force: bool.optional(),
    upgrade: z
      .union([bool, z.enum(['yes', 'no', 'safe', 'full', 'dist'])])
      .transform((u) => (u === true ? 'yes' : u === false ? 'no' : u))
      .optional(),
    dpkg_options: z.string().optional(),
    autoremove: bool.optional(),
    autoclean: bool.optional(),
    fail_on_autoremove: bool.optional(),
    policy_rc_d: int.optional(),
    only_upgrade: bool.optional(),
    force_apt_get: bool.optional(),
    clean: bool.optional(),
    allow_unauthenticated: bool.optional(),
    allow_downgrade: bool.optional(),
    allow_change_held_packages: bool.optional(),
    lock_timeout: int.optional(),
  }),
);
export type AptArgs = z.infer<typeof aptArgs>;

export const dnfArgs = withAliases(
  { pkg: 'name', 'expire-cache': 'update_cache', update_only: 'update_only' },
  z.strictObject({
    name: names.optional(),
    state: stateArg.optional(),
    update_cache: bool.optional(),
    autoremove: bool.optional(),
    enablerepo: strList.optional(),
    disablerepo: strList.optional(),
    disable_gpg_check: bool.optional(),
    update_only: bool.optional(),
    exclude: strList.optional(),
    installroot: z.string().min(1).optional(),
    conf_file: z.string().min(1).optional(),
    releasever: z.string().optional(),
    skip_broken: bool.optional(),
    allowerasing: bool.optional(),
    nobest: bool.optional(),
    install_weak_deps: bool.optional(),
    disable_excludes: z.string().optional(),
    cacheonly: bool.optional(),
    enable_plugin: strList.optional(),
    disable_plugin: strList.optional(),
    // Accepted and ignored as ansible's dnf does for local repositories (no TLS in play).
    validate_certs: bool.optional(),
    sslverify: bool.optional(),
    lock_timeout: int.optional(),
    allow_downgrade: bool.optional(),
    security: bool.optional(),
    bugfix: bool.optional(),
  }),
);
export type DnfArgs = z.infer<typeof dnfArgs>;

/** A package request after manager-specific args are normalised. */
export interface PkgRequest {
  mgr: Manager;
  names: string[];
  state: State;
  updateCache: boolean;
  cacheValidTime?: number;
  purge: boolean;
  autoremove: boolean;
  installRecommends?: boolean;
  upgrade: 'no' | 'yes' | 'safe' | 'full' | 'dist';
  enablerepo: string[];
  disablerepo: string[];
  disableGpgCheck: boolean;
  updateOnly: boolean;
  /** Extra dnf/yum command-line words from exclude, installroot, conf_file, … */
  extra: string[];
}

/** dnf's own arguments → its command-line options. */
function dnfExtra(a: Partial<DnfArgs>): string[] {
  const w: string[] = [];
  for (const x of a.exclude ?? []) w.push(`--exclude=${x}`);
  if (a.installroot && a.installroot !== '/') w.push(`--installroot=${a.installroot}`);
  if (a.conf_file) w.push(`--config=${a.conf_file}`);
  if (a.releasever) w.push(`--releasever=${a.releasever}`);
  if (a.skip_broken) w.push('--skip-broken');
  if (a.allowerasing) w.push('--allowerasing');
  if (a.nobest) w.push('--nobest');
  if (a.install_weak_deps === false) w.push('--setopt=install_weak_deps=False');
  if (a.disable_excludes) w.push(`--disableexcludes=${a.disable_excludes}`);
  if (a.cacheonly) w.push('--cacheonly');
  for (const x of a.enable_plugin ?? []) w.push(`--enableplugin=${x}`);
  for (const x of a.disable_plugin ?? []) w.push(`--disableplugin=${x}`);
  if (a.security) w.push('--security');
  if (a.bugfix) w.push('--bugfix');
  return w;
}

function request(mgr: Manager, a: Partial<DnfArgs> & { cache_valid_time?: number; purge?: boolean; install_recommends?: boolean; upgrade?: string }): PkgRequest {
  return {
    mgr,
    names: a.name ?? [],
    state: a.state ?? 'present',
    updateCache: a.update_cache ?? false,
    cacheValidTime: a.cache_valid_time,
    purge: a.purge ?? false,
    autoremove: a.autoremove ?? false,
    installRecommends: a.install_recommends,
    upgrade: (a.upgrade as PkgRequest['upgrade'] | undefined) ?? 'no',
    enablerepo: a.enablerepo ?? [],
    disablerepo: a.disablerepo ?? [],
    disableGpgCheck: a.disable_gpg_check ?? false,
    updateOnly: a.update_only ?? false,
    extra: dnfExtra(a),
  };
}

/** The manager a module name asks for on this host, or a failure message. */
export function managerFor(wanted: 'auto' | Manager, facts: HostFacts): { mgr: Manager } | { error: string } {
  const have = facts.pkgMgr;
  if (wanted === 'auto') {
    if (have === 'apt' || have === 'dnf' || have === 'yum') return { mgr: have };
    return { error: `The package module does not support the package manager '${have}' on this host (${facts.os.name}); supported: apt, dnf, yum` };
  }
  // An explicit manager is used when the host has it, even if another one is preferred (dnf on Debian).
  const present = facts.pkgMgrs ?? [];
  if (wanted === 'apt') return have === 'apt' || present.includes('apt') ? { mgr: 'apt' } : { error: `apt is not available on this host (${facts.os.name} uses ${have})` };
  // `yum` is an alias of dnf (as in ansible-core 2.17+): use whichever of the two the host has.
  if (have === 'dnf' || have === 'yum') return { mgr: have };
  if (present.includes('dnf')) return { mgr: 'dnf' };
  if (present.includes('yum')) return { mgr: 'yum' };
  return { error: `${wanted} is not available on this host (${facts.os.name} uses ${have})` };
}

// ---------------------------------------------------------------------------------------------
// apt (ansible-core 2.14's apt module, with apt-get: aptitude is never used, as force_apt_get: true)

/** apt's request after aliases and defaults, as ansible-core's apt module reads its params. */
export interface AptRequest {
  names: string[];
  state: 'present' | 'absent' | 'latest' | 'build-dep' | 'fixed';
  updateCache?: boolean;
  cacheValidTime: number;
  purge: boolean;
  deb?: string;
  defaultRelease?: string;
  installRecommends?: boolean;
  force: boolean;
  upgrade?: 'yes' | 'safe' | 'full' | 'dist';
  dpkgOptions: string;
  autoremove: boolean;
  autoclean: boolean;
  failOnAutoremove: boolean;
  policyRcD?: number;
  onlyUpgrade: boolean;
  clean: boolean;
  allowUnauthenticated: boolean;
  allowDowngrade: boolean;
  allowChangeHeld: boolean;
  lockTimeout: number;
}

export function aptRequest(a: Partial<AptArgs>): AptRequest {
  const st = a.state ?? 'present';
  return {
    names: a.name ?? [],
    state: st === 'installed' ? 'present' : st === 'removed' ? 'absent' : st,
    updateCache: a.update_cache,
    cacheValidTime: a.cache_valid_time ?? 0,
    purge: a.purge ?? false,
    deb: a.deb,
    defaultRelease: a.default_release || undefined,
    installRecommends: a.install_recommends,
    force: a.force ?? false,
    upgrade: a.upgrade === undefined || a.upgrade === 'no' ? undefined : (a.upgrade as AptRequest['upgrade']),
    dpkgOptions: a.dpkg_options ?? 'force-confdef,force-confold',
    autoremove: a.autoremove ?? false,
    autoclean: a.autoclean ?? false,
    failOnAutoremove: a.fail_on_autoremove ?? false,
    policyRcD: a.policy_rc_d,
    onlyUpgrade: a.only_upgrade ?? false,
    clean: a.clean ?? false,
    allowUnauthenticated: a.allow_unauthenticated ?? false,
    allowDowngrade: a.allow_downgrade ?? false,
    allowChangeHeld: a.allow_change_held_packages ?? false,
    lockTimeout: a.lock_timeout ?? 60,
  };
}

/** `nginx=1.22*` / `nginx>=1.22` → name, comparison and version. */
export function aptSpec(spec: string): { name: string; cmp?: '=' | '>='; version?: string } {
  const m = /^(.*?)(>?=)(.*)$/s.exec(spec);
  return m ? { name: m[1]!, cmp: m[2] as '=' | '>=', version: m[3]! } : { name: spec };
}

interface AptPkg {
  status: 'installed' | 'config-files' | 'not-installed';
  version?: string;
  candidate?: string;
  /** Packages that provide this name (a virtual package), when it has no candidate. */
  providers: number;
  /** Every version the archive offers (apt-cache madison). */
  versions: string[];
}

export interface AptProbe {
  pkgs: Record<string, AptPkg>;
  /** mtime of the update-success stamp or of /var/lib/apt/lists (ansible's cache_update_time). */
  cacheTime: number;
  now?: number;
  autoremove?: number;
  autoclean?: number;
  upgrade?: number;
  deb?: { name?: string; version?: string; installed?: string; error?: string };
}

const APT_ENV = 'DEBIAN_FRONTEND=noninteractive DEBIAN_PRIORITY=critical LC_ALL=C LANG=C';

function dpkgOptionWords(opts: string): string[] {
  return opts
    .split(',')
    .filter(Boolean)
    .flatMap((o) => ['-o', `Dpkg::Options::=--${o}`]);
}

/** `apt-get -y` with the options every ansible apt-get call carries. */
function aptGet(req: AptRequest, words: string[], simulate = false): Shell {
  const w = ['apt-get', '-y', ...dpkgOptionWords(req.dpkgOptions), '-o', `DPkg::Lock::Timeout=${req.lockTimeout}`];
  if (req.defaultRelease) w.push('-o', `APT::Default-Release=${req.defaultRelease}`);
  if (simulate) w.push('-s');
  return new Shell(`${APT_ENV} ${argv([...w, ...words]).text}`);
}

function upgradeWords(req: AptRequest): string[] {
  const w: string[] = [];
  if (req.force) w.push('--force-yes');
  if (req.failOnAutoremove) w.push('--no-remove');
  if (req.allowUnauthenticated) w.push('--allow-unauthenticated');
  if (req.allowDowngrade) w.push('--allow-downgrades');
  if (req.upgrade === 'dist' || req.upgrade === 'full') w.push('dist-upgrade');
  else w.push('upgrade', '--with-new-pkgs');
  if (req.autoremove) w.push('--auto-remove');
  return w;
}

function aptProbe(req: AptRequest): Probe {
  const base = [...new Set(req.names.map((n) => aptSpec(n).name))];
  const policy = req.defaultRelease ? sh`apt-cache -o APT::Default-Release=${req.defaultRelease} policy`.text : 'apt-cache policy';
  let script = 'export LC_ALL=C; ';
  if (base.length) {
    script += sh`set -- ${base}; `.text;
    script +=
      `for p do s=$(dpkg-query -W -f='\${Status}\\t\${Version}\\n' -- "$p" 2>/dev/null | head -n1); ` +
      `c=$(${policy} -- "$p" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | head -n1); ` +
      `v=0; if [ -z "$c" ] || [ "$c" = '(none)' ]; then v=$(apt-cache showpkg -- "$p" 2>/dev/null | sed -n '/^Reverse Provides:/,$p' | sed 1d | grep -c .); fi; ` +
      `vs=$(apt-cache madison -- "$p" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); printf "%s ", $2}'); ` +
      `printf 'pkg\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "$p" "$c" "$v" "$vs" "$s"; done; `;
  }
  script +=
    'echo "now=$(date +%s)"; echo "cache_time=$(stat -c %Y /var/lib/apt/periodic/update-success-stamp 2>/dev/null || stat -c %Y /var/lib/apt/lists 2>/dev/null || echo 0)"; ';
  if (req.deb) {
    script += sh`d=${req.deb}; `.text;
    script +=
      'if n=$(dpkg-deb -f "$d" Package 2>&1) && v=$(dpkg-deb -f "$d" Version 2>&1); then i=$(dpkg-query -W -f=\'${Status}\\t${Version}\\n\' -- "$n" 2>/dev/null | grep "installed	" | cut -f2); ' +
      'printf \'deb\\t%s\\t%s\\t%s\\n\' "$n" "$v" "$i"; else printf \'deberr\\t%s\\n\' "$(printf %s "$n$v" | head -n1)"; fi; ';
  }
  const noPkgs = !base.length;
  if (req.autoremove && noPkgs && !req.upgrade && !req.deb)
    script += `echo "autoremove=$(${aptGet(req, [...(req.purge ? ['--purge'] : []), 'autoremove'], true).text} 2>/dev/null | grep -c '^Remv ')"; `;
  if (req.autoclean && noPkgs && !req.upgrade && !req.deb) script += `echo "autoclean=$(${aptGet(req, ['autoclean'], true).text} 2>/dev/null | grep -c '^Del ')"; `;
  if (req.upgrade) script += `echo "upgrade=$(${aptGet(req, upgradeWords(req), true).text} 2>/dev/null | grep -c '^Inst \\|^Remv ')"; `;
  return { key: 'apt', cmd: raw(script.trim()), parse: parseAptProbe };
}

/** Parse the apt probe's `pkg\tNAME\tCANDIDATE\tPROVIDERS\tSTATUS\tVERSION` lines and counters. */
export function parseAptProbe(r: RunResult): AptProbe {
  const out: AptProbe = { pkgs: {}, cacheTime: 0 };
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('pkg\t')) {
      const [, name, candidate, providers, versions, status, version] = line.split('\t');
      const words = (status ?? '').trim().split(/\s+/);
      const last = words[words.length - 1];
      const st: AptPkg['status'] = last === 'installed' ? 'installed' : last === 'config-files' ? 'config-files' : 'not-installed';
      out.pkgs[name!] = {
        status: st,
        version: st === 'installed' && version ? version : undefined,
        candidate: candidate && candidate !== '(none)' ? candidate : undefined,
        providers: Number(providers) || 0,
        versions: (versions ?? '').split(' ').filter(Boolean),
      };
    } else if (line.startsWith('deb\t')) {
      const [, name, version, installed] = line.split('\t');
      out.deb = { name, version, installed: installed || undefined };
    } else if (line.startsWith('deberr\t')) {
      out.deb = { error: line.slice(7) };
    }
    const m = /^(cache_time|now|autoremove|autoclean|upgrade)=(-?\d+)$/.exec(line);
    if (m) {
      const n = Number(m[2]);
      if (m[1] === 'cache_time') out.cacheTime = n;
      else if (m[1] === 'now') out.now = n;
      else if (m[1] === 'autoremove') out.autoremove = n;
      else if (m[1] === 'autoclean') out.autoclean = n;
      else out.upgrade = n;
    }
  }
  return out;
}

/** fnmatch as Python's (`*`, `?`, `[...]`), anchored. */
function globMatch(pattern: string, value: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const j = pattern.indexOf(']', i + 2);
      if (j < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, j).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body}]`;
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's').test(value);
}

/** Debian version comparison (dpkg's algorithm): <0, 0, >0. */
export function debVersionCompare(a: string, b: string): number {
  const split = (v: string): [number, string, string] => {
    const c = v.indexOf(':');
    const epoch = c >= 0 ? Number(v.slice(0, c)) || 0 : 0;
    const rest = c >= 0 ? v.slice(c + 1) : v;
    const h = rest.lastIndexOf('-');
    return h >= 0 ? [epoch, rest.slice(0, h), rest.slice(h + 1)] : [epoch, rest, ''];
  };
  const order = (ch: string | undefined): number => {
    if (ch === undefined) return 0;
    if (ch === '~') return -1;
    if (/[A-Za-z]/.test(ch)) return ch.charCodeAt(0);
    return ch.charCodeAt(0) + 256;
  };
  const part = (x: string, y: string): number => {
    let i = 0;
    let j = 0;
    while (i < x.length || j < y.length) {
      while ((i < x.length && !/\d/.test(x[i]!)) || (j < y.length && !/\d/.test(y[j]!))) {
        const xc = i < x.length && !/\d/.test(x[i]!) ? x[i] : undefined;
        const yc = j < y.length && !/\d/.test(y[j]!) ? y[j] : undefined;
        const d = order(xc) - order(yc);
        if (d) return d;
        if (xc !== undefined) i++;
        if (yc !== undefined) j++;
        if (xc === undefined && yc === undefined) break;
      }
      let xn = '';
      let yn = '';
      while (i < x.length && /\d/.test(x[i]!)) xn += x[i++];
      while (j < y.length && /\d/.test(y[j]!)) yn += y[j++];
      const d = Number(xn || '0') - Number(yn || '0');
      if (d) return d;
    }
    return 0;
  };
  const [ea, ua, ra] = split(a);
  const [eb, ub, rb] = split(b);
  return ea - eb || part(ua, ub) || part(ra, rb);
}

/** apt's summary line "1 upgraded, 2 newly installed, 0 to remove" → did anything change. */
export function aptChanged(stdout: string): boolean | undefined {
  const m = /(\d+) upgraded, (\d+) newly installed, (\d+) to remove/.exec(stdout);
  if (!m) return undefined;
  return Number(m[1]) + Number(m[2]) + Number(m[3]) > 0;
}

/** The lines of apt-get's output between "Reading state information..." and the summary (ansible's diff.prepared). */
export function aptPrepared(out: string): string {
  const l = out.split(/\r?\n|\r/);
  if (l.length && l[l.length - 1] === '') l.pop();
  let start = l.indexOf('Reading state information...');
  let end = l.findIndex((x) => /^[0-9]+ (packages )?upgraded/.test(x));
  if (end < 0) end = l.length;
  start += 1;
  end += 1;
  return l.slice(start, end).join('\n');
}

/** Python's str.splitlines (ansible's stdout_lines): \r, \n and \r\n end a line; no empty last line. */
export function splitLines(s: string): string[] {
  const l = s.split(/\r\n|\r|\n/);
  if (l.length && l[l.length - 1] === '') l.pop();
  return l;
}

/** Run `cmd` with /usr/sbin/policy-rc.d answering `code` (an existing one is moved aside and put back). */
function withPolicyRcD(cmd: Shell, code: number | undefined): Shell {
  if (code === undefined) return cmd;
  const f = '/usr/sbin/policy-rc.d';
  return new Shell(
    `b=; if [ -e ${f} ]; then b=$(mktemp -d) && mv ${f} "$b"/ || exit 1; fi; printf '#!/bin/sh\\nexit %d\\n' ${code} > ${f} && chmod 0755 ${f} || exit 1; ` +
      `{ ${cmd.text}; }; rc=$?; if [ -n "$b" ]; then mv "$b"/policy-rc.d ${f} && rmdir "$b"; else rm -f ${f}; fi; exit $rc`,
  );
}

type AptStepRole = 'clean' | 'update' | 'upgrade' | 'deb' | 'install' | 'remove' | 'autoremove' | 'autoclean';
interface AptStep {
  role: AptStepRole;
  cmd: ShellCommand;
}

const aptFail = (msg: string, extra: Record<string, unknown> = {}): Plan => ({ changed: false, commands: [], failed: msg, result: { ...extra, msg } });

/** What ansible-core's apt module does with these args on this host, as commands and their outcome. */
export function planApt(req: AptRequest, probe: AptProbe, ctx: PlanContext): Plan {
  if (req.deb && (req.names.length || req.upgrade)) return aptFail('parameters are mutually exclusive: deb|package|upgrade');
  if (req.upgrade && req.names.length) return aptFail('parameters are mutually exclusive: deb|package|upgrade');
  if (req.state === 'build-dep' || req.state === 'fixed') return aptFail(`tsplay's apt does not take state=${req.state} (ansible-core's does): use a command task`);
  const steps: AptStep[] = [];
  const step = (role: AptStepRole, cmd: Shell, describe: string) =>
    steps.push({ role, cmd: { kind: 'shell', cmd: ['clean', 'update'].includes(role) ? cmd : withPolicyRcD(cmd, req.policyRcD), describe } });
  let predicted = false;

  if (req.clean) {
    step('clean', new Shell(`${APT_ENV} apt-get clean`), 'apt-get clean');
    if (!req.names.length && !req.upgrade && !req.deb) {
      return aptPlan(steps, true, { changed: true }, () => true, 'clean', ctx);
    }
  }
  let cacheUpdated = false;
  let cacheTime = probe.cacheTime;
  const prior = probe.cacheTime;
  if (req.updateCache || req.cacheValidTime) {
    const now = probe.now ?? Math.floor(Date.now() / 1000);
    const more = req.names.length > 0 || req.upgrade || !!req.deb;
    const update = new Shell(
      `${APT_ENV} apt-get update -q && echo "tsplay-cache-time=$(stat -c %Y /var/lib/apt/periodic/update-success-stamp 2>/dev/null || stat -c %Y /var/lib/apt/lists)"`,
    );
    const done = ctx.staged?.[0];
    if (done) {
      // Second pass: the cache was updated first and the probes read it again, as Ansible re-opens its cache.
      if (done.rc !== 0) return aptFail(`Failed to update apt cache: ${(done.stderr.trim() || done.stdout.trim()).split('\n').pop()}`);
      const t = /tsplay-cache-time=(\d+)/.exec(done.stdout);
      const before = /tsplay-cache-before=(\d+)/.exec(done.stdout);
      cacheTime = t ? Number(t[1]) : prior;
      cacheUpdated = cacheTime !== (before ? Number(before[1]) : prior);
    } else if (!(probe.cacheTime + req.cacheValidTime >= now)) {
      if (more && !ctx.check) {
        // The second pass compares the stamp with this one (its own probe reads the new stamp).
        const staged = new Shell(`${update.text} && echo tsplay-cache-before=${probe.cacheTime}`);
        return { changed: false, commands: [], stage: [{ kind: 'shell', cmd: staged, describe: 'apt-get update' }] };
      }
      step('update', update, 'apt-get update');
      cacheUpdated = true;
      cacheTime = now;
    }
    if (!more) {
      return aptPlan(steps, cacheUpdated, { changed: cacheUpdated, cache_updated: cacheUpdated, cache_update_time: cacheTime }, () => cacheUpdated, 'cache', ctx, {
        cacheTime: probe.cacheTime,
      });
    }
  }
  if (req.upgrade) {
    step('upgrade', aptGet(req, upgradeWords(req)), `apt-get ${upgradeWords(req).join(' ')}`);
    predicted = (probe.upgrade ?? 1) > 0;
    return aptPlan(steps, predicted, { changed: predicted }, (out) => !out.includes('\n0 upgraded, 0 newly installed'), 'upgrade', ctx);
  }
  if (req.deb) {
    if (req.state !== 'present') return aptFail('deb only supports state=present');
    if (req.deb.includes('://')) return aptFail(`tsplay's apt installs a .deb already on the host (deb: a path), not from a URL: fetch it first with get_url (${req.deb})`);
    if (probe.deb?.error !== undefined || !probe.deb) return aptFail(`Unable to install package: ${probe.deb?.error ?? 'no such file'}`);
    if (probe.deb.installed !== undefined && probe.deb.version !== undefined && debVersionCompare(probe.deb.version, probe.deb.installed) === 0) {
      return aptPlan(steps, false, { changed: false, stdout: '', stderr: '' }, () => false, 'plain', ctx);
    }
    const opts = req.dpkgOptions.split(',').map((o) => `--${o}`);
    if (req.force) opts.push('--force-all');
    step('deb', new Shell(`${APT_ENV} ${argv(['dpkg', ...opts, '-i', req.deb]).text}`), `dpkg -i ${req.deb}`);
    return aptPlan(steps, true, { changed: true }, () => true, 'plain', ctx);
  }

  const pkg = (n: string): AptPkg => probe.pkgs[n] ?? { status: 'not-installed', providers: 0, versions: [] };
  if (req.state === 'absent') {
    const todo = req.names.filter((n) => {
      const { name, cmp, version } = aptSpec(n);
      const p = pkg(name);
      if (p.status === 'installed') return cmp === '=' ? globMatch(version!, p.version ?? '') : cmp === '>=' ? debVersionCompare(p.version ?? '', version!) >= 0 : true;
      return req.purge && p.status === 'config-files';
    });
    if (!todo.length) return aptPlan(steps, false, { changed: false }, () => false, 'remove', ctx);
    const w = ['-q', ...(req.purge ? ['--purge'] : []), ...(req.force ? ['--force-yes'] : []), ...(req.autoremove ? ['--auto-remove'] : []), 'remove', ...todo];
    step('remove', aptGet(req, w), `apt-get remove ${todo.join(' ')}`);
    return aptPlan(steps, true, { changed: true }, () => true, 'remove', ctx, { cacheTime: prior, failMsg: `'apt-get remove ${todo.map((t) => `'${t}'`).join(' ')}' failed` });
  }
  if (!req.names.length) {
    // Nothing to install: autoclean and autoremove run on their own (each ends the module).
    const fields = { changed: false, cache_updated: cacheUpdated, cache_update_time: cacheTime };
    if (req.autoclean || req.autoremove) {
      const op = req.autoclean ? 'autoclean' : 'autoremove';
      step(op, aptGet(req, [...(req.purge ? ['--purge'] : []), ...(req.force ? ['--force-yes'] : []), op]), `apt-get ${op}`);
      predicted = ((op === 'autoclean' ? probe.autoclean : probe.autoremove) ?? 1) > 0;
      const marker = op === 'autoclean' ? 'Del ' : 'The following packages will be REMOVED';
      return aptPlan(steps, predicted, { changed: predicted }, (out) => out.includes(marker), 'plain', ctx);
    }
    return aptPlan(steps, false, fields, () => false, 'install', ctx, { cacheTime: prior });
  }
  // present / latest
  const list: string[] = [];
  for (const spec of req.names) {
    const { name, cmp, version } = aptSpec(spec);
    if ((spec.match(/=/g) ?? []).length > 1) return aptFail(`invalid package spec: ${spec}`);
    const p = pkg(name);
    const installed = p.status === 'installed';
    if (!p.candidate && p.providers === 0 && !installed) return aptFail(`No package matching '${name}' is available`);
    // package_best_match: a `=` spec pins the best version matching the pattern, else the candidate.
    const best =
      cmp === '='
        ? p.versions
            .filter((v) => globMatch(version!, v))
            .sort(debVersionCompare)
            .pop()
        : p.candidate;
    if (!installed && req.onlyUpgrade) continue;
    let versionInstalled = false;
    let installable: string | true | undefined;
    if (installed) {
      const iv = p.version ?? '';
      if (cmp === '=') {
        versionInstalled = globMatch(version!, iv);
        if (best && iv !== best && globMatch(version!, best)) installable = best;
      } else if (cmp === '>=') {
        versionInstalled = debVersionCompare(iv, version!) >= 0;
        if (best && iv !== best && debVersionCompare(best, version!) >= 0) installable = best;
      } else {
        versionInstalled = true;
        if (best && iv !== best) installable = best;
      }
    } else installable = best ?? (p.providers > 0 && !p.candidate ? true : undefined);
    if (!versionInstalled && !installable) return aptFail(`no available installation candidate for ${spec}`);
    if (installable && ((!installed && !req.onlyUpgrade) || req.state === 'latest' || !versionInstalled)) {
      list.push(installable !== true ? `${name}=${installable}` : version ? `${name}=${version}` : name);
    } else if (versionInstalled && installable && cmp === '=') list.push(`${name}=${version}`);
  }
  const fields = { changed: false, cache_updated: cacheUpdated, cache_update_time: cacheTime };
  if (!list.length) return aptPlan(steps, false, fields, () => false, 'install', ctx, { cacheTime: prior });
  const w = [
    ...(req.onlyUpgrade ? ['--only-upgrade'] : []),
    ...(req.force ? ['--force-yes'] : []),
    ...(req.autoremove ? ['--auto-remove'] : []),
    ...(req.failOnAutoremove ? ['--no-remove'] : []),
    'install',
    ...list,
  ];
  if (req.defaultRelease) w.push('-t', req.defaultRelease);
  if (req.installRecommends !== undefined) w.push('-o', `APT::Install-Recommends=${req.installRecommends ? 'yes' : 'no'}`);
  if (req.allowUnauthenticated) w.push('--allow-unauthenticated');
  if (req.allowDowngrade) w.push('--allow-downgrades');
  if (req.allowChangeHeld) w.push('--allow-change-held-packages');
  step('install', aptGet(req, w), `apt-get install ${list.join(' ')}`);
  // ansible marks the named packages manual after installing them.
  const names = [...new Set(req.names.map((n) => aptSpec(n).name))];
  steps.push({ role: 'autoclean', cmd: { kind: 'shell', cmd: new Shell(`apt-mark manual ${argv(names).text} >/dev/null`), describe: 'apt-mark manual' } });
  return aptPlan(steps, true, { ...fields, changed: true }, () => true, 'install', ctx, {
    cacheTime: prior,
    failMsg: `'apt-get install ${list.map((t) => `'${t}'`).join(' ')}' failed`,
  });
}

function aptPlan(
  steps: AptStep[],
  predicted: boolean,
  fields: Record<string, unknown>,
  decide: (out: string) => boolean,
  shape: 'cache' | 'install' | 'remove' | 'upgrade' | 'plain' | 'clean',
  ctx: PlanContext,
  o: { cacheTime?: number; failMsg?: string } = {},
): Plan {
  return {
    changed: predicted,
    commands: steps.map((s) => s.cmd),
    result: { ...fields },
    interpret(outputs: RunResult[]): Outcome {
      const res: Record<string, unknown> = { ...fields };
      let changed = predicted;
      for (let i = 0; i < outputs.length; i++) {
        const s = steps[i]!;
        const r = outputs[i]!;
        if (s.role === 'update') {
          if (r.rc !== 0) {
            const msg = `Failed to update apt cache: ${(r.stderr.trim() || r.stdout.trim()).split('\n').pop()}`;
            return { changed: false, failed: msg, result: { msg } };
          }
          // ansible: the cache counts as updated when the stamp's mtime moved (a no-change update leaves it).
          const t = /tsplay-cache-time=(\d+)/.exec(r.stdout);
          const after = t ? Number(t[1]) : o.cacheTime;
          const updated = after !== o.cacheTime;
          if ('cache_update_time' in res) res.cache_update_time = after;
          if ('cache_updated' in res) res.cache_updated = updated;
          if (shape === 'cache') {
            changed = updated;
            res.changed = updated;
          }
          continue;
        }
        if (s.role === 'clean') {
          if (r.rc !== 0) {
            const msg = `apt-get clean failed${r.stderr ? `: ${r.stderr}` : ''}`;
            return { changed: false, failed: msg, result: { msg, stdout: r.stdout, rc: r.rc } };
          }
          if (shape === 'clean') Object.assign(res, { msg: r.stdout, stdout: r.stdout, stderr: r.stderr });
          continue;
        }
        if (s.cmd.describe === 'apt-mark manual') continue;
        if (r.rc !== 0) {
          const msg =
            s.role === 'deb'
              ? `${s.cmd.describe} failed`
              : s.role === 'upgrade'
                ? `'apt-get ${(s.cmd.describe ?? '').slice(8)}' failed: ${r.stderr}`
                : `${o.failMsg ?? `'${s.cmd.describe}' failed`}: ${r.stderr}`;
          return { changed: false, failed: msg, result: { msg, stdout: r.stdout, stderr: r.stderr, rc: r.rc } };
        }
        changed = decide(r.stdout);
        Object.assign(res, { changed, stdout: r.stdout, stderr: r.stderr });
        if (shape === 'upgrade') res.msg = r.stdout;
        if (ctx.diff && changed && shape !== 'upgrade') res.diff = { prepared: aptPrepared(r.stdout) };
      }
      res.changed = changed;
      if (typeof res.stdout === 'string') res.stdout_lines = splitLines(res.stdout);
      if (typeof res.stderr === 'string') res.stderr_lines = splitLines(res.stderr);
      return { changed, result: res };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// dnf / yum

interface Step {
  role: 'update' | 'change' | 'autoremove' | 'upgrade';
  cmd: ShellCommand;
}

interface RpmPkg {
  installed: boolean;
  /** Installed package name (the spec may be a provide, a path or name-version). */
  name?: string;
  version?: string;
}

export interface DnfProbe {
  pkgs: Record<string, RpmPkg>;
  /** Names with an upgrade available (from check-update). */
  upgradable: string[];
  /** Check mode: dnf's --assumeno transaction table. */
  tx?: string[];
}

const TX_INSTALL = /^(Installing|Upgrading|Downgrading|Reinstalling|Installing dependencies|Installing weak dependencies):$/;

/** dnf's transaction table → ansible's results ("Installed: name-[epoch:]version-release.arch", "Removed: …"). */
export function dnfTableResults(table: string[]): string[] {
  const installed: string[] = [];
  const removed: string[] = [];
  let into: string[] | undefined;
  for (const line of table) {
    if (TX_INSTALL.test(line)) into = installed;
    else if (/^Removing( dependent packages| unused dependencies)?:$/.test(line)) into = removed;
    else if (/^\S/.test(line)) into = undefined;
    else if (into) {
      const m = /^ (\S+)\s+(\S+)\s+(\S+)\s+\S+\s+\S+ \S+$/.exec(line);
      if (m) into.push(`${m[1]}-${m[3]}.${m[2]}`);
    }
  }
  return [...installed.map((n) => `Installed: ${n}`), ...removed.map((n) => `Removed: ${n}`)];
}

/** The end of a dnf run ("Installed:\n  a-1-1.noarch b-2-1.x86_64\n\nComplete!") → ansible's results. */
export function dnfRunResults(stdout: string): string[] {
  const installed: string[] = [];
  const removed: string[] = [];
  let into: string[] | undefined;
  for (const line of stdout.split('\n')) {
    if (/^(Installed|Upgraded|Downgraded|Reinstalled):$/.test(line)) into = installed;
    else if (line === 'Removed:') into = removed;
    else if (!line.startsWith(' ')) into = undefined;
    else if (into) into.push(...line.trim().split(/\s+/).filter(Boolean));
  }
  return [...installed.map((n) => `Installed: ${n}`), ...removed.map((n) => `Removed: ${n}`)];
}

const isRemote = (spec: string) => /^(https?|ftp):\/\//.test(spec) || spec.startsWith('@');

function dnfProbe(req: PkgRequest, check = false): Probe {
  const specs = req.names.filter((n) => !isRemote(n));
  let script = 'export LC_ALL=C; ';
  // Check mode: dnf resolves the transaction and stops (--assumeno), so `results` name what a run would do.
  if (check && req.names.length) {
    const verb = req.state === 'absent' ? 'remove' : req.state === 'latest' ? 'install --best' : 'install';
    script += `${req.mgr} --assumeno ${repoFlags(req).text} ${verb} -- ${argv(req.names).text} 2>/dev/null | sed 's/^/tx\t/'; `;
  }
  if (specs.length) {
    script += sh`set -- ${specs}; `.text;
    script +=
      `for p do case "$p" in *.rpm) n=$(rpm -qp --qf '%{NAME}' -- "$p" 2>/dev/null) || n="$p";; *) n="$p";; esac; ` +
      `r=$(rpm -q --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\n' -- "$n" 2>/dev/null || rpm -q --whatprovides --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\n' -- "$n" 2>/dev/null) || r=; ` +
      `printf 'pkg\\t%s\\t%s\\n' "$p" "$(printf '%s' "$r" | head -n1)"; done; `;
  }
  if (req.state === 'latest' && specs.length) {
    script += `${req.mgr} -q check-update ${repoFlags(req).text} -- "$@" 2>/dev/null | sed -n 's/^/upd\\t/p'; `;
  }
  return { key: 'dnf', cmd: raw(script.trim()), parse: parseDnfProbe };
}

/** Parse the dnf probe's `pkg\tSPEC\tNAME\tVERSION` lines and check-update's `upd\tname.arch ver repo` lines. */
export function parseDnfProbe(r: RunResult): DnfProbe {
  const out: DnfProbe = { pkgs: {}, upgradable: [] };
  let obsoleting = false;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('pkg\t')) {
      const [, spec, name, version] = line.split('\t');
      out.pkgs[spec!] = name ? { installed: true, name, version } : { installed: false };
    } else if (line.startsWith('tx\t')) {
      (out.tx ??= []).push(line.slice(3));
    } else if (line.startsWith('upd\t')) {
      const rest = line.slice(4);
      if (/^Obsoleting/i.test(rest)) obsoleting = true;
      const m = /^(\S+)\.([A-Za-z0-9_]+)\s+(\S+)\s+(\S+)\s*$/.exec(rest);
      if (m && !obsoleting) out.upgradable.push(m[1]!);
    }
  }
  return out;
}

function repoFlags(req: PkgRequest): Shell {
  const words: string[] = [];
  // ansible's dnf disables first, then enables (disablerepo: '*' with enablerepo: one repo).
  for (const r of req.disablerepo) words.push(`--disablerepo=${r}`);
  for (const r of req.enablerepo) words.push(`--enablerepo=${r}`);
  if (req.disableGpgCheck) words.push('--nogpgcheck');
  words.push(...req.extra);
  return argv(words);
}

export function dnfChanged(stdout: string): boolean {
  return !/Nothing to do/i.test(stdout);
}

export function planDnf(req: PkgRequest, probe: DnfProbe, ctx: PlanContext): Plan {
  const bin = req.mgr;
  const flags = repoFlags(req).text;
  const base = `${bin} -y${flags ? ' ' + flags : ''}`;
  const steps: Step[] = [];
  if (req.updateCache) steps.push({ role: 'update', cmd: { kind: 'shell', cmd: raw(`${base} makecache`), describe: `${bin} makecache` } });
  const pkg = (n: string): RpmPkg => probe.pkgs[n] ?? { installed: false };
  const install: string[] = [];
  const upgrade: string[] = [];
  const remove: string[] = [];
  const unknown: string[] = [];
  for (const n of req.names) {
    if (isRemote(n)) {
      (req.state === 'absent' ? remove : install).push(n);
      unknown.push(n);
      continue;
    }
    const p = pkg(n);
    if (req.state === 'absent') {
      if (p.installed) remove.push(n);
    } else if (!p.installed) {
      if (!(req.state === 'latest' && req.updateOnly)) install.push(n);
    } else if (req.state === 'latest' && probe.upgradable.includes(p.name ?? n)) upgrade.push(n);
  }
  const add = (verb: string, list: string[]) => {
    if (!list.length) return;
    steps.push({ role: 'change', cmd: { kind: 'shell', cmd: new Shell(`${base} ${verb} -- ${argv(list).text}`), describe: `${bin} ${verb} ${list.join(' ')}` } });
  };
  add('install', install);
  add('upgrade', upgrade);
  add('remove', remove);
  if (req.autoremove) steps.push({ role: 'autoremove', cmd: { kind: 'shell', cmd: raw(`${base} autoremove`), describe: `${bin} autoremove` } });
  const known = (l: string[]) => l.filter((n) => !unknown.includes(n));
  const predicted = known(install).length + upgrade.length + known(remove).length > 0 || unknown.length > 0;
  const todo = [...install, ...upgrade, ...remove];
  const plan = finishPlan(steps, predicted, req.updateCache, req, todo, (s, r) => (s.role === 'update' ? false : dnfChanged(r.stdout)));
  const results = [...install.map((n) => `Installed: ${n}`), ...upgrade.map((n) => `Upgraded: ${n}`), ...remove.map((n) => `Removed: ${n}`)];
  const predictedResults = probe.tx ? dnfTableResults(probe.tx) : results;
  plan.result = { ...plan.result, results: predictedResults, rc: 0 };
  if (!plan.commands.length || steps.every((s) => s.role === 'update')) plan.result.msg = 'Nothing to do';
  else if (ctx.check) plan.result.msg = 'Check mode: No changes made, but would have if not in check mode';
  const interpret = plan.interpret;
  if (interpret)
    plan.interpret = (outputs) => {
      const o = interpret(outputs);
      if (o.failed) return o;
      const ran = outputs.flatMap((r) => dnfRunResults(r.stdout));
      return { ...o, result: { ...o.result, results: ran.length ? ran : results } };
    };
  return plan;
}

// ---------------------------------------------------------------------------------------------
// shared

/** Assemble the plan; `interpret` decides changed from each manager's output. */
function finishPlan(steps: Step[], predicted: boolean, cacheUpdated: boolean, req: PkgRequest, todo: string[], changedBy: (s: Step, r: RunResult) => boolean | undefined): Plan {
  const result: Record<string, unknown> = { changed: predicted };
  if (req.mgr === 'apt') result.cache_updated = false;
  return {
    changed: predicted,
    commands: steps.map((s) => s.cmd),
    result,
    msg: todo.length ? `${req.state === 'absent' ? 'remove' : 'install'}: ${todo.join(', ')}` : undefined,
    interpret(outputs: RunResult[]): Outcome {
      let changed = false;
      const res: Record<string, unknown> = { ...result };
      let stdout = '';
      let stderr = '';
      for (let i = 0; i < outputs.length; i++) {
        const s = steps[i]!;
        const r = outputs[i]!;
        stdout += r.stdout;
        stderr += r.stderr;
        if (r.rc !== 0) {
          const msg =
            s.role === 'update' && req.mgr === 'apt'
              ? `Failed to update apt cache: ${r.stderr.trim() || r.stdout.trim()}`
              : `'${s.cmd.describe}' failed: ${r.stderr.trim() || r.stdout.trim()}`;
          Object.assign(res, { rc: r.rc, stdout, stderr, stdout_lines: lines(stdout.trimEnd()), stderr_lines: lines(stderr.trimEnd()), msg });
          return { changed, failed: msg, result: res, msg };
        }
        if (s.role === 'update' && req.mgr === 'apt') res.cache_updated = true;
        const c = changedBy(s, r);
        changed ||= c ?? (s.role === 'update' ? false : predicted);
      }
      Object.assign(res, { changed, rc: 0, stdout, stderr, stdout_lines: lines(stdout.trimEnd()), stderr_lines: lines(stderr.trimEnd()) });
      if (cacheUpdated && req.mgr === 'apt') res.cache_update_time = Math.floor(Date.now() / 1000);
      return { changed, result: res };
    },
  };
}

const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });

/** A backend schema's verdict on `package`'s pass-through arguments, as ansible words it. */
function backendArgs<T>(schema: z.ZodType<T>, mgr: string, args: Record<string, unknown>): T | { error: string } {
  const r = schema.safeParse(args);
  if (r.success) return r.data;
  const unknown = r.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : []));
  if (unknown.length) return { error: `Unsupported parameters for (${mgr}) module: ${unknown.join(', ')}` };
  const i = r.error.issues[0]!;
  return { error: `${mgr}: ${i.path.join('.') || 'args'}: ${i.message}` };
}

type PackageChoice = { mgr: 'apt'; apt: AptArgs } | { mgr: 'dnf' | 'yum'; dnf: DnfArgs } | { error: string };

function packageChoice(args: PackageArgs, facts: HostFacts): PackageChoice {
  const m = managerFor(args.use ?? 'auto', facts);
  if ('error' in m) return m;
  const { use: _use, ...rest } = args;
  if (m.mgr === 'apt') {
    const a = backendArgs(aptArgs, 'apt', rest);
    return 'error' in a ? a : { mgr: 'apt', apt: a };
  }
  const d = backendArgs(dnfArgs, m.mgr, rest);
  return 'error' in d ? d : { mgr: m.mgr, dnf: d };
}

export const packageModule = defineModule<PackageArgs>({
  name: 'package',
  description: "Install, upgrade or remove packages with the host's package manager (apt, dnf or yum, from facts); other arguments go to that module.",
  args: packageArgs,
  probes(args, ctx) {
    const c = packageChoice(args, ctx.facts);
    if ('error' in c) return [];
    return c.mgr === 'apt' ? [aptProbe(aptRequest(c.apt))] : [dnfProbe(request(c.mgr, c.dnf), ctx.check)];
  },
  plan(args, ctx) {
    const c = packageChoice(args, ctx.facts);
    if ('error' in c) return fail(c.error);
    if (c.mgr === 'apt') return planApt(aptRequest(c.apt), ctx.probed.apt as AptProbe, ctx);
    if (!c.dnf.name?.length && !c.dnf.update_cache && !c.dnf.autoremove) return fail('missing required arguments: name');
    return planDnf(request(c.mgr, c.dnf), ctx.probed.dnf as DnfProbe, ctx);
  },
});

export const aptModule = defineModule<AptArgs>({
  name: 'apt',
  description: 'Manage Debian/Ubuntu packages with apt-get as ansible-core 2.14 does (non-interactive, keeps changed config files).',
  args: aptArgs,
  probes(args, ctx) {
    const m = managerFor('apt', ctx.facts);
    return 'error' in m ? [] : [aptProbe(aptRequest(args))];
  },
  plan(args, ctx) {
    const m = managerFor('apt', ctx.facts);
    if ('error' in m) return fail(m.error);
    return planApt(aptRequest(args), ctx.probed.apt as AptProbe, ctx);
  },
});

export const dnfModule = defineModule<DnfArgs>({
  name: 'dnf',
  aliases: ['yum'],
  description: 'Manage RPM packages with dnf (or yum on hosts that only have yum).',
  args: dnfArgs,
  probes(args, ctx) {
    const m = managerFor('dnf', ctx.facts);
    return 'error' in m ? [] : [dnfProbe(request(m.mgr, args), ctx.check)];
  },
  plan(args, ctx) {
    const m = managerFor('dnf', ctx.facts);
    if ('error' in m) return fail(m.error);
    if (!args.name?.length && !args.update_cache && !args.autoremove) return fail('missing required arguments: name');
    return planDnf(request(m.mgr, args), ctx.probed.dnf as DnfProbe, ctx);
  },
});
