/**
 * `timezone` (community.general.timezone, Linux): the system time zone and the hardware clock's
 * UTC/local setting, as community.general decides them. With a working `timedatectl` (systemd as
 * PID 1): read from `timedatectl status`, set with set-timezone / set-local-rtc. Without it: the
 * zone file (/etc/timezone on Debian, ZONE=/TIMEZONE= in /etc/sysconfig/clock elsewhere) edited as
 * the module does, /etc/localtime relinked (ln -sf + dpkg-reconfigure tzdata on Debian, cp
 * elsewhere), `hwclock --systohc`. The result always carries diff {before, after}; msg lists
 * what was executed.
 */
import { z } from 'zod';
import { argv, quote, raw } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { ansibleBoolean } from '../../config/boolean.js';
import { defineModule, type Outcome, type Plan, type Probe } from '../types.js';
import { str, withAliases } from './args.js';
import { binPathMessage } from './cron.js';

export const timezoneArgs = withAliases(
  { rtc: 'hwclock' },
  z.strictObject({
    hwclock: z.enum(['local', 'UTC']).optional(),
    name: str.optional(),
  }),
);
export type TimezoneArgs = z.infer<typeof timezoneArgs>;

const SBIN = ['/sbin', '/usr/sbin', '/usr/local/sbin'];
const BINS = ['timedatectl', 'hwclock', 'dpkg-reconfigure', 'ln', 'cp', 'tzdata-update', 'setup-timezone'];
const FILES = ['/etc/timezone', '/etc/default/rcS', '/etc/adjtime', '/etc/sysconfig/clock', '/etc/conf.d/hwclock'];

interface TzProbe {
  path: string;
  sbin: string[];
  bins: Record<string, string>;
  systemd: boolean;
  status: string;
  zoneFile: boolean;
  files: Record<string, string | undefined>;
  localtimeLink?: string;
  localtimeExists: boolean;
  localtimeSame: boolean;
}

function probeScript(a: TimezoneArgs): string {
  const zone = a.name !== undefined ? `/usr/share/zoneinfo/${a.name}` : undefined;
  return [
    'printf "path=%s\\n" "$PATH"',
    ...SBIN.map((d) => `[ -d ${d} ] && echo sbin=${d}`),
    `for t in ${BINS.join(' ')}; do p=$(PATH="$PATH:${SBIN.join(':')}" command -v $t) && printf "bin %s %s\\n" $t "$p"; done`,
    `t=$(PATH="$PATH:${SBIN.join(':')}" command -v timedatectl) && "$t" >/dev/null 2>&1 && { echo systemd; printf "status="; "$t" status 2>/dev/null | base64 -w0; echo; }`,
    zone ? `[ -f ${quote(zone)} ] && echo zonefile` : '',
    ...FILES.map((f) => `[ -f ${f} ] && { printf "file %s " ${f}; base64 -w0 < ${f}; echo; }`),
    '[ -L /etc/localtime ] && printf "link=%s\\n" "$(readlink /etc/localtime)"',
    '[ -e /etc/localtime ] && echo localtime',
    zone ? `cmp -s /etc/localtime ${quote(zone)} && echo same` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

function parseProbe(r: RunResult): TzProbe {
  const p: TzProbe = { path: '', sbin: [], bins: {}, systemd: false, status: '', zoneFile: false, files: {}, localtimeExists: false, localtimeSame: false };
  for (const line of r.stdout.split('\n')) {
    const w = line.split(' ');
    if (line.startsWith('path=')) p.path = line.slice(5);
    else if (line.startsWith('sbin=')) p.sbin.push(line.slice(5));
    else if (w[0] === 'bin' && w[1] && w[2]) p.bins[w[1]] = w.slice(2).join(' ');
    else if (line === 'systemd') p.systemd = true;
    else if (line.startsWith('status=')) p.status = Buffer.from(line.slice(7), 'base64').toString('utf8');
    else if (line === 'zonefile') p.zoneFile = true;
    else if (w[0] === 'file' && w[1]) p.files[w[1]] = Buffer.from(w[2] ?? '', 'base64').toString('utf8');
    else if (line.startsWith('link=')) p.localtimeLink = line.slice(5);
    else if (line === 'localtime') p.localtimeExists = true;
    else if (line === 'same') p.localtimeSame = true;
  }
  return p;
}

type Key = 'hwclock' | 'name';
type Values = Partial<Record<Key, string>>;

const STATUS_RE: Record<Key, RegExp> = { hwclock: /^\s*RTC in local TZ\s*:\s*(\S+)/m, name: /^\s*Time ?zone\s*:\s*(\S+)/m };

/** timedatectl status → the values ansible reads (hwclock yes/no → local/UTC). */
export function fromStatus(status: string, keys: Key[]): Values | string {
  const out: Values = {};
  for (const k of keys) {
    const m = STATUS_RE[k].exec(status);
    if (!m) return `cannot read ${k} from timedatectl status`;
    if (k === 'hwclock') {
      const b = ansibleBoolean(m[1]);
      if (b === undefined)
        return `The value '${m[1]}' is not a valid boolean.  Valid booleans include: 'y', 'yes', 'on', '1', 'true', 't', 1, 1.0, 'n', 'no', 'off', '0', 'false', 'f', 0, 0.0`;
      out.hwclock = b ? 'local' : 'UTC';
    } else out.name = m[1]!;
  }
  return out;
}

/** The non-systemd variant's configuration (files, regexps, commands), from the host's programs and distribution. */
interface NoSystemd {
  nameFile: string;
  nameRe: RegExp;
  nameLine: (v: string) => string;
  hwclockFile?: string;
  updateTimezone: string[];
}

function noSystemdConfig(a: TimezoneArgs, p: TzProbe, osId: string, family: string): NoSystemd | string {
  const zone = `/usr/share/zoneinfo/${a.name}`;
  const need = (b: string) =>
    p.bins[b] ??
    (() => {
      throw new MissingBin(b);
    })();
  try {
    const c: NoSystemd = { nameFile: '/etc/timezone', nameRe: /^(\S+)/m, nameLine: (v) => `${v}\n`, updateTimezone: [] };
    if (a.name !== undefined) c.updateTimezone = [`${need('cp')} --remove-destination ${zone} /etc/localtime`];
    need('hwclock');
    if (p.bins['dpkg-reconfigure']) {
      if (a.name !== undefined) c.updateTimezone = [`${need('ln')} -sf ${zone} /etc/localtime`, `${need('dpkg-reconfigure')} --frontend noninteractive tzdata`];
      c.hwclockFile = '/etc/default/rcS';
    } else if (osId === 'alpine' || osId === 'gentoo') {
      c.hwclockFile = '/etc/conf.d/hwclock';
      if (osId === 'alpine') c.updateTimezone = [`${need('setup-timezone')} -z ${a.name ?? ''}`];
    } else {
      if (p.bins['tzdata-update'] && p.localtimeLink === undefined) c.updateTimezone = [p.bins['tzdata-update']];
      c.nameFile = '/etc/sysconfig/clock';
      c.hwclockFile = '/etc/sysconfig/clock';
      const clock = p.files['/etc/sysconfig/clock'];
      const suse = clock !== undefined ? /^TIMEZONE\s*=/m.test(clock) : family === 'suse';
      c.nameRe = suse ? /^TIMEZONE\s*=\s*"?([^"\s]+)"?/m : /^ZONE\s*=\s*"?([^"\s]+)"?/m;
      c.nameLine = suse ? (v) => `TIMEZONE="${v}"\n` : (v) => `ZONE="${v}"\n`;
    }
    return c;
  } catch (e) {
    if (e instanceof MissingBin) return binPathMessage(e.bin, p.path, p.sbin);
    throw e;
  }
}

class MissingBin extends Error {
  constructor(readonly bin: string) {
    super(bin);
  }
}

/** ansible's _edit_file: every matching line removed, the new one where the first was (or on top). */
export function editZoneFile(text: string | undefined, re: RegExp, line: string): { text: string; deleted: number } {
  const lines = text === undefined ? [] : (text.match(/[^\n]*\n|[^\n]+$/g) ?? []);
  const hits = lines.map((l, i) => (re.test(l) ? i : -1)).filter((i) => i >= 0);
  const at = hits[0] ?? 0;
  const kept = lines.filter((_, i) => !hits.includes(i));
  kept.splice(at, 0, line);
  return { text: kept.join(''), deleted: hits.length };
}

/** The non-systemd variant's reading of the current values. */
function noSystemdGet(c: NoSystemd, p: TzProbe, planned: Values, keys: Key[]): Values {
  const out: Values = {};
  for (const k of keys) {
    if (k === 'hwclock') {
      const f = c.hwclockFile ? p.files[c.hwclockFile] : undefined;
      let v = 'n/a';
      const m = f !== undefined ? /^UTC\s*=\s*(\S+)/m.exec(f) : null;
      if (m) v = ansibleBoolean(m[1]) ? 'UTC' : 'local';
      if (v === planned.hwclock) {
        const adj = p.files['/etc/adjtime'];
        const am = adj !== undefined ? /^(UTC|LOCAL)$/m.exec(adj) : null;
        v = am ? (am[1] === 'UTC' ? 'UTC' : 'local') : 'UTC';
      }
      out.hwclock = v;
    } else {
      const f = p.files[c.nameFile];
      const m = f !== undefined ? c.nameRe.exec(f) : null;
      let v = m ? m[1]! : 'n/a';
      if (v === planned.name) {
        if (p.localtimeLink !== undefined) {
          if (p.localtimeExists) {
            const lm = /(?:\/(?:usr\/share|etc)\/zoneinfo\/)(.*)/m.exec(p.localtimeLink);
            if (lm) {
              if (lm[1] !== planned.name) v = lm[1]!;
            } else v = 'n/a';
          } else v = 'n/a';
        } else if (!p.localtimeSame) v = 'n/a';
      }
      out.name = v;
    }
  }
  return out;
}

const sameValues = (a: Values, b: Values) => JSON.stringify(a) === JSON.stringify(b);
const order = (v: Values, keys: Key[]): Values => Object.fromEntries(keys.map((k) => [k, v[k]]));

export const timezoneModule = defineModule<TimezoneArgs>({
  name: 'timezone',
  aliases: ['community.general.timezone'],
  description: "Set the system time zone and the hardware clock's UTC/local setting, as community.general.timezone on Linux.",
  args: timezoneArgs,
  returns: { diff: 'before / after: {hwclock?, name?}', msg: 'what was executed (when something was)' },
  probes: (a): Probe[] => [{ key: 'tz', cmd: raw(probeScript(a)), parse: parseProbe }],
  plan(a, ctx): Plan {
    const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });
    const abort = (msg: string, log: string[] = []) => ['Error message:', msg, ...(log.length ? ['Other message(s):', ...log] : [])].join('\n');
    if (a.hwclock === undefined && a.name === undefined) return fail('one of the following is required: hwclock, name');
    const p = ctx.probed.tz as TzProbe;
    const keys = (['hwclock', 'name'] as const).filter((k) => a[k] !== undefined);
    const planned: Values = order({ hwclock: a.hwclock, name: a.name }, keys);
    const commands: Command[] = [];
    const log: string[] = [];
    let before: Values;
    let readAfter: (outputs: RunResult[]) => Values | string;

    if (p.systemd) {
      if (a.name !== undefined && !p.zoneFile) return fail(abort(`given timezone "${a.name}" is not available`));
      const t = p.bins.timedatectl!;
      const b = fromStatus(p.status, keys);
      if (typeof b === 'string') return fail(b);
      before = b;
      for (const k of keys) {
        if (before[k] === planned[k]) continue;
        const words = k === 'hwclock' ? [t, 'set-local-rtc', planned.hwclock === 'local' ? 'yes' : 'no'] : [t, 'set-timezone', planned.name!];
        commands.push({ kind: 'shell', cmd: argv(words), describe: words.join(' ') });
        log.push(`executed \`${words.join(' ')}\``);
      }
      if (commands.length) commands.push({ kind: 'shell', cmd: raw(`${quote(t)} status`), describe: 'timedatectl status' });
      readAfter = (outs) => fromStatus(outs[outs.length - 1]?.stdout ?? '', keys);
    } else {
      if (a.name !== undefined && !p.zoneFile) return fail(abort(`given timezone "${a.name}" is not available`));
      const c = noSystemdConfig(a, p, ctx.facts.os.id, ctx.facts.os.family);
      if (typeof c === 'string') return fail(c);
      before = noSystemdGet(c, p, planned, keys);
      const after: TzProbe = { ...p, files: { ...p.files } };
      for (const k of keys) {
        if (before[k] === planned[k]) continue;
        if (k === 'name') {
          const e = editZoneFile(p.files[c.nameFile], c.nameRe, c.nameLine(planned.name!));
          after.files[c.nameFile] = e.text;
          commands.push({
            kind: 'shell',
            cmd: raw(`printf %s ${quote(Buffer.from(e.text).toString('base64'))} | base64 -d > ${quote(c.nameFile)}`),
            describe: `write ${c.nameFile}`,
          });
          log.push(`Added 1 line and deleted ${e.deleted} line(s) on ${c.nameFile}`);
          for (const u of c.updateTimezone) commands.push({ kind: 'shell', cmd: raw(u), describe: u });
          after.localtimeLink = c.updateTimezone.some((u) => u.includes(' -sf ')) ? `/usr/share/zoneinfo/${planned.name}` : undefined;
          after.localtimeExists = true;
          after.localtimeSame = true;
        } else {
          const utc = planned.hwclock === 'local' ? 'no' : 'yes';
          if (c.hwclockFile) {
            const e = editZoneFile(after.files[c.hwclockFile], /^UTC\s*=\s*(\S+)/m, `UTC=${utc}\n`);
            after.files[c.hwclockFile] = e.text;
            commands.push({
              kind: 'shell',
              cmd: raw(`printf %s ${quote(Buffer.from(e.text).toString('base64'))} | base64 -d > ${quote(c.hwclockFile)}`),
              describe: `write ${c.hwclockFile}`,
            });
            log.push(`Added 1 line and deleted ${e.deleted} line(s) on ${c.hwclockFile}`);
          }
          const words = [p.bins.hwclock!, '--systohc', planned.hwclock === 'local' ? '--localtime' : '--utc'];
          commands.push({ kind: 'shell', cmd: argv(words), describe: words.join(' ') });
          log.push(`executed \`${words.join(' ')}\``);
          after.files['/etc/adjtime'] = planned.hwclock === 'local' ? 'LOCAL\n' : 'UTC\n';
        }
      }
      const predicted = noSystemdGet(c, after, planned, keys);
      readAfter = () => predicted;
    }
    before = order(before, keys);
    const changed = !sameValues(before, planned);
    const result = (after: Values, msgs: string[]): Record<string, unknown> => ({
      changed: !sameValues(before, after),
      diff: { before, after },
      ...(msgs.length ? { msg: msgs.join('\n') } : {}),
    });
    // the callback shows a dict diff as sorted, indented JSON
    const show = (v: Values) => `${JSON.stringify(Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1))), null, 4)}\n`;
    const diff = changed ? [{ path: 'timezone', before: show(before), after: show(planned), beforeHeader: 'before', afterHeader: 'after' }] : undefined;
    if (ctx.check || !changed) return { changed, commands: ctx.check ? commands : [], diff, result: result(planned, []) };
    return {
      changed,
      commands,
      diff,
      result: result(planned, log),
      interpret(outputs: RunResult[]): Outcome {
        const last = outputs[outputs.length - 1];
        if (last && last.rc !== 0) {
          // run_command(check_rc=True): the first failing command ends the module with its stderr
          const msg = last.stderr.replace(/\s+$/, '');
          return { changed: false, failed: msg, result: { msg, rc: last.rc, stdout: last.stdout, stderr: last.stderr } };
        }
        const after = readAfter(outputs);
        if (typeof after === 'string') return { changed: false, failed: after, result: { msg: after } };
        const ordered = order(after, keys);
        if (!sameValues(ordered, planned)) {
          const msg = abort(`still not desired state, though changes have made - planned: ${pyDict(planned)}, after: ${pyDict(ordered)}`, log);
          return { changed: false, failed: msg, result: { msg } };
        }
        return { changed: !sameValues(before, ordered), result: result(ordered, log) };
      },
    };
  },
});

/** str() of a small dict of strings, as Python prints it. */
function pyDict(v: Values): string {
  return `{${Object.entries(v)
    .map(([k, x]) => `'${k}': '${x}'`)
    .join(', ')}}`;
}
