import type { Command } from 'commander';
import type { Io } from './io.js';
import { reportError } from './exit-codes.js';
import { addRunOptions, runOptionsFrom, runWithSignals, type CommonRunFlags } from './run-options.js';
import { HistoryReporter } from '../history/reporter.js';
import { HistoryStore, parseSince } from '../history/store.js';
import { summarizeDrift, userExitCode } from '../history/drift.js';
import { renderHtmlReport } from '../history/html.js';
import { writeFileSync } from 'node:fs';
import { renderDiff } from '../reporters/diff.js';
import { EXIT } from './exit-codes.js';
import { TsplayError } from '../errors.js';

interface DriftFlags extends CommonRunFlags {
  fix?: boolean;
  history?: string | boolean;
}

export function registerDriftCommands(program: Command, io: Io, setCode: (c: number) => void): void {
  addRunOptions(
    program
      .command('drift')
      .description('find configuration drift: check mode + diff across the fleet (exit 0 converged, 2 drift, 1 undetermined)')
      .argument('<playbook>', 'playbook YAML file')
      .option('--fix', 'apply the corrections and record them as corrective changes')
      .option('--history <file>', 'run history file (default $TSPLAY_HISTORY or ~/.local/state/tsplay/history.sqlite)')
      .option('--no-history', 'do not record this run'),
  ).action(async (playbook: string, flags: DriftFlags) => {
    try {
      setCode(await driftCommand(playbook, flags, io));
    } catch (e) {
      const code = reportError(e, io);
      // Bad input means drift could not be determined: terraform's 1, whatever the cause.
      setCode(code === EXIT.OK ? EXIT.OK : 1);
    }
  });

  program
    .command('report')
    .description('write one static HTML page: hosts × runs with drift and corrections, per-item diffs, trend')
    .requiredOption('--html <file>', 'output HTML file')
    .option('--since <when>', 'only runs since a duration (7d, 12h) or a date')
    .option('--history <file>', 'run history file')
    .action((flags: { html: string; since?: string; history?: string }) => {
      const store = new HistoryStore(flags.history);
      try {
        const runs = store.runs({ sinceIso: flags.since ? parseSince(flags.since) : undefined });
        const items = store.items(runs.map((r) => r.id));
        try {
          writeFileSync(flags.html, renderHtmlReport(runs, items, { source: store.file }));
        } catch (e) {
          throw new TsplayError('USAGE', `cannot write the report to ${flags.html}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
            hint: 'give a file path in an existing, writable directory',
          });
        }
        io.out(`wrote ${flags.html}: ${runs.length} run(s)\n`);
      } finally {
        store.close();
      }
      setCode(EXIT.OK);
    });

  program
    .command('history')
    .description('past runs: when, playbook, mode, per-host totals, drift items')
    .option('--host <host>', 'only runs that touched this host')
    .option('--since <when>', 'only runs since a duration (7d, 12h) or a date')
    .option('--drift-only', 'only runs that found or corrected drift')
    .option('--history <file>', 'run history file')
    .option('--json', 'print JSON')
    .option('-n, --limit <n>', 'at most this many runs', (v) => Number(v))
    .action((flags: { host?: string; since?: string; driftOnly?: boolean; history?: string; json?: boolean; limit?: number }) => {
      setCode(historyCommand(flags, io));
    });
}

export async function driftCommand(playbook: string, flags: DriftFlags, io: Io): Promise<number> {
  const historyFile = typeof flags.history === 'string' ? flags.history : undefined;
  const reporters = [];
  const history = flags.history === false ? undefined : new HistoryReporter(historyFile, 'drift', (m) => io.err(`[WARNING] ${m}\n`));
  if (history) reporters.push(history);
  const opts = runOptionsFrom(playbook, { ...flags, check: !flags.fix, diff: true }, io, { mode: flags.fix ? 'fix' : 'drift' });
  opts.reporters = [...(opts.reporters ?? []), ...reporters];
  const report = await runWithSignals(opts);
  const summary = summarizeDrift(report);
  if (flags.fix) {
    const fixed = summary.items;
    io.out(
      `\n${fixed.length ? `corrected ${fixed.length} drift item(s) on ${summary.driftedHosts.length} host(s): ${summary.driftedHosts.join(', ')}` : 'no drift: nothing to correct'}\n`,
    );
    if (summary.failedHosts.length) io.out(`could not correct drift on (failed): ${summary.failedHosts.join(', ')}\n`);
    if (summary.unreachableHosts.length) io.out(`could not correct drift on (unreachable): ${summary.unreachableHosts.join(', ')}\n`);
    return userExitCode(report);
  }
  io.out('\nDRIFT SUMMARY\n');
  if (!summary.items.length) io.out('no drift: every host is converged\n');
  for (const host of summary.driftedHosts) {
    io.out(`drift on ${host}:\n`);
    for (const item of summary.items.filter((i) => i.host === host)) {
      io.out(`  - ${item.task}${item.msg ? ` (${item.msg})` : ''}\n`);
      for (const d of item.diff ?? []) io.out(renderDiff(d).replace(/^/gm, '      ') + '\n');
    }
  }
  if (summary.failedHosts.length) io.out(`could not determine drift on (failed): ${summary.failedHosts.join(', ')}\n`);
  if (summary.unreachableHosts.length) io.out(`could not determine drift on (unreachable): ${summary.unreachableHosts.join(', ')}\n`);
  return userExitCode(report);
}

export function historyCommand(flags: { host?: string; since?: string; driftOnly?: boolean; history?: string; json?: boolean; limit?: number }, io: Io): number {
  const store = new HistoryStore(flags.history);
  try {
    const runs = store.runs({ host: flags.host, sinceIso: flags.since ? parseSince(flags.since) : undefined, driftOnly: flags.driftOnly, limit: flags.limit });
    const items = store.items(
      runs.map((r) => r.id),
      { host: flags.host, kinds: flags.driftOnly ? ['drift', 'corrective'] : undefined },
    );
    if (flags.json) {
      io.out(
        JSON.stringify(
          runs.map((r) => ({ ...r, items: items.filter((i) => i.runId === r.id) })),
          null,
          2,
        ) + '\n',
      );
      return EXIT.OK;
    }
    if (!runs.length) {
      io.out('no runs recorded' + (flags.since || flags.host || flags.driftOnly ? ' matching the filters' : '') + ` (history: ${store.file})\n`);
      return EXIT.OK;
    }
    for (const r of runs) {
      const totals = Object.values(r.hosts).reduce((a, h) => ({ changed: a.changed + h.changed, failed: a.failed + h.failed + h.unreachable }), { changed: 0, failed: 0 });
      io.out(
        `#${r.id}  ${r.startedAt}  ${r.mode.padEnd(5)}  exit=${r.exitCode}  ${r.playbook}  hosts=${Object.keys(r.hosts).length} changed=${totals.changed} failed=${totals.failed}${r.source ? `  (${r.source})` : ''}\n`,
      );
      for (const [host, h] of Object.entries(r.hosts)) {
        if (flags.host && host !== flags.host) continue;
        io.out(`      ${host}: ok=${h.ok} changed=${h.changed} failed=${h.failed} unreachable=${h.unreachable} skipped=${h.skipped}\n`);
      }
      for (const it of items.filter((i) => i.runId === r.id)) {
        const tag = { drift: 'DRIFT', corrective: 'CORRECTED', change: 'changed', failure: 'FAILED' }[it.kind];
        io.out(`      ${tag.padEnd(9)} ${it.host}: ${it.task}${it.msg ? ` — ${it.msg.split('\n')[0]}` : ''}\n`);
      }
    }
    return EXIT.OK;
  } finally {
    store.close();
  }
}
