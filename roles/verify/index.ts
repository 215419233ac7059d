import { z } from 'zod';
import { defineRole } from '../../src/index.js';
import { portParam, stringList, blank, generationOf, VERSION_RE } from '../../src/wallarm/index.js';

const params = z.object({
  component: z.enum(['auto', 'filtering', 'postanalytics']).default('auto').describe('what to check; auto: postanalytics on hosts of postanalytics_group, filtering elsewhere'),
  postanalytics_group: z.string().min(1).default('postanalytics').describe('group whose hosts are checked as postanalytics with component auto'),
  version: blank(z.string().regex(VERSION_RE).optional()).describe('Wallarm version (chooses wstore/tarantool log names; default 6.x+ names)'),
  attack_url: z.string().min(1).default('http://localhost/etc/passwd').describe('the test attack, sent through the protected application'),
  status_url: z.string().min(1).default('http://127.0.0.8/wallarm-status').describe('the statistics page'),
  interval_seconds: z.coerce
    .number()
    .min(0)
    .max(300)
    .default(3)
    .describe('wait after each test request before reading the status (longer than the 2 s postanalytics connect timeout); two samples, tnt_errors must not grow'),
  nginx_error_log: z.string().min(1).default('/var/log/nginx/error.log').describe('NGINX error log (only lines written during the check are read)'),
  services: blank(stringList(z.string().min(1)).optional()).describe('services that must be active (default: nginx on filtering, wallarm on postanalytics)'),
  postanalytics_port: portParam(3313, 'port postanalytics must listen on (component postanalytics)'),
});

/** Seed 000 step 7 and seed 004: check, and on failure say what is wrong and what to do. */
export default defineRole({
  name: 'verify',
  description:
    "Filtering: send the test attack, read /wallarm-status twice and require tnt_errors == 0 and not growing, services active. Postanalytics: wallarm active and the port listening. On failure: a diagnosis (failed to bind, connect() failed, tnt_errors growing, export_drops_flag/timeframe_size → SLAB_ALLOC_ARENA, export_delay, Index 'primary' already exists, inactive services) with the remedy, and the host fails.",
  params,
  tasks: (p, ctx) => {
    const component = p.component !== 'auto' ? p.component : (ctx.groups[p.postanalytics_group] ?? []).includes(ctx.host) ? 'postanalytics' : 'filtering';
    const version = p.version ?? (typeof ctx.vars.wallarm_version === 'string' ? ctx.vars.wallarm_version : undefined);
    const generation = version && VERSION_RE.test(version) ? generationOf(version) : 'wstore';
    return [
      {
        name: `Check the Wallarm ${component} node`,
        wallarm_verify: {
          component,
          generation,
          attack_url: p.attack_url,
          status_url: p.status_url,
          interval_seconds: p.interval_seconds,
          nginx_error_log: p.nginx_error_log,
          ...(p.services ? { services: p.services } : {}),
          ...(component === 'postanalytics' ? { listen_port: p.postanalytics_port } : {}),
        },
        register: 'wallarm_verify_result',
      },
      { name: 'Mark the node verified', set_fact: { wallarm_verified: true } },
    ];
  },
});
