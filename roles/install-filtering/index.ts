import { z } from 'zod';
import { defineRole, type RoleExpandContext } from '../../src/index.js';
import { installArgs, installerParams, requireGroupForApiToken, failTask, blank, compareVersions, generationOf } from '../../src/wallarm/index.js';

const params = z
  .object({
    ...installerParams,
    postanalytics_group: z.string().min(1).default('postanalytics').describe('inventory group of the postanalytics hosts these filtering nodes use'),
    postanalytics_version: blank(
      z
        .string()
        .regex(/^\d+\.\d+\.\d+$/)
        .optional(),
    ).describe('version the postanalytics hosts run (default: read from the group: wallarm_installed_version, else wallarm_version)'),
  })
  .superRefine(requireGroupForApiToken);

/** Versions the postanalytics hosts run, as far as the inventory and this run know. */
function postanalyticsVersions(p: z.infer<typeof params>, ctx: RoleExpandContext): Array<{ host: string; version?: string }> {
  if (p.postanalytics_version) return [{ host: '(postanalytics_version)', version: p.postanalytics_version }];
  return (ctx.groups[p.postanalytics_group] ?? []).map((host) => {
    const hv = ctx.hostvars(host) ?? {};
    const v = hv.wallarm_installed_version ?? hv.wallarm_version;
    return { host, version: typeof v === 'string' ? v : undefined };
  });
}

/** Seed 002 step 7: the installer with `filtering` on NGINX hosts, after postanalytics. */
export default defineRole({
  name: 'install-filtering',
  description:
    'Install the NGINX-Wallarm filtering node with the all-in-one installer (`filtering`). Enforces the version rule: the postanalytics hosts of the group must already run the same or a higher version.',
  params,
  tasks: (p, ctx) => {
    const versions = postanalyticsVersions(p, ctx);
    const tasks: unknown[] = [];
    if (versions.length === 0)
      tasks.push(
        failTask(
          'Postanalytics version rule',
          `cannot check the version rule: inventory group "${p.postanalytics_group}" is empty; set postanalytics_version or postanalytics_group`,
        ),
      );
    const unknown = versions.filter((v) => !v.version);
    const lower = versions.filter((v) => v.version && compareVersions(v.version, p.version) < 0);
    if (unknown.length)
      tasks.push(
        failTask(
          'Postanalytics version rule',
          `cannot tell which Wallarm version ${unknown.map((u) => u.host).join(', ')} run(s): run install-postanalytics first or set postanalytics_version`,
        ),
      );
    if (lower.length)
      tasks.push(
        failTask(
          'Postanalytics version rule',
          `postanalytics must run the same or a higher version than filtering ${p.version}: ${lower.map((l) => `${l.host} runs ${l.version}`).join(', ')}. Upgrade postanalytics first.`,
        ),
      );
    tasks.push(
      {
        name: `Install Wallarm filtering node ${p.version}`,
        wallarm_install: installArgs(p, 'filtering'),
        register: 'wallarm_install_result',
      },
      { name: 'Remember the filtering node version', set_fact: { wallarm_installed_version: p.version, wallarm_generation: generationOf(p.version) } },
    );
    return tasks;
  },
});
