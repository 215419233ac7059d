import { describe, expect, it } from 'vitest';
import { aptRepositoryModule, editSources, parseSourceLine, parseSourcesProbe, suggestFilename } from '../../../../src/modules/packages/apt_repository.js';
import { cmdTexts, planWith, result } from '../../../fixtures/modules/system/context.js';
import { rocky9 } from '../../../fixtures/modules/system/facts.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const probe = (files: Record<string, [string, string]>) =>
  Object.entries(files)
    .map(([p, [mode, text]]) => `file\t${p}\t${mode}\t${b64(text)}\n`)
    .join('');

describe('apt_repository', () => {
  it('file names as ansible suggests them', () => {
    expect(suggestFilename('deb [trusted=yes] file:/srv/repo ./')).toBe('file_srv_repo.list');
    expect(suggestFilename('deb [arch=amd64 signed-by=/k.gpg] https://user:pw@download.docker.com/linux/debian bookworm stable')).toBe('download_docker_com_linux_debian.list');
    expect(suggestFilename('deb http://x/ y', 'my-repo')).toBe('my-repo.list');
  });

  it('parses lines as SourcesList._parse: disabled, comments, whitespace folded only for valid sources', () => {
    expect(parseSourceLine('#deb  http://a  b main # note \n')).toMatchObject({ valid: true, enabled: false, source: 'deb http://a b main', comment: 'note' });
    expect(parseSourceLine('# just  words\n')).toMatchObject({ valid: false, enabled: false, source: 'just  words' });
    expect(parseSourceLine('\n')).toMatchObject({ valid: false, enabled: true, source: '' });
  });

  it('present adds a new file 0644 and runs apt-get update; again is ok', () => {
    const { plan } = planWith(aptRepositoryModule, {
      args: { repo: 'deb [trusted=yes] file:/srv/repo ./' },
      probes: { sources: probe({ '/etc/apt/sources.list': ['644', 'deb http://deb.debian.org/debian bookworm main\n'] }) },
    });
    expect(plan.changed).toBe(true);
    expect(plan.commands[1]).toMatchObject({ kind: 'put', path: '/etc/apt/sources.list.d/file_srv_repo.list', content: 'deb [trusted=yes] file:/srv/repo ./\n', mode: '0644' });
    // sources.list is rewritten as ansible does (same text here)
    expect(plan.commands[0]).toMatchObject({ kind: 'put', path: '/etc/apt/sources.list', mode: '0644' });
    expect(cmdTexts(plan.commands)[2]).toMatch(/apt-get update -q$/);
    expect(plan.result).toEqual({ changed: true, repo: 'deb [trusted=yes] file:/srv/repo ./', state: 'present', diff: {} });
    const again = planWith(aptRepositoryModule, {
      args: { repo: 'deb  [trusted=yes]  file:/srv/repo ./', mode: 384, update_cache: false },
      probes: { sources: probe({ '/etc/apt/sources.list.d/file_srv_repo.list': ['600', 'deb [trusted=yes] file:/srv/repo ./\n'] }) },
    }).plan;
    expect(again.changed).toBe(false);
    expect(again.commands).toEqual([]);
  });

  it('a disabled copy is enabled in place; absent removes the line and deletes a file left empty', () => {
    const files = [{ path: '/etc/apt/sources.list.d/x.list', mode: '0640', content: '# a comment\n#deb http://a b main\n' }];
    const e = editSources(files, 'present', 'deb http://a b main');
    expect('invalid' in e ? '' : e.after.get('/etc/apt/sources.list.d/x.list')).toBe('# a comment\ndeb http://a b main\n');
    const rm = planWith(aptRepositoryModule, {
      args: { repo: 'deb http://a b main', state: 'absent', update_cache: false },
      probes: { sources: probe({ '/etc/apt/sources.list.d/x.list': ['640', 'deb http://a b main\n'] }) },
    }).plan;
    expect(cmdTexts(rm.commands)).toEqual(['rm -f -- /etc/apt/sources.list.d/x.list']);
  });

  it('mode goes on the file a line was added to; other rewritten files keep theirs', () => {
    const { plan } = planWith(aptRepositoryModule, {
      args: { repo: 'deb http://z q main', filename: 'z', mode: '0600' },
      probes: { sources: probe({ '/etc/apt/sources.list.d/other.list': ['640', 'deb   http://o p main\n'] }) },
    });
    expect(plan.commands[0]).toMatchObject({ path: '/etc/apt/sources.list.d/other.list', content: 'deb http://o p main\n', mode: '0640' });
    expect(plan.commands[1]).toMatchObject({ path: '/etc/apt/sources.list.d/z.list', mode: '0600' });
  });

  it('--diff gives ansible’s before/after per file; a failed update fails the task', () => {
    const { plan } = planWith(aptRepositoryModule, { args: { repo: 'deb http://z q main' }, probes: { sources: '' } });
    expect(plan.interpret!([result(''), result({ rc: 100, stderr: 'E: The repository is not signed.\n' })]).failed).toBe(
      'Failed to update apt cache: E: The repository is not signed.',
    );
  });

  it('refuses what it cannot do, with the reason', () => {
    const bad = (args: Record<string, unknown>, facts = undefined as never) => planWith(aptRepositoryModule, { args, facts, probes: { sources: '' } }).plan.failed;
    expect(bad({ repo: 'http://no-type' })).toBe('Invalid repository string: http://no-type');
    expect(bad({ repo: '# deb http://a b' })).toBe('Invalid repository string:  deb http://a b');
    expect(bad({ repo: 'ppa:x/y' })).toMatch(/PPAs/);
    expect(bad({ repo: 'deb http://a b', mode: 'u+rw' })).toMatch(/octal/);
    expect(planWith(aptRepositoryModule, { args: { repo: 'deb http://a b' }, facts: rocky9, probes: { sources: '' } }).plan.failed).toBe(
      'Module apt_repository is not supported on target.',
    );
    expect(() => planWith(aptRepositoryModule, { args: { repo: 'deb http://a b', key: 1 }, probes: { sources: '' } })).toThrow(/key/);
  });

  it('probe parse sorts sources.list first', () => {
    const files = parseSourcesProbe(result(probe({ '/etc/apt/sources.list.d/b.list': ['644', ''], '/etc/apt/sources.list': ['644', 'x\n'] })));
    expect(files.map((f) => f.path)).toEqual(['/etc/apt/sources.list', '/etc/apt/sources.list.d/b.list']);
  });
});
