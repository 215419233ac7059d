// `tsplay run` over real OpenSSH on loopback with every core module (service excepted: no
// systemd here; package only as a read-only "already installed" check): first run applies,
// second run reports changed=0 on every host, a manual change is reported by --check (file left
// untouched) and shown by --diff, a third run converges it again.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, lstatSync, statSync, readlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import type { RunReport } from '../../../src/engine/report.js';
import { startSshd, sshdAvailable, type Sshd } from '../../support/sshd.js';

const available = sshdAvailable();
const HOSTS = ['web1', 'web2'];
const DOWNLOAD = 'downloaded over http\n';

async function tsplayRun(dir: string, more: string[] = []): Promise<{ code: number; out: string; report: RunReport }> {
  let out = '';
  const json = join(dir, 'report.json');
  rmSync(json, { force: true });
  const code = await main(['run', join(dir, 'site.yml'), '-i', join(dir, 'inventory.ini'), '--no-history', '--json', json, ...more], {
    out: (t) => void (out += t),
    err: (t) => void (out += t),
    isTTY: false,
  });
  if (!existsSync(json)) throw new Error(`tsplay run wrote no report (exit ${code}):\n${out}`);
  const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
  return { code, out, report };
}

/** Tasks that reported a change, as "host: task" (for a readable failure message). */
function changedTasks(report: RunReport): string[] {
  return report.plays.flatMap((p) => p.tasks.flatMap((t) => t.results.filter((r) => r.changed).map((r) => `${r.host}: ${t.name}`)));
}

function playbook(httpPort: number): string {
  return `- name: every core module over ssh
  hosts: web
  gather_facts: true
  vars:
    base: "{{ root }}/{{ inventory_hostname }}"
    http: "http://127.0.0.1:${httpPort}"
    workers: 4
  tasks:
    - name: facts are there
      assert:
        that:
          - facts.os.id != 'unknown'
          - facts.hostname | length > 0
    - name: base directory
      file: { path: "{{ base }}", state: directory, mode: "0755" }
    - name: conf directory
      file: { path: "{{ base }}/conf.d", state: directory, mode: "0750" }
    - name: static file
      copy:
        dest: "{{ base }}/app.conf"
        content: "name=app\\nport=8080\\n"
        mode: "0644"
      notify: reload app
    - name: rendered template
      template: { src: app.ini.hbs, dest: "{{ base }}/conf.d/app.ini", mode: "0640" }
      notify: reload app
    - name: a line in a file
      lineinfile: { path: "{{ base }}/lines.conf", create: true, regexp: "^port=", line: "port=9090" }
    - name: a block in a file
      blockinfile:
        path: "{{ base }}/hosts.txt"
        create: true
        block: |
          10.0.0.1 db
          10.0.0.2 cache
    - name: env file
      env_file:
        path: "{{ base }}/app.env"
        set: { APP_MODE: production, APP_WORKERS: "{{ workers }}" }
    - name: yaml file
      yaml_edit:
        path: "{{ base }}/settings.yml"
        create: true
        set: { server.port: 9090, server.name: "{{ inventory_hostname }}" }
    - name: is the marker there
      command: test -e {{ base }}/marker
      register: marker
      changed_when: false
      failed_when: marker.rc > 1
      check_mode: false
    - name: touch the marker only when it is missing
      file: { path: "{{ base }}/marker", state: touch }
      when: marker.rc == 1
    - name: symlink
      file: { src: "{{ base }}/app.conf", dest: "{{ base }}/current.conf", state: link }
    - name: command guarded by creates
      command: touch {{ base }}/created-by-command
      args: { creates: "{{ base }}/created-by-command" }
    - name: shell with a pipe, read-only
      shell: cat {{ base }}/app.conf | grep -c port
      register: ports
      changed_when: false
      check_mode: false
    - name: registered output is usable
      set_fact: { port_lines: "{{ ports.stdout | int }}" }
    - name: show
      debug: { msg: "{{ inventory_hostname }} has {{ port_lines }} port line(s)" }
    - name: download
      get_url:
        url: "{{ http }}/file.txt"
        dest: "{{ base }}/file.txt"
        checksum: "sha256:${createHash('sha256').update(DOWNLOAD).digest('hex')}"
        mode: "0600"
    - name: call an api
      uri: { url: "{{ http }}/api.json", return_content: true, status_code: 200 }
      register: api
      check_mode: false # a read-only GET; uri has no check mode (as in Ansible)
    - name: api answered
      assert: { that: ["api.json.ok == true", "api.status == 200"] }
    - name: port is open
      wait_for: { host: 127.0.0.1, port: ${httpPort}, timeout: 10 }
    - name: file is there
      wait_for: { path: "{{ base }}/app.conf", timeout: 10 }
    - name: installed package (read-only check)
      package: { name: coreutils, state: present }
    - name: a failure that is rescued
      block:
        - fail: { msg: "deliberate" }
      rescue:
        - name: rescued
          debug: { msg: "rescued: {{ ansible_failed_result.msg }}" }
  handlers:
    - name: reload app
      shell: echo reloaded >> {{ base }}/reloads.log
`;
}

describe.runIf(available)('tsplay run over real OpenSSH: every core module, idempotent, check and diff', () => {
  let sshd: Sshd;
  let http: Server;
  let httpPort = 0;
  let dir = '';
  let root = '';
  const base = (h: string) => join(root, h);

  beforeAll(async () => {
    sshd = await startSshd();
    http = createServer((req, res) => {
      if (req.url === '/file.txt') res.writeHead(200, { 'content-type': 'text/plain' }).end(DOWNLOAD);
      else if (req.url === '/api.json') res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok": true}');
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    httpPort = (http.address() as { port: number }).port;
    dir = mkdtempSync(join(tmpdir(), 'tsplay-e2e-engine-'));
    root = join(dir, 'target');
    mkdirSync(root);
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'templates/app.ini.hbs'), '[app]\nhost = {{ inventory_hostname }}\nworkers = {{ workers }}\nos = {{ facts.os.id }}\n');
    writeFileSync(join(dir, 'site.yml'), playbook(httpPort));
    const conn = `ansible_host=127.0.0.1 ansible_port=${sshd.port} ansible_user=${sshd.user} ansible_ssh_private_key_file=${sshd.keyPath} tsplay_host_key_checking=strict tsplay_known_hosts_file=${sshd.knownHostsPath}`;
    writeFileSync(join(dir, 'inventory.ini'), `[web]\n${HOSTS.map((h) => `${h} ${conn}`).join('\n')}\n\n[web:vars]\nroot=${root}\n`);
  });

  afterAll(async () => {
    await sshd?.stop();
    await new Promise((r) => (http ? http.close(r) : r(undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('first run applies every module on every host over SSH', async () => {
    const r = await tsplayRun(dir);
    expect(r.code, r.out).toBe(0);
    for (const h of HOSTS) {
      expect(r.report.recap[h], r.out).toMatchObject({ failed: 0, unreachable: 0, rescued: 1 });
      expect(readFileSync(join(base(h), 'app.conf'), 'utf8')).toBe('name=app\nport=8080\n');
      expect(readFileSync(join(base(h), 'lines.conf'), 'utf8')).toBe('port=9090\n');
      expect(readFileSync(join(base(h), 'conf.d/app.ini'), 'utf8')).toMatch(new RegExp(`^\\[app\\]\\nhost = ${h}\\nworkers = 4\\nos = \\S+\\n$`));
      expect(statSync(join(base(h), 'conf.d/app.ini')).mode & 0o777).toBe(0o640);
      expect(statSync(join(base(h), 'conf.d')).mode & 0o777).toBe(0o750);
      expect(readFileSync(join(base(h), 'hosts.txt'), 'utf8')).toContain('10.0.0.1 db\n10.0.0.2 cache\n');
      expect(readFileSync(join(base(h), 'app.env'), 'utf8')).toMatch(/^APP_MODE=production$/m);
      expect(readFileSync(join(base(h), 'app.env'), 'utf8')).toMatch(/^APP_WORKERS=4$/m);
      expect(readFileSync(join(base(h), 'settings.yml'), 'utf8')).toMatch(new RegExp(`server:\\n\\s+port: 9090\\n\\s+name: ${h}`));
      expect(readFileSync(join(base(h), 'file.txt'), 'utf8')).toBe(DOWNLOAD);
      expect(statSync(join(base(h), 'file.txt')).mode & 0o777).toBe(0o600);
      expect(lstatSync(join(base(h), 'current.conf')).isSymbolicLink()).toBe(true);
      expect(readlinkSync(join(base(h), 'current.conf'))).toBe(join(base(h), 'app.conf'));
      expect(existsSync(join(base(h), 'created-by-command'))).toBe(true);
      // Two tasks notified the handler; it ran once.
      expect(readFileSync(join(base(h), 'reloads.log'), 'utf8')).toBe('reloaded\n');
    }
    expect(r.out).toContain('rescued: deliberate');
    expect(r.out).toMatch(/web1 has 1 port line\(s\)/);
  });

  it('second run reports changed=0 on every host', async () => {
    const r = await tsplayRun(dir);
    expect(r.code, r.out).toBe(0);
    expect(changedTasks(r.report), 'tasks that changed on the second run').toEqual([]);
    for (const h of HOSTS) expect(r.report.recap[h]).toMatchObject({ changed: 0, failed: 0, unreachable: 0 });
    expect(readFileSync(join(base('web1'), 'reloads.log'), 'utf8')).toBe('reloaded\n');
  });

  it('after a manual change, --check --diff reports it and shows the diff, and leaves the file untouched', async () => {
    const file = join(base('web2'), 'app.conf');
    writeFileSync(file, 'name=app\nport=1234\n# hand edit\n');
    const envFile = join(base('web2'), 'app.env');
    writeFileSync(envFile, readFileSync(envFile, 'utf8').replace('APP_MODE=production', 'APP_MODE=debug'));
    const yamlFile = join(base('web2'), 'settings.yml');
    writeFileSync(yamlFile, readFileSync(yamlFile, 'utf8').replace('port: 9090', 'port: 1'));
    const before = [file, envFile, yamlFile].map((f) => readFileSync(f));
    const r = await tsplayRun(dir, ['--check', '--diff']);
    expect(r.code, r.out).toBe(0);
    for (const [i, f] of [file, envFile, yamlFile].entries()) expect(readFileSync(f).equals(before[i]!), f).toBe(true);
    expect(changedTasks(r.report).sort()).toEqual(['web2: env file', 'web2: static file', 'web2: yaml file']);
    expect(r.out).toMatch(/^-APP_MODE=debug$/m);
    expect(r.out).toMatch(/^\+APP_MODE=production$/m);
    expect(changedTasks(r.report).filter((t) => t.startsWith('web1'))).toEqual([]);
    expect(r.out).toContain('(check mode: would change)');
    expect(r.out).toContain(file);
    expect(r.out).toMatch(/^-port=1234$/m);
    expect(r.out).toMatch(/^-# hand edit$/m);
    expect(r.out).toMatch(/^\+port=8080$/m);
    expect(existsSync(join(base('web2'), 'reloads.log')) && readFileSync(join(base('web2'), 'reloads.log'), 'utf8')).toBe('reloaded\n');
  });

  it('a third run converges it again, and a fourth is clean', async () => {
    const r = await tsplayRun(dir, ['--diff']);
    expect(r.code, r.out).toBe(0);
    expect(readFileSync(join(base('web2'), 'app.conf'), 'utf8')).toBe('name=app\nport=8080\n');
    expect(readFileSync(join(base('web2'), 'app.env'), 'utf8')).toMatch(/^APP_MODE=production$/m);
    expect(readFileSync(join(base('web2'), 'settings.yml'), 'utf8')).toContain('port: 9090');
    expect(changedTasks(r.report).sort()).toEqual(['web2: env file', 'web2: reload app', 'web2: static file', 'web2: yaml file']);
    expect(r.report.recap['web2']!.changed).toBeGreaterThan(0);
    expect(readFileSync(join(base('web2'), 'reloads.log'), 'utf8')).toBe('reloaded\nreloaded\n');
    const again = await tsplayRun(dir);
    expect(changedTasks(again.report)).toEqual([]);
  });
});
