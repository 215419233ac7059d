import { describe, expect, it } from 'vitest';
import { modprobeModule, moduleLoaded, persistentWrites, type ModprobeArgs, type ModprobeProbe } from '../../../../src/modules/system/modprobe.js';
import type { PlanContext } from '../../../../src/modules/types.js';
import type { PutCommand, ShellCommand } from '../../../../src/commands/types.js';
import { debian12 } from '../../../fixtures/modules/system/facts.js';
import { result } from '../../../fixtures/modules/system/context.js';
import { runLocal } from '../../../fixtures/modules/system/sh.js';

const probe = (o: Partial<ModprobeProbe> = {}): ModprobeProbe => ({
  modprobe: '/usr/sbin/modprobe',
  binPath: '/usr/bin:/bin:/sbin',
  release: '6.1.0',
  procModules: { text: 'ext4 1 0 - Live 0x0\nnf_tables 2 0 - Live 0x0\n' },
  builtin: { text: 'kernel/fs/vfat.ko\n' },
  loadFiles: [],
  optionFiles: [],
  ...o,
});

function plan(args: ModprobeArgs, p: ModprobeProbe, check = false) {
  const ctx = { host: 'h', facts: debian12, check, diff: false, vars: {}, probed: { modprobe: p } } as unknown as PlanContext;
  return modprobeModule.plan(modprobeModule.args.parse(args), ctx);
}

/** A stdout as the load script prints it (base64 fields). */
const ran = (rc: number, proc: string, stderr = '') =>
  `run-rc\t${rc}\nrun-out\t\nrun-err\t${Buffer.from(stderr).toString('base64')}\nfirst-rc\t0\nfirst-out\t\nfirst-err\t\nproc\t${Buffer.from(proc).toString('base64')}\n`;

describe('modprobe', () => {
  it('loaded: /proc/modules (dashes as underscores) or modules.builtin; an unreadable file is Python’s error', () => {
    expect(moduleLoaded('nf-tables', probe())).toBe(true);
    expect(moduleLoaded('vfat', probe())).toBe(true);
    expect(moduleLoaded('dummy', probe())).toBe(false);
    expect(moduleLoaded('dummy', probe({ procModules: { error: 'ENOENT' } }))).toEqual({ error: "[Errno 2] No such file or directory: '/proc/modules'" });
    expect(moduleLoaded('dummy', probe({ builtin: { error: 'ENOENT' } }))).toEqual({ error: "[Errno 2] No such file or directory: '/lib/modules/6.1.0/modules.builtin'" });
  });

  it('present: runs modprobe NAME PARAMS; changed only when /proc/modules then lists it', () => {
    const p = plan({ name: 'dummy', params: 'numdummies=2 "x=a b"' }, probe());
    expect((p.commands[0] as ShellCommand).describe).toBe('modprobe dummy numdummies=2 x=a b');
    expect(p.interpret!([result(ran(0, 'dummy 1 0 - Live\n'))])).toEqual({
      changed: true,
      result: { name: 'dummy', params: 'numdummies=2 "x=a b"', state: 'present', changed: true },
    });
    expect(p.interpret!([result(ran(0, ''))]).changed).toBe(false);
    const failed = p.interpret!([result(ran(1, '', 'modprobe: FATAL: Module dummy not found\n'))]);
    expect(failed.failed).toBe('modprobe: FATAL: Module dummy not found\n');
    expect(failed.result).toMatchObject({ rc: 1, name: 'dummy', changed: false });
    expect(plan({ name: 'ext4' }, probe())).toMatchObject({ changed: false, commands: [] });
  });

  it('the load script runs in sh with a stand-in modprobe and hostile params stay words', () => {
    const p = plan({ name: 'dummy', params: `a='$(touch /tmp/tsplay-pwned)'` }, probe({ modprobe: '/bin/echo' }));
    const out = runLocal((p.commands[0] as ShellCommand).cmd.text);
    expect(out.stdout).toContain('run-rc\t0');
    const echoed = /run-out\t(\S*)/.exec(out.stdout)![1]!;
    expect(Buffer.from(echoed, 'base64').toString()).toBe('dummy a=$(touch /tmp/tsplay-pwned)\n');
  });

  it('check mode: the probe’s dry run decides, nothing runs', () => {
    expect(plan({ name: 'dummy' }, probe({ dryRun: { rc: 0, stdout: '', stderr: '' } }), true)).toMatchObject({ changed: true, commands: [] });
    expect(plan({ name: 'dummy' }, probe({ dryRun: { rc: 1, stdout: '', stderr: 'not found' } }), true).failed).toBe('not found');
    expect(plan({ name: 'ext4', state: 'absent' }, probe({ dryRun: { rc: 0, stdout: '', stderr: '' } }), true).changed).toBe(true);
  });

  it('no modprobe: get_bin_path’s message', () => {
    expect(plan({ name: 'dummy' }, probe({ modprobe: undefined })).failed).toBe('Failed to find required executable "modprobe" in paths: /usr/bin:/bin:/sbin');
  });

  it('persistent: the modules-load.d and modprobe.d files as the module writes them', () => {
    const p = probe({
      loadFiles: [{ path: '/etc/modules-load.d/x.conf', text: 'dummy # keep\nloop\n' }],
      optionFiles: [{ path: '/etc/modprobe.d/o.conf', text: 'options dummy numdummies=1\n' }],
    });
    expect(persistentWrites({ name: 'dummy', params: 'numdummies=2', persistent: 'present' }, p)).toEqual({
      changed: true,
      writes: [
        { path: '/etc/modprobe.d/o.conf', text: '#options dummy numdummies=1\n' },
        { path: '/etc/modprobe.d/dummy.conf', text: 'options dummy numdummies=2\n' },
      ],
    });
    expect(persistentWrites({ name: 'dummy', params: 'numdummies=1', persistent: 'present' }, p)).toEqual({ changed: false, writes: [] });
    expect(persistentWrites({ name: 'dummy', persistent: 'absent' }, p)).toEqual({
      changed: true,
      writes: [
        { path: '/etc/modules-load.d/x.conf', text: '#dummy # keep\n\nloop\n' },
        { path: '/etc/modprobe.d/o.conf', text: '#options dummy numdummies=1\n' },
      ],
    });
    const puts = plan({ name: 'ext4', persistent: 'present' }, probe()).commands as PutCommand[];
    // no params asked and none set: only the modules-load.d file
    expect(puts.map((c) => [c.path, c.content])).toEqual([['/etc/modules-load.d/ext4.conf', 'ext4\n']]);
  });
});
