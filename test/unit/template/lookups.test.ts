import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasLookup, templateValue } from '../../../src/template/ansible.js';
import { withTemplateWarnings } from '../../../src/template/warnings.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tsplay-lookups-'));
mkdirSync(path.join(dir, 'files', 'sub'), { recursive: true });
mkdirSync(path.join(dir, 'templates'));
writeFileSync(path.join(dir, 'files', 'a.conf'), 'A\n\n');
writeFileSync(path.join(dir, 'files', 'b.conf'), 'B');
writeFileSync(path.join(dir, 'files', '.hidden.conf'), 'H');
writeFileSync(path.join(dir, 'files', 'sub', 'c.txt'), 'C');
writeFileSync(path.join(dir, 'templates', 'app.j2'), 'port={{ port }}\n{% include "inc.j2" %}');
writeFileSync(path.join(dir, 'templates', 'inc.j2'), 'inc {{ port + 1 }}');
writeFileSync(path.join(dir, 'templates', 'list.j2'), '{{ [1, 2] }}');
writeFileSync(path.join(dir, 'files', 'u.csv'), 'alice,1,"a, b"\nbob,"x""y",z\n');
writeFileSync(path.join(dir, 'files', 'a.ini'), '[DEFAULT]\nd = dv\n[s]\nKey = v1\nopt_a = 1\nopt_b: 2\n');

const vars = { ansible_search_path: [dir], port: 80, groups: { all: ['web1', 'web2', 'db1'], web: ['web1', 'web2'], db: ['db1'], ungrouped: [] } };
const t = (s: string, extra: Record<string, unknown> = {}): unknown => templateValue(s, { ...vars, ...extra });

describe('lookups on the task search path (ansible_search_path)', () => {
  it('file reads files/ and strips the end; fileglob globs files/ without hidden names', () => {
    expect(t("{{ lookup('file', 'a.conf') }}")).toBe('A');
    expect(t("{{ query('fileglob', '*.conf') | map('basename') | sort }}")).toEqual(['a.conf', 'b.conf']);
    expect(t("{{ query('fileglob', 'sub/*.txt') | map('basename') | list }}")).toEqual(['c.txt']);
    expect(t("{{ query('fileglob', '*.none') }}")).toEqual([]);
  });

  it('template renders with the current vars, template_vars, includes from templates/, convert_data', () => {
    expect(t("{{ lookup('template', 'app.j2') }}")).toBe('port=80\ninc 81');
    expect(t("{{ lookup('template', 'app.j2', template_vars={'port': 1}) }}")).toBe('port=1\ninc 2');
    expect(t("{{ lookup('template', 'list.j2') }}")).toEqual([1, 2]);
    expect(t("{{ lookup('template', 'list.j2', convert_data=False) is string }}")).toBe(true);
    expect(() => t("{{ lookup('template', 'missing.j2') }}")).toThrow(/could not be found for the lookup/);
  });

  it('lines splits a controller command output; pipe keeps it as one text', () => {
    expect(t("{{ query('lines', 'printf \"a\\\\n\\\\nb\\\\n\"') }}")).toEqual(['a', '', 'b']);
    expect(t("{{ lookup('pipe', 'printf \"x\\\\ny\\\\n\"') }}")).toBe('x\ny');
  });

  it('inventory_hostnames takes patterns (union, intersection, exclusion, wildcard)', () => {
    expect(t("{{ query('inventory_hostnames', 'all:!db') }}")).toEqual(['web1', 'web2']);
    expect(t("{{ query('inventory_hostnames', 'all:&web') }}")).toEqual(['web1', 'web2']);
    expect(t("{{ query('inventory_hostnames', 'web*') }}")).toEqual(['web1', 'web2']);
    expect(t("{{ query('inventory_hostnames', 'nothing') }}")).toEqual([]);
  });

  it('lookup joins texts, keeps a lone non-text item, gives [] for nothing; errors=ignore gives None / []', () => {
    expect(t("{{ lookup('items', ['a', 'b']) }}")).toBe('a,b');
    expect(t("{{ lookup('items', [1, 2]) }}")).toEqual([1, 2]);
    expect(t("{{ lookup('items', [[1]]) }}")).toEqual([1]);
    expect(t("{{ lookup('items', 'x', wantlist=True) }}")).toEqual(['x']);
    expect(t("{{ lookup('file', 'absent', errors='ignore') is none }}")).toBe(true);
    expect(t("{{ query('file', 'absent', errors='warn') }}")).toEqual([]);
    expect(() => t("{{ lookup('file', 'absent') }}")).toThrow(/could not locate file in lookup: absent/);
  });

  it("errors='warn' warns as ansible-core's Templar does, errors='ignore' only the not-found warning, strict none of its own", () => {
    const seen = (s: string): { value: unknown; warnings: string[] } => {
      const warnings: string[] = [];
      const value = withTemplateWarnings(
        (m) => warnings.push(m),
        () => t(s),
      );
      return { value, warnings };
    };
    const notFound = "Unable to find 'absent' in expected paths (use -vvvvv to see paths)";
    expect(seen("{{ lookup('file', 'absent', errors='warn') is none }}")).toEqual({
      value: true,
      warnings: [
        notFound,
        "An unhandled exception occurred while running the lookup plugin 'file'. Error was a <class 'ansible.errors.AnsibleError'>, original message: could not locate file in lookup: absent",
      ],
    });
    expect(seen("{{ lookup('file', 'absent', errors='ignore') is none }}")).toEqual({ value: true, warnings: [notFound] });
    // a lookup's own failure (AnsibleLookupError) is worded differently
    expect(seen("{{ lookup('ini', 'k', file='absent', errors='warn') }}").warnings).toEqual([
      notFound,
      'Lookup failed but the error is being ignored: could not locate file in lookup: absent',
    ]);
    expect(seen("{{ lookup('file', 'a.conf', errors='warn') }}")).toEqual({ value: 'A', warnings: [] });
  });

  it('names: ansible.builtin.X, the redirected community.general names, not other collections', () => {
    expect(hasLookup('ansible.builtin.items')).toBe(true);
    expect(hasLookup('flattened')).toBe(true);
    expect(hasLookup('community.general.cartesian')).toBe(true);
    expect(hasLookup('community.general.items')).toBe(false);
    expect(t("{{ lookup('flattened', [1, [2, [3]]], wantlist=True) }}")).toEqual([1, 2, 3]);
  });

  it('csvfile finds the row by its first column; ini reads a section, DEFAULT, re= and default', () => {
    expect(t("{{ lookup('csvfile', 'alice file=u.csv delimiter=, col=2') }}")).toBe('a, b');
    expect(t("{{ lookup('csvfile', 'bob', file='u.csv', delimiter=',') }}")).toBe('x"y');
    expect(t("{{ lookup('csvfile', 'carol file=u.csv delimiter=, default=no') }}")).toBe('no');
    expect(t("{{ lookup('ini', 'key section=s file=a.ini') }}")).toBe('v1');
    expect(t("{{ lookup('ini', 'd', section='s', file='a.ini') }}")).toBe('dv');
    expect(t("{{ query('ini', 'opt_', section='s', file='a.ini', re=True) }}")).toEqual(['1', '2']);
    expect(t("{{ lookup('ini', 'nope', section='s', file='a.ini', default='x') }}")).toBe('x');
    expect(() => t("{{ lookup('ini', 'k', section='nosuch', file='a.ini') }}")).toThrow(/No section 'nosuch'/);
  });
});

describe('password lookup (a password stored in a controller file)', () => {
  it('writes a new password (mode 0600, dir created) and reads it back on the next call', () => {
    const first = t("{{ lookup('password', 'credentials/web1/db length=24 chars=ascii_letters') }}") as string;
    expect(first).toMatch(/^[A-Za-z]{24}$/);
    const file = path.join(dir, 'credentials', 'web1', 'db');
    expect(readFileSync(file, 'utf8')).toBe(`${first}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(t("{{ lookup('password', 'credentials/web1/db length=5') }}")).toBe(first);
    expect(readdirSync(path.dirname(file))).toEqual(['db']);
  });

  it('encrypt stores the salt beside the password so the hash is the same every time', () => {
    const h1 = t("{{ lookup('password', 'credentials/hashed encrypt=sha512_crypt') }}") as string;
    expect(h1).toMatch(/^\$6\$rounds=656000\$[./0-9A-Za-z]{16}\$/);
    const stored = readFileSync(path.join(dir, 'credentials', 'hashed'), 'utf8');
    expect(stored).toMatch(/^[A-Za-z0-9.,:_-]{20} salt=[./0-9A-Za-z]{16}\n$/);
    expect(t("{{ lookup('password', 'credentials/hashed encrypt=sha512_crypt') }}")).toBe(h1);
    expect(t("{{ lookup('password', 'credentials/hashed') }}")).toBe(stored.split(' ')[0]);
    expect(t("{{ lookup('password', 'credentials/bc encrypt=bcrypt') }}")).toMatch(/^\$2b\$12\$/);
    expect(readFileSync(path.join(dir, 'credentials', 'bc'), 'utf8')).toMatch(/ salt=\S{22} ident=2b\n$/);
  });

  it('a seed gives the password ansible-core 2.14 gives (random.Random(seed) in Python); /dev/null stores nothing', () => {
    expect(t("{{ lookup('password', '/dev/null seed=inventory') }}")).toBe(t("{{ lookup('password', '/dev/null seed=inventory') }}"));
    expect(t("{{ lookup('password', '/dev/null seed=hello chars=ascii_letters,digits,.,:-_') }}")).toBe('ToqTgVuvgGzWsw_P8Gwc');
    expect(t("{{ lookup('password', '/dev/null') }}")).not.toBe(t("{{ lookup('password', '/dev/null') }}"));
  });

  it('refuses unknown parameters and options by name', () => {
    expect(() => t("{{ lookup('password', '/dev/null colour=blue') }}")).toThrow(/Unrecognized parameter\(s\) given to password lookup: colour/);
    expect(() => t("{{ lookup('password', '/dev/null', colour='blue') }}")).toThrow(/Invalid option "colour"/);
    expect(() => t("{{ lookup('password', '/dev/null length=ten') }}")).toThrow(/invalid literal for int\(\)/);
  });
});
