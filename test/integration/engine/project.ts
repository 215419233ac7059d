/**
 * A throwaway tsplay project in a temp dir (playbook, inventory, roles, files) and the CLI run
 * in-process against it: `main(argv, io)` with output captured, `--json`/`--junit` read back.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { main } from '../../../src/cli/main.js';
import type { RunReport } from '../../../src/engine/report.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
  /** stdout + stderr, for "never appears anywhere" assertions. */
  all: string;
}

export interface RunResult extends CliResult {
  report: RunReport;
  jsonText: string;
  junit: string;
}

export interface Project {
  dir: string;
  path(rel: string): string;
  write(rel: string, text: string): void;
  read(rel: string): string;
  exists(rel: string): boolean;
  /** Lines of a file the tasks append to (execution order), empty when it does not exist. */
  lines(rel: string): string[];
  remove(): void;
}

const made: Project[] = [];

/** Create a project from `{ relative path: text }`. Removed by `cleanupProjects()`. */
export function project(files: Record<string, string> = {}): Project {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-it-'));
  const p: Project = {
    dir,
    path: (rel) => join(dir, rel),
    write(rel, text) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    },
    read: (rel) => readFileSync(join(dir, rel), 'utf8'),
    exists: (rel) => existsSync(join(dir, rel)),
    lines: (rel) => (existsSync(join(dir, rel)) ? readFileSync(join(dir, rel), 'utf8').split('\n').filter(Boolean) : []),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  for (const [rel, text] of Object.entries(files)) p.write(rel, text);
  made.push(p);
  return p;
}

export function cleanupProjects(): void {
  for (const p of made.splice(0)) p.remove();
}

/** `tsplay ARGS` in-process, as a non-TTY (plain output). */
export async function tsplay(args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false });
  return { code, out, err, all: out + err };
}

/**
 * `tsplay run site.yml -i inventory.ini --json --junit --no-history [more]` in the project; the
 * JSON report is parsed (an empty report when the run stopped before writing one).
 */
export async function run(p: Project, more: string[] = [], opts: { playbook?: string; inventory?: string } = {}): Promise<RunResult> {
  const json = p.path(`.report-${made.length}-${Date.now()}.json`);
  const junit = p.path(`.report-${made.length}-${Date.now()}.xml`);
  rmSync(json, { force: true });
  rmSync(junit, { force: true });
  const res = await tsplay([
    'run',
    p.path(opts.playbook ?? 'site.yml'),
    '-i',
    p.path(opts.inventory ?? 'inventory.ini'),
    '--no-history',
    '--json',
    json,
    '--junit',
    junit,
    ...more,
  ]);
  const jsonText = existsSync(json) ? readFileSync(json, 'utf8') : '';
  const report = (jsonText ? JSON.parse(jsonText) : { plays: [], recap: {} }) as RunReport;
  const junitText = existsSync(junit) ? readFileSync(junit, 'utf8') : '';
  rmSync(json, { force: true });
  rmSync(junit, { force: true });
  return { ...res, report, jsonText, junit: junitText };
}

/** The per-host results of the first task named `name` (across plays). */
export function resultsOf(report: RunReport, name: string): Record<string, RunReport['plays'][number]['tasks'][number]['results'][number]> {
  for (const play of report.plays) {
    const t = play.tasks.find((x) => x.name === name);
    if (t) return Object.fromEntries(t.results.map((r) => [r.host, r]));
  }
  throw new Error(`no task named "${name}" in the report; tasks: ${report.plays.flatMap((p) => p.tasks.map((t) => t.name)).join(', ')}`);
}

/** The `msg` of each host's debug result for a task, e.g. `{ h1: "a b" }`. */
export function debugMsgs(report: RunReport, name: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(resultsOf(report, name)).map(([h, r]) => [h, r.result?.['msg'] ?? r.msg]));
}

/** An INI inventory of local hosts: `{ h1: 'x=1' }` → `h1 ansible_connection=local x=1`, in `[group]`s. */
export function localInventory(groups: Record<string, Record<string, string>>, extra = ''): string {
  let text = '';
  for (const [g, hosts] of Object.entries(groups)) {
    text += `[${g}]\n`;
    for (const [h, vars] of Object.entries(hosts)) text += `${h} ansible_connection=local${vars ? ' ' + vars : ''}\n`;
    text += '\n';
  }
  return text + extra;
}
