/** lineinfile behaviour beyond the byte-level Ansible parity fixtures: attributes, links, backup, validate, errors. */
import { describe, expect, it } from 'vitest';
import { lineinfile } from '../../../../src/modules/files/lineinfile.js';
import { blockinfile } from '../../../../src/modules/files/blockinfile.js';
import { fileStateOf, dirStateOf } from '../../../../src/modules/files/state.js';
import { cmdLines, putOf, runPlan } from './ctx.js';

const P = '/etc/app.conf';
const file = (content: string | null, attrs = {}) => ({ dest: fileStateOf(P, content, attrs) });

describe('lineinfile plan', () => {
  it('adds a line and writes with the existing mode/owner kept', () => {
    const plan = runPlan(lineinfile, { path: P, line: 'b=2' }, file('a=1\n', { mode: '0440', uid: 0, gid: 42 }));
    expect(plan.changed).toBe(true);
    expect(plan.msg).toBe('line added');
    expect(cmdLines(plan.commands)).toEqual([`put ${P} 0440 0:42`]);
    expect(putOf(plan)?.content.toString()).toBe('a=1\nb=2\n');
    expect(plan.diff?.[0]).toMatchObject({ path: P, before: 'a=1\n', after: 'a=1\nb=2\n' });
  });

  it('has no commands when converged', () => {
    const plan = runPlan(lineinfile, { path: P, regexp: '^a=', line: 'a=1' }, file('a=1\n'));
    expect(plan).toMatchObject({ changed: false, commands: [] });
  });

  it("fixes only the mode when the line is already there, with Ansible's message", () => {
    const plan = runPlan(lineinfile, { path: P, line: 'a=1', mode: '0600' }, file('a=1\n', { mode: '0644' }));
    expect(plan.msg).toBe('ownership, perms or SE linux context changed');
    expect(cmdLines(plan.commands)).toEqual([`chmod 0600 -- ${P}`]);
  });

  it('reports content and attribute changes together and writes the new mode', () => {
    const plan = runPlan(lineinfile, { path: P, line: 'b', owner: 'app', mode: 'u=rw,g=r,o=' }, file('a\n', { mode: '0644' }));
    expect(plan.msg).toBe('line added and ownership, perms or SE linux context changed');
    expect(cmdLines(plan.commands)).toEqual([`put ${P} 0640 app:0`]);
  });

  it('writes through a symlink to its real path', () => {
    const st = { ...fileStateOf(P, 'a\n'), state: 'link' as const, linkTarget: 'real.conf', realPath: '/etc/real.conf' };
    const plan = runPlan(lineinfile, { path: P, line: 'b' }, { dest: st });
    expect(putOf(plan)?.path).toBe('/etc/real.conf');
  });

  it('creates a missing file (and its directory) with create=yes and the requested mode', () => {
    const plan = runPlan(lineinfile, { path: '/opt/x/new.conf', line: 'k=v', create: 'yes', mode: '0600' }, { dest: fileStateOf('/opt/x/new.conf', null) });
    expect(cmdLines(plan.commands)).toEqual(['mkdir -p -- /opt/x', 'put /opt/x/new.conf 0600 -:-']);
    expect(putOf(plan)?.content.toString()).toBe('k=v\n');
  });

  it('backs up first and reports the backup file from its output', () => {
    const plan = runPlan(lineinfile, { path: P, line: 'b', backup: true }, file('a\n'));
    expect(plan.commands[0]?.kind).toBe('shell');
    expect(cmdLines(plan.commands)[0]).toContain(`cp -p -- ${P}`);
    const out = plan.interpret!([{ rc: 0, stdout: `tsplay-backup-file=${P}.123.2024-01-01@10:00:00~\n`, stderr: '', durationMs: 1 }]);
    expect(out.result).toMatchObject({ backup_file: `${P}.123.2024-01-01@10:00:00~`, backup: `${P}.123.2024-01-01@10:00:00~` });
    expect(out.changed).toBe(true);
  });

  it('validates a staged copy before replacing, quoting the command words', () => {
    const plan = runPlan(
      lineinfile,
      { path: '/etc/sudoers', line: 'x ALL=(ALL) NOPASSWD: ALL', validate: "visudo -cf '%s'" },
      { dest: fileStateOf('/etc/sudoers', 'root ALL=(ALL) ALL\n', { mode: '0440' }) },
    );
    const lines = cmdLines(plan.commands);
    expect(lines[0]).toMatch(/^put \/etc\/\.tsplay-validate-[0-9a-f]{12} 0600/);
    expect(lines[1]).toMatch(/^visudo -cf \/etc\/\.tsplay-validate-[0-9a-f]{12}; rc=\$\?; rm -f -- /);
    expect(lines[2]).toBe('put /etc/sudoers 0440 0:0');
  });

  it('rejects validate without %s', () => {
    expect(() => lineinfile.args.parse({ path: P, line: 'x', validate: 'visudo -c' })).toThrow(/validate must contain %s/);
  });

  it('rejects insertafter with insertbefore, and regexp with search_string', () => {
    expect(() => lineinfile.args.parse({ path: P, line: 'x', insertafter: 'a', insertbefore: 'b' })).toThrow(/mutually exclusive: insertbefore\|insertafter/);
    expect(() => lineinfile.args.parse({ path: P, line: 'x', regexp: 'a', search_string: 'b' })).toThrow(/mutually exclusive: regexp\|search_string/);
  });

  it('accepts Ansible aliases (dest, regex, value) and rejects unknown args', () => {
    const a = lineinfile.args.parse({ dest: P, regex: '^a', value: 'a=2' });
    expect(a).toMatchObject({ path: P, regexp: '^a', line: 'a=2' });
    expect(() => lineinfile.args.parse({ path: P, line: 'x', lien: 'y' })).toThrow();
    expect(() => lineinfile.args.parse({ path: P, dest: P, line: 'x' })).toThrow(/same argument/);
  });

  it('fails on a directory (rc 256) and on a missing file without create (rc 257)', () => {
    expect(runPlan(lineinfile, { path: '/etc', line: 'x' }, { dest: dirStateOf('/etc') })).toMatchObject({ failed: 'Path /etc is a directory !', result: { rc: 256 } });
    expect(runPlan(lineinfile, { path: P, line: 'x' }, file(null))).toMatchObject({ failed: `Destination ${P} does not exist !`, result: { rc: 257 } });
  });

  it('fails clearly on a Python regex JS cannot run', () => {
    const plan = runPlan(lineinfile, { path: P, regexp: '(?i:a)', line: 'x' }, file('a\n'));
    expect(plan.failed).toMatch(/cannot use regular expression "\(\?i:a\)": scoped inline flags/);
    expect(plan.commands).toEqual([]);
  });

  it('plans the same in check mode (changed and diff known without running anything)', () => {
    const args = { path: P, line: 'b' };
    const normal = runPlan(lineinfile, args, file('a\n'));
    const check = runPlan(lineinfile, args, file('a\n'), { check: true });
    expect(check.changed).toBe(normal.changed);
    expect(check.diff).toEqual(normal.diff);
  });

  it('state=absent on a missing file is ok ("file not present")', () => {
    expect(runPlan(lineinfile, { path: P, state: 'absent', line: 'x' }, file(null))).toMatchObject({ changed: false, msg: 'file not present' });
  });
});

describe('blockinfile plan (beyond the Ansible fixtures)', () => {
  const B = '# BEGIN ANSIBLE MANAGED BLOCK\n';
  const E = '# END ANSIBLE MANAGED BLOCK\n';
  // Expected bytes from ansible/ansible test/integration/targets/blockinfile/tasks/{append,prepend}_newline.yml semantics.
  it('prepend_newline adds one blank line before a block that is not at the top', () => {
    const plan = runPlan(blockinfile, { path: P, block: 'x', prepend_newline: true }, file('a\n'));
    expect(putOf(plan)?.content.toString()).toBe(`a\n\n${B}x\n${E}`);
    expect(runPlan(blockinfile, { path: P, block: 'x', prepend_newline: true }, file(`a\n\n${B}x\n${E}`)).changed).toBe(false);
  });
  it('append_newline adds one blank line after a block that is not at the end', () => {
    const plan = runPlan(blockinfile, { path: P, block: 'x', insertbefore: 'BOF', append_newline: true }, file('a\n'));
    expect(putOf(plan)?.content.toString()).toBe(`${B}x\n${E}\na\n`);
    expect(runPlan(blockinfile, { path: P, block: 'x', insertbefore: 'BOF', append_newline: true }, file(`${B}x\n${E}\na\n`)).changed).toBe(false);
  });
  it('fails on a missing file without create (rc 257)', () => {
    expect(runPlan(blockinfile, { path: P, block: 'x' }, file(null))).toMatchObject({ failed: `Path ${P} does not exist !`, result: { rc: 257 } });
  });
  // ansible/ansible test/integration/targets/blockinfile/tasks/crlf_markers.yml
  it('updates and removes a block whose markers end in CRLF, keeping the CRLF lines around it', () => {
    const original = `before\r\n${B.trimEnd()}\r\nold\r\n${E.trimEnd()}\r\nafter\r\n`;
    const updated = `before\r\n${B}new\n${E}after\r\n`;
    const plan = runPlan(blockinfile, { path: P, block: 'new' }, file(original));
    expect(plan.diff?.[0]?.after).toBe(updated);
    expect(runPlan(blockinfile, { path: P, block: 'new' }, file(updated)).changed).toBe(false);
    expect(putOf(runPlan(blockinfile, { path: P, state: 'absent' }, file(original)))?.content.toString()).toBe('before\r\nafter\r\n');
  });
  it('content is an alias of block', () => {
    expect(putOf(runPlan(blockinfile, { path: P, content: 'y' }, file('')))?.content.toString()).toBe(`${B}y\n${E}`);
  });
});
