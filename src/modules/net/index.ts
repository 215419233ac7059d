import type { ModuleDef } from '../types.js';
import { nginxUpstreamModule } from './nginx-upstream.js';
import { firewallPortModule } from './firewall-port.js';
import { wallarmPreflightModule, wallarmInstallModule } from './wallarm-install.js';
import { wallarmVerifyModule } from './wallarm-verify.js';
import { wallarmRemoveModule } from './wallarm-remove.js';

/** Network-service modules tsplay adds beyond Ansible's core: nginx config editing, firewall rules, Wallarm node steps. */
export const netModules: ModuleDef[] = [nginxUpstreamModule, firewallPortModule, wallarmPreflightModule, wallarmInstallModule, wallarmVerifyModule, wallarmRemoveModule];
