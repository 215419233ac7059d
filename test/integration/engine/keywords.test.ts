// Play/block/task keywords of Ansible's runtime vocabulary through the CLI on local hosts:
// environment, connection variables vs play vars, meta, handlers (listen, block notify, templated
// names), vars_prompt without a terminal, and the magic variables.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupProjects, debugMsgs, localInventory, project, resultsOf, run } from './project.js';

afterAll(cleanupProjects);

const one = localInventory({ web: { h1: '' } });
const two = localInventory({ web: { h1: '', h2: '' } });

describe('environment', () => {
  it('play, block and task environments merge outermost first; the task wins; values are Python text', async () => {
    const p = project({
      'inventory.ini': one,
      'site.yml': `- hosts: web
  gather_facts: false
  environment: { A: play, B: play, N: 5 }
  vars: { flag: true }
  tasks:
    - environment: { B: block, C: block, T: "{{ flag }}" }
      block:
        - name: env
          shell: echo "$A $B $C $D $N $T"
          environment: { C: task, D: task }
          register: out
        - name: show
          debug: { msg: "{{ out.stdout }}" }
    - name: outside
      command: printenv A B
      register: plain
    - name: show outside
      debug: { msg: "{{ plain.stdout_lines }}" }
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: 'play block task task 5 True' });
    expect(debugMsgs(r.report, 'show outside')).toEqual({ h1: ['play', 'play'] });
  });

  it('environment may be one template of a mapping (environment: "{{ proxy_env }}"); a non-mapping is a clear error', async () => {
    const p = project({
      'inventory.ini': one,
      'site.yml': `- hosts: web
  gather_facts: false
  vars:
    proxy_env: { HTTP_PROXY: "http://proxy:3128", NO_PROXY: localhost }
    word: nope
  tasks:
    - name: proxied
      shell: echo "$HTTP_PROXY $NO_PROXY"
      environment: "{{ proxy_env }}"
      register: out
    - name: show
      debug: { msg: "{{ out.stdout }}" }
    - name: bad
      shell: "true"
      environment: "{{ word }}"
`,
    });
    const r = await run(p);
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: 'http://proxy:3128 localhost' });
    expect(resultsOf(r.report, 'bad')['h1']!.status).toBe('failed');
    expect(resultsOf(r.report, 'bad')['h1']!.msg).toMatch(/environment must be a dictionary, received nope/);
  });

  it('a role call and its tasks carry environment too', async () => {
    const p = project({
      'inventory.ini': one,
      'roles/r/tasks/main.yml': `- name: in role
  shell: echo "$R $T"
  environment: { T: "{{ role_name }}" }
  register: out
- name: show
  debug: { msg: "{{ out.stdout }}" }
`,
      'site.yml': `- hosts: web
  gather_facts: false
  roles:
    - role: r
      environment: { R: call }
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'r : show')).toEqual({ h1: 'call r' });
  });
});

describe('connection variables and keywords', () => {
  it('play vars named port, user, address, connection, become are data: the play still runs where the inventory says', async () => {
    const p = project({
      'inventory.ini': one,
      'site.yml': `- hosts: web
  gather_facts: false
  vars: { port: 8080, user: nobody, address: 203.0.113.9, connection: winrm, become: true, become_user: nobody }
  tasks:
    - name: who
      command: id -un
      register: who
    - name: show
      debug: { msg: "{{ port }} {{ user }} {{ who.stdout == lookup('env', 'USER') or who.stdout != 'nobody' }}" }
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: '8080 nobody True' });
  });

  it('connection: smart / paramiko are ssh, an unknown one is refused at load with file:line:col', async () => {
    const p = project({
      'inventory.ini': one,
      'site.yml': `- hosts: web\n  gather_facts: false\n  connection: winrm\n  tasks:\n    - debug: msg=x\n`,
    });
    const r = await run(p);
    expect(r.code).not.toBe(0);
    expect(r.all).toMatch(/site\.yml:3:15: connection 'winrm' is not supported/);
  });

  it('become_method other than sudo/su fails the tasks that become, when they run (as ansible-core); others run', async () => {
    const p = project({
      'inventory.ini': one,
      'site.yml': `- hosts: web\n  gather_facts: false\n  become_method: runas\n  tasks:\n    - name: plain\n      command: id\n    - name: becomes\n      command: id\n      become: true\n      become_method: 5\n`,
    });
    const r = await run(p);
    expect(r.code).toBe(2);
    expect(resultsOf(r.report, 'plain')['h1']!.status).toBe('changed');
    expect(resultsOf(r.report, 'becomes')['h1']!.status).toBe('failed');
    expect(r.all).toMatch(/site\.yml:7:7: Invalid become method specified, could not find matching plugin: '5'/);
  });
});

describe('meta', () => {
  it('end_host ends one host (its notified handlers are dropped), the next play runs it again', async () => {
    const p = project({
      'inventory.ini': two,
      'site.yml': `- hosts: web
  gather_facts: false
  tasks:
    - name: change
      debug: msg=x
      changed_when: true
      notify: h
    - meta: end_host
      when: inventory_hostname == 'h2'
    - name: after
      debug: msg=after
  handlers:
    - name: h
      debug: msg=handler
- hosts: web
  gather_facts: false
  tasks:
    - name: second play
      debug: msg=again
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(Object.keys(resultsOf(r.report, 'after'))).toEqual(['h1']);
    expect(Object.keys(resultsOf(r.report, 'h'))).toEqual(['h1']);
    expect(Object.keys(resultsOf(r.report, 'second play')).sort()).toEqual(['h1', 'h2']);
    // a meta whose condition is false shows as skipped, but is not counted in the recap (as in ansible)
    expect(resultsOf(r.report, 'meta')['h1']!.status).toBe('skipped');
    expect(r.report.recap['h1']!.skipped).toBe(0);
  });

  it('end_play stops the play for every host and drops pending handlers; flush_handlers runs them in definition order', async () => {
    const p = project({
      'inventory.ini': one,
      'site.yml': `- hosts: web
  gather_facts: false
  tasks:
    - name: change
      shell: "true"
      notify: [second, first]
    - meta: flush_handlers
    - name: log
      shell: echo task >> {{ playbook_dir }}/order.log
      notify: first
    - meta: end_play
    - name: never
      debug: msg=never
  handlers:
    - name: first
      shell: echo first >> {{ playbook_dir }}/order.log
    - name: second
      shell: echo second >> {{ playbook_dir }}/order.log
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(p.lines('order.log')).toEqual(['first', 'second', 'task']);
    expect(() => resultsOf(r.report, 'never')).toThrow();
  });

  it('an unknown meta action is a load error naming the file and line', async () => {
    const p = project({ 'inventory.ini': one, 'site.yml': `- hosts: web\n  tasks:\n    - meta: flush_handler\n` });
    const r = await run(p);
    expect(r.all).toMatch(/site\.yml:3:\d+: invalid meta action requested: flush_handler/);
    expect(r.all).toMatch(/did you mean flush_handlers/);
  });
});

describe('handlers', () => {
  it('listen topics, notify on a block, the first handler of a name in the play list, templated handler names and notify', async () => {
    const p = project({
      'inventory.ini': one,
      'site.yml': `- hosts: web
  gather_facts: false
  vars: { svc: web, which: restart web }
  tasks:
    - notify: restart web
      block:
        - name: a change
          shell: "true"
        - name: own notify
          shell: "true"
          notify: topic
    - name: templated notify
      shell: "true"
      notify: "{{ which }}"
  handlers:
    - name: restart web
      shell: echo dup-first >> {{ playbook_dir }}/h.log
    - name: listener
      shell: echo listener >> {{ playbook_dir }}/h.log
      listen: topic
    - name: "restart {{ svc }}"
      shell: echo named-last >> {{ playbook_dir }}/h.log
    - name: also listens
      shell: echo also >> {{ playbook_dir }}/h.log
      listen: [topic]
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(p.lines('h.log')).toEqual(['dup-first', 'listener', 'also']);
  });

  it("a role's task notifies another role's handler; roles' handlers run before the play's", async () => {
    const p = project({
      'inventory.ini': one,
      'roles/a/tasks/main.yml': `- name: change in a\n  shell: "true"\n  notify: [play handler, from b]\n`,
      'roles/b/tasks/main.yml': `- name: nothing in b\n  debug: msg=b\n`,
      'roles/b/handlers/main.yml': `- name: from b\n  shell: echo b >> {{ playbook_dir }}/r.log\n`,
      'site.yml': `- hosts: web
  gather_facts: false
  roles: [b, a]
  handlers:
    - name: play handler
      shell: echo play >> {{ playbook_dir }}/r.log
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(p.lines('r.log')).toEqual(['b', 'play']);
  });
});

describe('vars_prompt', () => {
  it('without a terminal the default is used (templated, as text); -e skips the prompt; no default is an error', async () => {
    const p = project({
      'inventory.ini': one,
      'site.yml': `- hosts: web
  gather_facts: false
  vars: { base: "1.0" }
  vars_prompt:
    - name: release
      prompt: Release?
      default: "{{ base }}.1"
    - name: count
      default: 5
    - name: given
      prompt: Given?
  tasks:
    - name: show
      debug: { msg: "{{ release }} {{ count | type_debug }} {{ given }}" }
`,
    });
    const r = await run(p, ['-e', 'given=yes']);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: '1.0.1 str yes' });
    const r2 = await run(p);
    expect(r2.code).not.toBe(0);
    expect(r2.all).toMatch(/vars_prompt: no value for 'given' and no terminal to ask on/);
  });
});

describe('magic variables', () => {
  it('the run, play and role magic variables', async () => {
    const p = project({
      'inventory.ini': two,
      'roles/outer/tasks/main.yml': `- include_role: { name: inner }\n`,
      'roles/inner/tasks/main.yml': `- name: inner
  debug: { msg: "{{ role_name }} {{ ansible_role_name }} {{ role_path | basename }} {{ ansible_parent_role_names }}" }
`,
      'site.yml': `- name: magic
  hosts: web
  gather_facts: false
  roles: [outer]
  tasks:
    - name: set
      set_fact: { mine: "{{ inventory_hostname }}-fact" }
    - name: show
      debug:
        msg:
          - "{{ ansible_play_name }}"
          - "{{ ansible_play_hosts_all }}"
          - "{{ ansible_play_batch }}"
          - "{{ ansible_run_tags }}"
          - "{{ ansible_skip_tags }}"
          - "{{ ansible_limit }}"
          - "{{ ansible_version.major is number }}"
          - "{{ ansible_version.full }} {{ tsplay_version is string }}"
          - "{{ ansible_config_file }}"
          - "{{ hostvars['h1'].mine }}"
          - "{{ role_name | default('none') }}"
`,
    });
    const r = await run(p, ['--limit', 'h1', '--skip-tags', 'nothing']);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'inner : inner')).toEqual({ h1: "inner inner inner ['outer']" });
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: ['magic', ['h1'], ['h1'], ['all'], ['nothing'], 'h1', true, '2.14.18 True', null, 'h1-fact', 'none'] });
  });
});
