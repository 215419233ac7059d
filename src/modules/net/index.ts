import type { ModuleDef } from '../types.js';
/** Network-service modules tsplay adds beyond Ansible's core: nginx config editing, firewall rules. */
export const netModules: ModuleDef[] = [];
