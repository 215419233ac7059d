/**
 * Host facts: one POSIX shell script sent in one round trip, a pure parser for its output, and a
 * per-run cache. The script only reads local state (no DNS lookups, no packets sent).
 */
import { TsplayError } from '../errors.js';
import type { Executor } from '../executors/types.js';
import type { HostFacts } from './types.js';
import { MARK, factsScript, type FactsScriptOptions } from './script.js';
import { collectAnsibleFacts } from './ansible.js';

/** The facts script with its defaults (see facts/script.ts). */
export const FACTS_SCRIPT = factsScript();

/** Split the script's output into sections (name → lines, empty lines dropped). */
export function splitSections(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of stdout.split(/\r?\n/)) {
    if (line.startsWith(MARK + ' ')) {
      cur = [];
      out.set(line.slice(MARK.length + 1).trim(), cur);
    } else if (cur && line.trim() !== '') {
      cur.push(line);
    }
  }
  return out;
}

/** KEY=value lines of os-release (values may be quoted). */
export function parseOsRelease(lines: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!.trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    out[m[1]!] = v;
  }
  return out;
}

const REDHAT = new Set(['rhel', 'centos', 'rocky', 'almalinux', 'ol', 'fedora', 'amzn', 'redhat']);
const DEBIAN = new Set(['debian', 'ubuntu', 'linuxmint', 'raspbian', 'pop']);
const SUSE = new Set(['suse', 'opensuse', 'sles', 'opensuse-leap', 'opensuse-tumbleweed']);
const ARCH = new Set(['arch', 'archlinux', 'manjaro']);

/** os.family from ID, then ID_LIKE. */
export function osFamily(id: string, idLike: string[]): HostFacts['os']['family'] {
  for (const x of [id, ...idLike]) {
    if (REDHAT.has(x)) return 'redhat';
    if (DEBIAN.has(x)) return 'debian';
    if (SUSE.has(x) || x.startsWith('opensuse')) return 'suse';
    if (ARCH.has(x)) return 'arch';
    if (x === 'alpine') return 'alpine';
  }
  return 'unknown';
}

function firstAddr(line: string, family: 'inet' | 'inet6'): string | undefined {
  const m = new RegExp(`\\s${family}\\s+([0-9a-fA-F.:]+)/\\d+`).exec(line);
  return m?.[1];
}

function isLoopback(addr: string): boolean {
  return addr.startsWith('127.') || addr === '::1';
}

/** Parse the facts script's stdout into HostFacts (pure; unit-tested with fixtures). */
export function parseFacts(stdout: string, o: FactsScriptOptions = {}): HostFacts {
  const sec = splitSections(stdout);
  if (!sec.has('end')) {
    throw new TsplayError('MODULE', 'fact gathering output is incomplete (the script did not finish)', {
      hint: 'the host needs a POSIX /bin/sh; run with -v to see the raw output',
    });
  }
  const get = (name: string): string[] => sec.get(name) ?? [];
  const one = (name: string): string => (get(name)[0] ?? '').trim();

  const rel = parseOsRelease(get('os-release'));
  const id = (rel['ID'] ?? 'unknown').toLowerCase();
  const idLike = (rel['ID_LIKE'] ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const version = rel['VERSION_ID'] ?? '';
  const os: HostFacts['os'] = {
    id,
    idLike,
    family: osFamily(id, idLike),
    version,
    major: version.split('.')[0] ?? '',
    name: rel['PRETTY_NAME'] ?? rel['NAME'] ?? id,
  };
  const codename = rel['VERSION_CODENAME'] || rel['UBUNTU_CODENAME'];
  if (codename) os.codename = codename;

  const hostname = one('hostname');
  let fqdn: string | undefined = hostname.includes('.') ? hostname : undefined;
  if (!fqdn && hostname) {
    for (const line of get('hosts')) {
      const words = line.replace(/#.*/, '').trim().split(/\s+/);
      if (words.length < 2 || !words.slice(1).includes(hostname)) continue;
      const dotted = words.slice(1).find((w) => w.includes('.') && (w === hostname || w.startsWith(hostname + '.')));
      if (dotted) {
        fqdn = dotted;
        break;
      }
    }
  }

  const pkgs = get('pkg').map((s) => s.trim());
  const pkgMgr: HostFacts['pkgMgr'] = pkgs.includes('apt-get')
    ? 'apt'
    : pkgs.includes('dnf')
      ? 'dnf'
      : pkgs.includes('yum')
        ? 'yum'
        : pkgs.includes('zypper')
          ? 'zypper'
          : pkgs.includes('apk')
            ? 'apk'
            : 'unknown';
  const pkgMgrs = pkgs.map((p) => (p === 'apt-get' ? 'apt' : p)).filter((p): p is NonNullable<HostFacts['pkgMgrs']>[number] => ['apt', 'dnf', 'yum', 'zypper', 'apk'].includes(p));
  const svc = one('service');
  const serviceMgr: HostFacts['serviceMgr'] = svc === 'systemd' || svc === 'openrc' || svc === 'sysvinit' ? svc : 'unknown';
  const fw = new Set(get('firewall').map((s) => s.trim()));
  const firewall: HostFacts['firewall'] = {
    nft: fw.has('nft'),
    iptables: fw.has('iptables'),
    ufw: fw.has('ufw'),
    firewalld: fw.has('firewall-cmd'),
    firewalldActive: fw.has('firewalld-active'),
  };

  const hasIp = one('ip') === 'yes';
  const addresses: string[] = [];
  const push = (a: string | undefined): void => {
    if (a && !isLoopback(a) && !addresses.includes(a)) addresses.push(a);
  };
  let defaultIpv4: string | undefined;
  if (hasIp) {
    for (const line of get('addrs')) {
      if (/^\d+:\s+lo\s/.test(line)) continue;
      push(firstAddr(line, 'inet') ?? firstAddr(line, 'inet6'));
    }
    for (const line of get('default-addr')) {
      const a = firstAddr(line, 'inet');
      if (a) {
        defaultIpv4 = a;
        break;
      }
    }
  } else {
    for (const line of get('addrs')) for (const w of line.trim().split(/\s+/)) if (/^[0-9a-fA-F.:]+$/.test(w) && /[.:]/.test(w)) push(w);
    // Without `ip`: a default route exists → the first non-loopback IPv4 is the best guess.
    if (get('route').length > 0) defaultIpv4 = addresses.find((a) => a.includes('.'));
  }

  const memKb = Number(/MemTotal:\s+(\d+)/.exec(one('mem'))?.[1] ?? 0);
  const cpus = Number(one('cpus')) || 0;
  const userLines = get('user').map((s) => s.trim());
  const user = userLines[0] ?? '';
  const facts: HostFacts = {
    hostname,
    os,
    arch: one('arch'),
    kernel: one('kernel'),
    pkgMgr,
    pkgMgrs,
    serviceMgr,
    firewall,
    addresses,
    memoryMb: Math.round(memKb / 1024),
    cpus,
    user,
    isRoot: userLines[1] === '0',
  };
  if (fqdn) facts.fqdn = fqdn;
  if (defaultIpv4) facts.defaultIpv4 = defaultIpv4;
  // Output of an older script (no uname section) has no Ansible facts to derive.
  if (sec.has('uname')) Object.defineProperty(facts, 'ansible', { value: collectAnsibleFacts(sec, o), enumerable: false, writable: true, configurable: true });
  return facts;
}

/** Run the facts script on a host (one round trip) and parse it. */
export async function gatherFacts(executor: Executor, o: FactsScriptOptions & { timeoutMs?: number } = {}): Promise<HostFacts> {
  const r = await executor.run(o.factPath ? factsScript(o) : FACTS_SCRIPT, { timeoutMs: o.timeoutMs ?? 60_000 });
  if (r.timedOut || r.rc !== 0) {
    throw new TsplayError('MODULE', `fact gathering on ${executor.host} failed (rc ${r.rc}${r.timedOut ? ', timed out' : ''})`, {
      hint: r.stderr.trim().split('\n').slice(-3).join(' | ') || 'run with -v for details',
    });
  }
  return parseFacts(r.stdout, o);
}

/** Per-run facts cache: one gathering per host, shared by every play that asks (host → promise). */
export class FactCache {
  private readonly byHost = new Map<string, Promise<HostFacts>>();

  /** Facts for the executor's host, gathered at most once per run (a failure is not cached). */
  get(executor: Executor): Promise<HostFacts> {
    let p = this.byHost.get(executor.host);
    if (!p) {
      p = gatherFacts(executor);
      this.byHost.set(executor.host, p);
      p.catch(() => {
        if (this.byHost.get(executor.host) === p) this.byHost.delete(executor.host);
      });
    }
    return p;
  }

  /** Drop a host's facts (e.g. after a task that changes the OS, or `setup` re-run). */
  invalidate(host: string): void {
    this.byHost.delete(host);
  }

  has(host: string): boolean {
    return this.byHost.has(host);
  }
}
