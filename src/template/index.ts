/** Templates and conditions: Jinja2 as Ansible uses it (ansible.ts); handlebars for `.hbs` files. */
export {
  ANSIBLE_MANAGED,
  OMIT_TOKEN,
  removeOmit,
  renderValue,
  renderString,
  renderTemplateFile,
  hasTemplate,
  checkTemplate,
  checkTemplateFile,
  stringifyValue,
  hasLookup,
  lookupNames,
  runLookup,
} from './render.js';
export { evaluateCondition, evaluateCondition as evaluate, evaluateConditions, evaluateValue, checkExpression } from './conditions.js';
export type { TemplateFileOptions } from './render.js';
export { doEncrypt } from './jinja/filters/hashing.js';
