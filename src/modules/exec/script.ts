/**
 * `script`: copy a controller-side script to the host and run it there (ansible-core 2.14's
 * action/script.py). The script travels on the command's stdin into a private temp dir, so a run is
 * one round trip and no SFTP; the rest of the free-form text is the script's arguments, as shell text.
 */
import path from 'node:path';
import { z } from 'zod';
import { quote, raw, Shell } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { bool, str } from '../system/args.js';
import { shlexSplit, SplitError } from '../system/words.js';
import { defineModule, type Outcome, type Plan } from '../types.js';
import { lowLevelResult, ptyLike } from './raw.js';

export const scriptArgs = z.strictObject({
  _raw_params: str.optional(),
  cmd: str.optional(),
  creates: str.optional(),
  removes: str.optional(),
  chdir: str.optional(),
  executable: str.optional(),
  decrypt: bool.optional(),
});
export type ScriptArgs = z.infer<typeof scriptArgs>;

/** The free-form text (`script: files/x.sh --flag`), or `cmd:`; its first shell word is the script. */
function scriptText(a: ScriptArgs): { text: string; source: string } | string {
  const text = (a._raw_params ?? a.cmd ?? '').trim();
  if (text === '') return 'no script given: write `script: NAME [ARGS]` (the script is looked up in files/)';
  try {
    const words = shlexSplit(text);
    if (!words.length) return 'no script given';
    return { text, source: words[0]! };
  } catch (e) {
    if (e instanceof SplitError) return `cannot split the script line: ${e.message}`;
    throw e;
  }
}

/** The probe for creates/removes: a plain existence test, no glob (Ansible's _remote_file_exists). */
function existsProbe(key: 'creates' | 'removes', p: string) {
  return { key, cmd: new Shell(`test -e ${quote(p)} && echo yes || echo no`), parse: (r: RunResult) => r.stdout.trim() === 'yes' };
}

function interpret(out: RunResult | undefined): Outcome {
  if (!out) return { changed: true, failed: 'the script did not run' };
  const result = lowLevelResult(out);
  if (out.timedOut) return { changed: true, failed: 'the script timed out', result };
  if (out.rc !== 0) return { changed: true, failed: 'non-zero return code', result };
  return { changed: true, result };
}

export const scriptModule = defineModule<ScriptArgs>({
  name: 'script',
  description: 'Copy a script from the controller (files/ of the role or playbook) to the host and run it with its arguments.',
  args: scriptArgs,
  freeForm: '_raw_params',
  probes(a) {
    const out = [];
    if (a.creates) out.push(existsProbe('creates', a.creates));
    if (a.removes) out.push(existsProbe('removes', a.removes));
    return out;
  },
  plan(a, ctx): Plan {
    if (a.creates && ctx.probed.creates === true) {
      const msg = `${a.creates} exists, matching creates option`;
      return { changed: false, commands: [], msg, result: { skipped: true, msg } };
    }
    if (a.removes && ctx.probed.removes === false) {
      const msg = `${a.removes} does not exist, matching removes option`;
      return { changed: false, commands: [], msg, result: { skipped: true, msg } };
    }
    if (a.chdir !== undefined && !a.chdir.startsWith('/')) {
      return { changed: false, commands: [], failed: `chdir ${a.chdir} must be an absolute path for a Unix-aware remote node` };
    }
    const parsed = scriptText(a);
    if (typeof parsed === 'string') return { changed: false, commands: [], failed: parsed };
    let body: Buffer;
    try {
      body = ctx.readControllerFile(parsed.source, 'files', { decrypt: a.decrypt ?? true });
    } catch (e) {
      return { changed: false, commands: [], failed: (e as Error).message };
    }
    if (ctx.check) {
      // Ansible: with creates/removes the task reports changed without running; otherwise it skips
      if (a.creates || a.removes) return { changed: true, commands: [] };
      const msg = 'Check mode is not supported for this task.';
      return { changed: false, commands: [], msg, result: { skipped: true, msg } };
    }
    // Ansible replaces every occurrence of the script's name in the line with its temp path; here the
    // path is $0 of the shell that runs the line, so the user's arguments stay their own shell text.
    const line = parsed.text.split(parsed.source).join('"$0"');
    const run = a.executable !== undefined ? `${a.executable} ${line}` : line;
    const name = quote(path.basename(parsed.source) || 'script');
    const cd = a.chdir !== undefined ? `cd ${quote(a.chdir)} && ` : '';
    const wrapper =
      `t=$(mktemp -d "\${TMPDIR:-/tmp}/tsplay-script.XXXXXX") || exit 1; trap 'rm -rf "$t"' EXIT; ` +
      `cat > "$t"/${name} && chmod 700 "$t"/${name} && ${cd}/bin/sh -c ${quote(run)} "$t"/${name} < /dev/null${ptyLike(ctx.vars) ? ' 2>&1' : ''}`;
    return {
      changed: true,
      unpredictable: true,
      commands: [{ kind: 'shell', cmd: raw(wrapper), stdin: body, mayFail: true, describe: `script ${parsed.text}` }],
      interpret: (outs) => interpret(outs[0]),
    };
  },
});
