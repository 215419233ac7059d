import { z } from 'zod';
import { defineRole } from '../../src/index.js';
import { installArgs, installerParams, requireGroupForApiToken, generationOf } from '../../src/wallarm/index.js';

/** Seeds 000 step 3–4, 001/002 step 1–3: the all-in-one installer with `postanalytics`. */
export default defineRole({
  name: 'install-postanalytics',
  description:
    "Download wallarm-<version>.<arch>-glibc.sh from installer_base_url (optional sha256), run it in batch mode with `postanalytics`; API token ⇒ WALLARM_LABELS='group=<group>'. The token goes to the installer on stdin, never on a command line. A registered node of the same version is left alone; another version is refused (clean-machine rule).",
  params: z.object(installerParams).superRefine(requireGroupForApiToken),
  tasks: (p) => [
    {
      name: `Install Wallarm postanalytics ${p.version}`,
      wallarm_install: installArgs(p, 'postanalytics'),
      register: 'wallarm_install_result',
    },
    {
      name: 'Remember the postanalytics version',
      set_fact: { wallarm_installed_version: p.version, wallarm_generation: generationOf(p.version) },
    },
  ],
});
