import { describe, expect, it } from 'vitest';
import { rebootArgs, rebootModule, shutdownCommand } from '../../../../src/modules/system/reboot.js';
import { performReboot, type RebootIo } from '../../../../src/engine/reboot.js';
import type { RebootRequest } from '../../../../src/modules/system/reboot.js';
import type { RunResult } from '../../../../src/executors/types.js';
import { planWith } from '../../../fixtures/modules/system/context.js';

const ok = (stdout = ''): RunResult => ({ rc: 0, stdout, stderr: '', durationMs: 1 });

describe('reboot plan (ansible.builtin.reboot)', () => {
  it('finds shutdown in search_paths and builds the plugin’s command line (delay in minutes, the message quoted)', () => {
    const { plan, probeCmds } = planWith(rebootModule, { args: { pre_reboot_delay: 150, msg: "it's time" }, probes: { shutdown_bin: '/usr/sbin/shutdown\n' } });
    expect(probeCmds[0]).toContain('for d in /sbin /bin /usr/sbin /usr/bin /usr/local/sbin;');
    expect(plan.reboot).toMatchObject({
      rebootCommand: `/usr/sbin/shutdown -r 2 'it'"'"'s time'`,
      bootTimeCommand: 'cat /proc/sys/kernel/random/boot_id',
      testCommand: 'whoami',
      rebootTimeoutS: 600,
    });
  });

  it('reboot_command: its first word is looked up, the rest passed as written; an absolute path is not looked up', () => {
    expect(shutdownCommand(rebootArgs.parse({ reboot_command: 'systemctl reboot -i' }), 'debian')).toEqual({ bin: 'systemctl', args: 'reboot -i' });
    const abs = planWith(rebootModule, { args: { reboot_command: '/bin/systemctl reboot' } });
    expect(abs.probeKeys).toEqual([]);
    expect(abs.plan.reboot?.rebootCommand).toBe('/bin/systemctl reboot');
  });

  it('a program found nowhere fails with the plugin’s message; check mode neither looks nor fails', () => {
    const { plan } = planWith(rebootModule, { args: { search_paths: ['/opt'], reboot_command: 'nope now' }, probes: { shutdown_bin: '' } });
    expect(plan.failed).toBe(`Unable to find command "nope" in search paths: ['/opt']`);
    const check = planWith(rebootModule, { args: { reboot_command: 'nope now' }, check: true });
    expect(check.probeKeys).toEqual([]);
    expect(check.plan).toMatchObject({ changed: true, result: { elapsed: 0, rebooted: true } });
    expect(check.plan.failed).toBeUndefined();
  });

  it('only the plugin’s arguments are taken (the old *_sec names are refused, as its _VALID_ARGS does)', () => {
    expect(() => rebootArgs.parse({ reboot_timeout_sec: 5 })).toThrow(/reboot_timeout_sec/);
    expect(rebootArgs.parse({ reboot_timeout: '30', search_paths: '/a,/b' })).toMatchObject({ reboot_timeout: 30, search_paths: ['/a', '/b'] });
  });
});

/** A fake host: answers commands from a script, time moves only when the wait sleeps. */
function fakeHost(answers: Array<RunResult | Error>) {
  let t = 0;
  const ran: string[] = [];
  let resets = 0;
  const io: RebootIo = {
    run: async (cmd) => {
      ran.push(cmd);
      const a = answers.shift();
      if (a === undefined) throw new Error(`unexpected command ${cmd}`);
      if (a instanceof Error) throw a;
      return a;
    },
    reset: async () => {
      resets++;
    },
    sleep: async (ms) => {
      t += ms;
    },
    now: () => t,
    random: () => 0,
  };
  return { io, ran, resets: () => resets };
}

const REQ: RebootRequest = { bootTimeCommand: 'boot', rebootCommand: 'shutdown -r 0', testCommand: 'whoami', rebootTimeoutS: 60, postRebootDelayS: 0 };

describe('the reboot wait (ansible-core’s action plugin)', () => {
  it('counts a connection lost under the reboot command as success, waits through an unchanged boot time and a refused connection (reconnecting), then runs the test command', async () => {
    const lost = new Error('connection lost');
    const h = fakeHost([ok('A\n'), lost, ok('A\n'), new Error('refused'), ok('B\n'), { ...ok(), rc: 1 }, ok('root')]);
    const out = await performReboot(REQ, h.io);
    expect(out).toEqual({ changed: true, result: { rebooted: true, changed: true, elapsed: 4 } });
    expect(h.ran).toEqual(['boot', 'shutdown -r 0', 'boot', 'boot', 'boot', 'whoami', 'whoami']);
    expect(h.resets()).toBe(3);
  });

  it('a failing reboot command is reported with its output, not waited for', async () => {
    const h = fakeHost([ok('A'), { rc: 1, stdout: 'no\n', stderr: 'denied\n', durationMs: 1 }]);
    expect(await performReboot(REQ, h.io)).toEqual({
      changed: false,
      failed: "Reboot command failed. Error was: 'no, denied'",
      result: { rebooted: false, msg: "Reboot command failed. Error was: 'no, denied'", elapsed: 0 },
    });
  });

  it('a host that never comes back times out with rebooted true; a boot-time command that fails first fails the task', async () => {
    const h = fakeHost([ok('A'), ok(), ...Array.from({ length: 20 }, () => ok('A'))]);
    const out = await performReboot({ ...REQ, rebootTimeoutS: 30 }, h.io);
    expect(out).toMatchObject({ failed: 'Timed out waiting for last boot time check (timeout=30)', result: { rebooted: true } });
    const bad = fakeHost([{ rc: 2, stdout: '', stderr: 'nope', durationMs: 1 }]);
    expect(await performReboot(REQ, bad.io)).toMatchObject({ failed: 'reboot: failed to get host boot time info, rc: 2, stdout: , stderr: nope', result: { reboot: false } });
  });
});
