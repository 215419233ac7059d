import type { ModuleDef } from '../types.js';

/** SSH and login access: authorized_key, known_hosts, pam_limits, openssh_keypair. */
export const accessModules: ModuleDef[] = [];
