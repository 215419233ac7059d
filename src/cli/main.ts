/**
 * The CLI's root: parse argv, run one command, map whatever it throws to output and an exit code
 * (cli/exit-codes.ts, the only place that does). Commands are leaves registered by commands.ts.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { EXIT, reportError } from './exit-codes.js';
import { defaultIo, type Io } from './io.js';

export type { Io } from './io.js';
export { defaultIo } from './io.js';

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
