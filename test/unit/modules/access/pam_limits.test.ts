import { describe, expect, it } from 'vitest';
import { editLimits, invalidLimitValue, pamLimits, pamLimitsArgs } from '../../../../src/modules/access/pam_limits.js';
import { cmdTexts, planWith } from '../../../fixtures/modules/system/context.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const args = (a: Record<string, unknown>) => pamLimitsArgs.parse({ domain: 'alice', limit_type: '-', limit_item: 'nofile', value: '2048', ...a });
const FILE = '# head\n@staff     hard   nproc    50   # staff cap\n  alice\t-\tnofile\t1024\nbob hard nofile unlimited';

/** Probe outputs for an existing dest (writable, in a writable directory) or a missing one. */
function probes(content: string | null, dirOk = true) {
  const stat = 'l 81a4 644 0 root 0 root 10 1 5 6\ns 81a4 644 0 root 0 root 10 1 5 6\nr ' + b64('/etc/security/limits.conf');
  return {
    limits: content === null ? 'absent\n' : `${stat}\nc\n${b64(content)}\n`,
    limitsdir: `${dirOk ? 'D\n' : ''}${content !== null ? 'W\n' : ''}`,
  };
}

describe('pam_limits edits (community.general)', () => {
  it('a changed line is written with tabs and takes the comment of an earlier line (the module’s quirk, newline included)', () => {
    const r = editLimits(FILE, args({}), '/x');
    expect(r).toEqual({
      content: '# head\n@staff     hard   nproc    50   # staff cap\nalice\t-\tnofile\t2048\t# staff cap\n\nbob hard nofile unlimited',
      changed: true,
      msg: 'alice\t-\tnofile\t2048\t# staff cap\n\n',
    });
  });

  it('a new line is appended, glued to a last line without a newline; the same value is ok', () => {
    const r = editLimits('bob hard nofile unlimited', args({ domain: 'carl', limit_type: 'soft', limit_item: 'core', value: '0' }), '/x');
    expect(r).toMatchObject({ content: 'bob hard nofile unlimitedcarl\tsoft\tcore\t0\n', changed: true });
    expect(editLimits('alice - nofile 2048\n', args({}), '/x')).toEqual({ content: 'alice - nofile 2048\n', changed: false, msg: 'alice - nofile 2048\n' });
  });

  it('use_max / use_min compare numbers and treat unlimited, infinity and -1 as no limit', () => {
    const line = (v: string) => `alice - nofile ${v}\n`;
    expect(editLimits(line('4096'), args({ value: '1000', use_max: true }), '/x')).toMatchObject({ changed: false });
    expect(editLimits(line('100'), args({ value: '0200', use_max: true }), '/x')).toMatchObject({ content: 'alice\t-\tnofile\t200\n' });
    expect(editLimits(line('unlimited'), args({ value: '10', use_max: true }), '/x')).toMatchObject({ changed: false });
    expect(editLimits(line('infinity'), args({ value: '300', use_min: true }), '/x')).toMatchObject({ content: 'alice\t-\tnofile\t300\n' });
    expect(editLimits(line('50'), args({ value: '-1', use_min: true }), '/x')).toMatchObject({ changed: false });
  });

  it('values are checked as the module does, messages with Python reprs', () => {
    expect(invalidLimitValue('nofile', '10')).toBeUndefined();
    expect(invalidLimitValue('nice', '-20')).toBeUndefined();
    expect(invalidLimitValue('nice', '20')).toBe(
      " Value of '20' for item 'nice' is invalid. Value must be a number in the range -20 to 19 inclusive. Refer to the limits.conf(5) manual pages for more details.",
    );
    expect(invalidLimitValue('core', 'lots')).toMatch(/^ Value of 'lots' for item 'core' is invalid\. Value must either be 'unlimited'/);
    expect(editLimits('* soft nofile many\n', args({}), '/f')).toEqual({ error: expect.stringMatching(/^Invalid configuration found in '\/f'\. Value of 'many'/) });
  });
});

describe('pam_limits module', () => {
  it('rewrites the file keeping its mode and owner; the result carries msg and the diff', () => {
    const { plan } = planWith(pamLimits, { args: { domain: 'alice', limit_type: '-', limit_item: 'nofile', value: '2048' }, probes: probes(FILE) });
    expect(plan.commands).toHaveLength(1);
    expect(plan.commands[0]).toMatchObject({ kind: 'put', path: '/etc/security/limits.conf', mode: '0644', owner: '0', group: '0' });
    expect(plan.result).toMatchObject({ changed: true, msg: 'alice\t-\tnofile\t2048\t# staff cap\n\n', diff: { before: FILE } });
  });

  it('a missing file is created first, so a later argument error still leaves it (as the module)', () => {
    const { plan } = planWith(pamLimits, { args: { domain: 'x', limit_type: 'soft', limit_item: 'nofile', value: '1', use_min: true, use_max: true }, probes: probes(null) });
    expect(cmdTexts(plan.commands)).toEqual([': >> /etc/security/limits.conf']);
    expect(plan.interpret!([]).failed).toBe('Cannot use use_min and use_max at the same time.');
    const check = planWith(pamLimits, {
      args: { domain: 'x', limit_type: 'soft', limit_item: 'nofile', value: '1', use_min: true, use_max: true },
      probes: probes(null),
      check: true,
    });
    expect(check.plan.failed).toBe('Cannot use use_min and use_max at the same time.');
  });

  it('a missing directory fails with the module’s message; create is not a 2.14 argument', () => {
    const { plan } = planWith(pamLimits, { args: { dest: '/nodir/l.conf', domain: 'x', limit_type: 'soft', limit_item: 'nofile', value: '1' }, probes: probes(null, false) });
    expect(plan.failed).toBe('directory /nodir is not writable (check presence, access rights, use sudo)');
    expect(() => pamLimitsArgs.parse({ domain: 'x', limit_type: 'soft', limit_item: 'nofile', value: '1', create: true })).toThrow(/create/);
    expect(() => pamLimitsArgs.parse({ domain: 'x', limit_type: 'both', limit_item: 'nofile', value: '1' })).toThrow();
  });
});
