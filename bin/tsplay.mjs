#!/usr/bin/env node
// Entry point. An installed package runs the compiled JavaScript in dist/ (built at `npm pack` by
// scripts/build.mjs); a source checkout (src/ present) runs the TypeScript sources through tsx's
// loader, so developers never run a stale build.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

// `tsplay ... | head` closes stdout early: stop quietly instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e && e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'src', 'cli', 'main.ts');
let entry;
if (existsSync(source) && process.env['TSPLAY_USE_DIST'] !== '1') {
  const { register } = await import('tsx/esm/api');
  register();
  process.env['TSPLAY_TS_LOADER'] = 'active';
  entry = source;
} else {
  entry = path.join(root, 'dist', 'src', 'cli', 'main.js');
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
