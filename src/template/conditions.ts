/**
 * Conditions (`when`, `changed_when`, `failed_when`, `until`, `assert.that`) as Ansible's
 * Conditional evaluates them: a first templating pass, then `{% if COND %}` with Python
 * truthiness. Errors name the condition and its task's location.
 */
import { TsplayError, type SourceLocation } from '../errors.js';
import { checkConditional, checkTemplateSyntax, evaluateExpression } from './ansible.js';
import { toPlain } from './jinja/py.js';
import { templateError } from './render.js';

/** Evaluate one condition to true/false (Ansible: Python truthiness of the result). */
export function evaluateCondition(expr: string | boolean, vars: Record<string, unknown>, loc?: SourceLocation): boolean {
  if (typeof expr === 'boolean') return expr;
  try {
    return checkConditional(expr, vars);
  } catch (e) {
    const t = templateError(e, String(expr), loc ?? { file: '<condition>' });
    throw new TsplayError('EXPRESSION', `The conditional check '${expr}' failed. The error was: ${t.message}`, { location: t.location, hint: t.hint });
  }
}

/** All conditions of a `when:` list must hold (evaluated in order, stopping at the first false). */
export function evaluateConditions(exprs: Array<string | boolean>, vars: Record<string, unknown>, loc?: SourceLocation): boolean {
  for (const e of exprs) if (!evaluateCondition(e, vars, loc)) return false;
  return true;
}

/** Evaluate a bare expression to its value (`debug: var=`). Undefined is an error. */
export function evaluateValue(expr: string, vars: Record<string, unknown>, loc?: SourceLocation): unknown {
  try {
    return toPlain(evaluateExpression(expr, vars));
  } catch (e) {
    throw templateError(e, expr, loc ?? { file: '<expression>' });
  }
}

/** Parse-only check for load time: the syntax problems of a condition (empty when fine). */
export function checkExpression(expr: string | boolean, loc?: SourceLocation): TsplayError[] {
  if (typeof expr !== 'string') return [];
  // `when: "{{ x }}"` is templated first (Ansible warns but accepts it): check it as a template then
  const e = /\{\{|\{%/.test(expr)
    ? checkTemplateSyntax(expr, { escapeBackslashes: true })
    : checkTemplateSyntax(`{% if ${expr} %} True {% else %} False {% endif %}`, { escapeBackslashes: true });
  if (!e) return [];
  return [new TsplayError('EXPRESSION', `condition \`${expr}\`: ${e.message}`, { location: loc })];
}
