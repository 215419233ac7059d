/**
 * `locale_gen` (community.general.locale_gen, collection 6.6.2): make a locale present or absent, as
 * the module does it. Debian: the locale's line in /etc/locale.gen is (un)commented, then
 * `locale-gen` runs; Ubuntu (a /var/lib/locales/supported.d/ dir): `locale-gen NAME`, or the name
 * taken out of supported.d/local and `locale-gen --purge`. "Available" means listed in
 * /etc/locale.gen (Ubuntu: /usr/share/i18n/SUPPORTED); "present" means in `locale -a`.
 */
import { z } from 'zod';
import { quote, raw } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { universalNewlines } from '../access/paths.js';
import { compilePyRegex, pySubn, PyRegexError, readLines } from '../files/pyregex.js';
import { defineModule, type Outcome, type Plan, type Probe } from '../types.js';
import { str } from './args.js';

const schema = z.strictObject({ name: str, state: z.enum(['absent', 'present']).optional() });
export type LocaleGenArgs = z.infer<typeof schema>;

const LOCALE_GEN = '/etc/locale.gen';
const SUPPORTED = '/usr/share/i18n/SUPPORTED';
const UBUNTU_DIR = '/var/lib/locales/supported.d/';
const UBUNTU_LOCAL = '/var/lib/locales/supported.d/local';

/** What the probe read. */
export interface LocaleProbe {
  mode: 'ubuntu' | 'debian' | 'none';
  /** The available-locales file's text (undefined: unreadable). */
  available?: string;
  /** /etc/locale.gen's mode/uid/gid (kept when it is rewritten). */
  stat?: { mode: string; uid: string; gid: string };
  /** `locale -a` output. */
  present: string;
  /** Ubuntu's supported.d/local. */
  local?: string;
}

function probeScript(): string {
  const b64 = (p: string) => `base64 -w0 < ${quote(p)} 2>/dev/null`;
  return [
    `if [ -d ${UBUNTU_DIR} ]; then echo mode=ubuntu; f=${SUPPORTED}; elif [ -e ${LOCALE_GEN} ]; then echo mode=debian; f=${LOCALE_GEN}; else echo mode=none; f=; fi`,
    `if [ -n "$f" ] && [ -r "$f" ]; then printf 'avail='; base64 -w0 < "$f"; echo; fi`,
    `if [ -e ${LOCALE_GEN} ]; then stat -L -c 'stat %a %u %g' -- ${LOCALE_GEN}; fi`,
    `printf 'present='; locale -a 2>/dev/null | base64 -w0; echo`,
    `if [ -r ${UBUNTU_LOCAL} ]; then printf 'local='; ${b64(UBUNTU_LOCAL)}; echo; fi`,
  ].join('\n');
}

export function parseLocaleProbe(r: RunResult): LocaleProbe {
  const p: LocaleProbe = { mode: 'none', present: '' };
  const text = (v: string) => Buffer.from(v, 'base64').toString('utf8');
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('mode=')) p.mode = line.slice(5) as LocaleProbe['mode'];
    else if (line.startsWith('avail=')) p.available = text(line.slice(6));
    else if (line.startsWith('present=')) p.present = text(line.slice(8));
    else if (line.startsWith('local=')) p.local = text(line.slice(6));
    else if (line.startsWith('stat ')) {
      const [, mode, uid, gid] = line.split(' ');
      p.stat = { mode: (mode ?? '644').padStart(4, '0'), uid: uid ?? '0', gid: gid ?? '0' };
    }
  }
  return p;
}

/** locale -a may print the charset in another case: the module's normalisation before comparing. */
const NORMALISE: Array<[string, string]> = [
  ['.utf8', '.UTF-8'],
  ['.eucjp', '.EUC-JP'],
  ['.iso885915', '.ISO-8859-15'],
  ['.cp1251', '.CP1251'],
  ['.koi8r', '.KOI8-R'],
  ['.armscii8', '.ARMSCII-8'],
  ['.euckr', '.EUC-KR'],
  ['.gbk', '.GBK'],
  ['.gb18030', '.GB18030'],
  ['.euctw', '.EUC-TW'],
];
const fixCase = (s: string) => NORMALISE.reduce((acc, [from, to]) => acc.split(from).join(to), s);

/** Is `name` listed as `NAME CHARSET` (Debian: possibly commented out) in the available-locales text? */
export function isAvailable(name: string, text: string, ubuntu: boolean): boolean {
  const line = ubuntu ? /^(\S+_\S+) (\S+)\s*$/ : /^#?\s*(\S+_\S+) (\S+)\s*$/;
  return readLines(universalNewlines(text)).some((l) => line.exec(l)?.[1] === name);
}

/** Is `name` in `locale -a`'s output? */
export function isPresent(name: string, localeA: string): boolean {
  return localeA.split(/\r\n|\r|\n/).some((l) => fixCase(l) === fixCase(name));
}

/**
 * /etc/locale.gen with the locale's line (un)commented: the module's re.sub on each line, the name
 * used as a regular expression (as the module does, so `.` matches any character).
 */
export function setLocale(text: string, name: string, enabled: boolean): string {
  const rx = compilePyRegex(`#{0,1}\\s*${name} (?P<charset>.+)`, { unicode: true });
  const template = enabled ? `${name} \\g<charset>` : `# ${name} \\g<charset>`;
  return readLines(universalNewlines(text))
    .map((l) => pySubn(rx, template, l).text)
    .join('');
}

/** `locale-gen [args]` as the module's subprocess.call: a missing program is Python's ENOENT. */
function localeGenCommand(args: string[]): Command {
  const words = ['locale-gen', ...args].map((w) => quote(w)).join(' ');
  return { kind: 'shell', cmd: raw(`if command -v locale-gen >/dev/null 2>&1; then ${words} >&2; else echo tsplay-no-locale-gen; exit 127; fi`), mayFail: true, describe: words };
}

function interpretLocaleGen(name: string, r: RunResult | undefined): Outcome {
  if (!r) return { changed: true, failed: 'locale-gen did not run' };
  if (r.rc === 127 && r.stdout.includes('tsplay-no-locale-gen')) {
    const msg = "[Errno 2] No such file or directory: 'locale-gen'";
    return { changed: false, failed: msg, result: { msg, exitValue: 2 } };
  }
  if (r.rc !== 0) {
    const msg = `[Errno ${r.rc}] locale.gen failed to execute, it returned ${r.rc}`;
    return { changed: false, failed: msg, result: { msg, exitValue: r.rc } };
  }
  return { changed: true, result: { name, msg: 'OK' } };
}

export function planLocaleGen(a: LocaleGenArgs, p: LocaleProbe, check: boolean): Plan {
  const state = a.state ?? 'present';
  const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });
  if (p.mode === 'none') return fail('/etc/locale.gen and /var/lib/locales/supported.d/local are missing. Is the package "locales" installed?');
  const ubuntu = p.mode === 'ubuntu';
  if (p.available === undefined) return fail(`[Errno 2] No such file or directory: '${ubuntu ? SUPPORTED : LOCALE_GEN}'`);
  if (!isAvailable(a.name, p.available, ubuntu)) return fail("The locale you've entered is not available on your system.");
  const changed = (isPresent(a.name, p.present) ? 'present' : 'absent') !== state;
  if (check) return { changed, commands: [], result: {} };
  if (!changed) return { changed: false, commands: [], result: { name: a.name, msg: 'OK' } };
  const commands: Command[] = [];
  if (!ubuntu) {
    let after: string;
    try {
      after = setLocale(p.available, a.name, state === 'present');
    } catch (e) {
      if (e instanceof PyRegexError) return fail(`locale_gen: the name is used as a regular expression by the module and this one is invalid: ${e.message}`);
      throw e;
    }
    commands.push({ kind: 'put', path: LOCALE_GEN, content: after, mode: p.stat?.mode ?? '0644', owner: p.stat?.uid, group: p.stat?.gid, describe: `write ${LOCALE_GEN}` });
    commands.push(localeGenCommand([]));
  } else if (state === 'present') {
    commands.push(localeGenCommand([a.name]));
  } else {
    const lines = readLines(universalNewlines(p.local ?? ''));
    const kept: string[] = [];
    for (const l of lines) {
      const parts = l.split(' ');
      if (parts.length !== 2) return fail(`MODULE FAILURE: ${UBUNTU_LOCAL}: line ${JSON.stringify(l)} is not 'NAME CHARSET' (the module's split fails)`);
      if (parts[0] !== a.name) kept.push(l);
    }
    commands.push({ kind: 'put', path: UBUNTU_LOCAL, content: kept.join(''), mode: '0644', describe: `write ${UBUNTU_LOCAL}` });
    commands.push(localeGenCommand(['--purge']));
  }
  return { changed: true, commands, interpret: (outputs) => interpretLocaleGen(a.name, outputs[outputs.length - 1]) };
}

export const localeGenModule = defineModule<LocaleGenArgs>({
  name: 'locale_gen',
  aliases: ['community.general.locale_gen'],
  description: 'Make a locale present or absent (/etc/locale.gen + locale-gen, or Ubuntu’s supported.d), as community.general.locale_gen',
  args: schema,
  probes: (): Probe[] => [{ key: 'locale', cmd: raw(probeScript()), parse: parseLocaleProbe }],
  plan: (a, ctx) => planLocaleGen(a, ctx.probed['locale'] as LocaleProbe, ctx.check),
  returns: { name: 'the locale (not in check mode)', msg: 'OK', exitValue: "locale-gen's exit status when it failed" },
});
