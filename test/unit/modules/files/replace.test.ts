/** replace: Python re.subn semantics (MULTILINE, backrefs, empty matches), the after/before region, text codecs, Ansible's messages. */
import { describe, expect, it } from 'vitest';
import { replace, replaceText } from '../../../../src/modules/files/replace.js';
import { fileStateOf, dirStateOf } from '../../../../src/modules/files/state.js';
import { compilePyRegex, pySubn } from '../../../../src/modules/files/pyregex.js';
import { pyDecode, pyEncode } from '../../../../src/modules/files/pycodec.js';
import { cmdLines, putOf, runPlan } from './ctx.js';

const P = '/etc/app.conf';
const file = (content: string | null, attrs = {}) => ({ dest: fileStateOf(P, content, attrs) });

describe('pySubn (Python re.subn)', () => {
  const sub = (pat: string, repl: string, s: string) => pySubn(compilePyRegex(pat, { unicode: true, multiline: true }), repl, s);
  it('replaces empty matches as Python 3.7+ does', () => {
    expect(sub('x*', '-', 'abxd')).toEqual({ text: '-a-b--d-', count: 5 });
    expect(sub('|a', '-', 'a')).toEqual({ text: '---', count: 3 });
    expect(sub('\\b', '|', 'ab cd')).toEqual({ text: '|ab| |cd|', count: 4 });
  });
  it('anchors ^ and $ at every line (MULTILINE), only at \\n', () => {
    expect(sub('^k=(\\d)$', 'k=<\\1>', 'k=1\nk=2\r\nk=3').text).toBe('k=<1>\nk=2\r\nk=<3>');
  });
  it('treats non-ASCII letters as word characters (str patterns)', () => {
    expect(sub('\\w+', 'W', 'café x').text).toBe('W W');
    expect(sub('^.$', '?', 'é\n😀').text).toBe('?\n?');
  });
});

describe('replaceText', () => {
  it('narrows to the region between after and before (non-greedy, DOTALL)', () => {
    const t = 'k=1\n[a]\nk=2\n[b]\nk=3\n[b]\n';
    expect(replaceText(t, { regexp: '^k=', replace: 'K=', after: '\\[a\\]', before: '\\[b\\]' }).after).toBe('k=1\n[a]\nK=2\n[b]\nk=3\n[b]\n');
  });
  it('reports a region that does not match with its pattern', () => {
    expect(replaceText('x', { regexp: 'x', replace: '', after: 'A', before: 'B' })).toEqual({ count: 0, noSection: 'A(?P<subsection>.*?)B' });
  });
  it('has no change when every match is replaced by itself', () => {
    expect(replaceText('aa', { regexp: 'a', replace: 'a' })).toEqual({ count: 2 });
  });
});

describe('replace plan', () => {
  it("writes the new bytes keeping mode/owner, with Ansible's message and diff headers", () => {
    const plan = runPlan(replace, { path: P, regexp: '^(\\w+)=old$', replace: '\\g<1>=new' }, file('a=old\nb=old\n', { mode: '0640', uid: 0, gid: 7 }));
    expect(plan).toMatchObject({ changed: true, msg: '2 replacements made', result: { rc: 0, changed: true } });
    expect(cmdLines(plan.commands)).toEqual([`put ${P} 0640 0:7`]);
    expect(putOf(plan)?.content.toString()).toBe('a=new\nb=new\n');
    expect(plan.diff?.[0]).toMatchObject({ beforeHeader: P, afterHeader: P, before: 'a=old\nb=old\n', after: 'a=new\nb=new\n' });
  });
  it('keeps bytes that are not UTF-8 as they were', () => {
    const raw = Buffer.from([0x6e, 0xef, 0x0a, 0x42, 0x0a]);
    const plan = runPlan(replace, { path: P, regexp: '^B$', replace: 'C' }, { dest: fileStateOf(P, raw) });
    expect([...putOf(plan)!.content]).toEqual([0x6e, 0xef, 0x0a, 0x43, 0x0a]);
    expect(pyEncode(pyDecode(raw, 'utf-8'), 'utf-8').equals(raw)).toBe(true);
  });
  it('decodes latin-1 when asked and writes latin-1 back', () => {
    const raw = Buffer.from('na\xefve\n', 'latin1');
    const plan = runPlan(replace, { path: P, regexp: '\\w+', replace: '[\\g<0>]', encoding: 'latin-1' }, { dest: fileStateOf(P, raw) });
    expect(putOf(plan)?.content.toString('latin1')).toBe('[na\xefve]\n');
  });
  it('only fixes attributes when nothing matched', () => {
    const plan = runPlan(replace, { path: P, regexp: 'zzz', mode: '0600' }, file('a\n', { mode: '0644' }));
    expect(plan.msg).toBe('ownership, perms or SE linux context changed');
    expect(cmdLines(plan.commands)).toEqual([`chmod 0600 -- ${P}`]);
  });
  it('stops before attributes when the region does not match (as Ansible exits there)', () => {
    const plan = runPlan(replace, { path: P, regexp: 'a', after: 'nope', mode: '0600' }, file('a\n', { mode: '0644' }));
    expect(plan).toMatchObject({ changed: false, commands: [], msg: 'Pattern for before/after params did not match the given file: nope(?P<subsection>.*)' });
  });
  it('fails on a missing file and on a directory with rc as Ansible', () => {
    expect(runPlan(replace, { path: P, regexp: 'a' }, file(null)).result).toMatchObject({ failed: true, rc: 257, msg: `Path ${P} does not exist !` });
    expect(runPlan(replace, { dest: '/etc', regexp: 'a' }, { dest: dirStateOf('/etc') }).result).toMatchObject({ rc: 256, msg: 'Path /etc is a directory !' });
  });
  it('backs up before writing and reports backup_file', () => {
    const plan = runPlan(replace, { path: P, regexp: 'a', replace: 'b', backup: true }, file('a\n'));
    expect(cmdLines(plan.commands)[0]).toContain(`cp -p -- ${P}`);
    const out = plan.interpret!([{ rc: 0, stdout: `tsplay-backup-file=${P}.1.x~\n`, stderr: '', durationMs: 1 }]);
    expect(out.result).toMatchObject({ backup_file: `${P}.1.x~`, msg: '1 replacements made' });
  });
  it('names the argument for a bad regex, an unsupported encoding and a validate without %s', () => {
    expect(runPlan(replace, { path: P, regexp: '(' }, file('a\n')).failed).toMatch(/cannot use regular expression/);
    expect(() => replace.args.parse({ path: P, regexp: 'a', encoding: 'cp1251' })).toThrow(/encoding|cp1251/);
    expect(() => replace.args.parse({ path: P, regexp: 'a', validate: 'true' })).toThrow(/validate must contain %s/);
  });
});
