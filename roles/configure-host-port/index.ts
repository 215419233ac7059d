import { z } from 'zod';
import { defineRole } from '../../src/index.js';
import { versionParam, portParam, boolParam, blank, generationOf, supportsTls, WALLARM_PATHS } from '../../src/wallarm/index.js';

const tls = z
  .object({
    enabled: boolParam.default(true).describe('turn the TLS listener on (false turns it off)'),
    address: z.string().min(1).default('0.0.0.0:6388').describe('TLS listen address IP:PORT (service.TLS.address)'),
    cert_file: z.string().min(1).optional().describe('server certificate on the postanalytics host'),
    key_file: z.string().min(1).optional().describe('its private key'),
    ca_cert_file: z.string().min(1).optional().describe('custom CA of the server certificate (optional)'),
    mutual: boolParam.default(false).describe('mTLS: require a client certificate from NGINX'),
    client_ca_cert_file: z.string().min(1).optional().describe('CA of the NGINX client certificates (optional, mTLS)'),
  })
  .strict();

const params = z
  .object({
    version: versionParam,
    slab_alloc_arena: blank(z.coerce.number().positive('SLAB_ALLOC_ARENA is memory in GB and must be positive').optional()).describe(
      'memory for postanalytics in GB (SLAB_ALLOC_ARENA in env.list; integer or decimal); unset leaves the installed value',
    ),
    listen_host: z.string().min(1).default('0.0.0.0').describe('address postanalytics listens on (0.0.0.0 = all IPv4 addresses)'),
    listen_port: portParam(3313, 'port postanalytics listens on'),
    tls: blank(tls.optional(), true).describe('TLS/mTLS listener between NGINX and postanalytics (6.2+)'),
  })
  .superRefine((p, ctx) => {
    if (p.tls && !supportsTls(p.version))
      ctx.addIssue({ code: 'custom', path: ['tls'], message: `TLS between NGINX and postanalytics needs Wallarm 6.2 or later (version is ${p.version})` });
    if (p.tls?.enabled && (!p.tls.cert_file || !p.tls.key_file))
      ctx.addIssue({ code: 'custom', path: ['tls', 'cert_file'], message: 'the TLS listener needs cert_file and key_file' });
  });

const NOTIFY = 'restart wallarm';

/** Seeds 001/002 step 4–6: memory, listen address, optional TLS; wallarm restarts only on change. */
export default defineRole({
  name: 'configure-host-port',
  description:
    'Set SLAB_ALLOC_ARENA and the postanalytics listen host/port: 6.x+ wstore.yaml service.address and node.yaml wstore:, 4.x/5.x env.list HOST/PORT and node.yaml tarantool:; optional TLS/mTLS listener (6.2+). Restarts wallarm.service only when something changed.',
  params,
  tasks: (p) => {
    const gen = generationOf(p.version);
    const tasks: Record<string, unknown>[] = [];
    const slab = p.slab_alloc_arena !== undefined ? { SLAB_ALLOC_ARENA: String(p.slab_alloc_arena) } : {};
    if (gen === 'wstore') {
      if (p.slab_alloc_arena !== undefined) tasks.push({ name: 'Set SLAB_ALLOC_ARENA', env_file: { path: WALLARM_PATHS.envList, set: slab, create: false }, notify: NOTIFY });
      tasks.push(
        { name: 'Set the wstore listen address', yaml_edit: { path: WALLARM_PATHS.wstoreYaml, set: { 'service.address': `${p.listen_host}:${p.listen_port}` } }, notify: NOTIFY },
        {
          name: 'Set wstore host and port in node.yaml',
          yaml_edit: { path: WALLARM_PATHS.nodeYaml, set: { 'wstore.host': p.listen_host, 'wstore.port': p.listen_port } },
          notify: NOTIFY,
        },
      );
      if (p.tls) {
        const t = p.tls;
        const set: Record<string, unknown> = { 'service.TLS.enabled': t.enabled };
        if (t.enabled) {
          set['service.TLS.address'] = t.address;
          set['service.TLS.certFile'] = t.cert_file;
          set['service.TLS.keyFile'] = t.key_file;
          if (t.ca_cert_file) set['service.TLS.caCertFile'] = t.ca_cert_file;
          set['service.TLS.mutualTLS.enabled'] = t.mutual;
          if (t.mutual && t.client_ca_cert_file) set['service.TLS.mutualTLS.clientCACertFile'] = t.client_ca_cert_file;
        }
        tasks.push({ name: t.enabled ? 'Enable the wstore TLS listener' : 'Disable the wstore TLS listener', yaml_edit: { path: WALLARM_PATHS.wstoreYaml, set }, notify: NOTIFY });
      }
    } else {
      tasks.push(
        {
          name: 'Set SLAB_ALLOC_ARENA, HOST and PORT in env.list',
          env_file: { path: WALLARM_PATHS.envList, set: { ...slab, HOST: p.listen_host, PORT: String(p.listen_port) }, after_comment: '# tarantool', create: false },
          notify: NOTIFY,
        },
        {
          name: 'Set tarantool host and port in node.yaml',
          yaml_edit: { path: WALLARM_PATHS.nodeYaml, set: { 'tarantool.host': p.listen_host, 'tarantool.port': p.listen_port } },
          notify: NOTIFY,
        },
      );
    }
    return tasks;
  },
  handlers: [{ name: NOTIFY, service: { name: 'wallarm', state: 'restarted' } }],
});
