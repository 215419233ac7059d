import { z } from 'zod';
import { defineModule, type Plan, type PlanContext } from '../types.js';
import { probeFileState, type FileState } from './state.js';
import { attrArgs, bool, contentDiff, editCommands, exclusive, failedPlan, probed, str, validateProblem, withAliases, withBackupResult } from './common.js';
import { bin, compilePyRegex, expandTemplate, PyRegexError, readLines, rstripChars, unbin, utf8bin, type PyRegex } from './pyregex.js';

const schema = z
  .object({
    path: z.string().min(1),
    state: z.enum(['present', 'absent']).default('present'),
    regexp: str.optional(),
    search_string: str.optional(),
    line: str.optional(),
    insertafter: str.optional(),
    insertbefore: str.optional(),
    backrefs: bool.default(false),
    create: bool.default(false),
    backup: bool.default(false),
    firstmatch: bool.default(false),
    validate: z.string().optional(),
    ...attrArgs,
  })
  .strict()
  .superRefine((a, ctx) => {
    exclusive(
      a,
      [
        ['insertbefore', 'insertafter'],
        ['regexp', 'search_string'],
        ['backrefs', 'search_string'],
      ],
      ctx,
    );
    const v = validateProblem(a.validate);
    if (v) ctx.addIssue({ code: 'custom', message: v, path: ['validate'] });
  });

export type LineInFileArgs = z.infer<typeof schema>;

const LINESEP = '\n';

export interface LineEditResult {
  /** New file content as a binary string. */
  after: string;
  changed: boolean;
  msg: string;
  /** state=absent: how many lines were removed. */
  found?: number;
}

/** Ansible's lineinfile `present()` on a file's lines (binary strings), ported statement by statement. */
export function lineInFilePresent(
  lines: string[],
  a: { regexp?: string; search_string?: string; line: string; insertafter?: string; insertbefore?: string; backrefs: boolean; firstmatch: boolean },
): LineEditResult {
  const bLines = [...lines];
  const insertafter = a.insertbefore === undefined && a.insertafter === undefined ? 'EOF' : a.insertafter;
  const insertbefore = a.insertbefore;
  const reM: PyRegex | undefined = a.regexp !== undefined ? compilePyRegex(a.regexp) : undefined;
  let reIns: PyRegex | undefined;
  if (insertafter !== undefined && insertafter !== 'BOF' && insertafter !== 'EOF') reIns = compilePyRegex(insertafter);
  else if (insertbefore !== undefined && insertbefore !== 'BOF') reIns = compilePyRegex(insertbefore);

  const index = [-1, -1];
  let match: RegExpExecArray | boolean | null = null;
  const bLine = utf8bin(a.line);

  if (reM) {
    for (let n = 0; n < bLines.length; n++) {
      const found = reM.re.exec(bLines[n]!);
      if (found) {
        index[0] = n;
        match = found;
        if (a.firstmatch) break;
      }
    }
  }
  if (a.search_string !== undefined) {
    const ss = utf8bin(a.search_string);
    for (let n = 0; n < bLines.length; n++) {
      if (bLines[n]!.includes(ss)) {
        index[0] = n;
        match = true;
        if (a.firstmatch) break;
      }
    }
  }
  if (!match) {
    for (let n = 0; n < bLines.length; n++) {
      const cur = bLines[n]!;
      if (bLine === rstripChars(cur, '\r\n')) {
        index[0] = n;
      } else if (reIns?.re.exec(cur)) {
        if (insertafter) {
          index[1] = n + 1;
          if (a.firstmatch) break;
        }
        if (insertbefore) {
          index[1] = n;
          if (a.firstmatch) break;
        }
      }
    }
  }

  let msg = '';
  let changed = false;
  const endsWithEol = (s: string): boolean => s.endsWith('\n') || s.endsWith('\r');
  if (index[0] !== -1) {
    let newLine = a.backrefs && match && typeof match !== 'boolean' && reM ? expandTemplate(bLine, match, reM) : bLine;
    if (!newLine.endsWith(LINESEP)) newLine += LINESEP;
    // Ansible has an insert branch here for "(regexp, search_string, match) == (None, None, None) and not
    // exact_line_match"; it cannot be reached (index[0] is only set by a match), so it is left out.
    if (bLines[index[0]!] !== newLine) {
      bLines[index[0]!] = newLine;
      msg = 'line replaced';
      changed = true;
    }
  } else if (a.backrefs) {
    // Ansible does nothing: the backrefs cannot be filled without a match.
  } else if (insertbefore === 'BOF' || insertafter === 'BOF') {
    bLines.unshift(bLine + LINESEP);
    msg = 'line added';
    changed = true;
  } else if (insertafter === 'EOF' || index[1] === -1) {
    if (bLines.length > 0 && !endsWithEol(bLines[bLines.length - 1]!)) bLines.push(LINESEP);
    bLines.push(bLine + LINESEP);
    msg = 'line added';
    changed = true;
  } else if (insertafter && index[1] !== -1) {
    if (bLines.length === index[1]) {
      if (rstripChars(bLines[index[1] - 1]!, '\r\n') !== bLine) {
        bLines.push(bLine + LINESEP);
        msg = 'line added';
        changed = true;
      }
    } else if (bLine !== rstripChars(bLines[index[1]!]!, '\n\r')) {
      bLines.splice(index[1]!, 0, bLine + LINESEP);
      msg = 'line added';
      changed = true;
    }
  } else {
    bLines.splice(index[1]!, 0, bLine + LINESEP);
    msg = 'line added';
    changed = true;
  }
  return { after: bLines.join(''), changed, msg };
}

/** Ansible's lineinfile `absent()` on a file's lines (binary strings). */
export function lineInFileAbsent(lines: string[], a: { regexp?: string; search_string?: string; line?: string }): LineEditResult {
  const re = a.regexp !== undefined ? compilePyRegex(a.regexp) : undefined;
  const ss = a.search_string !== undefined ? utf8bin(a.search_string) : undefined;
  const bLine = a.line !== undefined ? utf8bin(a.line) : 'None';
  let found = 0;
  const kept = lines.filter((l) => {
    const hit = re ? re.re.exec(l) !== null : ss !== undefined ? l.includes(ss) : bLine === rstripChars(l, '\r\n');
    if (hit) found++;
    return !hit;
  });
  return { after: kept.join(''), changed: found > 0, msg: found > 0 ? `${found} line(s) removed` : '', found };
}

/** Plan lineinfile from the probed file state. */
export function planLineInFile(a: LineInFileArgs, st: FileState, ctx: Pick<PlanContext, 'diff'> = { diff: true }): Plan {
  const path = a.path;
  if (st.resolved?.type === 'directory') return failedPlan(`Path ${path} is a directory !`, { rc: 256 });
  const exists = st.exists && st.resolved !== undefined;
  const want = { mode: a.mode, owner: a.owner, group: a.group };
  let edit: LineEditResult;
  let before: string;
  try {
    if (a.state === 'present') {
      if (a.backrefs && a.regexp === undefined) return failedPlan('regexp is required with backrefs=true');
      if (a.line === undefined) return failedPlan('line is required with state=present');
      if (!exists && !a.create) return failedPlan(`Destination ${path} does not exist !`, { rc: 257 });
      before = exists ? bin(st.content ?? Buffer.alloc(0)) : '';
      edit = lineInFilePresent(readLines(before), { ...a, line: a.line });
    } else {
      if (a.regexp === undefined && a.search_string === undefined && a.line === undefined) {
        return failedPlan('one of line, search_string, or regexp is required with state=absent');
      }
      if (!exists) return { changed: false, commands: [], msg: 'file not present', result: { changed: false, msg: 'file not present' } };
      before = bin(st.content ?? Buffer.alloc(0));
      edit = lineInFileAbsent(readLines(before), a);
    }
  } catch (e) {
    if (e instanceof PyRegexError) return failedPlan(e.message);
    throw e;
  }

  const afterBytes = unbin(edit.after);
  const { commands, attrsChanged } = editCommands({ path, st, exists, content: afterBytes, contentChanged: edit.changed, want, backup: a.backup, validate: a.validate });
  let msg = edit.msg;
  const changed = edit.changed || attrsChanged;
  // Ansible's check_file_attrs: attribute changes are reported after the content change.
  if (attrsChanged) msg += (edit.changed ? ' and ' : '') + 'ownership, perms or SE linux context changed';
  const result: Record<string, unknown> = { changed, msg, backup: '' };
  if (a.state === 'absent') result.found = edit.found ?? 0;
  const plan: Plan = { changed, commands, msg, result };
  if (edit.changed && ctx.diff) plan.diff = [contentDiff(path, exists ? st.content : undefined, afterBytes)];
  return withBackupResult(plan, 'backup');
}

export const lineinfile = defineModule<LineInFileArgs>({
  name: 'lineinfile',
  factsFree: true,
  description: "Ensure a line is in a file (or not), Ansible's lineinfile byte for byte",
  args: withAliases({ dest: 'path', destfile: 'path', name: 'path', regex: 'regexp', value: 'line' }, schema) as unknown as z.ZodType<LineInFileArgs>,
  probes: (a) => [probeFileState(a.path, { content: true, key: 'dest' })],
  plan: (a, ctx) => planLineInFile(a, probed<FileState>(ctx.probed, 'dest'), ctx),
});
