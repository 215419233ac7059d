// The lab's images exist, carry honest labels, and a second build is a cache hit.
import { describe, expect, it } from 'vitest';
import { docker } from '../../../src/lab/docker.js';
import { buildImages, recipeHash } from '../../../src/lab/images.js';
import { testRunLabel } from '../../../src/lab/lab.js';
import { RECIPES, imageTag } from '../../../src/lab/recipes/index.js';
import { reposSourceHash } from '../../../src/lab/repos.js';
import { imageSkipped, noDocker } from '../harness/lab-context.js';

const local = RECIPES.filter((r) => r.kind !== 'dockerfile');

async function labels(tag: string): Promise<Record<string, string>> {
  const r = await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', tag]);
  expect(r.rc, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, string>;
}

async function osRelease(tag: string): Promise<string> {
  const r = await docker(['run', '--rm', '--label', `tsplay.test=${testRunLabel()}`, '--entrypoint', 'cat', tag, '/etc/os-release']);
  expect(r.rc, r.stderr).toBe(0);
  return r.stdout;
}

describe.skipIf(noDocker())('lab images', () => {
  it('every Debian-archive image is labelled with its current recipe hash', async () => {
    for (const r of local) {
      const l = await labels(imageTag(r.name));
      expect(l['tsplay.lab'], r.name).toBe('1');
      expect(l['tsplay.image'], r.name).toBe(r.name);
      expect(l['tsplay.recipe-hash'], r.name).toBe(recipeHash(r, reposSourceHash()));
    }
  });

  it('a second build rebuilds nothing when no recipe changed', async () => {
    const lines: string[] = [];
    const s = await buildImages({ images: local.map((r) => r.name), log: (l) => lines.push(l) });
    expect(s.images.map((i) => [i.name, i.status])).toEqual(local.map((r) => [r.name, 'cached']));
  });

  it('Debian images are the Debian release they claim', async () => {
    expect(await osRelease(imageTag('debian-11'))).toMatch(/VERSION_ID="11"/);
    expect(await osRelease(imageTag('debian-12'))).toMatch(/VERSION_ID="12"/);
    expect(await osRelease(imageTag('debian-13'))).toMatch(/VERSION_ID="13"/);
  });

  it('the rpm-family image says honestly that it is Debian with dnf, not Rocky', async () => {
    const tag = imageTag('rpmfamily-debian12');
    expect(await osRelease(tag)).toMatch(/ID=debian/);
    const l = await labels(tag);
    expect(l['tsplay.family']).toBe('rpm-on-debian');
    expect(l['org.opencontainers.image.description']).toMatch(/NOT Rocky/);
    const r = await docker([
      'run',
      '--rm',
      '--label',
      `tsplay.test=${testRunLabel()}`,
      '--entrypoint',
      'sh',
      tag,
      '-c',
      'dnf --version | head -1 && rpm --version && command -v firewall-cmd firewalld',
    ]);
    expect(r.rc, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/RPM version 4\./);
  });

  // Registry-based recipes: built where the base image is present, else skipped (global setup said why).
  for (const r of RECIPES.filter((x) => x.kind === 'dockerfile')) {
    it.skipIf(imageSkipped(r.name))(`${r.name} (from ${r.kind === 'dockerfile' ? r.baseImage : ''}) is built and labelled`, async () => {
      const l = await labels(imageTag(r.name));
      expect(l['tsplay.recipe-hash']).toBe(recipeHash(r, reposSourceHash()));
    });
  }
});
