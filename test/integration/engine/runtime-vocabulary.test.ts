// Issue 10's runtime vocabulary, checked against what ansible-core 2.14 does: register on
// includes, register names Python refuses, until lists, include_role's k=v form.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupProjects, debugMsgs, localInventory, project, run } from './project.js';

afterAll(cleanupProjects);

const one = localInventory({ web: { h1: '' } });
const play = (tasks: string) => `- hosts: web\n  gather_facts: false\n  tasks:\n${tasks.replace(/^/gm, '    ')}\n`;

describe('register on includes', () => {
  it('include_tasks registers include and include_args (per item with a loop); include_role its include_args', async () => {
    const p = project({
      'inventory.ini': one,
      'inc.yml': '- debug: { msg: inc }\n',
      'roles/r1/tasks/main.yml': '- debug: { msg: inrole }\n',
      'site.yml': play(`- include_tasks: inc.yml
  register: ri
- name: show ri
  debug: { msg: "{{ ri }}" }
- include_role: name=r1 tasks_from=main
  register: rr
- name: show rr
  debug: { msg: "{{ rr }}" }
- include_tasks: { file: "{{ item }}.yml" }
  loop: [inc]
  register: rl
- name: show rl
  debug: { msg: "{{ rl.results | map(attribute='include') | list }} {{ rl.msg }}" }
- include_tasks: inc.yml
  when: false
  register: rs
- name: show rs
  debug: { msg: "{{ rs }}" }`),
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'show ri')['h1']).toEqual({ changed: false, include: 'inc.yml', include_args: {} });
    expect(debugMsgs(r.report, 'show rr')['h1']).toEqual({ changed: false, include_args: { name: 'r1', tasks_from: 'main' } });
    expect(debugMsgs(r.report, 'show rl')['h1']).toBe("['inc.yml'] All items completed");
    expect(debugMsgs(r.report, 'show rs')['h1']).toEqual({ changed: false, skipped: true, skip_reason: 'Conditional result was False' });
  });

  it("include_role needs name: ('include_role: r1' is refused as ansible-core refuses it)", async () => {
    const p = project({ 'inventory.ini': one, 'roles/r1/tasks/main.yml': '- debug: { msg: x }\n', 'site.yml': play('- include_role: r1') });
    const r = await run(p);
    expect(r.code).not.toBe(0);
    expect(r.all).toContain("'name' is a required field for include_role.");
  });
});

describe('include_role options', () => {
  for (const [spec, message] of [
    ['include_role: { name: r1, vars: { x: 1 } }', 'Invalid options for include_role: vars'],
    ['import_role: { name: r1, x: 1, y: 2 }', 'Invalid options for import_role: x,y'],
  ] as const) {
    it(`${spec} is refused as ansible-core refuses it (${message})`, async () => {
      const p = project({ 'inventory.ini': one, 'roles/r1/tasks/main.yml': '- debug: { msg: x }\n', 'site.yml': play(`- ${spec}`) });
      const r = await run(p);
      expect(r.code).not.toBe(0);
      expect(r.all).toContain(message);
    });
  }
});

describe('register names and until', () => {
  for (const [value, shown] of [
    ['5', '5'],
    ['yes', 'True'],
    ['class', 'class'],
    ['my-result', 'my-result'],
  ] as const) {
    it(`register: ${value} is refused with Python's text of it ('${shown}')`, async () => {
      const p = project({ 'inventory.ini': one, 'site.yml': play(`- command: echo hi\n  register: ${value}`) });
      const r = await run(p);
      expect(r.code).not.toBe(0);
      expect(r.all).toContain(`Invalid variable name in 'register' specified: '${shown}'`);
    });
  }

  it("connection: yes is named as ansible-core names it ('True') and refused before anything runs", async () => {
    const p = project({ 'inventory.ini': one, 'site.yml': play('- command: echo hi\n  connection: yes') });
    const r = await run(p);
    expect(r.code).not.toBe(0);
    expect(r.all).toContain("connection 'True' is not supported");
  });

  it('until takes a list of conditions (all must hold)', async () => {
    const p = project({
      'inventory.ini': one,
      'site.yml': play(`- shell: echo x >> {{ playbook_dir }}/n.log; wc -l < {{ playbook_dir }}/n.log
  register: c
  until: [c.rc == 0, "c.stdout | int >= 3"]
  retries: 5
  delay: 0
- name: attempts
  debug: { msg: "{{ c.attempts }}" }`),
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'attempts')['h1']).toBe('3');
  });
});

describe('vars_prompt encrypt', () => {
  const prompted = (entry: string) =>
    `- hosts: web\n  gather_facts: false\n  vars_prompt:\n    - name: pw\n${entry.replace(/^/gm, '      ')}\n  tasks:\n    - name: show\n      debug: { msg: "{{ pw }}" }\n`;

  it('hashes the default as ansible-core with passlib does (sha512_crypt, its 656000 rounds, the templated salt)', async () => {
    const p = project({ 'inventory.ini': one, 'site.yml': prompted("default: secret\nencrypt: sha512_crypt\nsalt: \"{{ 'salt' ~ 'salt' }}\"") });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    // the value ansible-core 2.14 prints for this entry on this controller
    expect(debugMsgs(r.report, 'show')['h1']).toBe('$6$rounds=656000$saltsalt$Vg7us3Hcq8rplCTNjwvGRwObM2xyfDZZ.XP2YLQ.ii85wAq/psu28uEfoMveNszsQWMgkWRxbZm2mBBlNn3.J0');
  });

  for (const [entry, message] of [
    ['default: secret\nencrypt: sha512', "passlib does not support 'sha512' algorithm"],
    ['default: 5\nencrypt: md5_crypt', 'secret must be unicode or bytes, not int'],
  ] as const) {
    it(`refuses ${entry.replace('\n', ', ')}: ${message}`, async () => {
      const p = project({ 'inventory.ini': one, 'site.yml': prompted(entry) });
      const r = await run(p);
      expect(r.code).not.toBe(0);
      expect(r.all).toContain(`vars_prompt 'pw': ${message}`);
    });
  }
});

describe('ansible_play_role_names as play.roles', () => {
  it('holds roles:, every import_role from the start, and a public include_role once included (a private one never)', async () => {
    const p = project({
      'inventory.ini': one,
      'roles/a/tasks/main.yml': '- debug: { msg: a }\n',
      'roles/b/tasks/main.yml': '- debug: { msg: b }\n',
      'roles/c/tasks/main.yml': '- debug: { msg: c }\n',
      'roles/d/tasks/main.yml': '- debug: { msg: d }\n',
      'site.yml': `- hosts: web
  gather_facts: false
  roles: [a]
  tasks:
    - name: before
      debug: { msg: "{{ ansible_play_role_names }}" }
    - include_role: { name: c }
    - include_role: { name: d, public: true }
    - name: after
      debug: { msg: "{{ ansible_play_role_names }} {{ ansible_role_names | sort }}" }
    - import_role: { name: b }
`,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'before')['h1']).toEqual(['a', 'b']);
    expect(debugMsgs(r.report, 'after')['h1']).toBe("['a', 'b', 'd'] ['a', 'b', 'd']");
  });
});

describe('meta: clear_host_errors and ansible_play_hosts_all (both checked against ansible-core 2.14)', () => {
  const two = localInventory({ web: { h1: '', h2: '' } });
  const fail = `    - command: "false"\n      when: inventory_hostname == 'h1'\n`;

  it('a host failed in this play stays out of it after the meta; the next play has it again', async () => {
    const p = project({
      'inventory.ini': two,
      'site.yml': `- hosts: web\n  gather_facts: false\n  tasks:\n${fail}    - meta: clear_host_errors\n    - name: after\n      debug: { msg: "{{ ansible_play_hosts }} {{ ansible_play_batch }}" }\n- hosts: web\n  gather_facts: false\n  tasks:\n    - name: next\n      debug: { msg: "{{ ansible_play_hosts_all }}" }\n`,
    });
    const r = await run(p);
    expect(r.code).toBe(2);
    expect(debugMsgs(r.report, 'after')).toEqual({ h2: "['h2'] ['h2']" });
    expect(debugMsgs(r.report, 'next')).toEqual({ h1: ['h1', 'h2'], h2: ['h1', 'h2'] });
  });

  it('ansible_play_hosts_all keeps a host failed in an earlier play; clear_host_errors there brings it back for the next play', async () => {
    const p = project({
      'inventory.ini': two,
      'site.yml': `- hosts: web\n  gather_facts: false\n  tasks:\n${fail}- hosts: web\n  gather_facts: false\n  tasks:\n    - name: p2\n      debug: { msg: "{{ ansible_play_hosts_all }} {{ ansible_play_hosts }} {{ ansible_play_batch }}" }\n    - meta: clear_host_errors\n- hosts: web\n  gather_facts: false\n  tasks:\n    - name: p3\n      debug: { msg: "{{ ansible_play_hosts }}" }\n`,
    });
    const r = await run(p);
    expect(r.code).toBe(2);
    expect(debugMsgs(r.report, 'p2')).toEqual({ h2: "['h1', 'h2'] ['h2'] ['h2']" });
    expect(debugMsgs(r.report, 'p3')).toEqual({ h1: ['h1', 'h2'], h2: ['h1', 'h2'] });
  });
});
