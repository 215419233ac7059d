import type { RunResult } from '../executors/types.js';
import { quote, raw, type Shell } from './quote.js';

/**
 * Several read-only commands in one shell, one round trip: each runs in a subshell of its own with
 * no stdin (as it would on a channel of its own, without a new shell to exec), its stdout sent as
 * it comes between two marker lines that carry its index and exit status, its stderr kept in a temp
 * file and sent only when there is some. The marker is random per batch, so no output contains it.
 * `parseBatch` turns the output back into one RunResult per command, or undefined when the output
 * is not what the script writes (a command that does not parse in sh, say: then each command is run
 * on its own).
 */
export function batchScript(commands: string[], marker: string): Shell {
  const lines = [
    // mktemp is coreutils: without it the batch is not used
    't=$(mktemp 2>/dev/null) || exit 98',
    'trap \'rm -f "$t"\' EXIT',
  ];
  // One after the other, in task order: a read may leave a trace a later read sees (a file's
  // access time), as when each task probes for itself.
  commands.forEach((c, i) => {
    lines.push(`printf '%s %d\\n' ${quote(marker)} ${i}`);
    lines.push(`(\n${c}\n) </dev/null 2>"$t"; r=$?`);
    lines.push(`printf '\\n%s.%d.%d\\n' ${quote(marker)} ${i} "$r"`);
    lines.push(`if [ -s "$t" ]; then cat "$t"; printf '\\n%s.e\\n' ${quote(marker)}; : >"$t"; fi`);
  });
  lines.push(`printf '%s.done\\n' ${quote(marker)}`);
  return raw(lines.join('\n'));
}

export function parseBatch(result: RunResult, count: number, marker: string): RunResult[] | undefined {
  if (result.rc !== 0 || result.timedOut) return undefined;
  const text = result.stdout;
  const out: RunResult[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const head = `${marker} ${i}\n`;
    if (!text.startsWith(head, at)) return undefined;
    const from = at + head.length;
    const tail = new RegExp(`\n${marker.replace(/[^A-Za-z0-9]/g, '\\$&')}\\.${i}\\.(\\d+)\n`, 'g');
    tail.lastIndex = from;
    const m = tail.exec(text);
    if (!m) return undefined;
    // the newline before the end line is the script's own
    const stdout = text.slice(from, m.index);
    const rc = Number(m[1]);
    at = m.index + m[0].length;
    let stderr = '';
    const errEnd = `\n${marker}.e\n`;
    const nextHead = i + 1 < count ? `${marker} ${i + 1}\n` : `${marker}.done\n`;
    if (!text.startsWith(nextHead, at)) {
      const e = text.indexOf(errEnd, at);
      if (e < 0) return undefined;
      stderr = text.slice(at, e);
      at = e + errEnd.length;
    }
    out.push({ rc, stdout, stderr, durationMs: result.durationMs });
  }
  return text.startsWith(`${marker}.done\n`, at) ? out : undefined;
}
