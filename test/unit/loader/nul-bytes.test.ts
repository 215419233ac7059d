import { describe, expect, it } from 'vitest';
import { TsplayErrors } from '../../../src/errors.js';
import { normalizeTasks } from '../../../src/loader/index.js';

function errorsOf(raw: unknown[]): string[] {
  try {
    normalizeTasks(raw, '/p/tasks.yml', {});
    return [];
  } catch (e) {
    if (e instanceof TsplayErrors) return e.errors.map((x) => x.message);
    throw e;
  }
}

describe('NUL bytes in module arguments', () => {
  it('are refused at validate with the argument (ansible-core fails the task at run time)', () => {
    expect(errorsOf([{ command: 'echo a\0b' }, { file: { path: '/tmp/x\0y', state: 'touch' } }])).toEqual([
      expect.stringMatching(/^the command line contains a NUL byte/),
      expect.stringMatching(/^argument path contains a NUL byte/),
    ]);
  });

  it('copy content may hold one (binary content, as in Ansible)', () => {
    expect(errorsOf([{ copy: { dest: '/tmp/x', content: 'a\0b' } }])).toEqual([]);
  });
});
