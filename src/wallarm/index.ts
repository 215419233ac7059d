/**
 * The Wallarm package: the node modules (wallarm_preflight, wallarm_install, wallarm_verify,
 * wallarm_remove), the Wallarm facts, and the zod pieces its roles (roles/prepare-clean-machine,
 * install-postanalytics, configure-host-port, open-firewall, install-filtering, connect-upstream,
 * verify, remove-old-node) share. It registers itself with the engine as a plugin, through the
 * same public interface (src/index.ts) a team's tsplay.config.ts uses; the generic core never
 * imports it (src/loader/plugins.ts loads it by path).
 */
import { definePlugin } from '../index.js';
import { wallarmPreflightModule, wallarmInstallModule } from './install.js';
import { wallarmVerifyModule } from './verify.js';
import { wallarmRemoveModule } from './remove.js';

export * from './facts.js';
export * from './params.js';

export default definePlugin({
  name: 'wallarm',
  description: 'Wallarm node steps: preflight, all-in-one install, verify, remove',
  modules: [wallarmPreflightModule, wallarmInstallModule, wallarmVerifyModule, wallarmRemoveModule],
});
