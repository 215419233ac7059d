import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { nginxUpstreamModule, nginxUpstreamArgs, ensureUpstream, parseNginxProbe, type NginxFileState } from '../../../../src/modules/net/nginx-upstream.js';
import { ctx, cmds, ok } from './helpers.js';

const debian = readFileSync(new URL('./fixtures/debian-nginx.conf', import.meta.url), 'utf8');

/** What the stand-in filtering installer leaves (an upstream placeholder right after `http {`). */
const standin = `user www-data;
events { worker_connections 768; }
http {
    upstream wallarm_wstore {
        server 127.0.0.1:3313 max_fails=0 fail_timeout=0 max_conns=1;
        keepalive 1;
    }
    # wallarm_wstore_upstream wallarm_wstore;

    sendfile on;
    include /etc/nginx/conf.d/*.conf;
}
`;

/** What the connect-upstream role passes for Wallarm 6.x (the module itself knows no Wallarm name). */
const wallarm = (a: Record<string, unknown>) => ({
  name: 'wallarm_wstore',
  directive: 'wallarm_wstore_upstream',
  directive_aliases: ['wallarm_tarantool_upstream'],
  server_params: ['max_fails=0', 'fail_timeout=0', 'max_conns=1'],
  ...(Array.isArray(a.servers) ? { keepalive: a.servers.length } : {}),
  ...a,
});
const args = (a: Record<string, unknown>) => nginxUpstreamArgs.parse(a.action === 'restore' ? a : wallarm(a));
const two = ['10.0.0.11:3313', '10.0.0.12:3313'];
const file = (content: string, extra: Partial<NginxFileState> = {}): NginxFileState => ({ exists: true, mode: '0644', content, backupExists: false, ...extra });
const plan = (a: Record<string, unknown>, st: NginxFileState) => nginxUpstreamModule.plan(args(a), ctx({ file: st }));

describe('nginx_upstream edit', () => {
  it("adds the upstream and the directive inside http {} of Debian's nginx.conf, touching nothing else", () => {
    const out = ensureUpstream(debian, args({ servers: two }));
    expect(out).toContain(
      '\tupstream wallarm_wstore {\n' +
        '\t\tserver 10.0.0.11:3313 max_fails=0 fail_timeout=0 max_conns=1;\n' +
        '\t\tserver 10.0.0.12:3313 max_fails=0 fail_timeout=0 max_conns=1;\n\n' +
        '\t\tkeepalive 2;\n' +
        '\t}\n\n' +
        '\twallarm_wstore_upstream wallarm_wstore;\n}',
    );
    // Everything before the insertion point is byte-identical, and so is everything after http {}.
    const cut = debian.indexOf('\tinclude /etc/nginx/sites-enabled/*;') + '\tinclude /etc/nginx/sites-enabled/*;'.length;
    expect(out.startsWith(debian.slice(0, cut))).toBe(true);
    expect(out.endsWith(debian.slice(debian.indexOf('\n}\n\n\n#mail') + 2))).toBe(true);
  });

  it('replaces the placeholder servers and uncomments the shipped directive instead of adding a second one', () => {
    const out = ensureUpstream(standin, args({ servers: two }));
    expect(out).toBe(`user www-data;
events { worker_connections 768; }
http {
    upstream wallarm_wstore {
        server 10.0.0.11:3313 max_fails=0 fail_timeout=0 max_conns=1;
        server 10.0.0.12:3313 max_fails=0 fail_timeout=0 max_conns=1;
        keepalive 2;
    }
    wallarm_wstore_upstream wallarm_wstore;

    sendfile on;
    include /etc/nginx/conf.d/*.conf;
}
`);
  });

  it('is idempotent: a converged file plans no commands', () => {
    const once = ensureUpstream(standin, args({ servers: two }));
    expect(ensureUpstream(once, args({ servers: two }))).toBe(once);
    const p = plan({ servers: two }, file(once));
    expect(p.changed).toBe(false);
    expect(p.commands).toEqual([]);
  });

  it('keeps exactly one active directive when the file has duplicates, and fixes its args', () => {
    const dup = standin.replace('    # wallarm_wstore_upstream wallarm_wstore;\n', '    wallarm_wstore_upstream other;\n    wallarm_wstore_upstream wallarm_wstore;\n');
    const out = ensureUpstream(dup, args({ servers: two }));
    expect(out.match(/^\s*wallarm_wstore_upstream /gm)).toHaveLength(1);
    expect(out).toContain('    wallarm_wstore_upstream wallarm_wstore;\n');
  });

  it('turns TLS on (ssl=on, CA and mTLS files) and off again', () => {
    const tlsFiles = {
      wallarm_wstore_ssl_cert_file: '/etc/wallarm/client.crt',
      wallarm_wstore_ssl_key_file: '/etc/wallarm/client.key',
      wallarm_wstore_ssl_ca_cert_file: '/etc/wallarm/ca.crt',
    };
    const tls = ensureUpstream(standin, args({ servers: ['10.0.0.11:6388'], directive_args: ['ssl=on'], directives: tlsFiles }));
    expect(tls).toContain('    wallarm_wstore_upstream wallarm_wstore ssl=on;\n');
    expect(tls).toContain('    wallarm_wstore_ssl_cert_file /etc/wallarm/client.crt;\n');
    expect(tls).toContain('    wallarm_wstore_ssl_key_file /etc/wallarm/client.key;\n');
    expect(tls).toContain('    wallarm_wstore_ssl_ca_cert_file /etc/wallarm/ca.crt;\n');
    expect(ensureUpstream(tls, args({ servers: ['10.0.0.11:6388'], directive_args: ['ssl=on'], directives: tlsFiles }))).toBe(tls);
    const off = ensureUpstream(tls, args({ servers: ['10.0.0.11:3313'], directives: Object.fromEntries(Object.keys(tlsFiles).map((k) => [k, null])) }));
    expect(off).not.toMatch(/ssl/);
    expect(off).toContain('    wallarm_wstore_upstream wallarm_wstore;\n');
  });

  it('takes any upstream name and directive: no Wallarm name is built in', () => {
    const conf = 'http {\n    # acme_upstream old;\n    sendfile on;\n}\n';
    const out = ensureUpstream(
      conf,
      nginxUpstreamArgs.parse({ name: 'backend', servers: ['10.1.0.1:8080'], directive: 'acme_upstream', directives: { acme_timeout: ['5s', 'strict'] } }),
    );
    expect(out).toBe('http {\n    upstream backend {\n        server 10.1.0.1:8080;\n    }\n\n    acme_upstream backend;\n\n    acme_timeout 5s strict;\n    sendfile on;\n}\n');
    expect(out).not.toMatch(/wallarm|keepalive|max_conns/);
    // Without a directive only the block is kept; keepalive unset leaves an existing one as it is.
    const plain = ensureUpstream(
      'http {\n    upstream app {\n        server 10.1.0.9:80;\n        keepalive 16;\n    }\n}\n',
      nginxUpstreamArgs.parse({ name: 'app', servers: '10.1.0.1:80, 10.1.0.2:80' }),
    );
    expect(plain).toBe('http {\n    upstream app {\n        server 10.1.0.1:80;\n        server 10.1.0.2:80;\n        keepalive 16;\n    }\n}\n');
    expect(() => nginxUpstreamArgs.parse({ servers: ['10.1.0.1:80'] })).toThrow(/upstream name is required/);
    expect(() => nginxUpstreamArgs.parse({ name: 'app', servers: ['10.1.0.1:80'], directive: 'bad name' })).toThrow(/directive name/);
  });

  it('uses the 4.x names (wallarm_tarantool) when the role passes them', () => {
    const out = ensureUpstream(standin.replace(/wallarm_wstore/g, 'wallarm_tarantool'), args({ servers: two, name: 'wallarm_tarantool', directive: 'wallarm_tarantool_upstream' }));
    expect(out).toContain('    wallarm_tarantool_upstream wallarm_tarantool;\n');
    expect(out).toContain('server 10.0.0.12:3313 max_fails=0 fail_timeout=0 max_conns=1;');
  });

  it('on a 6.x switch renames the tarantool directive and removes the old upstream block', () => {
    const old = standin.replace(/wallarm_wstore/g, 'wallarm_tarantool').replace('# wallarm_tarantool_upstream', 'wallarm_tarantool_upstream');
    const out = ensureUpstream(old, args({ servers: two, remove_upstreams: ['wallarm_tarantool'] }));
    expect(out).not.toContain('wallarm_tarantool');
    expect(out).toContain('upstream wallarm_wstore {');
    expect(out.match(/wallarm_wstore_upstream wallarm_wstore;/g)).toHaveLength(1);
  });

  it('edits a conf.d file (no http block) at its top level', () => {
    const out = ensureUpstream('# wallarm\n', args({ servers: ['10.0.0.11:3313'] }));
    expect(out).toBe(
      '# wallarm\n\nupstream wallarm_wstore {\n    server 10.0.0.11:3313 max_fails=0 fail_timeout=0 max_conns=1;\n\n    keepalive 1;\n}\n\nwallarm_wstore_upstream wallarm_wstore;\n',
    );
  });

  it('rejects no servers and a server without a port', () => {
    expect(() => args({ servers: [] })).toThrow(/at least one/);
    expect(() => args({ servers: ['10.0.0.1'] })).toThrow(/HOST:PORT/);
  });
});

describe('nginx_upstream plan', () => {
  it('backs up, writes (keeping the mode), validates with nginx -t and restores on failure', () => {
    const p = plan({ servers: two }, file(standin, { mode: '0640' }));
    expect(p.changed).toBe(true);
    const c = cmds(p);
    expect(c[0]).toBe('cp -p -- /etc/nginx/nginx.conf /etc/nginx/nginx.conf.tsplay-backup');
    expect(c[1]).toBe('put /etc/nginx/nginx.conf');
    expect(p.commands[1]).toMatchObject({ kind: 'put', mode: '0640' });
    expect(c[2]).toContain('nginx -t');
    expect(c[2]).toContain('cp -p -- /etc/nginx/nginx.conf.tsplay-backup /etc/nginx/nginx.conf');
    expect(p.commands[2]).toMatchObject({ kind: 'shell', mayFail: true });
    expect(p.diff?.[0]).toMatchObject({ path: '/etc/nginx/nginx.conf', before: standin });
    expect(p.result?.backup_file).toBe('/etc/nginx/nginx.conf.tsplay-backup');

    const bad = p.interpret!([
      ok(''),
      ok(
        'nginx: [emerg] unknown directive "wallarm_wstore_upstream" in /etc/nginx/nginx.conf:9\nnginx: configuration file /etc/nginx/nginx.conf test failed\n@@tsplay-validate rc=1\n',
      ),
    ]);
    expect(bad.failed).toMatch(/NGINX rejected the new configuration \(\/etc\/nginx\/nginx.conf was restored from \/etc\/nginx\/nginx.conf.tsplay-backup\)/);
    expect(bad.failed).toContain('unknown directive "wallarm_wstore_upstream"');
    const good = p.interpret!([ok(''), ok('nginx: configuration file /etc/nginx/nginx.conf test is successful\n@@tsplay-validate rc=0\n')]);
    expect(good).toMatchObject({ changed: true });
    expect(good.failed).toBeUndefined();
  });

  it('fails clearly on a missing file or one it cannot parse', () => {
    expect(plan({ servers: two }, { exists: false, content: '', backupExists: false }).failed).toMatch(/does not exist/);
    expect(plan({ servers: two }, file('http {\n')).failed).toMatch(/cannot parse \/etc\/nginx\/nginx.conf: line 2/);
  });

  it('creates a new conf.d file when asked and removes it again if nginx -t fails', () => {
    const p = plan({ servers: two, create: true, path: '/etc/nginx/conf.d/wallarm-upstream.conf' }, { exists: false, content: '', backupExists: false });
    expect(cmds(p)[0]).toBe('put /etc/nginx/conf.d/wallarm-upstream.conf');
    expect(cmds(p)[1]).toContain('rm -f -- /etc/nginx/conf.d/wallarm-upstream.conf');
  });

  it('restore: copies the backup back, no-op when already equal, error without a backup', () => {
    const r = plan({ action: 'restore' }, file('new', { backupExists: true, backupContent: 'old' }));
    expect(cmds(r)[0]).toBe('cp -p -- /etc/nginx/nginx.conf.tsplay-backup /etc/nginx/nginx.conf');
    expect(r.diff?.[0]).toMatchObject({ before: 'new', after: 'old' });
    expect(plan({ action: 'restore' }, file('same', { backupExists: true, backupContent: 'same' }))).toMatchObject({ changed: false, commands: [] });
    expect(plan({ action: 'restore' }, file('x')).failed).toMatch(/no backup to restore/);
  });

  it('reads the probe output (file with mode, backup, trailing newlines kept)', () => {
    expect(parseNginxProbe('@@tsplay-file@@ present 644\nhttp {}\n\n@@tsplay-backup@@\nold\n@@tsplay-end@@\n')).toEqual({
      exists: true,
      mode: '0644',
      content: 'http {}\n\n',
      backupExists: true,
      backupContent: 'old\n',
    });
    expect(parseNginxProbe('@@tsplay-file@@ absent\n@@tsplay-end@@\n')).toMatchObject({ exists: false, backupExists: false });
  });
});
