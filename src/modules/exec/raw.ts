/** `raw`: send a command line to the host's shell as it is (ansible-core 2.14's action/raw.py). */
import { z } from 'zod';
import { quote, raw as safe } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { lines, str } from '../system/args.js';
import { defineModule } from '../types.js';

export const rawArgs = z.strictObject({ _raw_params: str.optional(), executable: str.optional() });
export type RawArgs = z.infer<typeof rawArgs>;

export const rawModule = defineModule<RawArgs>({
  name: 'raw',
  description: "Run a command line in the host's shell as it is written (no module, no quoting): for hosts without Python or to bootstrap them.",
  args: rawArgs,
  freeForm: '_raw_params',
  plan(a, ctx) {
    const text = a._raw_params ?? '';
    if (text.trim() === '') return { changed: false, commands: [], failed: 'no command given: write `raw: COMMAND LINE`' };
    // Ansible skips raw in check mode whatever the command is
    if (ctx.check) return { changed: false, commands: [], result: { skipped: true } };
    // The line is the user's own shell text by design; `executable` wraps it as `EXE -c LINE`.
    const line = a.executable !== undefined ? `${quote(a.executable)} -c ${quote(text)}` : `/bin/sh -c ${quote(text)}`;
    return {
      changed: true,
      unpredictable: true,
      commands: [{ kind: 'shell', cmd: safe(ptyLike(ctx.vars) ? `${line} 2>&1` : line), mayFail: true, describe: text }],
      interpret: ([out]) => {
        if (!out) return { changed: true, failed: 'the command did not run' };
        const result = lowLevelResult(out);
        if (out.rc !== 0) return { changed: true, failed: 'non-zero return code', result };
        return { changed: true, result };
      },
    };
  },
});

/**
 * Ansible runs raw and script over SSH on a pty (`ssh -tt`), so their stderr arrives in stdout;
 * with `ansible_connection: local` the two stay apart. tsplay gives the same split.
 */
export function ptyLike(vars: Record<string, unknown>): boolean {
  return vars['ansible_connection'] !== 'local';
}

/** Ansible's _low_level_execute_command result (raw, script): the texts as they came, and their lines. */
export function lowLevelResult(out: RunResult): Record<string, unknown> {
  return { rc: out.rc, stdout: out.stdout, stdout_lines: lines(out.stdout.replace(/\r?\n$/, '')), stderr: out.stderr, stderr_lines: lines(out.stderr.replace(/\r?\n$/, '')) };
}
