import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** The Wallarm package is a plugin on the public interface: the core never imports it, it imports only the public entry. */
const root = path.resolve(import.meta.dirname, '../../..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^;]*?from '([^']+)'/gms)].map((m) => m[1]!);

describe('the Wallarm package boundary', () => {
  it('no file of the generic core imports src/wallarm (only the plugin loader names its path)', () => {
    const core = tsFiles(path.join(root, 'src')).filter((f) => !f.includes(`${path.sep}wallarm${path.sep}`) && !/src\/(lab|demo)\//.test(f));
    const offenders = core.filter((f) => importsOf(f).some((i) => /wallarm/.test(i))).map((f) => path.relative(root, f));
    expect(offenders).toEqual([]);
  });

  it('src/wallarm imports only the public entry, zod, node: and its own files', () => {
    const bad = tsFiles(path.join(root, 'src', 'wallarm')).flatMap((f) =>
      importsOf(f)
        .filter((i) => !(i === '../index.js' || i === 'zod' || i.startsWith('node:') || i.startsWith('./')))
        .map((i) => `${path.relative(root, f)}: ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it('the Wallarm roles import the public entry and the Wallarm package only', () => {
    const roles = tsFiles(path.join(root, 'roles')).filter((f) => f.endsWith('index.ts'));
    expect(roles.length).toBeGreaterThanOrEqual(8);
    const bad = roles.flatMap((f) =>
      importsOf(f)
        .filter((i) => !(i === '../../src/index.js' || i === '../../src/wallarm/index.js' || i === 'zod' || i.startsWith('node:')))
        .map((i) => `${path.relative(root, f)}: ${i}`),
    );
    expect(bad).toEqual([]);
  });
});
