import type { PlanContext, Plan } from '../../../../src/modules/types.js';
import type { HostFacts } from '../../../../src/facts/types.js';
import type { Command } from '../../../../src/commands/types.js';

/** Facts of a Debian 12 x86_64 host with nftables and iptables (override what a case needs). */
export function facts(over: Partial<HostFacts> = {}): HostFacts {
  return {
    hostname: 'node1',
    os: { id: 'debian', idLike: [], family: 'debian', version: '12', major: '12', codename: 'bookworm', name: 'Debian GNU/Linux 12 (bookworm)' },
    arch: 'x86_64',
    kernel: '6.1.0',
    pkgMgr: 'apt',
    serviceMgr: 'systemd',
    firewall: { nft: true, iptables: true, ufw: false, firewalld: false },
    defaultIpv4: '10.0.0.5',
    addresses: ['10.0.0.5'],
    memoryMb: 2048,
    cpus: 2,
    user: 'root',
    isRoot: true,
    ...over,
  };
}

export function ctx(probed: Record<string, unknown>, f: HostFacts = facts(), vars: Record<string, unknown> = {}): PlanContext {
  return {
    host: 'node1',
    facts: f,
    probed,
    check: false,
    diff: true,
    vars,
    readControllerFile: () => Buffer.from(''),
    renderTemplateFile: () => '',
    renderTemplate: (t) => t,
    evaluate: () => true,
    evaluateValue: () => undefined,
  };
}

/** Commands as short strings: shell text, or `put PATH`. */
export function cmds(plan: Plan): string[] {
  return plan.commands.map((c: Command) => (c.kind === 'shell' ? c.cmd.text : `put ${c.path}`));
}

export const ok = (stdout: string) => ({ rc: 0, stdout, stderr: '', durationMs: 1 });
