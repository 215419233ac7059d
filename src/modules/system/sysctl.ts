/**
 * `sysctl` (ansible.posix.sysctl): a `key=value` line in a sysctl file, and optionally the live
 * value (`sysctl -w`) and a reload (`sysctl -p FILE`), as ansible.posix's module decides them:
 * the file is rewritten as `key=value` lines (comments and blank lines kept, a repeated key kept
 * once), only when the key's value in the file differs; changed from the file or the live value.
 */
import { z } from 'zod';
import { argv, quote, raw } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { ansibleBoolean } from '../../config/boolean.js';
import { PY_WS } from '../../template/jinja/filters/common.js';
import { defineModule, type Plan, type Probe } from '../types.js';
import { bool, str, withAliases, probeLines, statLine } from './args.js';
import { binPathMessage } from './cron.js';

export const sysctlArgs = withAliases(
  { key: 'name', val: 'value' },
  z.strictObject({
    name: str,
    value: str.optional(),
    state: z.enum(['present', 'absent']).default('present'),
    reload: bool.default(true),
    sysctl_set: bool.default(false),
    ignoreerrors: bool.default(false),
    sysctl_file: str.default('/etc/sysctl.conf'),
  }),
);
export type SysctlArgs = z.infer<typeof sysctlArgs>;

const ENV = 'LANG=C LC_ALL=C LC_MESSAGES=C';
const SBIN = ['/sbin', '/usr/sbin', '/usr/local/sbin'];
/** Errors sysctl reports with rc 0 that ansible still counts as failures. */
const STDERR_FAILED = /^sysctl: setting key "[^"]+": (Invalid argument|Read-only file system)$/m;

const pyStrip = (s: string): string => {
  let a = 0;
  let b = s.length;
  while (a < b && PY_WS.includes(s[a]!)) a++;
  while (b > a && PY_WS.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
};

/** The value as ansible compares it: booleans as 1/0, else stripped ('' when not given). */
export function sysctlValue(v: string | undefined): string {
  if (v === undefined) return '';
  // ansible looks the value up unstripped: ' yes ' is not a boolean there
  const b = v.trim() === v ? ansibleBoolean(v) : undefined;
  if (b !== undefined) return b ? '1' : '0';
  return pyStrip(v);
}

interface SysctlProbe {
  path: string;
  sbin: string[];
  bin?: string;
  /** `sysctl -e -n NAME`: its stdout, or undefined when it failed. */
  live?: string;
  isFile: boolean;
  content: string;
  stat?: { mode: string; uid: string; gid: string };
}

function parseProbe(r: RunResult): SysctlProbe {
  const p: SysctlProbe = { path: '', sbin: [], isFile: false, content: '' };
  let liveRc = 1;
  let live = '';
  for (const [key, v, line] of probeLines(r.stdout)) {
    if (key === 'path') p.path = v;
    else if (key === 'sbin') p.sbin.push(v);
    else if (key === 'bin' && v) p.bin = v;
    else if (key === 'rc') liveRc = Number(v);
    else if (key === 'live') live = Buffer.from(v, 'base64').toString('utf8');
    else if (line === 'file') p.isFile = true;
    else if (line.startsWith('stat ')) p.stat = statLine(line);
    else if (key === 'data') p.content = Buffer.from(v, 'base64').toString('utf8');
  }
  if (p.bin && liveRc === 0) p.live = live;
  return p;
}

/** The file's stripped lines and the last value of each key (ansible's read_sysctl_file). */
export function readSysctlFile(text: string): { lines: string[]; values: Map<string, string> } {
  const lines: string[] = [];
  const values = new Map<string, string>();
  const raw = text === '' ? [] : text.split(/\r\n|\r|\n/);
  if (raw.length && raw[raw.length - 1] === '') raw.pop();
  for (const l of raw) {
    const line = pyStrip(l);
    lines.push(line);
    if (!line || line.startsWith('#') || line.startsWith(';') || !line.includes('=')) continue;
    const i = line.indexOf('=');
    values.set(pyStrip(line.slice(0, i)), pyStrip(line.slice(i + 1)));
  }
  return { lines, values };
}

/** The file ansible writes: key=value lines, the key set (or dropped), other lines kept, a repeated key once. */
export function fixSysctlLines(lines: string[], name: string, value: string, present: boolean): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of lines) {
    if (!line || line.startsWith('#') || line.startsWith(';') || !line.includes('=')) {
      out.push(line);
      continue;
    }
    const i = line.indexOf('=');
    const k = pyStrip(line.slice(0, i));
    if (seen.has(k)) continue;
    seen.add(k);
    if (k === name) {
      if (present) out.push(`${k}=${value}`);
    } else out.push(`${k}=${pyStrip(line.slice(i + 1))}`);
  }
  if (!seen.has(name) && present) out.push(`${name}=${value}`);
  return out.map((l) => `${pyStrip(l)}\n`).join('');
}

const sameWords = (a: string | undefined, b: string): boolean => {
  if (a === undefined) return false;
  const x = a.split(/\s+/).filter(Boolean);
  const y = b.split(/\s+/).filter(Boolean);
  return x.length === y.length && x.every((w, i) => w === y[i]);
};

function probeScript(a: SysctlArgs): string {
  const f = quote(a.sysctl_file);
  return [
    'printf "path=%s\\n" "$PATH"',
    ...SBIN.map((d) => `[ -d ${d} ] && echo sbin=${d}`),
    `c=$(PATH="$PATH:${SBIN.join(':')}" command -v sysctl) && printf "bin=%s\\n" "$c"`,
    `if [ -n "$c" ]; then o=$(${ENV} "$c" -e -n ${quote(pyStrip(a.name))} 2>/dev/null; r=$?; echo .; exit $r); printf "rc=%s\\n" "$?"; printf "live="; printf %s "\${o%.}" | base64 -w0; echo; fi`,
    `if [ -f ${f} ]; then echo file; stat -L -c "stat %a %u %g" -- ${f}; printf "data="; base64 -w0 < ${f}; echo; fi`,
  ].join('\n');
}

/** A sysctl run that exits 97 when its stderr holds an error sysctl itself returned 0 for. */
function checkedRun(words: string[]): string {
  return `e=$(mktemp) || exit 1; ${ENV} ${argv(words).text} 2>"$e"; r=$?; cat "$e" >&2; if [ $r -eq 0 ] && grep -Eq '^sysctl: setting key "[^"]+": (Invalid argument|Read-only file system)$' "$e"; then r=97; fi; rm -f "$e"; exit $r`;
}

export const sysctlModule = defineModule<SysctlArgs>({
  name: 'sysctl',
  aliases: ['ansible.posix.sysctl'],
  description: 'Set a kernel parameter in a sysctl file (and optionally live and by reload), as ansible.posix.sysctl.',
  args: sysctlArgs,
  probes: (a): Probe[] => [{ key: 'sysctl', cmd: raw(probeScript(a)), parse: parseProbe }],
  plan(a, ctx): Plan {
    const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });
    const present = a.state === 'present';
    if (present && a.value === undefined) return fail('state is present but all of the following are missing: value');
    if (a.name === '') return fail('name cannot be blank');
    if (present && a.value === '') return fail('value cannot be blank');
    const p = ctx.probed.sysctl as SysctlProbe;
    if (!p.bin) return fail(binPathMessage('sysctl', p.path, p.sbin));
    const name = pyStrip(a.name);
    const value = sysctlValue(a.value);
    const file = readSysctlFile(p.isFile ? p.content : '');
    const inFile = file.values.get(name);

    let changed = false;
    let writeFile = false;
    let setLive = false;
    if (inFile === undefined && present) changed = writeFile = true;
    else if (inFile === undefined) changed = false;
    else if (inFile && !present) changed = writeFile = true;
    else if (inFile !== value) changed = writeFile = true;
    else if (a.reload && !sameWords(p.live, value)) changed = true;
    if (a.sysctl_set && present && !sameWords(p.live, value)) {
      changed = true;
      if (p.live !== undefined) setLive = true;
    }

    const commands: Command[] = [];
    const steps: Array<'set' | 'write' | 'reload'> = [];
    if (setLive) {
      const v = value.split(/\s+/).filter(Boolean).length > 0 ? value : '';
      commands.push({ kind: 'shell', cmd: raw(checkedRun([p.bin, ...(a.ignoreerrors ? ['-e'] : []), '-w', `${name}=${v}`])), describe: `sysctl -w ${name}=${v}` });
      steps.push('set');
    }
    const after = writeFile ? fixSysctlLines(file.lines, name, value, present) : '';
    if (writeFile) {
      commands.push({ kind: 'put', path: a.sysctl_file, content: after, mode: p.stat?.mode ?? '0644', owner: p.stat?.uid, group: p.stat?.gid, describe: `write ${a.sysctl_file}` });
      steps.push('write');
    }
    if (changed && a.reload) {
      commands.push({
        kind: 'shell',
        cmd: raw(checkedRun([p.bin, ...(a.ignoreerrors ? ['-e'] : []), '-p', a.sysctl_file])),
        describe: `sysctl -p ${a.sysctl_file}`,
        mayFail: true,
      });
      steps.push('reload');
    }
    return {
      changed,
      commands,
      diff: writeFile ? [{ path: a.sysctl_file, before: p.isFile ? p.content : '', after }] : undefined,
      result: { changed },
      interpret(outputs: RunResult[]) {
        for (const [i, o] of outputs.entries()) {
          const failedStep = o.rc !== 0 || STDERR_FAILED.test(o.stderr);
          if (steps[i] === 'set' && failedStep) {
            const msg = `setting ${name} failed: ${o.stdout}${o.stderr}`;
            return { changed: false, failed: msg, result: { msg } };
          }
          if (steps[i] === 'reload' && failedStep) {
            const msg = `Failed to reload sysctl: ${o.stdout}${o.stderr}`;
            return { changed: false, failed: msg, result: { msg } };
          }
        }
        return { changed, result: { changed } };
      },
    };
  },
});
