import { describe, expect, it } from 'vitest';
import {
  missingRequiredLib,
  planSeboolean,
  planSelinux,
  planSeport,
  sebooleanModule,
  selinuxModule,
  seportModule,
  type SelinuxProbe,
} from '../../../../src/modules/system/selinux.js';
import { result } from '../../../fixtures/modules/system/context.js';

const none: SelinuxProbe = { node: 'web1', python: '/usr/bin/python3', hasSelinux: false, hasSemanage: false };

describe('seboolean / selinux on hosts without SELinux', () => {
  it('parses the probe output', () => {
    const p = sebooleanModule.probes!({ name: 'x', state: true }, {} as never)[0]!;
    expect(p.parse(result('node=web1\npython=/usr/bin/python3\nselinux=1\nenabled=0\nsemanage=1\nseobject=0\n'))).toEqual({
      node: 'web1',
      python: '/usr/bin/python3',
      hasSelinux: true,
      hasSemanage: true,
      hasSeobject: false,
      enabled: false,
    });
  });

  it('no libselinux: missing_required_lib’s words, naming the host and its python', () => {
    const msg =
      "Failed to import the required Python library (libselinux-python) on web1's Python /usr/bin/python3. Please read the module documentation and install it in the appropriate location. If the required library is installed, but Ansible is using the wrong Python interpreter, please consult the documentation on ansible_python_interpreter";
    expect(missingRequiredLib('libselinux-python', none)).toBe(msg);
    expect(planSeboolean({ name: 'x', state: true }, none).failed).toBe(msg);
    expect(planSelinux({ state: 'disabled' }, none).failed).toBe(msg);
    expect(planSeboolean({ name: 'x', state: true }, { ...none, hasSelinux: true }).failed).toContain('(libsemanage-python or python3-libsemanage)');
  });

  it('SELinux disabled: seboolean says so unless ignore_selinux_state; an SELinux host is refused plainly', () => {
    const off = { ...none, hasSelinux: true, hasSemanage: true, enabled: false };
    expect(planSeboolean({ name: 'x', state: true }, off).failed).toBe('SELinux is disabled on this host.');
    expect(planSeboolean({ name: 'x', state: true, ignore_selinux_state: true }, off).failed).toMatch(/does not change SELinux hosts yet/);
    expect(planSelinux({ state: 'enforcing' }, { ...off, enabled: true }).failed).toMatch(/does not change SELinux hosts yet/);
  });

  it('arguments as the modules take them', () => {
    expect(sebooleanModule.args.safeParse({ name: 'x' }).success).toBe(false);
    expect(sebooleanModule.args.safeParse({ name: 'x', state: 'yes' }).success).toBe(true);
    expect(selinuxModule.args.safeParse({ state: 'off' }).success).toBe(false);
    expect(selinuxModule.args.safeParse({ state: 'disabled', conf: '/a', file: '/b' }).success).toBe(false);
    expect(selinuxModule.aliases).toContain('ansible.posix.selinux');
  });

  it('seport: libselinux, then seobject, then SELinux on, as community.general checks them; ports as text or a list', () => {
    const a = seportModule.args.parse({ ports: '9100, 9101', proto: 'tcp', setype: 'http_port_t' });
    expect(a).toMatchObject({ ports: ['9100', '9101'], state: 'present', reload: true, local: false });
    expect(seportModule.args.parse({ ports: [8080, '8081-8089'], proto: 'udp', setype: 't' }).ports).toEqual(['8080', '8081-8089']);
    expect(seportModule.args.safeParse({ ports: '1', proto: 'icmp', setype: 't' }).success).toBe(false);
    expect(planSeport(a, none).failed).toContain('(libselinux-python)');
    expect(planSeport(a, { ...none, hasSelinux: true }).failed).toContain('(policycoreutils-python)');
    expect(planSeport(a, { ...none, hasSelinux: true, hasSeobject: true, enabled: false }).failed).toBe('SELinux is disabled on this host.');
    expect(planSeport(a, { ...none, hasSelinux: true, hasSeobject: true, enabled: true }).failed).toMatch(/does not change SELinux hosts yet/);
  });
});
