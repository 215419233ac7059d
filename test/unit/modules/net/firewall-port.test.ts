import { describe, it, expect } from 'vitest';
import {
  firewallPortArgs,
  planFirewallPort,
  parseFirewallProbe,
  canonicalSource,
  firewalldRules,
  parseUfwRule,
  firewallPortModule,
} from '../../../../src/modules/net/firewall-port.js';
import { cmds, ctx, facts } from './helpers.js';

const args = (a: Record<string, unknown>) => firewallPortArgs.parse({ port: 3313, ...a });
const fw = (o: Partial<{ nft: boolean; iptables: boolean; ufw: boolean; firewalld: boolean }>) => ({ nft: false, iptables: false, ufw: false, firewalld: false, ...o });

// Real `nft list chain` output after tsplay's own `nft -f` (captured in a network namespace).
const nftApplied = `@@tsplay@@ nft-chain
table inet tsplay {
	chain port_3313 {
		type filter hook input priority filter - 1; policy accept;
		ip saddr { 10.0.0.2/31, 10.1.0.0/16 } tcp dport 3313 accept comment "tsplay:TAG"
		ip6 saddr fd00::2 tcp dport 3313 accept comment "tsplay:TAG"
		ip saddr { 10.0.0.2/31, 10.1.0.0/16 } udp dport 3313 accept comment "tsplay:TAG"
		ip6 saddr fd00::2 udp dport 3313 accept comment "tsplay:TAG"
		tcp dport 3313 drop comment "tsplay:TAG"
		udp dport 3313 drop comment "tsplay:TAG"
	}
}
@@tsplay@@ nft-dir
yes
@@tsplay@@ nft-conf
includes
`;

describe('firewall_port: nftables', () => {
  const a = args({ sources: ['10.0.0.2', '10.0.0.3', 'fd00::2', '10.1.0.9/16'] });
  const first = planFirewallPort(a, fw({ nft: true, iptables: true }), parseFirewallProbe('@@tsplay@@ nft-chain\n@@tsplay@@ nft-dir\nyes\n@@tsplay@@ nft-conf\nmissing\n'));
  const apply = first.commands[0] as { stdin: string };

  it('applies one atomic nft -f transaction in a dedicated table, with accept-then-drop rules', () => {
    expect(first.result).toMatchObject({ backend: 'nftables' });
    expect(cmds(first)[0]).toBe('nft -f -');
    expect(apply.stdin).toContain('flush chain inet tsplay port_3313');
    expect(apply.stdin).toContain('type filter hook input priority filter - 1; policy accept;');
    expect(apply.stdin).toMatch(/ip saddr \{ 10\.0\.0\.2, 10\.0\.0\.3, 10\.1\.0\.0\/16 \} tcp dport 3313 accept comment "tsplay:[0-9a-f]{12}"/);
    expect(apply.stdin).toMatch(/ip6 saddr \{ fd00::2 \} udp dport 3313 accept/);
    expect(apply.stdin.indexOf('tcp dport 3313 drop')).toBeGreaterThan(apply.stdin.lastIndexOf('accept comment'));
    expect(apply.stdin).not.toMatch(/policy drop|dport 22\b/);
  });

  it('persists to /etc/nftables.d and includes it from /etc/nftables.conf', () => {
    expect(cmds(first)).toContain('put /etc/nftables.d/tsplay-3313.nft');
    expect(cmds(first).some((c) => c.includes('include "/etc/nftables.d/tsplay-3313.nft"') && c.includes('>> /etc/nftables.conf'))).toBe(true);
  });

  it('is converged when the live chain carries this rule set and the file is persisted', () => {
    const tag = /comment "(tsplay:[0-9a-f]{12})"/.exec(apply.stdin)![1]!;
    const persisted = (first.commands.find((c) => c.kind === 'put') as { content: string }).content;
    const probe = parseFirewallProbe(nftApplied.replaceAll('tsplay:TAG', tag).replace('@@tsplay@@ nft-conf', `@@tsplay@@ nft-persisted\n${persisted}@@tsplay@@ nft-conf`));
    const again = planFirewallPort(a, fw({ nft: true }), probe);
    expect(again.changed).toBe(false);
    expect(again.commands).toEqual([]);
    // Another source list changes the tag: the chain is rewritten.
    const other = planFirewallPort(args({ sources: ['10.0.0.2'] }), fw({ nft: true }), probe);
    expect(cmds(other)[0]).toBe('nft -f -');
  });

  it('state absent deletes the chain and the persisted file', () => {
    const probe = parseFirewallProbe(nftApplied + '@@tsplay@@ nft-persisted\nx\n');
    expect(cmds(planFirewallPort(args({ state: 'absent' }), fw({ nft: true }), probe))).toEqual([
      'nft delete chain inet tsplay port_3313',
      'rm -f -- /etc/nftables.d/tsplay-3313.nft',
    ]);
  });
});

describe('firewall_port: iptables', () => {
  const a = args({ sources: ['10.0.0.2', '10.1.0.9/16'], backend: 'iptables' });
  const chain = [
    '-N TSPLAY-3313',
    '-A TSPLAY-3313 -s 10.0.0.2/32 -p tcp -m tcp --dport 3313 -j ACCEPT',
    '-A TSPLAY-3313 -s 10.1.0.0/16 -p tcp -m tcp --dport 3313 -j ACCEPT',
    '-A TSPLAY-3313 -s 10.0.0.2/32 -p udp -m udp --dport 3313 -j ACCEPT',
    '-A TSPLAY-3313 -s 10.1.0.0/16 -p udp -m udp --dport 3313 -j ACCEPT',
    '-A TSPLAY-3313 -p tcp -m tcp --dport 3313 -j DROP',
    '-A TSPLAY-3313 -p udp -m udp --dport 3313 -j DROP',
  ].join('\n');

  it('loads a dedicated chain with iptables-restore --noflush and hooks it into INPUT once', () => {
    const p = planFirewallPort(a, fw({ iptables: true }), parseFirewallProbe('@@tsplay@@ ipt-chain\n@@tsplay@@ ipt-input\nno\n'));
    expect(cmds(p)).toEqual(['iptables-restore --noflush']);
    const stdin = (p.commands[0] as { stdin: string }).stdin;
    expect(stdin).toBe(`*filter\n:TSPLAY-3313 - [0:0]\n${chain.split('\n').slice(1).join('\n')}\n-I INPUT 1 -j TSPLAY-3313\nCOMMIT\n`);
  });

  it('is converged on the real `iptables -S` output, and persists with iptables-save when /etc/iptables exists', () => {
    const live = `@@tsplay@@ ipt-chain\n${chain}\n@@tsplay@@ ipt-input\nyes\n`;
    expect(planFirewallPort(a, fw({ iptables: true }), parseFirewallProbe(live)).commands).toEqual([]);
    const saved = `@@tsplay@@ ipt-persisted\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j TSPLAY-3313\n${chain.split('\n').slice(1).join('\n')}\nCOMMIT\n`;
    expect(planFirewallPort(a, fw({ iptables: true }), parseFirewallProbe(live + saved)).commands).toEqual([]);
    const stale = planFirewallPort(a, fw({ iptables: true }), parseFirewallProbe(live + '@@tsplay@@ ipt-persisted\n*filter\nCOMMIT\n'));
    expect(cmds(stale)).toEqual(['iptables-save > /etc/iptables/rules.v4']);
  });

  it('re-applies without a second INPUT jump when the chain drifted', () => {
    const drift = `@@tsplay@@ ipt-chain\n${chain.replace('-s 10.0.0.2/32 -p tcp', '-s 10.9.9.9/32 -p tcp')}\n@@tsplay@@ ipt-input\nyes\n`;
    const p = planFirewallPort(a, fw({ iptables: true }), parseFirewallProbe(drift));
    expect((p.commands[0] as { stdin: string }).stdin).not.toContain('-I INPUT');
  });
});

describe('firewall_port: ufw and firewalld', () => {
  it('uses an active ufw: deletes the port rules and adds allows before the deny', () => {
    const probe = parseFirewallProbe(
      "@@tsplay@@ ufw-status\nStatus: active\n@@tsplay@@ ufw-added\nAdded user rules (see 'ufw status' for running firewall):\nufw allow 22/tcp\nufw allow 3313/tcp\n",
    );
    const p = planFirewallPort(args({ sources: ['10.0.0.2'], protocols: ['tcp'] }), fw({ ufw: true, nft: true }), probe);
    expect(p.result).toMatchObject({ backend: 'ufw' });
    expect(cmds(p)).toEqual(['ufw delete allow proto tcp to any port 3313', 'ufw allow from 10.0.0.2 to any port 3313 proto tcp', 'ufw deny proto tcp to any port 3313']);
  });

  it('ufw converged when `ufw show added` lists exactly our rules in order', () => {
    const probe = parseFirewallProbe(
      '@@tsplay@@ ufw-status\nStatus: active\n@@tsplay@@ ufw-added\nufw allow 22/tcp\nufw allow from 10.0.0.2 to any port 3313 proto tcp\nufw deny 3313/tcp\n',
    );
    expect(planFirewallPort(args({ sources: ['10.0.0.2'], protocols: ['tcp'] }), fw({ ufw: true }), probe).commands).toEqual([]);
    expect(parseUfwRule('ufw deny proto udp to any port 3313')).toEqual({ action: 'deny', from: 'any', port: 3313, proto: 'udp' });
  });

  it('an inactive ufw is never enabled: nftables is used instead', () => {
    const probe = parseFirewallProbe('@@tsplay@@ ufw-status\nStatus: inactive\n@@tsplay@@ ufw-added\n@@tsplay@@ nft-chain\n@@tsplay@@ nft-dir\nno\n@@tsplay@@ nft-conf\nnone\n');
    const p = planFirewallPort(args({ sources: ['10.0.0.2'] }), fw({ ufw: true, nft: true }), probe);
    expect(p.result).toMatchObject({ backend: 'nftables' });
    expect(cmds(p).join('\n')).not.toMatch(/ufw/);
  });

  it('firewalld: rich rules (runtime and permanent) with priorities so the drop does not beat the allows', () => {
    const probe = parseFirewallProbe('@@tsplay@@ firewalld-state\nrunning\n@@tsplay@@ firewalld-runtime\n@@tsplay@@ firewalld-permanent\n');
    const a = args({ sources: ['10.0.0.2'], protocols: ['tcp'] });
    const p = planFirewallPort(a, fw({ firewalld: true, nft: true }), probe);
    expect(cmds(p)).toEqual([
      `firewall-cmd --add-rich-rule='rule priority="-32001" family="ipv4" source address="10.0.0.2" port port="3313" protocol="tcp" accept'`,
      `firewall-cmd --add-rich-rule='rule priority="-32000" port port="3313" protocol="tcp" drop'`,
      `firewall-cmd --permanent --add-rich-rule='rule priority="-32001" family="ipv4" source address="10.0.0.2" port port="3313" protocol="tcp" accept'`,
      `firewall-cmd --permanent --add-rich-rule='rule priority="-32000" port port="3313" protocol="tcp" drop'`,
    ]);
    const rules = firewalldRules({ port: 3313, sources: ['10.0.0.2'], protocols: ['tcp'], tag: '' }).join('\n');
    const done = parseFirewallProbe(`@@tsplay@@ firewalld-state\nrunning\n@@tsplay@@ firewalld-runtime\n${rules}\n@@tsplay@@ firewalld-permanent\n${rules}\n`);
    expect(planFirewallPort(a, fw({ firewalld: true }), done).commands).toEqual([]);
    const moved = planFirewallPort(args({ sources: ['10.0.0.3'], protocols: ['tcp'] }), fw({ firewalld: true }), done);
    expect(cmds(moved).filter((c) => c.includes('--remove-rich-rule'))).toHaveLength(2);
  });
});

describe('firewall_port: safety and input', () => {
  it('refuses the SSH port, the connection port and an empty source list', () => {
    expect(() => args({ port: 22, sources: ['10.0.0.2'] })).toThrow(/SSH port/);
    expect(() => args({ port: 2222, ssh_port: 2222, sources: ['10.0.0.2'] })).toThrow(/SSH port/);
    expect(() => args({ sources: [] })).toThrow(/closed to everyone/);
    const p = planFirewallPort(args({ port: 2200, sources: ['10.0.0.2'] }), fw({ nft: true }), {}, { ansible_port: 2200 });
    expect(p.failed).toMatch(/SSH connection uses it/);
  });

  it('accepts addresses and CIDRs only, normalising IPv4 networks', () => {
    expect(() => args({ sources: ['filtering-1'] })).toThrow(/no host names/);
    expect(() => args({ sources: ['10.0.0.1/33'] })).toThrow();
    expect(args({ sources: '10.0.0.2, 10.0.0.3' }).sources).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(canonicalSource('10.1.2.3/16')).toBe('10.1.0.0/16');
  });

  it('fails when the host has no firewall tool', () => {
    expect(planFirewallPort(args({ sources: ['10.0.0.2'] }), fw({}), {}).failed).toMatch(/no firewall found/);
  });

  it('probes only the tools the facts report', () => {
    const text = firewallPortModule.probes!(args({ sources: ['10.0.0.2'] }), ctx({}, facts({ firewall: fw({ nft: true }) })))
      .map((p) => p.cmd.text)
      .join('\n');
    expect(text).toContain('nft list chain inet tsplay port_3313');
    expect(text).not.toMatch(/ufw|firewall-cmd|iptables -S/);
  });
});
