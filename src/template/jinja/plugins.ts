/** The filter, test and lookup tables the Ansible environment uses (one place to register them). */
import type { Filter, Test } from './types.js';
import { coreFilters } from './filters/core.js';
import { stringFilters } from './filters/strings.js';
import { regexFilters } from './filters/regex.js';
import { listFilters } from './filters/lists.js';
import { dictFilters } from './filters/dicts.js';
import { Undefined, isDict, isNumber, isInt, isFloat, eq, contains, truthy } from './py.js';
export { lookups } from './lookups.js';

export const filters: Record<string, Filter> = { ...coreFilters, ...stringFilters, ...regexFilters, ...listFilters, ...dictFilters };

const basicTests: Record<string, Test> = {
  defined: (v) => !(v instanceof Undefined),
  undefined: (v) => v instanceof Undefined,
  none: (v) => v === null,
  string: (v) => typeof v === 'string',
  number: (v) => isNumber(v),
  integer: (v) => isInt(v),
  float: (v) => isFloat(v),
  boolean: (v) => typeof v === 'boolean',
  mapping: (v) => isDict(v),
  sequence: (v) => Array.isArray(v) || typeof v === 'string' || isDict(v),
  iterable: (v) => Array.isArray(v) || typeof v === 'string' || isDict(v),
  in: (v, a) => contains(a[0], v),
  equalto: (v, a) => eq(v, a[0]),
  truthy: (v) => truthy(v),
  falsy: (v) => !truthy(v),
};
export const tests: Record<string, Test> = { ...basicTests };
