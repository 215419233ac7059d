/**
 * `service` and `systemd` (alias `systemd_service`): started/stopped/restarted/reloaded, enabled.
 * systemd hosts are driven through systemctl; other hosts through `service`/init scripts with
 * update-rc.d, chkconfig or rc-update for `enabled`.
 */
import { z } from 'zod';
import { quote, raw, Shell } from '../../commands/quote.js';
import type { ShellCommand } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { defineModule, type Outcome, type Plan, type PlanContext, type Probe } from '../types.js';
import { bool, str, withAliases } from './args.js';

const state = z.enum(['started', 'stopped', 'restarted', 'reloaded']);
const unitName = str.refine((s) => s.trim() !== '' && !s.startsWith('-') && !s.includes('\n'), { message: 'not a valid service name' });

// Ansible's service action hands every argument to the systemd module on a systemd host, so
// `service: daemon_reload: true` (no name) is valid there; elsewhere the service module refuses it.
export const serviceArgs = withAliases(
  { service: 'name', args: 'arguments', 'daemon-reload': 'daemon_reload', 'daemon-reexec': 'daemon_reexec' },
  z
    .strictObject({
      name: unitName.optional(),
      state: state.optional(),
      enabled: bool.optional(),
      arguments: str.optional(),
      use: z.enum(['auto', 'systemd', 'service', 'sysvinit', 'openrc']).optional(),
      daemon_reload: bool.optional(),
      daemon_reexec: bool.optional(),
    })
    .superRefine((a, ctx) => {
      if (a.name === undefined && a.daemon_reload === undefined && a.daemon_reexec === undefined)
        ctx.addIssue({ code: 'invalid_type', expected: 'string', input: undefined, path: ['name'], message: 'missing required arguments: name' });
    }),
);
export type ServiceArgs = z.infer<typeof serviceArgs>;

export const systemdArgs = withAliases(
  { service: 'name', unit: 'name', 'daemon-reload': 'daemon_reload', 'daemon-reexec': 'daemon_reexec' },
  z.strictObject({
    name: unitName.optional(),
    state: state.optional(),
    enabled: bool.optional(),
    daemon_reload: bool.optional(),
    daemon_reexec: bool.optional(),
    masked: bool.optional(),
    no_block: bool.optional(),
    scope: z.enum(['system']).optional(),
  }),
);
export type SystemdArgs = z.infer<typeof systemdArgs>;

interface Want {
  name?: string;
  state?: z.infer<typeof state>;
  enabled?: boolean;
  daemonReload: boolean;
  daemonReexec: boolean;
  masked?: boolean;
  noBlock: boolean;
  arguments?: string;
}

// ---------------------------------------------------------------------------------------------
// systemd

export interface UnitStatus {
  ok: boolean;
  error?: string;
  props: Record<string, string>;
  isEnabled: string;
  isEnabledRc: number;
}

function systemdProbe(name: string): Probe {
  const n = quote(name);
  const script =
    `export LC_ALL=C; out=$(systemctl show --no-pager -p Id -p LoadState -p ActiveState -p SubState -p UnitFileState -- ${n} 2>&1); rc=$?; ` +
    `printf '%s\\nshow_rc=%s\\n' "$out" "$rc"; e=$(systemctl is-enabled -- ${n} 2>/dev/null); printf 'is_enabled_rc=%s\\nis_enabled=%s\\n' "$?" "$e"`;
  return { key: 'unit', cmd: raw(script), parse: parseUnitStatus };
}

/** Parse `systemctl show` properties and the `is-enabled` answer. */
export function parseUnitStatus(r: RunResult): UnitStatus {
  const props: Record<string, string> = {};
  let showRc = 0;
  let isEnabled = '';
  let isEnabledRc = 1;
  const other: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^([A-Za-z_]+)=(.*)$/.exec(line);
    if (!m) {
      if (line.trim()) other.push(line.trim());
      continue;
    }
    if (m[1] === 'show_rc') showRc = Number(m[2]);
    else if (m[1] === 'is_enabled') isEnabled = m[2]!.split('\n')[0]!.trim();
    else if (m[1] === 'is_enabled_rc') isEnabledRc = Number(m[2]);
    else props[m[1]!] = m[2]!;
  }
  const ok = showRc === 0 && props.LoadState !== undefined;
  return { ok, error: ok ? undefined : other.join('\n') || r.stderr.trim(), props, isEnabled, isEnabledRc };
}

const RUNNING = new Set(['active', 'activating', 'reloading']);
// `systemctl disable` cannot change these; treating them as "nothing to do" keeps runs idempotent.
const NOT_DISABLEABLE = new Set(['static', 'generated', 'transient', 'indirect', 'alias']);

interface Step {
  verb: string;
  cmd: ShellCommand;
  /** daemon-reload/reexec do not count as a change (Ansible). */
  counts: boolean;
}

function systemctl(verb: string, name: string | undefined, noBlock: boolean): Step {
  const words = ['systemctl', ...(noBlock ? ['--no-block'] : []), verb, ...(name !== undefined ? ['--', name] : [])];
  return {
    verb,
    cmd: { kind: 'shell', cmd: new Shell(words.map((w) => quote(w)).join(' ')), describe: `systemctl ${verb}${name !== undefined ? ' ' + name : ''}` },
    counts: !verb.startsWith('daemon-'),
  };
}

export function planSystemd(w: Want, ctx: PlanContext): Plan {
  const steps: Step[] = [];
  if (w.daemonReload) steps.push(systemctl('daemon-reload', undefined, false));
  if (w.daemonReexec) steps.push(systemctl('daemon-reexec', undefined, false));
  if (w.name === undefined) {
    if (w.state !== undefined || w.enabled !== undefined || w.masked !== undefined) return failPlan("missing parameter(s) required by 'state', 'enabled' or 'masked': name");
    // As the systemd module: no unit, no status to show.
    return finish(steps, { name: null, status: {} }, w, ctx.check);
  }
  const st = ctx.probed.unit as UnitStatus;
  if (!st.ok) return failPlan(`Could not query service ${w.name} on ${ctx.host}: ${st.error || 'systemctl failed'}`);
  const found = st.props.LoadState !== 'not-found';
  // A unit that appears after daemon-reload, or in check mode after an install that did not run, is planned as if stopped/disabled.
  if (!found && !ctx.check && !(w.daemonReload && (w.state !== undefined || w.enabled !== undefined))) {
    if (w.state !== undefined || w.enabled !== undefined || w.masked === false) return failPlan(`Could not find the requested service ${w.name}: host`);
  }
  const name = w.name;
  const masked = st.props.UnitFileState === 'masked' || st.isEnabled === 'masked';
  if (w.masked !== undefined && w.masked !== masked) steps.push(systemctl(w.masked ? 'mask' : 'unmask', name, false));
  const enabledNow = found && st.isEnabledRc === 0;
  if (w.enabled === true && !enabledNow) steps.push(systemctl('enable', name, false));
  if (w.enabled === false && enabledNow && !NOT_DISABLEABLE.has(st.isEnabled)) steps.push(systemctl('disable', name, false));
  const running = found && RUNNING.has(st.props.ActiveState ?? '');
  // ansible's systemd module: restarted/reloaded start a unit that is not running, and report started
  if (w.state === 'started' && !running) steps.push(systemctl('start', name, w.noBlock));
  if (w.state === 'stopped' && (running || st.props.ActiveState === 'deactivating')) steps.push(systemctl('stop', name, w.noBlock));
  if (w.state === 'restarted') steps.push(systemctl(running ? 'restart' : 'start', name, w.noBlock));
  if (w.state === 'reloaded') steps.push(systemctl(running ? 'reload' : 'start', name, w.noBlock));
  const status = st.props;
  return finish(
    steps,
    {
      name,
      state: w.state === 'restarted' || w.state === 'reloaded' ? 'started' : w.state,
      // The systemd module reports enabled only when asked to set it.
      enabled: w.enabled,
      status,
    },
    w,
    ctx.check,
  );
}

// ---------------------------------------------------------------------------------------------
// service command (no systemd)

export interface SysvStatus {
  exists: boolean;
  /** LSB status rc (0 running), or undefined when no way to ask. */
  statusRc?: number;
  hasService: boolean;
  tool: 'update-rc.d' | 'chkconfig' | 'rc-update' | 'none';
  enabled: boolean;
}

function sysvProbe(name: string): Probe {
  const script =
    `export LC_ALL=C; n=${quote(name)}; ` +
    'if [ -e "/etc/init.d/$n" ]; then echo exists=1; else echo exists=0; fi; ' +
    'if command -v service >/dev/null 2>&1; then echo has_service=1; service "$n" status >/dev/null 2>&1; echo "status_rc=$?"; ' +
    'elif [ -x "/etc/init.d/$n" ]; then "/etc/init.d/$n" status >/dev/null 2>&1; echo "status_rc=$?"; fi; ' +
    'if command -v update-rc.d >/dev/null 2>&1; then echo tool=update-rc.d; e=0; for f in /etc/rc[2345].d/S??"$n"; do [ -e "$f" ] && e=1; done; echo "enabled=$e"; ' +
    'elif command -v chkconfig >/dev/null 2>&1; then echo tool=chkconfig; if chkconfig --list "$n" 2>/dev/null | grep -q ":on"; then echo enabled=1; else echo enabled=0; fi; ' +
    'elif command -v rc-update >/dev/null 2>&1; then echo tool=rc-update; if rc-update show default 2>/dev/null | awk \'{print $1}\' | grep -qxF -- "$n"; then echo enabled=1; else echo enabled=0; fi; ' +
    'else echo tool=none; echo enabled=0; fi';
  return { key: 'sysv', cmd: raw(script), parse: parseSysvStatus };
}

export function parseSysvStatus(r: RunResult): SysvStatus {
  const get = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(r.stdout)?.[1];
  const rc = get('status_rc');
  return {
    exists: get('exists') === '1',
    statusRc: rc === undefined ? undefined : Number(rc),
    hasService: get('has_service') === '1',
    tool: (get('tool') as SysvStatus['tool'] | undefined) ?? 'none',
    enabled: get('enabled') === '1',
  };
}

export function planSysv(w: Want, ctx: PlanContext): Plan {
  const name = w.name!;
  const st = ctx.probed.sysv as SysvStatus;
  if (!st.exists && !st.hasService) return failPlan(`Could not find the requested service ${name}: host`);
  if (!st.exists && st.statusRc !== 0 && st.statusRc !== 3) return failPlan(`Could not find the requested service ${name}: host`);
  const steps: Step[] = [];
  const run = (action: string): Step => {
    const words = st.hasService ? ['service', name, action] : [`/etc/init.d/${name}`, action];
    const extra = w.arguments
      ? ' ' +
        w.arguments
          .split(/\s+/)
          .filter(Boolean)
          .map((a) => quote(a))
          .join(' ')
      : '';
    return {
      verb: action,
      cmd: { kind: 'shell', cmd: new Shell(words.map((x) => quote(x)).join(' ') + extra), describe: `service ${name} ${action}` },
      counts: true,
    };
  };
  if (w.enabled !== undefined && w.enabled !== st.enabled) {
    const verb = w.enabled ? 'enable' : 'disable';
    let line: string;
    const n = quote(name);
    if (st.tool === 'update-rc.d') line = w.enabled ? `update-rc.d ${n} defaults && update-rc.d ${n} enable` : `update-rc.d ${n} disable`;
    else if (st.tool === 'chkconfig') line = `chkconfig ${n} ${w.enabled ? 'on' : 'off'}`;
    else if (st.tool === 'rc-update') line = `rc-update ${w.enabled ? 'add' : 'del'} ${n} default`;
    else return failPlan(`Unable to ${verb} service ${name}: no systemd, update-rc.d, chkconfig or rc-update on this host`);
    steps.push({ verb, cmd: { kind: 'shell', cmd: new Shell(line), describe: `${verb} ${name}` }, counts: true });
  }
  const running = st.statusRc === 0;
  if (w.state === 'started' && !running) steps.push(run('start'));
  if (w.state === 'stopped' && running) steps.push(run('stop'));
  if (w.state === 'restarted') steps.push(run('restart'));
  if (w.state === 'reloaded') steps.push(run(running ? 'reload' : 'start'));
  return finish(steps, { name, state: w.state, enabled: w.enabled ?? st.enabled }, w, ctx.check);
}

// ---------------------------------------------------------------------------------------------

function failPlan(msg: string): Plan {
  return { changed: false, commands: [], failed: msg, result: { msg } };
}

function finish(steps: Step[], result: Record<string, unknown>, w: Want, check: boolean): Plan {
  const changed = steps.some((s) => s.counts);
  for (const k of Object.keys(result)) if (result[k] === undefined) delete result[k];
  return {
    changed,
    commands: steps.map((s) => s.cmd),
    // check mode reports this; a run's result is interpret's alone (a failure carries only msg)
    result: check ? { ...result, changed } : {},
    interpret(outputs: RunResult[]): Outcome {
      for (let i = 0; i < outputs.length; i++) {
        const r = outputs[i]!;
        if (r.rc !== 0) {
          const s = steps[i]!;
          const what = s.verb.startsWith('daemon-') ? `Failure when executing systemctl ${s.verb}` : `Unable to ${s.verb} service ${w.name}`;
          const msg = `${what}: ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(0, 5).join('\n')}`;
          // the modules fail with fail_json(msg=…): no name, state or status in the result
          return { changed: steps.slice(0, i).some((x) => x.counts), failed: msg, msg, result: { msg } };
        }
      }
      return { changed, result: { ...result, changed } };
    },
  };
}

function useSystemd(use: ServiceArgs['use'], ctx: Omit<PlanContext, 'probed'>): boolean {
  if (use === 'systemd') return true;
  if (use && use !== 'auto') return false;
  return ctx.facts.serviceMgr === 'systemd';
}

export const serviceModule = defineModule<ServiceArgs>({
  name: 'service',
  description: 'Start, stop, restart or reload a service and set whether it starts at boot (systemd or init scripts).',
  args: serviceArgs,
  probes(args, ctx) {
    if (args.name === undefined) return [];
    return [useSystemd(args.use, ctx) ? systemdProbe(args.name) : sysvProbe(args.name)];
  },
  plan(args, ctx) {
    const w: Want = {
      name: args.name,
      state: args.state,
      enabled: args.enabled,
      daemonReload: args.daemon_reload ?? false,
      daemonReexec: args.daemon_reexec ?? false,
      noBlock: false,
      arguments: args.arguments,
    };
    // On systemd the systemd module's rules apply (its daemon_reload default satisfies its required_one_of).
    if (useSystemd(args.use, ctx)) return planSystemd(w, ctx);
    if (args.name === undefined) return failPlan('missing required arguments: name');
    if (w.state === undefined && w.enabled === undefined) return failPlan('one of the following is required: state, enabled');
    const unsupported = (['daemon_reexec', 'daemon_reload'] as const).filter((k) => args[k] !== undefined);
    if (unsupported.length)
      return failPlan(
        `Unsupported parameters for (ansible.legacy.service) module: ${unsupported.join(', ')}. Supported parameters include: arguments, enabled, name, pattern, runlevel, sleep, state (args).`,
      );
    return planSysv(w, ctx);
  },
});

export const systemdModule = defineModule<SystemdArgs>({
  name: 'systemd',
  aliases: ['systemd_service'],
  description: 'Control systemd units: state, enabled, masked, daemon_reload.',
  args: systemdArgs,
  probes(args) {
    return args.name !== undefined ? [systemdProbe(args.name)] : [];
  },
  plan(args, ctx) {
    if (ctx.facts.serviceMgr !== 'systemd') return failPlan(`systemd is not the service manager on this host (${ctx.facts.serviceMgr}); use the service module`);
    if (args.name === undefined && !args.daemon_reload && !args.daemon_reexec) return failPlan('missing required arguments: name');
    return planSystemd(
      {
        name: args.name,
        state: args.state,
        enabled: args.enabled,
        masked: args.masked,
        daemonReload: args.daemon_reload ?? false,
        daemonReexec: args.daemon_reexec ?? false,
        noBlock: args.no_block ?? false,
      },
      ctx,
    );
  },
});
