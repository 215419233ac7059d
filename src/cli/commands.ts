import type { Command } from 'commander';
import type { Io } from './io.js';
import { parseExtraVars } from '../loader/extra-vars.js';
import { addRunOptions, collect, runOptionsFrom, runWithSignals, type CommonRunFlags, type SetCode } from './run-options.js';
import { EXIT } from './exit-codes.js';
import { TsplayError } from '../errors.js';
import { addConnectionOptions, cliDefaultsFrom, type ConnectionFlags } from './connection-options.js';
import { validatePlaybook } from './validate.js';
import { factsCommand, inventoryCommand, modulesCommand, rolesCommand } from './info.js';
import { schemaCommand } from './schema.js';
import { registerDriftCommands } from './drift.js';
import { registerScheduleCommands } from './schedule.js';
import { HistoryReporter } from '../history/reporter.js';
import { listPlayHosts } from '../engine/run.js';
import { registerLabCommands } from './lab.js';
import { registerDemoCommand } from './demo.js';
import { addVaultOptions, registerVaultCommands, setupVaultSecrets } from './vault.js';
import { setVaultSecrets } from '../config/vault.js';

export function registerCommands(program: Command, io: Io, setCode: SetCode): void {
  // Vault passwords are read once per command, before any file is loaded (`tsplay vault` reads its own).
  setVaultSecrets([]);
  program.hook('preAction', async (_program, cmd) => {
    if (cmd.parent?.name() !== 'vault' && 'vaultId' in cmd.opts()) await setupVaultSecrets(cmd.opts(), io);
  });
  addRunOptions(
    addConnectionOptions(program.command('run'))
      .description('apply a playbook to the inventory')
      .argument('<playbook>', 'playbook YAML file')
      .option('-C, --check', 'check mode: report what would change, change nothing')
      .option('-D, --diff', 'show file differences')
      .option('--history <file>', 'run history file (default $TSPLAY_HISTORY or ~/.local/state/tsplay/history.sqlite)')
      .option('--no-history', 'do not record this run')
      .option('--start-at-task <task_name>', 'start the playbook at the task matching this name (a glob, also `role : name`)')
      .option('--step', 'one-step-at-a-time: confirm each task before running (needs a terminal; not supported yet)')
      .option('--force-handlers', 'run handlers even if a task fails')
      .option('--list-hosts', 'outputs a list of matching hosts; does not execute anything else')
      .option('--syntax-check', "check the playbook's syntax and exit (as tsplay validate; prints 'playbook: FILE')"),
  ).action(
    async (
      playbook: string,
      flags: CommonRunFlags &
        ConnectionFlags & { history?: string | boolean; syntaxCheck?: boolean; listHosts?: boolean; startAtTask?: string; forceHandlers?: boolean; step?: boolean },
    ) => {
      if (flags.syntaxCheck) {
        // ansible-playbook --syntax-check: load and validate, contact no host
        const warnings = await validatePlaybook(
          playbook,
          flags.inventory,
          parseExtraVars(flags.extraVars, (w) => io.err(`[WARNING]: ${w}\n`)),
        );
        for (const w of warnings) io.err(`[WARNING]: ${w}\n`);
        io.out(`\nplaybook: ${playbook}\n`);
        setCode(EXIT.OK);
        return;
      }
      if (flags.listHosts) {
        // ansible-playbook --list-hosts, line for line (hosts in inventory order)
        let text = `\nplaybook: ${playbook}\n`;
        (await listPlayHosts({ playbook, inventory: flags.inventory, limit: flags.limit })).forEach((p, i) => {
          text += `\n  play #${i + 1} (${p.pattern}): ${p.name}\tTAGS: [${p.tags.join(', ')}]\n    pattern: ['${p.pattern}']\n    hosts (${p.hosts.length}):\n`;
          for (const h of p.hosts) text += `      ${h}\n`;
        });
        io.out(text);
        setCode(EXIT.OK);
        return;
      }
      if (flags.step) {
        // ansible-playbook --step asks before each task on the terminal
        throw new TsplayError('USAGE', process.stdin.isTTY ? '--step is not supported yet' : '--step asks before each task and needs a terminal; stdin is not one', {
          hint: 'run the tasks you want with --tags / --start-at-task, or preview with --check --diff',
        });
      }
      const cliDefaults = await cliDefaultsFrom(flags, io);
      const opts = runOptionsFrom(playbook, flags, io, {
        ...(cliDefaults ? { cliDefaults } : {}),
        ...(flags.startAtTask !== undefined ? { startAtTask: flags.startAtTask } : {}),
        ...(flags.forceHandlers ? { forceHandlers: true } : {}),
      });
      if (flags.history !== false)
        opts.reporters!.push(new HistoryReporter(typeof flags.history === 'string' ? flags.history : undefined, 'run', (m) => io.err(`[WARNING] ${m}\n`)));
      const report = await runWithSignals(opts);
      setCode(report.exitCode);
    },
  );

  addVaultOptions(program.command('validate'))
    .description('check a playbook (schema, modules, roles, params for every host) without contacting any host')
    .argument('<playbook>', 'playbook YAML file')
    .option('-i, --inventory <path>', 'inventory (enables per-host role param checks)', collect, [])
    .option('-e, --extra-vars <vars>', 'extra vars', collect, [])
    .action(async (playbook: string, flags: { inventory: string[]; extraVars: string[] }) => {
      const warnings = await validatePlaybook(
        playbook,
        flags.inventory,
        parseExtraVars(flags.extraVars, (w) => io.err(`[WARNING]: ${w}\n`)),
      );
      for (const w of warnings) io.err(`[WARNING]: ${w}\n`);
      io.out(`${playbook}: valid\n`);
      setCode(EXIT.OK);
    });

  addVaultOptions(program.command('facts'))
    .description("gather a host's facts and print them as `ansible -m setup` prints ansible_facts (JSON)")
    .argument('<host>', 'inventory host name')
    .option('-i, --inventory <path>', 'inventory', collect, [])
    .option('--filter <glob>', "only facts whose name matches (setup's filter; repeatable, e.g. 'ansible_distribution*')", collect, [])
    .option('--gather-subset <list>', "setup's gather_subset (comma-separated: all, min, network, !hardware, …)")
    .option('--tsplay', "print tsplay's own typed facts (the `facts` variable) instead")
    .action(async (host: string, flags: { inventory: string[]; filter: string[]; gatherSubset?: string; tsplay?: boolean }) => {
      setCode(
        await factsCommand(host, flags.inventory, io, {
          filter: flags.filter,
          gatherSubset: flags.gatherSubset
            ?.split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          typed: flags.tsplay,
        }),
      );
    });

  addVaultOptions(program.command('inventory'))
    .description('print resolved groups, hosts and variables')
    .option('-i, --inventory <path>', 'inventory', collect, [])
    .option('--graph', 'print the group tree')
    .option('--host <host>', "print one host's variables")
    .action(async (flags: { inventory: string[]; graph?: boolean; host?: string }) => {
      setCode(await inventoryCommand(flags, io));
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
      setCode(await rolesCommand('list', undefined, flags.playbook, io));
    });
  roles
    .command('show')
    .argument('<name>', 'role name')
    .option('-p, --playbook <file>', 'also search roles/ beside this playbook')
    .action(async (name: string, flags: { playbook?: string }) => {
      setCode(await rolesCommand('show', name, flags.playbook, io));
    });

  program
    .command('schema')
    .description('print the JSON Schema (draft 2020-12) of playbooks, task files, handlers, inventories or vars files, for editors')
    .argument('[kind]', 'playbook (default), tasks, handlers, inventory or vars')
    .option('--roles <dir...>', 'also the roles in these directories (their params are typed in role entries)')
    .option('--out <dir>', 'write KIND.json files there (every kind without KIND)')
    .action(async (kind: string | undefined, flags: { roles?: string[]; out?: string }) => {
      setCode(await schemaCommand(kind, flags, io));
    });

  const modules = program.command('modules').description('list and document modules (arguments and return values)');
  modules
    .command('list')
    .option('-p, --playbook <file>', 'also the modules of the tsplay.config.* beside this playbook')
    .action(async (flags: { playbook?: string }) => {
      setCode(await modulesCommand('list', undefined, flags.playbook, io));
    });
  modules
    .command('show')
    .argument('<name>', 'module name, alias or ansible.builtin.NAME')
    .option('-p, --playbook <file>', 'also the modules of the tsplay.config.* beside this playbook')
    .action(async (name: string, flags: { playbook?: string }) => {
      setCode(await modulesCommand('show', name, flags.playbook, io));
    });
}
