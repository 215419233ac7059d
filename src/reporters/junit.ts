import type { Reporter, RunEvent, RunReport } from '../engine/report.js';
import { writeReportFile } from './report-file.js';

/** `--junit FILE`: JUnit XML, one testsuite per play, one testcase per host × task. */
export class JunitReporter implements Reporter {
  constructor(
    private readonly file: string,
    private readonly onError: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
  ) {}
  onEvent(e: RunEvent): void {
    if (e.type === 'run-end') writeReportFile(this.file, toJunit(e.report), '--junit', this.onError);
  }
}

export function toJunit(report: RunReport): string {
  const suites = report.plays.map((play) => {
    const cases = play.tasks.flatMap((t) =>
      t.results.map((r) => {
        const name = esc(`[${r.host}] ${t.name}`);
        const cls = esc(t.role ? `${play.name}.${t.role}` : play.name);
        const time = (r.durationMs / 1000).toFixed(3);
        let body = '';
        if (r.status === 'failed') body = `<failure message="${esc(r.msg ?? 'failed')}" type="failed">${esc(r.msg ?? '')}</failure>`;
        else if (r.status === 'unreachable') body = `<error message="${esc(r.msg ?? 'unreachable')}" type="unreachable">${esc(r.msg ?? '')}</error>`;
        else if (r.status === 'skipped') body = `<skipped message="${esc(r.msg ?? 'skipped')}"/>`;
        if (r.changed && r.status !== 'failed') body += `<system-out>changed</system-out>`;
        return `    <testcase classname="${cls}" name="${name}" time="${time}">${body}</testcase>`;
      }),
    );
    const all = play.tasks.flatMap((t) => t.results);
    const count = (s: string) => all.filter((r) => r.status === s).length;
    return `  <testsuite name="${esc(play.name)}" tests="${all.length}" failures="${count('failed')}" errors="${count('unreachable')}" skipped="${count('skipped')}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${esc(report.playbook)}">\n${suites.join('\n')}\n</testsuites>\n`;
}

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '');
}
