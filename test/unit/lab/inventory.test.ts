import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { imageGroup, labInventory, labInventoryYaml, type LabHost } from '../../../src/lab/inventory.js';

const hosts: LabHost[] = [
  { name: 'lab-1', container: 'tsplay-lab-1', image: 'debian-12', address: '172.20.0.2', port: 22, user: 'root' },
  { name: 'lab-2', container: 'tsplay-lab-2', image: 'rpmfamily-debian12', address: '172.20.0.3', port: 22, user: 'root' },
];
const opts = { keyPath: '/s/id_ed25519', knownHostsPath: '/s/known_hosts', group: 'lab' };

describe('lab inventory', () => {
  it('puts every host in the lab group with its container address, and one group per image', () => {
    const inv = labInventory(hosts, opts) as { all: { vars: object; children: Record<string, { hosts: Record<string, unknown> }> } };
    expect(inv.all.vars).toEqual({
      ansible_user: 'root',
      ansible_ssh_private_key_file: '/s/id_ed25519',
      tsplay_host_key_checking: 'accept-new',
      tsplay_known_hosts_file: '/s/known_hosts',
    });
    expect(inv.all.children['lab']!.hosts['lab-2']).toEqual({ ansible_host: '172.20.0.3', ansible_port: 22, lab_image: 'rpmfamily-debian12', lab_container: 'tsplay-lab-2' });
    expect(Object.keys(inv.all.children['debian_12']!.hosts)).toEqual(['lab-1']);
    expect(Object.keys(inv.all.children['rpmfamily_debian12']!.hosts)).toEqual(['lab-2']);
  });

  it('writes YAML that parses back to the same object, under a comment header', () => {
    const text = labInventoryYaml(hosts, { ...opts, comment: 'line one\nline two' });
    expect(text.startsWith('# line one\n# line two\n')).toBe(true);
    expect(YAML.parse(text)).toEqual(labInventory(hosts, opts));
  });

  it('turns image names into valid group names', () => {
    expect(imageGroup('ubuntu-22.04')).toBe('ubuntu_22_04');
  });
});
