import type { Command } from 'commander';
import { mkdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringifyYaml } from '../loader/yaml.js';
import type { Io } from './io.js';
import { EXIT } from './exit-codes.js';
import { loadSchedules, type ScheduleEntry } from '../schedule/config.js';
import { Scheduler } from '../schedule/scheduler.js';
import { defaultBin, unitsFor } from '../schedule/systemd.js';
import { runPlaybook } from '../engine/run.js';
import { HistoryReporter } from '../history/reporter.js';
import { defaultHistoryPath } from '../history/store.js';
import { PlainReporter } from '../reporters/plain.js';
import { addRunOptions, runOptionsFrom, runWithSignals, type CommonRunFlags } from './run-options.js';
import { TsplayError } from '../errors.js';

export function registerScheduleCommands(program: Command, io: Io, setCode: (c: number) => void): void {
  const schedule = program.command('schedule').description('scheduled drift checks and corrections');
  schedule
    .command('run')
    .description('run the schedules in the foreground until SIGTERM/SIGINT (one log line per run)')
    .argument('<file>', 'schedules YAML file')
    .option('--history <file>', 'run history file')
    .option('-v, --verbose', "print each run's task output")
    .action(async (file: string, flags: { history?: string; verbose?: boolean }) => {
      setCode(await scheduleRun(file, flags, io));
    });
  schedule
    .command('install')
    .description('write systemd service + timer units for each schedule entry')
    .argument('<file>', 'schedules YAML file')
    .option('--systemd', 'write systemd units (the supported installer)')
    .option('--pull', 'units run `tsplay pull` on this machine (no controller)')
    .option('--dir <dir>', 'where to write the units', '/etc/systemd/system')
    .option('--history <file>', 'run history file the units record into')
    .action((file: string, flags: { systemd?: boolean; pull?: boolean; dir: string; history?: string }) => {
      if (!flags.systemd && !flags.pull) throw new TsplayError('USAGE', 'say how to install: --systemd (controller runs) or --pull (this machine corrects itself)');
      const sf = loadSchedules(file);
      // Every unit is built (and every cron checked) before anything is written.
      const units = sf.entries.flatMap((entry) =>
        unitsFor(entry, {
          node: process.execPath,
          bin: defaultBin(),
          workingDirectory: path.dirname(sf.file),
          historyFile: flags.history ?? sf.history ?? defaultHistoryPath(),
          pull: !!flags.pull,
        }),
      );
      const writeUnit = (name: string, content: string) => {
        try {
          mkdirSync(flags.dir, { recursive: true });
          writeFileSync(path.join(flags.dir, name), content);
        } catch (e) {
          throw new TsplayError('USAGE', `cannot write ${path.join(flags.dir, name)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
            hint: 'give --dir a writable directory (/etc/systemd/system needs root)',
          });
        }
      };
      if (flags.pull) {
        for (const e of sf.entries.filter((x) => x.limit && !x.groups?.length)) {
          io.err(
            `[WARNING] schedule "${e.name}": a pull unit runs on this machine as "localhost" in no group, so --limit ${e.limit} may match nothing; add groups: [...] to the entry\n`,
          );
        }
      }
      const names: string[] = [];
      for (const unit of units) {
        writeUnit(unit.name, unit.content);
        io.out(`wrote ${path.join(flags.dir, unit.name)}\n`);
        if (unit.name.endsWith('.timer')) names.push(unit.name);
      }
      io.out(`enable with: systemctl daemon-reload && systemctl enable --now ${names.join(' ')}\n`);
      setCode(EXIT.OK);
    });

  addRunOptions(
    program
      .command('pull')
      .description('apply a playbook to this machine with the local executor (no SSH, no controller)')
      .argument('<playbook>', 'playbook YAML file')
      .option('-C, --check', 'check mode')
      .option('-D, --diff', 'show differences')
      .option('-g, --group <group>', 'groups this machine belongs to, so plays for them apply (repeatable)', (v: string, p: string[] = []) => [...p, v], [])
      .option('--history <file>', 'run history file')
      .option('--no-history', 'do not record this run'),
  ).action(async (playbook: string, flags: CommonRunFlags & { group: string[]; history?: string | boolean }) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-pull-'));
    try {
      const inv = path.join(dir, 'local.yml');
      writeFileSync(inv, stringifyYaml(pullInventory(flags.group)));
      const opts = runOptionsFrom(playbook, { ...flags, inventory: [inv, ...flags.inventory] }, io, { mode: 'pull' });
      if (flags.history !== false)
        opts.reporters!.push(new HistoryReporter(typeof flags.history === 'string' ? flags.history : undefined, 'pull', (m) => io.err(`[WARNING] ${m}\n`)));
      const report = await runWithSignals(opts);
      setCode(report.exitCode);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** The inventory `pull` runs with: this machine as `localhost`, local connection, in the given groups. */
export function pullInventory(groups: string[]): Record<string, unknown> {
  const children: Record<string, unknown> = {};
  for (const g of groups) children[g] = { hosts: { localhost: null } };
  return { all: { hosts: { localhost: { ansible_connection: 'local' } }, ...(groups.length ? { children } : {}) } };
}

async function scheduleRun(file: string, flags: { history?: string; verbose?: boolean }, io: Io): Promise<number> {
  const sf = loadSchedules(file);
  const historyFile = flags.history ?? sf.history;
  const stamp = () => new Date().toISOString();
  const log = (line: string) => io.out(`${stamp()} ${line}\n`);
  const scheduler = new Scheduler(sf, {
    lockDir: path.join(path.dirname(historyFile ?? defaultHistoryPath()), 'locks'),
    log,
    runEntry: (entry: ScheduleEntry, signal: AbortSignal) => {
      const flagsForRun: CommonRunFlags = {
        inventory: entry.inventory,
        limit: entry.limit,
        tags: entry.tags ?? [],
        skipTags: [],
        extraVars: [],
        forks: 10,
        verbose: 0,
        check: entry.mode === 'check',
        diff: true,
      };
      const opts = runOptionsFrom(entry.playbook, flagsForRun, io, { mode: entry.mode === 'check' ? 'drift' : 'fix', extraVars: entry.extraVars ?? {}, signal });
      opts.reporters = [
        ...(flags.verbose ? [new PlainReporter({ write: io.out, diff: true })] : []),
        new HistoryReporter(historyFile, `schedule:${entry.name}`, (m) => log(`[WARNING] ${m}`)),
      ];
      return runPlaybook(opts);
    },
  });
  scheduler.start();
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  log('stopping: cancelling runs in flight');
  await scheduler.stop({ cancel: true });
  return EXIT.OK;
}
