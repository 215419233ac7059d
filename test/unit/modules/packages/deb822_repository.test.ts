import { describe, expect, it } from 'vitest';
import { deb822RepositoryModule, deb822Slug } from '../../../../src/modules/packages/deb822_repository.js';
import { cmdTexts, planWith } from '../../../fixtures/modules/system/context.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const run = (args: Record<string, unknown>, out = '') => planWith(deb822RepositoryModule, { args, probes: { deb822: out } }).plan;

describe('deb822_repository (ansible-core 2.15)', () => {
  it('writes <slug>.sources with fields in option-name order, yes/no, joined lists', () => {
    expect(deb822Slug('My Repo_2.0!')).toBe('my-repo-20');
    const p = run({ name: 'tsplay lab', uris: 'file:/srv/repo', suites: ['./'], trusted: true, enabled: true });
    expect(p.commands[0]).toMatchObject({
      kind: 'put',
      path: '/etc/apt/sources.list.d/tsplay-lab.sources',
      mode: '0644',
      content: 'Enabled: yes\nX-Repolib-Name: tsplay lab\nSuites: ./\nTrusted: yes\nTypes: deb\nURIs: file:/srv/repo\n',
    });
    expect(p.result).toMatchObject({ changed: true, dest: '/etc/apt/sources.list.d/tsplay-lab.sources', key_filename: null });
  });

  it('an inline key becomes an indented multi-line Signed-By; the same file again is ok; absent removes it', () => {
    const key = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ\n-----END PGP PUBLIC KEY BLOCK-----\n';
    const p = run({ name: 'x', uris: ['http://a'], suites: 'b', signed_by: key });
    const text = (p.commands[0] as { content: string }).content;
    expect(text).toContain('Signed-By:\n    -----BEGIN PGP PUBLIC KEY BLOCK-----\n    .\n    mDMEZ\n    -----END PGP PUBLIC KEY BLOCK-----\n');
    expect(run({ name: 'x', uris: ['http://a'], suites: 'b', signed_by: key }, `mode 644\ndata ${b64(text)}\n`).changed).toBe(false);
    expect(cmdTexts(run({ name: 'x', state: 'absent' }, `mode 644\ndata ${b64(text)}\n`).commands)).toEqual(['rm -f -- /etc/apt/sources.list.d/x.sources']);
    expect(run({ name: 'x', state: 'absent' }).changed).toBe(false);
  });

  it('signed_by: a file on the host is named as key_filename; a URL is refused', () => {
    expect(run({ name: 'x', uris: 'http://a', suites: 'b', signed_by: '/usr/share/keyrings/k.gpg' }, 'signedbyfile\n').result).toMatchObject({
      key_filename: '/usr/share/keyrings/k.gpg',
    });
    expect(run({ name: 'x', uris: 'http://a', suites: 'b', signed_by: 'https://example.com/k.asc' }).failed).toMatch(/does not download/);
  });
});
