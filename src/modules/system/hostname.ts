/**
 * `hostname`: the host's name through the strategy ansible-core 2.14 picks (`use`, else systemd
 * when it is the running init, else by distribution): hostnamectl (systemd, and `use: debian`,
 * which ansible maps to it), /etc/hostname (+ `hostname -F` for alpine), /etc/sysconfig/network
 * (redhat), /etc/conf.d/hostname (openrc), /etc/HOSTNAME (sles), /etc/myname (openbsd),
 * `hostname` + /etc/rc.conf.d/hostname (freebsd). The result carries ansible's facts
 * (ansible_hostname, _nodename, _fqdn, _domain) and a diff when changed.
 */
import { z } from 'zod';
import { argv, quote, raw } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { fqdnFromHosts } from '../../facts/ansible.js';
import { PY_WS } from '../../template/jinja/filters/common.js';
import { defineModule, type Outcome, type Plan, type Probe } from '../types.js';
import { str } from './args.js';
import { binPathMessage } from './cron.js';

const USES = ['alpine', 'debian', 'freebsd', 'generic', 'macos', 'macosx', 'darwin', 'openbsd', 'openrc', 'redhat', 'sles', 'solaris', 'systemd'] as const;

export const hostnameArgs = z.strictObject({
  name: str,
  use: z.enum(USES).optional(),
});
export type HostnameArgs = z.infer<typeof hostnameArgs>;

type Strategy = 'systemd' | 'file' | 'alpine' | 'redhat' | 'openrc' | 'freebsd' | 'base' | 'unimplemented';

/** ansible's STRATS: `use` → strategy (debian is hostnamectl's, as in ansible). */
const BY_USE: Record<(typeof USES)[number], Strategy | 'refused'> = {
  alpine: 'alpine',
  debian: 'systemd',
  freebsd: 'freebsd',
  generic: 'base',
  macos: 'refused',
  macosx: 'refused',
  darwin: 'refused',
  openbsd: 'file',
  openrc: 'openrc',
  redhat: 'redhat',
  sles: 'file',
  solaris: 'refused',
  systemd: 'systemd',
};

const REDHAT = 'Redhat Centos Anolis Cloudlinuxserver Cloudlinux Alinux Scientific Oracle Virtuozzo Amazon Altlinux Eurolinux'.split(' ');
const FILE = 'Debian Kylin Cumulus-linux Kali Parrot Ubuntu Linuxmint Linaro Devuan Raspbian Uos Deepin Neon Void Pop'.split(' ');

/** ansible's get_distribution(): distro id capitalised (amzn → Amazon, rhel → Redhat). */
export function ansibleDistribution(id: string): string {
  const d = id ? id.charAt(0).toUpperCase() + id.slice(1).toLowerCase() : 'OtherLinux';
  return d === 'Amzn' ? 'Amazon' : d === 'Rhel' ? 'Redhat' : d;
}

const SBIN = ['/sbin', '/usr/sbin', '/usr/local/sbin'];
const FILES = ['/etc/hostname', '/etc/HOSTNAME', '/etc/myname', '/etc/sysconfig/network', '/etc/conf.d/hostname', '/etc/rc.conf.d/hostname'];

interface Cmd {
  rc: number;
  out: string;
  err: string;
}
interface HnProbe {
  path: string;
  sbin: string[];
  bins: Record<string, string>;
  systemdRunning: boolean;
  files: Record<string, string | undefined>;
  cmds: Record<string, Cmd>;
  node: string;
  hosts: string[];
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

const PROBE = [
  'printf "path=%s\\n" "$PATH"',
  ...SBIN.map((d) => `[ -d ${d} ] && echo sbin=${d}`),
  `for t in hostname hostnamectl systemctl; do p=$(PATH="$PATH:${SBIN.join(':')}" command -v $t) && printf "bin %s %s\\n" $t "$p"; done`,
  'for d in /run/systemd/system/ /dev/.run/systemd/ /dev/.systemd/; do [ -e "$d" ] && { echo systemd-running; break; }; done',
  ...FILES.map((f) => `[ -f ${f} ] && { printf "file %s " ${f}; base64 -w0 < ${f}; echo; }`),
  'cap() { k=$1; shift; e=$(mktemp); o=$("$@" 2>"$e"; r=$?; echo .; exit $r); r=$?; printf "cmd %s %s %s %s\\n" "$k" $r "$(printf %s "${o%.}" | base64 -w0)" "$(base64 -w0 < "$e")"; rm -f "$e"; }',
  `if h=$(PATH="$PATH:${SBIN.join(':')}" command -v hostnamectl); then cap transient "$h" --transient status; cap static "$h" --static status; fi`,
  `if h=$(PATH="$PATH:${SBIN.join(':')}" command -v hostname); then cap hostname "$h"; fi`,
  'printf "node=%s\\n" "$(uname -n)"',
  'printf "hosts="; base64 -w0 < /etc/hosts 2>/dev/null; echo',
].join('\n');

function parseProbe(r: RunResult): HnProbe {
  const p: HnProbe = { path: '', sbin: [], bins: {}, systemdRunning: false, files: {}, cmds: {}, node: '', hosts: [] };
  for (const line of r.stdout.split('\n')) {
    const w = line.split(' ');
    if (line.startsWith('path=')) p.path = line.slice(5);
    else if (line.startsWith('sbin=')) p.sbin.push(line.slice(5));
    else if (w[0] === 'bin' && w[1] && w[2]) p.bins[w[1]] = w.slice(2).join(' ');
    else if (line === 'systemd-running') p.systemdRunning = true;
    else if (w[0] === 'file' && w[1]) p.files[w[1]] = unb64(w[2]);
    else if (w[0] === 'cmd' && w[1]) p.cmds[w[1]] = { rc: Number(w[2]), out: unb64(w[3]), err: unb64(w[4]) };
    else if (line.startsWith('node=')) p.node = line.slice(5);
    else if (line.startsWith('hosts=')) p.hosts = unb64(line.slice(6)).split('\n');
  }
  return p;
}

const pyStrip = (s: string, chars = PY_WS): string => {
  let a = 0;
  let b = s.length;
  while (a < b && chars.includes(s[a]!)) a++;
  while (b > a && chars.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
};

/** get_file_lines: the file's lines (none when missing or empty). */
const fileLines = (text: string | undefined): string[] => (text ? text.split(/\r\n|\r|\n/).filter((_, i, all) => i < all.length - 1 || all[i] !== '') : []);

class ModuleFail extends Error {}

const commandFailed = (c: Cmd) => `Command failed rc=${c.rc}, out=${c.out}, err=${c.err}`;

/** The strategy's reads and writes, planned from the probe. */
interface Ops {
  getCurrent(): string | null;
  getPermanent(): string | null;
  setCurrent(name: string): Command[];
  setPermanent(name: string): Command[];
  permanentFirst: boolean;
}

function writeFile(path: string, text: string): Command {
  return { kind: 'shell', cmd: raw(`printf %s ${quote(b64(text))} | base64 -d > ${quote(path)}`), describe: `write ${path}` };
}

function opsFor(s: Strategy, p: HnProbe, fileName: string): Ops {
  const need = (bin: string): string => {
    const b = p.bins[bin];
    if (!b) throw new ModuleFail(binPathMessage(bin, p.path, p.sbin));
    return b;
  };
  const ran = (key: string): string => {
    const c = p.cmds[key];
    if (!c) throw new ModuleFail(`internal: ${key} was not probed`);
    if (c.rc !== 0) throw new ModuleFail(commandFailed(c));
    return pyStrip(c.out);
  };
  const fileGet = () => (p.files[fileName] !== undefined ? pyStrip(p.files[fileName]!) : '');
  const kvGet = (f: string) => () => {
    if (p.files[f] === undefined) return '';
    for (const l of fileLines(p.files[f])) {
      const line = pyStrip(l);
      if (line.startsWith('hostname=')) return pyStrip(line.slice(10), '"');
    }
    return null;
  };
  const kvSet = (f: string, missing: 'empty' | 'line') => (name: string) => {
    const present = p.files[f] !== undefined;
    let lines = fileLines(p.files[f]).map((l) => pyStrip(l));
    if (present || missing === 'empty') {
      const i = lines.findIndex((l) => l.startsWith('hostname='));
      if (i >= 0) lines[i] = `hostname="${name}"`;
    } else lines = [`hostname="${name}"`];
    return [writeFile(f, `${lines.join('\n')}\n`)];
  };
  const base = { setCurrent: (): Command[] => [], permanentFirst: false };
  switch (s) {
    case 'systemd': {
      const h = need('hostnamectl');
      /** hostnamectl with the name, after ansible's 64-character check. */
      const set = (flags: string[], name: string): Command[] => {
        if (name.length > 64) throw new ModuleFail('name cannot be longer than 64 characters on systemd servers, try a shorter name');
        return [{ kind: 'shell', cmd: argv([h, ...flags, 'set-hostname', name]), describe: `hostnamectl ${flags.join(' ')} set-hostname` }];
      };
      return {
        getCurrent: () => ran('transient'),
        getPermanent: () => ran('static'),
        setCurrent: (name) => set(['--transient'], name),
        setPermanent: (name) => set(['--pretty', '--static'], name),
        permanentFirst: true,
      };
    }
    case 'file':
      return { ...base, getCurrent: fileGet, getPermanent: fileGet, setPermanent: (name) => [writeFile(fileName, `${name}\n`)] };
    case 'alpine': {
      return {
        ...base,
        getCurrent: fileGet,
        getPermanent: fileGet,
        setCurrent: () => [{ kind: 'shell', cmd: argv([need('hostname'), '-F', '/etc/hostname']), describe: 'hostname -F /etc/hostname' }],
        setPermanent: (name) => [writeFile('/etc/hostname', `${name}\n`)],
      };
    }
    case 'redhat': {
      const f = '/etc/sysconfig/network';
      const get = () => {
        for (const l of fileLines(p.files[f])) {
          const line = pyStrip(l);
          if (!line.startsWith('HOSTNAME')) continue;
          const parts = line.split('=');
          if (parts.length !== 2)
            throw new ModuleFail(`failed to read hostname: ${parts.length > 2 ? 'too many values to unpack (expected 2)' : 'not enough values to unpack (expected 2, got 1)'}`);
          return pyStrip(parts[1]!);
        }
        throw new ModuleFail(`Unable to locate HOSTNAME entry in ${f}`);
      };
      return {
        ...base,
        getCurrent: get,
        getPermanent: get,
        setPermanent: (name) => {
          const lines = (p.files[f] ?? '').match(/[^\r\n]*(\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
          let found = false;
          const out = lines.map((l) => {
            if (!pyStrip(l).startsWith('HOSTNAME')) return l;
            found = true;
            return `HOSTNAME=${name}\n`;
          });
          if (!found) out.push(`HOSTNAME=${name}\n`);
          return [writeFile(f, out.join(''))];
        },
      };
    }
    case 'openrc':
      return { ...base, getCurrent: kvGet('/etc/conf.d/hostname'), getPermanent: kvGet('/etc/conf.d/hostname'), setPermanent: kvSet('/etc/conf.d/hostname', 'empty') };
    case 'freebsd': {
      const h = need('hostname');
      return {
        getCurrent: () => ran('hostname'),
        getPermanent: kvGet('/etc/rc.conf.d/hostname'),
        setCurrent: (name) => [{ kind: 'shell', cmd: argv([h, name]), describe: `hostname ${name}` }],
        setPermanent: kvSet('/etc/rc.conf.d/hostname', 'line'),
        permanentFirst: false,
      };
    }
    default:
      // BaseStrategy has no permanent hostname: ansible's module dies with NotImplementedError
      throw new ModuleFail('MODULE FAILURE\nSee stdout/stderr for the exact error');
  }
}

/** Which strategy ansible picks on this host. */
function pickStrategy(a: HostnameArgs, p: HnProbe, osId: string): { strategy: Strategy; file: string } | string {
  if (a.use !== undefined) {
    const s = BY_USE[a.use];
    if (s === 'refused') return `tsplay's hostname does not manage ${a.use} hosts (use: ${a.use})`;
    const file = a.use === 'sles' ? '/etc/HOSTNAME' : a.use === 'openbsd' ? '/etc/myname' : '/etc/hostname';
    return { strategy: s, file };
  }
  if (p.bins.systemctl && p.systemdRunning) return { strategy: 'systemd', file: '/etc/hostname' };
  const d = ansibleDistribution(osId);
  if (REDHAT.includes(d)) return { strategy: 'redhat', file: '' };
  if (FILE.includes(d)) return { strategy: 'file', file: '/etc/hostname' };
  if (d === 'Gentoo') return { strategy: 'openrc', file: '' };
  if (d === 'Alpine') return { strategy: 'alpine', file: '/etc/hostname' };
  if (d === 'Sles') return { strategy: 'unimplemented', file: '/etc/HOSTNAME' };
  return `hostname module cannot be used on platform Linux (${d})`;
}

const FQDN_CMD = raw('printf "node=%s\\n" "$(uname -n)"; printf "hosts="; base64 -w0 < /etc/hosts 2>/dev/null; echo');

export const hostnameModule = defineModule<HostnameArgs>({
  name: 'hostname',
  description: "Set the host's name with the strategy ansible-core 2.14 picks (hostnamectl, /etc/hostname, /etc/sysconfig/network, …).",
  args: hostnameArgs,
  returns: { name: 'the name', ansible_facts: 'ansible_hostname, ansible_nodename, ansible_fqdn, ansible_domain', diff: 'hostname = before / after (when changed)' },
  probes: (): Probe[] => [{ key: 'hostname', cmd: raw(PROBE), parse: parseProbe }],
  plan(a, ctx): Plan {
    const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });
    const p = ctx.probed.hostname as HnProbe;
    const picked = pickStrategy(a, p, ctx.facts.os.id);
    if (typeof picked === 'string') return fail(picked);
    if (picked.strategy === 'unimplemented') return fail(`hostname module cannot be used on platform Linux (${ansibleDistribution(ctx.facts.os.id)})`);
    const name = a.name;
    let ops: Ops;
    let current: string | null;
    let permanent: string | null;
    const commands: Command[] = [];
    let changed = false;
    try {
      ops = opsFor(picked.strategy, p, picked.file);
      current = ops.getCurrent();
      permanent = ops.getPermanent();
      const updCurrent = () => {
        if (ops.getCurrent() !== name) {
          if (!ctx.check) commands.push(...ops.setCurrent(name));
          changed = true;
        }
      };
      const updPermanent = () => {
        if (ops.getPermanent() !== name) {
          if (!ctx.check) commands.push(...ops.setPermanent(name));
          changed = true;
        }
      };
      if (ops.permanentFirst) {
        updPermanent();
        updCurrent();
      } else {
        updCurrent();
        updPermanent();
      }
    } catch (e) {
      if (e instanceof ModuleFail) return fail(e.message);
      throw e;
    }
    const before = name !== current ? current : permanent;
    if (changed && before === null) {
      // 'hostname = ' + None: the module dies after writing (a hostname= line missing from the file)
      return { changed: true, commands, result: {}, interpret: () => ({ changed: false, failed: 'MODULE FAILURE\nSee stdout/stderr for the exact error', result: {} }) };
    }
    const resultFor = (fqdn: string): Record<string, unknown> => ({
      changed,
      name,
      ansible_facts: { ansible_hostname: name.split('.')[0], ansible_nodename: name, ansible_fqdn: fqdn, ansible_domain: fqdn.split('.').slice(1).join('.') },
      ...(changed ? { diff: { after: `hostname = ${name}\n`, before: `hostname = ${before}\n` } } : {}),
    });
    const facts = (r: Record<string, unknown>) => ({ facts: { ...ctx.facts, hostname: name.split('.')[0]! }, ansible: r.ansible_facts as Record<string, unknown> });
    const initial = resultFor(fqdnFromHosts(p.node, p.hosts));
    const diff = changed ? [{ path: 'hostname', before: `hostname = ${before}\n`, after: `hostname = ${name}\n`, beforeHeader: 'before', afterHeader: 'after' }] : undefined;
    if (!commands.length) return { changed, commands: [], diff, result: initial, gatheredFacts: facts(initial) };
    const n = commands.length;
    commands.push({ kind: 'shell', cmd: FQDN_CMD, describe: 'read the fqdn' });
    return {
      changed,
      commands,
      diff,
      result: initial,
      // the facts as the module returns them (set before the commands run: a failure leaves them so)
      gatheredFacts: facts(initial),
      interpret(outputs: RunResult[]): Outcome {
        const last = outputs[outputs.length - 1];
        if (outputs.length <= n && last && last.rc !== 0) {
          const msg = commandFailed({ rc: last.rc, out: last.stdout, err: last.stderr });
          return { changed: false, failed: msg, result: { msg } };
        }
        const q = parseProbe(last ?? { rc: 0, stdout: '', stderr: '', durationMs: 0 });
        const r = resultFor(fqdnFromHosts(q.node, q.hosts));
        return { changed, result: r };
      },
    };
  },
});
