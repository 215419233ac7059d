import type { Shell } from './quote.js';

/**
 * What a module's plan asks the engine to do on a host. Typed values (pyinfra's StringCommand /
 * FileUploadCommand): the engine hands them to an executor in order and stops at the first failure.
 */
export type Command = ShellCommand | PutCommand | ControllerWriteCommand;

export interface ShellCommand {
  kind: 'shell';
  cmd: Shell;
  /** Data for stdin (e.g. a secret token); never shown in output. */
  stdin?: string | Buffer;
  env?: Record<string, string>;
  /** Names in `env` whose values are secrets (redacted in reports). */
  secretEnv?: string[];
  cwd?: string;
  /** Non-zero rc does not stop the plan (the module's `interpret` decides). */
  mayFail?: boolean;
  /** Human description for -v output and "would run" lines. */
  describe?: string;
  timeoutMs?: number;
}

export interface PutCommand {
  kind: 'put';
  path: string;
  content: string | Buffer;
  mode?: string;
  owner?: string;
  group?: string;
  describe?: string;
}

/**
 * Bytes written to a file on the controller (fetch's copy of a remote file). The engine runs it,
 * creating missing parent directories. Its output: rc 0; or rc 1 with `<step> <errno name>` in
 * stdout (step `mkdir` or `write`, e.g. `write EISDIR`) and the system's message in stderr.
 */
export interface ControllerWriteCommand {
  kind: 'controller-write';
  path: string;
  content: Buffer;
  describe?: string;
}
