import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pauseModule } from '../../../../src/modules/exec/pause.js';
import { rawModule } from '../../../../src/modules/exec/raw.js';
import { scriptModule } from '../../../../src/modules/exec/script.js';
import type { ShellCommand } from '../../../../src/commands/types.js';
import { runPlan } from '../files/ctx.js';

/** Run a planned shell command here with its stdin, as an executor would. */
function runHere(c: ShellCommand): { rc: number; stdout: string } {
  try {
    return { rc: 0, stdout: execFileSync('/bin/sh', ['-c', c.cmd.text], { input: c.stdin, encoding: 'utf8' }) };
  } catch (e) {
    const err = e as { status: number; stdout: string };
    return { rc: err.status, stdout: err.stdout };
  }
}

const files = { 'args.sh': '#!/bin/sh\nprintf "%s|" "$@"; echo; echo "err" >&2\n' };

describe('script', () => {
  it('sends the script on stdin, runs it with the rest of the line as shell text, and removes it', () => {
    const plan = runPlan(scriptModule, { _raw_params: `args.sh "a b" $((1+1)) 'it''s'` }, {}, { files, vars: { ansible_connection: 'local' } });
    const cmd = plan.commands[0] as ShellCommand;
    expect(plan.unpredictable).toBe(true);
    expect(cmd.stdin?.toString()).toBe(files['args.sh']);
    const out = runHere(cmd);
    expect(out).toEqual({ rc: 0, stdout: 'a b|2|its|\n' });
    expect(execFileSync('/bin/sh', ['-c', 'ls -d "${TMPDIR:-/tmp}"/tsplay-script.* 2>/dev/null || true'], { encoding: 'utf8' })).toBe('');
  });

  it('over SSH the script stderr joins stdout (Ansible runs it on a pty)', () => {
    const out = runHere(runPlan(scriptModule, { _raw_params: 'args.sh x' }, {}, { files }).commands[0] as ShellCommand);
    expect(out.stdout).toBe('x|\nerr\n');
  });

  it('a hostile script name or argument cannot escape its quoting', () => {
    const plan = runPlan(scriptModule, { _raw_params: 'args.sh ok; echo pwned' }, {}, { files: { 'args.sh': '#!/bin/sh\necho "[$*]"\n' }, vars: { ansible_connection: 'local' } });
    // the arguments are shell text by design (as in Ansible): `;` ends the script's command line there
    expect(runHere(plan.commands[0] as ShellCommand).stdout).toBe('[ok]\npwned\n');
    const plan2 = runPlan(scriptModule, { _raw_params: 'args.sh', chdir: "/tmp/'; touch /tmp/x; '" }, {}, { files });
    expect((plan2.commands[0] as ShellCommand).cmd.text).toContain(`cd '/tmp/'"'"'; touch /tmp/x; '"'"''`);
  });

  it("creates/removes skip with Ansible's messages; check mode skips unless they are given", () => {
    expect(runPlan(scriptModule, { _raw_params: 'args.sh', creates: '/etc' }, { creates: true }, { files }).result).toEqual({
      skipped: true,
      msg: '/etc exists, matching creates option',
    });
    expect(runPlan(scriptModule, { _raw_params: 'args.sh', removes: '/nope' }, { removes: false }, { files }).result).toEqual({
      skipped: true,
      msg: '/nope does not exist, matching removes option',
    });
    const check = runPlan(scriptModule, { _raw_params: 'args.sh' }, {}, { files, check: true });
    expect(check.commands).toEqual([]);
    expect(check.result).toEqual({ skipped: true, msg: 'Check mode is not supported for this task.' });
    expect(runPlan(scriptModule, { _raw_params: 'args.sh', creates: '/x' }, { creates: false }, { files, check: true })).toMatchObject({ changed: true, commands: [] });
    expect(runPlan(scriptModule, { _raw_params: 'args.sh', chdir: 'rel' }, {}, { files }).failed).toBe('chdir rel must be an absolute path for a Unix-aware remote node');
    expect(runPlan(scriptModule, { _raw_params: 'missing.sh' }, {}, { files }).failed).toMatch(/missing\.sh/);
    expect(() => scriptModule.args.parse({ _raw_params: 'x', colour: 1 })).toThrow();
  });
});

describe('raw', () => {
  it("runs the line as it is; a non-zero rc fails with Ansible's message; check mode skips", () => {
    const plan = runPlan(rawModule, { _raw_params: 'echo $((6*7)); exit 3' }, {}, { vars: { ansible_connection: 'local' } });
    const r = runHere(plan.commands[0] as ShellCommand);
    expect(r).toEqual({ rc: 3, stdout: '42\n' });
    expect(plan.interpret!([{ ...r, stderr: '', durationMs: 1 }])).toMatchObject({ changed: true, failed: 'non-zero return code', result: { rc: 3, stdout_lines: ['42'] } });
    expect(runPlan(rawModule, { _raw_params: 'reboot' }, {}, { check: true })).toMatchObject({ commands: [], result: { skipped: true } });
  });
});

describe('pause', () => {
  it("waits seconds (at least 1) or minutes, truncating floats, and registers Ansible's fields", () => {
    expect(runPlan(pauseModule, { seconds: 0 }, {}).waitMs).toBe(1000);
    expect(runPlan(pauseModule, { seconds: '2' }, {}).waitMs).toBe(2000);
    expect(runPlan(pauseModule, { minutes: 1.7 }, {}).waitMs).toBe(60_000);
    const p = runPlan(pauseModule, { prompt: 'Continue?' }, {});
    expect(p.waitMs).toBe(0);
    expect(p.warnings).toEqual(['Not waiting for response to prompt as stdin is not interactive']);
    expect(p.interpret!([])).toMatchObject({ changed: false, result: { rc: 0, echo: true, user_input: '', delta: 0, stdout: 'Paused for 0.0 seconds' } });
    expect(pauseModule.args.safeParse({ seconds: 1, minutes: 1 }).success).toBe(false);
    expect(pauseModule.bypassHostLoop).toBe(true);
  });
});
