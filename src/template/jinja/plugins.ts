/** The filter, test and lookup tables the Ansible environment uses (one place to register them). */
export { filters } from './filters/index.js';
export { tests } from './tests.js';
export { lookups } from './lookups.js';
