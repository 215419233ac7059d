/**
 * `validate_argument_spec` (ansible.builtin): check variables against an argument spec on the
 * controller, as ansible-core 2.14's action plugin does. The values checked are the host's
 * variables named in the spec (rendered), overridden by `provided_arguments`. Variables are not
 * changed: conversions and spec defaults stay inside the check. Roles with meta/argument_specs.yml
 * run it as their first task ("Validating arguments against arg spec …").
 */
import { z } from 'zod';
import { defineModule } from '../types.js';
import { maskNoLog, validateArgumentSpec, type ArgSpec } from './argspec.js';

const mapping = z.record(z.string(), z.unknown());

export const validateArgumentSpecArgs = z.strictObject({
  argument_spec: z.unknown().optional(),
  provided_arguments: z.unknown().optional(),
  validate_args_context: mapping.optional(),
});
export type ValidateArgumentSpecArgs = z.infer<typeof validateArgumentSpecArgs>;

const isDict = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Python's type name for the action's "Incorrect type" errors. */
const pyTypeName = (v: unknown) =>
  v === null || v === undefined
    ? "<class 'NoneType'>"
    : Array.isArray(v)
      ? "<class 'list'>"
      : typeof v === 'string'
        ? "<class 'str'>"
        : typeof v === 'number'
          ? Number.isInteger(v)
            ? "<class 'int'>"
            : "<class 'float'>"
          : typeof v === 'boolean'
            ? "<class 'bool'>"
            : "<class 'dict'>";

export const validateArgumentSpecModule = defineModule<ValidateArgumentSpecArgs>({
  name: 'validate_argument_spec',
  description: 'Validate variables against an argument spec (Ansible types, choices, required…); variables are not changed.',
  args: validateArgumentSpecArgs,
  local: true,
  plan(args, ctx) {
    const context = args.validate_args_context ?? {};
    const fail = (msg: string, extra: Record<string, unknown> = {}) => ({ changed: false, commands: [], failed: msg, result: { validate_args_context: context, ...extra } });
    if (args.argument_spec === undefined) return fail('"argument_spec" arg is required in args');
    const spec = args.argument_spec;
    const provided = args.provided_arguments ?? {};
    if (!isDict(spec)) return fail(`Incorrect type for argument_spec, expected dict and got ${pyTypeName(spec)}`);
    if (!isDict(provided)) return fail(`Incorrect type for provided_arguments, expected dict and got ${pyTypeName(provided)}`);
    const bad = Object.entries(spec).find(([, o]) => !isDict(o));
    if (bad) return fail(`argument_spec: option '${bad[0]}' must be a mapping of its attributes (type, required, default…), got ${pyTypeName(bad[1])}`);

    // The spec's names from the host's variables (rendered on access), then the provided arguments.
    const params: Record<string, unknown> = {};
    for (const name of Object.keys(spec)) if (name in ctx.vars) params[name] = ctx.vars[name];
    for (const [k, v] of Object.entries(provided)) params[k] = v;
    // A string written in YAML is AnsibleUnicode in Ansible's messages; a template's result is str.
    const literal = (name: string) => {
      if (Object.hasOwn(provided, name)) return true;
      const d = Object.getOwnPropertyDescriptor(ctx.vars, name);
      return !d?.get;
    };
    const r = validateArgumentSpec(spec as ArgSpec, params, { literal });
    if (r.errors.length) {
      const errors = r.errors.map((e) => maskNoLog(e, r.noLogValues));
      return fail(`Validation of arguments failed:\n${errors.join('\n')}`, { argument_spec_data: spec, argument_errors: errors });
    }
    const msg = 'The arg spec validation passed';
    return { changed: false, commands: [], msg, result: { msg, validate_args_context: context } };
  },
});
