import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TsplayError } from '../errors.js';

/** Refuse a report path that cannot be written before the run starts (a directory, a missing directory). */
export function checkReportPath(file: string, flag: string): void {
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new TsplayError('USAGE', `${flag} ${file}: this is a directory`, { hint: `give a file name, e.g. ${flag} ${path.join(file, 'report')}` });
  }
  const dir = path.dirname(path.resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new TsplayError('USAGE', `${flag} ${file}: the directory ${dir} does not exist`, { hint: 'create it first; tsplay does not create directories for reports' });
  }
}

/**
 * Write a report whole or not at all (a temp file beside it, renamed into place). A failure (disk
 * full, permissions) is reported through `onError` and never replaces the run's own exit code.
 */
export function writeReportFile(file: string, text: string, flag: string, onError: (message: string) => void): void {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    // /dev/stdout or a pipe is written as it is; only a regular file is replaced by rename.
    if (existsSync(file) && !statSync(file).isFile()) {
      writeFileSync(file, text);
      return;
    }
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    onError(`error: ${flag} ${file} was not written: ${(e as NodeJS.ErrnoException).code ?? ''} ${(e as Error).message}`.replace(/\s+/g, ' ').trim());
  }
}
