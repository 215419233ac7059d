import { z } from 'zod';
import { defineModule, sh, type Plan, type Command, type HostFacts } from '../index.js';
import { WALLARM_PATHS } from './facts.js';
import { script } from './scripts.js';

/**
 * wallarm_remove: take an old postanalytics node off a machine, the way seed 000 step 8 says —
 * package installs: stop wallarm-tarantool and remove the wallarm-node-tarantool package;
 * all-in-one installs: systemctl stop wallarm and rm -rf /opt/wallarm. Nothing left → no commands.
 */

export const wallarmRemoveArgs = z
  .object({
    kind: z.enum(['auto', 'package', 'all-in-one']).default('auto'),
    package: z
      .string()
      .regex(/^[A-Za-z0-9.+_-]+$/)
      .default('wallarm-node-tarantool'),
    service: z
      .string()
      .regex(/^[A-Za-z0-9@.:_-]+$/)
      .default('wallarm-tarantool'),
  })
  .strict();
export type WallarmRemoveArgs = z.infer<typeof wallarmRemoveArgs>;

export interface OldNodeState {
  packageInstalled: boolean;
  optWallarm: boolean;
}

export function parseOldNodeState(stdout: string): OldNodeState {
  return { packageInstalled: /^package=yes$/m.test(stdout), optWallarm: /^opt_wallarm=yes$/m.test(stdout) };
}

export function planRemove(a: WallarmRemoveArgs, facts: HostFacts | undefined, st: OldNodeState): Plan {
  const cmds: Command[] = [];
  const doPackage = a.kind !== 'all-in-one' && st.packageInstalled;
  const doAio = a.kind !== 'package' && st.optWallarm;
  if (doPackage) {
    cmds.push({ kind: 'shell', cmd: sh`systemctl stop ${a.service} 2>/dev/null || service ${a.service} stop 2>/dev/null || true`, describe: `stop ${a.service}` });
    const mgr = facts?.pkgMgr ?? 'unknown';
    if (mgr === 'apt') cmds.push({ kind: 'shell', cmd: sh`DEBIAN_FRONTEND=noninteractive apt-get remove -y ${a.package}`, describe: `apt remove ${a.package}` });
    else if (mgr === 'dnf' || mgr === 'yum') cmds.push({ kind: 'shell', cmd: sh`${mgr} remove -y ${a.package}`, describe: `${mgr} remove ${a.package}` });
    else return { changed: false, commands: [], failed: `cannot remove ${a.package}: unsupported package manager ${mgr}` };
  }
  if (doAio) {
    cmds.push({ kind: 'shell', cmd: sh`systemctl stop wallarm 2>/dev/null || true; systemctl disable wallarm 2>/dev/null || true`, describe: 'systemctl stop wallarm' });
    cmds.push({ kind: 'shell', cmd: sh`rm -rf -- ${WALLARM_PATHS.root}`, describe: `rm -rf ${WALLARM_PATHS.root}` });
  }
  const removed = [...(doPackage ? [`package ${a.package}`] : []), ...(doAio ? [`all-in-one install in ${WALLARM_PATHS.root}`] : [])];
  return {
    changed: cmds.length > 0,
    commands: cmds,
    result: { removed },
    msg: cmds.length ? `removing ${removed.join(' and ')}` : 'no Wallarm postanalytics left on this machine',
  };
}

export const wallarmRemoveModule = defineModule<WallarmRemoveArgs>({
  name: 'wallarm_remove',
  returns: {
    removed: 'what was removed (package, /opt/wallarm)',
  },
  description: 'Remove an old Wallarm postanalytics node from a machine: the wallarm-node-tarantool package (and its service) and/or an all-in-one /opt/wallarm.',
  args: wallarmRemoveArgs,
  probes: (a) => [
    {
      key: 'state',
      cmd: script('old-node-state', { package: a.package, root: WALLARM_PATHS.root }),
      parse: (r) => parseOldNodeState(r.stdout),
    },
  ],
  plan: (a, ctx) => planRemove(a, ctx.facts, (ctx.probed.state as OldNodeState) ?? { packageInstalled: false, optWallarm: false }),
});
