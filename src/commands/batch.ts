import type { RunResult } from '../executors/types.js';
import { quote, raw, type Shell } from './quote.js';

/**
 * Several read-only commands in one shell, one round trip: each runs as `/bin/sh -c CMD` with no
 * stdin, exactly as it would on a channel of its own, its stdout and stderr kept in temp files and
 * sent back base64-encoded after a marker line with its exit status. `parseBatch` turns the
 * output back into one RunResult per command, or undefined when the output is not what the script
 * writes (then each command is run on its own).
 */
export function batchScript(commands: string[], marker: string): Shell {
  const lines = [
    // base64 and mktemp are coreutils: without them the batch is not used
    'command -v base64 >/dev/null 2>&1 || exit 97',
    't=$(mktemp -d 2>/dev/null) || exit 98',
    'trap \'rm -rf "$t"\' EXIT',
  ];
  // One after the other, in task order: a read may leave a trace a later read sees (a file's
  // access time), as when each task probes for itself.
  commands.forEach((c, i) => {
    lines.push(`/bin/sh -c ${quote(c)} </dev/null >"$t/o" 2>"$t/e"; r=$?`);
    lines.push(`printf '%s %d %d\\n' ${quote(marker)} ${i} "$r"; base64 -w 0 <"$t/o"; echo; base64 -w 0 <"$t/e"; echo`);
  });
  return raw(lines.join('\n'));
}

export function parseBatch(result: RunResult, count: number, marker: string): RunResult[] | undefined {
  if (result.rc !== 0 || result.timedOut) return undefined;
  const lines = result.stdout.split('\n');
  const out: RunResult[] = [];
  for (let at = 0, i = 0; i < count; i++) {
    while (at < lines.length && !lines[at]!.startsWith(`${marker} `)) at++;
    const head = lines[at]?.split(' ');
    if (head?.length !== 3 || head[1] !== String(i)) return undefined;
    const rc = Number(head[2]);
    const o = lines[at + 1];
    const e = lines[at + 2];
    if (!Number.isInteger(rc) || o === undefined || e === undefined || !/^[A-Za-z0-9+/=]*$/.test(o) || !/^[A-Za-z0-9+/=]*$/.test(e)) return undefined;
    out.push({ rc, stdout: Buffer.from(o, 'base64').toString('utf8'), stderr: Buffer.from(e, 'base64').toString('utf8'), durationMs: result.durationMs });
    at += 3;
  }
  return out;
}
