import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory, selectHosts, selectHostsDetailed, splitHostPattern } from '../../../src/inventory/index.js';
import { errorOf, tree } from './helpers.js';

const inv = await loadInventory([join(import.meta.dirname, '../../fixtures/inventory/patterns/hosts.ini')]);

describe('splitHostPattern', () => {
  it.each([
    ['web:&prod:!db', ['web', '&prod', '!db']],
    ['web, db ,stage', ['web', 'db', 'stage']],
    ['web[0:2]:db', ['web[0:2]', 'db']],
    ['host.example.com:2222', ['host.example.com:2222']],
    ['', []],
  ])('%j', (pattern, parts) => {
    expect(splitHostPattern(pattern)).toEqual(parts);
  });
});

describe('selectHosts', () => {
  it('order of operations: unions, then intersections, then exclusions, whatever the order written', () => {
    expect(selectHosts(inv, '!stage:&prod:app')).toEqual(selectHosts(inv, 'app:&prod:!stage'));
    expect(selectHosts(inv, '!stage:&prod:app')).toEqual(['web1.example.com', 'db1.example.com']);
  });

  it('--limit uses the same grammar and intersects', () => {
    const r = selectHostsDetailed(inv, 'app', { limit: 'prod,web2.example.com' });
    expect(r.hosts).toEqual(['web1.example.com', 'web2.example.com', 'db1.example.com']);
    expect(r.warnings).toEqual([]);
  });

  it('--limit @file reads one pattern per line', () => {
    const dir = tree({ retry: 'db2.example.com\n\nweb1.example.com\n' });
    expect(selectHostsDetailed(inv, 'all', { limit: `@${join(dir, 'retry')}` }).hosts).toEqual(['web1.example.com', 'db2.example.com']);
  });

  it('a missing @file is a usage error', async () => {
    const e = await errorOf(() => selectHosts(inv, '@/nonexistent/limit'));
    expect(e.code).toBe('USAGE');
  });

  it('a pattern that matches nothing gives warnings, not an error', () => {
    const r = selectHostsDetailed(inv, 'nosuch:web[9]');
    expect(r.hosts).toEqual([]);
    expect(r.warnings).toEqual([
      'could not match supplied host pattern, ignoring: nosuch',
      'no host at index 9 of "web" (it has 3)',
      'no hosts matched the pattern "nosuch:web[9]"',
    ]);
  });

  it('a limit that removes every host says so', () => {
    const r = selectHostsDetailed(inv, 'web', { limit: 'db2.example.com' });
    expect(r.hosts).toEqual([]);
    expect(r.warnings.at(-1)).toBe('no hosts matched the pattern "web" with --limit "db2.example.com"');
  });

  it('a bad regex is a usage error', async () => {
    const e = await errorOf(() => selectHosts(inv, '~web(['));
    expect(e.code).toBe('USAGE');
    expect(e.message).toMatch(/invalid host pattern: regex "~web\("/);
  });

  it('globs are case-sensitive and match whole names', () => {
    expect(selectHosts(inv, 'WEB*')).toEqual([]);
    expect(selectHosts(inv, 'web1')).toEqual([]);
    expect(selectHosts(inv, 'web1*')).toEqual(['web1.example.com']);
  });

  it('a regex matches from the start of the name (like Python re.match)', () => {
    expect(selectHosts(inv, '~example')).toEqual([]);
    expect(selectHosts(inv, '~.*example\\.org')).toEqual(['web3.example.org']);
  });

  it('an undefined localhost is selectable but not part of all', () => {
    expect(selectHosts(inv, 'localhost')).toEqual(['localhost']);
    expect(selectHosts(inv, '127.0.0.1')).toEqual(['127.0.0.1']);
    expect(selectHosts(inv, 'all')).not.toContain('localhost');
  });
});
