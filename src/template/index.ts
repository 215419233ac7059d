/** Templates (handlebars, strict, Jinja filter pre-pass) and conditions (jsep tree-walker). */
export { renderValue, renderString, renderTemplateFile, hasTemplate, checkTemplate, stringifyValue } from './render.js';
export { evaluateCondition, evaluateCondition as evaluate, evaluateConditions, evaluateValue, checkExpression } from './expr.js';
export { filters, toBool, deepEqual } from './filters.js';
