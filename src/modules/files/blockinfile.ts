import { z } from 'zod';
import { defineModule, type Plan, type PlanContext } from '../types.js';
import { probeFileState, type FileState } from './state.js';
import { attrArgs, bool, contentDiff, editCommands, exclusive, failedPlan, probed, str, validateProblem, withAliases, withBackupResult } from './common.js';
import { bin, compilePyRegex, expandTemplate, PyRegexError, splitLinesKeepEnds, unbin, utf8bin } from './pyregex.js';

const schema = z
  .object({
    path: z.string().min(1),
    state: z.enum(['present', 'absent']).default('present'),
    marker: str.default('# {mark} ANSIBLE MANAGED BLOCK'),
    block: str.default(''),
    insertafter: str.optional(),
    insertbefore: str.optional(),
    create: bool.default(false),
    backup: bool.default(false),
    validate: z.string().optional(),
    marker_begin: str.default('BEGIN'),
    marker_end: str.default('END'),
    append_newline: bool.default(false),
    prepend_newline: bool.default(false),
    ...attrArgs,
  })
  .strict()
  .superRefine((a, ctx) => {
    exclusive(a, [['insertbefore', 'insertafter']], ctx);
    const v = validateProblem(a.validate);
    if (v) ctx.addIssue({ code: 'custom', message: v, path: ['validate'] });
  });

export type BlockInFileArgs = z.infer<typeof schema>;

const LINESEP = '\n';

/** `re.sub(b'{mark}', repl, marker)`: the replacement is a Python template (backslash escapes apply). */
function substituteMark(marker: string, repl: string): string {
  const rx = compilePyRegex('{mark}');
  const m = /\{mark\}/.exec('{mark}') as RegExpExecArray;
  const expanded = expandTemplate(repl, m, rx);
  return marker.split('{mark}').join(expanded);
}

/** Python's str.count('\n', 0, end) on the UTF-8 decoded text, where `end` counts code points. */
function countNewlinesDecoded(original: string, end: number): number {
  const text = [...unbin(original).toString('utf8')];
  let n = 0;
  for (let i = 0; i < Math.min(end, text.length); i++) if (text[i] === '\n') n++;
  return n;
}

export interface BlockEditResult {
  after: string | null;
  changed: boolean;
  msg: string;
}

/** Ansible's blockinfile main() on the file's bytes (binary string, or null when the file is absent). */
export function blockInFile(original: string | null, a: BlockInFileArgs): BlockEditResult {
  const lines = original === null ? [] : splitLinesKeepEnds(original);
  const present = a.state === 'present';
  let insertafter = a.insertafter;
  const insertbefore = a.insertbefore;
  if (insertbefore === undefined && insertafter === undefined) insertafter = 'EOF';
  let insertre: ReturnType<typeof compilePyRegex> | undefined;
  if (insertafter !== undefined && insertafter !== 'EOF') insertre = compilePyRegex(insertafter);
  else if (insertbefore !== undefined && insertbefore !== 'BOF') insertre = compilePyRegex(insertbefore);

  const marker = utf8bin(a.marker);
  const marker0 = substituteMark(marker, utf8bin(a.marker_begin)) + LINESEP;
  const marker1 = substituteMark(marker, utf8bin(a.marker_end)) + LINESEP;
  let block = utf8bin(a.block);
  let blocklines: string[] = [];
  if (present && block) {
    if (!block.endsWith(LINESEP)) block += LINESEP;
    blocklines = [marker0, ...splitLinesKeepEnds(block), marker1];
  }

  let n0: number | null = null;
  let n1: number | null = null;
  // Marker lines ending in CRLF count too (ansible-core devel, test crlf_markers.yml; 2.14 appended a second block).
  const m0 = marker0.slice(0, -1);
  const m1 = marker1.slice(0, -1);
  lines.forEach((line, i) => {
    const bare = line.endsWith('\r\n') ? line.slice(0, -2) : line.endsWith('\n') ? line.slice(0, -1) : null;
    if (bare === m0) n0 = i;
    if (bare === m1) n1 = i;
  });

  if (n0 === null || n1 === null) {
    n0 = null;
    if (insertre) {
      if (insertre.multiline) {
        const m = original === null ? null : insertre.re.exec(original);
        if (m) {
          if (insertafter) n0 = countNewlinesDecoded(original!, m.index + m[0].length);
          else if (insertbefore) n0 = countNewlinesDecoded(original!, m.index);
        }
      } else {
        lines.forEach((line, i) => {
          if (insertre.re.exec(line)) n0 = i;
        });
      }
      if (n0 === null) n0 = lines.length;
      else if (insertafter !== undefined) n0 += 1;
    } else if (insertbefore !== undefined) n0 = 0;
    else n0 = lines.length;
  } else if (n0 < n1) {
    lines.splice(n0, n1 - n0 + 1);
  } else {
    lines.splice(n1, n0 - n1 + 1);
    n0 = n1;
  }
  let at: number = n0;

  if (at > lines.length) {
    // Ansible counts newlines in the decoded text up to a byte offset; with multi-byte characters before a
    // (?m) match that lands past the last line and the module crashes (IndexError, "MODULE FAILURE").
    throw new PyRegexError(
      insertafter ?? insertbefore ?? '',
      'the multiline match position lies past the end of the file (non-ASCII text before the match); Ansible fails here too',
    );
  }
  if (at > 0 && !lines[at - 1]!.endsWith(LINESEP)) lines[at - 1] += LINESEP;
  if (a.prepend_newline && present) {
    if (at !== 0 && lines[at - 1] !== LINESEP) {
      lines.splice(at, 0, LINESEP);
      at += 1;
    }
  }
  lines.splice(at, 0, ...blocklines);
  if (a.append_newline && present) {
    const after = at + blocklines.length;
    if (after < lines.length && lines[after] !== LINESEP) lines.splice(after, 0, LINESEP);
  }
  const result = lines.join('');
  if (original === result) return { after: result, changed: false, msg: '' };
  if (original === null) return { after: result, changed: true, msg: 'File created' };
  if (blocklines.length === 0) return { after: result, changed: true, msg: 'Block removed' };
  return { after: result, changed: true, msg: 'Block inserted' };
}

/** Plan blockinfile from the probed file state. */
export function planBlockInFile(a: BlockInFileArgs, st: FileState, ctx: Pick<PlanContext, 'diff'> = { diff: true }): Plan {
  const path = a.path;
  if (st.resolved?.type === 'directory') return failedPlan(`Path ${path} is a directory !`, { rc: 256 });
  const exists = st.exists && st.resolved !== undefined;
  if (!exists && !a.create) return failedPlan(`Path ${path} does not exist !`, { rc: 257 });
  if (a.state === 'absent' && !exists) {
    const msg = `File ${path} not present`;
    return { changed: false, commands: [], msg, result: { changed: false, msg } };
  }
  let edit: BlockEditResult;
  try {
    edit = blockInFile(exists ? bin(st.content ?? Buffer.alloc(0)) : null, a);
  } catch (e) {
    if (e instanceof PyRegexError) return failedPlan(e.message);
    throw e;
  }
  const want = { mode: a.mode, owner: a.owner, group: a.group };
  const afterBytes = unbin(edit.after ?? '');
  const { commands, attrsChanged } = editCommands({ path, st, exists, content: afterBytes, contentChanged: edit.changed, want, backup: a.backup, validate: a.validate });
  let msg = edit.msg;
  const changed = edit.changed || attrsChanged;
  if (attrsChanged) msg += (edit.changed ? ' and ' : '') + 'ownership, perms or SE linux context changed';
  const plan: Plan = { changed, commands, msg, result: { changed, msg } };
  if (edit.changed && ctx.diff) plan.diff = [contentDiff(path, exists ? st.content : undefined, afterBytes)];
  return withBackupResult(plan);
}

export const blockinfile = defineModule<BlockInFileArgs>({
  name: 'blockinfile',
  factsFree: true,
  description: "Insert, update or remove a marked block of lines, Ansible's blockinfile byte for byte",
  args: withAliases({ dest: 'path', destfile: 'path', name: 'path', content: 'block' }, schema) as unknown as z.ZodType<BlockInFileArgs>,
  probes: (a) => [probeFileState(a.path, { content: true, key: 'dest' })],
  plan: (a, ctx) => planBlockInFile(a, probed<FileState>(ctx.probed, 'dest'), ctx),
});
