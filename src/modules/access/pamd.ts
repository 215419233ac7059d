/**
 * `pamd` (community.general): edit one rule of a PAM service file (/etc/pam.d/NAME) as
 * community.general's module does. The file is read into a chain of lines (comments, @include lines,
 * blank lines kept verbatim; rules parsed into type, control, module path and arguments); one
 * action edits the chain; when anything changed the whole file is written back with every rule
 * re-formatted (`type` padded to 11 columns, single spaces) and a "# Updated by Ansible - <time>"
 * line as the second line. The module's quirks are kept: inserting before/after a rule drops the
 * comments and blank lines between it and its neighbouring rule, an indented comment fails
 * validation, a new control compared unnormalised always counts as a change.
 */
import { z } from 'zod';
import type { Command } from '../../commands/types.js';
import { PY_WS } from '../../template/jinja/filters/common.js';
import { backupCommand, backupFileFrom, bool, str } from '../files/common.js';
import { probeFileState, type FileState } from '../files/state.js';
import { defineModule, type Plan } from '../types.js';
import { strictUtf8, universalNewlines } from './paths.js';

const VALID_TYPES = ['account', '-account', 'auth', '-auth', 'password', '-password', 'session', '-session'] as const;
const SIMPLE_CONTROLS = ['required', 'requisite', 'sufficient', 'optional', 'include', 'substack', 'definitive'];
const CONTROL_VALUES = [
  'success',
  'open_err',
  'symbol_err',
  'service_err',
  'system_err',
  'buf_err',
  'perm_denied',
  'auth_err',
  'cred_insufficient',
  'authinfo_unavail',
  'user_unknown',
  'maxtries',
  'new_authtok_reqd',
  'acct_expired',
  'session_err',
  'cred_unavail',
  'cred_expired',
  'cred_err',
  'no_module_data',
  'conv_err',
  'authtok_err',
  'authtok_recover_err',
  'authtok_lock_busy',
  'authtok_disable_aging',
  'try_again',
  'ignore',
  'abort',
  'authtok_expired',
  'module_unknown',
  'bad_item',
  'conv_again',
  'incomplete',
  'default',
];
const CONTROL_ACTIONS = ['ignore', 'bad', 'die', 'ok', 'done', 'reset'];

/** type=list elements=str: a string is split on commas, a number becomes a one-item list. */
const strList = z.preprocess((v) => (typeof v === 'string' ? v.split(',') : typeof v === 'number' ? [String(v)] : v), z.array(str));

export const pamdArgs = z.strictObject({
  name: str,
  type: z.enum(VALID_TYPES),
  control: str,
  module_path: str,
  new_type: z.enum(VALID_TYPES).nullish(),
  new_control: str.nullish(),
  new_module_path: str.nullish(),
  module_arguments: strList.nullish(),
  state: z.enum(['absent', 'after', 'args_absent', 'args_present', 'before', 'updated']).default('updated'),
  path: str.default('/etc/pam.d'),
  backup: bool.default(false),
});
export type PamdArgs = z.infer<typeof pamdArgs>;

/** The module crashes here (a Python exception): the task fails as Ansible's MODULE FAILURE does. */
export class PamdCrash extends Error {}

const WSCLASS = PY_WS.replace(/[\\\]^-]/g, '\\$&');
const W = `[${WSCLASS}]`;
const NW = `[^${WSCLASS}]`;
const RULE_RX = new RegExp(`(-?(?:auth|account|session|password))${W}+(\\[.*\\]|${NW}*)${W}+(${NW}*)${W}*(.*)`, 'u');
const ARG_RX = new RegExp(`\\[[^\\n]*\\]|${NW}+`, 'gu');
const pyStrip = (s: string) => s.replace(new RegExp(`^${W}+|${W}+$`, 'gu'), '');
const pyLstrip = (s: string) => s.replace(new RegExp(`^${W}+`, 'u'), '');

/** Python's str.splitlines (no keepends). */
export function pySplitlines(s: string): string[] {
  const out = s.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/u);
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** The module's parse_module_arguments: each item split into bracketed groups and non-space runs. */
export function parseModuleArguments(v: string | string[] | null | undefined, returnNone: true): string[] | null;
export function parseModuleArguments(v: string | string[] | null | undefined): string[];
export function parseModuleArguments(v: string | string[] | null | undefined, returnNone = false): string[] | null {
  if (v === null || v === undefined) return returnNone ? null : [];
  if (Array.isArray(v) && v.length === 1 && !v[0]) return [];
  const items = Array.isArray(v) ? v : [v];
  return items.flatMap((item) => [...item.matchAll(ARG_RX)].map((m) => m[0]).filter((t) => t !== ''));
}

interface Node {
  prev: Node | null;
  next: Node | null;
}
interface TextLine extends Node {
  kind: 'comment' | 'include' | 'empty';
  line: string;
}
interface Rule extends Node {
  kind: 'rule';
  type: string;
  /** A bracketed control is kept as its list of value=action words. */
  control: string | string[];
  path: string;
  args: string[];
}
type Line = TextLine | Rule;

/** The control setter: `[a = b c=d]` becomes the words `a=b`, `c=d` (split on single spaces). */
function setControl(control: string): string | string[] {
  if (!control.startsWith('[')) return control;
  return control.split(' = ').join('=').replace(/[[\]]/g, '').split(' ');
}
const controlText = (r: Rule): string => (Array.isArray(r.control) ? `[${r.control.join(' ')}]` : r.control);
const ruleText = (r: Rule): string => `${r.type.padEnd(11)}${controlText(r)} ${r.path}${r.args.length > 0 ? ` ${r.args.join(' ')}` : ''}`;
const lineText = (l: Line): string => (l.kind === 'rule' ? ruleText(l) : l.line);

function newRule(type: string, control: string, path: string, args: string[] | null | undefined): Rule {
  return { kind: 'rule', prev: null, next: null, type, control: setControl(control), path, args: parseModuleArguments(args) };
}

const matches = (l: Line | null, type: string | null | undefined, control: string | null | undefined, path: string | null | undefined): boolean =>
  l !== null && l.kind === 'rule' && l.type === type && controlText(l) === control && l.path === path;
const isFiller = (l: Line | null): boolean => l !== null && (l.kind === 'comment' || l.kind === 'empty');

/** A PAM service file as the module's doubly linked list of lines. */
export class PamdService {
  head: Line | null = null;
  tail: Line | null = null;

  constructor(content: string) {
    for (const line of pySplitlines(content)) {
      const l = pyLstrip(line);
      if (l.startsWith('#')) this.append({ kind: 'comment', line, prev: null, next: null });
      else if (l.startsWith('@include')) this.append({ kind: 'include', line, prev: null, next: null });
      else if (pyStrip(line) === '') this.append({ kind: 'empty', line, prev: null, next: null });
      else {
        const m = RULE_RX.exec(line);
        if (!m) throw new PamdCrash(`a line of the file is not a PAM rule (the module crashes on it: AttributeError): ${line}`);
        const rule = newRule(m[1]!, m[2]!, m[3]!, parseModuleArguments(m[4]!));
        this.append(rule);
      }
    }
  }

  private append(l: Line): void {
    if (this.tail === null) this.head = this.tail = l;
    else {
      l.prev = this.tail;
      this.tail.next = l;
      this.tail = l;
    }
  }

  lines(): Line[] {
    const out: Line[] = [];
    for (let l = this.head; l !== null; l = l.next as Line | null) out.push(l);
    return out;
  }

  get(type: string, control: string, path: string): Rule[] {
    return this.lines().filter((l): l is Rule => matches(l, type, control, path));
  }

  remove(type: string, control: string, path: string): number {
    let changes = 0;
    for (let cur = this.head; cur !== null; cur = cur.next as Line | null) {
      if (!matches(cur, type, control, path)) continue;
      const next = cur.next as Line | null;
      if (cur.prev !== null) {
        cur.prev.next = next;
        if (next !== null) next.prev = cur.prev;
      } else {
        if (next === null) throw new PamdCrash("removing the file's only line (the module crashes here: AttributeError)");
        this.head = next;
        next.prev = null;
      }
      changes++;
    }
    return changes;
  }

  updateRule(a: PamdArgs): number {
    const newArgs = parseModuleArguments(a.module_arguments, true);
    let changes = 0;
    for (const r of this.get(a.type, a.control, a.module_path)) {
      let changed = false;
      if (a.new_type && r.type !== a.new_type) {
        changed = true;
        r.type = a.new_type;
      }
      if (a.new_control && controlText(r) !== a.new_control) {
        changed = true;
        r.control = setControl(a.new_control);
      }
      if (a.new_module_path && r.path !== a.new_module_path) {
        changed = true;
        r.path = a.new_module_path;
      }
      if (newArgs !== null && r.args.join('\0') !== newArgs.join('\0')) {
        changed = true;
        r.args = parseModuleArguments(newArgs);
      }
      if (changed) changes++;
    }
    return changes;
  }

  insertBefore(a: PamdArgs): number {
    let changes = 0;
    for (const cur of this.get(a.type, a.control, a.module_path)) {
      const rule = newRule(a.new_type!, a.new_control!, a.new_module_path!, a.module_arguments);
      let prev = cur.prev as Line | null;
      while (isFiller(prev)) prev = prev!.prev as Line | null;
      if (prev !== null && !matches(prev, a.new_type, a.new_control, a.new_module_path)) {
        // Linked straight to the previous rule: the comments and blank lines between are dropped.
        prev.next = rule;
        rule.prev = prev;
        rule.next = cur;
        cur.prev = rule;
        changes++;
      } else if (prev === null) {
        if (cur.prev === null) this.head = rule;
        else cur.prev.next = rule;
        rule.prev = cur.prev;
        rule.next = cur;
        cur.prev = rule;
        changes++;
      }
    }
    return changes;
  }

  insertAfter(a: PamdArgs): number {
    let changes = 0;
    for (const cur of this.get(a.type, a.control, a.module_path)) {
      let next = cur.next as Line | null;
      while (isFiller(next)) next = next!.next as Line | null;
      const rule = newRule(a.new_type!, a.new_control!, a.new_module_path!, a.module_arguments);
      if (next !== null && !matches(next, a.new_type, a.new_control, a.new_module_path)) {
        next.prev = rule;
        rule.next = next;
        rule.prev = cur;
        cur.next = rule;
        changes++;
      } else if (next === null) {
        // Appended after the file's last line, but linked from this rule: trailing comments are dropped.
        rule.prev = this.tail;
        rule.next = null;
        this.tail!.next = rule;
        this.tail = rule;
        cur.next = rule;
        changes++;
      }
    }
    return changes;
  }

  addArguments(type: string, control: string, path: string, toAdd: string[] | null | undefined): number {
    const adding = parseModuleArguments(toAdd);
    const split = (args: string[]) => {
      const simple = new Set<string>();
      const kv = new Map<string, string>();
      for (const arg of args) {
        if (arg.startsWith('[')) continue;
        if (arg.includes('=')) {
          const parts = arg.split('=');
          if (parts.length !== 2) throw new PamdCrash(`the argument ${arg} has more than one '=' (the module crashes on it: ValueError)`);
          kv.set(parts[0]!, parts[1]!);
        } else simple.add(arg);
      }
      return { simple, kv };
    };
    let changes = 0;
    for (const r of this.get(type, control, path)) {
      const want = split(adding);
      const have = split(r.args);
      let changed = false;
      // The module walks Python sets here (their order varies from run to run); tsplay keeps the order given.
      const added = [...want.simple].filter((s) => !have.simple.has(s));
      for (const [k, v] of want.kv) if (!have.kv.has(k)) added.push(`${k}=${v}`);
      if (added.length > 0) {
        r.args = parseModuleArguments([...r.args, ...added]);
        changed = true;
      }
      for (const [k, v] of want.kv) {
        const old = have.kv.get(k);
        if (old === undefined || old === v) continue;
        r.args[r.args.indexOf(`${k}=${old}`)] = `${k}=${v}`;
        changed = true;
      }
      if (changed) changes++;
    }
    return changes;
  }

  removeArguments(type: string, control: string, path: string, toRemove: string[] | null | undefined): number {
    const removing = parseModuleArguments(toRemove);
    let changes = 0;
    for (const r of this.get(type, control, path)) {
      if (!r.args.some((x) => removing.includes(x))) continue;
      r.args = parseModuleArguments(r.args.filter((x) => !removing.includes(x)));
      changes++;
    }
    return changes;
  }

  /** The module's validate: the first invalid line's message, or undefined. */
  invalid(): string | undefined {
    for (const l of this.lines()) {
      if (l.kind === 'comment' && !l.line.startsWith('#')) return `Rule is not valid ${l.line}`;
      if (l.kind === 'include' && !l.line.startsWith('@include')) return `Rule is not valid ${l.line}`;
      if (l.kind !== 'rule') continue;
      const line = ruleText(l);
      if (!(VALID_TYPES as readonly string[]).includes(l.type)) return `Rule type, ${l.type}, is not valid in rule ${line}`;
      if (typeof l.control === 'string') {
        if (!SIMPLE_CONTROLS.includes(l.control)) return `Rule control, ${l.control}, is not valid in rule ${line}`;
        continue;
      }
      for (const c of l.control) {
        const parts = c.split('=');
        if (parts.length !== 2) throw new PamdCrash(`the control word '${c}' is not value=action (the module crashes on it: ValueError)`);
        const [value, action] = parts as [string, string];
        if (!CONTROL_VALUES.includes(value)) return `Rule control value, ${value}, is not valid in rule ${line}`;
        if (!CONTROL_ACTIONS.includes(action) && !isUnsignedInt(action)) return `Rule control action, ${action}, is not valid in rule ${line}`;
      }
    }
    return undefined;
  }

  /** The file text, with the "# Updated by Ansible" mark as its second line. */
  render(mark: string): string {
    const lines = this.lines().map(lineText);
    if (lines.length <= 1) lines.unshift('', mark);
    else if (lines[1]!.startsWith('# Updated by Ansible')) lines[1] = mark;
    else lines.splice(1, 0, mark);
    return `${lines.join('\n')}\n`;
  }
}

/** Python's int(s) >= 0 for the forms int() takes (spaces around, a sign, underscores between digits). */
function isUnsignedInt(s: string): boolean {
  const t = pyStrip(s);
  return /^[+-]?\d+(_\d+)*$/.test(t) && Number(t.replace(/_/g, '')) >= 0;
}

/** Python's datetime.now().isoformat() (the local time of the clock given). */
export function pyIsoNow(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return d.getMilliseconds() === 0 ? base : `${base}.${p(d.getMilliseconds() * 1000, 6)}`;
}

/** os.path.join(path, name). */
export function pamdFile(a: Pick<PamdArgs, 'path' | 'name'>): string {
  if (a.name.startsWith('/') || a.path === '') return a.name;
  return a.path.endsWith('/') ? a.path + a.name : `${a.path}/${a.name}`;
}

/** The edit itself: the action's change count and the file text to write (or the module's failure). */
export function editPamd(content: string, a: PamdArgs, now: Date): { changes: number; text: string } | { error: string } {
  const missing = (need: Array<keyof PamdArgs>) => need.filter((k) => a[k] === undefined || a[k] === null);
  const required: Array<keyof PamdArgs> =
    a.state === 'args_present' || a.state === 'args_absent'
      ? ['module_arguments']
      : a.state === 'before' || a.state === 'after'
        ? ['new_control', 'new_type', 'new_module_path']
        : [];
  const lacking = missing(required);
  if (lacking.length > 0) return { error: `state is ${a.state} but all of the following are missing: ${lacking.join(', ')}` };
  try {
    const service = new PamdService(content);
    let changes = 0;
    if (a.state === 'updated') changes = service.updateRule(a);
    else if (a.state === 'before') changes = service.insertBefore(a);
    else if (a.state === 'after') changes = service.insertAfter(a);
    else if (a.state === 'args_absent') changes = service.removeArguments(a.type, a.control, a.module_path, a.module_arguments);
    else if (a.state === 'args_present') {
      if (parseModuleArguments(a.module_arguments).some((x) => x.startsWith('[')))
        return { error: "Unable to process bracketed '[' complex arguments with 'args_present'. Please use 'updated'." };
      changes = service.addArguments(a.type, a.control, a.module_path, a.module_arguments);
    } else changes = service.remove(a.type, a.control, a.module_path);
    const bad = service.invalid();
    if (bad !== undefined) return { error: bad };
    return { changes, text: changes > 0 ? service.render(`# Updated by Ansible - ${pyIsoNow(now)}`) : content };
  } catch (e) {
    if (e instanceof PamdCrash) return { error: `MODULE FAILURE: ${e.message}` };
    throw e;
  }
}

/** Plan pamd from the probed service file; `now` stamps the "# Updated by Ansible" line. */
export function planPamd(a: PamdArgs, st: FileState, ctx: { check: boolean; diff: boolean }, now: Date = new Date()): Plan {
  const fname = pamdFile(a);
  const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, msg, result: { msg } });
  if (!st.exists || st.resolved === undefined) return fail(`Unable to open/read PAM module file ${fname} with error [Errno 2] No such file or directory: '${fname}'.`);
  if (st.resolved.type === 'directory') return fail(`Unable to open/read PAM module file ${fname} with error [Errno 21] Is a directory: '${fname}'.`);
  const raw = strictUtf8(st.content ?? Buffer.alloc(0));
  if (raw === undefined) return fail(`MODULE FAILURE: ${fname} is not UTF-8 text (the module crashes reading it: UnicodeDecodeError)`);
  const content = universalNewlines(raw);
  const edit = editPamd(content, a, now);
  if ('error' in edit) return fail(edit.error);
  const changed = edit.changes > 0;
  const result: Record<string, unknown> = { changed, change_count: edit.changes, backupdest: '' };
  const commands: Command[] = [];
  if (changed) {
    if (a.backup) commands.push(backupCommand(fname));
    // The module moves its new copy over the file's real path (a symlink stays), keeping mode and owner.
    commands.push({
      kind: 'put',
      path: st.realPath ?? fname,
      content: Buffer.from(edit.text, 'utf8'),
      mode: st.resolved.mode,
      owner: String(st.resolved.uid),
      group: String(st.resolved.gid),
      describe: `write ${fname}`,
    });
  }
  const plan: Plan = { changed, commands, result };
  if (changed && ctx.diff) plan.diff = [{ path: fname, before: content, after: edit.text, beforeHeader: `${fname} (content)`, afterHeader: `${fname} (content)` }];
  if (changed && a.backup)
    plan.interpret = (outputs) => {
      const file = backupFileFrom(outputs);
      return { changed, result: { ...result, backupdest: file ?? '' } };
    };
  return plan;
}

export const pamd = defineModule<PamdArgs>({
  name: 'pamd',
  factsFree: true,
  aliases: ['community.general.pamd', 'community.general.system.pamd'],
  description: "Add, update or remove a rule (or its arguments) in a PAM service file, as community.general's pamd",
  args: pamdArgs,
  probes: (a) => [probeFileState(pamdFile(a), { content: true, key: 'pamd' })],
  plan: (a, ctx) => planPamd(a, ctx.probed.pamd as FileState, ctx),
  returns: {
    change_count: 'how many rules the action changed (or inserted, or removed)',
    backupdest: "the backup file's name with backup=true and a change ('' otherwise)",
  },
});
