import { describe, expect, it } from 'vitest';
import { getentModule, getentTree } from '../../../../src/modules/users/getent.js';
import { planWith } from '../../../fixtures/modules/system/context.js';

const run = (args: Record<string, unknown>, out: string | { rc: number; stdout?: string }) => planWith(getentModule, { args, probes: { getent: out } });

describe('getent', () => {
  it('colon databases split on ":", others on whitespace; the first field is the key', () => {
    const { plan, probeCmds } = run({ database: 'passwd', key: 'root', service: 'files' }, 'root:x:0:0:root:/root:/bin/bash\n');
    expect(probeCmds).toEqual(['getent passwd root -s files']);
    expect(plan.result).toEqual({ ansible_facts: { getent_passwd: { root: ['x', '0', '0', 'root', '/root', '/bin/bash'] } } });
    expect(plan.gatheredFacts?.ansible).toEqual({ getent_passwd: { root: ['x', '0', '0', 'root', '/root', '/bin/bash'] } });
    expect(getentTree('127.0.0.1   localhost  lh\n::1 localhost ip6-localhost\n', undefined)).toEqual({ '127.0.0.1': ['localhost', 'lh'], '::1': ['localhost', 'ip6-localhost'] });
    expect(getentTree('ssh   22/tcp\n', '/')).toEqual({ 'ssh   22': ['tcp'] });
  });

  it('a key seen again turns its value into a list of records (2.11+)', () => {
    expect(getentTree('127.0.0.1 STREAM localhost\n127.0.0.1 DGRAM\n127.0.0.1 RAW\n', undefined)).toEqual({
      '127.0.0.1': [['STREAM', 'localhost'], ['DGRAM'], ['RAW']],
    });
  });

  it('getent exit codes become Ansible’s messages; fail_key: false gives the key null', () => {
    expect(run({ database: 'passwd', key: 'nobody-here' }, { rc: 2 }).plan.failed).toBe('One or more supplied key could not be found in the database.');
    const soft = run({ database: 'passwd', key: 'nobody-here', fail_key: 'no' }, { rc: 2 }).plan;
    expect(soft.failed).toBeUndefined();
    expect(soft.result).toEqual({ ansible_facts: { getent_passwd: { 'nobody-here': null } }, msg: 'One or more supplied key could not be found in the database.' });
    expect(run({ database: 'nosuch' }, { rc: 1 }).plan.failed).toBe('Missing arguments, or database unknown.');
    expect(run({ database: 'x' }, { rc: 3 }).plan.failed).toBe('Enumeration not supported on this database.');
    expect(run({ database: 'x' }, { rc: 127 }).plan.failed).toBe('Unexpected failure!');
  });
});
