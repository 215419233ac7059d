import { stringifyYaml } from '../loader/yaml.js';

/** One started target. */
export interface LabHost {
  /** Inventory host name. */
  name: string;
  /** Docker container name. */
  container: string;
  /** Recipe name (`debian-12`, …). */
  image: string;
  /** Container IP on the lab network (what the inventory uses). */
  address: string;
  port: number;
  user: string;
}

export interface LabInventoryOptions {
  keyPath: string;
  knownHostsPath: string;
  /** Name of the group holding every host. */
  group: string;
  comment?: string;
}

/** Inventory group name for an image: `debian-12` → `debian_12`. */
export function imageGroup(image: string): string {
  return image.replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * Inventory object (Ansible YAML layout and connection variable names) for lab hosts: every host
 * in `group` and in a group per image; key auth as root; `accept-new` host keys into a lab-local file.
 */
export function labInventory(hosts: LabHost[], o: LabInventoryOptions): Record<string, unknown> {
  const byImage: Record<string, { hosts: Record<string, null> }> = {};
  for (const h of hosts) (byImage[imageGroup(h.image)] ??= { hosts: {} }).hosts[h.name] = null;
  const all: Record<string, unknown> = {
    vars: {
      ansible_user: hosts[0]?.user ?? 'root',
      ansible_ssh_private_key_file: o.keyPath,
      tsplay_host_key_checking: 'accept-new',
      tsplay_known_hosts_file: o.knownHostsPath,
    },
    children: {
      [o.group]: {
        hosts: Object.fromEntries(hosts.map((h) => [h.name, { ansible_host: h.address, ansible_port: h.port, lab_image: h.image, lab_container: h.container }])),
      },
      ...byImage,
    },
  };
  return { all };
}

export function labInventoryYaml(hosts: LabHost[], o: LabInventoryOptions): string {
  const head = (o.comment ?? 'Written by the tsplay lab')
    .split('\n')
    .map((l) => `# ${l}`)
    .join('\n');
  return `${head}\n${stringifyYaml(labInventory(hosts, o))}`;
}
