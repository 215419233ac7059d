import type { RunReport } from '../../../src/engine/report.js';

/**
 * Why a second converge is not idempotent: one line per host whose recap shows changes (or
 * failures), naming the tasks that reported `changed` on it. Empty when every host has changed == 0.
 */
export function idempotenceProblems(report: RunReport): string[] {
  const problems: string[] = [];
  for (const [host, recap] of Object.entries(report.recap)) {
    if (recap.changed === 0 && recap.failed === 0 && recap.unreachable === 0) continue;
    const tasks: string[] = [];
    for (const play of report.plays) {
      for (const task of play.tasks) {
        for (const r of task.results) {
          if (r.host !== host) continue;
          if (r.changed || r.status === 'changed' || r.status === 'failed' || r.status === 'unreachable') {
            const where = task.location ? ` (${task.location.file}:${task.location.line ?? '?'})` : '';
            tasks.push(`"${play.name} / ${task.name}" [${task.module}] ${r.status}${r.msg ? `: ${r.msg}` : ''}${where}`);
          }
        }
      }
    }
    problems.push(`${host}: changed=${recap.changed} failed=${recap.failed} unreachable=${recap.unreachable}` + (tasks.length ? `\n    ${tasks.join('\n    ')}` : ''));
  }
  return problems;
}

/** Hosts × tasks that failed or were unreachable, for a failed converge's message. */
export function failedTasks(report: RunReport): string[] {
  const out: string[] = [];
  for (const play of report.plays)
    for (const task of play.tasks)
      for (const r of task.results)
        if (r.status === 'failed' || r.status === 'unreachable') out.push(`${r.host}: "${task.name}" [${task.module}] ${r.status}${r.msg ? `: ${r.msg}` : ''}`);
  return out;
}
