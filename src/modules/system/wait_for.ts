/**
 * `wait_for`: wait on the host until a TCP port answers (or stops answering), or a file appears
 * (optionally containing a regex) or disappears. One shell loop on the target with a deadline;
 * TCP through bash's /dev/tcp, or `nc -z` when bash is missing.
 */
import { z } from 'zod';
import { quote, Shell } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { defineModule, type Outcome } from '../types.js';
import { int, seconds, str } from './args.js';

export const waitForArgs = z.strictObject({
  host: str.optional(),
  port: int.refine((p) => p > 0 && p < 65536, { message: 'port must be 1-65535' }).optional(),
  path: str.optional(),
  state: z.enum(['started', 'stopped', 'present', 'absent', 'drained']).optional(),
  timeout: seconds.optional(),
  delay: seconds.optional(),
  sleep: seconds.optional(),
  connect_timeout: seconds.optional(),
  search_regex: str.optional(),
  msg: str.optional(),
});
export type WaitForArgs = z.infer<typeof waitForArgs>;

const n = (x: number) => String(Math.max(0, Math.round(x)));

/** The message Ansible gives when the deadline passes. */
export function timeoutMessage(a: WaitForArgs): string {
  if (a.msg) return a.msg;
  const host = a.host ?? '127.0.0.1';
  const state = a.state ?? 'started';
  const gone = state === 'stopped' || state === 'absent';
  if (a.port !== undefined) {
    if (gone) return `Timeout when waiting for ${host}:${a.port} to stop.`;
    if (a.search_regex) return `Timeout when waiting for search string ${a.search_regex} in ${host}:${a.port}`;
    return `Timeout when waiting for ${host}:${a.port}`;
  }
  if (gone) return `Timeout when waiting for ${a.path} to be absent.`;
  if (a.search_regex) return `Timeout when waiting for search string ${a.search_regex} in ${a.path}`;
  return `Timeout when waiting for file ${a.path}`;
}

/** The whole wait as one POSIX sh script: exit 0 done, 1 timeout, 2 no tool for TCP. */
export function waitScript(a: WaitForArgs): Shell {
  const timeout = a.timeout ?? 300;
  const ct = a.connect_timeout ?? 5;
  const state = a.state ?? 'started';
  const gone = state === 'stopped' || state === 'absent';
  let s = `start=$(date +%s); end=$((start + ${n(timeout)})); `;
  if ((a.delay ?? 0) > 0) s += `sleep ${a.delay}; `;
  if (a.port === undefined && a.path === undefined) {
    // Nothing to watch: Ansible just sleeps for `timeout`.
    return new Shell(s + `sleep ${timeout}; echo "tsplay:elapsed=$(($(date +%s) - start))"`);
  }
  if (a.search_regex !== undefined) {
    s += `re=${quote(a.search_regex)}; if printf x | grep -qP x 2>/dev/null; then G=-P; else G=-E; fi; `;
  }
  let check: string;
  if (a.port !== undefined) {
    s += `h=${quote(a.host ?? '127.0.0.1')}; p=${a.port}; `;
    s += `if command -v timeout >/dev/null 2>&1; then T="timeout ${n(ct) === '0' ? '1' : n(ct)}"; else T=; fi; `;
    const read = a.search_regex !== undefined;
    s +=
      'if command -v bash >/dev/null 2>&1; then ' +
      (read
        ? `check() { $T bash -c 'exec 3<>"/dev/tcp/$1/$2" && cat <&3' _ "$h" "$p" 2>/dev/null | grep -q $G -e "$re"; }; `
        : `check() { $T bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$h" "$p" 2>/dev/null; }; `) +
      'elif command -v nc >/dev/null 2>&1; then ' +
      (read ? `check() { nc -w ${n(ct)} "$h" "$p" </dev/null 2>/dev/null | grep -q $G -e "$re"; }; ` : `check() { nc -z -w ${n(ct)} "$h" "$p" </dev/null >/dev/null 2>&1; }; `) +
      'else echo "tsplay:notool"; exit 2; fi; ';
    check = 'check';
  } else {
    s += `f=${quote(a.path!)}; `;
    check = a.search_regex !== undefined && !gone ? '{ [ -f "$f" ] && grep -q $G -e "$re" -- "$f" 2>/dev/null; }' : '[ -e "$f" ]';
  }
  const done = gone ? `! ${check}` : check;
  s += `while :; do if ${done}; then echo "tsplay:elapsed=$(($(date +%s) - start))"; exit 0; fi; `;
  s += `if [ "$(date +%s)" -ge "$end" ]; then echo "tsplay:elapsed=$(($(date +%s) - start))"; exit 1; fi; sleep ${a.sleep ?? 1}; done`;
  return new Shell(s);
}

export function interpretWait(a: WaitForArgs, r: RunResult | undefined): Outcome {
  const elapsed = Number(/^tsplay:elapsed=(\d+)$/m.exec(r?.stdout ?? '')?.[1] ?? 0);
  const result: Record<string, unknown> = { changed: false, elapsed, state: a.state ?? 'started' };
  if (a.port !== undefined) result.port = a.port;
  if (a.path !== undefined) result.path = a.path;
  if (a.search_regex !== undefined) result.search_regex = a.search_regex;
  if (!r) return { changed: false, failed: 'wait_for did not run', result };
  if (r.rc === 0) return { changed: false, result };
  const msg =
    r.rc === 2 && /tsplay:notool/.test(r.stdout)
      ? 'wait_for needs bash (/dev/tcp) or nc on the host to check a TCP port'
      : r.rc === 1 || r.timedOut
        ? timeoutMessage(a)
        : `wait_for failed: ${r.stderr.trim() || `rc ${r.rc}`}`;
  return { changed: false, failed: msg, msg, result: { ...result, msg } };
}

export const waitForModule = defineModule<WaitForArgs>({
  name: 'wait_for',
  description: 'Wait until a TCP port is open/closed or a file is present/absent (optionally containing search_regex).',
  args: waitForArgs,
  plan(a) {
    const fail = (msg: string) => ({ changed: false, commands: [], failed: msg, result: { msg } });
    if (a.port !== undefined && a.path !== undefined) return fail('port and path parameter can not both be passed to wait_for');
    if (a.state === 'drained') return fail('state=drained is not supported by tsplay yet');
    if (a.path !== undefined && a.state === 'stopped') return fail('state=stopped should only be used for checking a port in the wait_for module');
    if (a.search_regex !== undefined && (a.state === 'stopped' || a.state === 'absent')) return fail('search_regex should only be used with state started/present');
    const budget = (a.delay ?? 0) + (a.timeout ?? 300) + (a.connect_timeout ?? 5) + 60;
    return {
      changed: false,
      unpredictable: true,
      commands: [
        {
          kind: 'shell',
          cmd: waitScript(a),
          mayFail: true,
          describe: a.port !== undefined ? `wait for ${a.host ?? '127.0.0.1'}:${a.port}` : a.path ? `wait for ${a.path}` : `sleep ${a.timeout ?? 300}s`,
          timeoutMs: budget * 1000,
        },
      ],
      interpret: (outputs) => interpretWait(a, outputs[0]),
    };
  },
});
