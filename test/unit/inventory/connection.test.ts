import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { connectionSpecFor } from '../../../src/inventory/index.js';
import { errorOf } from './helpers.js';

describe('connectionSpecFor', () => {
  it('defaults: ssh to the inventory name', () => {
    expect(connectionSpecFor('web1', {})).toEqual({ host: 'web1', connection: 'ssh', address: 'web1' });
  });

  it('reads tsplay names', () => {
    expect(
      connectionSpecFor('web1', {
        address: '10.0.0.1',
        port: 2222,
        user: 'deploy',
        identity_file: '/keys/id',
        password: 'pw',
        connection: 'ssh',
        become: true,
        become_user: 'app',
        become_password: 'bpw',
        host_key_checking: 'strict',
        known_hosts_file: '/kh',
        proxy_jump: 'bastion',
        connect_timeout: 7,
      }),
    ).toEqual({
      host: 'web1',
      connection: 'ssh',
      address: '10.0.0.1',
      port: 2222,
      user: 'deploy',
      identityFile: '/keys/id',
      password: 'pw',
      become: true,
      becomeUser: 'app',
      becomePassword: 'bpw',
      hostKeyChecking: 'strict',
      knownHostsFile: '/kh',
      proxyJump: 'bastion',
      connectTimeoutMs: 7000,
    });
  });

  it('reads the Ansible names as aliases (values as an INI inventory gives them)', () => {
    expect(
      connectionSpecFor('web1', {
        ansible_host: '10.0.0.2',
        ansible_port: '2200',
        ansible_ssh_user: 'ubuntu',
        ansible_ssh_private_key_file: '~/.ssh/id_ed25519',
        ansible_ssh_pass: 'pw',
        ansible_connection: 'paramiko',
        ansible_become: 'yes',
        ansible_become_user: 'root',
        ansible_become_pass: 'bpw',
        ansible_host_key_checking: 'False',
        ansible_ssh_common_args: '-o ProxyCommand="ssh -W %h:%p -q jump@bastion.example.com"',
      }),
    ).toEqual({
      host: 'web1',
      connection: 'ssh',
      address: '10.0.0.2',
      port: 2200,
      user: 'ubuntu',
      identityFile: `${homedir()}/.ssh/id_ed25519`,
      password: 'pw',
      become: true,
      becomeUser: 'root',
      becomePassword: 'bpw',
      hostKeyChecking: 'off',
      proxyJump: 'jump@bastion.example.com',
    });
  });

  it.each([
    ['-J admin@bastion:2222', 'admin@bastion:2222'],
    ['-o ProxyJump=bastion', 'bastion'],
    ["-o 'ProxyCommand=ssh -q -W %h:%p bastion'", 'bastion'],
  ])('extracts a jump host from ansible_ssh_common_args %j', (args, jump) => {
    expect(connectionSpecFor('h', { ansible_ssh_common_args: args }).proxyJump).toBe(jump);
  });

  it('the tsplay name wins over its Ansible alias', () => {
    const spec = connectionSpecFor('h', { address: 'a.example', ansible_host: 'b.example', user: 'u1', ansible_user: 'u2' });
    expect(spec).toMatchObject({ address: 'a.example', user: 'u1' });
  });

  it.each(['localhost', '127.0.0.1', '::1'])('%s without a connection runs locally', (name) => {
    expect(connectionSpecFor(name, {}).connection).toBe('local');
  });

  it('localhost with an explicit ssh connection uses ssh; any host can be local', () => {
    expect(connectionSpecFor('localhost', { ansible_connection: 'ssh' }).connection).toBe('ssh');
    expect(connectionSpecFor('box', { connection: 'local' }).connection).toBe('local');
  });

  it.each([
    [{ ansible_connection: 'winrm' }, /connection type "winrm" \(from ansible_connection\) is not supported/],
    [{ port: 'ssh' }, /port must be a whole number from 1 to 65535, got "ssh"/],
    [{ ansible_port: 70000 }, /ansible_port must be a whole number/],
    [{ become: 'maybe' }, /become must be a boolean/],
    [{ host_key_checking: 'sometimes' }, /host_key_checking must be accept-new, strict, off or a boolean/],
    [{ ansible_become: true, ansible_become_method: 'su' }, /become method "su" is not supported/],
  ])('bad value %j is a VALIDATION error naming host and variable', async (vars, message) => {
    const e = await errorOf(() => connectionSpecFor('web1', vars));
    expect(e.code).toBe('VALIDATION');
    expect(e.message).toMatch(/^host "web1": /);
    expect(e.message).toMatch(message);
  });

  it('never echoes a password in an error', async () => {
    const e = await errorOf(() => connectionSpecFor('web1', { ansible_password: { nested: 'hunter2' } }));
    expect(e.message).not.toContain('hunter2');
    expect(e.message).toContain('********');
  });
});
