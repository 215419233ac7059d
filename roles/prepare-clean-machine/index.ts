import { z } from 'zod';
import { defineRole } from '../../src/index.js';
import { versionParam, stringList, boolParam } from '../../src/wallarm/index.js';

/** Seed 000 step 1: a clean machine with a supported OS, before the all-in-one installer runs. */
export default defineRole({
  name: 'prepare-clean-machine',
  description:
    'Check the host for the Wallarm all-in-one installer: OS on the supported list for the version, x86_64/aarch64, a clean machine (no /opt/wallarm, no wallarm user, no wallarm packages; refused unless force); ensure curl and ca-certificates.',
  params: z.object({
    version: versionParam,
    allow_unsupported: boolParam.default(false).describe('continue on an OS that is not on the supported list for this version'),
    force: boolParam.default(false).describe('continue on a machine that is not clean (the installer may still refuse)'),
    packages: stringList(z.string().min(1)).default(['curl', 'ca-certificates']).describe('packages the installer needs on the host'),
  }),
  tasks: (p) => [
    {
      name: `Check OS, arch and a clean machine for Wallarm ${p.version}`,
      wallarm_preflight: { version: p.version, allow_unsupported: p.allow_unsupported, force: p.force },
    },
    { name: `Ensure ${p.packages.join(', ')}`, package: { name: p.packages, state: 'present' } },
  ],
});
