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

export const packageArgs = withAliases(
  { pkg: 'name' },
  z.strictObject({
    name: names.optional(),
    state: stateArg.optional(),
    use: z.enum(['auto', 'apt', 'dnf', 'yum']).optional(),
    update_cache: bool.optional(),
    autoremove: bool.optional(),
    // apt-only, passed through like Ansible's package module does with backend args.
    cache_valid_time: int.optional(),
    purge: bool.optional(),
  }),
);
export type PackageArgs = z.infer<typeof packageArgs>;

export const aptArgs = withAliases(
  { pkg: 'name', package: 'name', 'update-cache': 'update_cache', 'install-recommends': 'install_recommends' },
  z.strictObject({
    name: names.optional(),
    state: stateArg.optional(),
    update_cache: bool.optional(),
    cache_valid_time: int.optional(),
    purge: bool.optional(),
    autoremove: bool.optional(),
    install_recommends: bool.optional(),
    upgrade: z
      .union([bool, z.enum(['yes', 'no', 'safe', 'full', 'dist'])])
      .transform((u) => (u === true ? 'yes' : u === false ? 'no' : u))
      .optional(),
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
}

function request(mgr: Manager, a: Partial<AptArgs & DnfArgs>): PkgRequest {
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
// apt

const APT_GET = 'DEBIAN_FRONTEND=noninteractive apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold';

/** `nginx=1.22*` → name and version pattern. */
function aptSpec(spec: string): { name: string; version?: string } {
  const i = spec.indexOf('=');
  return i < 0 ? { name: spec } : { name: spec.slice(0, i), version: spec.slice(i + 1) };
}

interface AptPkg {
  status: 'installed' | 'config-files' | 'not-installed';
  version?: string;
  candidate?: string;
}

export interface AptProbe {
  pkgs: Record<string, AptPkg>;
  cacheAge?: number;
  autoremove?: number;
  upgrade?: number;
}

function aptProbe(req: PkgRequest): Probe {
  const base = [...new Set(req.names.map((n) => aptSpec(n).name))];
  let script = 'export LC_ALL=C; ';
  if (base.length) {
    const cand = req.state === 'latest' ? `c=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | head -n1); ` : 'c=; ';
    script += sh`set -- ${base}; `.text;
    script += `for p do s=$(dpkg-query -W -f='\${Status}\\t\${Version}\\n' -- "$p" 2>/dev/null | head -n1); ${cand}printf 'pkg\\t%s\\t%s\\t%s\\n' "$p" "$c" "$s"; done; `;
  }
  if (req.updateCache && req.cacheValidTime !== undefined) {
    script +=
      'now=$(date +%s); t=$(stat -c %Y /var/lib/apt/periodic/update-success-stamp 2>/dev/null || stat -c %Y /var/lib/apt/lists 2>/dev/null || echo 0); echo "cache_age=$((now - t))"; ';
  }
  if (req.autoremove) script += `echo "autoremove=$(apt-get -s ${req.purge ? '--purge ' : ''}autoremove 2>/dev/null | grep -c '^Remv ')"; `;
  if (req.upgrade !== 'no') {
    const verb = req.upgrade === 'full' || req.upgrade === 'dist' ? 'dist-upgrade' : 'upgrade --with-new-pkgs';
    script += `echo "upgrade=$(apt-get -s ${verb} 2>/dev/null | grep -c '^Inst ')"; `;
  }
  return { key: 'apt', cmd: raw(script.trim()), parse: parseAptProbe };
}

/** Parse the apt probe's `pkg\tNAME\tCANDIDATE\tSTATUS\tVERSION` lines and counters. */
export function parseAptProbe(r: RunResult): AptProbe {
  const out: AptProbe = { pkgs: {} };
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('pkg\t')) {
      const [, name, candidate, status, version] = line.split('\t');
      const words = (status ?? '').trim().split(/\s+/);
      const last = words[words.length - 1];
      const st: AptPkg['status'] = last === 'installed' ? 'installed' : last === 'config-files' ? 'config-files' : 'not-installed';
      out.pkgs[name!] = {
        status: st,
        version: st === 'installed' && version ? version : undefined,
        candidate: candidate && candidate !== '(none)' ? candidate : undefined,
      };
    }
    const m = /^(cache_age|autoremove|upgrade)=(-?\d+)$/.exec(line);
    if (m) {
      const n = Number(m[2]);
      if (m[1] === 'cache_age') out.cacheAge = n;
      else if (m[1] === 'autoremove') out.autoremove = n;
      else out.upgrade = n;
    }
  }
  return out;
}

function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
  );
  return re.test(value);
}

/** apt's summary line "1 upgraded, 2 newly installed, 0 to remove" → did anything change. */
export function aptChanged(stdout: string): boolean | undefined {
  const m = /(\d+) upgraded, (\d+) newly installed, (\d+) to remove/.exec(stdout);
  if (!m) return undefined;
  return Number(m[1]) + Number(m[2]) + Number(m[3]) > 0;
}

interface Step {
  role: 'update' | 'change' | 'autoremove' | 'upgrade';
  cmd: ShellCommand;
}

export function planApt(req: PkgRequest, probe: AptProbe, _ctx: PlanContext): Plan {
  const steps: Step[] = [];
  let cacheUpdate = req.updateCache;
  if (cacheUpdate && req.cacheValidTime !== undefined && probe.cacheAge !== undefined && probe.cacheAge >= 0 && probe.cacheAge < req.cacheValidTime) {
    cacheUpdate = false;
  }
  if (cacheUpdate) steps.push({ role: 'update', cmd: { kind: 'shell', cmd: raw('DEBIAN_FRONTEND=noninteractive apt-get update -q'), describe: 'apt-get update' } });

  const pkg = (n: string) => probe.pkgs[aptSpec(n).name] ?? { status: 'not-installed' as const };
  let todo: string[] = [];
  if (req.state === 'present') {
    todo = req.names.filter((n) => {
      const { version } = aptSpec(n);
      const p = pkg(n);
      if (p.status !== 'installed') return true;
      return version !== undefined && !globMatch(version, p.version ?? '');
    });
  } else if (req.state === 'latest') {
    todo = req.names.filter((n) => {
      const p = pkg(n);
      return p.status !== 'installed' || (p.candidate !== undefined && p.candidate !== p.version);
    });
  } else {
    todo = req.names.filter((n) => {
      const p = pkg(n);
      return p.status === 'installed' || (req.purge && p.status === 'config-files');
    });
  }
  // With a fresh cache the candidates may move: install every name and let apt's summary say what changed.
  const installNames = req.state === 'latest' && cacheUpdate ? req.names : todo;
  if (installNames.length) {
    let line: Shell;
    if (req.state === 'absent') {
      line = new Shell(`${APT_GET} ${req.purge ? 'purge' : 'remove'}${req.autoremove ? ' --auto-remove' : ''} ${argv(installNames.map((n) => aptSpec(n).name)).text}`);
    } else {
      const rec = req.installRecommends === undefined ? '' : req.installRecommends ? ' --install-recommends' : ' --no-install-recommends';
      line = new Shell(`${APT_GET}${rec} install ${argv(installNames).text}`);
    }
    steps.push({
      role: 'change',
      cmd: { kind: 'shell', cmd: line, describe: `apt-get ${req.state === 'absent' ? (req.purge ? 'purge' : 'remove') : 'install'} ${installNames.join(' ')}` },
    });
  }
  if (req.upgrade !== 'no' && (probe.upgrade ?? 1) > 0) {
    const verb = req.upgrade === 'full' || req.upgrade === 'dist' ? 'dist-upgrade' : 'upgrade --with-new-pkgs';
    steps.push({ role: 'upgrade', cmd: { kind: 'shell', cmd: raw(`${APT_GET} ${verb}`), describe: `apt-get ${verb}` } });
  }
  if (req.autoremove && req.state !== 'absent' && (probe.autoremove ?? 1) > 0) {
    steps.push({ role: 'autoremove', cmd: { kind: 'shell', cmd: raw(`${APT_GET} autoremove${req.purge ? ' --purge' : ''}`), describe: 'apt-get autoremove' } });
  }
  const predicted = todo.length > 0 || (req.upgrade !== 'no' && (probe.upgrade ?? 0) > 0) || (req.autoremove && req.state !== 'absent' && (probe.autoremove ?? 0) > 0);
  return finishPlan(steps, predicted, cacheUpdate, req, todo, (s, r) => (s.role === 'update' ? false : aptChanged(r.stdout)));
}

// ---------------------------------------------------------------------------------------------
// dnf / yum

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
}

const isRemote = (spec: string) => /^(https?|ftp):\/\//.test(spec) || spec.startsWith('@');

function dnfProbe(req: PkgRequest): Probe {
  const specs = req.names.filter((n) => !isRemote(n));
  let script = 'export LC_ALL=C; ';
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
  for (const r of req.enablerepo) words.push(`--enablerepo=${r}`);
  for (const r of req.disablerepo) words.push(`--disablerepo=${r}`);
  if (req.disableGpgCheck) words.push('--nogpgcheck');
  return argv(words);
}

export function dnfChanged(stdout: string): boolean {
  return !/Nothing to do/i.test(stdout);
}

export function planDnf(req: PkgRequest, probe: DnfProbe, _ctx: PlanContext): Plan {
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
  plan.result = { ...plan.result, results, rc: 0 };
  if (!plan.commands.length || steps.every((s) => s.role === 'update')) plan.result.msg = 'Nothing to do';
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

function planFor(req: PkgRequest, ctx: PlanContext): Plan {
  if (req.mgr === 'apt') return planApt(req, ctx.probed.apt as AptProbe, ctx);
  return planDnf(req, ctx.probed.dnf as DnfProbe, ctx);
}

function probesFor(req: PkgRequest): Probe[] {
  return [req.mgr === 'apt' ? aptProbe(req) : dnfProbe(req)];
}

const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });

export const packageModule = defineModule<PackageArgs>({
  name: 'package',
  description: "Install, upgrade or remove packages with the host's package manager (apt, dnf or yum, from facts).",
  args: packageArgs,
  probes(args, ctx) {
    const m = managerFor(args.use ?? 'auto', ctx.facts);
    return 'error' in m ? [] : probesFor(request(m.mgr, args));
  },
  plan(args, ctx) {
    const m = managerFor(args.use ?? 'auto', ctx.facts);
    if ('error' in m) return fail(m.error);
    if (!args.name?.length && !args.update_cache) return fail('missing required arguments: name');
    if (m.mgr !== 'apt') {
      const aptOnly = (['cache_valid_time', 'purge'] as const).filter((k) => args[k] !== undefined);
      if (aptOnly.length) return fail(`Unsupported parameters for (${m.mgr}) module: ${aptOnly.join(', ')}`);
    }
    return planFor(request(m.mgr, args), ctx);
  },
});

export const aptModule = defineModule<AptArgs>({
  name: 'apt',
  description: 'Manage Debian/Ubuntu packages with apt-get (non-interactive, keeps changed config files).',
  args: aptArgs,
  probes(args, ctx) {
    const m = managerFor('apt', ctx.facts);
    return 'error' in m ? [] : probesFor(request('apt', args));
  },
  plan(args, ctx) {
    const m = managerFor('apt', ctx.facts);
    if ('error' in m) return fail(m.error);
    return planFor(request('apt', args), ctx);
  },
});

export const dnfModule = defineModule<DnfArgs>({
  name: 'dnf',
  aliases: ['yum'],
  description: 'Manage RPM packages with dnf (or yum on hosts that only have yum).',
  args: dnfArgs,
  probes(args, ctx) {
    const m = managerFor('dnf', ctx.facts);
    return 'error' in m ? [] : probesFor(request(m.mgr, args));
  },
  plan(args, ctx) {
    const m = managerFor('dnf', ctx.facts);
    if ('error' in m) return fail(m.error);
    if (!args.name?.length && !args.update_cache && !args.autoremove) return fail('missing required arguments: name');
    return planFor(request(m.mgr, args), ctx);
  },
});
