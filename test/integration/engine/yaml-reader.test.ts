// The one YAML reader end to end through `tsplay run`: !unsafe, YAML 1.1 in every file kind, -e forms, modes.
import { statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupProjects, debugMsgs, localInventory, project, run, tsplay } from './project.js';

afterAll(cleanupProjects);

describe('reading YAML as Ansible does, end to end', () => {
  it('!unsafe text is never templated, wherever it is used', async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: '' } }),
      'site.yml': `- hosts: all
  gather_facts: false
  vars:
    raw: !unsafe "{{ not_a_var }}"
    listed: !unsafe ["{% raw %}", "{{ x }}"]
  tasks:
    - name: show
      debug:
        msg: "{{ raw }} {{ listed | join(',') }}"
    - name: direct
      debug:
        msg: !unsafe "{{ also_not }}"
    - name: !unsafe "keywords take the text"
      when: !unsafe "raw is string"
      block:
        - name: in a block
          debug:
            msg: !unsafe "{{ in_block }}"
`,
    });
    const r = await run(p, []);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: '{{ not_a_var }} {% raw %},{{ x }}' });
    expect(debugMsgs(r.report, 'direct')).toEqual({ h1: '{{ also_not }}' });
    expect(debugMsgs(r.report, 'in a block')).toEqual({ h1: '{{ in_block }}' });
  });

  it('yes/no/0644/n mean the same in a playbook, a YAML inventory, vars_files and -e @file', async () => {
    const vars = 'flag: yes\nletter: n\nperm: 0644';
    const p = project({
      'inventory.yml': `all:\n  hosts:\n    h1:\n      ansible_connection: local\n      inv_${vars.replace(/\n/g, '\n      inv_')}\n`,
      'vars/file.yml': vars.replace(/^/gm, 'vf_') + '\n',
      'extra.yml': vars.replace(/^/gm, 'e_') + '\n',
      'site.yml': `- hosts: all
  gather_facts: false
  vars:
    pb_flag: yes
    pb_letter: n
    pb_perm: 0644
  vars_files: [vars/file.yml]
  tasks:
    - name: show
      debug:
        msg: "{{ pb_flag }}/{{ pb_letter }}/{{ pb_perm }} {{ inv_flag }}/{{ inv_letter }}/{{ inv_perm }} {{ vf_flag }}/{{ vf_letter }}/{{ vf_perm }} {{ e_flag }}/{{ e_letter }}/{{ e_perm }}"
`,
    });
    const r = await run(p, ['-e', `@${p.path('extra.yml')}`], { inventory: 'inventory.yml' });
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: 'True/n/420 True/n/420 True/n/420 True/n/420' });
  });

  // (JSON's 1e3 is Python's float 1000.0; tsplay keeps numbers as JS numbers, so an integral float prints as 1000.)
  it("-e '{json}' and -e k=v", async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: '' } }),
      'site.yml': `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: show\n      debug:\n        msg: "{{ a }} {{ b }} {{ c }}"\n`,
    });
    const r = await run(p, ['-e', '{"a": 25e-2, "b": "yes"}', '-e', 'c="two words"']);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: '0.25 yes two words' });
  });

  it('mode: 0644 is rw-r--r--, mode: 644 is 01204, "u=rw,g=r,o=" is symbolic (Ansible)', async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: '' } }),
      'site.yml': `- hosts: all
  gather_facts: false
  tasks:
    - copy: { dest: "{{ playbook_dir }}/a", content: "a", mode: 0644 }
    - copy: { dest: "{{ playbook_dir }}/b", content: "b", mode: 644 }
    - copy: { dest: "{{ playbook_dir }}/c", content: "c", mode: "u=rw,g=r,o=" }
    - copy: { dest: "{{ playbook_dir }}/d", content: "d", mode: "0o751" }
`,
    });
    const r = await run(p, []);
    expect(r.code, r.all).toBe(0);
    const mode = (f: string) => (statSync(p.path(f)).mode & 0o7777).toString(8).padStart(4, '0');
    expect([mode('a'), mode('b'), mode('c'), mode('d')]).toEqual(['0644', '1204', '0640', '0751']);
    const again = await run(p, []);
    expect(again.report.recap).toMatchObject({ h1: { changed: 0 } });
  });

  it('a duplicate key is a warning (last value wins) in run and validate, as in Ansible', async () => {
    const p = project({
      'inventory.ini': localInventory({ all: { h1: '' } }),
      'site.yml': `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: show\n      debug:\n        msg: first\n        msg: last\n`,
    });
    const r = await run(p, []);
    expect(r.code, r.all).toBe(0);
    expect(debugMsgs(r.report, 'show')).toEqual({ h1: 'last' });
    expect(r.all).toMatch(/\[WARNING\]: .*site\.yml:7:9: found a duplicate dict key \(msg\)/);
    const v = await tsplay(['validate', p.path('site.yml')]);
    expect(v.code).toBe(0);
    expect(v.err).toMatch(/\[WARNING\]: .*site\.yml:7:9: found a duplicate dict key \(msg\)/);
  });
});
