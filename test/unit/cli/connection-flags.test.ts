import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../../src/cli/main.js';
import { cliDefaultsFrom, readPasswordFile } from '../../../src/cli/connection-options.js';

// ansible-playbook's connection/privilege flags on `tsplay run`; the expected outcomes were checked
// with ansible-playbook 2.14 on the same playbook and inventory.
const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-connflags-'));
const pb = path.join(dir, 'pb.yml');
writeFileSync(pb, '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: id -un\n      register: r\n    - debug: msg="user={{ r.stdout }}"\n');
const noBecomePlay = path.join(dir, 'nobecome.yml');
writeFileSync(noBecomePlay, '- hosts: all\n  gather_facts: false\n  become: false\n  tasks:\n    - command: id -un\n      register: r\n    - debug: msg="user={{ r.stdout }}"\n');
// no ansible_connection: without -c local these hosts are ssh targets on a closed port
const inv = path.join(dir, 'inv.ini');
writeFileSync(inv, 'h1 ansible_host=127.0.0.1 ansible_port=1\n');
const inv2 = path.join(dir, 'inv2.ini');
writeFileSync(inv2, 'h1 ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=1\nh2 ansible_host=127.0.0.1 ansible_port=1 ansible_become_user=daemon\n');
const root = process.getuid?.() === 0;

async function run(args: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const io: Io = { out: (t) => void (text += t), err: (t) => void (text += t), isTTY: false };
  const code = await main(args, io);
  return { code, text };
}

describe('ansible-playbook connection flags on tsplay run', { timeout: 60_000 }, () => {
  it('-c local runs a host that has no ansible_connection on this machine', async () => {
    const r = await run(['run', pb, '-i', inv, '-c', 'local', '--no-history']);
    expect(r.text).toMatch(/ok: \[h1\] => user=/);
    expect(r.code).toBe(0);
    const without = await run(['run', pb, '-i', inv, '--no-history']);
    expect(without.text).toMatch(/UNREACHABLE/);
  });

  it('--connection local: the long form is the same flag', async () => {
    const r = await run(['run', pb, '-i', inv, '--connection', 'local', '--no-history']);
    expect(r.code).toBe(0);
  });

  it.runIf(root)('-b --become-user nobody becomes that user; ansible_become_user and ansible_connection of a host win over the flags', async () => {
    const r = await run(['run', pb, '-i', inv2, '-c', 'local', '-b', '--become-user', 'nobody', '--no-history']);
    expect(r.text).toMatch(/fatal: \[h1\]: UNREACHABLE/); // its ansible_connection=ssh beats -c local
    expect(r.text).toMatch(/ok: \[h2\] => user=daemon/); // its ansible_become_user beats --become-user
  });

  it.runIf(root)('-b is a default: a play with become: false does not become', async () => {
    const r = await run(['run', noBecomePlay, '-i', inv, '-c', 'local', '-b', '--become-user', 'nobody', '--no-history']);
    expect(r.text).toMatch(/ok: \[h1\] => user=root/);
    const b = await run(['run', pb, '-i', inv, '-c', 'local', '--become', '--become-user', 'nobody', '--become-method', 'sudo', '--no-history']);
    expect(b.text).toMatch(/ok: \[h1\] => user=nobody/);
  });

  it('a play keyword connection: beats -c (here -c ssh loses to connection: local)', async () => {
    const p = path.join(dir, 'local-play.yml');
    writeFileSync(p, '- hosts: all\n  gather_facts: false\n  connection: local\n  tasks:\n    - command: "true"\n');
    const r = await run(['run', p, '-i', inv, '-c', 'ssh', '--no-history']);
    expect(r.code).toBe(0);
    expect(r.text).not.toMatch(/UNREACHABLE/);
  });

  it('the connection password from --connection-password-file is a secret: never printed', async () => {
    const pwFile = path.join(dir, 'conn.pw');
    writeFileSync(pwFile, 'S3cretConnPw\n');
    const p = path.join(dir, 'echo.yml');
    writeFileSync(p, '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: echo S3cretConnPw\n      register: r\n    - debug: var=r.stdout\n');
    const r = await run(['run', p, '-i', inv, '-c', 'local', '--connection-password-file', pwFile, '--no-history']);
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/r\.stdout/);
    expect(r.text).not.toContain('S3cretConnPw');
    const alias = await run(['run', p, '-i', inv, '-c', 'local', '--conn-pass-file', pwFile, '--no-history']);
    expect(alias.text).not.toContain('S3cretConnPw');
  });

  it('-k and -K without a terminal are a clear usage error naming the file flag', async () => {
    const r = await run(['run', pb, '-i', inv, '-c', 'local', '-k', '--no-history']);
    expect(r.code).toBe(5);
    expect(r.text).toMatch(/connection password prompt needs a terminal/);
    expect(r.text).toMatch(/--connection-password-file/);
    const k = await run(['run', pb, '-i', inv, '-c', 'local', '-K', '--no-history']);
    expect(k.text).toMatch(/become password prompt needs a terminal/);
    expect(k.text).not.toMatch(/ok: \[h1\]/);
  });

  it('-M/--module-path is refused plainly; --flush-cache and --sftp/--scp-extra-args are accepted', async () => {
    const m = await run(['run', pb, '-i', inv, '-c', 'local', '-M', '/tmp/lib', '--no-history']);
    expect(m.code).toBe(5);
    expect(m.text).toMatch(/--module-path is not supported/);
    expect(m.text).not.toMatch(/ok: \[h1\]/);
    const ok = await run(['run', pb, '-i', inv, '-c', 'local', '--flush-cache', '--sftp-extra-args', '-l 100', '--scp-extra-args', '-l 100', '--no-history']);
    expect(ok.code).toBe(0);
  });

  it('--syntax-check prints "playbook: FILE" as ansible-playbook does and contacts no host', async () => {
    const r = await run(['run', pb, '-i', inv, '--syntax-check']);
    expect(r.code).toBe(0);
    expect(r.text).toBe(`\nplaybook: ${pb}\n`);
    const bad = path.join(dir, 'bad.yml');
    writeFileSync(bad, '- hosts: all\n  tasks:\n    - nosuchmodule: {}\n');
    const b = await run(['run', bad, '--syntax-check']);
    expect(b.code).not.toBe(0);
    expect(b.text).not.toMatch(/playbook: /);
  });

  it('--list-hosts prints each play as ansible-playbook does (hosts in inventory order; ansible prints them in set order) and runs nothing', async () => {
    const p = path.join(dir, 'lp.yml');
    writeFileSync(p, '- name: first play\n  hosts: all\n  tags: [p]\n  tasks:\n    - command: "false"\n- hosts: h3\n  tasks:\n    - command: "false"\n');
    const i = path.join(dir, 'inv3.ini');
    writeFileSync(i, 'h1\nh2\n[web]\nh3\n');
    const r = await run(['run', p, '-i', i, '--list-hosts']);
    expect(r.code).toBe(0);
    expect(r.text).toBe(
      `\nplaybook: ${p}\n\n  play #1 (all): first play\tTAGS: [p]\n    pattern: ['all']\n    hosts (3):\n      h1\n      h2\n      h3\n\n  play #2 (h3): h3\tTAGS: []\n    pattern: ['h3']\n    hosts (1):\n      h3\n`,
    );
    const l = await run(['run', p, '-i', i, '--list-hosts', '-l', 'h2']);
    expect(l.text).toMatch(/hosts \(1\):\n {6}h2\n\n {2}play #2 \(h3\): h3\tTAGS: \[\]\n {4}pattern: \['h3'\]\n {4}hosts \(0\):\n$/);
  });

  it('--start-at-task: tasks before the first match (a glob) are passed over silently, facts still gathered, later plays run whole', async () => {
    const p = path.join(dir, 'sat.yml');
    writeFileSync(
      p,
      '- hosts: all\n  tasks:\n    - name: one\n      debug: msg=1\n    - name: two-a\n      debug: msg=2\n    - name: three\n      debug: msg=3\n- hosts: all\n  gather_facts: false\n  tasks:\n    - name: four\n      debug: msg=4\n',
    );
    const r = await run(['run', p, '-i', inv, '-c', 'local', '--start-at-task', 'two*', '--no-history']);
    expect(r.code).toBe(0);
    expect(r.text.match(/TASK \[[^\]]+\]/g)).toEqual(['TASK [Gathering Facts]', 'TASK [two-a]', 'TASK [three]', 'TASK [four]']);
    expect(r.text).toMatch(/h1 : ok=4 /);
  });

  it('--force-handlers: a host that failed still runs the handlers it notified; without the flag it does not', async () => {
    const p = path.join(dir, 'fh.yml');
    writeFileSync(
      p,
      '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: change\n      command: "true"\n      notify: h\n    - name: boom\n      command: "false"\n  handlers:\n    - name: h\n      debug: msg=handled\n',
    );
    const f = await run(['run', p, '-i', inv, '-c', 'local', '--force-handlers', '--no-history']);
    expect(f.text).toMatch(/RUNNING HANDLER \[h\][^\n]*\nok: \[h1\] => handled/);
    expect(f.text).toMatch(/h1 : ok=2 {2}changed=1 {2}unreachable=0 {2}failed=1 /);
    expect(f.code).toBe(2);
    const n = await run(['run', p, '-i', inv, '-c', 'local', '--no-history']);
    expect(n.text).not.toMatch(/RUNNING HANDLER/);
  });

  it('--step without a terminal is a clear usage error and runs nothing', async () => {
    const r = await run(['run', pb, '-i', inv, '-c', 'local', '--step', '--no-history']);
    expect(r.code).toBe(5);
    expect(r.text).toMatch(process.stdin.isTTY ? /--step is not supported yet/ : /--step asks before each task and needs a terminal/);
    expect(r.text).not.toMatch(/TASK \[/);
  });

  it('-T must be whole seconds', async () => {
    const r = await run(['run', pb, '-i', inv, '-T', 'soon']);
    expect(r.code).toBe(5);
    expect(r.text).toMatch(/--timeout takes a whole number of seconds/);
  });

  it('--help lists the flags under their ansible-playbook names', async () => {
    const r = await run(['run', '--help']);
    for (const f of [
      '-c, --connection',
      '-u, --user',
      '--private-key',
      '-T, --timeout',
      '--ssh-common-args',
      '--ssh-extra-args',
      '-k, --ask-pass',
      '--connection-password-file',
      '-b, --become',
      '--become-method',
      '--become-user',
      '-K, --ask-become-pass',
      '--become-password-file',
      '--syntax-check',
    ])
      expect(r.text).toContain(f);
  });
});

describe('cliDefaultsFrom: what each flag sets', () => {
  const io: Io = { out: () => {}, err: () => {}, isTTY: false };
  it('keywords go to the keyword layer, connection settings to the lowest variables', async () => {
    const d = await cliDefaultsFrom(
      { connection: 'local', user: 'deploy', keyFile: '/k', timeout: 7, sshCommonArgs: '-o A=b', sshExtraArgs: '-o C=d', become: true, becomeMethod: 'su', becomeUser: 'app' },
      io,
    );
    expect(d).toEqual({
      connection: 'local',
      remoteUser: 'deploy',
      becomeMethod: 'su',
      become: true,
      becomeUser: 'app',
      connectionVars: { ansible_ssh_private_key_file: '/k', ansible_timeout: '7', ansible_ssh_common_args: '-o A=b', ansible_ssh_extra_args: '-o C=d' },
    });
    expect(await cliDefaultsFrom({}, io)).toBeUndefined();
  });

  it('a password file is stripped; an executable one is run; a missing one names the flag', () => {
    const f = path.join(dir, 'b.pw');
    writeFileSync(f, '  pw1 \n');
    expect(readPasswordFile(f, 'become')).toBe('pw1');
    const s = path.join(dir, 'pw.sh');
    writeFileSync(s, '#!/bin/sh\necho fromscript\n');
    chmodSync(s, 0o755);
    expect(readPasswordFile(s, 'connection')).toBe('fromscript');
    expect(() => readPasswordFile(path.join(dir, 'none'), 'become')).toThrow(/was not found \(--become-password-file\)/);
  });
});
