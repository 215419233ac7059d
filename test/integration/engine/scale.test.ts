// Many local hosts: --forks bounds the parallelism, every host gets every task once, recaps add up;
// include_tasks / import_playbook; delegate_to another inventory host; become on the controller.
import { userInfo } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupProjects, localInventory, project, resultsOf, run } from './project.js';

afterAll(cleanupProjects);

const many = (n: number) => localInventory({ fleet: Object.fromEntries(Array.from({ length: n }, (_, i) => [`n${String(i + 1).padStart(2, '0')}`, ''])) });

describe('many hosts', () => {
  it('--forks 4 never runs more than 4 hosts at once; 24 hosts each run each task once', { timeout: 60_000 }, async () => {
    const p = project({
      'inventory.ini': many(24),
      'running/.keep': '',
      // Each task marks itself running, records how many are running, waits a little, unmarks.
      'site.yml': `- hosts: fleet
  gather_facts: false
  tasks:
    - name: measured
      shell: |
        touch {{ playbook_dir }}/running/{{ inventory_hostname }}
        ls {{ playbook_dir }}/running | grep -vc keep >> {{ playbook_dir }}/concurrency
        sleep 0.5
        rm {{ playbook_dir }}/running/{{ inventory_hostname }}
    - name: second
      shell: echo {{ inventory_hostname }} >> {{ playbook_dir }}/second
`,
    });
    const r = await run(p, ['--forks', '4']);
    expect(r.code, r.all).toBe(0);
    const counts = p.lines('concurrency').map(Number);
    expect(counts).toHaveLength(24);
    expect(Math.max(...counts)).toBeLessThanOrEqual(4);
    expect(Math.max(...counts)).toBeGreaterThan(1); // and it did run in parallel
    expect(new Set(p.lines('second')).size).toBe(24);
    expect(p.lines('second')).toHaveLength(24);
    expect(Object.keys(r.report.recap)).toHaveLength(24);
    for (const rc of Object.values(r.report.recap)) expect(rc).toMatchObject({ ok: 2, changed: 2, failed: 0 });
  });
});

describe('task and playbook files', () => {
  it('include_tasks with vars and import_playbook run in order', async () => {
    const p = project({
      'inventory.ini': localInventory({ web: { h1: '' } }),
      'tasks/extra.yml': '- name: included\n  shell: echo included-{{ what }} >> {{ playbook_dir }}/o.log\n',
      'other.yml': '- hosts: web\n  gather_facts: false\n  tasks:\n    - name: imported play\n      shell: echo imported >> {{ playbook_dir }}/o.log\n',
      'site.yml': `- hosts: web
  gather_facts: false
  tasks:
    - name: first
      shell: echo first >> {{ playbook_dir }}/o.log
    - include_tasks: tasks/extra.yml
      vars: { what: x }
- import_playbook: other.yml
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(p.lines('o.log')).toEqual(['first', 'included-x', 'imported']);
  });
});

describe('delegate_to another inventory host', () => {
  it("runs with the delegating host's variables on the delegate's connection", async () => {
    const p = project({
      // web1 itself is unreachable; its task is delegated to the local host "ctl".
      'inventory.ini': `[web]\nweb1 ansible_host=127.0.0.1 ansible_port=1 color=green\n[ctl]\nctl ansible_connection=local\n`,
      'site.yml': `- hosts: web
  gather_facts: false
  tasks:
    - name: on ctl
      shell: echo {{ inventory_hostname }}-{{ color }} >> {{ playbook_dir }}/d.log
      delegate_to: ctl
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(p.lines('d.log')).toEqual(['web1-green']);
    expect(resultsOf(r.report, 'on ctl')['web1']!.status).toBe('changed');
  });
});

describe.runIf(userInfo().uid === 0)('become on the controller', () => {
  it('become_user runs the command as that user', async () => {
    const p = project({
      'inventory.ini': localInventory({ web: { h1: '' } }),
      'site.yml': `- hosts: web
  gather_facts: false
  tasks:
    - name: who
      command: id -un
      become: true
      become_user: nobody
      register: who
      changed_when: false
    - name: root
      command: id -un
      become: true
      register: root
      changed_when: false
    - assert: { that: ["who.stdout == 'nobody'", "root.stdout == 'root'"] }
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
  });
});
