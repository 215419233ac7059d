/** Where in a user's file something came from. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line?: number;
  col?: number;
}

/** Error codes map to exit codes in the CLI (see cli/exit-codes.ts). */
export type ErrorCode =
  | 'VALIDATION' // playbook / inventory / role / params schema problems (exit 4)
  | 'PARSE' // YAML syntax (exit 4)
  | 'TEMPLATE' // undefined variable, bad template (exit 4 at validate time, task failure at run time)
  | 'EXPRESSION' // bad `when`/`failed_when` expression or non-boolean result
  | 'USAGE' // bad command-line options (exit 5)
  | 'CONNECTION' // host unreachable, auth failure, host key mismatch
  | 'BECOME' // sudo wants a password, etc.
  | 'MODULE' // a module failed on a host
  | 'LAB' // docker / lab problems
  | 'HISTORY'
  | 'VAULT' // ansible-vault data that cannot be decrypted (no or wrong password, bad envelope) (exit 4)
  | 'NO_HOSTS' // the inventory, play patterns and --limit leave no host (exit 1, as ansible-playbook)
  | 'INTERRUPTED'
  | 'INTERNAL';

/** An error the user can fix: printed plainly (no stack), with location and a hint. */
export class TsplayError extends Error {
  readonly code: ErrorCode;
  readonly location?: SourceLocation;
  readonly hint?: string;
  constructor(code: ErrorCode, message: string, opts: { location?: SourceLocation; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'TsplayError';
    this.code = code;
    this.location = opts.location;
    this.hint = opts.hint;
  }
}

/** A template used a variable that is not defined (the variable's name is kept for callers that may defer). */
export class UndefinedVariableError extends TsplayError {
  constructor(
    readonly variable: string,
    message: string,
    opts: { location?: SourceLocation; hint?: string; cause?: unknown } = {},
  ) {
    super('TEMPLATE', message, opts);
  }
}

/** Several user errors reported at once (validation collects them all before failing). */
export class TsplayErrors extends Error {
  readonly errors: TsplayError[];
  constructor(errors: TsplayError[]) {
    super(errors.map(formatError).join('\n'));
    this.name = 'TsplayErrors';
    this.errors = errors;
  }
}

/** `FILE:LINE:COL: message` plus an indented hint line when there is one. */
export function formatError(e: TsplayError): string {
  const loc = e.location ? formatLocation(e.location) + ': ' : '';
  return `${loc}${e.message}${e.hint ? `\n    hint: ${e.hint}` : ''}`;
}

export function formatLocation(l: SourceLocation): string {
  return [l.file, l.line, l.line !== undefined ? l.col : undefined].filter((x) => x !== undefined).join(':');
}

export function isUserError(e: unknown): e is TsplayError | TsplayErrors {
  return e instanceof TsplayError || e instanceof TsplayErrors;
}
