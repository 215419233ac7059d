import type { Reporter, RunEvent } from '../engine/report.js';
import { writeReportFile } from './report-file.js';

/** `--json FILE`: the whole run report as JSON (already redacted by the engine). */
export class JsonReporter implements Reporter {
  constructor(
    private readonly file: string,
    private readonly onError: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
  ) {}
  onEvent(e: RunEvent): void {
    if (e.type === 'run-end') writeReportFile(this.file, JSON.stringify(e.report, null, 2) + '\n', '--json', this.onError);
  }
}
