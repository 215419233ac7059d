import type { ModuleDef } from '../types.js';
import { nginxUpstreamModule } from './nginx-upstream.js';
import { firewallPortModule } from './firewall-port.js';
import { ufwModule } from './ufw.js';
import { firewalldModule } from './firewalld.js';

/** Network-service modules tsplay adds beyond Ansible's core: nginx config editing, firewall rules. */
export const netModules: ModuleDef[] = [nginxUpstreamModule, firewallPortModule, ufwModule, firewalldModule];
