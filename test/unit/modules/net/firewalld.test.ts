import { describe, it, expect } from 'vitest';
import { firewalldArgs, planFirewalld, type FirewalldState } from '../../../../src/modules/net/firewalld.js';

const args = (a: Record<string, unknown>) => firewalldArgs.parse({ state: 'enabled', ...a });
const st = (o: Partial<FirewalldState>): FirewalldState => ({ mode: 'online', zone: 'public', immediate: false, permanent: false, ...o });
const texts = (p: ReturnType<typeof planFirewalld>) => p.commands.map((c) => (c as { cmd: { text: string } }).cmd.text);

describe('firewalld (ansible.posix) plans', () => {
  it('permanent and immediate: both configurations changed, with the module’s message', () => {
    const p = planFirewalld(args({ service: 'https', permanent: true, immediate: true }), st({}), false);
    expect(p.changed).toBe(true);
    expect(texts(p)).toEqual(['firewall-cmd --permanent --zone=public --add-service=https', 'firewall-cmd --zone=public --add-service=https']);
    expect(p.msg).toBe('Permanent and Non-Permanent(immediate) operation, Changed service https to enabled');
  });

  it('neither permanent nor immediate means immediate; already on at runtime is ok with no command', () => {
    const p = planFirewalld(args({ port: '8443/tcp' }), st({ immediate: true }), false);
    expect(p.changed).toBe(false);
    expect(p.commands).toEqual([]);
    expect(p.msg).toBe('Non-permanent operation');
  });

  it('offline: permanent changes through firewall-offline-cmd; a service is removed with the zone form', () => {
    const add = planFirewalld(args({ source: '192.0.2.0/24', permanent: true }), st({ mode: 'offline' }), false);
    expect(texts(add)).toEqual(['firewall-offline-cmd --zone=public --add-source=192.0.2.0/24']);
    expect(add.msg).toBe('Permanent operation, Added 192.0.2.0/24 to zone public, (offline operation: only on-disk configs were altered)');
    const rm = planFirewalld(args({ service: 'https', permanent: true, state: 'disabled' }), st({ mode: 'offline', permanent: true }), false);
    expect(texts(rm)).toEqual(['firewall-offline-cmd --zone=public --remove-service-from-zone=https']);
  });

  it('offline refuses immediate actions, as the module does without a daemon', () => {
    const p = planFirewalld(args({ service: 'http' }), st({ mode: 'offline' }), false);
    expect(p.failed).toBe('firewall is not currently running, unable to perform immediate actions without a running firewall daemon');
  });

  it('masquerade: value no with state enabled removes it; check mode reports changed without msg or commands run', () => {
    const p = planFirewalld(args({ masquerade: 'no', permanent: true }), st({ permanent: true }), false);
    expect(texts(p)).toEqual(['firewall-cmd --permanent --zone=public --remove-masquerade']);
    expect(p.msg).toBe('Permanent operation, Removed masquerade from zone public');
    const chk = planFirewalld(args({ service: 'imaps', permanent: true }), st({}), true);
    expect(chk).toMatchObject({ changed: true, result: {} });
    expect(chk.msg).toBeUndefined();
  });

  it('bad input: a port without protocol, two items, source without permanent, a refused argument', () => {
    expect(planFirewalld(args({ port: '8080', permanent: true }), st({}), false).failed).toBe('improper port format (missing protocol?)');
    expect(firewalldArgs.safeParse({ state: 'enabled', service: 'a', port: '1/tcp' }).error?.issues[0]?.message).toBe(
      'parameters are mutually exclusive: service|port|source|masquerade',
    );
    expect(firewalldArgs.safeParse({ state: 'enabled', source: '10.0.0.0/8' }).error?.issues[0]?.message).toBe("missing parameter(s) required by 'source': permanent");
    expect(firewalldArgs.safeParse({ state: 'enabled', rich_rule: 'rule family=ipv4 accept' }).error?.issues[0]?.path).toEqual(['rich_rule']);
    expect(planFirewalld(args({ service: 'x', permanent: true }), st({ mode: 'none' }), false).failed).toMatch(/^Failed to import the required Python library \(firewall\)/);
  });
});
