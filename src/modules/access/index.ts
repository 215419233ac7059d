import type { ModuleDef } from '../types.js';
import { authorizedKey } from './authorized_key.js';
import { knownHosts } from './known_hosts.js';
import { opensshKeypair } from './openssh_keypair.js';
import { pamLimits } from './pam_limits.js';
import { pamd } from './pamd.js';

/** SSH and login access: authorized_key, known_hosts, pam_limits, pamd, openssh_keypair. */
export const accessModules: ModuleDef[] = [authorizedKey, knownHosts, pamLimits, pamd, opensshKeypair];
