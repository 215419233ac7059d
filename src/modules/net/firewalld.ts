/**
 * `firewalld` (ansible.posix 1.5, Debian 12's ansible): a service, port, port forward, protocol,
 * source, interface, ICMP block, ICMP block inversion, rich rule or masquerading in a zone, a zone's
 * target, or the zone itself (state present/absent), as ansible.posix's module decides it (its
 * transaction logic: which of the permanent and runtime configurations to query and change, its
 * messages and errors). Driven through firewall-cmd when the daemon runs, through
 * firewall-offline-cmd when it does not (the module's offline mode: permanent changes only).
 * firewalld itself normalises rich rules (--query-rich-rule), as the module's Rich_Rule does.
 */
import { z } from 'zod';
import { sh, type Shell } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import { ansibleBoolean } from '../../config/boolean.js';
import type { RunResult } from '../../executors/types.js';
import { str as pyStr } from '../../template/jinja/py.js';
import { validateArgumentSpec } from '../system/argspec.js';
import { missingRequiredLib } from '../system/selinux.js';
import { bool, str } from '../files/common.js';
import { defineModule, type Outcome, type Plan } from '../types.js';

/** The module's mutually exclusive options, in its order (the error message lists them so). */
const ITEMS = ['icmp_block', 'icmp_block_inversion', 'service', 'protocol', 'port', 'port_forward', 'rich_rule', 'interface', 'masquerade', 'source', 'target'] as const;
const TARGETS = ['default', 'ACCEPT', 'DROP', '%%REJECT%%'] as const;
const REQUIRED_BY = [
  ['interface', 'zone'],
  ['target', 'zone'],
  ['source', 'permanent'],
] as const;

/** A str option as Ansible converts it (`true` → "True"): the module puts icmp_block_inversion's value in its message. */
const pyText = z.preprocess((v) => (typeof v === 'boolean' || typeof v === 'number' ? pyStr(v) : v), z.string());

/** port_forward as Ansible's `type: list, elements: dict` converts it ("port=80,proto=tcp,toport=8080" → a dict); left as given when it cannot. */
function portForwardList(v: unknown): unknown {
  if (v === undefined || v === null) return v;
  const r = validateArgumentSpec({ port_forward: { type: 'list', elements: 'dict' } }, { port_forward: v });
  return r.errors.length ? v : r.validated['port_forward'];
}

export const firewalldArgs = z
  .strictObject({
    icmp_block: str.nullish(),
    icmp_block_inversion: pyText.nullish(),
    service: str.nullish(),
    protocol: str.nullish(),
    port: str.nullish(),
    port_forward: z.preprocess(portForwardList, z.array(z.union([z.record(z.string(), z.unknown()), z.string()])).nullish()),
    rich_rule: str.nullish(),
    source: str.nullish(),
    interface: str.nullish(),
    masquerade: pyText.nullish(),
    target: z.string().nullish(),
    zone: str.nullish(),
    permanent: bool.nullish(),
    immediate: bool.default(false),
    state: z.enum(['absent', 'disabled', 'enabled', 'present']),
    timeout: z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int()).default(0),
    offline: bool.nullish(),
  })
  .superRefine((a, ctx) => {
    const set = (k: string) => (a as Record<string, unknown>)[k] !== undefined && (a as Record<string, unknown>)[k] !== null;
    // Ansible's count_terms counts the keys given, a null value too.
    const given = ITEMS.filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    if (given.length > 1) ctx.addIssue({ code: 'custom', path: [given[1]!], message: `parameters are mutually exclusive: ${ITEMS.join('|')}` });
    for (const [k, need] of REQUIRED_BY)
      if (set(k) && !set(need)) {
        ctx.addIssue({ code: 'custom', path: [k], message: `missing parameter(s) required by '${k}': ${need}` });
        break;
      }
    // An element left as text could not become a dict: Ansible's conversion message.
    if (a.port_forward?.some((e) => typeof e === 'string')) {
      const why = validateArgumentSpec({ port_forward: { type: 'list', elements: 'dict' } }, { port_forward: a.port_forward }).errors[0];
      ctx.addIssue({ code: 'custom', path: ['port_forward'], message: why ?? 'port_forward: each element must be a dict' });
    }
    if (a.target != null && !(TARGETS as readonly string[]).includes(a.target))
      ctx.addIssue({ code: 'custom', path: ['target'], message: `value of target must be one of: ${TARGETS.join(', ')}, got: ${a.target}` });
  });
export type FirewalldArgs = z.infer<typeof firewalldArgs>;

/** What the probe saw: the daemon running (online), only the offline tool, or neither; the item's state in each configuration. */
export interface FirewalldState {
  mode: 'online' | 'offline' | 'none';
  zone: string;
  immediate: boolean;
  permanent: boolean;
  /** The zone's permanent target (`--get-target`), for `target`. */
  target?: string;
  /** The permanent zones (`--get-zones`), for zone present/absent. */
  zones?: string[];
  /** Without firewalld: the host's name and Python, for the module's missing-library message. */
  node?: string;
  python?: string;
  /** Offline, for `interface`: in how many zone files the interface is (the module refuses to move it out of more than one). */
  interfaceZones?: number;
  /** A query's error text (firewalld's exception, e.g. `INVALID_RULE: ...`), per configuration. */
  permanentError?: string;
  immediateError?: string;
}

type Kind = 'service' | 'protocol' | 'port' | 'forward-port' | 'source' | 'icmp-block' | 'rich-rule' | 'interface' | 'masquerade' | 'icmp-block-inversion' | 'target' | 'zone';
interface Item {
  kind: Kind;
  /** The firewall-cmd value (`https`, `8443/tcp`, `port=80:proto=tcp:toport=8080`). */
  value: string;
  /** The wanted state after the module's own mapping (masquerade/icmp_block_inversion values). */
  desired: string;
  /** The message the module adds after a change ("Changed service https to enabled"). */
  after?: string;
  enabledMsg?: string;
  disabledMsg?: string;
  warning?: string;
}

const TOGGLES = new Set<Kind>(['masquerade', 'icmp-block-inversion']);
/** Items the module finds by membership in the zone's lists (getServices...), not by a firewalld query that validates them. */
const LISTED = new Set<Kind>(['service', 'protocol', 'icmp-block', 'source', 'interface']);
const TIMED = new Set<Kind>(['service', 'port', 'protocol', 'icmp-block', 'rich-rule', 'forward-port']);
const NOT_PERMANENT = "Zone operations must be permanent. Make sure you didn't set the 'permanent' flag to 'false' or the 'immediate' flag to 'true'.";

/** The firewall-cmd options to query, add or remove the item (`--query-service=http`), after `--zone=`. */
function options(item: Item, verb: 'query' | 'add' | 'remove', offline: boolean): string[] {
  switch (item.kind) {
    case 'masquerade':
    case 'icmp-block-inversion':
      return [`--${verb}-${item.kind}`];
    case 'zone':
      return [verb === 'add' ? `--new-zone=${item.value}` : `--delete-zone=${item.value}`];
    case 'target':
      return [`--set-target=${verb === 'add' ? item.value : 'default'}`];
    case 'interface':
      // The module moves the interface out of its old zone (changeZoneOfInterface), as --change-interface does.
      return [verb === 'add' ? `--change-interface=${item.value}` : `--${verb}-interface=${item.value}`];
    case 'service':
      // firewall-offline-cmd reads --remove-service as lokkit's option; the zone form is --remove-service-from-zone.
      if (offline && verb === 'remove') return [`--remove-service-from-zone=${item.value}`];
      return [`--${verb}-service=${item.value}`];
    default:
      return [`--${verb}-${item.kind}=${item.value}`];
  }
}

/** Python's `boolean(value, strict=True)` as the module uses it, with its warning for other values. */
function toggle(name: string, raw: string, state: string): { desired: string; warning?: string } {
  const b = ansibleBoolean(raw);
  const warning =
    b === undefined
      ? `The value of the ${name} option is "${raw}". The type of the option will be changed from string to boolean in a future release. To avoid unexpected behavior, please change the value to boolean.`
      : undefined;
  return { desired: (state === 'enabled') === (b ?? true) ? 'enabled' : 'disabled', ...(warning ? { warning } : {}) };
}

/** The item the task is about, in the module's order of checks; a failure message; or none (nothing to do). */
function itemOf(a: FirewalldArgs, zone: string): Item | { error: string } | undefined {
  const s = a.state;
  let port: { port: string; proto: string } | undefined;
  if (a.port != null) {
    const parts = a.port.trim().split('/');
    if (parts.length !== 2 || !parts[1]) return { error: 'improper port format (missing protocol?)' };
    port = { port: parts[0]!, proto: parts[1] };
  }
  let fwd: { port: string; proto: string; toport: string; toaddr: string; shown?: string } | undefined;
  if (a.port_forward != null) {
    if (a.port_forward.length > 1) return { error: 'Only one port forward supported at a time' };
    const pf = a.port_forward[0];
    if (!pf || typeof pf === 'string') return { error: 'port_forward: one port forward (a dict with port, proto, toport) is needed' };
    if (!('port' in pf)) return { error: 'port must be specified for port forward' };
    if (!('proto' in pf)) return { error: 'proto udp/tcp must be specified for port forward' };
    if (!('toport' in pf)) return { error: 'toport must be specified for port forward' };
    fwd = { port: pyStr(pf['port']), proto: pyStr(pf['proto']), toport: pyStr(pf['toport']), toaddr: pf['toaddr'] != null ? pyStr(pf['toaddr']) : '' };
    if ('toaddr' in pf && pf['toaddr'] === null) fwd.shown = 'None';
  }
  const modification = [a.icmp_block, a.icmp_block_inversion, a.service, a.protocol, port?.port, fwd, a.rich_rule, a.interface, a.masquerade, a.source, a.target].some((v) => !!v);
  if (modification && (s === 'absent' || s === 'present') && a.target == null) return { error: 'absent and present state can only be used in zone level operations' };
  if (a.icmp_block != null) return { kind: 'icmp-block', value: a.icmp_block, desired: s, after: `Changed icmp-block ${a.icmp_block} to ${s}` };
  if (a.icmp_block_inversion != null)
    return {
      kind: 'icmp-block-inversion',
      value: '',
      ...toggle('icmp_block_inversion', a.icmp_block_inversion, s),
      after: `Changed icmp-block-inversion ${a.icmp_block_inversion} to ${s}`,
    };
  if (a.service != null) return { kind: 'service', value: a.service, desired: s, after: `Changed service ${a.service} to ${s}` };
  if (a.protocol != null) return { kind: 'protocol', value: a.protocol, desired: s, after: `Changed protocol ${a.protocol} to ${s}` };
  if (a.source != null)
    return { kind: 'source', value: a.source, desired: s, enabledMsg: `Added ${a.source} to zone ${zone}`, disabledMsg: `Removed ${a.source} from zone ${zone}` };
  if (port) {
    const p = `${port.port}/${port.proto}`;
    return { kind: 'port', value: p, desired: s, after: `Changed port ${p} to ${s}` };
  }
  if (fwd) {
    const value = `port=${fwd.port}:proto=${fwd.proto}:toport=${fwd.toport}${fwd.toaddr ? `:toaddr=${fwd.toaddr}` : ''}`;
    return {
      kind: 'forward-port',
      value,
      desired: s,
      after: `Changed port_forward port=${fwd.port}:proto=${fwd.proto}:toport=${fwd.toport}:toaddr=${fwd.shown ?? fwd.toaddr} to ${s}`,
    };
  }
  if (a.rich_rule != null) return { kind: 'rich-rule', value: a.rich_rule, desired: s, after: `Changed rich_rule ${a.rich_rule} to ${s}` };
  if (a.interface != null)
    return { kind: 'interface', value: a.interface, desired: s, enabledMsg: `Changed ${a.interface} to zone ${zone}`, disabledMsg: `Removed ${a.interface} from zone ${zone}` };
  if (a.masquerade != null)
    return {
      kind: 'masquerade',
      value: '',
      ...toggle('masquerade', a.masquerade, s),
      enabledMsg: `Added masquerade to zone ${zone}`,
      disabledMsg: `Removed masquerade from zone ${zone}`,
    };
  if (a.target != null)
    return {
      kind: 'target',
      value: a.target,
      desired: s === 'present' || s === 'enabled' ? 'enabled' : 'disabled',
      enabledMsg: `Set zone ${zone} target to ${a.target}`,
      disabledMsg: `Reset zone ${zone} target to default`,
    };
  if (s === 'present' || s === 'absent')
    return {
      kind: 'zone',
      value: zone,
      desired: s === 'present' ? 'enabled' : 'disabled',
      enabledMsg: `Added zone ${zone}`,
      disabledMsg: `Removed zone ${zone}`,
      after: `Changed zone ${a.zone ?? 'None'} to ${s}`,
    };
  return undefined;
}

/** One round trip: is the daemon running, the zone, and the item's state at runtime and on disk (or the query's error). */
function probe(a: FirewalldArgs) {
  const item = itemOf(a, a.zone ?? '');
  const what = !item || 'error' in item ? 'none' : item.kind === 'target' ? 'target' : item.kind === 'zone' ? 'zones' : 'query';
  const q = item && !('error' in item) && what === 'query' ? options(item, 'query', false)[0]! : '';
  const iface = item && !('error' in item) && item.kind === 'interface' ? item.value : '';
  const cmd: Shell = sh`q=${q}; z=${a.zone ?? ''}; w=${what}; i=${iface}
ask() { k=$1; shift; out=$("$@" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then echo "$k=1"; elif [ $rc -ne 1 ] || [ "$out" != no ]; then printf '%s' "$out" | tr '\\n' ' ' | sed "s/^/$k.err=/"; echo; fi; }
state() { case $w in
  query) ask perm "$@" --zone="$z" "$q" ;;
  target) out=$("$@" --zone="$z" --get-target 2>&1) && echo "target=$out" || { printf '%s' "$out" | tr '\\n' ' ' | sed 's/^/perm.err=/'; echo; } ;;
  zones) echo "zones=$("$@" --get-zones 2>/dev/null)" ;;
  esac; }
if command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
  echo mode=online; [ -n "$z" ] || z=$(firewall-cmd --get-default-zone); echo "zone=$z"
  if [ $w = query ]; then ask imm firewall-cmd --zone="$z" "$q"; fi
  state firewall-cmd --permanent
elif command -v firewall-offline-cmd >/dev/null 2>&1; then
  echo mode=offline; [ -n "$z" ] || z=$(firewall-offline-cmd --get-default-zone); echo "zone=$z"
  state firewall-offline-cmd
  if [ -n "$i" ]; then echo "ifzones=$(firewall-offline-cmd --get-zone-of-interface="$i" 2>&1 | tr '\\n' ' ')"; fi
else echo mode=none; echo "node=$(uname -n)"; echo "python=$(command -v python3 || echo /usr/bin/python3)"; fi`;
  return { key: 'firewalld', cmd, parse: (r: { stdout: string }): FirewalldState => parseProbe(r.stdout) };
}

/** firewalld's exception text from a tool's output ("Error: INVALID_RULE: ..." → "INVALID_RULE: ..."). */
const exceptionText = (out: string): string => out.trim().replace(/^Error: /, '');

/** The probe's key=value lines as a state. */
export function parseProbe(stdout: string): FirewalldState {
  const lines = stdout.split('\n');
  const val = (k: string) => lines.find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1);
  const mode = val('mode');
  const target = val('target');
  const zones = val('zones');
  const ifzones = val('ifzones');
  const many = ifzones?.match(/is in (\d+) zone XML files/);
  const permanentError = exceptionText(val('perm.err') ?? '');
  const immediateError = exceptionText(val('imm.err') ?? '');
  return {
    mode: mode === 'online' || mode === 'offline' ? mode : 'none',
    zone: val('zone') ?? '',
    immediate: val('imm') === '1',
    permanent: val('perm') === '1',
    ...(target !== undefined ? { target } : {}),
    ...(zones !== undefined ? { zones: zones.split(/\s+/).filter(Boolean) } : {}),
    ...(mode === 'none' ? { node: val('node') ?? '', python: val('python') || '/usr/bin/python3' } : {}),
    ...(ifzones !== undefined ? { interfaceZones: many ? Number(many[1]) : ifzones.trim() === 'no zone' ? 0 : 1 } : {}),
    ...(permanentError ? { permanentError } : {}),
    ...(immediateError ? { immediateError } : {}),
  };
}

/** Plan firewalld from the probe (the module's main() and FirewallTransaction.run). */
export function planFirewalld(a: FirewalldArgs, st: FirewalldState, check: boolean): Plan {
  const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });
  if (st.mode === 'none')
    return fail(
      `${missingRequiredLib('firewall', { node: st.node ?? '', python: st.python ?? '/usr/bin/python3' })}. Version 0.2.11 or newer required (0.3.9 or newer for offline operations)`,
    );
  const offline = st.mode === 'offline';
  let immediate = a.immediate;
  const permanent = a.permanent ?? false;
  if (!permanent && !immediate) immediate = true;
  if (immediate && offline) return fail('firewall is not currently running, unable to perform immediate actions without a running firewall daemon');
  const zone = st.zone;
  const item = itemOf(a, zone);
  if (item && 'error' in item) return fail(item.error);
  const warnings = item?.warning ? [item.warning] : undefined;
  // The module's warnings are shown and also returned in its result (registered).
  const warned = warnings ? { warnings } : {};
  const offlineNote = offline ? ['(offline operation: only on-disk configs were altered)'] : [];
  // Neither an item nor a zone-level state: the module runs no transaction.
  if (!item) return { changed: false, commands: [], msg: offlineNote.join(', '), result: { msg: offlineNote.join(', ') } };
  const zoneLevel = item.kind === 'zone' || item.kind === 'target';
  // The module's queries, in its order: permanent first, then runtime (zone operations refuse runtime).
  // Through D-Bus (online) firewalld's exceptions reach the module under their D-Bus name.
  const caught = (text: string) => `ERROR: Exception caught: ${offline ? '' : 'org.fedoraproject.FirewallD1.Exception: '}${text}`;
  // The module looks these up in the zone's lists (no validation): only a zone error fails the query.
  const listed = LISTED.has(item.kind);
  const queryError = (e: string | undefined) => (e && (!listed || e.startsWith('INVALID_ZONE')) ? e : undefined);
  const permanentError = queryError(st.permanentError);
  const immediateError = queryError(st.immediateError);
  if (permanent && permanentError) return fail(caught(permanentError));
  if (immediate && zoneLevel) return fail(NOT_PERMANENT);
  if (immediate && immediateError) return fail(caught(immediateError));
  const onDisk = item.kind === 'target' ? st.target === item.value : item.kind === 'zone' ? (st.zones ?? []).includes(zone) : st.permanent;
  const want = item.desired === 'enabled';
  const needPerm = permanent && onDisk !== want;
  const needImm = immediate && st.immediate !== want;
  const modeMsg = permanent && immediate ? 'Permanent and Non-Permanent(immediate) operation' : permanent ? 'Permanent operation' : 'Non-permanent operation';
  const changed = needPerm || needImm;
  // Check mode: the module exits with changed alone (no msg) as soon as it sees a change.
  if (changed && check) return { changed: true, commands: [], result: { ...warned }, ...warned };
  if (needPerm && want && offline && item.kind === 'interface' && (st.interfaceZones ?? 0) > 1)
    return fail(`ERROR: interface ${item.value} is in ${st.interfaceZones} zone XML file, can only be in one`);
  const verb = want ? 'add' : 'remove';
  const what = describe(item, verb);
  const cmds: Command[] = [];
  if (needPerm) {
    const opts = options(item, verb, offline);
    const scoped = item.kind === 'zone' ? opts : [`--zone=${zone}`, ...opts];
    const cmd = offline ? sh`firewall-offline-cmd ${scoped}` : sh`firewall-cmd --permanent ${scoped}`;
    cmds.push({ kind: 'shell', cmd, describe: `firewalld${offline ? ' (offline)' : ''}: ${what} (permanent)` });
  }
  if (needImm) {
    const timeout = want && a.timeout > 0 && TIMED.has(item.kind) ? [`--timeout=${a.timeout}`] : [];
    cmds.push({ kind: 'shell', cmd: sh`firewall-cmd --zone=${zone} ${[...options(item, verb, false), ...timeout]}`, describe: `firewalld: ${what}` });
  }
  const msgs = [modeMsg];
  if (changed) {
    const m = want ? item.enabledMsg : item.disabledMsg;
    if (m) msgs.push(m);
    if (item.after) msgs.push(item.after);
  }
  msgs.push(...offlineNote);
  const msg = msgs.join(', ');
  const interpret = (outputs: RunResult[]): Outcome => {
    const bad = outputs.find((o) => o.rc !== 0);
    if (!bad) return { changed, msg, result: { msg, ...warned } };
    // The module's action_handler: the exception, then the messages gathered so far.
    const text = exceptionText(bad.stderr.trim() ? bad.stderr : bad.stdout);
    const extra = [
      modeMsg,
      ...(text.includes('INVALID_SERVICE') ? ['Services are defined by port/tcp relationship and named as they are in /etc/services (on most systems)'] : []),
    ];
    const failed = `${caught(text)} ${extra.join(', ')}`;
    return { changed: false, failed, result: { msg: failed, ...warned } };
  };
  return { changed, commands: cmds, msg, result: { msg, ...warned }, ...(cmds.length ? { interpret } : {}), ...warned };
}

function describe(item: Item, verb: 'add' | 'remove'): string {
  if (item.kind === 'zone') return `${verb === 'add' ? 'create' : 'delete'} zone ${item.value}`;
  if (item.kind === 'target') return `set target ${verb === 'add' ? item.value : 'default'}`;
  return `${verb} ${item.kind}${TOGGLES.has(item.kind) ? '' : ` ${item.value}`}`;
}

export const firewalldModule = defineModule<FirewalldArgs>({
  name: 'firewalld',
  aliases: ['ansible.posix.firewalld'],
  description:
    "Enable or disable a service, port, port forward, protocol, source, interface, ICMP block, ICMP block inversion, rich rule or masquerading in a firewalld zone, set a zone's target, create or delete a zone (ansible.posix's firewalld)",
  args: firewalldArgs,
  probes: (a) => [probe(a)],
  plan: (a, ctx) => planFirewalld(a, ctx.probed.firewalld as FirewalldState, ctx.check),
  returns: {
    msg: "the module's messages joined with ', ' (\"Permanent operation, Changed rich_rule ... to enabled\"); absent in check mode when something would change",
  },
});
