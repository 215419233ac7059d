import { z } from 'zod';
import { posix } from 'node:path';
import { sh } from '../../commands/quote.js';
import { defineModule, type Plan, type PlanContext } from '../types.js';
import { fileStateCommand, parseFileState, probeFileState, type FileState } from './state.js';
import { attrArgs, backupFileFrom, bool, editCommands, exclusive, failedPlan, pathInfo, probed, str, withAliases } from './common.js';

/** type='str' as Ansible converts it: a YAML boolean becomes Python's "True"/"False". */
const pyStrArg = z.preprocess((v) => (v === true ? 'True' : v === false ? 'False' : v), str);

const schema = z
  .object({
    path: z.string().min(1),
    section: pyStrArg.nullish(),
    option: pyStrArg.nullish(),
    value: pyStrArg.nullish(),
    // type=list: a string is split on commas, a number becomes a one-item list (check_type_list).
    values: z.preprocess((v) => (typeof v === 'string' ? v.split(',') : typeof v === 'number' ? [String(v)] : v), z.array(pyStrArg)).nullish(),
    backup: bool.default(false),
    state: z.enum(['absent', 'present']).default('present'),
    exclusive: bool.default(true),
    no_extra_spaces: bool.default(false),
    allow_no_value: bool.default(false),
    create: bool.default(true),
    // Only used when an atomic rename fails; tsplay's writes are renamed into place, so it has no effect.
    unsafe_writes: bool.optional(),
    ...attrArgs,
  })
  .strict()
  .superRefine((a, ctx) => exclusive(a, [['value', 'values']], ctx));

export type IniFileArgs = z.infer<typeof schema>;

export interface IniEditOptions {
  section?: string | null;
  option?: string | null;
  values: string[];
  state: 'absent' | 'present';
  exclusive: boolean;
  noExtraSpaces: boolean;
  allowNoValue: boolean;
}

export interface IniEditResult {
  lines: string[];
  changed: boolean;
  msg: string;
}

/** The option is needed where Ansible's module matches lines against it (it crashes on None there). */
export class IniOptionMissing extends Error {}

const reEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** Ansible's match_opt / match_active_opt: `[#;]?` (commented-out lines count) only for the first; group 1 is the value. */
function optionMatcher(option: string | null | undefined, commented: boolean): (line: string) => string | undefined {
  const rx = new RegExp(`^${commented ? '[#;]?' : ''}[ \\t]*${option ? reEscape(option) : ''}[ \\t]*(?:=|(?=\\n?$))[ \\t]*([^\\n]*)`);
  return (line) => {
    if (option === null || option === undefined) throw new IniOptionMissing('option is required here');
    const m = rx.exec(line);
    return m ? m[1]! : undefined;
  };
}

/** `^[ \t]*([#;].*)?$`: a blank or comment line. */
const BLANK_OR_COMMENT = /^[ \t]*(?:[#;][^\n]*)?(?=\n?$)/u;

// Ansible's module puts a section of this name above the first one, so "no section" is a section too.
const FAKE_SECTION = 'ad01e11446efb704fcdbdb21f2c43757423d91c5';

/** community.general 6.6.2's do_ini on the file's lines (text, each ending in \n except perhaps the last). */
export function iniEdit(fileLines: string[], o: IniEditOptions): IniEditResult {
  const values: string[] = [];
  for (const v of o.values) if (!values.includes(v)) values.push(v);
  const option = o.option;
  const matchOpt = optionMatcher(option, true);
  const matchActive = optionMatcher(option, false);
  const assign = (opt: string, v: string): string => (o.noExtraSpaces ? `${opt}=${v}\n` : `${opt} = ${v}\n`);
  const ini = [...fileLines];
  let changed = false;
  if (ini.length === 0) ini.push('\n');
  const last = ini[ini.length - 1]!;
  if (!last.endsWith('\n')) {
    ini[ini.length - 1] = last + '\n';
    changed = true;
  }
  ini.unshift(`[${FAKE_SECTION}]`);
  ini.push('[');
  const section = o.section ? o.section : FAKE_SECTION;
  let within = false;
  let start = 0;
  let end = 0;
  for (let i = 0; i < ini.length; i++) {
    const line = ini[i]!;
    if (line.startsWith(`[${section}]`)) {
      within = true;
      start = i;
    } else if (line.startsWith('[') && within) {
      end = i;
      break;
    }
  }
  const before = ini.slice(0, start);
  let sec = ini.slice(start, end);
  const after = ini.slice(end);
  const touched: boolean[] = sec.map(() => false);
  let msg = 'OK';
  let noValuePresent = false;
  const update = (index: number, newline: string): void => {
    if (sec[index] !== newline) {
      changed = true;
      msg = 'option changed';
    }
    sec[index] = newline;
    touched[index] = true;
  };

  if (o.state === 'present' && option) {
    for (let index = 0; index < sec.length; index++) {
      const found = matchOpt(sec[index]!);
      if (found === undefined) continue;
      if (values.length > 0 && values.includes(found)) {
        if (!found && o.allowNoValue) {
          update(index, `${option}\n`);
          noValuePresent = true;
        } else update(index, assign(option, found));
        values.splice(values.indexOf(found), 1);
      } else if (values.length === 0 && o.allowNoValue) {
        update(index, `${option}\n`);
        noValuePresent = true;
        break;
      }
    }
  }

  if (o.state === 'present' && o.exclusive && !o.allowNoValue) {
    if (values.length > 0) {
      for (let index = 0; index < sec.length; index++) {
        if (!touched[index] && matchOpt(sec[index]!) !== undefined) {
          update(index, assign(option!, values.shift()!));
          if (values.length === 0) break;
        }
      }
    }
    for (let index = sec.length - 1; index > 0; index--) {
      if (!touched[index] && matchOpt(sec[index]!) !== undefined) {
        sec.splice(index, 1);
        touched.splice(index, 1);
        changed = true;
        msg = 'option changed';
      }
    }
  }

  if (o.state === 'present') {
    for (let index = sec.length; index > 0; index--) {
      if (BLANK_OR_COMMENT.test(sec[index - 1]!)) continue;
      if (option && values.length > 0) {
        sec.splice(index, 0, ...values.map((v) => assign(option, v)));
        msg = 'option added';
        changed = true;
      } else if (option && values.length === 0 && o.allowNoValue && !noValuePresent) {
        sec.splice(index, 0, `${option}\n`);
        msg = 'option added';
        changed = true;
      }
      break;
    }
  }

  if (o.state === 'absent') {
    if (option) {
      let kept: string[] | undefined;
      if (o.exclusive) kept = sec.filter((l) => matchActive(l) === undefined);
      else if (values.length > 0) kept = sec.filter((l) => !values.includes(matchActive(l) ?? '\0none'));
      if (kept && kept.length !== sec.length) {
        changed = true;
        msg = 'option changed';
        sec = kept;
      }
    } else if (sec.length > 0) {
      sec = [];
      msg = 'section removed';
      changed = true;
    }
  }

  const out = [...before, ...sec, ...after];
  // Drop the fake first and last lines (with state=absent and no section, the fake one is already gone
  // with its section, and Ansible drops the file's next line instead: ported as it is).
  out.shift();
  out.pop();

  if (!within && o.state === 'present') {
    out.push(`[${section}]\n`);
    msg = 'section and option added';
    if (option && values.length > 0) for (const v of values) out.push(assign(option, v));
    else if (option && values.length === 0 && o.allowNoValue) out.push(`${option}\n`);
    else msg = 'only section added';
    changed = true;
  }
  return { lines: out, changed, msg };
}

/** Python's text-mode readlines() with utf-8-sig: BOM dropped, \r\n and \r read as \n. */
export function readIniLines(content: Buffer): string[] {
  let text = new TextDecoder('utf-8', { fatal: true }).decode(content);
  if (text.startsWith('\ufeff')) text = text.slice(1);
  text = text.replace(/\r\n?/g, '\n');
  const lines: string[] = [];
  let s = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', s)) {
    lines.push(text.slice(s, i + 1));
    s = i + 1;
  }
  if (s < text.length) lines.push(text.slice(s));
  return lines;
}

/** Plan ini_file from the probed file state. */
export function planIniFile(a: IniFileArgs, st: FileState, ctx: Pick<PlanContext, 'diff' | 'check'> = { diff: true, check: false }): Plan {
  const path = a.path;
  if (a.state === 'present' && !a.allow_no_value && (a.value === null || a.value === undefined) && !a.values?.length) {
    return failedPlan("Parameter 'value(s)' must be defined if state=present and allow_no_value=False.");
  }
  const values = a.value !== null && a.value !== undefined ? [a.value] : (a.values ?? []);
  if (st.resolved?.type === 'directory') return failedPlan(`[Errno 21] Is a directory: '${path}'`);
  const exists = st.exists && st.resolved !== undefined;
  if (!exists && !a.create) return failedPlan(`Destination ${path} does not exist!`, { rc: 257 });
  let lines: string[] = [];
  if (exists) {
    try {
      lines = readIniLines(st.content ?? Buffer.alloc(0));
    } catch {
      return failedPlan(`${path} is not valid UTF-8 (Ansible's ini_file reads it as utf-8-sig and fails too)`);
    }
  }
  let edit: IniEditResult;
  try {
    edit = iniEdit(lines, {
      section: a.section,
      option: a.option,
      values,
      state: a.state,
      exclusive: a.exclusive,
      noExtraSpaces: a.no_extra_spaces,
      allowNoValue: a.allow_no_value,
    });
  } catch (e) {
    if (e instanceof IniOptionMissing) return failedPlan('option is required to set a value in this section (Ansible fails here too, with a TypeError)');
    throw e;
  }
  const before = lines.join('');
  const afterText = edit.lines.join('');
  const content = Buffer.from(afterText, 'utf8');
  // Ansible renames its temp file over the path: a symlink is replaced, not followed.
  const target = { ...st, realPath: undefined };
  const want = { mode: a.mode, owner: a.owner, group: a.group };
  const { commands, attrsChanged } = editCommands({ path, st: target, exists, content, contentChanged: edit.changed, want, backup: a.backup, validate: undefined });
  // Ansible sets attributes only outside check mode (so check mode does not report them) and creates
  // the parent directory even when nothing is written.
  const changed = edit.changed || (attrsChanged && !ctx.check);
  if (!exists && !edit.changed && !ctx.check) {
    const dir = posix.dirname(path);
    if (dir !== '.' && dir !== '/') commands.push({ kind: 'shell', cmd: sh`mkdir -p -- ${dir}`, describe: `mkdir -p ${dir}` });
  }
  const diff = { before: ctx.diff ? before : '', after: ctx.diff ? afterText : '', before_header: `${path} (content)`, after_header: `${path} (content)` };
  const result: Record<string, unknown> = { changed, diff, msg: edit.msg, path };
  if (a.backup && edit.changed && !exists && !ctx.check) result.backup_file = '';
  const plan: Plan = { changed, commands, msg: edit.msg, result: { ...result, ...pathInfo(st) } };
  if (edit.changed && ctx.diff) plan.diff = [{ path, before, after: afterText, beforeHeader: diff.before_header, afterHeader: diff.after_header }];
  if (commands.length > 0) {
    // exit_json's path fields describe the file as the module leaves it: stat it after the write.
    commands.push({ kind: 'shell', cmd: fileStateCommand(path), describe: `stat ${path}`, mayFail: true });
    plan.interpret = (outputs) => {
      // A command before the stat failed: the engine reports which one; nothing counts as changed.
      if (outputs.length < commands.length) return { changed: false, result: {} };
      const backup = backupFileFrom(outputs);
      const last = outputs[commands.length - 1];
      const info = last ? pathInfo(parseFileState(path, last)) : {};
      return { changed, msg: edit.msg, result: { ...result, ...(backup ? { backup_file: backup } : {}), ...info } };
    };
  }
  return plan;
}

export const iniFile = defineModule<IniFileArgs>({
  name: 'ini_file',
  factsFree: true,
  aliases: ['community.general.ini_file'],
  description: "Set, add or remove options and sections in an INI file, community.general's ini_file byte for byte",
  args: withAliases({ dest: 'path' }, schema) as unknown as z.ZodType<IniFileArgs>,
  probes: (a) => [probeFileState(a.path, { content: true, key: 'dest' })],
  plan: (a, ctx) => planIniFile(a, probed<FileState>(ctx.probed, 'dest'), ctx),
  returns: { path: 'the file', diff: 'before/after text (empty without --diff)', backup_file: 'the backup copy, with backup=yes' },
});
