import { isIP } from 'node:net';
import { z } from 'zod';
import { defineRole } from '../../src/index.js';
import { portParam, stringList, blank, groupAddresses, failTask } from '../../src/wallarm/index.js';

const params = z
  .object({
    postanalytics_port: portParam(3313, 'postanalytics port to guard'),
    extra_ports: stringList(z.coerce.number().int().min(1).max(65535)).default([]).describe('more ports with the same sources (e.g. the TLS listener 6388)'),
    sources: blank(stringList(z.string().min(1)).optional()).describe('addresses admitted to the port (default: the addresses of sources_group)'),
    sources_group: z.string().min(1).default('filtering').describe('inventory group whose addresses are admitted when sources is not given'),
    protocols: stringList(z.enum(['tcp', 'udp']))
      .default(['tcp', 'udp'])
      .describe('protocols guarded (the seeds say TCP and UDP)'),
    backend: z
      .enum(['auto', 'nftables', 'iptables', 'ufw', 'firewalld'])
      .default('auto')
      .describe('firewall tool; auto: an active ufw, a running firewalld, else nftables, else iptables'),
    state: z.enum(['present', 'absent']).default('present').describe("absent removes tsplay's rules for the port"),
    ssh_port: portParam(22, 'SSH port, never filtered (the connection port of the host is also refused)'),
    persist: z.boolean().default(true).describe('also save the rules for the next boot'),
  })
  .superRefine((p, ctx) => {
    for (const port of [p.postanalytics_port, ...p.extra_ports])
      if (port === 22 || port === p.ssh_port) ctx.addIssue({ code: 'custom', path: ['port'], message: `refusing to filter port ${port}: it is the SSH port` });
  });

/** Seeds 001/002 step 5 and "Postanalytics module protection": only the filtering nodes reach the port. */
export default defineRole({
  name: 'open-firewall',
  description:
    'Admit the postanalytics port (TCP and UDP) only from the filtering nodes (the addresses of sources_group, or an explicit list) and drop it from everyone else; nftables, iptables, ufw or firewalld from facts. Idempotent; never touches SSH or default policies.',
  params,
  tasks: (p, ctx) => {
    let sources = p.sources;
    if (!sources && p.state === 'present') {
      const g = groupAddresses(ctx, p.sources_group);
      if (g.hosts.length === 0) return [failTask('Firewall sources', `no sources: inventory group "${p.sources_group}" is empty and sources is not set`)];
      if (g.missing.length)
        return [failTask('Firewall sources', `cannot tell the address of ${g.missing.join(', ')} (group ${p.sources_group}): set wallarm_address on those hosts or give sources`)];
      sources = g.addresses;
    }
    const bad = (sources ?? []).filter((s) => !isIP(s.split('/')[0]!));
    if (bad.length) return [failTask('Firewall sources', `firewall sources must be IP addresses, not names: ${bad.join(', ')} (set wallarm_address on those hosts)`)];
    const sshPort = Number(ctx.vars.ansible_port ?? ctx.vars.tsplay_port ?? p.ssh_port);
    return [p.postanalytics_port, ...p.extra_ports].map((port) => ({
      name: `${p.state === 'present' ? 'Admit' : 'Stop guarding'} port ${port}${p.state === 'present' ? ` only from ${(sources ?? []).join(', ')}` : ''}`,
      firewall_port: {
        port,
        sources: sources ?? [],
        protocols: p.protocols,
        state: p.state,
        backend: p.backend,
        ssh_port: Number.isFinite(sshPort) ? sshPort : 22,
        persist: p.persist,
      },
    }));
  },
});
