import v8 from 'node:v8';

// V8's non-backtracking engine (the `l` flag) runs a regex in time linear in the input, so a
// pattern like `(.*)*X` cannot hang a run. It is behind a flag that must be set before first use.
v8.setFlagsFromString('--enable-experimental-regexp-engine');

/** A regex that can take exponential time (backreferences, lookaround): refused where input is untrusted. */
export class NonLinearRegexError extends Error {}

/**
 * Compile `source` with the linear-time engine. Patterns it cannot run that way (backreferences,
 * lookahead/lookbehind) throw NonLinearRegexError; a syntax error throws SyntaxError as RegExp does.
 * Flags: any of `i`, `s`, `m`, `g`, `y` (the linear engine has no `u`).
 */
export function linearRegExp(source: string, flags = ''): RegExp {
  new RegExp(source, flags); // a plain syntax error is reported as such, not as "not linear"
  try {
    return new RegExp(source, `${flags}l`);
  } catch {
    throw new NonLinearRegexError(
      'it uses a backreference, a lookaround or a very large repeat count, which the linear-time engine cannot run (a backtracking one can take exponential time)',
    );
  }
}
