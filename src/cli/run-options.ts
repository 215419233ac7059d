/**
 * What the run-like commands (run, drift, pull, schedule, demo) share: their options, the reporters
 * and run options they make, and signal handling. A leaf: it imports nothing from the commands.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Io } from './io.js';
import { parseExtraVars } from '../loader/extra-vars.js';
import { runPlaybook } from '../engine/run.js';
import type { RunPlaybookOptions } from '../engine/api.js';
import type { Reporter, RunReport } from '../engine/report.js';
import { PlainReporter } from '../reporters/plain.js';
import { ListrReporter } from '../reporters/listr.js';
import { JsonReporter } from '../reporters/json.js';
import { JunitReporter } from '../reporters/junit.js';
import { addVaultOptions } from './vault.js';
import { checkReportPath } from '../reporters/report-file.js';

export type SetCode = (code: number) => void;

export const collect = (v: string, prev: string[] = []) => [...prev, v];
export const csv = (v: string, prev: string[] = []) => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

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
    .addOption(
      new Option('--lock-timeout <seconds>', 'wait this long for another tsplay run on a host to finish (default: TSPLAY_LOCK_TIMEOUT, else 300; 0 = fail at once)').argParser(
        (v) => wholeSeconds(v, '--lock-timeout'),
      ),
    )
    .option('-v, --verbose', 'more output (repeat for more)', (_v: unknown, prev: number) => prev + 1, 0);
}

function positiveInt(v: string, name: string): number {
  // Digits only, as Python's int() reads them: 1e3, 0x10, " 5" or 5.0 are not a fork count.
  const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${name} takes a whole number ≥ 1, got "${v}"`); // commander prints it, exit 5
  return n;
}

function wholeSeconds(v: string, name: string): number {
  const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} takes a whole number of seconds ≥ 0, got "${v}"`);
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
  lockTimeout?: number;
  verbose: number;
  check?: boolean;
  diff?: boolean;
}

/** Build the reporters for a run: live tree on a TTY, plain lines otherwise, plus file reports. */
export function reportersFor(flags: CommonRunFlags, io: Io): Reporter[] {
  const rs: Reporter[] = [io.isTTY ? new ListrReporter({ write: io.out, diff: flags.diff }) : new PlainReporter({ write: io.out, diff: flags.diff, verbose: flags.verbose })];
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
    ...(flags.lockTimeout !== undefined ? { lockTimeout: flags.lockTimeout } : {}),
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
