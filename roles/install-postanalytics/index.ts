import { z } from 'zod';
import { defineRole } from '../define.js';
import { installerParams, requireGroupForApiToken } from '../../src/modules/net/wallarm-params.js';
import { generationOf } from '../../src/modules/net/wallarm-facts.js';

/** Seeds 000 step 3–4, 001/002 step 1–3: the all-in-one installer with `postanalytics`. */
export default defineRole({
  name: 'install-postanalytics',
  description:
    "Download wallarm-<version>.<arch>-glibc.sh from installer_base_url (optional sha256), run it in batch mode with `postanalytics`; API token ⇒ WALLARM_LABELS='group=<group>'. The token goes to the installer on stdin, never on a command line. A registered node of the same version is left alone; another version is refused (clean-machine rule).",
  params: z.object(installerParams).superRefine(requireGroupForApiToken),
  tasks: (p) => [
    {
      name: `Install Wallarm postanalytics ${p.version}`,
      wallarm_install: {
        version: p.version,
        component: 'postanalytics',
        token: p.token,
        token_type: p.token_type,
        ...(p.token_type === 'api' ? { group: p.group } : {}),
        cloud: p.cloud,
        ...(p.api_host ? { api_host: p.api_host } : {}),
        ...(p.api_port ? { api_port: p.api_port } : {}),
        base_url: p.installer_base_url,
        ...(p.installer_sha256 ? { sha256: p.installer_sha256 } : {}),
        dest_dir: p.installer_dir,
        extra_args: p.installer_extra_args,
        environment: p.environment,
      },
      register: 'wallarm_install_result',
    },
    {
      name: 'Remember the postanalytics version',
      set_fact: { wallarm_installed_version: p.version, wallarm_generation: generationOf(p.version) },
    },
  ],
});
