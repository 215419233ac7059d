import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { batchScript, parseBatch } from '../../../src/commands/batch.js';
import type { RunResult } from '../../../src/executors/types.js';

const run = (script: string): RunResult => {
  try {
    const stdout = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { rc: 0, stdout, stderr: '', durationMs: 1 };
  } catch (e) {
    const x = e as { status: number; stdout: string; stderr: string };
    return { rc: x.status, stdout: x.stdout, stderr: x.stderr, durationMs: 1 };
  }
};

describe('probe batch: several read-only commands in one shell', () => {
  it('gives each command its own exit status, stdout and stderr, byte for byte and in order', () => {
    const cmds = [
      "printf 'a\\n\\nb'",
      'echo err >&2; exit 3',
      "printf '%s' \"it's\"; printf 'caf\\303\\251 \\001\\n'",
      'cat', // no stdin: ends at once
      "printf 'TSPLAY-PROBES-x 1 0\\n'", // output that looks like a marker stays data
      'case x in x) echo case;; esac', // a ) inside the subshell
      'f() { echo fn; }; f; exit 4', // exit ends its own command only
      "printf 'no newline' >&2; printf out",
      ...Array.from({ length: 11 }, (_, i) => `echo ${i}`),
    ];
    const marker = 'TSPLAY-PROBES-x';
    const rs = parseBatch(run(batchScript(cmds, marker).text), cmds.length, marker);
    expect(rs).toBeDefined();
    expect(rs!.map((r) => [r.rc, r.stdout, r.stderr])).toEqual([
      [0, 'a\n\nb', ''],
      [3, '', 'err\n'],
      [0, "it'scafé \u0001\n", ''],
      [0, '', ''],
      [0, 'TSPLAY-PROBES-x 1 0\n', ''],
      [0, 'case\n', ''],
      [4, 'fn\n', ''],
      [0, 'out', 'no newline'],
      ...Array.from({ length: 11 }, (_, i) => [0, `${i}\n`, '']),
    ]);
  });

  it('is not used when its output is not what the script writes', () => {
    const marker = 'TSPLAY-PROBES-y';
    expect(parseBatch({ rc: 97, stdout: '', stderr: '', durationMs: 1 }, 1, marker)).toBeUndefined();
    expect(parseBatch({ rc: 0, stdout: `${marker} 0 0\nnot base64!\n\n`, stderr: '', durationMs: 1 }, 1, marker)).toBeUndefined();
    expect(parseBatch({ rc: 0, stdout: `${marker} 1 0\n\n\n`, stderr: '', durationMs: 1 }, 1, marker)).toBeUndefined();
    expect(parseBatch({ rc: 0, stdout: `${marker} 0 0\n\n`, stderr: '', durationMs: 1 }, 2, marker)).toBeUndefined();
    // a command that does not parse in sh stops the script: each command is then run on its own
    expect(parseBatch(run(batchScript(['echo a', 'if then', 'echo c'], marker).text), 3, marker)).toBeUndefined();
  });
});
