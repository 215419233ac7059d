import type { ModuleDef } from '../types.js';
/** File-editing modules: file, copy, template, lineinfile, blockinfile, env_file, yaml_edit. */
export const fileModules: ModuleDef[] = [];
