import type { RunReport } from '../engine/report.js';
import type { FileDiff } from '../modules/types.js';

export interface DriftItem {
  host: string;
  play: string;
  task: string;
  msg?: string;
  diff?: FileDiff[];
}

export interface DriftSummary {
  items: DriftItem[];
  driftedHosts: string[];
  failedHosts: string[];
  unreachableHosts: string[];
  /** terraform plan -detailed-exitcode: 0 converged, 2 drift, 1 could not be determined. */
  exitCode: 0 | 1 | 2;
}

/** What a check-mode run says about drift. Pure: report in, summary out. */
export function summarizeDrift(report: RunReport): DriftSummary {
  const items: DriftItem[] = [];
  for (const play of report.plays) {
    for (const task of play.tasks) {
      for (const r of task.results) {
        if (r.changed && r.status !== 'failed' && r.status !== 'unreachable') {
          items.push({ host: r.host, play: play.name, task: task.name, msg: r.msg, diff: r.diff });
        }
      }
    }
  }
  const recap = Object.entries(report.recap);
  const failedHosts = recap.filter(([, r]) => r.failed > 0).map(([h]) => h);
  const unreachableHosts = recap.filter(([, r]) => r.unreachable > 0).map(([h]) => h);
  const driftedHosts = [...new Set(items.map((i) => i.host))];
  const undetermined = failedHosts.length > 0 || unreachableHosts.length > 0 || report.exitCode === 99 || !!report.aborted;
  return { items, driftedHosts, failedHosts, unreachableHosts, exitCode: undetermined ? 1 : items.length ? 2 : 0 };
}

/**
 * The exit code a user sees for a run: `drift` → 0/2/1 as above; `drift --fix` → 0 when every
 * host is now converged, 1 when that could not be done; other modes keep the engine's code.
 */
export function userExitCode(report: RunReport): number {
  if (report.mode === 'drift') return summarizeDrift(report).exitCode;
  if (report.mode === 'fix') return summarizeDrift(report).exitCode === 1 ? 1 : 0;
  return report.exitCode;
}
