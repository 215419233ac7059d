/**
 * `pam_limits` (community.general): set one limit in a limits.conf-style file as community.general's
 * module does — lines compared by domain/type/item after collapsing whitespace, a changed or new line
 * written `domain<TAB>type<TAB>item<TAB>value[<TAB>#comment]`, use_max/use_min, an existing line's
 * comment carried over, and the module's always-present `diff` result. Its quirks are kept (a
 * missing file is created before the arguments are checked; a comment met on any earlier line
 * is reused for the written line).
 */
import { z } from 'zod';
import { sh } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { PY_WS } from '../../template/jinja/filters/common.js';
import { strRepr } from '../../template/jinja/py.js';
import { backupCommand, backupFileFrom, bool, str } from '../files/common.js';
import { probeFileState, type FileState } from '../files/state.js';
import { defineModule, type Plan, type Probe } from '../types.js';
import { pyDirname, strictUtf8, universalNewlines } from './paths.js';

const ITEMS = [
  'core',
  'data',
  'fsize',
  'memlock',
  'nofile',
  'rss',
  'stack',
  'cpu',
  'nproc',
  'as',
  'maxlogins',
  'maxsyslogins',
  'priority',
  'locks',
  'sigpending',
  'msgqueue',
  'nice',
  'rtprio',
  'chroot',
] as const;

export const pamLimitsArgs = z.strictObject({
  domain: str,
  limit_type: z.enum(['soft', 'hard', '-']),
  limit_item: z.enum(ITEMS),
  value: str,
  use_max: bool.default(false),
  use_min: bool.default(false),
  backup: bool.default(false),
  dest: str.default('/etc/security/limits.conf'),
  comment: str.default(''),
});
export type PamLimitsArgs = z.infer<typeof pamLimitsArgs>;

const UNLIMITED = ['unlimited', 'infinity', '-1'];
const WS = `[${PY_WS.replace(/[\\\]^-]/g, '\\$&')}]`;
const WS_RUN = new RegExp(`${WS}+`, 'gu');
const strip = (s: string) => s.replace(new RegExp(`^${WS}+|${WS}+$`, 'gu'), '');
const rstrip = (s: string) => s.replace(new RegExp(`${WS}+$`, 'u'), '');
/** Python's str.isdigit (decimal digits of any script, and the superscript/subscript digits). */
const isDigits = (s: string) => /^[\p{Nd}\u00b2\u00b3\u00b9\u2070\u2074-\u2079\u2080-\u2089]+$/u.test(s);
/** Python's int(str) for the forms it accepts (sign, surrounding spaces, underscores between digits). */
function pyInt(s: string): number | undefined {
  const t = strip(s);
  return /^[+-]?\d+(_\d+)*$/.test(t) ? Number(t.replace(/_/g, '')) : undefined;
}

/** The module's value check; undefined when the value is valid. */
export function invalidLimitValue(item: string, value: string, prefix = ''): string | undefined {
  if (item === 'nice' || item === 'priority') {
    const n = pyInt(value);
    if (n !== undefined && n >= -20 && n <= 19) return undefined;
    return `${prefix} Value of ${strRepr(value)} for item ${strRepr(item)} is invalid. Value must be a number in the range -20 to 19 inclusive. Refer to the limits.conf(5) manual pages for more details.`;
  }
  if (UNLIMITED.includes(value) || isDigits(value)) return undefined;
  return `${prefix} Value of ${strRepr(value)} for item ${strRepr(item)} is invalid. Value must either be 'unlimited', 'infinity' or -1, all of which indicate no limit, or a limit of 0 or larger. Refer to the limits.conf(5) manual pages for more details.`;
}

/** Lines split after each LF (the module iterates a binary file). */
function lfLines(s: string): string[] {
  const out = s.split(/(?<=\n)/);
  return out.length === 1 && out[0] === '' ? [] : out;
}

/** What the module makes of the file's text: the new text, changed, its msg (the line it wrote or found). */
export function editLimits(text: string, a: PamLimitsArgs, dest: string): { content: string; changed: boolean; msg: string } | { error: string } {
  let comment = a.comment;
  let newValue = a.value;
  let found = false;
  let changed = false;
  let msg = '';
  const out: string[] = [];
  const limitLine = () => {
    if (comment) comment = `\t#${comment}`;
    return `${a.domain}\t${a.limit_type}\t${a.limit_item}\t${newValue}${comment}\n`;
  };
  for (const line of lfLines(text)) {
    if (line.startsWith('#')) {
      out.push(line);
      continue;
    }
    let fields = strip(line.replace(WS_RUN, ' '));
    if (!fields) {
      out.push(line);
      continue;
    }
    fields = rstrip(fields.split('#')[0]!);
    const hash = line.indexOf('#');
    if (!comment) comment = hash >= 0 ? line.slice(hash + 1) : '';
    const f = fields.split(' ');
    if (f.length !== 4) {
      out.push(line);
      continue;
    }
    const [domain, type, item, actual] = f as [string, string, string, string];
    const bad = invalidLimitValue(item, actual, `Invalid configuration found in '${dest}'.`);
    if (bad) return { error: bad };
    if (domain !== a.domain || type !== a.limit_type || item !== a.limit_item) {
      out.push(line);
      continue;
    }
    found = true;
    if (a.value === actual) {
      msg = line;
      out.push(line);
      continue;
    }
    // The module tests the limit *type* against nice/priority here, so this is true for every line.
    const actualUnlimited = UNLIMITED.includes(actual);
    const valueUnlimited = UNLIMITED.includes(a.value);
    const n = (s: string) => pyInt(s) ?? Number.NaN;
    if (a.use_max) newValue = actualUnlimited ? actual : valueUnlimited ? a.value : String(Math.max(n(a.value), n(actual)));
    if (a.use_min) newValue = actualUnlimited && valueUnlimited ? actual : actualUnlimited ? a.value : valueUnlimited ? actual : String(Math.min(n(a.value), n(actual)));
    if (newValue === 'NaN') return { error: `invalid literal for int() with base 10: ${strRepr(a.value)}` };
    if (newValue !== actual) {
      changed = true;
      msg = limitLine();
      out.push(msg);
    } else {
      msg = line;
      out.push(line);
    }
  }
  if (!found) {
    changed = true;
    msg = limitLine();
    out.push(msg);
  }
  return { content: out.join(''), changed, msg };
}

interface DirProbe {
  dirOk: boolean;
  fileWritable: boolean;
}

function dirProbe(dest: string): Probe {
  const dir = pyDirname(dest);
  return {
    key: 'limitsdir',
    cmd: sh`if [ -n ${dir} ] && [ -d ${dir} ] && [ -w ${dir} ]; then echo D; fi; if [ -w ${dest} ]; then echo W; fi; true`,
    parse: (r: RunResult): DirProbe => ({ dirOk: r.stdout.split('\n').includes('D'), fileWritable: r.stdout.split('\n').includes('W') }),
  };
}

export const pamLimits = defineModule<PamLimitsArgs>({
  name: 'pam_limits',
  factsFree: true,
  aliases: ['community.general.pam_limits', 'community.general.system.pam_limits'],
  description: "Set a PAM limit in /etc/security/limits.conf (or dest) as community.general's pam_limits",
  args: pamLimitsArgs,
  probes: (a) => [probeFileState(a.dest, { content: true, key: 'limits' }), dirProbe(a.dest)],
  returns: {
    msg: 'the limit line written or found (with its newline)',
    diff: 'before/after text of the file (always returned, as the module does)',
    backup_file: 'the backup made with backup=true',
  },
  plan(a, ctx): Plan {
    const st = ctx.probed.limits as FileState;
    const dir = ctx.probed.limitsdir as DirProbe;
    const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });
    const isFile = st.resolved?.type === 'file';
    const commands: Command[] = [];
    let changed = false;
    if (isFile) {
      if (!dir.fileWritable) return fail(`${a.dest} is not writable. Use sudo`);
    } else {
      const d = pyDirname(a.dest);
      if (!dir.dirOk) return fail(`directory ${d} is not writable (check presence, access rights, use sudo)`);
      if (st.exists) return fail(`[Errno 21] Is a directory: '${a.dest}'`);
      commands.push({ kind: 'shell', cmd: sh`: >> ${a.dest}`, describe: `create ${a.dest}` });
      changed = true;
    }
    if (a.backup) commands.push(backupCommand(a.dest));
    // Failures after the module has created the file (or made its backup): those steps still run.
    const failAfter = (msg: string): Plan => {
      if (ctx.check || commands.length === 0) return fail(msg);
      return { changed: false, commands, result: { msg }, interpret: () => ({ changed: false, failed: msg, result: { msg } }) };
    };
    if (a.use_max && a.use_min) return failAfter('Cannot use use_min and use_max at the same time.');
    const bad = invalidLimitValue(a.limit_item, a.value);
    if (bad) return failAfter(bad);
    const text = isFile ? strictUtf8(st.content ?? Buffer.alloc(0)) : '';
    if (text === undefined) return failAfter(`${a.dest} is not UTF-8 text`);
    const edit = editLimits(text, a, a.dest);
    if ('error' in edit) return failAfter(edit.error);
    changed ||= edit.changed;
    const before = universalNewlines(text);
    const after = universalNewlines(edit.content);
    const result: Record<string, unknown> = { changed, msg: edit.msg, diff: { before, after } };
    // The module always moves its new copy over dest, which replaces a symlink by a file.
    if (edit.content !== text || st.self?.type === 'link') {
      commands.push({
        kind: 'put',
        path: a.dest,
        content: Buffer.from(edit.content, 'utf8'),
        mode: st.resolved?.mode ?? '0644',
        ...(st.resolved ? { owner: String(st.resolved.uid), group: String(st.resolved.gid) } : {}),
        describe: `write ${a.dest}`,
      });
    }
    const plan: Plan = { changed, commands, result, msg: edit.msg };
    if (ctx.diff && before !== after) plan.diff = [{ path: a.dest, before, after, beforeHeader: 'before', afterHeader: 'after' }];
    if (a.backup && commands.length > 0)
      plan.interpret = (outputs) => {
        const file = backupFileFrom(outputs);
        return { changed, msg: edit.msg, result: { ...result, ...(file ? { backup_file: file } : {}) } };
      };
    return plan;
  },
});
