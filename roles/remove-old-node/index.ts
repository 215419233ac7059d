import { z } from 'zod';
import { defineRole } from '../../src/index.js';
import { failTask, blank } from '../../src/wallarm/index.js';

const CONSOLE = { US: 'https://us1.my.wallarm.com/nodes', EU: 'https://my.wallarm.com/nodes', ME: 'https://me1.my.wallarm.com/nodes' } as const;

const params = z.object({
  kind: z.enum(['auto', 'package', 'all-in-one']).default('auto').describe('package: wallarm-node-tarantool from packages; all-in-one: /opt/wallarm; auto: whatever is found'),
  package: z
    .string()
    .regex(/^[A-Za-z0-9.+_-]+$/)
    .default('wallarm-node-tarantool')
    .describe('package of the old postanalytics'),
  service: z
    .string()
    .regex(/^[A-Za-z0-9@.:_-]+$/)
    .default('wallarm-tarantool')
    .describe('service of the package install, stopped first'),
  cloud: z.enum(['US', 'EU', 'ME']).default('EU').describe('Wallarm Cloud of the node (for the Console link)'),
  require_verified_group: blank(z.string().min(1).optional()).describe(
    'refuse unless every host of this group passed verify in this run (wallarm_verified); the upgrade playbook sets it to filtering',
  ),
});

/** Seed 000 step 8: delete the old node in the Console, then take it off the machine. */
export default defineRole({
  name: 'remove-old-node',
  description:
    "Remove the old postanalytics: package installs — stop wallarm-tarantool, apt/dnf/yum remove wallarm-node-tarantool; all-in-one — systemctl stop wallarm, rm -rf /opt/wallarm. Prints the Console step (Nodes → Delete): Wallarm's public API documents no node-delete call.",
  params,
  tasks: (p, ctx) => {
    if (p.require_verified_group) {
      const hosts = ctx.groups[p.require_verified_group] ?? [];
      const unverified = hosts.filter((h) => ctx.hostvars(h)?.wallarm_verified !== true);
      if (hosts.length === 0) return [failTask('Blue/green guard', `refusing to remove the old node: group "${p.require_verified_group}" is empty, nothing was verified`)];
      if (unverified.length) return [failTask('Blue/green guard', `refusing to remove the old node: verify has not passed on ${unverified.join(', ')}`)];
    }
    const hostname = String((ctx.facts as { hostname?: string } | undefined)?.hostname ?? ctx.host);
    return [
      { name: 'Remove the old postanalytics from this machine', wallarm_remove: { kind: p.kind, package: p.package, service: p.service } },
      {
        name: 'Delete the old node in Wallarm Console',
        debug: {
          msg: `Manual step: open Wallarm Console → Nodes (${CONSOLE[p.cloud]}), select the old postanalytics node of ${hostname}, click Delete and confirm. Deleting cannot be undone. (Wallarm's public API documents no node-delete call, so tsplay does not do this for you.)`,
        },
      },
    ];
  },
});
