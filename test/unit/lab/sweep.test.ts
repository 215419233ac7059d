import { describe, expect, it } from 'vitest';
import { isLeftover, testRunLabel } from '../../../src/lab/lab.js';

describe('which test containers a sweep may remove', () => {
  it('keeps containers of a live run (another vitest on the same machine)', () => {
    expect(isLeftover(`run-${process.pid}`)).toBe(false);
    expect(isLeftover(`standin-${process.pid}-ab12c`)).toBe(false);
  });

  it('removes containers of a dead run, with no owner, or of its own run at teardown', () => {
    expect(isLeftover('run-999999999')).toBe(true);
    expect(isLeftover('1')).toBe(true);
    expect(isLeftover(`run-${process.pid}`, `run-${process.pid}`)).toBe(true);
  });

  it('labels with the vitest main process when the global setup exported it', () => {
    const saved = process.env['TSPLAY_TEST_RUN_PID'];
    process.env['TSPLAY_TEST_RUN_PID'] = '4242';
    expect(testRunLabel()).toBe('run-4242');
    if (saved === undefined) delete process.env['TSPLAY_TEST_RUN_PID'];
    else process.env['TSPLAY_TEST_RUN_PID'] = saved;
  });
});
