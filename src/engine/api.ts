import type { Reporter, RunReport } from './report.js';

/** Options of one playbook run; the CLI, `demo`, `drift` and the scheduler all build one of these. */
export interface RunPlaybookOptions {
  playbook: string;
  inventory: string[];
  check?: boolean;
  diff?: boolean;
  limit?: string;
  tags?: string[];
  skipTags?: string[];
  /** Extra vars (highest precedence), already parsed from -e. */
  extraVars?: Record<string, unknown>;
  forks?: number;
  verbose?: number;
  mode?: RunReport['mode'];
  reporters?: Reporter[];
  /** Aborts the run between tasks (SIGINT/SIGTERM); the report says so and exit code is 99. */
  signal?: AbortSignal;
  /** Probe every task when it runs, never ahead (default: from TSPLAY_PROBE_AHEAD=0; for measuring). */
  noProbeAhead?: boolean;
  /** Seconds to wait for another run's host lock (default TSPLAY_LOCK_TIMEOUT, else 300; 0 = fail at once). */
  lockTimeout?: number;
}
