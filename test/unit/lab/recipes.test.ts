import { describe, expect, it } from 'vitest';
import { TsplayError } from '../../../src/errors.js';
import { recipeHash, rootfsKey, selectRecipes } from '../../../src/lab/images.js';
import { RECIPES, findRecipe, imageTag, type Recipe } from '../../../src/lab/recipes/index.js';

const deb12 = findRecipe('debian-12')!;
const nginx12 = findRecipe('debian-12-nginx')!;

describe('lab recipes', () => {
  it('has the images the lab promises, derived ones from existing parents', () => {
    expect(RECIPES.map((r) => r.name)).toEqual([
      'debian-11',
      'debian-12',
      'debian-13',
      'debian-12-nginx',
      'debian-13-nginx',
      'rpmfamily-debian12',
      'debian-12-pkg',
      'debian-11-pkg',
      'debian-13-pkg',
      'rpmfamily-debian12-pkg',
      'ubuntu-22.04',
      'ubuntu-24.04',
      'rocky-9',
    ]);
    for (const r of RECIPES) if (r.kind === 'derive') expect(findRecipe(r.from), r.name).toBeDefined();
    expect(findRecipe('tsplay/debian-12:latest')).toBe(deb12);
  });

  it('tags images under TSPLAY_IMAGE_PREFIX (CI keeps its images apart), tsplay/ by default', () => {
    const saved = process.env['TSPLAY_IMAGE_PREFIX'];
    try {
      delete process.env['TSPLAY_IMAGE_PREFIX'];
      expect(imageTag('debian-12')).toBe('tsplay/debian-12');
      process.env['TSPLAY_IMAGE_PREFIX'] = 'tsplay-ci-42/';
      expect(imageTag('debian-12')).toBe('tsplay-ci-42/debian-12');
      expect(findRecipe('tsplay-ci-42/debian-12:latest')).toBe(deb12);
      expect(findRecipe('tsplay/debian-12')).toBe(deb12);
      expect(findRecipe('other/debian-12')).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env['TSPLAY_IMAGE_PREFIX'];
      else process.env['TSPLAY_IMAGE_PREFIX'] = saved;
    }
  });

  it('names the rpm-family image honestly', () => {
    const r = findRecipe('rpmfamily-debian12')!;
    expect(r.family).toBe('rpm-on-debian');
    expect(r.description).toMatch(/NOT Rocky/);
    expect(r.kind === 'derive' && r.packages).toEqual(expect.arrayContaining(['dnf', 'rpm', 'firewalld']));
  });

  it('changes the root filesystem key when packages change, also for derived images', () => {
    const more: Recipe = { ...deb12, packages: [...(deb12 as { packages: string[] }).packages, 'less'] } as Recipe;
    expect(rootfsKey(more)).not.toBe(rootfsKey(deb12));
    expect(rootfsKey(deb12)).toBe(rootfsKey({ ...deb12 }));
    expect(rootfsKey(nginx12)).not.toBe(rootfsKey(deb12));
  });

  it('changes the image hash when the target configuration or the repositories change', () => {
    const h = recipeHash(deb12, 'repos-a', 'script-a');
    expect(recipeHash(deb12, 'repos-a', 'script-a')).toBe(h);
    expect(recipeHash(deb12, 'repos-b', 'script-a')).not.toBe(h);
    expect(recipeHash(deb12, 'repos-a', 'script-b')).not.toBe(h);
    expect(recipeHash({ ...deb12, description: 'other' } as Recipe, 'repos-a', 'script-a')).not.toBe(h);
  });

  it('rejects an unknown image name and lists the known ones', () => {
    expect(selectRecipes(['debian-12']).map((r) => r.name)).toEqual(['debian-12']);
    expect(selectRecipes(undefined)).toHaveLength(RECIPES.length);
    let err: unknown;
    try {
      selectRecipes(['debian-10']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TsplayError);
    expect((err as TsplayError).message).toContain('debian-10');
    expect((err as TsplayError).hint).toContain('rpmfamily-debian12');
  });
});
