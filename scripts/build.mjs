#!/usr/bin/env node
// Compile tsplay to dist/ (run by `npm pack` / `npm publish` through prepack, or `npm run build`):
// TypeScript from src/ and roles/ with tsc, then the non-TypeScript files those directories read at
// run time (lab recipes, READMEs) copied beside the compiled code, so dist/ mirrors the tree.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: ['ignore', 2, 2], cwd: root });
} catch {
  console.error('build: tsc failed (see above); dist/ was not written completely');
  process.exit(1);
}
let copied = 0;
function copyAssets(dir) {
  for (const name of readdirSync(path.join(root, dir))) {
    const rel = path.join(dir, name);
    if (statSync(path.join(root, rel)).isDirectory()) copyAssets(rel);
    else if (!name.endsWith('.ts')) {
      cpSync(path.join(root, rel), path.join(dist, rel));
      copied++;
    }
  }
}
for (const d of ['src', 'roles']) copyAssets(d);
// stderr: `npm pack --json` prints its JSON on stdout after prepack
console.error(`build: dist/ written (${copied} non-TypeScript files copied)`);
