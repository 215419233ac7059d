import { describe, expect, it } from 'vitest';
import { assertModule } from '../../../../src/modules/system/assert.js';
import { failModule } from '../../../../src/modules/system/fail.js';
import { debugModule } from '../../../../src/modules/system/debug.js';
import { setFactModule } from '../../../../src/modules/system/set_fact.js';
import { systemModules } from '../../../../src/modules/system/index.js';
import { planWith } from '../../../fixtures/modules/system/context.js';

const vars: Record<string, unknown> = { a: 1, b: 2, name: 'web' };
// A stand-in for the engine's expression evaluator: only what these tests use.
const evaluate = (e: string) => {
  const m = /^(\w+) (==|<) (\w+)$/.exec(e);
  if (!m) throw new Error(`cannot parse ${e}`);
  const v = (x: string) => (x in vars ? vars[x] : Number(x));
  return m[2] === '==' ? v(m[1]!) === v(m[3]!) : (v(m[1]!) as number) < (v(m[3]!) as number);
};

describe('assert', () => {
  it('passes when every condition holds', () => {
    const { plan } = planWith(assertModule, { args: { that: ['a < b', 'a == 1'] }, evaluate });
    expect(plan).toMatchObject({ changed: false, commands: [], msg: 'All assertions passed' });
    expect(plan.failed).toBeUndefined();
  });

  it('fails on the first false condition with fail_msg (or msg alias)', () => {
    const { plan } = planWith(assertModule, { args: { that: ['a < b', 'b < a', 'a == 1'], fail_msg: 'b is too small' }, evaluate });
    expect(plan.failed).toBe('b is too small');
    expect(plan.result).toMatchObject({ assertion: 'b < a', evaluated_to: false });
    expect(planWith(assertModule, { args: { that: 'b < a', msg: 'nope' }, evaluate }).plan.failed).toBe('nope');
    expect(planWith(assertModule, { args: { that: 'b < a' }, evaluate }).plan.failed).toBe('Assertion failed');
  });

  it('an expression error is a failure naming the condition', () => {
    const { plan } = planWith(assertModule, { args: { that: 'what even' }, evaluate });
    expect(plan.failed).toBe("The conditional check 'what even' failed. The error was: cannot parse what even");
  });

  it('success_msg and quiet', () => {
    expect(planWith(assertModule, { args: { that: 'a == 1', success_msg: 'fine' }, evaluate }).plan.msg).toBe('fine');
    expect(planWith(assertModule, { args: { that: 'a == 1', quiet: true }, evaluate }).plan.msg).toBeUndefined();
  });
});

describe('fail', () => {
  it('fails with msg or Ansible’s default', () => {
    expect(planWith(failModule, { args: { msg: 'stop here' } }).plan.failed).toBe('stop here');
    expect(planWith(failModule, { args: {} }).plan.failed).toBe('Failed as requested from task');
  });
});

describe('debug', () => {
  it('msg (any value), var, and the default', () => {
    expect(planWith(debugModule, { args: { msg: 'hi' } }).plan).toMatchObject({ msg: 'hi', result: { msg: 'hi' }, changed: false });
    expect(planWith(debugModule, { args: { msg: [1, 2] } }).plan.result).toEqual({ msg: [1, 2] });
    expect(planWith(debugModule, { args: {} }).plan.msg).toBe('Hello world!');
    const v = planWith(debugModule, { args: { var: 'name' }, evaluateValue: (e) => vars[e] }).plan;
    expect(v.result).toEqual({ name: 'web' });
    const u = planWith(debugModule, {
      args: { var: 'nope' },
      evaluateValue: () => {
        throw new Error('undefined variable nope');
      },
    }).plan;
    expect(u.result).toEqual({ nope: 'VARIABLE IS NOT DEFINED!' });
  });

  it('msg and var together are refused; verbosity above the run’s is skipped', () => {
    expect(() => planWith(debugModule, { args: { msg: 'x', var: 'y' } })).toThrow(/incompatible/);
    expect(planWith(debugModule, { args: { msg: 'x', verbosity: 2 }, vars: { ansible_verbosity: 1 } }).plan.result).toMatchObject({ skipped: true });
    expect(planWith(debugModule, { args: { msg: 'x', verbosity: 1 }, vars: { ansible_verbosity: 1 } }).plan.msg).toBe('x');
  });
});

describe('set_fact', () => {
  it('sets facts, ignores cacheable, and is not a change', () => {
    const { plan } = planWith(setFactModule, { args: { version: '4.10', ports: [80, 443], cacheable: true } });
    expect(plan.setFacts).toEqual({ version: '4.10', ports: [80, 443] });
    expect(plan.changed).toBe(false);
    expect(plan.result).toEqual({ ansible_facts: { version: '4.10', ports: [80, 443] } });
  });

  it('refuses invalid variable names and empty calls', () => {
    expect(() => planWith(setFactModule, { args: { 'bad-name': 1 } })).toThrow(/The variable name 'bad-name' is not valid/);
    // ansible's isidentifier also refuses Python keywords
    for (const k of ['class', 'None', 'True']) expect(() => planWith(setFactModule, { args: { [k]: 1 } })).toThrow(`The variable name '${k}' is not valid`);
    expect(() => planWith(setFactModule, { args: {} })).toThrow(/at least one/);
  });
});

describe('systemModules registry list', () => {
  it('exposes every module name and alias once', () => {
    const names = systemModules.flatMap((m) => [m.name, ...(m.aliases ?? [])]);
    expect(names.sort()).toEqual(
      [
        'apt',
        'assert',
        'command',
        'debug',
        'dnf',
        'fail',
        'gather_facts',
        'get_url',
        'include_vars',
        'package',
        'reboot',
        'seport',
        'community.general.seport',
        'ansible.builtin.reboot',
        'ansible.legacy.reboot',
        'service',
        'set_fact',
        'setup',
        'shell',
        'systemd',
        'systemd_service',
        'uri',
        'validate_argument_spec',
        'wait_for',
        'yum',
        'cron',
        'sysctl',
        'ansible.posix.sysctl',
        'mount',
        'ansible.posix.mount',
        'service_facts',
        'timezone',
        'community.general.timezone',
        'hostname',
        'locale_gen',
        'community.general.locale_gen',
        'modprobe',
        'community.general.modprobe',
        'seboolean',
        'ansible.posix.seboolean',
        'selinux',
        'ansible.posix.selinux',
      ].sort(),
    );
    expect(new Set(names).size).toBe(names.length);
    for (const m of systemModules.filter((x) => ['assert', 'fail', 'debug', 'set_fact', 'validate_argument_spec'].includes(x.name))) expect(m.local).toBe(true);
  });
});
