import { describe, expect, it } from 'vitest';
import { gitModule, headSplitter, lsRemoteMatch, repoUrl, sshCommand, versionAtLeast, gitArgs } from '../../../../src/modules/source/git.js';
import { planWith, result } from '../../../fixtures/modules/system/context.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const cap = (k: string, out: string, rc = 0, err = '') => `@@cap ${k} ${rc} ${b64(out)} ${b64(err)}`;
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const T = 'c'.repeat(40);
const LS = `${A}\tHEAD\n${A}\trefs/heads/main\n${B}\trefs/heads/dev\n${B}\trefs/tags/v1\n${T}\trefs/tags/v2\n${B}\trefs/tags/v2^{}\n`;
const base = 'path=/usr/bin:/bin\nhome=/root\ngit=/usr/bin/git\nversion=git version 2.39.5\ndest=/srv/co\nrepopath=/srv/co/.git\n';
const fresh = `${base}${cap('lsremote', LS)}\n`;
const existing = (before: string, status = '', url = 'file:///srv/r.git') =>
  `${base}config\n${cap('before', `${before}\n`)}\n${cap('status', status)}\n${cap('remoteurl', `${url}\n`)}\n${cap('branches', '* main\n  remotes/origin/main\n')}\nheadfile=${b64('ref: refs/heads/main')}\n${cap('lsremote', LS)}\n`;
const run = (args: Record<string, unknown>, out: string, check = false) =>
  planWith(gitModule, { args: { repo: '/srv/r.git', dest: '/srv/co', ...args }, check, probes: { git: out } }).plan;
const script = (p: ReturnType<typeof run>) => (p.commands[0]?.kind === 'shell' ? p.commands[0].cmd.text : '');

describe('git', () => {
  it('check mode without a checkout answers from ls-remote: changed, before null, after the remote HEAD (an annotated tag dereferenced)', () => {
    expect(run({}, fresh, true)).toMatchObject({ changed: true, commands: [], result: { before: null, after: A } });
    expect(run({ version: 'v2' }, fresh, true).result).toMatchObject({ after: B });
    expect(run({ version: 'dev' }, fresh, true).result).toMatchObject({ after: B });
    expect(run({ version: '1234abc' }, fresh, true).result).toMatchObject({ after: '1234abc' });
  });

  it('clones with --origin and a file:// url, then reports after from rev-parse', () => {
    const p = run({ version: 'dev', depth: 1 }, fresh);
    expect(script(p)).toContain('cap clone /usr/bin/git clone --origin origin --depth 1 --branch dev file:///srv/r.git /srv/co || exit 0');
    const o = p.interpret!([result(`${cap('clone', '')}\n${cap('switch', '')}\n@@after ${B}\n`)]);
    expect(o).toMatchObject({ changed: true, result: { before: null, after: B } });
  });

  it('an existing checkout at the remote head is ok in check mode and after the run; a moved HEAD is changed', () => {
    expect(run({ version: 'main' }, existing(A), true)).toMatchObject({ changed: false, result: { before: A, after: A, remote_url_changed: false } });
    expect(run({ version: 'dev' }, existing(A), true)).toMatchObject({ changed: true, result: { before: A, after: B } });
    const p = run({ version: 'main' }, existing(A));
    expect(script(p)).toContain('cap fetch /usr/bin/git fetch --tags origin || exit 0');
    expect(p.interpret!([result(`@@after ${A}\n`)])).toMatchObject({ changed: false, result: { before: A, after: A } });
    expect(p.interpret!([result(`@@after ${B}\n`)]).changed).toBe(true);
  });

  it('local modifications fail without force, are reset with it; untracked files do not count', () => {
    expect(run({}, existing(A, ' M README\n')).failed).toBe('Local modifications exist in the destination: /srv/co (force=no).');
    expect(run({}, existing(A, '?? new\n')).failed).toBeUndefined();
    const p = run({ force: true }, existing(A, ' M README\n'));
    expect(script(p)).toContain('cap reset /usr/bin/git reset --hard HEAD');
    expect(p.interpret!([result(`@@after ${A}\n`)])).toMatchObject({ changed: true, result: { msg: 'Local modifications exist in the destination: /srv/co' } });
  });

  it('a different remote url is set and reported as changed', () => {
    const p = run({ repo: 'file:///srv/other.git' }, existing(A));
    expect(script(p)).toContain('remote set-url origin file:///srv/other.git');
    expect(p.interpret!([result(`@@after ${A}\n`)])).toMatchObject({ changed: true, result: { remote_url_changed: true } });
    expect(run({ repo: 'file:///srv/other.git', version: 'main' }, existing(A), true).result).toMatchObject({ remote_url_changed: true });
  });

  it('fails as the module does: missing git, a failing step, an unreachable repository, no dest', () => {
    expect(run({}, 'path=/usr/bin\nhome=/root\n').failed).toBe('Failed to find required executable "git" in paths: /usr/bin:/sbin:/usr/sbin:/usr/local/sbin');
    const p = run({ version: 'dev' }, existing(A));
    expect(p.interpret!([result(`${cap('fetch', '', 128, 'fatal: nope\n')}\n`)]).failed).toBe('Failed to download remote objects and refs:  fatal: nope\n');
    expect(run({}, `${base}${cap('lsremote', '', 128, "fatal: '/x' does not appear to be a git repository\n")}\n`).failed).toBe(
      "fatal: '/x' does not appear to be a git repository",
    );
    expect(() => planWith(gitModule, { args: { repo: 'x', bare: true, separate_git_dir: '/g' }, probes: { git: fresh } })).toThrow(/mutually exclusive/);
    expect(planWith(gitModule, { args: { repo: 'x' }, probes: { git: fresh } }).plan.failed).toBe('the destination directory must be specified unless clone=no');
    expect(gitArgs.safeParse({ repo: 'x', dest: '/d', bogus: 1 }).success).toBe(false);
  });

  it('readers: ls-remote tail match, head_splitter, file:// urls, ssh command, git versions', () => {
    expect(lsRemoteMatch(LS, ['-h', 'HEAD'])).toBe(`${A}\tHEAD\n`);
    expect(lsRemoteMatch(LS, ['-t', 'refs/tags/v2*'])).toBe(`${T}\trefs/tags/v2\n${B}\trefs/tags/v2^{}\n`);
    expect(lsRemoteMatch(LS, ['-h', 'refs/heads/ma'])).toBe('');
    expect(headSplitter('ref: refs/heads/feature/x', 'origin')).toBe('feature/x');
    expect(repoUrl('~/r.git', '/home/u')).toBe('file:///home/u/r.git');
    expect(repoUrl('git@h:r.git', '/root')).toBe('git@h:r.git');
    expect(sshCommand(gitArgs.parse({ repo: 'x', accept_hostkey: true, key_file: '/k' }), false)).toBe(
      'ssh  -o StrictHostKeyChecking=no -o BatchMode=yes  -i /k -o IdentitiesOnly=yes',
    );
    expect(versionAtLeast('2.39.5', '1.9.1')).toBe(true);
    expect(versionAtLeast('1.8.3', '1.9.1')).toBe(false);
  });
});
