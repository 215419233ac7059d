import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TsplayError, TsplayErrors, formatError } from '../errors.js';
import { VERSION } from '../version.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import type { Reporter } from '../engine/report.js';

/** Where the CLI writes; tests pass their own to capture output in-process. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
}

export const defaultIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTTY: !!process.stdout.isTTY && !process.env['CI'],
};

/** Parse argv, run the command, return the exit code (Ansible's codes). Never throws. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  // `tsplay --version` answers before the commands (and the engine behind them) are loaded.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.out(`${VERSION}\n`);
    return EXIT.OK;
  }
  const { registerCommands } = await import('./commands.js');
  const program = new Command('tsplay')
    .description('Declarative playbooks and typed roles, applied idempotently over SSH or locally')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run tsplay --help for usage)');
  let code: number = EXIT.OK;
  registerCommands(program, io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.OK;
      return EXIT.USAGE;
    }
    return reportError(e, io);
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

/** `-e key=value`, `-e '{"json": 1}'`, `-e @vars.yml`, repeated; later ones win (Ansible's load_extra_vars). */
export { parseExtraVars } from '../loader/extra-vars.js';

export type { Reporter, Option };
