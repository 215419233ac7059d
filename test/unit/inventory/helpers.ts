import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { TsplayError } from '../../../src/errors.js';

/** Write files (relative path → content) into a fresh temp dir and return the dir. */
export function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-inv-'));
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  return dir;
}

/** The TsplayError a promise or function rejects with (fails the test when it does not). */
export async function errorOf(fn: () => unknown): Promise<TsplayError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof TsplayError) return e;
    throw new Error(`expected a TsplayError, got: ${String(e)}`);
  }
  throw new Error('expected an error, none was thrown');
}
