import { describe, expect, it } from 'vitest';
import { dumpIni, parseIni, writeIni, yumRepositoryModule } from '../../../../src/modules/packages/yum_repository.js';
import { cmdTexts, planWith } from '../../../fixtures/modules/system/context.js';
import { rocky9 } from '../../../fixtures/modules/system/facts.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const probe = (content?: string, mode = '644') => `dir\n${content === undefined ? '' : `stat ${mode} root root\ndata ${b64(content)}\n`}`;
const run = (args: Record<string, unknown>, out = probe(), check = false) => planWith(yumRepositoryModule, { args, facts: rocky9, check, probes: { repo: out } }).plan;

describe('yum_repository', () => {
  it('writes a new section as RawConfigParser does: sorted keys, booleans as 1/0, lists joined, continuation with a tab', () => {
    const p = run({ name: 'epel', description: 'EPEL', baseurl: ['http://a/', 'http://b/'], gpgcheck: false, exclude: ['k*', 'x'], cost: 5 });
    expect(p.changed).toBe(true);
    expect(p.commands[0]).toMatchObject({
      kind: 'put',
      path: '/etc/yum.repos.d/epel.repo',
      mode: '0644',
      content: '[epel]\nbaseurl = http://a/\n\thttp://b/\ncost = 5\nexclude = k* x\ngpgcheck = 0\nname = EPEL\n\n',
    });
    expect(p.result).toMatchObject({
      changed: true,
      repo: 'epel',
      state: 'present',
      diff: { before: '', after: '[epel]\nbaseurl = http://a/\nhttp://b/\ncost = 5\nexclude = k* x\ngpgcheck = 0\nname = EPEL\n\n' },
    });
  });

  it('the same section again is ok; a changed one goes last; a hand-written file is read (comments, key: value, continuation)', () => {
    const file = '# mine\n[b]\nname = B\nbaseurl = http://b/\n\n[a]\nName: A\nbaseurl=http://a/\n  http://a2/\n';
    const ini = parseIni(file);
    expect(ini).toEqual([
      {
        name: 'b',
        items: [
          ['name', 'B'],
          ['baseurl', 'http://b/'],
        ],
      },
      {
        name: 'a',
        items: [
          ['name', 'A'],
          ['baseurl', 'http://a/\nhttp://a2/'],
        ],
      },
    ]);
    expect(dumpIni(ini)).toBe('[a]\nbaseurl = http://a/\nhttp://a2/\nname = A\n\n[b]\nbaseurl = http://b/\nname = B\n\n');
    expect(run({ name: 'b', description: 'B', baseurl: 'http://b/', file: 'f' }, probe(file)).changed).toBe(false);
    const moved = run({ name: 'b', description: 'B2', baseurl: 'http://b/', file: 'f' }, probe(file, '600'));
    expect(moved.commands[0]).toMatchObject({ mode: '0600', content: '[a]\nname = A\nbaseurl = http://a/\n\thttp://a2/\n\n[b]\nbaseurl = http://b/\nname = B2\n\n' });
    expect(writeIni(parseIni(writeIni(ini)))).toBe(writeIni(ini));
  });

  it('absent removes the section, and the file when none is left; mode alone changes an unchanged file', () => {
    const file = '[a]\nbaseurl = x\nname = A\n\n';
    expect(cmdTexts(run({ name: 'a', state: 'absent' }, probe(file)).commands)).toEqual(['rm -f -- /etc/yum.repos.d/a.repo']);
    expect(run({ name: 'zz', state: 'absent' }, probe(file)).changed).toBe(false);
    const m = run({ name: 'a', description: 'A', baseurl: 'x', mode: 0o600 }, probe(file));
    expect(cmdTexts(m.commands)).toEqual(['chmod 0600 -- /etc/yum.repos.d/a.repo']);
  });

  it('fails as ansible does on missing arguments and a missing reposdir', () => {
    expect(run({ name: 'a', baseurl: 'x' }).failed).toBe("Parameter 'description' is required.");
    expect(run({ name: 'a', description: 'A' }).failed).toBe("Parameter 'baseurl', 'metalink' or 'mirrorlist' is required.");
    expect(run({ name: 'a', description: 'A', baseurl: 'x', reposdir: '/nope' }, '').failed).toBe("Repo directory '/nope' does not exist.");
    expect(() => run({ name: 'a', bogus: 1 })).toThrow(/bogus/);
  });
});
