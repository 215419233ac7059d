/**
 * `ufw` (community.general.ufw): state, default policy, logging and rules through the ufw command,
 * as community.general does it: `ufw status verbose` and the user rules' `### tuple` lines read
 * before, the commands run in the module's order (state, default, rule, logging), and `changed`
 * from reloaded/reset or the status/rules differing afterwards. Check mode answers from the status
 * and from `ufw --dry-run <rule>` compared with the rules (ipv4/ipv6 lines only for such addresses).
 */
import { z } from 'zod';
import { quote, raw } from '../../commands/quote.js';
import { defineModule, type Outcome, type Plan } from '../types.js';
import { bool, int, str, withAliases } from '../system/args.js';

export const ufwArgs = withAliases(
  {
    policy: 'default',
    if: 'interface',
    if_in: 'interface_in',
    if_out: 'interface_out',
    from: 'from_ip',
    src: 'from_ip',
    dest: 'to_ip',
    to: 'to_ip',
    port: 'to_port',
    protocol: 'proto',
    app: 'name',
  },
  z
    .strictObject({
      state: z.enum(['enabled', 'disabled', 'reloaded', 'reset']).optional(),
      default: z.enum(['allow', 'deny', 'reject']).optional(),
      logging: z.enum(['full', 'high', 'low', 'medium', 'off', 'on']).optional(),
      direction: z.enum(['in', 'incoming', 'out', 'outgoing', 'routed']).optional(),
      delete: bool.default(false),
      route: bool.default(false),
      insert: int.optional(),
      insert_relative_to: z.enum(['zero', 'first-ipv4', 'last-ipv4', 'first-ipv6', 'last-ipv6']).default('zero'),
      rule: z.enum(['allow', 'deny', 'limit', 'reject']).optional(),
      interface: str.optional(),
      interface_in: str.optional(),
      interface_out: str.optional(),
      log: bool.default(false),
      from_ip: str.default('any'),
      from_port: str.optional(),
      to_ip: str.default('any'),
      to_port: str.optional(),
      proto: z.enum(['ah', 'any', 'esp', 'ipv6', 'tcp', 'udp', 'gre', 'igmp']).optional(),
      name: str.optional(),
      comment: str.optional(),
    })
    .superRefine((a, ctx) => {
      const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
      if ([a.name, a.proto, a.logging].filter((x) => x !== undefined).length > 1) issue('parameters are mutually exclusive: name|proto|logging');
      if (a.direction !== undefined && a.interface_in !== undefined) issue('parameters are mutually exclusive: direction|interface_in');
      if (a.direction !== undefined && a.interface_out !== undefined) issue('parameters are mutually exclusive: direction|interface_out');
      if (a.state === undefined && a.default === undefined && a.rule === undefined && a.logging === undefined)
        issue('one of the following is required: state, default, rule, logging');
      if (a.interface !== undefined && a.direction === undefined) issue("missing parameter(s) required by 'interface': direction");
    }),
);
export type UfwArgs = z.infer<typeof ufwArgs>;

const RULE_FILES = ['/lib/ufw/user.rules', '/lib/ufw/user6.rules', '/etc/ufw/user.rules', '/etc/ufw/user6.rules', '/var/lib/ufw/user.rules', '/var/lib/ufw/user6.rules'];
const IPV4 = /((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])/;
const IPV6 =
  /(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:)|fe80:(:[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]{1,}|::(ffff(:0{1,4}){0,1}:){0,1}((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])|([0-9a-fA-F]{1,4}:){1,4}:((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9]))/;

interface Cap {
  rc: number;
  out: string;
  err: string;
}
export interface UfwProbe {
  path: string;
  ufw?: string;
  grep?: string;
  caps: Record<string, Cap>;
}

const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');
const CAP =
  'cap() { k=$1; shift; e=$(mktemp); o=$(LANG=C "$@" 2>"$e"; r=$?; echo .; exit $r); r=$?; printf "@@cap %s %s %s %s\\n" "$k" $r "$(printf %s "${o%.}" | base64 -w0)" "$(base64 -w0 < "$e")"; rm -f "$e"; return $r; }';

/** ansible's splitlines(True): lines with their ends. */
const linesKeep = (s: string) => s.match(/[^\n]*\n|[^\n]+$/g) ?? [];

/** The rule command's words after `ufw [--dry-run]` (the module's long format), insert number given. */
export function ruleWords(a: UfwArgs, insertTo: number | null, comment: boolean): string {
  const w: string[] = [];
  if (a.route) w.push('route');
  if (a.delete) w.push('delete');
  if (a.insert !== undefined && !a.delete && insertTo !== null) w.push(`insert ${insertTo}`);
  w.push(a.rule!);
  if (a.direction) w.push(a.direction);
  if (a.interface) w.push(`on ${a.interface}`);
  if (a.interface_in) w.push(`in on ${a.interface_in}`);
  if (a.interface_out) w.push(`out on ${a.interface_out}`);
  if (a.log) w.push('log');
  if (a.from_ip) w.push(`from ${a.from_ip}`);
  if (a.from_port) w.push(`port ${a.from_port}`);
  if (a.to_ip) w.push(`to ${a.to_ip}`);
  if (a.to_port) w.push(`port ${a.to_port}`);
  if (a.proto) w.push(`proto ${a.proto}`);
  if (a.name) w.push(`app '${a.name}'`);
  if (comment && a.comment) w.push(`comment '${a.comment}'`);
  return w.join(' ');
}

/** ufw --version → (major, minor) or undefined. */
export function ufwVersion(out: string): [number, number] | undefined {
  const first = out.split('\n').find((l) => l.trim() !== '');
  const m = first ? /^ufw.+(\d+)\.(\d+)(?:\.(\d+))?.*$/.exec(first) : null;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** insert_relative_to: the rule number from `ufw status numbered` (null: past the last rule, no insert). */
export function insertNumber(a: UfwArgs, numbered: string): number | null {
  if (a.insert === undefined) return null;
  if (a.insert_relative_to === 'zero') return a.insert;
  const rows = numbered
    .split('\n')
    .map((l) => [/^\[ *([0-9]+)\] /.exec(l), l.includes('(v6)')] as const)
    .filter(([m]) => m)
    .map(([m, v6]) => [Number(m![1]), v6] as const);
  const last = rows.length ? Math.max(...rows.map(([n]) => n)) : 0;
  const v4 = rows.filter(([, v6]) => !v6).map(([n]) => n);
  const hasV6 = rows.some(([, v6]) => v6);
  const rel =
    a.insert_relative_to === 'first-ipv4'
      ? 1
      : a.insert_relative_to === 'last-ipv4'
        ? v4.length
          ? Math.max(...v4)
          : 1
        : a.insert_relative_to === 'first-ipv6'
          ? v4.length
            ? Math.max(...v4) + 1
            : 1
          : hasV6
            ? last
            : last + 1;
  const to = a.insert + rel;
  return to > last ? null : to;
}

function probeScript(a: UfwArgs, check: boolean) {
  const lines = [
    CAP,
    'printf "path=%s\\n" "$PATH"',
    'u=$(PATH="$PATH:/sbin:/usr/sbin:/usr/local/sbin" command -v ufw) && printf "ufw=%s\\n" "$u" || exit 0',
    'gr=$(PATH="$PATH:/sbin:/usr/sbin:/usr/local/sbin" command -v grep) && printf "grep=%s\\n" "$gr" || exit 0',
    'cap pre "$u" status verbose',
    `cap rules "$gr" -h '^### tuple' ${RULE_FILES.join(' ')}`,
  ];
  if (a.rule !== undefined) {
    lines.push('cap version "$u" --version');
    if (a.insert !== undefined && a.insert_relative_to !== 'zero') lines.push('cap numbered "$u" status numbered');
    // check mode: the dry run of the rule (the insert number is left out when it depends on the numbered status)
    // (ansible's version regex reads 0.36.2 as 6.2, so a comment is passed on every ufw in use)
    if (check) lines.push(`cap dry sh -c ${quote(`"$0" --dry-run ${ruleWords(a, a.insert_relative_to === 'zero' ? (a.insert ?? null) : null, true)}`)} "$u"`);
  }
  return raw(lines.join('\n'));
}

export function parseUfwProbe(stdout: string): UfwProbe {
  const p: UfwProbe = { path: '', caps: {} };
  for (const line of stdout.split('\n')) {
    const w = line.split(' ');
    if (w[0] === '@@cap' && w[1]) p.caps[w[1]] = { rc: Number(w[2]), out: unb64(w[3]), err: unb64(w[4]) };
    else if (line.startsWith('path=')) p.path = line.slice(5);
    else if (line.startsWith('ufw=')) p.ufw = line.slice(4);
    else if (line.startsWith('grep=')) p.grep = line.slice(5);
  }
  return p;
}

const STATES = { enabled: 'enable', disabled: 'disable', reloaded: 'reload', reset: 'reset' } as const;

export function planUfw(a: UfwArgs, p: UfwProbe, check: boolean): Plan {
  const fail = (msg: string, result: Record<string, unknown> = {}): Plan => ({ changed: false, commands: [], failed: msg, result });
  for (const bin of ['ufw', 'grep'] as const) {
    if (!p[bin]) {
      const dirs = p.path.split(':');
      for (const d of ['/sbin', '/usr/sbin', '/usr/local/sbin']) if (!dirs.includes(d)) dirs.push(d);
      return fail(`Failed to find required executable "${bin}" in paths: ${dirs.join(':')}`);
    }
  }
  const ufw = p.ufw!;
  const cmds: string[] = [`${ufw} status verbose`, `${p.grep} -h '^### tuple' ${RULE_FILES.join(' ')}`];
  const pre = p.caps.pre ?? { rc: 1, out: '', err: 'no status' };
  if (pre.rc !== 0) return fail(pre.err || pre.out, { commands: cmds.slice(0, 1) });
  const preState = pre.out;
  const preRules = p.caps.rules?.out ?? '';
  let changed = false;
  const run: Array<{ cmd: string; key: string }> = [];
  const base = check ? `${ufw} --dry-run` : ufw;
  // the module's command order: state, default, rule, logging
  if (a.state !== undefined) {
    if (a.state === 'reloaded' || a.state === 'reset') changed = true;
    if (check) {
      const on = preState.includes(' active');
      if ((a.state === 'disabled' && on) || (a.state === 'enabled' && !on)) changed = true;
    } else run.push({ cmd: `${base} -f ${STATES[a.state]}`, key: 'state' });
  }
  if (a.default !== undefined) {
    if (!['outgoing', 'incoming', 'routed', undefined].includes(a.direction))
      return fail('For default, direction must be one of "outgoing", "incoming" and "routed", or direction must not be specified.', { commands: cmds });
    if (check) {
      const m = /Default: (deny|allow|reject) \(incoming\), (deny|allow|reject) \(outgoing\), (deny|allow|reject|disabled) \(routed\)/.exec(preState);
      if (m) {
        const cur = { incoming: m[1], outgoing: m[2], routed: m[3] }[(a.direction ?? 'incoming') as 'incoming' | 'outgoing' | 'routed'];
        if (cur !== a.default && cur !== 'disabled') changed = true;
      } else changed = true;
    } else run.push({ cmd: `${base} default ${a.default}${a.direction ? ` ${a.direction}` : ''}`, key: 'default' });
  }
  if (a.rule !== undefined) {
    if (!['in', 'out', undefined].includes(a.direction)) return fail('For rules, direction must be one of "in" and "out", or direction must not be specified.', { commands: cmds });
    if (!a.route && a.interface_in && a.interface_out) return fail('Only route rules can combine interface_in and interface_out', { commands: cmds });
    const ver = ufwVersion(p.caps.version?.out ?? '');
    if (!ver) return fail('Failed to get ufw version.', { rc: 0, out: p.caps.version?.out ?? '' });
    cmds.push(`${ufw} --version`);
    const comment = ver[0] > 0 || ver[1] >= 35;
    const insertTo = insertNumber(a, p.caps.numbered?.out ?? '');
    const words = ruleWords(a, insertTo, comment);
    if (check) {
      cmds.push(`${base} ${words}`);
      const dry = p.caps.dry ?? { rc: 1, out: '', err: '' };
      if (dry.rc !== 0) return fail(dry.err || dry.out, { commands: cmds });
      const all = linesKeep(dry.out);
      const skipping = all.filter((l) => l.includes('Skipping')).length;
      if (!(skipping > 0 && skipping === all.length)) {
        const rulesDry = all.filter((l) => l.startsWith('### tuple')).join('');
        const only = (re: RegExp, s: string) =>
          linesKeep(s)
            .filter((l) => re.test(l))
            .join('');
        const starts = (re: RegExp, ip: string) => ip.search(re) === 0;
        if (starts(IPV4, a.from_ip) || starts(IPV4, a.to_ip)) {
          if (only(IPV4, preRules) !== only(IPV4, rulesDry)) changed = true;
        } else if (starts(IPV6, a.from_ip) || starts(IPV6, a.to_ip)) {
          if (only(IPV6, preRules) !== only(IPV6, rulesDry)) changed = true;
        } else if (preRules !== rulesDry) changed = true;
      }
    } else run.push({ cmd: `${base} ${words}`, key: 'rule' });
  }
  if (a.logging !== undefined) {
    const m = /Logging: (on|off)(?: \(([a-z]+)\))?/.exec(preState);
    if (m) {
      const [, onOff, level] = m;
      if (a.logging !== 'off') {
        if (onOff === 'off') changed = true;
        else if (a.logging !== 'on' && a.logging !== level) changed = true;
      } else if (onOff !== 'off') changed = true;
    } else changed = true;
    if (!check) run.push({ cmd: `${base} logging ${a.logging}`, key: 'logging' });
  }
  if (check) return { changed, commands: [], result: { commands: cmds } };
  const known = changed;
  const script = [
    CAP,
    ...run.map((r, i) => `cap c${i} sh -c ${quote(r.cmd)} || exit 0`),
    `cap post ${quote(ufw)} status verbose`,
    `cap rules ${quote(p.grep!)} -h '^### tuple' ${RULE_FILES.join(' ')}`,
  ];
  const interpret = (outputs: Array<{ stdout: string }>): Outcome => {
    const caps: Record<string, Cap> = {};
    for (const line of (outputs[0]?.stdout ?? '').split('\n')) {
      const w = line.split(' ');
      if (w[0] === '@@cap' && w[1]) caps[w[1]] = { rc: Number(w[2]), out: unb64(w[3]), err: unb64(w[4]) };
    }
    const done = [...cmds];
    for (let i = 0; i < run.length; i++) {
      const c = caps[`c${i}`];
      done.push(run[i]!.cmd);
      if (!c) return { changed: false, failed: 'ufw: the command did not run', result: { commands: done } };
      if (c.rc !== 0) return { changed: false, failed: c.err || c.out, result: { commands: done } };
    }
    const post = caps.post?.out ?? '';
    done.push(`${ufw} status verbose`);
    let ch = known;
    if (!ch) ch = preState !== post || preRules !== (caps.rules?.out ?? '');
    return { changed: ch, result: { commands: done, msg: post.replace(/\s+$/, '') } };
  };
  return { changed: true, commands: [{ kind: 'shell', cmd: raw(script.join('\n')), describe: `ufw: ${run.map((r) => r.cmd).join('; ')}`, mayFail: true }], interpret };
}

export const ufwModule = defineModule<UfwArgs>({
  name: 'ufw',
  factsFree: true,
  aliases: ['community.general.ufw', 'community.general.system.ufw'],
  description: 'Manage ufw: enable/disable/reload/reset, default policies, logging and rules, as community.general.ufw.',
  args: ufwArgs,
  returns: { commands: 'the ufw commands run (with --dry-run in check mode)', msg: '`ufw status verbose` after the run' },
  probes(a, ctx) {
    return [{ key: 'ufw', cmd: probeScript(a, ctx.check), parse: (r) => parseUfwProbe(r.stdout) }];
  },
  plan(a, ctx) {
    return planUfw(a, (ctx.probed.ufw as UfwProbe) ?? { path: '', caps: {} }, ctx.check);
  },
});
