/**
 * The host-side run lock: one long-lived shell on the host holds flock(1) on a lock file while a
 * tsplay run works on the host, so a second run waits (or gives up) instead of interleaving.
 * The kernel drops an flock when its holder dies, and the holder dies when the controller goes
 * away (its stdin closes, or no heartbeat arrives for HOLDER_SILENCE_S), so a lock is never stale.
 */
import { TsplayError } from '../errors.js';
import { quote } from '../commands/quote.js';

/** How a run wants the host: a real run exclusively, check mode (drift) shared with other checks. */
export type LockMode = 'exclusive' | 'shared';

export interface LockOptions {
  mode: LockMode;
  /** How long to wait for another run; 0 fails at once. */
  timeoutS: number;
  /** Lock file on the host; default /run/tsplay.lock for root, a per-user file otherwise. */
  path?: string;
  /** This run's name (written into the lock file by an exclusive holder): a host this run already holds does not wait. */
  owner?: string;
  /** Told once when another run holds the lock and this one starts waiting. */
  onWait?: (path: string) => void;
}

export interface LockGrant {
  /** The lock file on the host. */
  path: string;
  /** Another run held the lock when this one asked: what was read from the host before may be stale. */
  waited: boolean;
  /** False when the host has no flock(1): the run goes on unprotected (the caller warns). */
  held: boolean;
}

/** The default wait for another run (seconds), also the value of --lock-timeout when not given. */
export const DEFAULT_LOCK_TIMEOUT_S = 300;
/** The controller writes a newline this often; the holder gives up after HOLDER_SILENCE_S without one. */
export const HEARTBEAT_MS = 20_000;
const HOLDER_SILENCE_S = 90;
const MARK = 'TSPLAY-LOCK:';

/**
 * The holder script: opens the lock file on fd 9, takes the lock (non-blocking first, so a wait is
 * announced), reports it, then stays alive until the controller's stdin ends or falls silent.
 */
export function lockScript(o: Pick<LockOptions, 'mode' | 'timeoutS' | 'path' | 'owner'>): string {
  const flag = o.mode === 'shared' ? '-s' : '-x';
  const t = Math.max(0, Math.floor(o.timeoutS));
  const path =
    o.path !== undefined
      ? `p=${quote(o.path)}`
      : // root: /run (only root can create there); another login user: its own file, as it cannot share root's
        'u=$(id -u); if [ "$u" = 0 ]; then p=/run/tsplay.lock; else p="${XDG_RUNTIME_DIR:-/tmp}/tsplay-$u.lock"; fi';
  const owner = quote(o.owner ?? '');
  // Held by this very run (two inventory names for one machine, several local hosts): not a wait.
  const mine = `{ [ -n ${owner} ] && IFS= read -r h <"$p" && [ "$h" = ${owner} ]; }`;
  const same = `${mine} && { echo ${MARK}SAME; exit 0; }`;
  // A holder writes its name just after it locks: look again after a second before announcing a wait.
  const wait =
    `flock ${flag} -w 1 9 || { ${same}; ` +
    (t > 0
      ? `echo ${MARK}WAITING; n=1; while :; do [ "$n" -ge ${t} ] && { echo ${MARK}TIMEOUT; exit 0; }; flock ${flag} -w 1 9 && break; ${same}; n=$((n+1)); done; }`
      : `echo ${MARK}TIMEOUT; exit 0; }`);
  const hold = `if command -v timeout >/dev/null 2>&1; then while timeout ${HOLDER_SILENCE_S} sh -c 'IFS= read -r x' 9>&-; do :; done; ` + `else exec cat >/dev/null; fi`;
  return [
    path,
    `echo "${MARK}PATH $p"`,
    `command -v flock >/dev/null 2>&1 || { echo ${MARK}NOFLOCK; exit 0; }`,
    // a redirection that fails on `exec` ends a POSIX shell: test the open in a subshell first
    `( : >>"$p" ) 2>/dev/null || { echo ${MARK}OPENFAIL; exit 0; }`,
    'exec 9>>"$p"',
    `if ! flock ${flag} -n 9; then ${same}; ${wait}; fi`,
    // the exclusive holder names its run in the file (for the same-run check, and for a curious admin)
    o.mode === 'exclusive' ? `printf '%s\\n' ${owner} >"$p"` : ':',
    `echo ${MARK}LOCKED`,
    hold,
  ].join('\n');
}

/** The channel a holder script runs on, as the SSH and local executors provide it. */
export interface LockChannel {
  onStdout(fn: (chunk: Buffer) => void): void;
  onClose(fn: () => void): void;
  /** Write to the holder's stdin (the heartbeat). */
  write(data: string): void;
  /** End the holder: close its stdin and the channel. */
  end(): void;
}

/**
 * Reads the holder script's reports and turns them into a grant or a clear error; `release()`
 * ends the holder, which lets the kernel drop the lock.
 */
export class HostLock {
  readonly granted: Promise<LockGrant>;
  private path: string;
  private heartbeat?: NodeJS.Timeout;
  private ended = false;

  constructor(
    private readonly host: string,
    private readonly channel: LockChannel,
    private readonly opts: LockOptions,
  ) {
    this.path = opts.path ?? '/run/tsplay.lock';
    this.granted = new Promise<LockGrant>((resolve, reject) => {
      let buf = '';
      let waited = false;
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        fn();
      };
      channel.onStdout((chunk) => {
        buf += chunk.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line.startsWith(MARK)) continue;
          const word = line.slice(MARK.length);
          if (word.startsWith('PATH ')) this.path = word.slice(5);
          else if (word === 'WAITING') {
            waited = true;
            opts.onWait?.(this.path);
          } else if (word === 'LOCKED') {
            this.heartbeat = setInterval(() => {
              if (!this.ended) channel.write('\n');
            }, HEARTBEAT_MS);
            this.heartbeat.unref();
            settle(() => resolve({ path: this.path, waited, held: true }));
          } else if (word === 'SAME') settle(() => resolve({ path: this.path, waited: false, held: true }));
          else if (word === 'NOFLOCK') settle(() => resolve({ path: this.path, waited: false, held: false }));
          else if (word === 'TIMEOUT') settle(() => reject(this.timeoutError()));
          else if (word === 'OPENFAIL')
            settle(() =>
              reject(
                new TsplayError('MODULE', `host ${this.host}: cannot open the run lock ${this.path}`, {
                  hint: 'check the directory exists and is writable by the login user, or set TSPLAY_LOCK_PATH',
                }),
              ),
            );
        }
      });
      channel.onClose(() => {
        if (this.heartbeat) clearInterval(this.heartbeat);
        settle(() => reject(new TsplayError('MODULE', `host ${this.host}: the run lock ${this.path} could not be taken: its holder on the host ended early`)));
      });
    });
    this.granted.catch(() => undefined);
  }

  private timeoutError(): TsplayError {
    const t = this.opts.timeoutS;
    const what = t > 0 ? `waited ${t} s for` : 'did not wait for';
    return new TsplayError('MODULE', `host ${this.host}: another tsplay run holds the lock ${this.path}; ${what} it to finish`, {
      hint: `wait longer with --lock-timeout SECONDS (or TSPLAY_LOCK_TIMEOUT); 0 fails at once`,
    });
  }

  /** End the holder on the host (the lock is dropped with it). */
  release(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.channel.end();
  }
}

/** The lock timeout named by TSPLAY_LOCK_TIMEOUT (seconds), or undefined when unset. */
export function envLockTimeout(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env['TSPLAY_LOCK_TIMEOUT'];
  if (v === undefined || v.trim() === '') return undefined;
  if (!/^\s*\d+\s*$/.test(v)) throw new TsplayError('USAGE', `TSPLAY_LOCK_TIMEOUT must be a whole number of seconds, got ${JSON.stringify(v)}`);
  return Number(v);
}
