import { readFileSync } from 'node:fs';
import { argv, raw, sh, type Shell } from '../index.js';

/**
 * The Wallarm shell scripts live in ./scripts/*.sh as readable files (copied beside the compiled
 * code by scripts/build.mjs, so dist/ and the package hold them). A script reads its inputs from
 * shell variables; `script` assigns them first, every value quoted through commands/quote.ts, so a
 * script body never has a value glued into it.
 */
const cache = new Map<string, string>();

function body(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`./scripts/${name}.sh`, import.meta.url), 'utf8')
      // The header comment is for the reader of the file, not for every host's process list.
      .replace(/^(#.*\n)+/, '')
      .trimEnd();
    cache.set(name, text);
  }
  return text;
}

/** `NAME=value` assignments (quoted), `set -- ARGS` when given, then the body of scripts/NAME.sh, in a subshell. */
export function script(name: string, vars: Record<string, string | number | boolean>, args?: string[]): Shell {
  const assigns = Object.entries(vars).map(([k, v]) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(k)) throw new Error(`script ${name}: bad variable name ${k}`);
    return sh`${raw(k)}=${String(v)}`;
  });
  if (args) assigns.push(sh`set -- ${args.length ? argv(args) : raw('')}`);
  return raw(`(\n${assigns.map((a) => `${a.text}\n`).join('')}${body(name)}\n)`);
}
