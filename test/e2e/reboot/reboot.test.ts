// reboot on a real container restart: the lab target runs systemd as PID 1 with restart=always, so
// `shutdown -r` ends systemd and docker starts the container again. tsplay's reboot must wait for the
// host to come back (reconnecting), then run test_command; ansible-core's reboot against the same
// container is the reference for the task statuses and the registered fields. The boot id of a
// container is the docker host's, so both tools read PID 1's start time as the boot time.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../../../src/lab/docker.js';
import { noDocker } from '../harness/lab-context.js';
import { startTargets, type Targets } from '../harness/targets.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
const BIN = path.join(REPO, 'bin', 'tsplay.mjs');
const BOOT = "awk '{print $22}' /proc/1/stat";

const PLAYBOOK = `
- hosts: targets
  gather_facts: false
  tasks:
    - name: check mode reports a reboot and does none
      reboot: {boot_time_command: "${BOOT}"}
      check_mode: true
      register: checked
    - command: ${BOOT}
      register: before
    - name: reboot and wait
      ansible.builtin.reboot:
        boot_time_command: "${BOOT}"
        test_command: systemctl is-system-running --wait
        post_reboot_delay: 1
        reboot_timeout: 120
        msg: "rebooted by the e2e test's \\"reboot\\" task"
      register: rebooted
    - command: ${BOOT}
      register: after
    - name: a reboot command that fails
      reboot: {reboot_command: /bin/false, boot_time_command: "${BOOT}"}
      register: bad_command
      ignore_errors: true
    - name: a shutdown program that is nowhere
      reboot: {reboot_command: no-such-shutdown -r now, search_paths: [/sbin, /usr/sbin]}
      register: not_found
      ignore_errors: true
    - name: what the tool saw
      copy:
        dest: /root/reboot-result.json
        content: "{{ {'checked': checked, 'rebooted': rebooted, 'changed_boot': before.stdout != after.stdout, 'bad': bad_command, 'not_found': not_found} | to_json }}"
`;

const LOCAL = `
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - reboot:
      register: r
      ignore_errors: true
    - copy: {dest: "{{ out }}", content: "{{ r | to_json }}"}
`;

interface Seen {
  checked: Record<string, unknown>;
  rebooted: Record<string, unknown>;
  changed_boot: boolean;
  bad: Record<string, unknown>;
  not_found: Record<string, unknown>;
}

describe.skipIf(noDocker())('reboot on a container restart, as ansible-core', () => {
  let t: Targets;
  const runs: Record<string, { code: number | null; out: string; seen: Seen; restarts: number }> = {};
  const restarts = async (c: string) => Number((await docker(['inspect', '-f', '{{.RestartCount}}', c])).stdout.trim());

  beforeAll(async () => {
    t = await startTargets([{ image: 'debian-12', name: 'rb', restartAlways: true }]);
    const pb = path.join(t.dir, 'reboot.yml');
    writeFileSync(pb, PLAYBOOK);
    const host = t.hosts[0]!;
    for (const tool of ['ansible', 'tsplay'] as const) {
      const before = await restarts(host.container);
      const cmd =
        tool === 'ansible'
          ? spawnSync('ansible-playbook', ['-i', t.inventoryPath, pb], {
              encoding: 'utf8',
              env: { ...process.env, ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_NOCOLOR: '1' },
              timeout: 300_000,
            })
          : spawnSync(process.execPath, [BIN, 'run', '-i', t.inventoryPath, pb], { cwd: REPO, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 300_000 });
      const got = await t.exec(host, 'cat /root/reboot-result.json');
      runs[tool] = { code: cmd.status, out: cmd.stdout + cmd.stderr, seen: JSON.parse(got.stdout || '{}') as Seen, restarts: (await restarts(host.container)) - before };
    }
  }, 700_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('tsplay rebooted the host once, waited for it, and reports what ansible-core reports', () => {
    const a = runs.ansible!;
    const s = runs.tsplay!;
    expect(a.restarts, a.out).toBe(1);
    expect(s.restarts, s.out).toBe(1);
    expect(s.seen.changed_boot).toBe(true);
    expect(s.seen.rebooted).toMatchObject({ changed: true, rebooted: true, failed: false });
    expect(typeof s.seen.rebooted.elapsed).toBe('number');
    for (const k of ['changed', 'rebooted', 'failed'] as const) expect(s.seen.rebooted[k]).toEqual(a.seen.rebooted[k]);
    // the playbook goes on after the reboot on the new connection (the copy ran: the file is there)
    expect(Object.keys(s.seen.rebooted).sort()).toEqual(Object.keys(a.seen.rebooted).sort());
  });

  it('check mode: changed, rebooted, elapsed 0, as ansible-core (and no restart)', () => {
    expect(runs.tsplay!.seen.checked).toMatchObject({ changed: true, rebooted: true, elapsed: 0 });
    expect(runs.ansible!.seen.checked).toMatchObject({ changed: true, rebooted: true, elapsed: 0 });
  });

  it('a failing reboot command and a missing shutdown program fail with ansible-core’s messages', () => {
    for (const k of ['bad', 'not_found'] as const) {
      expect(runs.tsplay!.seen[k].failed).toBe(true);
      // OpenSSH's client adds "Shared connection to HOST closed." to stderr (ansible's ssh connection); ssh2 does not
      const plain = (m: unknown) => String(m).replace(/Shared connection to \S+ closed\.\s*/, '');
      expect(runs.tsplay!.seen[k].msg).toBe(plain(runs.ansible!.seen[k].msg));
      expect(runs.tsplay!.seen[k].rebooted).toEqual(runs.ansible!.seen[k].rebooted);
    }
  });

  it('ansible_connection=local refuses, as ansible-core', () => {
    const pb = path.join(t.dir, 'local.yml');
    writeFileSync(pb, LOCAL);
    const outs: Record<string, Record<string, unknown>> = {};
    for (const tool of ['ansible', 'tsplay']) {
      const out = path.join(t.dir, `local-${tool}.json`);
      const args = ['-i', 'localhost,', pb, '-e', `out=${out}`];
      const r =
        tool === 'ansible'
          ? spawnSync('ansible-playbook', args, { encoding: 'utf8' })
          : spawnSync(process.execPath, [BIN, 'run', ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      outs[tool] = JSON.parse(spawnSync('cat', [out], { encoding: 'utf8' }).stdout || `{"out": ${JSON.stringify(r.stdout + r.stderr)}}`) as Record<string, unknown>;
    }
    expect(outs.tsplay).toMatchObject({ failed: true, rebooted: false, elapsed: 0, msg: 'Running reboot with local connection would reboot the control node.' });
    expect(outs.tsplay!.msg).toBe(outs.ansible!.msg);
  });
});
