import { writeFileSync } from 'node:fs';
import type { Reporter, RunEvent } from '../engine/report.js';

/** `--json FILE`: the whole run report as JSON (already redacted by the engine). */
export class JsonReporter implements Reporter {
  constructor(private readonly file: string) {}
  onEvent(e: RunEvent): void {
    if (e.type === 'run-end') writeFileSync(this.file, JSON.stringify(e.report, null, 2) + '\n');
  }
}
