import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BIN = path.resolve(import.meta.dirname, '../../../bin/tsplay.mjs');

/** A checkout outside this repository (no node_modules above it): bin/ and a src/cli/main.ts. */
function checkout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsplay-launcher-'));
  mkdirSync(path.join(dir, 'bin'));
  cpSync(BIN, path.join(dir, 'bin', 'tsplay.mjs'));
  mkdirSync(path.join(dir, 'src', 'cli'), { recursive: true });
  writeFileSync(path.join(dir, 'src', 'cli', 'main.ts'), 'export async function main(): Promise<number> { return 0; }\n');
  return dir;
}

function launch(dir: string): { rc: number; out: string; err: string } {
  try {
    const out = execFileSync(process.execPath, [path.join(dir, 'bin', 'tsplay.mjs'), '--version'], {
      encoding: 'utf8',
      stdio: 'pipe',
      env: { ...process.env, TSPLAY_USE_DIST: '' },
    });
    return { rc: 0, out, err: '' };
  } catch (e) {
    const x = e as { status: number; stdout: string; stderr: string };
    return { rc: x.status, out: x.stdout, err: x.stderr };
  }
}

describe('bin/tsplay.mjs on a checkout without node_modules', () => {
  it('says "run npm ci first" in one line, no stack trace, and exits non-zero', () => {
    const dir = checkout();
    try {
      const r = launch(dir);
      expect(r.rc).not.toBe(0);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toContain('run npm ci first');
      expect(r.err).not.toMatch(/ERR_MODULE_NOT_FOUND|\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the compiled dist/ when it is there', () => {
    const dir = checkout();
    try {
      mkdirSync(path.join(dir, 'dist', 'src', 'cli'), { recursive: true });
      writeFileSync(path.join(dir, 'dist', 'src', 'cli', 'main.js'), 'export async function main(argv) { console.log("dist " + argv.join(" ")); return 0; }\n');
      const r = launch(dir);
      expect(r).toMatchObject({ rc: 0, out: 'dist --version\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
