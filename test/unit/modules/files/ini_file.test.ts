/** ini_file: the port against community.general's do_ini as recorded (gen-ini_file-fixtures.py), and the plan around it. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { iniEdit, iniFile, IniOptionMissing, readIniLines } from '../../../../src/modules/files/ini_file.js';
import { fileStateOf, dirStateOf } from '../../../../src/modules/files/state.js';
import { cmdLines, planCtx, putOf, runPlan } from './ctx.js';

const data = JSON.parse(readFileSync(fileURLToPath(new URL('../../../fixtures/modules/files/ansible-ini_file.json', import.meta.url)), 'utf8'));

describe(`ini_file do_ini parity (community.general ${data.community_general}, ${data.cases.length} cases)`, () => {
  it('produces the same text, changed and msg for every recorded case', () => {
    const wrong: string[] = [];
    for (const c of data.cases) {
      const o = {
        section: c.section,
        option: c.option,
        values: c.values,
        state: c.state,
        exclusive: c.exclusive,
        noExtraSpaces: c.no_extra_spaces,
        allowNoValue: c.allow_no_value,
      };
      const lines = readIniLines(Buffer.from(data.texts[c.text], 'utf8'));
      let got: unknown;
      try {
        const r = iniEdit(lines, o);
        got = { after: r.lines.join(''), changed: r.changed, msg: r.msg };
      } catch (e) {
        if (!(e instanceof IniOptionMissing)) throw e;
        got = { crash: true };
      }
      const want = c.crash ? { crash: true } : { after: c.after, changed: c.changed, msg: c.msg };
      if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${JSON.stringify({ ...c, after: undefined })}\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify(want)}`);
    }
    expect(wrong.slice(0, 5).join('\n')).toBe('');
  });
});

describe('ini_file plan', () => {
  const P = '/etc/app.ini';
  const dest = (content: string | null, attrs = {}) => ({ dest: fileStateOf(P, content, attrs) });

  it('writes the new bytes keeping mode/owner and reports the path fields', () => {
    const plan = runPlan(iniFile, { path: P, section: 'a', option: 'x', value: 2 }, dest('[a]\nx=1\n', { mode: '0640', uid: 0, gid: 5 }));
    expect(plan).toMatchObject({ changed: true, msg: 'option changed' });
    expect(cmdLines(plan.commands)[0]).toBe(`put ${P} 0640 0:5`);
    expect(putOf(plan)?.content.toString()).toBe('[a]\nx = 2\n');
    expect(plan.result).toMatchObject({ path: P, diff: { before: '[a]\nx=1\n', after: '[a]\nx = 2\n', before_header: `${P} (content)` } });
  });
  it('is ok and runs nothing when converged, with the stat fields of the file', () => {
    const plan = runPlan(iniFile, { path: P, section: 'a', option: 'x', value: '1' }, dest('[a]\nx = 1\n', { mode: '0600' }));
    expect(plan).toMatchObject({ changed: false, commands: [], msg: 'OK', result: { mode: '0600', state: 'file' } });
  });
  it('writes YAML booleans as Python does (True/False)', () => {
    const plan = runPlan(iniFile, { path: P, section: 'a', option: 'on', value: true }, dest('[a]\n'));
    expect(putOf(plan)?.content.toString()).toBe('[a]\non = True\n');
  });
  it('does not count an attribute change in check mode (Ansible sets attributes only outside it)', () => {
    const args = iniFile.args.parse({ path: P, section: 'a', option: 'x', value: '1', mode: '0600' });
    const st = dest('[a]\nx = 1\n', { mode: '0644' });
    expect(iniFile.plan(args, planCtx(st, { check: true })).changed).toBe(false);
    expect(iniFile.plan(args, planCtx(st)).changed).toBe(true);
  });
  it('creates a missing file and its directory, and fails with create=no as Ansible', () => {
    const plan = runPlan(iniFile, { path: '/opt/x/new.ini', section: 's', option: 'a', value: '1' }, { dest: fileStateOf('/opt/x/new.ini', null) });
    expect(cmdLines(plan.commands).slice(0, 2)).toEqual(['mkdir -p -- /opt/x', 'put /opt/x/new.ini - -:-']);
    expect(putOf(plan)?.content.toString()).toBe('\n[s]\na = 1\n');
    expect(runPlan(iniFile, { dest: P, section: 's', option: 'a', value: '1', create: false }, dest(null)).result).toMatchObject({
      rc: 257,
      msg: `Destination ${P} does not exist!`,
    });
  });
  it('needs a value unless allow_no_value, and takes value or values, not both', () => {
    expect(runPlan(iniFile, { path: P, section: 's', option: 'a' }, dest('')).failed).toBe("Parameter 'value(s)' must be defined if state=present and allow_no_value=False.");
    expect(() => iniFile.args.parse({ path: P, option: 'a', value: '1', values: ['2'] })).toThrow(/mutually exclusive: value\|values/);
  });
  it('fails clearly on a directory and on a file that is not UTF-8', () => {
    expect(runPlan(iniFile, { path: '/etc', section: 's', option: 'a', value: '1' }, { dest: dirStateOf('/etc') }).failed).toMatch(/Is a directory/);
    expect(runPlan(iniFile, { path: P, section: 's', option: 'a', value: '1' }, { dest: fileStateOf(P, Buffer.from([0xff, 0x0a])) }).failed).toMatch(/not valid UTF-8/);
  });
  it('replaces a symlink with a regular file (Ansible renames over the path)', () => {
    const st = { ...fileStateOf(P, '[a]\n'), state: 'link' as const, linkTarget: 'real.ini', realPath: '/etc/real.ini' };
    expect(putOf(runPlan(iniFile, { path: P, section: 'a', option: 'x', value: '1' }, { dest: st }))?.path).toBe(P);
  });
});

describe('ini_file values', () => {
  it('splits a values string on commas, as Ansible converts it to a list', () => {
    const plan = runPlan(iniFile, { path: '/etc/a.ini', section: 's', option: 'k', values: 'a,b' }, { dest: fileStateOf('/etc/a.ini', '[s]\n') });
    expect(putOf(plan)?.content.toString()).toBe('[s]\nk = a\nk = b\n');
  });
});
