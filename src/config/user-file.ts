import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { TsplayError } from '../errors.js';

/** The most tsplay reads of one input file (playbook, inventory, vars, template): a typo'd path to a disk image is an error, not an OOM. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

function problemOf(
  file: string,
  st: { isFile(): boolean; isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isSocket(): boolean; size: number },
): TsplayError | undefined {
  if (!st.isFile()) {
    const kind = st.isDirectory()
      ? 'a directory'
      : st.isFIFO()
        ? 'a FIFO (named pipe)'
        : st.isCharacterDevice()
          ? 'a character device'
          : st.isSocket()
            ? 'a socket'
            : 'not a regular file';
    return new TsplayError('VALIDATION', `this is ${kind}, not a regular file; tsplay reads playbooks, inventories, vars and templates from regular files only`, {
      location: { file },
      hint: 'name the file itself (a pipe or device would block or never end)',
    });
  }
  if (st.size > MAX_INPUT_BYTES) {
    return new TsplayError('VALIDATION', `this file is ${(st.size / 1048576).toFixed(0)} MiB; tsplay reads at most ${MAX_INPUT_BYTES / 1048576} MiB from one input file`, {
      location: { file },
      hint: 'is this the file you meant?',
    });
  }
  return undefined;
}

/**
 * Read a user's input file: a regular file of bounded size, else a TsplayError naming it (before
 * opening it: opening a FIFO blocks). Errors from the file system itself (ENOENT…) pass through
 * unchanged, so callers keep their own "not found" messages.
 */
export function readUserFileSync(file: string): Buffer;
export function readUserFileSync(file: string, encoding: 'utf8'): string;
export function readUserFileSync(file: string, encoding?: 'utf8'): Buffer | string {
  const problem = problemOf(file, statSync(file));
  if (problem) throw problem;
  return encoding ? readFileSync(file, encoding) : readFileSync(file);
}

/** readUserFileSync, asynchronously. */
export async function readUserFile(file: string): Promise<Buffer>;
export async function readUserFile(file: string, encoding: 'utf8'): Promise<string>;
export async function readUserFile(file: string, encoding?: 'utf8'): Promise<Buffer | string> {
  const problem = problemOf(file, await stat(file));
  if (problem) throw problem;
  return encoding ? readFile(file, encoding) : readFile(file);
}
