import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { connectionSpecFor } from '../../../src/inventory/index.js';
import { errorOf } from './helpers.js';

describe('connectionSpecFor', () => {
  it('defaults: ssh to the inventory name', () => {
    expect(connectionSpecFor('web1', {})).toEqual({ host: 'web1', connection: 'ssh', address: 'web1' });
  });

  it('reads Ansible names and tsplay_* settings', () => {
    expect(
      connectionSpecFor('web1', {
        ansible_host: '10.0.0.1',
        ansible_port: 2222,
        ansible_user: 'deploy',
        ansible_ssh_private_key_file: '/keys/id',
        ansible_password: 'pw',
        ansible_connection: 'ssh',
        ansible_become: true,
        ansible_become_user: 'app',
        ansible_become_password: 'bpw',
        ansible_become_method: 'su',
        ansible_become_flags: '-l',
        tsplay_host_key_checking: 'strict',
        tsplay_known_hosts_file: '/kh',
        tsplay_proxy_jump: 'bastion',
        ansible_timeout: 7,
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
      becomeMethod: 'su',
      becomeFlags: '-l',
      hostKeyChecking: 'strict',
      knownHostsFile: '/kh',
      proxyJump: 'bastion',
      connectTimeoutMs: 7000,
    });
  });

  it("a play or inventory variable named port, user, address, become… is the user's data, not a connection setting (Ansible reads only ansible_*)", () => {
    const vars = {
      port: 8080,
      user: 'alice',
      address: '10.9.9.9',
      connection: 'local',
      become: true,
      become_user: 'x',
      password: 'p',
      identity_file: '/k',
      ansible_host: 'real.example',
    };
    expect(connectionSpecFor('web1', vars)).toEqual({ host: 'web1', connection: 'ssh', address: 'real.example' });
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

  it.each(['localhost', '127.0.0.1', '::1'])('%s without a connection runs locally', (name) => {
    expect(connectionSpecFor(name, {}).connection).toBe('local');
  });

  it('localhost with an explicit ssh connection uses ssh; any host can be local', () => {
    expect(connectionSpecFor('localhost', { ansible_connection: 'ssh' }).connection).toBe('ssh');
    expect(connectionSpecFor('box', { ansible_connection: 'local' }).connection).toBe('local');
  });

  it.each([
    [{ ansible_connection: 'winrm' }, /connection type "winrm" \(from ansible_connection\) is not supported/],
    [{ ansible_port: 'ssh' }, /ansible_port must be a whole number from 1 to 65535, got "ssh"/],
    [{ ansible_port: 70000 }, /ansible_port must be a whole number/],
    [{ ansible_become: 'maybe' }, /ansible_become must be a boolean/],
    [{ tsplay_host_key_checking: 'sometimes' }, /tsplay_host_key_checking must be accept-new, strict, off or a boolean/],
    [{ ansible_become: true, ansible_become_method: 'runas' }, /become method "runas" \(from ansible_become_method\) is not supported/],
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
