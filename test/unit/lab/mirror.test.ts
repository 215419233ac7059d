import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TsplayError } from '../../../src/errors.js';
import { debianMirror, mirrorFromSources } from '../../../src/lab/mirror.js';

const deb822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example.internal/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example.internal/debian-security
Suites: bookworm-security
Components: main
`;

describe('mirrorFromSources', () => {
  it('reads the Debian archive from a deb822 .sources file', () => {
    expect(mirrorFromSources([{ name: 'debian.sources', text: deb822 }])).toBe('http://mirror.example.internal/debian');
  });

  it('reads a one-line sources.list, skipping deb-src, security and options', () => {
    const text = [
      '# comment',
      'deb-src http://src.example/debian bookworm main',
      'deb http://sec.example/debian-security bookworm-security main',
      'deb [arch=amd64 signed-by=/k.gpg] http://one.example/debian/ bookworm main',
    ].join('\n');
    expect(mirrorFromSources([{ name: 'sources.list', text }])).toBe('http://one.example/debian');
  });

  it('ignores non-Debian repositories and disabled deb822 entries', () => {
    const other = 'Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\nComponents: main\n';
    const disabled = 'Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nEnabled: no\n';
    expect(
      mirrorFromSources([
        { name: 'nodesource.sources', text: other },
        { name: 'x.sources', text: disabled },
      ]),
    ).toBeNull();
  });
});

describe('debianMirror', () => {
  const saved = process.env['TSPLAY_DEBIAN_MIRROR'];
  afterEach(() => {
    if (saved === undefined) delete process.env['TSPLAY_DEBIAN_MIRROR'];
    else process.env['TSPLAY_DEBIAN_MIRROR'] = saved;
  });

  it('uses the machine apt configuration, with TSPLAY_DEBIAN_MIRROR winning', () => {
    delete process.env['TSPLAY_DEBIAN_MIRROR'];
    const etc = mkdtempSync(path.join(os.tmpdir(), 'apt-'));
    mkdirSync(path.join(etc, 'sources.list.d'));
    writeFileSync(path.join(etc, 'sources.list.d', 'debian.sources'), deb822);
    expect(debianMirror(etc)).toBe('http://mirror.example.internal/debian');
    process.env['TSPLAY_DEBIAN_MIRROR'] = 'http://override.example/debian/';
    expect(debianMirror(etc)).toBe('http://override.example/debian');
  });

  it('says how to fix a machine without a Debian source', () => {
    delete process.env['TSPLAY_DEBIAN_MIRROR'];
    const etc = mkdtempSync(path.join(os.tmpdir(), 'apt-'));
    let err: unknown;
    try {
      debianMirror(etc);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TsplayError);
    expect((err as TsplayError).code).toBe('LAB');
    expect((err as TsplayError).hint).toMatch(/TSPLAY_DEBIAN_MIRROR/);
  });
});
