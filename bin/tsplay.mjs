#!/usr/bin/env node
// Entry point. An installed package runs the compiled JavaScript in dist/ (built at `npm pack` by
// scripts/build.mjs); a source checkout (src/ present) runs the TypeScript sources through tsx's
// loader, so developers never run a stale build. A checkout without node_modules falls back to
// dist/ when it was built, else says what to do in one line (no Node stack trace).
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
const compiled = path.join(root, 'dist', 'src', 'cli', 'main.js');
let entry = compiled;
if (existsSync(source) && process.env['TSPLAY_USE_DIST'] !== '1') {
  let api;
  try {
    api = await import('tsx/esm/api');
  } catch (e) {
    if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  }
  if (api) {
    api.register();
    process.env['TSPLAY_TS_LOADER'] = 'active';
    entry = source;
  }
}
if (entry === compiled && !existsSync(compiled)) {
  console.error(`tsplay: dependencies are not installed and there is no build in ${path.join(root, 'dist')}: run npm ci first (in ${root})`);
  process.exit(1);
}
let main;
try {
  ({ main } = await import(pathToFileURL(entry).href));
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  console.error(`tsplay: a dependency is missing (${String(e.message).split('\n')[0]}): run npm ci first (in ${root})`);
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
