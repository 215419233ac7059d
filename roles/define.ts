/** Kept for roles written against `../define.js`; the public entry is src/index.ts (`import { defineRole } from 'tsplay'`). */
export { defineRole, type RoleDefinition } from '../src/config/role-definition.js';
