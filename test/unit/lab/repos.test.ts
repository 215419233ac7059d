import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { debControl, debPackagesStanza, debRelease, reposSourceHash, WALLARM_STANDIN } from '../../../src/lab/repos.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('stand-in package repositories', () => {
  it('describes the .deb with its real size and checksums in Packages', () => {
    const content = Buffer.from('not really a deb, but bytes with a known hash');
    const stanza = debPackagesStanza(debControl(), { filename: 'wallarm-node-tarantool_4.8.0-1_all.deb', content });
    expect(stanza).toMatch(/^Package: wallarm-node-tarantool\nVersion: 4\.8\.0-1\n/);
    expect(stanza).toContain('Filename: ./wallarm-node-tarantool_4.8.0-1_all.deb\n');
    expect(stanza).toContain(`Size: ${content.length}\n`);
    expect(stanza).toContain(`SHA256: ${sha256(content)}\n`);
    expect(stanza.endsWith('\n')).toBe(true);
  });

  it('lists the Packages index in Release with a past date (apt refuses "not valid yet")', () => {
    const packages = Buffer.from('Package: x\n');
    const rel = debRelease([{ name: 'Packages', content: packages }]);
    expect(rel).toContain(`SHA256:\n ${sha256(packages)} ${packages.length} Packages\n`);
    const date = /Date: (.*)/.exec(rel)![1]!;
    expect(Date.parse(date)).toBeLessThan(Date.now());
  });

  it('is the old 4.x node package the Wallarm tests remove', () => {
    expect(WALLARM_STANDIN).toMatchObject({ package: 'wallarm-node-tarantool', service: 'wallarm-tarantool', port: 3313 });
    expect(debControl()).toContain('Architecture: all');
    expect(reposSourceHash()).toMatch(/^[0-9a-f]{64}$/);
  });
});
