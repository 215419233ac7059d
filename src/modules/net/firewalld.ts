/**
 * `firewalld` (ansible.posix), partial: enable or disable a service, a port, a source or masquerading
 * in a zone, immediately and/or permanently, as ansible.posix's module decides it (its transaction
 * logic: which of the permanent and runtime configurations to query and change, its messages).
 * Driven through firewall-cmd when the daemon runs, through firewall-offline-cmd when it does not
 * (the module's offline mode: permanent changes only). port_forward, rich_rule, interface,
 * icmp_block, icmp_block_inversion, target, protocol and the zone-level states present/absent are
 * refused naming the argument (not implemented yet).
 */
import { z } from 'zod';
import { sh, type Shell } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import { ansibleBoolean } from '../../config/boolean.js';
import { bool, str } from '../files/common.js';
import { defineModule, type Plan } from '../types.js';

const NOT_YET = ['port_forward', 'rich_rule', 'interface', 'icmp_block', 'icmp_block_inversion', 'target', 'protocol'] as const;
const ITEMS = ['service', 'port', 'source', 'masquerade'] as const;

export const firewalldArgs = z
  .strictObject({
    service: str.nullish(),
    port: str.nullish(),
    source: str.nullish(),
    masquerade: str.nullish(),
    zone: str.nullish(),
    permanent: bool.nullish(),
    immediate: bool.default(false),
    state: z.enum(['absent', 'disabled', 'enabled', 'present']),
    timeout: z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int()).default(0),
    offline: bool.nullish(),
    ...Object.fromEntries(NOT_YET.map((k) => [k, z.unknown().optional()])),
  })
  .superRefine((a, ctx) => {
    for (const k of NOT_YET)
      if ((a as Record<string, unknown>)[k] !== undefined && (a as Record<string, unknown>)[k] !== null)
        ctx.addIssue({ code: 'custom', path: [k], message: `firewalld: ${k} is not implemented in tsplay yet (service, port, source and masquerade are)` });
    const given = [...ITEMS].filter((k) => a[k] !== undefined && a[k] !== null);
    if (given.length > 1) ctx.addIssue({ code: 'custom', path: [given[1]!], message: `parameters are mutually exclusive: ${[...ITEMS].join('|')}` });
    if ((a.source ?? null) !== null && (a.permanent ?? null) === null)
      ctx.addIssue({ code: 'custom', path: ['source'], message: "missing parameter(s) required by 'source': permanent" });
  });
export type FirewalldArgs = z.infer<typeof firewalldArgs>;

/** What the probe saw: the daemon running (online), only the offline tool, or neither. */
export interface FirewalldState {
  mode: 'online' | 'offline' | 'none';
  zone: string;
  immediate: boolean;
  permanent: boolean;
}

type Item = { kind: 'service' | 'port' | 'source'; value: string } | { kind: 'masquerade'; enable: boolean };

/** The firewall-cmd option for querying, adding or removing the item (`--query-service=http`). */
function option(item: Item, verb: 'query' | 'add' | 'remove'): string {
  return item.kind === 'masquerade' ? `--${verb}-masquerade` : `--${verb}-${item.kind}=${item.value}`;
}

function itemOf(a: FirewalldArgs): Item | { error: string } | undefined {
  if (a.service != null) return { kind: 'service', value: a.service };
  if (a.port != null) {
    const p = a.port.trim();
    if (!p.includes('/') || p.split('/').length !== 2 || !p.split('/')[1]) return { error: 'improper port format (missing protocol?)' };
    return { kind: 'port', value: p };
  }
  if (a.source != null) return { kind: 'source', value: a.source };
  if (a.masquerade != null) return { kind: 'masquerade', enable: ansibleBoolean(a.masquerade) ?? true };
  return undefined;
}

/** One round trip: is the daemon running, the zone, and whether the item is on at runtime and on disk. */
function probe(a: FirewalldArgs) {
  const item = itemOf(a);
  const q = item && !('error' in item) ? option(item, 'query') : '--get-zones';
  const zone = a.zone ?? '';
  const cmd: Shell = sh`q=${q}; z=${zone}
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
  echo mode=online; [ -n "$z" ] || z=$(firewall-cmd --get-default-zone); echo "zone=$z"
  if firewall-cmd --zone="$z" "$q" >/dev/null 2>&1; then echo imm=1; fi
  if firewall-cmd --permanent --zone="$z" "$q" >/dev/null 2>&1; then echo perm=1; fi
elif command -v firewall-offline-cmd >/dev/null 2>&1; then
  echo mode=offline; [ -n "$z" ] || z=$(firewall-offline-cmd --get-default-zone); echo "zone=$z"
  if firewall-offline-cmd --zone="$z" "$q" >/dev/null 2>&1; then echo perm=1; fi
else echo mode=none; fi`;
  return {
    key: 'firewalld',
    cmd,
    parse: (r: { stdout: string }): FirewalldState => {
      const lines = r.stdout.split('\n');
      const val = (k: string) => lines.find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1);
      const mode = val('mode');
      return {
        mode: mode === 'online' || mode === 'offline' ? mode : 'none',
        zone: val('zone') ?? '',
        immediate: val('imm') === '1',
        permanent: val('perm') === '1',
      };
    },
  };
}

/** Plan firewalld from the probe (ansible.posix's FirewallTransaction.run). */
export function planFirewalld(a: FirewalldArgs, st: FirewalldState, check: boolean): Plan {
  const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });
  if (st.mode === 'none')
    return fail('Failed to import the required Python library (firewall) on the host. Version 0.2.11 or newer required (0.3.9 or newer for offline operations)');
  const offline = st.mode === 'offline';
  let immediate = a.immediate;
  const permanent = a.permanent ?? false;
  if (!permanent && !immediate) immediate = true;
  if (immediate && offline) return fail('firewall is not currently running, unable to perform immediate actions without a running firewall daemon');
  const item = itemOf(a);
  if (item && 'error' in item) return fail(item.error);
  if (item && (a.state === 'absent' || a.state === 'present')) return fail('absent and present state can only be used in zone level operations');
  if (!item) return fail('firewalld: zone-level operations (state present/absent without an item) are not implemented in tsplay yet');
  let desired = a.state;
  // masquerade: the wanted state is enabled when state and the value agree.
  if (item.kind === 'masquerade') desired = (a.state === 'enabled') === item.enable ? 'enabled' : 'disabled';
  const zone = st.zone;
  const msgs: string[] = [];
  const enabledMsg = item.kind === 'source' ? `Added ${item.value} to zone ${zone}` : item.kind === 'masquerade' ? `Added masquerade to zone ${zone}` : undefined;
  const disabledMsg = item.kind === 'source' ? `Removed ${item.value} from zone ${zone}` : item.kind === 'masquerade' ? `Removed masquerade from zone ${zone}` : undefined;
  const want = desired === 'enabled';
  const cmds: Command[] = [];
  const verb = want ? 'add' : 'remove';
  const timeout = want && a.timeout > 0 && (item.kind === 'service' || item.kind === 'port') ? [`--timeout=${a.timeout}`] : [];
  const perm = (): void => {
    // firewall-offline-cmd reads --remove-service as lokkit's option; the zone form is --remove-service-from-zone.
    const opt = offline && verb === 'remove' && item.kind === 'service' ? `--remove-service-from-zone=${item.value}` : option(item, verb);
    const tool = offline ? sh`firewall-offline-cmd --zone=${zone} ${opt}` : sh`firewall-cmd --permanent --zone=${zone} ${option(item, verb)}`;
    cmds.push({ kind: 'shell', cmd: tool, describe: `firewalld${offline ? ' (offline)' : ''}: ${verb} ${describe(item)} in zone ${zone} (permanent)` });
  };
  const imm = (): void => {
    const cmd = timeout.length ? sh`firewall-cmd --zone=${zone} ${option(item, verb)} ${timeout}` : sh`firewall-cmd --zone=${zone} ${option(item, verb)}`;
    cmds.push({ kind: 'shell', cmd, describe: `firewalld: ${verb} ${describe(item)} in zone ${zone}` });
  };
  const needPerm = permanent && st.permanent !== want;
  const needImm = immediate && st.immediate !== want;
  if (permanent && immediate) msgs.push('Permanent and Non-Permanent(immediate) operation');
  else if (permanent) msgs.push('Permanent operation');
  else msgs.push('Non-permanent operation');
  const changed = needPerm || needImm;
  // Check mode: the module exits with changed alone (no msg) as soon as it sees a change.
  if (changed && check) return { changed: true, commands: cmds, result: {} };
  if (needPerm) perm();
  if (needImm) imm();
  if (changed) {
    const m = want ? enabledMsg : disabledMsg;
    if (m) msgs.push(m);
    if (item.kind === 'service') msgs.push(`Changed service ${item.value} to ${a.state}`);
    if (item.kind === 'port') msgs.push(`Changed port ${item.value} to ${a.state}`);
  }
  if (offline) msgs.push('(offline operation: only on-disk configs were altered)');
  const msg = msgs.join(', ');
  return { changed, commands: cmds, msg, result: { msg } };
}

const describe = (item: Item): string => (item.kind === 'masquerade' ? 'masquerade' : `${item.kind} ${item.value}`);

export const firewalldModule = defineModule<FirewalldArgs>({
  name: 'firewalld',
  aliases: ['ansible.posix.firewalld'],
  description: "Enable or disable a service, port, source or masquerading in a firewalld zone (ansible.posix's firewalld; partial, see docs/ansible-compat.md)",
  args: firewalldArgs,
  probes: (a) => [probe(a)],
  plan: (a, ctx) => planFirewalld(a, ctx.probed.firewalld as FirewalldState, ctx.check),
  returns: { msg: "the module's messages joined with ', ' (absent in check mode when something would change)" },
});
