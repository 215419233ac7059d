import { z } from 'zod';
import { defineRole } from '../../src/index.js';
import { versionParam, portParam, stringList, boolParam, blank, groupAddresses, failTask, generationOf, supportsTls, upstreamNames } from '../../src/wallarm/index.js';

/** Every server line of a postanalytics upstream (WALLARM.md: max_conns on every server). */
const SERVER_PARAMS = ['max_fails=0', 'fail_timeout=0', 'max_conns=1'];
/** The "where is postanalytics" directive: 6.x+ name, 4.x/5.x name (6.x still reads the old one). */
const UPSTREAM_DIRECTIVES = [upstreamNames('wstore').directive, upstreamNames('tarantool').directive];

const server = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/, 'a server is HOST:PORT');

const params = z
  .object({
    version: versionParam,
    servers: blank(stringList(server).optional()).describe('postanalytics servers as HOST:PORT (default: the addresses of postanalytics_group with postanalytics_port)'),
    postanalytics_group: z.string().min(1).default('postanalytics').describe('inventory group of the new postanalytics hosts'),
    postanalytics_port: portParam(3313, 'postanalytics port used with the group addresses (the TLS port, e.g. 6388, when tls is on)'),
    keepalive: blank(z.coerce.number().int().positive().optional()).describe('upstream keepalive; must not be lower than the number of servers (default: that number)'),
    path: z.string().min(1).default('/etc/nginx/nginx.conf').describe('NGINX file with http {} (or a conf.d file included in http {}) that holds the upstream'),
    upstream_name: blank(
      z
        .string()
        .regex(/^[A-Za-z0-9_.-]+$/)
        .optional(),
    ).describe('upstream name (default wallarm_wstore for 6.x+, wallarm_tarantool for 4.x/5.x)'),
    replace_old_upstream: boolParam.default(true).describe('on 6.x+, remove an old wallarm_tarantool upstream (the directive is renamed to wallarm_wstore_upstream)'),
    tls: blank(
      z
        .object({
          enabled: boolParam.default(true).describe('ssl=on on the upstream directive'),
          ca_cert_file: z.string().min(1).optional().describe('wallarm_wstore_ssl_ca_cert_file: CA of the postanalytics certificate'),
          cert_file: z.string().min(1).optional().describe('wallarm_wstore_ssl_cert_file: client certificate (mTLS)'),
          key_file: z.string().min(1).optional().describe('wallarm_wstore_ssl_key_file: client key (mTLS)'),
        })
        .strict()
        .optional(),
      true,
    ).describe('TLS/mTLS from NGINX to postanalytics (6.2+)'),
    backup: boolParam.default(true).describe('keep PATH.tsplay-backup (the upgrade playbook restores it if verify fails)'),
    validate: boolParam.default(true).describe('run nginx -t after the edit; the backup is restored when it fails'),
    restart: boolParam.default(true).describe('restart NGINX right after a change (systemctl restart nginx, or service nginx restart)'),
  })
  .superRefine((p, ctx) => {
    if (p.servers && p.keepalive !== undefined && p.keepalive < p.servers.length)
      ctx.addIssue({ code: 'custom', path: ['keepalive'], message: `keepalive (${p.keepalive}) must not be lower than the number of servers (${p.servers.length})` });
    if (p.servers && p.servers.length === 0) ctx.addIssue({ code: 'custom', path: ['servers'], message: 'at least one postanalytics server is needed' });
    if (p.tls?.enabled && !supportsTls(p.version))
      ctx.addIssue({ code: 'custom', path: ['tls'], message: `TLS to postanalytics needs Wallarm 6.2 or later (version is ${p.version})` });
    if (p.tls && Boolean(p.tls.cert_file) !== Boolean(p.tls.key_file))
      ctx.addIssue({ code: 'custom', path: ['tls', 'cert_file'], message: 'mTLS needs both cert_file and key_file' });
  });

/** Seed 000 step 6, 002 step 8 and the TLS section: point NGINX at the new postanalytics servers. */
export default defineRole({
  name: 'connect-upstream',
  description:
    'Edit the NGINX config structurally: upstream wallarm_wstore (wallarm_tarantool for 4.x/5.x) with one `server ip:port max_fails=0 fail_timeout=0 max_conns=1;` per postanalytics server and keepalive ≥ servers, the wallarm_*_upstream directive uncommented/present once in http {}, ssl=on and the wallarm_wstore_ssl_* files for TLS/mTLS; backup, nginx -t (backup restored on failure), restart NGINX on change.',
  params,
  tasks: (p, ctx) => {
    const gen = generationOf(p.version);
    const names = upstreamNames(gen);
    let servers = p.servers;
    if (!servers) {
      const g = groupAddresses(ctx, p.postanalytics_group);
      if (g.hosts.length === 0) return [failTask('Postanalytics servers', `no servers: inventory group "${p.postanalytics_group}" is empty and servers is not set`)];
      if (g.missing.length)
        return [
          failTask(
            'Postanalytics servers',
            `cannot tell the address of ${g.missing.join(', ')} (group ${p.postanalytics_group}): set wallarm_address on those hosts or give servers`,
          ),
        ];
      servers = g.addresses.map((a) => (a.includes(':') && !a.startsWith('[') ? `[${a}]` : a) + `:${p.postanalytics_port}`);
    }
    if (p.keepalive !== undefined && p.keepalive < servers.length)
      return [failTask('Upstream keepalive', `keepalive (${p.keepalive}) must not be lower than the number of servers (${servers.length}: ${servers.join(', ')})`)];
    const name = p.upstream_name ?? names.upstream;
    const tls = p.tls?.enabled ? p.tls : undefined;
    const removeOld = gen === 'wstore' && p.replace_old_upstream && name !== 'wallarm_tarantool' ? ['wallarm_tarantool'] : [];
    const tasks: Record<string, unknown>[] = [
      {
        name: `Point NGINX at postanalytics ${servers.join(', ')}`,
        nginx_upstream: {
          path: p.path,
          name,
          servers,
          server_params: SERVER_PARAMS,
          keepalive: p.keepalive ?? servers.length,
          directive: names.directive,
          directive_aliases: UPSTREAM_DIRECTIVES.filter((d) => d !== names.directive),
          directive_args: tls ? ['ssl=on'] : [],
          // The TLS files: present when asked, absent otherwise (wstore only; the schema refuses TLS before 6.2).
          directives: {
            wallarm_wstore_ssl_cert_file: tls?.cert_file ?? null,
            wallarm_wstore_ssl_key_file: tls?.key_file ?? null,
            wallarm_wstore_ssl_ca_cert_file: tls?.ca_cert_file ?? null,
          },
          remove_upstreams: removeOld,
          backup: p.backup,
          validate: p.validate,
        },
        register: 'wallarm_connect_upstream',
      },
    ];
    if (p.restart) tasks.push({ name: 'Restart NGINX', service: { name: 'nginx', state: 'restarted' }, when: 'wallarm_connect_upstream.changed' });
    return tasks;
  },
});
