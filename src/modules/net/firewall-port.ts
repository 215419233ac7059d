import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { defineModule, type Plan } from '../types.js';
import type { Command } from '../../commands/types.js';
import { sh, raw } from '../../commands/quote.js';
import type { HostFacts } from '../../facts/types.js';

/**
 * firewall_port: admit a port (TCP and UDP by default) only from a list of source addresses and
 * drop it from everyone else, with whichever firewall the host uses. tsplay's rules live apart from
 * the host's own (a dedicated nftables table, a dedicated iptables chain, tagged ufw/firewalld
 * rules), never change a default policy, and refuse the SSH port.
 */

export type Backend = 'nftables' | 'iptables' | 'ufw' | 'firewalld';
type Proto = 'tcp' | 'udp';

const source = z.string().refine((s) => isSource(s), 'a source is an IPv4/IPv6 address or CIDR (no host names)');

export const firewallPortArgs = z
  .object({
    port: z.coerce.number().int().min(1).max(65535).describe('the port to guard'),
    sources: z
      .preprocess((v) => (typeof v === 'string' ? v.split(/[,\s]+/).filter(Boolean) : v), z.array(source))
      .default([])
      .describe('addresses admitted to the port; everyone else is dropped'),
    protocols: z
      .array(z.enum(['tcp', 'udp']))
      .min(1)
      .default(['tcp', 'udp']),
    state: z.enum(['present', 'absent']).default('present'),
    backend: z.enum(['auto', 'nftables', 'iptables', 'ufw', 'firewalld']).default('auto'),
    ssh_port: z.coerce.number().int().min(1).max(65535).default(22).describe('the SSH port, which is never touched'),
    persist: z.boolean().default(true).describe('also make the rules survive a reboot'),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.state === 'present' && a.sources.length === 0) ctx.addIssue({ code: 'custom', path: ['sources'], message: 'no source addresses: the port would be closed to everyone' });
    if (a.port === a.ssh_port || a.port === 22)
      ctx.addIssue({ code: 'custom', path: ['port'], message: `refusing to filter port ${a.port}: it is the SSH port (tsplay never risks locking you out)` });
  });

export type FirewallPortArgs = z.infer<typeof firewallPortArgs>;

function isSource(s: string): boolean {
  const [addr, prefix, ...rest] = s.split('/');
  if (rest.length || !addr) return false;
  const fam = isIP(addr);
  if (!fam) return false;
  if (prefix === undefined) return true;
  if (!/^\d+$/.test(prefix)) return false;
  return Number(prefix) <= (fam === 4 ? 32 : 128);
}

/** Canonical source: IPv4 CIDRs reduced to their network address; bare addresses kept bare. */
export function canonicalSource(s: string): string {
  const [addr, prefix] = s.split('/');
  if (prefix === undefined || isIP(addr!) !== 4) return s;
  const bits = Number(prefix);
  const n = addr!.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const net = (n & mask) >>> 0;
  return [24, 16, 8, 0].map((sh) => (net >>> sh) & 255).join('.') + '/' + bits;
}

function family(s: string): 4 | 6 {
  return isIP(s.split('/')[0]!) === 6 ? 6 : 4;
}

interface Desired {
  port: number;
  sources: string[];
  protocols: Proto[];
  tag: string;
}

function desired(a: FirewallPortArgs): Desired {
  const sources = [...new Set(a.sources.map(canonicalSource))].sort();
  const protocols = [...new Set(a.protocols)].sort() as Proto[];
  const tag =
    'tsplay:' +
    createHash('sha256')
      .update(JSON.stringify([a.port, sources, protocols]))
      .digest('hex')
      .slice(0, 12);
  return { port: a.port, sources, protocols, tag };
}

// ---------------------------------------------------------------- backend choice

export interface FirewallProbe {
  ufwActive?: boolean;
  ufwAdded?: string[];
  firewalldRunning?: boolean;
  firewalldRuntime?: string[];
  firewalldPermanent?: string[];
  nftChain?: string | null;
  nftPersistDir?: boolean;
  nftPersisted?: string | null;
  nftConfExists?: boolean;
  nftConfIncludes?: boolean;
  iptChain?: string[] | null;
  iptInputJump?: boolean;
  iptPersistDir?: boolean;
  iptPersisted?: string[];
}

/** Pick the backend: an active ufw or running firewalld wins (they own the rules), then nft, then iptables. */
export function chooseBackend(want: FirewallPortArgs['backend'], facts: HostFacts['firewall'] | undefined, p: FirewallProbe): Backend | undefined {
  if (want !== 'auto') return want;
  if (facts?.ufw && p.ufwActive) return 'ufw';
  if (facts?.firewalld && p.firewalldRunning) return 'firewalld';
  if (facts?.nft) return 'nftables';
  if (facts?.iptables) return 'iptables';
  return undefined;
}

// ---------------------------------------------------------------- nftables

export const NFT_TABLE = 'tsplay';
const nftChainName = (port: number) => `port_${port}`;

export function nftPersistPath(port: number, dirExists: boolean): string {
  return `${dirExists ? '/etc/nftables.d' : '/etc/nftables.tsplay.d'}/tsplay-${port}.nft`;
}

function nftRuleLines(d: Desired): string[] {
  const lines: string[] = [];
  for (const proto of d.protocols) {
    const v4 = d.sources.filter((s) => family(s) === 4);
    const v6 = d.sources.filter((s) => family(s) === 6);
    if (v4.length) lines.push(`ip saddr { ${v4.join(', ')} } ${proto} dport ${d.port} accept comment "${d.tag}"`);
    if (v6.length) lines.push(`ip6 saddr { ${v6.join(', ')} } ${proto} dport ${d.port} accept comment "${d.tag}"`);
  }
  for (const proto of d.protocols) lines.push(`${proto} dport ${d.port} drop comment "${d.tag}"`);
  return lines;
}

const NFT_HOOK = 'type filter hook input priority filter - 1; policy accept;';

/** The file persisted for boot (also what a human reads to see what tsplay did). */
export function nftPersistText(d: Desired): string {
  return [
    `# Managed by tsplay (firewall_port): port ${d.port} admitted only from the listed sources.`,
    `table inet ${NFT_TABLE} {`,
    `\tchain ${nftChainName(d.port)} {`,
    `\t\t${NFT_HOOK}`,
    ...nftRuleLines(d).map((l) => `\t\t${l}`),
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** One atomic `nft -f` transaction: create table/chain if missing, flush the chain, add the rules. */
export function nftApplyText(d: Desired): string {
  const chain = nftChainName(d.port);
  return [
    `table inet ${NFT_TABLE} {`,
    `\tchain ${chain} {`,
    `\t\t${NFT_HOOK}`,
    '\t}',
    '}',
    `flush chain inet ${NFT_TABLE} ${chain}`,
    `table inet ${NFT_TABLE} {`,
    `\tchain ${chain} {`,
    ...nftRuleLines(d).map((l) => `\t\t${l}`),
    '\t}',
    '}',
    '',
  ].join('\n');
}

function nftChainConverged(listing: string | null | undefined, d: Desired): boolean {
  if (!listing) return false;
  const rules = listing
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => / (accept|drop|reject)\b/.test(l) && !l.startsWith('type '));
  return rules.length === nftRuleLines(d).length && rules.every((l) => l.includes(`comment "${d.tag}"`));
}

function planNft(a: FirewallPortArgs, d: Desired, p: FirewallProbe): Command[] {
  const cmds: Command[] = [];
  const chain = nftChainName(a.port);
  const file = nftPersistPath(a.port, !!p.nftPersistDir);
  const includeLine = `include "${file}"`;
  if (a.state === 'absent') {
    if (p.nftChain) cmds.push({ kind: 'shell', cmd: sh`nft delete chain inet ${NFT_TABLE} ${chain}`, describe: `remove nftables chain inet ${NFT_TABLE} ${chain}` });
    if (p.nftPersisted != null) cmds.push({ kind: 'shell', cmd: sh`rm -f -- ${file}`, describe: `remove ${file}` });
    if (p.nftConfIncludes && !p.nftPersistDir)
      cmds.push({
        kind: 'shell',
        cmd: sh`grep -vxF ${includeLine} /etc/nftables.conf > /etc/nftables.conf.tsplay-tmp; mv -f /etc/nftables.conf.tsplay-tmp /etc/nftables.conf`,
        describe: `drop the include of ${file} from /etc/nftables.conf`,
      });
    return cmds;
  }
  if (!nftChainConverged(p.nftChain, d))
    cmds.push({ kind: 'shell', cmd: raw('nft -f -'), stdin: nftApplyText(d), describe: `nft -f: port ${a.port} only from ${d.sources.join(', ')}` });
  if (a.persist) {
    const text = nftPersistText(d);
    if (p.nftPersisted == null || p.nftPersisted.trimEnd() !== text.trimEnd()) {
      cmds.push({ kind: 'shell', cmd: sh`mkdir -p ${file.slice(0, file.lastIndexOf('/'))}`, describe: 'persist directory' });
      cmds.push({ kind: 'put', path: file, content: text, mode: '0644', describe: `persist rules in ${file}` });
    }
    if (p.nftConfExists && !p.nftConfIncludes)
      cmds.push({ kind: 'shell', cmd: sh`printf '%s\\n' ${includeLine} >> /etc/nftables.conf`, describe: `include ${file} from /etc/nftables.conf` });
  }
  return cmds;
}

// ---------------------------------------------------------------- iptables

export const iptChainName = (port: number) => `TSPLAY-${port}`;

/** The chain's rules exactly as `iptables -S` prints them (so the probe can be compared line by line). */
export function iptRuleLines(d: Desired): string[] {
  const chain = iptChainName(d.port);
  const lines: string[] = [];
  const v4 = d.sources.filter((s) => family(s) === 4);
  for (const proto of d.protocols) {
    for (const s of v4) lines.push(`-A ${chain} -s ${s.includes('/') ? s : s + '/32'} -p ${proto} -m ${proto} --dport ${d.port} -j ACCEPT`);
  }
  for (const proto of d.protocols) lines.push(`-A ${chain} -p ${proto} -m ${proto} --dport ${d.port} -j DROP`);
  return lines;
}

function iptRestoreText(d: Desired, addJump: boolean): string {
  const chain = iptChainName(d.port);
  return ['*filter', `:${chain} - [0:0]`, ...iptRuleLines(d), ...(addJump ? [`-I INPUT 1 -j ${chain}`] : []), 'COMMIT', ''].join('\n');
}

function planIpt(a: FirewallPortArgs, d: Desired, p: FirewallProbe): Command[] {
  const chain = iptChainName(a.port);
  const cmds: Command[] = [];
  if (a.state === 'absent') {
    if (p.iptInputJump) cmds.push({ kind: 'shell', cmd: sh`iptables -D INPUT -j ${chain}`, describe: `unhook ${chain} from INPUT` });
    if (p.iptChain) cmds.push({ kind: 'shell', cmd: sh`iptables -F ${chain} && iptables -X ${chain}`, describe: `remove chain ${chain}` });
  } else {
    const want = iptRuleLines(d);
    const have = (p.iptChain ?? []).filter((l) => l.startsWith('-A '));
    const chainOk = !!p.iptChain && have.length === want.length && have.every((l, i) => l === want[i]);
    if (!chainOk || !p.iptInputJump)
      cmds.push({
        kind: 'shell',
        cmd: raw('iptables-restore --noflush'),
        stdin: iptRestoreText(d, !p.iptInputJump),
        describe: `iptables chain ${chain}: port ${a.port} only from ${d.sources.join(', ')}`,
      });
  }
  if (a.persist && p.iptPersistDir) {
    const saved = p.iptPersisted ?? [];
    const savedChain = saved.filter((l) => l.startsWith(`-A ${chain} `));
    const savedJump = saved.includes(`-A INPUT -j ${chain}`);
    const want = a.state === 'absent' ? [] : iptRuleLines(d);
    const savedOk = a.state === 'absent' ? savedChain.length === 0 && !savedJump : savedJump && savedChain.length === want.length && savedChain.every((l, i) => l === want[i]);
    if (cmds.length > 0 || !savedOk)
      cmds.push({ kind: 'shell', cmd: raw('iptables-save > /etc/iptables/rules.v4'), describe: 'persist with iptables-save to /etc/iptables/rules.v4' });
  }
  return cmds;
}

// ---------------------------------------------------------------- ufw

interface UfwRule {
  action: 'allow' | 'deny';
  from: string;
  port: number;
  proto: Proto;
}

/** Read `ufw show added` lines into rules (both the long and the short `P/proto` forms). */
export function parseUfwRule(line: string): UfwRule | undefined {
  const l = line.trim().replace(/^ufw\s+/, '');
  let m = /^(allow|deny)\s+(?:in\s+)?from\s+(\S+)\s+to\s+any\s+port\s+(\d+)\s+proto\s+(tcp|udp)\b/.exec(l);
  if (m) return { action: m[1] as UfwRule['action'], from: m[2]!, port: Number(m[3]), proto: m[4] as Proto };
  m = /^(allow|deny)\s+(?:in\s+)?(\d+)\/(tcp|udp)\b/.exec(l);
  if (m) return { action: m[1] as UfwRule['action'], from: 'any', port: Number(m[2]), proto: m[3] as Proto };
  m = /^(allow|deny)\s+(?:in\s+)?proto\s+(tcp|udp)\s+(?:from\s+any\s+)?to\s+any\s+port\s+(\d+)\b/.exec(l);
  if (m) return { action: m[1] as UfwRule['action'], from: 'any', port: Number(m[3]), proto: m[2] as Proto };
  return undefined;
}

function ufwArgs(r: UfwRule): string[] {
  return r.from === 'any' ? [r.action, 'proto', r.proto, 'to', 'any', 'port', String(r.port)] : [r.action, 'from', r.from, 'to', 'any', 'port', String(r.port), 'proto', r.proto];
}

function ufwDesired(d: Desired): UfwRule[] {
  const rules: UfwRule[] = [];
  for (const proto of d.protocols) for (const s of d.sources) rules.push({ action: 'allow', from: s, port: d.port, proto });
  for (const proto of d.protocols) rules.push({ action: 'deny', from: 'any', port: d.port, proto });
  return rules;
}

const ufwKey = (r: UfwRule) => `${r.action} ${r.from} ${r.port} ${r.proto}`;

function planUfw(a: FirewallPortArgs, d: Desired, p: FirewallProbe): Command[] {
  const existing = (p.ufwAdded ?? []).map(parseUfwRule).filter((r): r is UfwRule => !!r && r.port === a.port);
  const want = a.state === 'absent' ? [] : ufwDesired(d);
  // Order matters in ufw (first match wins): converged only when the port's rules are exactly ours, allows first.
  if (existing.map(ufwKey).join('|') === want.map(ufwKey).join('|')) return [];
  const cmds: Command[] = [];
  for (const r of existing) cmds.push({ kind: 'shell', cmd: sh`ufw delete ${ufwArgs(r)}`, describe: `ufw delete ${ufwArgs(r).join(' ')}` });
  for (const r of want) cmds.push({ kind: 'shell', cmd: sh`ufw ${ufwArgs(r)}`, describe: `ufw ${ufwArgs(r).join(' ')}` });
  return cmds;
}

// ---------------------------------------------------------------- firewalld

/** Rich rules in firewalld's own printed form; priorities put them before zone services and ports. */
export function firewalldRules(d: Desired): string[] {
  const rules: string[] = [];
  for (const proto of d.protocols)
    for (const s of d.sources) rules.push(`rule priority="-32001" family="ipv${family(s)}" source address="${s}" port port="${d.port}" protocol="${proto}" accept`);
  for (const proto of d.protocols) rules.push(`rule priority="-32000" port port="${d.port}" protocol="${proto}" drop`);
  return rules;
}

const isOurFirewalldRule = (r: string, port: number) => /priority="-3200[01]"/.test(r) && r.includes(`port port="${port}"`);

function planFirewalld(a: FirewallPortArgs, d: Desired, p: FirewallProbe): Command[] {
  const want = a.state === 'absent' ? [] : firewalldRules(d);
  const cmds: Command[] = [];
  for (const [permanent, have] of [
    [false, p.firewalldRuntime ?? []],
    [true, p.firewalldPermanent ?? []],
  ] as const) {
    const ours = have.filter((r) => isOurFirewalldRule(r, a.port));
    const perm = permanent ? [raw('--permanent ')] : [];
    for (const r of ours.filter((r) => !want.includes(r)))
      cmds.push({ kind: 'shell', cmd: sh`firewall-cmd ${perm}--remove-rich-rule=${r}`, describe: `firewalld${permanent ? ' (permanent)' : ''}: remove ${r}` });
    for (const r of want.filter((r) => !have.includes(r)))
      cmds.push({ kind: 'shell', cmd: sh`firewall-cmd ${perm}--add-rich-rule=${r}`, describe: `firewalld${permanent ? ' (permanent)' : ''}: add ${r}` });
  }
  return cmds;
}

// ---------------------------------------------------------------- probes and plan

const SEP = '@@tsplay@@';

/** Parse the one probe script's sections (`@@tsplay@@ name` lines). Exported for tests. */
export function parseFirewallProbe(stdout: string): FirewallProbe {
  const sections = new Map<string, string>();
  let current: string | undefined;
  let buf: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith(SEP + ' ')) {
      if (current) sections.set(current, buf.join('\n'));
      current = line.slice(SEP.length + 1).trim();
      buf = [];
    } else if (current) buf.push(line);
  }
  if (current) sections.set(current, buf.join('\n'));
  const lines = (k: string) => (sections.get(k) ?? '').split('\n').filter((l) => l.trim() !== '');
  const p: FirewallProbe = {};
  if (sections.has('ufw-status')) {
    p.ufwActive = /^Status:\s*active/m.test(sections.get('ufw-status')!);
    p.ufwAdded = lines('ufw-added').filter((l) => l.startsWith('ufw '));
  }
  if (sections.has('firewalld-state')) {
    p.firewalldRunning = sections.get('firewalld-state')!.trim() === 'running';
    p.firewalldRuntime = lines('firewalld-runtime');
    p.firewalldPermanent = lines('firewalld-permanent');
  }
  if (sections.has('nft-chain')) {
    const chain = sections.get('nft-chain')!;
    p.nftChain = /\bchain\b/.test(chain) ? chain : null;
    p.nftPersistDir = sections.get('nft-dir')!.trim() === 'yes';
    p.nftPersisted = sections.has('nft-persisted') ? (sections.get('nft-persisted') ?? '') : null;
    p.nftConfExists = sections.get('nft-conf')!.trim() !== 'none';
    p.nftConfIncludes = sections.get('nft-conf')!.trim() === 'includes';
  }
  if (sections.has('ipt-chain')) {
    const chain = lines('ipt-chain');
    p.iptChain = chain.some((l) => l.startsWith('-N ')) ? chain : null;
    p.iptInputJump = sections.get('ipt-input')!.trim() === 'yes';
    p.iptPersistDir = sections.has('ipt-persisted');
    p.iptPersisted = lines('ipt-persisted');
  }
  return p;
}

function probeScript(a: FirewallPortArgs, facts: HostFacts['firewall'] | undefined) {
  const parts: ReturnType<typeof sh>[] = [];
  const want = (b: Backend, present: boolean | undefined) => a.backend === b || (a.backend === 'auto' && present);
  const mark = (name: string) => raw(`echo '${SEP} ${name}'`);
  if (want('ufw', facts?.ufw))
    parts.push(sh`${mark('ufw-status')}
ufw status 2>/dev/null | head -n 1
${mark('ufw-added')}
ufw show added 2>/dev/null`);
  if (want('firewalld', facts?.firewalld))
    parts.push(sh`${mark('firewalld-state')}
firewall-cmd --state 2>/dev/null
${mark('firewalld-runtime')}
firewall-cmd --list-rich-rules 2>/dev/null
${mark('firewalld-permanent')}
firewall-cmd --permanent --list-rich-rules 2>/dev/null`);
  if (want('nftables', facts?.nft)) {
    const chain = nftChainName(a.port);
    const dirFile = nftPersistPath(a.port, true);
    const otherFile = nftPersistPath(a.port, false);
    parts.push(sh`${mark('nft-chain')}
nft list chain inet ${NFT_TABLE} ${chain} 2>/dev/null
${mark('nft-dir')}
if [ -d /etc/nftables.d ]; then echo yes; f=${dirFile}; else echo no; f=${otherFile}; fi
if [ -f "$f" ]; then
  ${mark('nft-persisted')}
  cat -- "$f"
fi
${mark('nft-conf')}
if [ ! -f /etc/nftables.conf ]; then echo none
elif grep -qE '^[[:space:]]*include[[:space:]]+"('"$f"'|/etc/nftables\\.d/\\*[^"]*)"' /etc/nftables.conf; then echo includes
else echo missing; fi`);
  }
  if (want('iptables', facts?.iptables)) {
    const chain = iptChainName(a.port);
    parts.push(sh`${mark('ipt-chain')}
iptables -S ${chain} 2>/dev/null
${mark('ipt-input')}
if iptables -C INPUT -j ${chain} 2>/dev/null; then echo yes; else echo no; fi
if [ -d /etc/iptables ]; then
  ${mark('ipt-persisted')}
  cat /etc/iptables/rules.v4 2>/dev/null
fi`);
  }
  parts.push(raw('true'));
  return raw(parts.map((p) => p.text).join('\n'));
}

export function planFirewallPort(a: FirewallPortArgs, facts: HostFacts['firewall'] | undefined, p: FirewallProbe, vars: Record<string, unknown> = {}): Plan {
  const sshPort = Number(vars.ansible_port ?? vars.tsplay_port ?? a.ssh_port);
  if (a.port === sshPort) return { changed: false, commands: [], failed: `refusing to filter port ${a.port}: this host's SSH connection uses it` };
  const backend = chooseBackend(a.backend, facts, p);
  if (!backend) return { changed: false, commands: [], failed: 'no firewall found on the host (looked for nft, iptables, an active ufw, a running firewalld)' };
  const d = desired(a);
  const commands = backend === 'nftables' ? planNft(a, d, p) : backend === 'iptables' ? planIpt(a, d, p) : backend === 'ufw' ? planUfw(a, d, p) : planFirewalld(a, d, p);
  const result = { backend, port: a.port, sources: d.sources, protocols: d.protocols, state: a.state };
  return {
    changed: commands.length > 0,
    commands,
    result,
    msg: commands.length === 0 ? `${backend}: port ${a.port} already ${a.state === 'present' ? `admitted only from ${d.sources.join(', ')}` : 'free of tsplay rules'}` : undefined,
  };
}

export const firewallPortModule = defineModule<FirewallPortArgs>({
  name: 'firewall_port',
  returns: {
    backend: 'nftables, iptables, ufw or firewalld (chosen from facts)',
    port: 'the port',
    sources: 'the admitted source addresses',
    protocols: 'tcp and/or udp',
    state: 'the state asked for',
  },
  description:
    'Admit a TCP/UDP port only from listed source addresses and drop it from everyone else (nftables, iptables, ufw or firewalld, chosen from facts); never touches SSH or default policies.',
  args: firewallPortArgs,
  probes(a, ctx) {
    return [{ key: 'firewall', cmd: probeScript(a, ctx.facts?.firewall), parse: (r) => parseFirewallProbe(r.stdout) }];
  },
  plan(a, ctx) {
    return planFirewallPort(a, ctx.facts?.firewall, (ctx.probed.firewall as FirewallProbe) ?? {}, ctx.vars);
  },
});
