import { describe, expect, it } from 'vitest';
import { parseProxyJump, resolveTarget } from '../../../src/executors/ssh-config.js';
import type { ConnectionSpec } from '../../../src/executors/types.js';

const env = (configText: string) => ({ home: '/home/me', localUser: 'me', configText });
const spec = (o: Partial<ConnectionSpec> = {}): ConnectionSpec => ({ host: 'web1', connection: 'ssh', address: 'web1', ...o });

const CONFIG = `
Host web*
  HostName %h.internal.example
  User deploy
  IdentityFile ~/.ssh/deploy_ed25519
  ProxyJump bastion

Host bastion
  HostName 203.0.113.5
  Port 2200
  User jump
  IdentityFile %d/.ssh/jump_key

Host *
  IdentityFile ~/.ssh/id_work
  UserKnownHostsFile ~/.ssh/known_hosts_work
  ConnectTimeout 7
  ServerAliveInterval 30
`;

describe('resolveTarget with ~/.ssh/config', () => {
  it('applies HostName (%h), User, IdentityFile (~ and %d expanded), ProxyJump and defaults', () => {
    const t = resolveTarget(spec(), env(CONFIG));
    expect(t.address).toBe('web1.internal.example');
    expect(t.port).toBe(22);
    expect(t.user).toBe('deploy');
    expect(t.identityFiles).toEqual([
      { path: '/home/me/.ssh/deploy_ed25519', explicit: true },
      { path: '/home/me/.ssh/id_work', explicit: true },
    ]);
    expect(t.knownHostsFile).toBe('/home/me/.ssh/known_hosts_work');
    expect(t.connectTimeoutMs).toBe(7000);
    expect(t.keepaliveIntervalMs).toBe(30000);
    expect(t.jumps).toEqual([
      {
        label: 'bastion',
        address: '203.0.113.5',
        port: 2200,
        user: 'jump',
        identityFiles: [
          { path: '/home/me/.ssh/jump_key', explicit: true },
          { path: '/home/me/.ssh/id_work', explicit: true },
        ],
      },
    ]);
  });

  it('inventory values win over ssh config (port, user, key first, proxy_jump, known_hosts)', () => {
    const t = resolveTarget(spec({ port: 2222, user: 'ops', identityFile: '~/keys/ops', proxyJump: 'none', knownHostsFile: '/tmp/kh', connectTimeoutMs: 1000 }), env(CONFIG));
    expect(t.port).toBe(2222);
    expect(t.user).toBe('ops');
    expect(t.identityFiles[0]).toEqual({ path: '/home/me/keys/ops', explicit: true });
    expect(t.jumps).toEqual([]);
    expect(t.knownHostsFile).toBe('/tmp/kh');
    const viaJump = resolveTarget(spec({ identityFile: '~/keys/ops', proxyJump: 'ops@gw:2022' }), env(''));
    expect(viaJump.jumps).toEqual([{ label: 'ops@gw:2022', address: 'gw', port: 2022, user: 'ops', identityFiles: [{ path: '/home/me/keys/ops', explicit: true }] }]);
    expect(t.connectTimeoutMs).toBe(1000);
  });

  it('without any config: local user, port 22, OpenSSH default key files, ~/.ssh/known_hosts', () => {
    const t = resolveTarget(spec({ address: '10.1.2.3' }), env(''));
    expect(t.address).toBe('10.1.2.3');
    expect(t.user).toBe('me');
    expect(t.port).toBe(22);
    expect(t.identityFiles.map((i) => i.path)).toEqual(['/home/me/.ssh/id_ed25519', '/home/me/.ssh/id_ecdsa', '/home/me/.ssh/id_rsa']);
    expect(t.identityFiles.every((i) => !i.explicit)).toBe(true);
    expect(t.knownHostsFile).toBe('/home/me/.ssh/known_hosts');
    expect(t.jumps).toEqual([]);
  });

  it('a bad Port in ssh config is a clear error', () => {
    expect(() => resolveTarget(spec(), env('Host *\n  Port seventy\n'))).toThrow(/port "seventy"/);
  });

  it('does not run `Match exec` commands from the config', () => {
    const t = resolveTarget(spec(), env('Match exec "touch /tmp/tsplay-should-not-exist"\n  User evil\n'));
    expect(t.user).toBe('me');
  });
});

describe('parseProxyJump', () => {
  it('parses user@host:port hops, bracketed IPv6 and chains', () => {
    expect(parseProxyJump('a@b:2200,c,[::1]:22,d@[fe80::1]')).toEqual([
      { label: 'a@b:2200', host: 'b', user: 'a', port: 2200 },
      { label: 'c', host: 'c' },
      { label: '[::1]:22', host: '::1', port: 22 },
      { label: 'd@[fe80::1]', host: 'fe80::1', user: 'd' },
    ]);
  });
  it('"none" and empty mean no jump', () => {
    expect(parseProxyJump('none')).toEqual([]);
    expect(parseProxyJump(undefined)).toEqual([]);
  });
});
