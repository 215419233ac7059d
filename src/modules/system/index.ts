import type { ModuleDef } from '../types.js';
/** Command, package, service, network and control modules. */
export const systemModules: ModuleDef[] = [];
