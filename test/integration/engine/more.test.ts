// More engine behaviour through the CLI: inheritance into blocks and roles, hostile values,
// extra-vars forms, facts on local hosts, secrets in diffs, the info commands, a real SIGINT.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupProjects, debugMsgs, localInventory, project, resultsOf, run, tsplay } from './project.js';

afterAll(cleanupProjects);

const REPO = resolve(import.meta.dirname, '../../..');
const one = localInventory({ web: { h1: '' } });
const play = (tasks: string, head = '') => `- hosts: web\n  gather_facts: false\n${head}  tasks:\n${tasks.replace(/^/gm, '    ')}\n`;

describe('inheritance', () => {
  it('when and tags on a block apply to every task inside; block vars sit below task vars', async () => {
    const p = project({
      'inventory.ini': localInventory({ web: { h1: 'go=True', h2: 'go=False' } }),
      'site.yml': play(`- name: gated
  when: go
  tags: [gated]
  vars: { word: block, other: block }
  block:
    - name: inner
      shell: echo {{ word }}-{{ other }}-{{ inventory_hostname }} >> {{ playbook_dir }}/b.log
      vars: { other: task }
- name: untagged
  shell: echo untagged >> {{ playbook_dir }}/b.log`),
    });
    const r = await run(p, ['--tags', 'gated']);
    expect(r.code, r.all).toBe(0);
    expect(p.lines('b.log')).toEqual(['block-task-h1']);
    expect(resultsOf(r.report, 'inner')['h2']!.status).toBe('skipped');
  });

  it('serial as a percentage', async () => {
    const p = project({
      'inventory.ini': localInventory({ web: { h1: '', h2: '', h3: '', h4: '' } }),
      'site.yml': play(
        '- name: t\n  shell: echo {{ inventory_hostname }} >> {{ playbook_dir }}/s.log\n- name: u\n  shell: echo u >> {{ playbook_dir }}/s.log',
        '  serial: "50%"\n',
      ),
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    const l = p.lines('s.log');
    expect(l.slice(0, 2).sort()).toEqual(['h1', 'h2']);
    expect(l.slice(2, 4)).toEqual(['u', 'u']);
    expect(l.slice(4, 6).sort()).toEqual(['h3', 'h4']);
  });

  it('any_errors_fatal inside a block with rescue: the rescue handles it and the play goes on', async () => {
    const p = project({
      'inventory.ini': localInventory({ web: { h1: '', h2: '' } }),
      'site.yml': play(
        `- block:
    - shell: "[ {{ inventory_hostname }} != h1 ]"
  rescue:
    - debug: { msg: rescued }
- name: after
  shell: echo {{ inventory_hostname }} >> {{ playbook_dir }}/after.log`,
        '  any_errors_fatal: true\n',
      ),
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(p.lines('after.log').sort()).toEqual(['h1', 'h2']);
    expect(r.report.recap['h1']).toMatchObject({ rescued: 1, failed: 0 });
  });

  it('a handler is not run on a host that failed after notifying it', async () => {
    const p = project({
      'inventory.ini': localInventory({ web: { h1: '', h2: '' } }),
      'site.yml':
        play(`- command: echo x
  notify: h
- shell: "[ {{ inventory_hostname }} != h1 ]"`) + '  handlers:\n    - name: h\n      shell: echo {{ inventory_hostname }} >> {{ playbook_dir }}/h.log\n',
    });
    const r = await run(p);
    expect(r.code).toBe(2);
    expect(p.lines('h.log')).toEqual(['h2']);
  });

  it('a task in a loop that changes notifies once; a skipped task registers skipped', async () => {
    const p = project({
      'inventory.ini': one,
      'site.yml':
        play(`- command: echo {{ item }}
  loop: [1, 2, 3]
  notify: h
- command: echo never
  when: false
  register: s
- name: show
  debug: { msg: "{{ s.skipped }} {{ s.changed }}" }`) + '  handlers:\n    - name: h\n      shell: echo h >> {{ playbook_dir }}/h.log\n',
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(p.lines('h.log')).toEqual(['h']);
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: 'True False' });
  });

  it('loop over something that is not a list is a clear failure', async () => {
    const p = project({ 'inventory.ini': one, 'site.yml': play('- name: bad loop\n  debug: { msg: "{{ item }}" }\n  loop: "{{ conf }}"', '  vars: { conf: { a: 1 } }\n') });
    const r = await run(p);
    expect(r.code).toBe(2);
    // ansible-core's words
    expect(resultsOf(r.report, 'bad loop')['h1']!.msg).toMatch(/Invalid data passed to 'loop', it requires a list, got this instead: \{/);
  });
});

describe('hostile values', () => {
  it('$(…), backticks, quotes and newlines in variables never execute in command/copy/file', async () => {
    const p = project({ 'inventory.ini': one });
    const evil = [`$(touch ${p.path('pwned1')})`, `\`touch ${p.path('pwned2')}\``, `'; touch ${p.path('pwned3')}; '`, `x\ntouch ${p.path('pwned4')}`];
    p.write('vars.json', JSON.stringify({ evil, evil_items: evil.map((v, n) => ({ n, v })) }));
    p.write(
      'site.yml',
      play(`- name: echo them
  command: echo "{{ item }}"
  loop: "{{ evil }}"
  register: echoed
- name: write them
  copy: { dest: "{{ playbook_dir }}/out-{{ item.n }}", content: "{{ item.v }}" }
  loop: "{{ evil_items }}"
- name: a directory with a hostile name
  file: { path: "{{ playbook_dir }}/dir {{ evil[0] }}", state: directory }`),
    );
    const r = await run(p, ['-e', `@${p.path('vars.json')}`]);
    expect(r.code, r.all).toBe(0);
    for (let i = 1; i <= 4; i++) expect(p.exists(`pwned${i}`), `pwned${i}`).toBe(false);
    expect(resultsOf(r.report, 'echo them')['h1']!.result?.['results']).toBeDefined();
    const echoed = (resultsOf(r.report, 'echo them')['h1']!.result!['results'] as Array<{ stdout: string }>).map((x) => x.stdout);
    expect(echoed).toEqual(evil);
    for (let i = 0; i < evil.length; i++) expect(p.read(`out-${i}`)).toBe(evil[i]);
    expect(p.exists(`dir ${evil[0]}`)).toBe(true);
  });
});

describe('extra vars forms', () => {
  it('-e key=value, -e JSON, -e @file.yml: later wins; JSON keeps types', async () => {
    const p = project({
      'inventory.ini': one,
      'more.yml': 'b: from-file\nc: [1, 2]\n',
      'site.yml': play('- name: show\n  debug: { msg: "{{ a }} {{ b }} {{ c | length }} {{ d }}" }\n- assert: { that: ["d == 5"] }'),
    });
    const r = await run(p, ['-e', 'a=1 b=2', '-e', `@${p.path('more.yml')}`, '-e', '{"d": 5}']);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: '1 from-file 2 5' });
  });

  it('-e @missing.yml is a usage error (exit 5)', async () => {
    const p = project({ 'inventory.ini': one, 'site.yml': play('- debug: { msg: x }') });
    const r = await run(p, ['-e', `@${p.path('nope.yml')}`]);
    expect(r.code).toBe(5);
    expect(r.err).toContain('nope.yml');
  });
});

describe('facts on local hosts', () => {
  it('gather_facts fills facts.* for templates and when', async () => {
    const p = project({
      'inventory.ini': one,
      'site.yml': `- hosts: web
  gather_facts: true
  tasks:
    - name: show
      debug: { msg: "{{ facts.os.id }}/{{ facts.cpus }}" }
    - name: family known
      assert: { that: ["facts.os.family != 'unknown'", "facts.cpus > 0", "facts.hostname | length > 0"] }
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    const { readFileSync } = await import('node:fs');
    const id = /^ID=(.*)$/m.exec(readFileSync('/etc/os-release', 'utf8'))![1]!.replace(/"/g, '');
    expect(String(debugMsgs(r.report, 'show')['h1'])).toMatch(new RegExp(`^${id}/\\d+$`));
  });
});

describe('secrets in diffs', () => {
  it('a secret written into a file is hidden in --diff output and in the JSON diff', async () => {
    const p = project({ 'inventory.ini': localInventory({ web: { h1: 'db_password=hunter2-very-secret' } }), 'app.conf': 'password=old\n' });
    p.write(
      'site.yml',
      play(`- name: conf
  copy: { dest: "${p.path('app.conf')}", content: "password={{ db_password }}\\n" }`),
    );
    const r = await run(p, ['--diff']);
    expect(r.code, r.all).toBe(0);
    expect(p.read('app.conf')).toBe('password=hunter2-very-secret\n'); // really written
    expect(r.out).toMatch(/^\+password=\*{8}$/m);
    for (const text of [r.all, r.jsonText, r.junit]) expect(text).not.toContain('hunter2-very-secret');
  });
});

describe('info commands', () => {
  it('tsplay inventory --graph and --host show groups and resolved vars', async () => {
    const p = project({ 'inventory.ini': '[web]\nw1 ansible_connection=local color=blue\n[db]\nd1 ansible_connection=local\n[prod:children]\nweb\ndb\n[prod:vars]\ntier=prod\n' });
    const g = await tsplay(['inventory', '-i', p.path('inventory.ini'), '--graph']);
    expect(g.code, g.all).toBe(0);
    expect(g.out).toMatch(/prod[\s\S]*web[\s\S]*w1/);
    const h = await tsplay(['inventory', '-i', p.path('inventory.ini'), '--host', 'w1']);
    expect(h.code, h.all).toBe(0);
    expect(h.out).toContain('blue');
    expect(h.out).toContain('prod');
    expect((await tsplay(['inventory', '-i', p.path('inventory.ini'), '--host', 'nope'])).code).toBe(5);
  });

  it('tsplay facts HOST prints JSON facts for a local host (Ansible names; --tsplay the typed ones)', async () => {
    const p = project({ 'inventory.ini': one });
    const r = await tsplay(['facts', 'h1', '-i', p.path('inventory.ini')]);
    expect(r.code, r.all).toBe(0);
    const a = JSON.parse(r.out) as Record<string, unknown>;
    expect(a['ansible_os_family']).toBe('Debian');
    expect(a['ansible_processor_vcpus']).toBeGreaterThan(0);
    const t = await tsplay(['facts', 'h1', '-i', p.path('inventory.ini'), '--tsplay']);
    const f = JSON.parse(t.out) as { os: { id: string }; cpus: number };
    expect(f.os.id).not.toBe('unknown');
    expect(f.cpus).toBeGreaterThan(0);
  });

  it('tsplay roles list / show document the typed and YAML roles beside a playbook', async () => {
    const pb = resolve(REPO, 'test/fixtures/engine/roles-project/site.yml');
    const list = await tsplay(['roles', 'list', '-p', pb]);
    expect(list.code, list.all).toBe(0);
    expect(list.out).toContain('app');
    expect(list.out).toContain('site');
    const show = await tsplay(['roles', 'show', 'app', '-p', pb]);
    expect(show.code, show.all).toBe(0);
    expect(show.out).toContain('listen_port');
    expect(show.out).toContain('port the app listens on');
    const yaml = await tsplay(['roles', 'show', 'site', '-p', pb]);
    expect(yaml.out).toContain('site_dest');
    expect(yaml.out).toMatch(/site_workers[\s\S]*2/);
  });
});

describe('interrupt', () => {
  it('SIGINT to `tsplay run` stops after the running task: exit 99, the recap says so', { timeout: 60_000 }, async () => {
    const p = project({
      'inventory.ini': one,
      'site.yml': play(`- name: slow
  shell: touch {{ playbook_dir }}/started; sleep 2
- name: after
  shell: touch {{ playbook_dir }}/after`),
    });
    const child = spawn(process.execPath, [resolve(REPO, 'bin/tsplay.mjs'), 'run', p.path('site.yml'), '-i', p.path('inventory.ini'), '--no-history'], {
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const started = setInterval(() => {
      if (p.exists('started')) {
        clearInterval(started);
        child.kill('SIGINT');
      }
    }, 20);
    const code = await new Promise<number | null>((r) => child.on('close', r));
    clearInterval(started);
    expect(code, out).toBe(99);
    expect(p.exists('after')).toBe(false);
    expect(out).toContain('interrupted');
  });
});

describe('role params checked before the run', () => {
  const role = {
    'roles/r3/meta/argument_specs.yml': 'argument_specs:\n  main:\n    options:\n      p:\n        type: int\n        required: true\n',
    'roles/r3/tasks/main.yml': '- name: show\n  shell: echo p={{ p }} >> {{ playbook_dir }}/r3.log\n',
  };

  it('may come from vars_files, and from variables the play registers or set_facts first', async () => {
    const p = project({
      ...role,
      'inventory.ini': one,
      'vf.yml': 'from_file: 7\n',
      'site.yml': `- hosts: web
  gather_facts: false
  vars_files: [vf.yml]
  roles:
    - role: r3
      p: "{{ from_file }}"
  tasks:
    - set_fact: { later: 5 }
    - command: echo 6
      register: out
      changed_when: false
    - include_role: { name: r3 }
      vars: { p: "{{ later }}" }
    - include_role: { name: r3 }
      vars: { p: "{{ out.stdout | int }}" }
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(p.lines('r3.log')).toEqual(['p=7', 'p=5', 'p=6']);
  });

  it('an undefined variable in a role param is still exit 4 before anything runs', async () => {
    const p = project({
      ...role,
      'inventory.ini': one,
      'site.yml': `- hosts: web
  gather_facts: false
  pre_tasks:
    - shell: touch {{ playbook_dir }}/ran
  roles:
    - role: r3
      p: "{{ nowhere }}"
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(4);
    expect(r.err).toContain("undefined variable 'nowhere'");
    expect(p.exists('ran')).toBe(false);
  });

  it("a wrong type fails the role's validation task when the role starts (Ansible), after the tasks before it", async () => {
    const p = project({
      ...role,
      'inventory.ini': one,
      'site.yml': `- hosts: web
  gather_facts: false
  pre_tasks:
    - shell: touch {{ playbook_dir }}/ran
  roles:
    - role: r3
      p: not-a-number
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(2);
    expect(r.all).toContain("argument 'p' is of type <class 'ansible.parsing.yaml.objects.AnsibleUnicode'> and we were unable to convert to int");
    expect(p.exists('ran')).toBe(true);
    expect(p.exists('r3.log')).toBe(false);
  });
});

describe('secret-named variables from every layer', () => {
  it('role defaults, set_fact, task vars, block vars and a registered *_token are hidden everywhere', async () => {
    const p = project({
      'inventory.ini': one,
      'roles/sec/defaults/main.yml': 'svc_api_token: literal-default-secret-1\n',
      'roles/sec/tasks/main.yml': '- name: role shows\n  debug: { msg: "{{ svc_api_token }}" }\n',
      'site.yml': `- hosts: web
  gather_facts: false
  roles: [sec]
  tasks:
    - set_fact: { db_password: setfact-secret-2 }
    - name: setfact shows
      debug: { msg: "{{ db_password }}" }
    - name: task var shows
      debug: { msg: "{{ my_secret }}" }
      vars: { my_secret: task-var-secret-3 }
    - block:
        - name: block var shows
          debug: { msg: "{{ blk_token }}" }
      vars: { blk_token: block-var-secret-4 }
    - name: fetch a token
      command: echo registered-secret-5
      register: vault_token
    - name: registered shows
      debug: { msg: "{{ vault_token.stdout }}" }
    - name: loop set_fact
      set_fact: { loop_password: "loop-secret-6" }
      loop: [1]
    - name: loop shows
      debug: { msg: "{{ loop_password }}" }
`,
    });
    const r = await run(p, ['-v', '-v']);
    expect(r.code, r.all).toBe(0);
    for (const text of [r.all, r.jsonText, r.junit]) expect(text).not.toMatch(/secret-[1-6]/);
    expect(debugMsgs(r.report, 'setfact shows')).toEqual({ h1: '********' });
  });
});
