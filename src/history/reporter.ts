import type { Reporter, RunEvent } from '../engine/report.js';
import { HistoryStore } from './store.js';
import { userExitCode } from './drift.js';

/** Records every finished run (run, drift, fix, scheduler, pull) into the history store. */
export class HistoryReporter implements Reporter {
  runId?: number;
  constructor(
    private readonly file: string | undefined,
    private readonly source?: string,
    private readonly onError?: (msg: string) => void,
  ) {}
  onEvent(e: RunEvent): void {
    if (e.type !== 'run-end') return;
    try {
      const store = new HistoryStore(this.file);
      try {
        // Stored with the exit code the command gave (drift: 0/2/1), not the engine's Ansible-style one.
        this.runId = store.record({ ...e.report, exitCode: userExitCode(e.report) }, this.source);
      } finally {
        store.close();
      }
    } catch (err) {
      this.onError?.(`could not record the run in history: ${(err as Error).message}`);
    }
  }
}
