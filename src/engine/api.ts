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
  /** ansible-playbook's connection and privilege flags (-c, -u, -b, --private-key…): defaults that play keywords and host variables override. */
  cliDefaults?: CliDefaults;
  /** --start-at-task: pass over the tasks before the first whose name matches this glob. */
  startAtTask?: string;
  /** --force-handlers: run notified handlers on a host even after it failed a task. */
  forceHandlers?: boolean;
}

/**
 * What ansible-playbook's command line sets as defaults: the keywords (remote_user, connection,
 * become_method) as the outermost keyword layer, become / become_user below play keywords and
 * ansible_become*, and connection variables below every inventory and play variable.
 */
export interface CliDefaults {
  remoteUser?: string;
  connection?: string;
  becomeMethod?: string;
  become?: boolean;
  becomeUser?: string;
  /** ansible_ssh_private_key_file, ansible_timeout, ansible_ssh_common_args, ansible_ssh_extra_args, ansible_password, ansible_become_password. */
  connectionVars?: Record<string, string>;
}
