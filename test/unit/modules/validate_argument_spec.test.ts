// The validate_argument_spec module: which values it checks and what it returns (ansible-core 2.14's action plugin).
import { describe, expect, it } from 'vitest';
import { validateArgumentSpecModule } from '../../../src/modules/system/validate_argument_spec.js';
import type { PlanContext } from '../../../src/modules/types.js';

/** Host variables as the engine gives them: literals as values, templated ones rendered on access. */
function ctxWith(literal: Record<string, unknown>, templated: Record<string, () => unknown> = {}): PlanContext {
  const vars: Record<string, unknown> = { ...literal };
  for (const [k, get] of Object.entries(templated)) Object.defineProperty(vars, k, { enumerable: true, get });
  return { vars } as unknown as PlanContext;
}

const plan = (args: Record<string, unknown>, ctx: PlanContext) => validateArgumentSpecModule.plan(validateArgumentSpecModule.args.parse(args), ctx);

describe('validate_argument_spec', () => {
  it('checks the variables the spec names, provided_arguments winning, and reports success as Ansible', () => {
    const p = plan(
      { argument_spec: { port: { type: 'int', required: true }, name: { choices: ['web'] } }, provided_arguments: { name: 'web' }, validate_args_context: { a: 1 } },
      ctxWith({ name: 'db' }, { port: () => 42 }),
    );
    expect(p.failed).toBeUndefined();
    expect(p.result).toEqual({ msg: 'The arg spec validation passed', validate_args_context: { a: 1 } });
  });

  it('fails with every message, the spec and the context; a literal string is AnsibleUnicode, a template result str', () => {
    const spec = { a: { type: 'int' }, b: { type: 'int' }, c: { required: true } };
    const p = plan({ argument_spec: spec }, ctxWith({ a: 'x' }, { b: () => 'y' }));
    const errors = [
      "argument 'a' is of type <class 'ansible.parsing.yaml.objects.AnsibleUnicode'> and we were unable to convert to int: <class 'ansible.parsing.yaml.objects.AnsibleUnicode'> cannot be converted to an int",
      "argument 'b' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int",
    ];
    expect(p.failed).toBe(`Validation of arguments failed:\nmissing required arguments: c\n${errors.join('\n')}`);
    expect(p.result).toEqual({ validate_args_context: {}, argument_spec_data: spec, argument_errors: ['missing required arguments: c', ...errors] });
  });

  it('never changes the variables it checks and sets none', () => {
    const ctx = ctxWith({ port: '8080' });
    const p = plan({ argument_spec: { port: { type: 'int' }, extra: { default: 1 } } }, ctx);
    expect(p.failed).toBeUndefined();
    expect(p.setFacts).toBeUndefined();
    expect(ctx.vars).toEqual({ port: '8080' });
  });

  it('refuses an argument_spec or provided_arguments that is not a mapping, with Ansible words', () => {
    expect(plan({ argument_spec: [1] }, ctxWith({})).failed).toBe("Incorrect type for argument_spec, expected dict and got <class 'list'>");
    expect(plan({ argument_spec: {}, provided_arguments: 'x' }, ctxWith({})).failed).toBe("Incorrect type for provided_arguments, expected dict and got <class 'str'>");
    expect(plan({}, ctxWith({})).failed).toBe('"argument_spec" arg is required in args');
  });
});
