import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunReport } from '../../../src/engine/report.js';
import { failedTasks, idempotenceProblems } from './report-checks.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = path.join(REPO, 'bin', 'tsplay.mjs');

export interface TsplayRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The `--json` report (null when tsplay wrote none, e.g. a validation error). */
  report: RunReport | null;
}

/** Run the tsplay CLI as a child process (the stable contract: exit codes and the --json report). */
export async function runTsplay(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; json?: boolean } = {}): Promise<TsplayRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-run-'));
  const jsonPath = path.join(dir, 'report.json');
  const fullArgs = opts.json === false ? args : [...args, '--json', jsonPath];
  try {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...fullArgs], {
        cwd: opts.cwd ?? REPO,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...opts.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
    const report = existsSync(jsonPath) ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as RunReport) : null;
    return { exitCode: r.code, stdout: r.stdout, stderr: r.stderr, report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface CheckRoleOptions {
  playbook: string;
  inventoryPath: string;
  /** Extra CLI arguments for both converges (`-e`, `--limit`, …). */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Assertions against the hosts after the second converge (over SSH / docker exec). */
  verify?: () => Promise<void>;
}

function tail(s: string, n = 40): string {
  return s.trim().split('\n').slice(-n).join('\n');
}

/**
 * Molecule's definition of a tested role: converge (must succeed), converge again (must succeed
 * with changed == 0 on every host: the offending tasks are named otherwise), then verify.
 */
export async function checkRole(o: CheckRoleOptions): Promise<{ first: TsplayRun; second: TsplayRun }> {
  const args = ['run', o.playbook, '-i', o.inventoryPath, ...(o.args ?? [])];
  const first = await runTsplay(args, { cwd: o.cwd, env: o.env });
  if (first.exitCode !== 0) {
    const failed = first.report ? failedTasks(first.report) : [];
    throw new Error(`converge failed (exit ${first.exitCode})\n${failed.join('\n')}\n--- output ---\n${tail(first.stdout + '\n' + first.stderr)}`);
  }
  const second = await runTsplay(args, { cwd: o.cwd, env: o.env });
  if (second.exitCode !== 0 || !second.report) {
    throw new Error(`second converge failed (exit ${second.exitCode})\n${tail(second.stdout + '\n' + second.stderr)}`);
  }
  const problems = idempotenceProblems(second.report);
  if (problems.length) throw new Error(`not idempotent: the second converge changed something\n${problems.join('\n')}`);
  if (o.verify) await o.verify();
  return { first, second };
}
