import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostPatternProblem, loadInventory, selectHosts } from '../../../src/inventory/index.js';
import { errorOf, tree } from './helpers.js';

const long = 'a'.repeat(5000);
const dir = tree({ 'hosts.ini': `[web]\nweb1\nweb2\n[db]\ndb1\n[long]\n${long}\n` });
const inv = await loadInventory([join(dir, 'hosts.ini')]);

describe('host patterns that Ansible silently widens or drops are errors', () => {
  it.each([
    ['', /empty/],
    ['  ', /empty/],
    [':', /only separators/],
    [',', /only separators/],
    [',,:', /names no host or group/],
    ['!', /names no host or group/],
    ['web:!', /names no host or group/],
    ['&', /names no host or group/],
    ['~', /names no host or group/],
    ['!!web', /two operators/],
    ['web[', /unbalanced/],
    ['~[', /names no host or group/],
    ['web]', /unbalanced/],
    ['x'.repeat(40_000), /40000 characters/],
  ])('%j: %s', async (pattern, why) => {
    expect(hostPatternProblem(pattern)).toMatch(why);
    const e = await errorOf(() => selectHosts(inv, pattern));
    expect(e.code).toBe('USAGE');
    expect(e.message).toMatch(why);
  });

  it.each(['all', 'web', 'web:&db', 'web:!web1', '~web\\d', 'web[0]', 'web[0:1]', 'web[-1]', 'w*', 'web[12]', 'web1,db1', '*'])('%j is a valid pattern', (p) => {
    expect(hostPatternProblem(p)).toBeUndefined();
  });

  it('web:!web1 still excludes; web[0:1] still slices', () => {
    expect(selectHosts(inv, 'web:!web1')).toEqual(['web2']);
    expect(selectHosts(inv, 'web[0:1]')).toEqual(['web1', 'web2']);
  });
});

describe('regex host patterns run in linear time', () => {
  it('a catastrophic-backtracking pattern against a 5,000-character host name answers (no match)', () => {
    // With a backtracking engine (a|aa)*$ on this name takes longer than the universe has.
    expect(selectHosts(inv, '~(a|aa)*X')).toEqual([]);
    expect(selectHosts(inv, `~${'a'.repeat(10)}`)).toEqual([long]);
  });

  it('a backreference is refused with a reason, not run', async () => {
    const e = await errorOf(() => selectHosts(inv, '~(a)\\1'));
    expect(e.message).toMatch(/backreference, a lookaround/);
  });

  it('a broken regex names itself', async () => {
    const e = await errorOf(() => selectHosts(inv, '~web(('));
    expect(e.message).toMatch(/invalid host pattern: regex "~web\(\("/);
  });
});

describe('inventory host ranges are bounded', () => {
  it('web[1:99999999999999999999] is an error naming the file and line, not a hang', async () => {
    const d = tree({ 'h.ini': '[web]\nweb[1:99999999999999999999]\n' });
    const e = await errorOf(() => loadInventory([join(d, 'h.ini')]));
    expect(e.message).toMatch(/expands to more than 100000 hosts/);
    expect(e.location?.line).toBe(2);
  });

  it('nested ranges count together: w[1:1000]x[1:1000] is refused', async () => {
    const d = tree({ 'h.ini': '[web]\nw[1:1000]x[1:1000]\n' });
    const e = await errorOf(() => loadInventory([join(d, 'h.ini')]));
    expect(e.message).toMatch(/more than 100000 hosts/);
  });

  it('a range within the bound expands as before', async () => {
    const d = tree({ 'h.ini': '[web]\nw[01:03]x[a:b]\n' });
    expect((await loadInventory([join(d, 'h.ini')])).hosts).toEqual(['w01xa', 'w01xb', 'w02xa', 'w02xb', 'w03xa', 'w03xb']);
  });
});

describe('hostile inventory values and layouts', () => {
  it('an INI value nested 200 deep is a list, 201 or 3,000 deep stays a string (Python: too many nested parentheses)', async () => {
    const d = tree({ 'h.ini': `[web]\nweb1 a=${'['.repeat(200)}${']'.repeat(200)} b=${'['.repeat(201)}${']'.repeat(201)} c=${'['.repeat(3000)}${']'.repeat(3000)}\n` });
    const v = (await loadInventory([join(d, 'h.ini')])).hostVars('web1');
    expect(Array.isArray(v['a'])).toBe(true);
    expect(typeof v['b']).toBe('string');
    expect(v['c']).toBe('['.repeat(3000) + ']'.repeat(3000));
  });

  it('a YAML child group that is not a mapping is an error at its line, as ansible-core fails to parse the file', async () => {
    const d = tree({ 'h.yml': 'all:\n  children:\n    web: 42\n' });
    const e = await errorOf(() => loadInventory([join(d, 'h.yml')]));
    expect(e.message).toMatch(/child group "web" of "all" must be a mapping/);
    expect(e.location?.line).toBe(3);
  });
});
