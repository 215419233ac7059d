import { describe, expect, it } from 'vitest';
import { serialBatches } from '../../../src/engine/play.js';

const hosts = ['a', 'b', 'c', 'd', 'e'];
describe('serial batches', () => {
  it('runs all hosts in one batch without serial', () => {
    expect(serialBatches(hosts)).toEqual([hosts]);
  });
  it('splits by a number', () => {
    expect(serialBatches(hosts, [2])).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });
  it('splits by a percentage, at least one host', () => {
    expect(serialBatches(hosts, ['40%'])).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(serialBatches(hosts, ['10%'])).toEqual([['a'], ['b'], ['c'], ['d'], ['e']]);
  });
  it('uses a list of sizes with the last one repeating', () => {
    expect(serialBatches(hosts, [1, 3])).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
  });
});
