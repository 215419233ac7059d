import type { ModuleDef } from '../types.js';

/** Users and access: user, group, getent, authorized_key, known_hosts, pam_limits, openssh_keypair. */
export const userModules: ModuleDef[] = [];
