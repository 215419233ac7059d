import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandModule, pyBytesRepr } from '../../../../src/modules/system/command.js';
import { shellModule } from '../../../../src/modules/system/shell.js';
import { shlexSplit } from '../../../../src/modules/system/words.js';
import { parseStringArgs } from '../../../../src/loader/args.js';
import type { ShellCommand } from '../../../../src/commands/types.js';
import { planWith, result } from '../../../fixtures/modules/system/context.js';
import { runLocal } from '../../../fixtures/modules/system/sh.js';

const HOSTILE = [
  `it's "quoted"`,
  '$(touch /tmp/tsplay-pwned)',
  '`id`',
  'a\nb\n\nc',
  'tab\there',
  'ünïcødé ✓ 日本',
  '; rm -rf / #',
  '*',
  '-n',
  '\\back\\slash',
  '${HOME',
  'x=y',
  '',
  '   ',
  '!$#&|<>',
];

function shellCmd(p: { commands: unknown[] }): ShellCommand {
  return p.commands[0] as ShellCommand;
}

describe('command: free-form splitting', () => {
  it('splits like shlex and runs without a shell', () => {
    const { plan } = planWith(commandModule, { args: { _raw_params: `echo "a  b" 'c d' e\\ f` } });
    expect(plan.changed).toBe(true);
    expect(plan.unpredictable).toBe(true);
    const r = runLocal(shellCmd(plan).cmd.text);
    expect(r.stdout).toBe('a  b c d e f\n');
  });

  it('does not interpret shell syntax in the free-form string', () => {
    const { plan } = planWith(commandModule, { args: { _raw_params: 'echo hello > /dev/null; echo $(id) `id` | cat' } });
    const r = runLocal(shellCmd(plan).cmd.text);
    expect(r.stdout).toBe('hello > /dev/null; echo $(id) `id` | cat\n');
  });

  it('treats shell keywords, builtins and assignments as programs (execve)', () => {
    const kw = planWith(commandModule, { args: { _raw_params: 'if true' } }).plan;
    expect(runLocal(shellCmd(kw).cmd.text).rc).not.toBe(0);
    const assign = planWith(commandModule, { args: { _raw_params: 'FOO=bar env' } }).plan;
    expect(runLocal(shellCmd(assign).cmd.text).rc).toBe(127);
  });

  it('expands $VAR, ${VAR} and ~ like Ansible, leaving unset variables literal', () => {
    const { plan } = planWith(commandModule, { args: { argv: ['printf', '%s|', '$TSPLAY_T', '${TSPLAY_T}x', '$TSPLAY_UNSET', '${TSPLAY_UNSET}', '~/d', '~', 'a~', '$1'] } });
    const r = runLocal(shellCmd(plan).cmd.text, { env: { TSPLAY_T: 'v a l', HOME: '/home/zz' } });
    expect(r.stdout).toBe('v a l|v a lx|$TSPLAY_UNSET|${TSPLAY_UNSET}|/home/zz/d|/home/zz|a~|$1|');
  });

  it('expand_argument_vars: false keeps words literal', () => {
    const { plan } = planWith(commandModule, { args: { argv: ['printf', '%s|', '$HOME', '~'], expand_argument_vars: false } });
    expect(runLocal(shellCmd(plan).cmd.text).stdout).toBe('$HOME|~|');
  });

  it('the loader pulls creates=/chdir= options out of the free-form string (parse_kv)', () => {
    expect(parseStringArgs(commandModule, 'make install creates=/opt/x chdir="/src dir"').args).toEqual({
      _raw_params: 'make install',
      creates: '/opt/x',
      chdir: '/src dir',
    });
    expect(parseStringArgs(commandModule, 'make chdir={{ ws }}/x').args).toEqual({ _raw_params: 'make', chdir: '{{ ws }}/x' });
    expect(parseStringArgs(commandModule, 'echo foo=bar').args).toEqual({ _raw_params: 'echo foo=bar' });
  });

  it('fails clearly on an unbalanced quote, with no command', () => {
    const { plan } = planWith(commandModule, { args: { _raw_params: `echo "oops` } });
    expect(plan.failed).toMatch(/No closing quotation/);
    expect(plan.commands).toEqual([]);
  });

  it('requires exactly one of the command forms', () => {
    expect(planWith(commandModule, { args: { argv: [] } }).plan.failed).toBe('no command given');
    expect(planWith(commandModule, { args: { cmd: 'ls', argv: ['ls'] } }).plan.failed).toBe('only command or argv can be given, not both');
    expect(() => planWith(commandModule, { args: { cmd: 'ls', bogus: 1 } })).toThrow();
  });

  it('shlexSplit matches Python shlex.split', () => {
    expect(shlexSplit(`a "b \\" \\$c" 'd\\e' f\\ g ""`)).toEqual(['a', 'b " \\$c', 'd\\e', 'f g', '']);
  });
});

describe('command/shell: hostile strings are quoted safely', () => {
  it('command argv words reach the program byte for byte', () => {
    for (const s of HOSTILE) {
      const { plan } = planWith(commandModule, { args: { argv: ['printf', '%s', s], expand_argument_vars: false } });
      const r = runLocal(shellCmd(plan).cmd.text);
      expect(r.rc).toBe(0);
      expect(r.stdout).toBe(s);
    }
  });

  it('command argv words with expansion on still never execute anything', () => {
    for (const s of HOSTILE.filter((h) => !h.includes('$') && !h.startsWith('~'))) {
      const { plan } = planWith(commandModule, { args: { argv: ['printf', '%s', s] } });
      expect(runLocal(shellCmd(plan).cmd.text).stdout).toBe(s);
    }
    const { plan } = planWith(commandModule, { args: { argv: ['printf', '%s', '$(id)`id`${HOME'] } });
    expect(runLocal(shellCmd(plan).cmd.text).stdout).toBe('$(id)`id`${HOME');
  });

  it('shell hands the script to sh -c exactly as written', () => {
    // /bin/echo as the "shell" prints the exact argument it was handed after -c.
    for (const s of HOSTILE.filter((h) => h.trim() !== '')) {
      const { plan } = planWith(shellModule, { args: { _raw_params: s, executable: '/bin/echo' } });
      const r = runLocal(shellCmd(plan).cmd.text);
      expect(r.stdout).toBe(`-c ${s}\n`);
    }
    const { plan } = planWith(shellModule, { args: { _raw_params: 'printf "%s|" $((1+2)) "$(echo sub)" | tr a-z A-Z' } });
    expect(runLocal(shellCmd(plan).cmd.text).stdout).toBe('3|SUB|');
  });

  it('chdir/creates with hostile paths are quoted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-cmd-'));
    const weird = join(dir, `we'ird $(x) \`y\` ✓`);
    mkdirSync(weird);
    const { plan } = planWith(commandModule, { args: { _raw_params: 'pwd', chdir: weird }, probes: { guard: '' } });
    expect(runLocal(shellCmd(plan).cmd.text).stdout).toBe(weird + '\n');
  });
});

describe('command: creates / removes', () => {
  it('probes relative to chdir and skips when creates matches', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-cmd-'));
    writeFileSync(join(dir, 'done marker.txt'), '');
    const p = planWith(commandModule, { args: { _raw_params: 'make', chdir: dir, creates: 'done *.txt', removes: 'nothing*' }, probes: { guard: 'x' } });
    const probeOut = runLocal(p.probeCmds[0]!);
    expect(probeOut.stdout).toContain('creates=1');
    expect(probeOut.stdout).toContain('removes=0');
    const { plan } = planWith(commandModule, { args: { _raw_params: 'make', chdir: dir, creates: 'done *.txt' }, probes: { guard: probeOut.stdout } });
    expect(plan.changed).toBe(false);
    expect(plan.commands).toEqual([]);
    expect(plan.msg).toBe("Did not run command since 'done *.txt' exists");
    expect(plan.result).toMatchObject({ rc: 0, stdout: 'skipped, since done *.txt exists', cmd: ['make'] });
  });

  it('runs when creates does not exist', () => {
    const { plan } = planWith(commandModule, { args: { _raw_params: 'touch /x', creates: '/x' }, probes: { guard: 'creates=0\n' } });
    expect(plan.changed).toBe(true);
    expect(plan.commands).toHaveLength(1);
  });

  it('skips when removes does not exist (check mode says "Would")', () => {
    const { plan } = planWith(shellModule, { args: { _raw_params: 'rm /x', removes: '/x' }, probes: { guard: 'removes=0\n' }, check: true });
    expect(plan.commands).toEqual([]);
    expect(plan.msg).toBe("Would not run command since '/x' does not exist");
  });

  it('free-form creates= works like the creates arg', () => {
    const { plan } = planWith(commandModule, { args: parseStringArgs(commandModule, '/opt/install.sh creates=/opt/app').args, probes: { guard: 'creates=1\n' } });
    expect(plan.changed).toBe(false);
    expect(plan.result?.cmd).toEqual(['/opt/install.sh']);
  });

  it('fails with Ansible’s message when chdir is missing (the path as Python bytes), in check mode too', () => {
    for (const check of [false, true]) {
      const { plan } = planWith(commandModule, { args: { _raw_params: 'ls', chdir: '/nope' }, probes: { guard: 'chdir=missing\n' }, check });
      expect(plan.failed).toBe("Unable to change directory before execution: [Errno 2] No such file or directory: b'/nope'");
      expect(plan.result).toMatchObject({ rc: null, stdout: '', stderr: '' });
    }
    expect(pyBytesRepr(`it's ✓\\`)).toBe(`b"it's \\xe2\\x9c\\x93\\\\"`);
    expect(pyBytesRepr(`a'"b`)).toBe(`b'a\\'"b'`);
  });
});

describe('command/shell: check mode (Ansible’s partial support)', () => {
  it('creates missing or removes present: changed, nothing runs, "Command would have run"', () => {
    for (const [mod, args, guard] of [
      [commandModule, { _raw_params: 'touch /x', creates: '/x' }, 'creates=0\n'],
      [shellModule, { _raw_params: 'rm /x', removes: '/x' }, 'removes=1\n'],
    ] as const) {
      const { plan } = planWith(mod, { args, probes: { guard }, check: true });
      expect(plan.commands).toEqual([]);
      expect(plan.changed).toBe(true);
      expect(plan.unpredictable).toBeUndefined();
      expect(plan.result).toMatchObject({ rc: 0, stdout: '', stderr: '', msg: 'Command would have run if not in check mode', start: null });
      expect(plan.result?.skipped).toBeUndefined();
    }
  });

  it('without creates/removes: skipped, not changed', () => {
    const { plan } = planWith(shellModule, { args: { _raw_params: 'echo hi > /x' }, check: true });
    expect(plan.commands).toEqual([]);
    expect(plan.changed).toBe(false);
    expect(plan.result).toMatchObject({ skipped: true, rc: 0, cmd: 'echo hi > /x', msg: 'Command would have run if not in check mode' });
  });

  it('creates present: "Would not run", ok', () => {
    const { plan } = planWith(commandModule, { args: { _raw_params: 'touch /x', creates: '/x' }, probes: { guard: 'creates=1\n' }, check: true });
    expect(plan.changed).toBe(false);
    expect(plan.msg).toBe("Would not run command since '/x' exists");
    expect(plan.result?.skipped).toBeUndefined();
  });
});

describe('command/shell: interpret', () => {
  it('rc 0 → changed with Ansible result fields; trailing newlines stripped', () => {
    const { plan } = planWith(commandModule, { args: { _raw_params: 'echo hi' } });
    const o = plan.interpret!([result({ rc: 0, stdout: 'hi\nthere\n\n', stderr: 'warn\n' })]);
    expect(o.changed).toBe(true);
    expect(o.failed).toBeUndefined();
    expect(o.result).toMatchObject({ rc: 0, stdout: 'hi\nthere', stdout_lines: ['hi', 'there'], stderr: 'warn', stderr_lines: ['warn'], cmd: ['echo', 'hi'], msg: '' });
    expect(o.result?.delta).toMatch(/^0:00:00\.\d{6}$/);
  });

  it('non-zero rc → failed "non-zero return code" with rc and stderr kept', () => {
    const { plan } = planWith(shellModule, { args: { _raw_params: 'false' } });
    const o = plan.interpret!([result({ rc: 3, stdout: '', stderr: 'boom\n' })]);
    expect(o.failed).toBe('non-zero return code');
    expect(o.result).toMatchObject({ rc: 3, stderr: 'boom', cmd: 'false', msg: 'non-zero return code' });
  });

  it('strip_empty_ends: false keeps the newline', () => {
    const { plan } = planWith(commandModule, { args: { _raw_params: 'echo hi', strip_empty_ends: false } });
    expect(plan.interpret!([result('hi\n')]).result?.stdout).toBe('hi\n');
  });

  it('the command is marked mayFail so interpret sees the rc', () => {
    const { plan } = planWith(commandModule, { args: { _raw_params: 'false' } });
    expect(shellCmd(plan).mayFail).toBe(true);
  });
});

describe('command/shell: stdin and executable', () => {
  it('stdin goes to the process, never onto the command line', () => {
    const secret = 's3cr3t $(id) "\'';
    const { plan } = planWith(commandModule, { args: { _raw_params: 'cat', stdin: secret } });
    const c = shellCmd(plan);
    expect(c.cmd.text).not.toContain('s3cr3t');
    expect(c.describe).not.toContain('s3cr3t');
    expect(c.stdin).toBe(secret + '\n');
    expect(runLocal(c.cmd.text, { stdin: c.stdin }).stdout).toBe(secret + '\n');
    const raw = planWith(commandModule, { args: { _raw_params: 'cat', stdin: 'x', stdin_add_newline: false } }).plan;
    expect(shellCmd(raw).stdin).toBe('x');
  });

  it('shell uses executable when given', () => {
    const { plan } = planWith(shellModule, { args: { _raw_params: 'echo $0', executable: '/bin/bash' } });
    expect(shellCmd(plan).cmd.text).toBe("exec /bin/bash -c 'echo $0'");
    expect(runLocal(shellCmd(plan).cmd.text).stdout).toBe('/bin/bash\n');
  });

  it('shell keeps a multi-line script intact', () => {
    const script = 'set -e\nx=1\nif [ "$x" = 1 ]; then\n  echo "one\'s"\nfi\n';
    const { plan } = planWith(shellModule, { args: { _raw_params: script } });
    expect(runLocal(shellCmd(plan).cmd.text).stdout).toBe("one's\n");
  });
});
