import type { HostTaskResult, RunReport } from '../engine/report.js';
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
          items.push({ host: r.host, play: play.name, task: task.name, msg: r.msg ?? stateChange(r), diff: r.diff });
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

const SERVICE_STATES = new Set(['started', 'stopped', 'restarted', 'reloaded']);

/**
 * What a change without a file diff is about, from the module's registered result (service and
 * systemd report the unit's current status beside the wanted state): e.g.
 * "tsplay-demo is inactive, wants started". Undefined when the result says nothing of the kind.
 */
export function stateChange(r: Pick<HostTaskResult, 'diff' | 'result'>): string | undefined {
  if (r.diff?.length || !r.result) return undefined;
  const res = r.result;
  // Only service-shaped results (copy/file also report a `state`, but theirs is "file", "directory"…).
  if (typeof res['state'] === 'string' && !SERVICE_STATES.has(res['state'])) return undefined;
  if (res['state'] === undefined && typeof res['enabled'] !== 'boolean') return undefined;
  const status = (res['status'] && typeof res['status'] === 'object' ? res['status'] : {}) as Record<string, unknown>;
  const name = typeof res['name'] === 'string' ? res['name'] : undefined;
  const wants: string[] = [];
  const now: string[] = [];
  if (typeof res['state'] === 'string') {
    wants.push(res['state']);
    if (typeof status['ActiveState'] === 'string') now.push(status['ActiveState']);
  }
  if (typeof res['enabled'] === 'boolean') {
    const fileState = typeof status['UnitFileState'] === 'string' ? status['UnitFileState'] : undefined;
    // Without systemd's UnitFileState the current value is unknown: name it only when it is all there is.
    const differs = fileState === undefined ? !wants.length : (fileState === 'enabled') !== res['enabled'];
    if (differs) {
      wants.push(res['enabled'] ? 'enabled' : 'disabled');
      if (fileState) now.push(fileState);
    }
  }
  if (!wants.length) return undefined;
  return `${name ?? 'service'}${now.length ? ` is ${now.join(', ')}` : ''}, wants ${wants.join(', ')}`;
}
