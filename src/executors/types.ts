/** How to reach hosts. Executors are the only code that performs I/O on a target host. */
import type { LockGrant, LockOptions } from './host-lock.js';

export interface RunOptions {
  /** Run through `sudo -n` (SSH) or as-is when already root. */
  become?: boolean;
  becomeUser?: string;
  /** `become_method`, `become_flags`, `become_exe` keywords (the host's ansible_become_* variables win). */
  becomeMethod?: BecomeMethod;
  becomeFlags?: string;
  becomeExe?: string;
  /** Bytes written to the command's stdin (never put secrets on a command line: pass them here). */
  stdin?: string | Buffer;
  /** Extra environment, exported inside the remote shell (values are quoted by the executor). */
  env?: Record<string, string>;
  cwd?: string;
  /** Per-command timeout; the command is killed and the result has `timedOut: true`. */
  timeoutMs?: number;
}

export interface RunResult {
  rc: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut?: boolean;
}

export interface PutOptions {
  /** Octal string like "0644"; applied after the write. */
  mode?: string;
  owner?: string;
  group?: string;
  become?: boolean;
  becomeUser?: string;
  becomeMethod?: BecomeMethod;
  becomeFlags?: string;
  becomeExe?: string;
}

export interface Executor {
  /** Inventory name of the host this executor reaches. */
  readonly host: string;
  /** Open the connection (idempotent). Throws TsplayError('CONNECTION') when unreachable. */
  connect(): Promise<void>;
  /** Run one command line through `/bin/sh -c` on the host. Never throws for a non-zero rc. */
  run(command: string, opts?: RunOptions): Promise<RunResult>;
  /** Write bytes to a path on the host atomically (temp file in the same dir + rename). */
  put(remotePath: string, content: string | Buffer, opts?: PutOptions): Promise<void>;
  /** Read a file from the host; null when it does not exist. */
  get(remotePath: string, opts?: { become?: boolean }): Promise<Buffer | null>;
  /**
   * Take the host's run lock (host-lock.ts) on a channel of its own; the first call starts it, later
   * calls return the same grant. Released by close().
   */
  lock?(opts: LockOptions): Promise<LockGrant>;
  close(): Promise<void>;
}

export type BecomeMethod = 'sudo' | 'su';

/** Connection settings resolved from inventory vars (Ansible's `ansible_*` names, tsplay's own under `tsplay_*`). */
export interface ConnectionSpec {
  host: string; // inventory name
  connection: 'ssh' | 'local';
  address: string;
  port?: number;
  user?: string;
  identityFile?: string;
  password?: string;
  become?: boolean;
  becomeUser?: string;
  becomePassword?: string;
  /** How to become another user (default sudo). */
  becomeMethod?: BecomeMethod;
  /** `become_flags`: words added to the sudo / su command line (Ansible's defaults when unset). */
  becomeFlags?: string;
  /** `become_exe`: the sudo / su program (default: the method's name). */
  becomeExe?: string;
  hostKeyChecking?: 'accept-new' | 'strict' | 'off';
  knownHostsFile?: string;
  sshConfigFile?: string;
  proxyJump?: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** Max concurrent channels on one SSH connection (below OpenSSH MaxSessions=10). */
  maxChannels?: number;
  /** Keepalive (OpenSSH ServerAliveInterval / ServerAliveCountMax): a silent host is unreachable after interval × count. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}
