// Variables end to end through `tsplay run` on local hosts: precedence, lazy templating, native types.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupProjects, debugMsgs, localInventory, project, run } from './project.js';

afterAll(cleanupProjects);

describe('variable precedence (role defaults < group < host < play < vars_files < set_fact < -e)', () => {
  const layers = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  const from = (i: number, value: string) =>
    layers
      .slice(i)
      .map((k) => `${k}: ${value}`)
      .join('\n');

  it('each layer overrides exactly the ones below it', async () => {
    const p = project({
      'inventory.ini': `[web]\nh1 ansible_connection=local ${layers
        .slice(2)
        .map((k) => `${k}=host`)
        .join(' ')}\n\n[web:vars]\n${layers
        .slice(1)
        .map((k) => `${k}=group`)
        .join('\n')}\n`,
      'roles/show/defaults/main.yml': from(0, 'role_defaults') + '\n',
      'roles/show/tasks/main.yml': '- name: show\n  debug:\n    msg: "{{ a }} {{ b }} {{ c }} {{ d }} {{ e }} {{ f }} {{ g }}"\n',
      'vars/extra.yml': from(4, 'vars_files') + '\n',
      'site.yml': `- hosts: web
  gather_facts: false
  vars:
${from(3, 'play').replace(/^/gm, '    ')}
  vars_files: [vars/extra.yml]
  pre_tasks:
    - set_fact:
${from(5, 'set_fact').replace(/^/gm, '        ')}
  roles: [show]
`,
    });
    const r = await run(p, ['-e', 'g=extra']);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'show : show')).toEqual({ h1: 'role_defaults group host play vars_files set_fact extra' });
  });

  it('a registered result outranks play vars, and -e outranks a registered result', async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: '' } }),
      'site.yml': `- hosts: all
  gather_facts: false
  vars: { out: play, other: play }
  tasks:
    - command: echo hi
      register: out
      changed_when: false
    - command: echo hi
      register: other
      changed_when: false
    - name: show
      debug:
        msg: "{{ out.stdout }} {{ other }}"
`,
    });
    const r = await run(p, ['-e', 'other=extra']);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: 'hi extra' });
  });

  it('a set_fact from one play is still set in the next play (host vars persist for the run)', async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: '', h2: '' } }),
      'site.yml': `- hosts: all
  gather_facts: false
  tasks:
    - set_fact: { who: "{{ inventory_hostname }}-first" }
- hosts: all
  gather_facts: false
  tasks:
    - name: show
      debug: { msg: "{{ who }}" }
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: 'h1-first', h2: 'h2-first' });
  });
});

describe('lazy templating and native types', () => {
  it('a play var templated from a host var resolves per host, and sees -e overrides of what it uses', async () => {
    const p = project({
      'inventory.ini': localInventory({ web: { h1: 'base=http://one', h2: 'base=http://two' } }),
      'site.yml': `- hosts: web
  gather_facts: false
  vars:
    url: "{{ base }}/{{ path }}"
    path: default
  tasks:
    - name: show
      debug: { msg: "{{ url }}" }
`,
    });
    const r = await run(p, ['-e', 'path=api']);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: 'http://one/api', h2: 'http://two/api' });
  });

  it('"{{ list }}" stays a list, "{{ n }}" a number, "{{ d }}" a mapping', async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: '' } }),
      'site.yml': `- hosts: all
  gather_facts: false
  vars:
    ports: [80, 443]
    port: 8080
    conf: { a: 1 }
    copy_ports: "{{ ports }}"
    copy_port: "{{ port }}"
    copy_conf: "{{ conf }}"
  tasks:
    - name: show list
      debug: { msg: "{{ copy_ports }}" }
    - name: show number
      debug: { msg: "{{ copy_port }}" }
    - name: show mapping
      debug: { msg: "{{ copy_conf }}" }
    - name: types hold in conditions
      assert:
        that:
          - copy_ports | length == 2
          - copy_ports[1] == 443
          - copy_port == 8080
          - copy_conf.a == 1
    - name: loop over a templated list
      debug: { msg: "port {{ item }}" }
      loop: "{{ copy_ports }}"
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'show list')).toEqual({ h1: [80, 443] });
    expect(debugMsgs(r.report, 'show number')).toEqual({ h1: 8080 });
    expect(debugMsgs(r.report, 'show mapping')).toEqual({ h1: { a: 1 } });
    expect(r.out).toContain('(item=80)');
    expect(r.out).toContain('(item=443)');
  });

  it('one-letter variable names (y, n) are names, not YAML 1.1 booleans (as in Ansible)', async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: '' } }),
      'site.yml': `- hosts: all
  gather_facts: false
  vars:
    n: 3
  tasks:
    - set_fact:
        y: 4
    - name: show
      debug: { msg: "{{ n }} {{ y }}" }
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: '3 4' });
  });

  it('an undefined variable fails the task naming the variable and the task file:line', async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: '' } }),
      'site.yml': `- hosts: all
  gather_facts: false
  tasks:
    - name: ok first
      debug: { msg: hi }
    - name: uses nope
      debug: { msg: "{{ nope }}" }
`,
    });
    const r = await run(p);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(new RegExp(`${p.path('site.yml').replace(/[.]/g, '\\.')}:6:\\d+: undefined variable 'nope'`));
    expect(r.report.recap['h1']).toMatchObject({ ok: 1, failed: 1 });
  });

  it('env.NAME reads the controller environment', async () => {
    process.env['TSPLAY_IT_GREETING'] = 'hello-from-env';
    const p = project({
      'inventory.ini': localInventory({ all: { h1: '' } }),
      'site.yml': '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: show\n      debug: { msg: "{{ env.TSPLAY_IT_GREETING }}" }\n',
    });
    const r = await run(p);
    delete process.env['TSPLAY_IT_GREETING'];
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: 'hello-from-env' });
  });
});

describe('vars_files', () => {
  it('are read as YAML 1.1 like the playbook: `yes` is a boolean usable in when', async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: '' } }),
      'vars/flags.yml': 'enabled: yes\ndisabled: off\n',
      'site.yml': `- hosts: all
  gather_facts: false
  vars_files: [vars/flags.yml]
  tasks:
    - name: runs
      debug: { msg: on }
      when: enabled
    - name: skipped
      debug: { msg: off }
      when: disabled
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(r.report.recap['h1']).toMatchObject({ ok: 1, skipped: 1, failed: 0 });
  });
});
