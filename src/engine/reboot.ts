/**
 * The reboot module's wait, as ansible-core's reboot action plugin runs it: read the boot time, run
 * the reboot command (a connection lost while it runs counts as success), wait post_reboot_delay,
 * then until reboot_timeout: reconnect and read the boot time until it is non-empty and differs;
 * then until reboot_timeout again: run test_command until it exits 0. Retries back off as the plugin
 * does (1, 2, 4, 8 s…, at most 12, plus up to 1 s at random).
 */
import type { RunResult } from '../executors/types.js';
import type { Outcome } from '../modules/types.js';
import type { RebootRequest } from '../modules/system/reboot.js';

/** How the wait reaches the host: `run` opens a connection when there is none; `reset` drops it. */
export interface RebootIo {
  run(cmd: string): Promise<RunResult>;
  reset(): Promise<void>;
  sleep(ms: number): Promise<void>;
  now(): number;
  random(): number;
}

class TimedOut extends Error {}

/** Run the reboot and the wait; the task's outcome (rebooted, elapsed, msg). */
export async function performReboot(req: RebootRequest, io: RebootIo): Promise<Outcome> {
  const boot = async (): Promise<string> => {
    const r = await io.run(req.bootTimeCommand);
    if (r.rc !== 0) throw new Error(`reboot: failed to get host boot time info, rc: ${r.rc}, stdout: ${r.stdout}, stderr: ${r.stderr}`);
    return r.stdout.trim();
  };
  let previous: string;
  try {
    previous = await boot();
  } catch (e) {
    const msg = (e as Error).message;
    return { changed: false, failed: msg, result: { reboot: false, msg } };
  }
  let rebootResult: RunResult;
  try {
    rebootResult = await io.run(req.rebootCommand);
  } catch {
    // The host went down before the command could report back.
    rebootResult = { rc: 0, stdout: '', stderr: '', durationMs: 0 };
  }
  const start = io.now();
  const elapsed = () => Math.floor((io.now() - start) / 1000);
  if (rebootResult.rc !== 0) {
    const msg = `Reboot command failed. Error was: '${rebootResult.stdout.trim()}, ${rebootResult.stderr.trim()}'`;
    return { changed: false, failed: msg, result: { rebooted: false, msg, elapsed: elapsed() } };
  }
  if (req.postRebootDelayS > 0) await io.sleep(req.postRebootDelayS * 1000);

  const untilSuccess = async (what: string, attempt: () => Promise<void>): Promise<void> => {
    const end = io.now() + req.rebootTimeoutS * 1000;
    let fails = 0;
    while (io.now() < end) {
      try {
        await withTimeout(attempt(), req.connectTimeoutS);
        return;
      } catch {
        // A dropped or refused connection, a boot time not yet changed: connect afresh next time.
        await io.reset().catch(() => undefined);
        const jitter = Math.floor(io.random() * 1000) / 1000;
        const wait = Math.min(2 ** fails, 12) + jitter;
        fails++;
        await io.sleep(wait * 1000);
      }
    }
    throw new TimedOut(`Timed out waiting for ${what} (timeout=${req.rebootTimeoutS})`);
  };
  try {
    await untilSuccess('last boot time check', async () => {
      const now = await boot();
      if (now === '' || now === previous) throw new Error('boot time has not changed');
    });
    await untilSuccess('post-reboot test command', async () => {
      const r = await io.run(req.testCommand);
      if (r.rc !== 0) throw new Error(`Test command failed: ${r.stderr} ${r.stdout}`);
    });
  } catch (e) {
    if (!(e instanceof TimedOut)) throw e;
    return { changed: false, failed: e.message, result: { rebooted: true, msg: e.message, elapsed: elapsed() } };
  }
  return { changed: true, result: { rebooted: true, changed: true, elapsed: elapsed() } };
}

/** connect_timeout: one attempt (connect and command) given up after that many seconds. */
async function withTimeout(p: Promise<void>, seconds: number | undefined): Promise<void> {
  if (!seconds) return p;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('connect timeout')), seconds * 1000);
  });
  try {
    await Promise.race([p, late]);
  } finally {
    if (timer) clearTimeout(timer);
    p.catch(() => undefined);
  }
}
