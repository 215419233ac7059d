import { describe, it, expect } from 'vitest';
import { firewalldArgs, firewalldModule, parseProbe, planFirewalld, type FirewalldState } from '../../../../src/modules/net/firewalld.js';

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

  it('bad input: a port without protocol, two items, source without permanent, no firewalld at all', () => {
    expect(planFirewalld(args({ port: '8080', permanent: true }), st({}), false).failed).toBe('improper port format (missing protocol?)');
    expect(firewalldArgs.safeParse({ state: 'enabled', service: 'a', port: '1/tcp' }).error?.issues[0]?.message).toBe(
      'parameters are mutually exclusive: icmp_block|icmp_block_inversion|service|protocol|port|port_forward|rich_rule|interface|masquerade|source|target',
    );
    expect(firewalldArgs.safeParse({ state: 'enabled', source: '10.0.0.0/8' }).error?.issues[0]?.message).toBe("missing parameter(s) required by 'source': permanent");
    expect(planFirewalld(args({ service: 'x', permanent: true }), parseProbe('mode=none\nnode=web1\npython=/usr/bin/python3\n'), false).failed).toBe(
      "Failed to import the required Python library (firewall) on web1's Python /usr/bin/python3. Please read the module documentation and install it in the appropriate location. If the required library is installed, but Ansible is using the wrong Python interpreter, please consult the documentation on ansible_python_interpreter. Version 0.2.11 or newer required (0.3.9 or newer for offline operations)",
    );
  });
});

describe('firewalld (ansible.posix): the other arguments', () => {
  const off = (o: Partial<FirewalldState> = {}) => st({ mode: 'offline', ...o });

  it('rich_rule: the raw rule in the message, offline add and remove; firewalld normalises on query', () => {
    const rule = 'rule family="ipv4" source address="192.0.2.0/24" accept';
    const p = planFirewalld(args({ rich_rule: rule, permanent: true }), off(), false);
    expect(texts(p)).toEqual([`firewall-offline-cmd --zone=public '--add-rich-rule=${rule}'`]);
    expect(p.msg).toBe(`Permanent operation, Changed rich_rule ${rule} to enabled, (offline operation: only on-disk configs were altered)`);
    const again = planFirewalld(args({ rich_rule: rule, permanent: true }), off({ permanent: true }), false);
    expect(again).toMatchObject({ changed: false, commands: [] });
    expect(again.msg).toBe('Permanent operation, (offline operation: only on-disk configs were altered)');
    const rm = planFirewalld(args({ rich_rule: rule, permanent: true, immediate: true, state: 'disabled' }), st({ permanent: true }), false);
    expect(texts(rm)).toEqual([`firewall-cmd --permanent --zone=public '--remove-rich-rule=${rule}'`]);
    expect(rm.msg).toBe(`Permanent and Non-Permanent(immediate) operation, Changed rich_rule ${rule} to disabled`);
  });

  it('a query error (an invalid rich rule) fails as the module’s action_handler does', () => {
    const p = planFirewalld(args({ rich_rule: 'rule bogus', permanent: true }), off({ permanentError: 'INVALID_RULE: unknown element bogus' }), false);
    expect(p.failed).toBe('ERROR: Exception caught: INVALID_RULE: unknown element bogus');
    expect(parseProbe('mode=offline\nzone=public\nperm.err=Error: INVALID_RULE: unknown element bogus \n').permanentError).toBe('INVALID_RULE: unknown element bogus');
  });

  it('a failed change is reported with the messages so far (and the services hint)', () => {
    const p = planFirewalld(args({ service: 'nope', permanent: true }), off(), false);
    const out = p.interpret!([{ rc: 101, stdout: '', stderr: "Error: INVALID_SERVICE: 'nope' not among existing services\n", durationMs: 0 }]);
    expect(out.failed).toBe(
      "ERROR: Exception caught: INVALID_SERVICE: 'nope' not among existing services Permanent operation, Services are defined by port/tcp relationship and named as they are in /etc/services (on most systems)",
    );
    expect(p.interpret!([{ rc: 0, stdout: '', stderr: '', durationMs: 0 }])).toMatchObject({ changed: true, msg: p.msg });
  });

  it('immediate add with a timeout for timed items (protocol, icmp_block, port_forward)', () => {
    const p = planFirewalld(args({ protocol: 'gre', timeout: 30 }), st({}), false);
    expect(texts(p)).toEqual(['firewall-cmd --zone=public --add-protocol=gre --timeout=30']);
    expect(p.msg).toBe('Non-permanent operation, Changed protocol gre to enabled');
    const ib = planFirewalld(args({ icmp_block: 'echo-request', permanent: true }), st({}), false);
    expect(ib.msg).toBe('Permanent operation, Changed icmp-block echo-request to enabled');
    const fw = planFirewalld(args({ port_forward: [{ port: 8080, proto: 'tcp', toport: 80 }], immediate: true, permanent: true, timeout: 5 }), st({ permanent: true }), false);
    expect(texts(fw)).toEqual(['firewall-cmd --zone=public --add-forward-port=port=8080:proto=tcp:toport=80 --timeout=5']);
    expect(fw.msg).toBe('Permanent and Non-Permanent(immediate) operation, Changed port_forward port=8080:proto=tcp:toport=80:toaddr= to enabled');
  });

  it('port_forward: toaddr in the query and the message; one at a time; port, proto and toport required', () => {
    const p = planFirewalld(args({ port_forward: [{ port: '2222', proto: 'tcp', toport: '22', toaddr: '192.0.2.1' }], permanent: true }), off(), false);
    expect(texts(p)).toEqual(['firewall-offline-cmd --zone=public --add-forward-port=port=2222:proto=tcp:toport=22:toaddr=192.0.2.1']);
    expect(p.msg).toMatch(/Changed port_forward port=2222:proto=tcp:toport=22:toaddr=192.0.2.1 to enabled/);
    const text = planFirewalld(args({ port_forward: ['port=80, proto=tcp, toport=8080'], permanent: true }), off(), false);
    expect(texts(text)).toEqual(['firewall-offline-cmd --zone=public --add-forward-port=port=80:proto=tcp:toport=8080']);
    expect(firewalldArgs.safeParse({ state: 'enabled', port_forward: ['80 to 8080'] }).error?.issues[0]?.message).toMatch(
      /^Elements value for option 'port_forward' is of type .* and we were unable to convert to dict: dictionary requested, could not parse JSON or key=value/,
    );
    const two = [
      { port: 1, proto: 'tcp', toport: 2 },
      { port: 3, proto: 'tcp', toport: 4 },
    ];
    expect(planFirewalld(args({ port_forward: two, permanent: true }), off(), false).failed).toBe('Only one port forward supported at a time');
    expect(planFirewalld(args({ port_forward: [{ proto: 'tcp', toport: 2 }], permanent: true }), off(), false).failed).toBe('port must be specified for port forward');
    expect(planFirewalld(args({ port_forward: [{ port: 1, toport: 2 }], permanent: true }), off(), false).failed).toBe('proto udp/tcp must be specified for port forward');
    expect(planFirewalld(args({ port_forward: [{ port: 1, proto: 'tcp' }], permanent: true }), off(), false).failed).toBe('toport must be specified for port forward');
  });

  it('icmp_block_inversion: the value decides with the state; a YAML true shows as True; another value warns', () => {
    const p = planFirewalld(args({ icmp_block_inversion: true, zone: 'drop', permanent: true }), off({ zone: 'drop' }), false);
    expect(texts(p)).toEqual(['firewall-offline-cmd --zone=drop --add-icmp-block-inversion']);
    expect(p.msg).toBe('Permanent operation, Changed icmp-block-inversion True to enabled, (offline operation: only on-disk configs were altered)');
    const no = planFirewalld(args({ icmp_block_inversion: 'no', permanent: true }), off({ permanent: true }), false);
    expect(texts(no)).toEqual(['firewall-offline-cmd --zone=public --remove-icmp-block-inversion']);
    expect(no.msg).toMatch(/Changed icmp-block-inversion no to enabled/);
    const odd = planFirewalld(args({ icmp_block_inversion: 'maybe', permanent: true }), off(), false);
    expect(odd.warnings?.[0]).toMatch(/^The value of the icmp_block_inversion option is "maybe"\./);
    expect(odd.result?.warnings).toEqual(odd.warnings);
    expect(texts(odd)).toEqual(['firewall-offline-cmd --zone=public --add-icmp-block-inversion']);
  });

  it('interface: enabling moves it to the zone (--change-interface), disabling removes it, with the module’s messages', () => {
    const p = planFirewalld(args({ interface: 'eth2', zone: 'trusted', permanent: true, immediate: true }), st({ zone: 'trusted' }), false);
    expect(texts(p)).toEqual(['firewall-cmd --permanent --zone=trusted --change-interface=eth2', 'firewall-cmd --zone=trusted --change-interface=eth2']);
    expect(p.msg).toBe('Permanent and Non-Permanent(immediate) operation, Changed eth2 to zone trusted');
    const rm = planFirewalld(args({ interface: 'eth2', zone: 'trusted', permanent: true, state: 'disabled' }), off({ zone: 'trusted', permanent: true }), false);
    expect(texts(rm)).toEqual(['firewall-offline-cmd --zone=trusted --remove-interface=eth2']);
    expect(rm.msg).toBe('Permanent operation, Removed eth2 from zone trusted, (offline operation: only on-disk configs were altered)');
  });

  it('target: present sets it, absent resets a matching target to default, runtime refused', () => {
    const p = planFirewalld(args({ target: 'ACCEPT', zone: 'internal', permanent: true, state: 'present' }), off({ zone: 'internal', target: 'default' }), false);
    expect(texts(p)).toEqual(['firewall-offline-cmd --zone=internal --set-target=ACCEPT']);
    expect(p.msg).toBe('Permanent operation, Set zone internal target to ACCEPT, (offline operation: only on-disk configs were altered)');
    expect(planFirewalld(args({ target: 'ACCEPT', zone: 'internal', permanent: true, state: 'present' }), off({ zone: 'internal', target: 'ACCEPT' }), false).changed).toBe(false);
    const reset = planFirewalld(args({ target: 'ACCEPT', zone: 'internal', permanent: true, state: 'absent' }), st({ zone: 'internal', target: 'ACCEPT' }), false);
    expect(texts(reset)).toEqual(['firewall-cmd --permanent --zone=internal --set-target=default']);
    expect(reset.msg).toBe('Permanent operation, Reset zone internal target to default');
    expect(planFirewalld(args({ target: 'ACCEPT', zone: 'internal', permanent: true, state: 'absent' }), st({ zone: 'internal', target: 'DROP' }), false).changed).toBe(false);
    expect(planFirewalld(args({ target: 'DROP', zone: 'internal', state: 'present' }), st({ zone: 'internal', target: 'default' }), false).failed).toBe(
      "Zone operations must be permanent. Make sure you didn't set the 'permanent' flag to 'false' or the 'immediate' flag to 'true'.",
    );
  });

  it('zone present/absent: permanent only, created or deleted, the module’s messages; check mode', () => {
    const p = planFirewalld(args({ zone: 'custom', permanent: true, state: 'present' }), off({ zone: 'custom', zones: ['public', 'work'] }), false);
    expect(texts(p)).toEqual(['firewall-offline-cmd --new-zone=custom']);
    expect(p.msg).toBe('Permanent operation, Added zone custom, Changed zone custom to present, (offline operation: only on-disk configs were altered)');
    const del = planFirewalld(args({ zone: 'custom', permanent: true, state: 'absent' }), st({ zone: 'custom', zones: ['custom', 'public'] }), false);
    expect(texts(del)).toEqual(['firewall-cmd --permanent --delete-zone=custom']);
    expect(del.msg).toBe('Permanent operation, Removed zone custom, Changed zone custom to absent');
    expect(planFirewalld(args({ zone: 'custom', permanent: true, state: 'absent' }), st({ zone: 'custom', zones: ['public'] }), false)).toMatchObject({
      changed: false,
      commands: [],
    });
    expect(planFirewalld(args({ zone: 'custom', permanent: true, state: 'absent' }), st({ zone: 'custom', zones: ['custom'] }), true)).toMatchObject({
      changed: true,
      commands: [],
      result: {},
    });
    expect(planFirewalld(args({ zone: 'custom', permanent: true, immediate: true, state: 'present' }), st({ zone: 'custom', zones: [] }), false).failed).toMatch(
      /^Zone operations must be permanent\./,
    );
    expect(planFirewalld(args({ zone: 'custom', state: 'present' }), off({ zone: 'custom' }), false).failed).toBe(
      'firewall is not currently running, unable to perform immediate actions without a running firewall daemon',
    );
    const nothing = planFirewalld(args({ zone: 'public', permanent: true }), off(), false);
    expect(nothing).toMatchObject({ changed: false, commands: [], msg: '(offline operation: only on-disk configs were altered)' });
  });

  it('bad input: the full exclusive list, required_by interface/target, target choices, present with an item', () => {
    expect(firewalldArgs.safeParse({ state: 'enabled', rich_rule: 'x', interface: 'eth0', zone: 'z' }).error?.issues[0]?.message).toBe(
      'parameters are mutually exclusive: icmp_block|icmp_block_inversion|service|protocol|port|port_forward|rich_rule|interface|masquerade|source|target',
    );
    expect(firewalldArgs.safeParse({ state: 'enabled', service: 'ssh', port: null }).error?.issues[0]?.message).toMatch(/^parameters are mutually exclusive: /);
    expect(firewalldArgs.safeParse({ state: 'enabled', interface: 'eth0' }).error?.issues[0]?.message).toBe("missing parameter(s) required by 'interface': zone");
    expect(firewalldArgs.safeParse({ state: 'present', target: 'DROP' }).error?.issues[0]?.message).toBe("missing parameter(s) required by 'target': zone");
    expect(firewalldArgs.safeParse({ state: 'present', target: 'REJECT', zone: 'z' }).error?.issues[0]?.message).toBe(
      'value of target must be one of: default, ACCEPT, DROP, %%REJECT%%, got: REJECT',
    );
    expect(planFirewalld(args({ protocol: 'gre', permanent: true, state: 'present' }), off(), false).failed).toBe(
      'absent and present state can only be used in zone level operations',
    );
  });

  it('the probe quotes a hostile rich rule as one word', () => {
    const probe = firewalldModule.probes!(args({ rich_rule: "rule family='ipv4' $(reboot) accept", permanent: true }), {} as never)[0]!;
    expect(probe.cmd.text).toContain(`q='--query-rich-rule=rule family='"'"'ipv4'"'"' $(reboot) accept'`);
  });
});

describe('firewalld (ansible.posix): offline interface in several zone files', () => {
  it('moving an interface that sits in two zone files fails as the module does; check mode still says changed', () => {
    const seen = parseProbe("mode=offline\nzone=public\nifzones=internal trusted  (ERROR: interface 'eth7' is in 2 zone XML files, can be only in one) no zone \n");
    expect(seen.interfaceZones).toBe(2);
    const a = args({ interface: 'eth7', zone: 'public', permanent: true });
    expect(planFirewalld(a, seen, false).failed).toBe('ERROR: interface eth7 is in 2 zone XML file, can only be in one');
    expect(planFirewalld(a, seen, true)).toMatchObject({ changed: true, result: {} });
    expect(parseProbe('mode=offline\nzone=public\nifzones=trusted \n').interfaceZones).toBe(1);
    expect(planFirewalld(a, { ...seen, interfaceZones: 1 }, false).commands.length).toBe(1);
  });
});

describe('firewalld (ansible.posix): errors through D-Bus', () => {
  it('online, an unknown service is not a query error (the module looks it up in the list) but fails on the change, under its D-Bus name', () => {
    const p = planFirewalld(args({ service: 'no-such-service' }), st({ immediateError: 'INVALID_SERVICE: no-such-service' }), false);
    expect(texts(p)).toEqual(['firewall-cmd --zone=public --add-service=no-such-service']);
    expect(p.interpret!([{ rc: 101, stdout: '', stderr: 'Error: INVALID_SERVICE: no-such-service\n', durationMs: 0 }]).failed).toBe(
      'ERROR: Exception caught: org.fedoraproject.FirewallD1.Exception: INVALID_SERVICE: no-such-service Non-permanent operation, Services are defined by port/tcp relationship and named as they are in /etc/services (on most systems)',
    );
    expect(planFirewalld(args({ service: 'ssh', zone: 'nope' }), st({ zone: 'nope', immediateError: 'INVALID_ZONE: nope' }), false).failed).toBe(
      'ERROR: Exception caught: org.fedoraproject.FirewallD1.Exception: INVALID_ZONE: nope',
    );
  });
});
