import { LocalExecutor } from './local.js';
import { SshExecutor } from './ssh.js';
import type { ConnectionSpec, Executor } from './types.js';

export { LocalExecutor } from './local.js';
export { SshExecutor } from './ssh.js';
export type { LockGrant, LockMode, LockOptions } from './host-lock.js';
export { DEFAULT_LOCK_TIMEOUT_S, envLockTimeout } from './host-lock.js';
export type { ConnectionSpec, Executor, PutOptions, RunOptions, RunResult } from './types.js';

/** The executor for a host: LocalExecutor for `connection: local`, SshExecutor otherwise. Nothing connects until first use. */
export function createExecutor(spec: ConnectionSpec): Executor {
  return spec.connection === 'local' ? new LocalExecutor(spec) : new SshExecutor(spec);
}
