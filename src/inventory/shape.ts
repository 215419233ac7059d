import { z } from 'zod';
import { CONNECTION_VARS } from './connection.js';

/**
 * The shape of Ansible's YAML inventory (plugins/inventory/yaml.py) as zod, for the editor schema
 * (`tsplay schema inventory`): groups with hosts, vars and children, nested. The reader in yaml.ts
 * gives the errors with their positions; this says the same rules for completion and hover.
 */

const ABOUT: Record<keyof typeof CONNECTION_VARS, string> = {
  address: 'the address to connect to (default: the host name)',
  port: 'the SSH port',
  user: 'the user to connect as',
  identity_file: 'the private key file',
  password: 'the SSH password (a secret: use a vault)',
  connection: 'how to reach the host: ssh (paramiko, smart) or local',
  become: 'run tasks as another user',
  become_user: 'the user to become (default root)',
  become_password: 'the become (sudo) password (a secret: use a vault)',
  become_method: 'how to become the user: sudo or su',
  become_flags: 'extra flags for the become method',
  become_exe: 'the become program to run',
  host_key_checking: 'check the host key against known_hosts',
  known_hosts_file: 'the known_hosts file tsplay checks host keys against',
  ssh_config_file: 'an ssh_config file to read host settings from',
  proxy_jump: 'a jump host (user@host:port) to connect through',
  connect_timeout: 'seconds to wait for the connection',
  command_timeout: 'seconds a command may run',
  max_channels: 'at most this many SSH channels at once to the host',
};

const connectionVars = Object.fromEntries(
  (Object.keys(CONNECTION_VARS) as Array<keyof typeof CONNECTION_VARS>).flatMap((k) => CONNECTION_VARS[k].map((name) => [name, z.unknown().describe(ABOUT[k]).optional()])),
);

/** A host's (or a group's) variables: any names; the connection variables described. */
export const inventoryVarsSchema = z.looseObject(connectionVars).describe('variables: name: value');

/** One group: hosts, vars and children (nested groups), each optional. */
export interface InventoryGroupShape {
  hosts?: string | Record<string, Record<string, unknown> | null> | null;
  vars?: Record<string, unknown> | null;
  children?: string | Record<string, InventoryGroupShape | null> | null;
}

export const inventoryGroupSchema: z.ZodType<InventoryGroupShape> = z.lazy(() =>
  z
    .object({
      hosts: z
        .union([z.string(), z.record(z.string(), z.union([inventoryVarsSchema, z.null()])), z.null()])
        .describe('the hosts of the group: `web1:` per host (ranges like web[01:03]), each with its variables or nothing')
        .optional(),
      vars: z.union([inventoryVarsSchema, z.null()]).describe('variables of every host in the group').optional(),
      children: z
        .union([z.string(), z.record(z.string(), z.union([inventoryGroupSchema, z.null()])), z.null()])
        .describe('groups inside this group')
        .optional(),
    })
    .strict()
    .describe('a group: hosts, vars and children'),
);

/** A YAML inventory: group names (`all:` first) to groups. */
export const yamlInventorySchema = z
  .record(z.string().regex(/^(?!plugin$)/, { error: 'inventory plugin configurations (plugin: ...) are not supported' }), z.union([inventoryGroupSchema, z.null()]))
  .describe('an inventory: groups (start with all:) with hosts, vars and children');
