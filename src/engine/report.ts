import type { FileDiff } from '../modules/types.js';
import type { SourceLocation } from '../errors.js';

export type HostStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable' | 'rescued' | 'ignored';

export interface HostTaskResult {
  host: string;
  status: HostStatus;
  changed: boolean;
  msg?: string;
  diff?: FileDiff[];
  durationMs: number;
  /** The registered result, secrets redacted (no_log tasks keep only status). */
  result?: Record<string, unknown>;
  /** Per-item results of a loop. */
  items?: HostTaskResult[];
  item?: unknown;
  /** True when run in check mode: nothing was changed on the host. */
  check?: boolean;
  /** The change corrected drift (set by `tsplay drift --fix`). */
  corrective?: boolean;
}

export interface TaskReport {
  name: string;
  module: string;
  location?: SourceLocation;
  role?: string;
  handler?: boolean;
  /** The task's `register:` name: the differential harness compares registered values by it. */
  register?: string;
  results: HostTaskResult[];
}

export interface PlayReport {
  name: string;
  hosts: string[];
  tasks: TaskReport[];
}

export interface Recap {
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  unreachable: number;
  rescued: number;
  ignored: number;
}

export interface RunReport {
  tool: 'tsplay';
  version: string;
  playbook: string;
  inventory: string[];
  mode: 'run' | 'check' | 'drift' | 'fix' | 'pull';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  plays: PlayReport[];
  recap: Record<string, Recap>;
  exitCode: number;
  /** Set when the run stopped early (any_errors_fatal, max_fail_percentage, interrupt). */
  aborted?: string;
}

/** Events streamed to reporters while a run goes on. */
export type RunEvent =
  | { type: 'run-start'; playbook: string; mode: RunReport['mode']; check: boolean }
  | { type: 'play-start'; play: string; hosts: string[] }
  | { type: 'task-start'; play: string; task: string; module: string; hosts: string[]; handler?: boolean }
  | { type: 'host-result'; play: string; task: string; result: HostTaskResult }
  | { type: 'warning'; message: string; host?: string }
  | { type: 'play-end'; play: string }
  | { type: 'run-end'; report: RunReport };

export interface Reporter {
  onEvent(e: RunEvent): void;
  close?(): Promise<void>;
}

export function emptyRecap(): Recap {
  return { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, rescued: 0, ignored: 0 };
}
