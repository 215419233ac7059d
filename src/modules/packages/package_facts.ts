/**
 * `package_facts`: the installed packages as `ansible_facts.packages` (name → list of
 * {name, version, arch, …, source}), read in the probe (one round trip, nothing to run).
 * apt: through python3-apt where the host has it (ansible-core's own source of these facts:
 * category = section, origin = the first origin's name), else dpkg-query (origin ''); rpm: rpm -qa.
 */
import { z } from 'zod';
import { quote, raw } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { strList } from '../system/args.js';
import { defineModule, type Plan, type Probe } from '../types.js';

const MANAGERS = ['auto', 'apt', 'rpm', 'portage', 'pkg', 'pacman', 'apk', 'pkg_info'] as const;
type Mgr = 'apt' | 'rpm';

export const packageFactsArgs = z.strictObject({
  manager: strList.optional(),
  strategy: z.enum(['first', 'all']).optional(),
});
export type PackageFactsArgs = z.infer<typeof packageFactsArgs>;

export interface PackageRecord {
  name: string;
  version: string;
  release?: string;
  epoch?: number | null;
  arch: string | null;
  category?: string;
  origin?: string;
  source: Mgr;
}

const APT_PY = `
import json, sys
try:
    import apt
except Exception:
    sys.exit(3)
c = apt.Cache()
out = []
for k in c.keys():
    p = c[k]
    if not p.is_installed:
        continue
    i = p.installed
    out.append([k, i.version, i.architecture, i.section, i.origins[0].origin])
print(json.dumps(out))
`;

// The python3-apt reading; without python3-apt, dpkg-query (as a host without it has no other source).
const APT_SCRIPT =
  `if command -v python3 >/dev/null 2>&1 && o=$(python3 -c ${quote(APT_PY)} 2>/dev/null); then printf 'apt-json\\t%s\\n' "$o"; ` +
  `elif command -v dpkg-query >/dev/null 2>&1; then dpkg-query -W -f='\${db:Status-Abbrev}\\t\${binary:Package}\\t\${Version}\\t\${Architecture}\\t\${Section}\\n' | sed -n 's/^[ih]i[^\\t]*\\t/dpkg\\t/p' | LC_ALL=C sort; ` +
  `else echo 'no-apt'; fi`;

const RPM_SCRIPT = `if command -v rpm >/dev/null 2>&1; then rpm -qa --qf 'rpm\\t%{NAME}\\t%{VERSION}\\t%{RELEASE}\\t%{EPOCH}\\t%{ARCH}\\n'; else echo 'no-rpm'; fi`;

/** Parse the probe: apt-json / dpkg / rpm lines, and which managers were missing. */
export function parsePackageFacts(r: RunResult): { packages: PackageRecord[]; missing: Mgr[] } {
  const packages: PackageRecord[] = [];
  const missing: Mgr[] = [];
  for (const line of r.stdout.split('\n')) {
    const f = line.split('\t');
    if (f[0] === 'apt-json') {
      for (const [name, version, arch, category, origin] of JSON.parse(line.slice(9)) as string[][])
        packages.push({ name: name!, version: version!, arch: arch!, category: category!, origin: origin!, source: 'apt' });
    } else if (f[0] === 'dpkg') {
      packages.push({ name: f[1]!, version: f[2]!, arch: f[3]!, category: f[4]!, origin: '', source: 'apt' });
    } else if (f[0] === 'rpm') {
      const none = (v: string | undefined) => (v === undefined || v === '(none)' ? null : v);
      const epoch = none(f[4]);
      packages.push({ name: f[1]!, version: f[2]!, release: f[3]!, epoch: epoch === null ? null : Number(epoch), arch: none(f[5]), source: 'rpm' });
    } else if (line === 'no-apt') missing.push('apt');
    else if (line === 'no-rpm') missing.push('rpm');
  }
  return { packages, missing };
}

/** The managers to read, in order, or a failure message (as ansible-core words it). */
function managersFor(args: PackageFactsArgs, hostMgr: string): Mgr[] | { error: string } {
  const asked = (args.manager ?? ['auto']).map((m) => m.toLowerCase());
  const unknown = asked.filter((m) => !(MANAGERS as readonly string[]).includes(m));
  if (unknown.length) return { error: `Unsupported package managers requested: ${unknown.join(', ')}` };
  const out: Mgr[] = [];
  for (const m of asked) {
    if (m === 'auto') {
      // The host's own manager first (ansible tries its list in an unspecified order).
      const own: Mgr[] = hostMgr === 'apt' ? ['apt', 'rpm'] : ['rpm', 'apt'];
      for (const o of own) if (!out.includes(o)) out.push(o);
    } else if (m === 'apt' || m === 'rpm') {
      if (!out.includes(m)) out.push(m);
    } else return { error: `tsplay's package_facts reads apt and rpm databases, not ${m}` };
  }
  return out;
}

export const packageFactsModule = defineModule<PackageFactsArgs>({
  name: 'package_facts',
  description: 'Installed packages as ansible_facts.packages (apt via python3-apt or dpkg, rpm), as ansible-core 2.14 returns them.',
  args: packageFactsArgs,
  probes(args, ctx): Probe[] {
    const m = managersFor(args, ctx.facts.pkgMgr);
    if ('error' in m) return [];
    return m.map((x) => ({ key: `pkgs-${x}`, cmd: raw(x === 'apt' ? APT_SCRIPT : RPM_SCRIPT), parse: parsePackageFacts }));
  },
  plan(args, ctx): Plan {
    const m = managersFor(args, ctx.facts.pkgMgr);
    const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });
    if ('error' in m) return fail(m.error);
    const strategy = args.strategy ?? 'first';
    const packages: Record<string, PackageRecord[]> = {};
    let found = 0;
    for (const x of m) {
      if (found && strategy === 'first') break;
      const got = ctx.probed[`pkgs-${x}`] as ReturnType<typeof parsePackageFacts>;
      if (got.missing.includes(x)) continue;
      found++;
      const mine: Record<string, PackageRecord[]> = {};
      for (const p of got.packages) (mine[p.name] ??= []).push(p);
      Object.assign(packages, mine);
    }
    if (!found)
      return fail(
        `Could not detect a supported package manager from the following list: [${m.map((x) => `'${x}'`).join(', ')}], or the required Python library is not installed. Check warnings for details.`,
      );
    return {
      changed: false,
      commands: [],
      result: { ansible_facts: { packages } },
      gatheredFacts: { facts: ctx.facts, ansible: { packages } },
    };
  },
});
