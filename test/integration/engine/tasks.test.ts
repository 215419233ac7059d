// Task keywords end to end through `tsplay run` on local hosts: when, loop, register, handlers,
// tags, changed_when/failed_when, ignore_errors, retries/until, block/rescue/always, run_once,
// delegate_to, no_log.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupProjects, debugMsgs, localInventory, project, resultsOf, run } from './project.js';

afterAll(cleanupProjects);

const inv2 = localInventory({ web: { h1: 'role=a', h2: 'role=b' } });
const play = (tasks: string, head = '') => `- hosts: web\n  gather_facts: false\n${head}  tasks:\n${tasks.replace(/^/gm, '    ')}\n`;

describe('when', () => {
  it('a list is AND; registered rc/stdout/changed and `is defined` work', async () => {
    const p = project({
      'inventory.ini': inv2,
      'site.yml': play(`- command: echo {{ role }}
  register: r
  changed_when: false
- name: both hold
  debug: { msg: yes }
  when: ["r.rc == 0", "r.stdout == 'a'"]
- name: not changed
  debug: { msg: yes }
  when: not r.changed
- name: defined
  debug: { msg: yes }
  when: r is defined and nothing is not defined
- name: in list
  debug: { msg: yes }
  when: role in ['b', 'c']`),
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    const st = (n: string) => Object.fromEntries(Object.entries(resultsOf(r.report, n)).map(([h, x]) => [h, x.status]));
    expect(st('both hold')).toEqual({ h1: 'ok', h2: 'skipped' });
    expect(st('not changed')).toEqual({ h1: 'ok', h2: 'ok' });
    expect(st('defined')).toEqual({ h1: 'ok', h2: 'ok' });
    expect(st('in list')).toEqual({ h1: 'skipped', h2: 'ok' });
  });

  it('a condition that is not a boolean is judged by Python truthiness, as ansible-core does', async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: 'word=hello empty=""' } }),
      'site.yml': play('- name: truthy\n  debug: { msg: x }\n  when: word\n- name: falsy\n  debug: { msg: y }\n  when: empty').replace('web', 'all'),
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(resultsOf(r.report, 'truthy')['h1']!.status).toBe('ok');
    expect(resultsOf(r.report, 'falsy')['h1']!.status).toBe('skipped');
  });
});

describe('templated boolean keywords (rendered per host, as ansible-core does)', () => {
  it('ignore_errors, no_log and check_mode from templates; a non-boolean result fails that host', async () => {
    const p = project({
      'inventory.ini': localInventory({ web: { h1: 'tolerate=yes secret=s3cr3t-XYZ', h2: 'tolerate=no secret=s3cr3t-XYZ' } }),
      'site.yml': play(`- name: may fail
  command: /bin/false
  ignore_errors: "{{ tolerate }}"
- name: hidden
  debug: { msg: "{{ secret }}" }
  no_log: "{{ tolerate | bool }}"
- name: dry
  command: touch {{ playbook_dir }}/{{ inventory_hostname }}.made
  check_mode: "{{ inventory_hostname == 'h1' }}"
- name: bad value
  debug: { msg: x }
  ignore_errors: "{{ 'maybe' }}"`),
    });
    const r = await run(p);
    const st = (n: string) => Object.fromEntries(Object.entries(resultsOf(r.report, n)).map(([h, x]) => [h, x.status]));
    expect(st('may fail')).toEqual({ h1: 'ignored', h2: 'failed' });
    // h2 stopped after its failure; h1 went on: its debug output is hidden
    expect(JSON.stringify(resultsOf(r.report, 'hidden')['h1'])).not.toContain('s3cr3t-XYZ');
    expect(p.exists('h1.made')).toBe(false);
    expect(st('bad value')).toEqual({ h1: 'failed' });
    expect(r.out).toContain('is not a valid boolean');
  });
});

describe('loop and register', () => {
  it('loops with item and loop_var; a registered loop has results[] with each item', async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: '' } }),
      'out/.keep': '',
      'site.yml': play(`- name: make files
  file: { path: "{{ playbook_dir }}/out/{{ item }}", state: touch }
  loop: [one, two]
  register: made
- name: with loop_var
  command: echo {{ f.name }}
  loop: [{ name: x }, { name: y }]
  loop_control: { loop_var: f }
  register: echoed
  changed_when: false
- name: show
  debug:
    msg: "{{ echoed.results[1].stdout }} {{ echoed.results[0].f.name }} {{ made.results | length }} {{ made.changed }}"`).replace('web', 'all'),
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(p.exists('out/one') && p.exists('out/two')).toBe(true);
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: 'y x 2 True' });
    const made = resultsOf(r.report, 'make files')['h1']!;
    expect(made.status).toBe('changed');
    expect(made.items?.map((i) => i.item)).toEqual(['one', 'two']);
    expect(r.report.recap['h1']).toMatchObject({ ok: 3, changed: 1 });
  });

  it('when is evaluated per item', async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: '' } }),
      'site.yml': play(`- name: odd only
  shell: echo {{ item }} >> {{ playbook_dir }}/odd.txt
  loop: [1, 2, 3]
  when: item != 2`).replace('web', 'all'),
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(p.lines('odd.txt')).toEqual(['1', '3']);
  });
});

describe('handlers', () => {
  const handlers = `  handlers:
    - name: first
      shell: echo first-{{ inventory_hostname }} >> {{ playbook_dir }}/h.log
    - name: second
      shell: echo second-{{ inventory_hostname }} >> {{ playbook_dir }}/h.log
    - name: by topic
      shell: echo topic-{{ inventory_hostname }} >> {{ playbook_dir }}/h.log
      listen: restart things
`;
  it('run once at the end, in definition order, only on hosts whose notifying task changed', async () => {
    const p = project({
      'inventory.ini': inv2,
      'site.yml':
        play(`- name: changes on h1 only
  command: echo x
  changed_when: role == 'a'
  notify: [second, first]
- name: changes again on h1
  command: echo y
  changed_when: role == 'a'
  notify: second
- name: topic
  command: echo z
  changed_when: true
  notify: restart things
- name: marker
  shell: echo tasks-done-{{ inventory_hostname }} >> {{ playbook_dir }}/h.log`) + handlers,
    });
    const r = await run(p, ['--forks', '1']);
    expect(r.code, r.all).toBe(0);
    const log = p.lines('h.log');
    // Handlers after all tasks; each once per host; definition order, not notification order.
    expect(log.slice(0, 2).sort()).toEqual(['tasks-done-h1', 'tasks-done-h2']);
    expect(log.slice(2)).toEqual(['first-h1', 'second-h1', 'topic-h1', 'topic-h2']);
    expect(resultsOf(r.report, 'first')['h1']!.status).toBe('changed');
    expect(r.out).toContain('RUNNING HANDLER [first]');
  });

  it('are not run when nothing changed', async () => {
    const p = project({
      'inventory.ini': inv2,
      'site.yml':
        play(`- command: echo x
  changed_when: false
  notify: first`) + handlers,
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(p.exists('h.log')).toBe(false);
    expect(r.out).not.toContain('RUNNING HANDLER');
  });
});

describe('tags', () => {
  const pb = play(`- { name: t-a, shell: "echo a >> {{ playbook_dir }}/t.log", tags: [a] }
- { name: t-b, shell: "echo b >> {{ playbook_dir }}/t.log", tags: [b] }
- { name: t-always, shell: "echo always >> {{ playbook_dir }}/t.log", tags: [always] }
- { name: t-never, shell: "echo never >> {{ playbook_dir }}/t.log", tags: [never] }
- { name: t-never-c, shell: "echo never-c >> {{ playbook_dir }}/t.log", tags: [never, c] }
- { name: t-none, shell: "echo none >> {{ playbook_dir }}/t.log" }`).replace('web', 'all');
  const cases: Array<[string[], string[]]> = [
    [[], ['a', 'b', 'always', 'none']],
    [
      ['--tags', 'a'],
      ['a', 'always'],
    ],
    [
      ['--skip-tags', 'a'],
      ['b', 'always', 'none'],
    ],
    [
      ['--tags', 'c'],
      ['always', 'never-c'],
    ],
    [
      ['--skip-tags', 'always'],
      ['a', 'b', 'none'],
    ],
  ];
  for (const [args, ran] of cases) {
    it(`${args.join(' ') || '(no flags)'} runs ${ran.join(', ')}`, async () => {
      const p = project({ 'inventory.ini': localInventory({ all: { h1: '' } }), 'site.yml': pb });
      const r = await run(p, args);
      expect(r.code, r.all).toBe(0);
      expect(p.lines('t.log')).toEqual(ran);
    });
  }
});

describe('changed_when, failed_when, ignore_errors', () => {
  it('override status from the registered result; ignore_errors counts as ignored, run exits 0', async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: '' } }),
      'site.yml': play(`- name: never changed
  command: echo hi
  register: r
  changed_when: false
- name: changed when stdout says so
  command: echo CHANGED
  register: r2
  changed_when: "'CHANGED' in r2.stdout"
- name: rc 1 is fine
  command: sh -c 'exit 1'
  register: r3
  failed_when: r3.rc not in [0, 1]
- name: fails on output
  command: echo ERROR here
  register: r4
  failed_when: "'ERROR' in r4.stdout"
  ignore_errors: true
- name: plain failure ignored
  command: "false"
  ignore_errors: yes
- name: still running
  debug: { msg: "{{ r4.failed }}" }`).replace('web', 'all'),
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    const s = (n: string) => resultsOf(r.report, n)['h1']!.status;
    expect(s('never changed')).toBe('ok');
    expect(s('changed when stdout says so')).toBe('changed');
    // command always reports changed (as in Ansible) unless changed_when says otherwise.
    expect(s('rc 1 is fine')).toBe('changed');
    expect(s('fails on output')).toBe('ignored');
    expect(s('plain failure ignored')).toBe('ignored');
    expect(debugMsgs(r.report, 'still running')).toEqual({ h1: true });
    // As in Ansible: ignored failures count in ok too, and a failed command still reports changed.
    expect(r.report.recap['h1']).toEqual({ ok: 6, changed: 4, failed: 0, skipped: 0, unreachable: 0, rescued: 0, ignored: 2 });
    expect(r.out).toContain('...ignoring');
  });
});

describe('retries / until', () => {
  it('retries until the condition holds, and fails after the last attempt when it never does', async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: '' } }),
      'site.yml': play(`- name: third time lucky
  shell: echo x >> {{ playbook_dir }}/tries; wc -l < {{ playbook_dir }}/tries
  register: t
  until: t.stdout | int >= 3
  retries: 5
  delay: 0
- name: show attempts
  debug: { msg: "{{ t.attempts }}" }
- name: never
  shell: echo x >> {{ playbook_dir }}/never; exit 1
  register: n
  until: n.rc == 0
  retries: 2
  delay: 0`).replace('web', 'all'),
    });
    const r = await run(p);
    expect(r.code).toBe(2);
    expect(p.lines('tries')).toHaveLength(3);
    // `{{ t.attempts }}` is not a bare variable, so Ansible renders it to text
    expect(debugMsgs(r.report, 'show attempts')).toEqual({ h1: '3' });
    expect(p.lines('never')).toHaveLength(3); // 1 + 2 retries
    expect(resultsOf(r.report, 'never')['h1']!.status).toBe('failed');
    expect(r.out).toContain('FAILED - RETRYING');
  });
});

describe('block / rescue / always', () => {
  it('a rescued failure counts as rescued, not failed; always runs; the host goes on', async () => {
    const p = project({
      'inventory.ini': inv2,
      'site.yml': play(`- block:
    - name: fails on h1
      command: "false"
      when: role == 'a'
    - name: after failure
      shell: echo block-{{ inventory_hostname }} >> {{ playbook_dir }}/b.log
  rescue:
    - name: rescue
      shell: echo rescue-{{ inventory_hostname }}-{{ ansible_failed_task.name }} >> {{ playbook_dir }}/b.log
  always:
    - name: always
      shell: echo always-{{ inventory_hostname }} >> {{ playbook_dir }}/b.log
- name: next
  shell: echo next-{{ inventory_hostname }} >> {{ playbook_dir }}/b.log`),
    });
    const r = await run(p, ['--forks', '1']);
    expect(r.code, r.all).toBe(0);
    expect(p.lines('b.log').sort()).toEqual(['always-h1', 'always-h2', 'block-h2', 'next-h1', 'next-h2', 'rescue-h1-fails on h1'].sort());
    expect(r.report.recap['h1']).toMatchObject({ failed: 0, rescued: 1 });
    expect(r.report.recap['h2']).toMatchObject({ failed: 0, rescued: 0 });
  });

  it('always runs on a host that failed without rescue; the host stays failed (exit 2)', async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: '' } }),
      'site.yml': play(`- block:
    - command: "false"
  always:
    - name: always
      shell: echo always >> {{ playbook_dir }}/a.log
- name: not reached
  shell: echo next >> {{ playbook_dir }}/a.log`).replace('web', 'all'),
    });
    const r = await run(p);
    expect(r.code).toBe(2);
    expect(p.lines('a.log')).toEqual(['always']);
    expect(r.report.recap['h1']).toMatchObject({ failed: 1, rescued: 0 });
  });

  it('fail inside rescue fails the host', async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: '' } }),
      'site.yml': play(`- block:
    - command: "false"
  rescue:
    - fail: { msg: "giving up: {{ ansible_failed_result.rc }}" }`).replace('web', 'all'),
    });
    const r = await run(p);
    expect(r.code).toBe(2);
    expect(r.out).toContain('giving up: 1');
  });
});

describe('run_once, delegate_to, no_log', () => {
  it('run_once runs on the first host only and gives every host its result', async () => {
    const p = project({
      'inventory.ini': inv2,
      'site.yml': play(`- name: once
  shell: echo once-{{ inventory_hostname }} >> {{ playbook_dir }}/once.log
  run_once: true
  register: o
- name: show
  debug: { msg: "{{ o.changed }}" }`),
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(p.lines('once.log')).toEqual(['once-h1']);
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: true, h2: true });
    // Shown and counted only on the host it ran on, as Ansible's recap does.
    expect(Object.keys(resultsOf(r.report, 'once'))).toEqual(['h1']);
    expect(r.report.recap['h1']!.changed).toBe(1);
    expect(r.report.recap['h2']!.changed).toBe(0);
  });

  it('pause runs once, for the first host only: unlike run_once, the others get no result (Ansible: BYPASS_HOST_LOOP)', async () => {
    const p = project({
      'inventory.ini': inv2,
      'site.yml': play(`- name: wait
  pause: { seconds: 1 }
  register: w
- name: show
  debug: { msg: "{{ w.stdout | default('no result') }}" }`),
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(Object.keys(resultsOf(r.report, 'wait'))).toEqual(['h1']);
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: 'Paused for 1.0 seconds', h2: 'no result' });
  }, 60_000);

  it('a Windows module loads; it fails only on a host that reaches it, with a message saying why', async () => {
    const p = project({
      'inventory.ini': inv2,
      'site.yml': play(`- name: windows branch
  ansible.windows.win_service: { name: spooler, state: started }
  when: role == 'b'
- name: after
  debug: { msg: ran }`),
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(2);
    expect(resultsOf(r.report, 'windows branch')['h1']!.status).toBe('skipped');
    expect(resultsOf(r.report, 'windows branch')['h2']!.msg).toMatch(/Windows module: tsplay manages Linux and other POSIX hosts/);
    expect(debugMsgs(r.report, 'after')).toEqual({ h1: 'ran' });
  }, 60_000);

  it("delegate_to: localhost runs on the controller with the host's variables", async () => {
    const p = project({
      // The hosts themselves are unreachable SSH hosts: only the delegated task may run.
      'inventory.ini': `[web]\nh1 ansible_host=127.0.0.1 ansible_port=1 who=first\nh2 ansible_host=127.0.0.1 ansible_port=1 who=second\n`,
      'site.yml': play(`- name: on the controller
  shell: echo {{ who }} >> {{ playbook_dir }}/d.log
  delegate_to: localhost`),
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(p.lines('d.log').sort()).toEqual(['first', 'second']);
  });

  it('no_log hides values in output and in the JSON report, also on failure', async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: 'hidden_value=swordfish-42' } }),
      'site.yml': play(`- name: quiet
  command: echo {{ hidden_value }}
  no_log: true
- name: quiet failure
  shell: echo {{ hidden_value }}; exit 3
  no_log: true
  ignore_errors: true
- name: quiet debug
  debug: { msg: "{{ hidden_value }}" }
  no_log: true`).replace('web', 'all'),
    });
    const r = await run(p, ['-v', '-v']);
    expect(r.code, r.all).toBe(0);
    expect(r.report.recap['h1']).toMatchObject({ ok: 3, ignored: 1, failed: 0 });
    expect(r.all).not.toContain('swordfish-42');
    expect(r.jsonText).not.toContain('swordfish-42');
    expect(r.junit).not.toContain('swordfish-42');
  });
});

describe('check_mode on a task', () => {
  it('check_mode: true changes nothing in a normal run and says so; check_mode: false runs for real under --check', async () => {
    const p = project({ 'inventory.ini': localInventory({ all: { h1: '' } }) });
    p.write(
      'site.yml',
      play(`- name: dry
  copy: { dest: "${p.path('dry.txt')}", content: "x" }
  check_mode: true
- name: real even in check
  command: touch ${p.path('real.txt')}
  check_mode: false`).replace('web', 'all'),
    );
    const normal = await run(p);
    expect(normal.code, normal.all).toBe(0);
    expect(p.exists('dry.txt')).toBe(false);
    expect(resultsOf(normal.report, 'dry')['h1']).toMatchObject({ status: 'changed', check: true });
    expect(normal.out).toMatch(/changed: \[h1\] \(check mode: would change\)/);
    p.remove();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(p.dir);
    p.write('inventory.ini', localInventory({ all: { h1: '' } }));
    p.write(
      'site.yml',
      play(`- name: real even in check
  command: touch ${p.path('real.txt')}
  check_mode: false`).replace('web', 'all'),
    );
    const checked = await run(p, ['--check']);
    expect(checked.code, checked.all).toBe(0);
    expect(p.exists('real.txt')).toBe(true);
    expect(resultsOf(checked.report, 'real even in check')['h1']!.check).toBeUndefined();
  });
});

describe('keywords on a block or a role call apply to the tasks inside', () => {
  it('ignore_errors, no_log, check_mode and delegate_to on a block; ignore_errors on a role call', async () => {
    const p = project({
      'inventory.ini': `[web]\nh1 ansible_host=127.0.0.1 ansible_port=1 hidden=block-secret-77\n`,
      'roles/flaky/tasks/main.yml': '- name: role fails\n  command: "false"\n',
      'site.yml': `- hosts: web
  gather_facts: false
  tasks:
    - name: outer
      delegate_to: localhost
      block:
        - name: fails quietly
          shell: echo {{ hidden }}; exit 1
        - name: still runs
          shell: echo {{ hidden }} >> {{ playbook_dir }}/b.log
        - name: own value wins
          debug: { msg: "{{ hidden }}-visible" }
          no_log: false
      ignore_errors: true
      no_log: true
    - name: dry block
      delegate_to: localhost
      check_mode: true
      block:
        - name: would write
          copy: { dest: "{{ playbook_dir }}/dry.txt", content: x }
    # import_role: static, so its keywords reach the role's tasks (include_role keeps them on the
    # include itself, as ansible-core does; apply: passes them on)
    - name: role with ignore_errors
      import_role: { name: flaky }
      delegate_to: localhost
      ignore_errors: true
    - name: reached
      shell: echo reached >> {{ playbook_dir }}/b.log
      delegate_to: localhost
`,
    });
    const r = await run(p, ['-v', '-v']);
    expect(r.code, r.all).toBe(0);
    expect(p.lines('b.log')).toEqual(['block-secret-77', 'reached']);
    expect(resultsOf(r.report, 'fails quietly')['h1']!.status).toBe('ignored');
    expect(resultsOf(r.report, 'flaky : role fails')['h1']!.status).toBe('ignored');
    expect(p.exists('dry.txt')).toBe(false);
    expect(resultsOf(r.report, 'would write')['h1']).toMatchObject({ status: 'changed', check: true });
    // no_log from the block hides the value; the task that says no_log: false shows its own output.
    expect(r.all).not.toMatch(/block-secret-77(?!-visible)/);
    expect(r.out).toContain('block-secret-77-visible');
  });
});
