import { Command, InvalidArgumentError, Option } from 'commander';
import type { Io } from './main.js';
import { parseExtraVars, reportError } from './main.js';
import { EXIT } from './exit-codes.js';
import { runPlaybook } from '../engine/run.js';
import type { RunPlaybookOptions } from '../engine/api.js';
import type { Reporter, RunReport } from '../engine/report.js';
import { PlainReporter } from '../reporters/plain.js';
import { ListrReporter } from '../reporters/listr.js';
import { JsonReporter } from '../reporters/json.js';
import { JunitReporter } from '../reporters/junit.js';
import { validatePlaybook } from './validate.js';
import { factsCommand, inventoryCommand, rolesCommand } from './info.js';
import { registerDriftCommands } from './drift.js';
import { registerScheduleCommands } from './schedule.js';
import { HistoryReporter } from '../history/reporter.js';
import { registerLabCommands } from './lab.js';
import { registerDemoCommand } from './demo.js';
import { addVaultOptions, registerVaultCommands, setupVaultSecrets } from './vault.js';
import { setVaultSecrets } from '../config/vault.js';
import { checkReportPath } from '../reporters/report-file.js';

type SetCode = (code: number) => void;

const collect = (v: string, prev: string[] = []) => [...prev, v];
const csv = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

/** Options shared by run, drift and pull. */
export function addRunOptions(cmd: Command): Command {
  return addVaultOptions(cmd)
    .option('-i, --inventory <path>', 'inventory file or directory (repeatable)', collect, [])
    .option('-l, --limit <pattern>', 'further limit selected hosts (same pattern grammar as hosts:)')
    .option('-t, --tags <tags>', 'only run tasks with these tags (comma-separated, repeatable)', csv, [])
    .option('--skip-tags <tags>', 'skip tasks with these tags', csv, [])
    .option('-e, --extra-vars <vars>', 'key=value, JSON, or @file (repeatable; highest precedence)', collect, [])
    .addOption(new Option('-f, --forks <n>', 'hosts worked on in parallel').default(10).argParser((v) => positiveInt(v, '--forks')))
    .option('--json <file>', 'write the run report as JSON')
    .option('--junit <file>', 'write a JUnit XML report (one testcase per host × task)')
    .option('-v, --verbose', 'more output (repeat for more)', (_v: unknown, prev: number) => prev + 1, 0);
}

function positiveInt(v: string, name: string): number {
  // Digits only, as Python's int() reads them: 1e3, 0x10, " 5" or 5.0 are not a fork count.
  const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${name} takes a whole number ≥ 1, got "${v}"`); // commander prints it, exit 5
  return n;
}

export interface CommonRunFlags {
  inventory: string[];
  limit?: string;
  tags: string[];
  skipTags: string[];
  extraVars: string[];
  forks: number;
  json?: string;
  junit?: string;
  verbose: number;
  check?: boolean;
  diff?: boolean;
}

/** Build the reporters for a run: live tree on a TTY, plain lines otherwise, plus file reports. */
export function reportersFor(flags: CommonRunFlags, io: Io): Reporter[] {
  const rs: Reporter[] = [
    io.isTTY ? new ListrReporter({ write: io.out, diff: flags.diff }) : new PlainReporter({ write: io.out, diff: flags.diff, verbose: flags.verbose }),
  ];
  const onError = (m: string): void => io.err(`${m}\n`);
  if (flags.json) {
    checkReportPath(flags.json, '--json');
    rs.push(new JsonReporter(flags.json, onError));
  }
  if (flags.junit) {
    checkReportPath(flags.junit, '--junit');
    rs.push(new JunitReporter(flags.junit, onError));
  }
  return rs;
}

export function runOptionsFrom(playbook: string, flags: CommonRunFlags, io: Io, extra: Partial<RunPlaybookOptions> = {}): RunPlaybookOptions {
  return {
    playbook,
    inventory: flags.inventory.length ? flags.inventory : defaultInventory(),
    check: flags.check,
    diff: flags.diff,
    limit: flags.limit,
    tags: flags.tags,
    skipTags: flags.skipTags,
    extraVars: parseExtraVars(flags.extraVars, (w) => io.err(`[WARNING]: ${w}\n`)),
    forks: flags.forks,
    verbose: flags.verbose,
    reporters: reportersFor(flags, io),
    ...extra,
  };
}

function defaultInventory(): string[] {
  return process.env['TSPLAY_INVENTORY'] ? [process.env['TSPLAY_INVENTORY']] : [];
}

/** Run with SIGINT/SIGTERM wired to an abort (exit 99, the report says what was interrupted). */
export async function runWithSignals(opts: RunPlaybookOptions): Promise<RunReport> {
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const report = await runPlaybook({ ...opts, signal: opts.signal ?? ac.signal });
    for (const r of opts.reporters ?? []) await r.close?.();
    return report;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function registerCommands(program: Command, io: Io, setCode: SetCode): void {
  // Vault passwords are read once per command, before any file is loaded (`tsplay vault` reads its own).
  setVaultSecrets([]);
  program.hook('preAction', async (_program, cmd) => {
    if (cmd.parent?.name() !== 'vault' && 'vaultId' in cmd.opts()) await setupVaultSecrets(cmd.opts(), io);
  });
  addRunOptions(
    program
      .command('run')
      .description('apply a playbook to the inventory')
      .argument('<playbook>', 'playbook YAML file')
      .option('-C, --check', 'check mode: report what would change, change nothing')
      .option('-D, --diff', 'show file differences')
      .option('--history <file>', 'run history file (default $TSPLAY_HISTORY or ~/.local/state/tsplay/history.sqlite)')
      .option('--no-history', 'do not record this run'),
  ).action(async (playbook: string, flags: CommonRunFlags & { history?: string | boolean }) => {
    try {
      const opts = runOptionsFrom(playbook, flags, io);
      if (flags.history !== false) opts.reporters!.push(new HistoryReporter(typeof flags.history === 'string' ? flags.history : undefined, 'run', (m) => io.err(`[WARNING] ${m}\n`)));
      const report = await runWithSignals(opts);
      setCode(report.exitCode);
    } catch (e) {
      setCode(reportError(e, io));
    }
  });

  addVaultOptions(program
    .command('validate'))
    .description('check a playbook (schema, modules, roles, params for every host) without contacting any host')
    .argument('<playbook>', 'playbook YAML file')
    .option('-i, --inventory <path>', 'inventory (enables per-host role param checks)', collect, [])
    .option('-e, --extra-vars <vars>', 'extra vars', collect, [])
    .action(async (playbook: string, flags: { inventory: string[]; extraVars: string[] }) => {
      try {
        const warnings = await validatePlaybook(playbook, flags.inventory, parseExtraVars(flags.extraVars, (w) => io.err(`[WARNING]: ${w}\n`)));
        for (const w of warnings) io.err(`[WARNING]: ${w}\n`);
        io.out(`${playbook}: valid\n`);
        setCode(EXIT.OK);
      } catch (e) {
        setCode(reportError(e, io));
      }
    });

  addVaultOptions(program
    .command('facts'))
    .description("gather a host's facts and print them as `ansible -m setup` prints ansible_facts (JSON)")
    .argument('<host>', 'inventory host name')
    .option('-i, --inventory <path>', 'inventory', collect, [])
    .option('--filter <glob>', "only facts whose name matches (setup's filter; repeatable, e.g. 'ansible_distribution*')", collect, [])
    .option('--gather-subset <list>', "setup's gather_subset (comma-separated: all, min, network, !hardware, …)")
    .option('--tsplay', "print tsplay's own typed facts (the `facts` variable) instead")
    .action(async (host: string, flags: { inventory: string[]; filter: string[]; gatherSubset?: string; tsplay?: boolean }) => {
      try {
        setCode(await factsCommand(host, flags.inventory, io, { filter: flags.filter, gatherSubset: flags.gatherSubset?.split(',').map((s) => s.trim()).filter(Boolean), typed: flags.tsplay }));
      } catch (e) {
        setCode(reportError(e, io));
      }
    });

  addVaultOptions(program
    .command('inventory'))
    .description('print resolved groups, hosts and variables')
    .option('-i, --inventory <path>', 'inventory', collect, [])
    .option('--graph', 'print the group tree')
    .option('--host <host>', 'print one host\'s variables')
    .action(async (flags: { inventory: string[]; graph?: boolean; host?: string }) => {
      try {
        setCode(await inventoryCommand(flags, io));
      } catch (e) {
        setCode(reportError(e, io));
      }
    });

  registerDriftCommands(program, io, setCode);
  registerScheduleCommands(program, io, setCode);
  registerLabCommands(program, io, setCode);
  registerDemoCommand(program, io, setCode);
  registerVaultCommands(program, io, setCode);

  const roles = program.command('roles').description('list and document roles');
  roles
    .command('list')
    .option('-p, --playbook <file>', 'also search roles/ beside this playbook')
    .action(async (flags: { playbook?: string }) => {
      try {
        setCode(await rolesCommand('list', undefined, flags.playbook, io));
      } catch (e) {
        setCode(reportError(e, io));
      }
    });
  roles
    .command('show')
    .argument('<name>', 'role name')
    .option('-p, --playbook <file>', 'also search roles/ beside this playbook')
    .action(async (name: string, flags: { playbook?: string }) => {
      try {
        setCode(await rolesCommand('show', name, flags.playbook, io));
      } catch (e) {
        setCode(reportError(e, io));
      }
    });
}
