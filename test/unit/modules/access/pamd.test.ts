import { describe, expect, it } from 'vitest';
import { editPamd, pamd, pamdArgs, parseModuleArguments, pyIsoNow, pySplitlines } from '../../../../src/modules/access/pamd.js';
import { cmdTexts, planWith } from '../../../fixtures/modules/system/context.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const NOW = new Date(2026, 11, 3, 7, 5, 9, 250);
const MARK = '# Updated by Ansible - 2026-12-03T07:05:09.250000';
const args = (a: Record<string, unknown>) => pamdArgs.parse({ name: 'sshd', type: 'auth', control: 'required', module_path: 'pam_unix.so', ...a });
const edit = (content: string, a: Record<string, unknown>) => editPamd(content, args(a), NOW);

/** Probe output for /etc/pam.d/sshd holding `content` (mode 0640, root), or absent. */
function probes(content: string | null) {
  const stat = 'l 81a0 640 0 root 0 root 10 1 5 6\ns 81a0 640 0 root 0 root 10 1 5 6\nr ' + b64('/etc/pam.d/sshd');
  return { pamd: content === null ? 'absent\n' : `${stat}\nc\n${b64(content)}\n` };
}

const FILE = '#%PAM-1.0\n# comment\nauth    required   pam_unix.so  nullok\nauth  [success=1 default=ignore]  pam_deny.so\n\n@include common-account\n';

describe('pamd edits (community.general)', () => {
  it('updated re-formats every rule, keeps comments and includes verbatim and puts the mark second', () => {
    expect(edit(FILE, { new_control: 'requisite' })).toEqual({
      changes: 1,
      text: `#%PAM-1.0\n${MARK}\n# comment\nauth       requisite pam_unix.so nullok\nauth       [success=1 default=ignore] pam_deny.so\n\n@include common-account\n`,
    });
  });

  it('nothing matching leaves the file untouched (no mark, no reformat)', () => {
    expect(edit(FILE, { module_path: 'pam_other.so', new_control: 'requisite' })).toEqual({ changes: 0, text: FILE });
  });

  it('an earlier mark is replaced, not added again', () => {
    const r = edit(`# head\n# Updated by Ansible - old\nauth required pam_unix.so\n`, { module_arguments: ['debug'] });
    expect(r).toEqual({ changes: 1, text: `# head\n${MARK}\nauth       required pam_unix.so debug\n` });
  });

  it('before drops the comments between the rule and the previous rule (the module’s quirk); a second run is ok', () => {
    const a = {
      module_path: 'pam_deny.so',
      control: 'sufficient',
      state: 'before',
      new_type: 'auth',
      new_control: 'optional',
      new_module_path: 'pam_faildelay.so',
      module_arguments: 'delay=2000000',
    };
    const r = edit('auth required pam_env.so\n# c1\n\nauth sufficient pam_deny.so\n', a);
    expect(r).toEqual({ changes: 1, text: `auth       required pam_env.so\n${MARK}\nauth       optional pam_faildelay.so delay=2000000\nauth       sufficient pam_deny.so\n` });
    expect(edit('auth optional pam_faildelay.so\n# c\nauth sufficient pam_deny.so\n', a)).toMatchObject({ changes: 0 });
  });

  it('after the last rule drops trailing comments; a rule with a different neighbour gets one inserted', () => {
    const a = {
      type: 'session',
      module_path: 'pam_limits.so',
      state: 'after',
      new_type: 'session',
      new_control: 'optional',
      new_module_path: 'pam_x.so',
      module_arguments: ['a', 'b=c'],
    };
    expect(edit('session required pam_limits.so\n# trailing\n', a)).toEqual({
      changes: 1,
      text: `session    required pam_limits.so\n${MARK}\nsession    optional pam_x.so a b=c\n`,
    });
  });

  it('args_present adds simple then key=value arguments and updates a changed value; args_absent removes', () => {
    expect(edit('auth required pam_unix.so nullok a=1\n', { state: 'args_present', module_arguments: ['a=2', 'nullok', 'debug'] })).toEqual({
      changes: 1,
      text: `\n${MARK}\nauth       required pam_unix.so nullok a=2 debug\n`,
    });
    expect(edit('auth required pam_unix.so a=1\n', { state: 'args_present', module_arguments: 'a=1' })).toMatchObject({ changes: 0 });
    expect(edit('auth required pam_unix.so nullok [x y]\n', { state: 'args_absent', module_arguments: ['nullok', '[x y]'] })).toEqual({
      changes: 1,
      text: `\n${MARK}\nauth       required pam_unix.so\n`,
    });
    expect(edit('auth required pam_unix.so\n', { state: 'args_present', module_arguments: ['[a=b]'] })).toEqual({
      error: "Unable to process bracketed '[' complex arguments with 'args_present'. Please use 'updated'.",
    });
  });

  it('absent removes every matching rule; removing the only line fails as the module crashes', () => {
    expect(edit('account required pam_unix.so\nauth required pam_unix.so\nauth required pam_unix.so\n', { state: 'absent' })).toEqual({
      changes: 2,
      text: `\n${MARK}\naccount    required pam_unix.so\n`,
    });
    expect(edit('auth required pam_unix.so\n', { state: 'absent' })).toEqual({ error: expect.stringMatching(/^MODULE FAILURE/) });
  });

  it('validation fails on an indented comment, an unknown control or control value, and on required_if', () => {
    expect(edit('  # indented\nauth required pam_unix.so\n', {})).toEqual({ error: 'Rule is not valid   # indented' });
    expect(edit('auth bogus pam_x.so\n', {})).toEqual({ error: 'Rule control, bogus, is not valid in rule auth       bogus pam_x.so' });
    expect(edit('auth [success=ok new=bad] pam_x.so\n', {})).toEqual({ error: 'Rule control value, new, is not valid in rule auth       [success=ok new=bad] pam_x.so' });
    expect(edit('auth [success=3 default=die] pam_x.so\n', {})).toMatchObject({ changes: 0 });
    expect(edit('', { state: 'before', new_type: 'auth' })).toEqual({ error: 'state is before but all of the following are missing: new_control, new_module_path' });
  });

  it('a bracketed control is normalised (" = " → "="), and a new control is compared as given', () => {
    const r = edit('auth [success = 1 default=ignore] pam_unix.so\n', { control: '[success=1 default=ignore]', new_module_path: 'pam_y.so' });
    expect(r).toEqual({ changes: 1, text: `\n${MARK}\nauth       [success=1 default=ignore] pam_y.so\n` });
  });

  it('module arguments split as the module does; lines split as Python splitlines', () => {
    expect(parseModuleArguments(['a  b', '[x = y] c'])).toEqual(['a', 'b', '[x = y]', 'c']);
    expect(parseModuleArguments([''])).toEqual([]);
    expect(parseModuleArguments(null, true)).toBeNull();
    expect(pySplitlines('a\r\nb\x0bc\n')).toEqual(['a', 'b', 'c']);
    expect(pyIsoNow(new Date(2026, 0, 2, 3, 4, 5, 0))).toBe('2026-01-02T03:04:05');
  });
});

describe('pamd plan', () => {
  it('writes the real path keeping mode and owner; returns change_count and backupdest', () => {
    const { plan } = planWith(pamd, { args: { name: 'sshd', type: 'auth', control: 'required', module_path: 'pam_unix.so', new_control: 'requisite' }, probes: probes(FILE) });
    expect(plan.changed).toBe(true);
    expect(plan.result).toEqual({ changed: true, change_count: 1, backupdest: '' });
    expect(plan.commands[0]).toMatchObject({ kind: 'put', path: '/etc/pam.d/sshd', mode: '0640', owner: '0', group: '0' });
  });

  it('backup runs before the write and its name becomes backupdest', () => {
    const { plan } = planWith(pamd, {
      args: { name: 'sshd', type: 'auth', control: 'required', module_path: 'pam_unix.so', new_control: 'requisite', backup: true },
      probes: probes(FILE),
    });
    expect(cmdTexts(plan.commands)[0]).toMatch(/^b=\/etc\/pam\.d\/sshd\./);
    const out = plan.interpret!([{ rc: 0, stdout: '', stderr: '', durationMs: 1 }]);
    expect(out.result).toMatchObject({ change_count: 1, backupdest: '' });
  });

  it('no change: no commands; a missing file fails with the module’s message', () => {
    const ok = planWith(pamd, { args: { name: 'sshd', type: 'auth', control: 'required', module_path: 'pam_unix.so', new_control: 'required' }, probes: probes(FILE) });
    expect(ok.plan).toMatchObject({ changed: false, commands: [], result: { change_count: 0 } });
    const { plan } = planWith(pamd, { args: { name: 'nope', path: '/etc/pam.d/', type: 'auth', control: 'required', module_path: 'pam_unix.so' }, probes: probes(null) });
    expect(plan.failed).toBe("Unable to open/read PAM module file /etc/pam.d/nope with error [Errno 2] No such file or directory: '/etc/pam.d/nope'.");
  });

  it('arguments are checked: choices for type and state, unknown arguments refused', () => {
    expect(() => pamdArgs.parse({ name: 'x', type: 'login', control: 'required', module_path: 'm' })).toThrow();
    expect(() => pamdArgs.parse({ name: 'x', type: 'auth', control: 'required', module_path: 'm', state: 'args_updated' })).toThrow();
    expect(() => pamdArgs.parse({ name: 'x', type: 'auth', control: 'required', module_path: 'm', dest: '/x' })).toThrow(/dest/);
  });
});
