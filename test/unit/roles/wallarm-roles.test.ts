import { describe, it, expect } from 'vitest';
import prepare from '../../../roles/prepare-clean-machine/index.js';
import installPa from '../../../roles/install-postanalytics/index.js';
import configure from '../../../roles/configure-host-port/index.js';
import firewall from '../../../roles/open-firewall/index.js';
import installFiltering from '../../../roles/install-filtering/index.js';
import connect from '../../../roles/connect-upstream/index.js';
import verify from '../../../roles/verify/index.js';
import remove from '../../../roles/remove-old-node/index.js';
import { nginxUpstreamArgs } from '../../../src/modules/net/nginx-upstream.js';
import { firewallPortArgs } from '../../../src/modules/net/firewall-port.js';
import { wallarmInstallArgs } from '../../../src/wallarm/install.js';
import { wallarmVerifyArgs } from '../../../src/wallarm/verify.js';
import { expand, expandCtx, modules, issues } from './helpers.js';

const TOKEN = 'api-secret-token-value';
const fleet = expandCtx({
  host: 'nginx-1',
  groups: { postanalytics: ['pa-1', 'pa-2'], filtering: ['nginx-1', 'nginx-2'], postanalytics_old: ['pa-old'] },
  hostvars: {
    'pa-1': { facts: { defaultIpv4: '10.0.0.11' }, wallarm_version: '6.12.1' },
    'pa-2': { wallarm_address: '10.0.0.12', wallarm_installed_version: '6.12.1' },
    'nginx-1': { facts: { defaultIpv4: '10.0.1.21' } },
    'nginx-2': { ansible_host: '10.0.1.22' },
  },
});

describe('every Wallarm role documents every param', () => {
  for (const role of [prepare, installPa, configure, firewall, installFiltering, connect, verify, remove]) {
    it(role.name, () => {
      const shape = (role.params as unknown as { shape?: Record<string, { description?: string }> }).shape ?? {};
      const keys = Object.keys(shape);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((k) => !shape[k]!.description)).toEqual([]);
      expect(role.description.length).toBeGreaterThan(40);
    });
  }
});

describe('prepare-clean-machine', () => {
  it('checks the machine, then ensures curl and ca-certificates', () => {
    const t = expand(prepare, { version: '6.12.1' });
    expect(modules(t)).toEqual(['wallarm_preflight', 'package']);
    expect(t[0]!.wallarm_preflight).toEqual({ version: '6.12.1', allow_unsupported: false, force: false });
    expect(t[1]!.package).toEqual({ name: ['curl', 'ca-certificates'], state: 'present' });
  });
  it('passes force and allow_unsupported through (templated strings too)', () => {
    expect(expand(prepare, { version: '4.10.5', force: 'true', allow_unsupported: true })[0]!.wallarm_preflight).toMatchObject({ force: true, allow_unsupported: true });
  });
});

describe('install-postanalytics', () => {
  it('6.x with an API token: installer for postanalytics with the group label, version remembered', () => {
    const t = expand(installPa, { version: '6.12.1', token: TOKEN, group: 'prod', installer_base_url: 'http://10.9.0.2:8080' });
    expect(modules(t)).toEqual(['wallarm_install', 'set_fact']);
    const args = wallarmInstallArgs.parse(t[0]!.wallarm_install);
    expect(args).toMatchObject({ version: '6.12.1', component: 'postanalytics', token_type: 'api', group: 'prod', base_url: 'http://10.9.0.2:8080', cloud: 'EU' });
    expect(t[0]!.register).toBe('wallarm_install_result');
    expect(t[1]!.set_fact).toEqual({ wallarm_installed_version: '6.12.1', wallarm_generation: 'wstore' });
  });
  it('4.x with a node token: no group, tarantool generation', () => {
    const t = expand(installPa, { version: '4.10.5', token: 'node-token', token_type: 'node', group: '' });
    expect(t[0]!.wallarm_install).not.toHaveProperty('group');
    expect(t[1]!.set_fact).toMatchObject({ wallarm_generation: 'tarantool' });
  });
  it('schema errors before any host is contacted: API token without group, unknown cloud, bad version, empty token', () => {
    expect(issues(installPa, { version: '6.12.1', token: TOKEN })).toEqual([expect.stringMatching(/^group: an API token needs the node group label/)]);
    expect(issues(installPa, { version: '6.12.1', token: TOKEN, group: 'g', cloud: 'APAC' })[0]).toMatch(/^cloud: /);
    expect(issues(installPa, { version: '6.12', token: TOKEN, group: 'g' })[0]).toMatch(/^version: a Wallarm version is X\.Y\.Z/);
    expect(issues(installPa, { version: '6.12.1', token: '', group: 'g' })[0]).toMatch(/token is empty \(export WALLARM_API_TOKEN/);
    expect(issues(installPa, { version: '6.12.1', token: TOKEN, group: 'g', installer_sha256: 'abc' })[0]).toMatch(/^installer_sha256: /);
  });
});

describe('configure-host-port', () => {
  it('6.x: SLAB_ALLOC_ARENA, wstore.yaml service.address, node.yaml wstore:, each notifying the restart handler', () => {
    const t = expand(configure, { version: '6.12.1', slab_alloc_arena: '2', listen_port: '3300' });
    expect(modules(t)).toEqual(['env_file', 'yaml_edit', 'yaml_edit']);
    expect(t[0]!.env_file).toEqual({ path: '/opt/wallarm/env.list', set: { SLAB_ALLOC_ARENA: '2' }, create: false });
    expect(t[1]!.yaml_edit).toEqual({ path: '/opt/wallarm/wstore/wstore.yaml', set: { 'service.address': '0.0.0.0:3300' } });
    expect(t[2]!.yaml_edit).toEqual({ path: '/opt/wallarm/etc/wallarm/node.yaml', set: { 'wstore.host': '0.0.0.0', 'wstore.port': 3300 } });
    expect(t.every((x) => x.notify === 'restart wallarm')).toBe(true);
    expect(configure.handlers).toEqual([{ name: 'restart wallarm', service: { name: 'wallarm', state: 'restarted' } }]);
  });
  it('4.x: env.list HOST/PORT under # tarantool and node.yaml tarantool:', () => {
    const t = expand(configure, { version: '4.10.5', slab_alloc_arena: 1.5 });
    expect(modules(t)).toEqual(['env_file', 'yaml_edit']);
    expect(t[0]!.env_file).toEqual({ path: '/opt/wallarm/env.list', set: { SLAB_ALLOC_ARENA: '1.5', HOST: '0.0.0.0', PORT: '3313' }, after_comment: '# tarantool', create: false });
    expect(t[1]!.yaml_edit).toEqual({ path: '/opt/wallarm/etc/wallarm/node.yaml', set: { 'tarantool.host': '0.0.0.0', 'tarantool.port': 3313 } });
  });
  it('leaves SLAB_ALLOC_ARENA alone when not given (6.x)', () => {
    expect(modules(expand(configure, { version: '6.12.1', slab_alloc_arena: '' }))).toEqual(['yaml_edit', 'yaml_edit']);
  });
  it('TLS/mTLS listener on 6.2+; off with tls: false', () => {
    const t = expand(configure, {
      version: '6.12.1',
      tls: { cert_file: '/opt/wallarm/wstore/wstore.crt', key_file: '/opt/wallarm/wstore/wstore.key', mutual: true, client_ca_cert_file: '/opt/wallarm/wstore/client-ca.crt' },
    });
    expect(t[2]!.yaml_edit).toEqual({
      path: '/opt/wallarm/wstore/wstore.yaml',
      set: {
        'service.TLS.enabled': true,
        'service.TLS.address': '0.0.0.0:6388',
        'service.TLS.certFile': '/opt/wallarm/wstore/wstore.crt',
        'service.TLS.keyFile': '/opt/wallarm/wstore/wstore.key',
        'service.TLS.mutualTLS.enabled': true,
        'service.TLS.mutualTLS.clientCACertFile': '/opt/wallarm/wstore/client-ca.crt',
      },
    });
    expect(expand(configure, { version: '6.12.1', tls: false })).toHaveLength(2);
    expect(expand(configure, { version: '6.12.1', tls: 'false' })).toHaveLength(2);
  });
  it('schema errors: SLAB_ALLOC_ARENA ≤ 0, TLS before 6.2, TLS without cert/key', () => {
    expect(issues(configure, { version: '6.12.1', slab_alloc_arena: 0 })[0]).toMatch(/^slab_alloc_arena: SLAB_ALLOC_ARENA is memory in GB and must be positive/);
    expect(issues(configure, { version: '6.12.1', slab_alloc_arena: -1 })).toHaveLength(1);
    expect(issues(configure, { version: '6.1.0', tls: { cert_file: 'a', key_file: 'b' } })[0]).toMatch(/^tls: TLS between NGINX and postanalytics needs Wallarm 6\.2/);
    expect(issues(configure, { version: '6.12.1', tls: {} })[0]).toMatch(/needs cert_file and key_file/);
  });
});

describe('open-firewall', () => {
  it('admits the filtering group addresses (facts, ansible_host) on TCP and UDP', () => {
    const t = expand(firewall, {}, { ...fleet, host: 'pa-1' });
    expect(modules(t)).toEqual(['firewall_port']);
    const args = firewallPortArgs.parse(t[0]!.firewall_port);
    expect(args).toMatchObject({ port: 3313, sources: ['10.0.1.21', '10.0.1.22'], protocols: ['tcp', 'udp'], state: 'present', backend: 'auto', ssh_port: 22 });
  });
  it('explicit sources and extra ports (TLS listener) get one task per port; the connection port is passed as the SSH port', () => {
    const t = expand(firewall, { sources: '10.5.0.1,10.5.0.2', extra_ports: [6388] }, expandCtx({ host: 'pa-1', vars: { ansible_port: 2222 } }));
    expect(t.map((x) => (x.firewall_port as { port: number }).port)).toEqual([3313, 6388]);
    expect(t[0]!.firewall_port).toMatchObject({ sources: ['10.5.0.1', '10.5.0.2'], ssh_port: 2222 });
  });
  it('refuses when a filtering host has no known address, or the group is empty', () => {
    const t = expand(firewall, {}, expandCtx({ host: 'pa-1', groups: { filtering: ['web'] }, hostvars: { web: { ansible_host: '127.0.0.1' } } }));
    expect(modules(t)).toEqual(['fail']);
    expect((t[0]!.fail as { msg: string }).msg).toMatch(/cannot tell the address of web.*wallarm_address/);
    expect((expand(firewall, {}, expandCtx({ host: 'pa-1' }))[0]!.fail as { msg: string }).msg).toMatch(/group "filtering" is empty/);
  });
  it('schema refuses the SSH port', () => {
    expect(issues(firewall, { postanalytics_port: 22 })[0]).toMatch(/SSH port/);
  });
});

describe('install-filtering', () => {
  it('installs the filtering part when postanalytics runs the same version', () => {
    const t = expand(installFiltering, { version: '6.12.1', token: TOKEN, group: 'prod' }, fleet);
    expect(modules(t)).toEqual(['wallarm_install', 'set_fact']);
    expect(t[0]!.wallarm_install).toMatchObject({ component: 'filtering', version: '6.12.1', group: 'prod' });
  });
  it('enforces the version rule: postanalytics lower than filtering → fail before installing', () => {
    const t = expand(installFiltering, { version: '6.13.0', token: TOKEN, group: 'prod' }, fleet);
    expect(modules(t)[0]).toBe('fail');
    expect((t[0]!.fail as { msg: string }).msg).toMatch(/postanalytics must run the same or a higher version than filtering 6\.13\.0: pa-1 runs 6\.12\.1, pa-2 runs 6\.12\.1/);
    expect(modules(expand(installFiltering, { version: '6.11.0', token: TOKEN, group: 'prod' }, fleet))).toEqual(['wallarm_install', 'set_fact']);
    expect(modules(expand(installFiltering, { version: '6.13.0', token: 'n', token_type: 'node', postanalytics_version: '7.0.0' }, fleet))).toEqual([
      'wallarm_install',
      'set_fact',
    ]);
  });
  it('API token without group is a schema error here too', () => {
    expect(issues(installFiltering, { version: '6.12.1', token: TOKEN })[0]).toMatch(/^group: /);
  });
});

describe('connect-upstream', () => {
  it('6.x: upstream wallarm_wstore from the postanalytics group, old tarantool upstream replaced, NGINX restarted on change', () => {
    const t = expand(connect, { version: '6.12.1' }, fleet);
    expect(modules(t)).toEqual(['nginx_upstream', 'service']);
    const args = nginxUpstreamArgs.parse(t[0]!.nginx_upstream);
    expect(args).toMatchObject({
      path: '/etc/nginx/nginx.conf',
      name: 'wallarm_wstore',
      servers: ['10.0.0.11:3313', '10.0.0.12:3313'],
      server_params: ['max_fails=0', 'fail_timeout=0', 'max_conns=1'],
      keepalive: 2,
      directive: 'wallarm_wstore_upstream',
      directive_aliases: ['wallarm_tarantool_upstream'],
      directive_args: [],
      directives: { wallarm_wstore_ssl_cert_file: null, wallarm_wstore_ssl_key_file: null, wallarm_wstore_ssl_ca_cert_file: null },
      remove_upstreams: ['wallarm_tarantool'],
      backup: true,
      validate: true,
    });
    expect(t[0]!.register).toBe('wallarm_connect_upstream');
    expect(t[1]).toMatchObject({ service: { name: 'nginx', state: 'restarted' }, when: 'wallarm_connect_upstream.changed' });
  });
  it('4.x: wallarm_tarantool names, nothing removed', () => {
    const t = expand(connect, { version: '4.10.5', servers: ['10.0.0.11:3313'] }, fleet);
    expect(t[0]!.nginx_upstream).toMatchObject({
      name: 'wallarm_tarantool',
      directive: 'wallarm_tarantool_upstream',
      directive_aliases: ['wallarm_wstore_upstream'],
      keepalive: 1,
      remove_upstreams: [],
    });
  });
  it('TLS on (6.2+): ssl=on and the CA / client files, TLS port', () => {
    const t = expand(
      connect,
      { version: '6.12.1', postanalytics_port: 6388, tls: { ca_cert_file: '/etc/wallarm/ca.crt', cert_file: '/etc/wallarm/c.crt', key_file: '/etc/wallarm/c.key' } },
      fleet,
    );
    expect(nginxUpstreamArgs.parse(t[0]!.nginx_upstream)).toMatchObject({
      servers: ['10.0.0.11:6388', '10.0.0.12:6388'],
      directive_args: ['ssl=on'],
      directives: { wallarm_wstore_ssl_ca_cert_file: '/etc/wallarm/ca.crt', wallarm_wstore_ssl_cert_file: '/etc/wallarm/c.crt', wallarm_wstore_ssl_key_file: '/etc/wallarm/c.key' },
    });
  });
  it('keepalive lower than the servers: schema error with explicit servers, fail task with group servers', () => {
    expect(issues(connect, { version: '6.12.1', servers: ['10.0.0.1:3313', '10.0.0.2:3313'], keepalive: 1 })[0]).toMatch(
      /^keepalive: keepalive \(1\) must not be lower than the number of servers \(2\)/,
    );
    const t = expand(connect, { version: '6.12.1', keepalive: 1 }, fleet);
    expect(modules(t)).toEqual(['fail']);
    expect(issues(connect, { version: '6.1.0', tls: { ca_cert_file: 'x' } })[0]).toMatch(/^tls: TLS to postanalytics needs Wallarm 6\.2/);
  });
  it('restart: false leaves NGINX alone', () => {
    expect(modules(expand(connect, { version: '6.12.1', restart: false }, fleet))).toEqual(['nginx_upstream']);
  });
});

describe('verify', () => {
  it('on a filtering node: the wallarm_verify check, then marks the node verified', () => {
    const t = expand(verify, { version: '4.10.5' }, fleet);
    expect(modules(t)).toEqual(['wallarm_verify', 'set_fact']);
    expect(wallarmVerifyArgs.parse(t[0]!.wallarm_verify)).toMatchObject({
      component: 'filtering',
      generation: 'tarantool',
      attack_url: 'http://localhost/etc/passwd',
      status_url: 'http://127.0.0.8/wallarm-status',
    });
    expect(t[1]!.set_fact).toEqual({ wallarm_verified: true });
  });
  it('auto picks postanalytics on hosts of the postanalytics group and checks the port', () => {
    const t = expand(verify, { postanalytics_port: 3300 }, { ...fleet, host: 'pa-1', vars: { wallarm_version: '6.12.1' } });
    expect(t[0]!.wallarm_verify).toMatchObject({ component: 'postanalytics', generation: 'wstore', listen_port: 3300 });
  });
});

describe('remove-old-node', () => {
  it('removes the old node and prints the Console step for the cloud', () => {
    const t = expand(remove, { cloud: 'US' }, expandCtx({ host: 'pa-old', facts: { hostname: 'pa-old.example' } }));
    expect(modules(t)).toEqual(['wallarm_remove', 'debug']);
    expect(t[0]!.wallarm_remove).toEqual({ kind: 'auto', package: 'wallarm-node-tarantool', service: 'wallarm-tarantool' });
    expect((t[1]!.debug as { msg: string }).msg).toMatch(/Wallarm Console → Nodes \(https:\/\/us1\.my\.wallarm\.com\/nodes\).*pa-old\.example.*Delete/);
  });
  it('blue/green guard: refuses unless every filtering node passed verify', () => {
    const notYet = expand(remove, { require_verified_group: 'filtering' }, { ...fleet, host: 'pa-old' });
    expect(modules(notYet)).toEqual(['fail']);
    expect((notYet[0]!.fail as { msg: string }).msg).toMatch(/verify has not passed on nginx-1, nginx-2/);
    const verified = expandCtx({ host: 'pa-old', groups: { filtering: ['nginx-1'] }, hostvars: { 'nginx-1': { wallarm_verified: true } } });
    expect(modules(expand(remove, { require_verified_group: 'filtering' }, verified))).toEqual(['wallarm_remove', 'debug']);
  });
});
