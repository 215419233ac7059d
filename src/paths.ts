import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory holding tsplay's package.json: the repository root in a source checkout (this file
 * is src/paths.ts) and the package root when installed (compiled to dist/src/paths.js).
 */
export const PACKAGE_ROOT: string = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'tsplay') return dir;
      } catch {
        /* not ours: keep looking */
      }
    }
    if (path.dirname(dir) === dir) return path.resolve(from, '..');
  }
}
