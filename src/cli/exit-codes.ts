import { TsplayError, TsplayErrors, formatError } from '../errors.js';
import type { Io } from './io.js';

/**
 * The one place that maps errors to what the user sees and the exit code. Commands throw; main()
 * catches once and calls reportError.
 */

/** Ansible's documented exit codes. */
export const EXIT = {
  OK: 0,
  INTERNAL: 1,
  HOST_FAILED: 2,
  UNREACHABLE: 3,
  VALIDATION: 4,
  USAGE: 5,
  INTERRUPTED: 99,
} as const;

export function exitCodeFor(e: TsplayError): number {
  switch (e.code) {
    case 'VALIDATION':
    case 'PARSE':
    case 'TEMPLATE':
    case 'EXPRESSION':
    case 'VAULT':
      return EXIT.VALIDATION;
    case 'USAGE':
    case 'HISTORY':
      return EXIT.USAGE;
    case 'CONNECTION':
      return EXIT.UNREACHABLE;
    case 'INTERRUPTED':
      return EXIT.INTERRUPTED;
    case 'INTERNAL':
    case 'NO_HOSTS': // ansible-playbook's plain ERROR! exit status
      return EXIT.INTERNAL;
    default:
      return EXIT.HOST_FAILED;
  }
}

/** Print a user error plainly (file:line:col, hint) or a bug with its stack; return the exit code. */
export function reportError(e: unknown, io: Io): number {
  if (e instanceof TsplayErrors) {
    io.err(`${e.errors.length} error${e.errors.length === 1 ? '' : 's'}:\n`);
    for (const x of e.errors) io.err(`${formatError(x)}\n`);
    return exitCodeFor(e.errors[0]!);
  }
  if (e instanceof TsplayError) {
    io.err(`error: ${formatError(e)}\n`);
    return exitCodeFor(e);
  }
  io.err(`internal error (a bug in tsplay, please report it):\n${(e as Error)?.stack ?? String(e)}\n`);
  return EXIT.INTERNAL;
}
