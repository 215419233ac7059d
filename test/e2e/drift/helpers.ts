// Shared by the drift e2e tests: the CLI in-process (fast, same code path as bin/tsplay.mjs) and
// the "needs a tool" rule: skip locally when it is missing, fail under CI=true.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, type Io } from '../../../src/cli/main.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures', 'drift');
export const BIN = path.join(REPO, 'bin', 'tsplay.mjs');

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** `tsplay ARGS` through main(argv, io), output captured. */
export async function tsplay(args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false };
  const code = await main(args, io);
  return { code, out, err };
}

export const CI = process.env['CI'] === 'true';

export const CHROMIUM = process.env['TSPLAY_CHROMIUM'] ?? '/usr/bin/chromium';

/** Skip (locally) when Debian's chromium is not installed; under CI=true the test runs and fails. */
export function noChromium(): boolean {
  if (existsSync(CHROMIUM)) return false;
  if (CI) return false;
  console.log(`e2e: ${CHROMIUM} is missing; the HTML report test is skipped. Install it with: apt-get install -y chromium`);
  return true;
}

/** Flags that keep Chromium off the (closed) network and independent of any profile. */
export function chromiumArgs(userDataDir: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${userDataDir}`,
  ];
}
