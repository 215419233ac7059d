import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlaybook } from '../../../src/loader/index.js';
import { TsplayErrors, formatError } from '../../../src/errors.js';
import { fakeModules } from './fake-modules.js';

/** Every error of loading `text` as play.yml, FILE:LINE:COL first, with the hint. */
async function errorsOf(text: string): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsplay-kw-'));
  const file = path.join(dir, 'play.yml');
  fs.writeFileSync(file, text);
  try {
    await loadPlaybook(file, { modules: fakeModules, checkRoles: false });
  } catch (e) {
    if (e instanceof TsplayErrors) return e.errors.map((x) => formatError(x).replace(`${dir}/`, ''));
    throw e;
  }
  return [];
}

describe('keyword values are checked by their schemas (config/keywords.ts), every error at once', () => {
  it('reports wrong booleans and numbers on plays and tasks with their places; only templated keywords hint at a template', async () => {
    const errs = await errorsOf(
      [
        '- hosts: all',
        '  gather_facts: perhaps',
        '  gather_timeout: 0',
        '  max_fail_percentage: 120',
        '  serial: [1, "0%", "25 %"]',
        '  tasks:',
        '    - debug: { msg: hi }',
        '      ignore_errors: sometimes',
        '      delegate_facts: maybe',
        '      retries: -1',
        '      port: 70000',
        '',
      ].join('\n'),
    );
    expect(errs).toEqual([
      'play.yml:2:17: \'gather_facts\' must be true or false, got "perhaps"\n    hint: Ansible takes true/false, yes/no, on/off, 1/0',
      'play.yml:3:19: gather_timeout must be a whole number of seconds, got 0',
      'play.yml:4:24: max_fail_percentage must be a number from 0 to 100, got 120',
      'play.yml:5:15: serial must be a positive number, a percentage like "30%", or a list of them; got "0%"',
      'play.yml:8:22: \'ignore_errors\' must be true or false, got "sometimes"\n    hint: Ansible takes true/false, yes/no, on/off, 1/0 (or a template)',
      'play.yml:9:23: \'delegate_facts\' must be true or false, got "maybe"\n    hint: Ansible takes true/false, yes/no, on/off, 1/0',
      "play.yml:10:16: 'retries' must be a non-negative number, got -1",
      "play.yml:11:13: 'port' must be a port number from 1 to 65535, got 70000",
    ]);
  });

  it('takes every spelling of Ansible’s boolean table and templates where Ansible templates', async () => {
    const pb = [
      '- hosts: all',
      '  gather_facts: No',
      '  serial: ["25 %", "2"]',
      '  tasks:',
      '    - debug: { msg: hi }',
      '      ignore_errors: "{{ ansible_check_mode }}"',
      '      no_log: Y',
      '      run_once: 1',
      '      retries: "3"',
      '',
    ].join('\n');
    expect(await errorsOf(pb)).toEqual([]);
  });
});
