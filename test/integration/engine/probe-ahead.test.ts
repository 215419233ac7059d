// Probe ahead (issue 13): a host's coming tasks are probed in one round trip, and a task takes its
// probe results from there only while nothing has run on the host since. These runs interleave
// reads and changes of the same files: every task must see what the tasks before it did, exactly
// as when each task probes for itself (TSPLAY_PROBE_AHEAD=0 gives the reference).
import { chmodSync, mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupProjects, localInventory, project, resultsOf, run } from './project.js';

afterAll(cleanupProjects);

const statuses = (r: Awaited<ReturnType<typeof run>>, names: string[]) => names.map((n) => resultsOf(r.report, n)['h1']?.status);

describe('probe ahead never hands a task a stale probe', () => {
  it('reads after changes see the changes (file, lineinfile, copy, stat, command creates), converged runs stay ok', async () => {
    const p = project({ 'inventory.ini': localInventory({ web: { h1: '' } }) });
    const f = (x: string) => p.path(x);
    p.write(
      'site.yml',
      `- hosts: web
  gather_facts: false
  tasks:
    - name: stat before
      stat: { path: "${f('a.conf')}" }
      register: before
    - name: first line
      lineinfile: { path: "${f('a.conf')}", line: one, create: true }
    - name: second line
      lineinfile: { path: "${f('a.conf')}", line: two }
    - name: stat after
      stat: { path: "${f('a.conf')}" }
      register: after
    - name: copy over it
      copy: { dest: "${f('a.conf')}", content: "one\\ntwo\\n" }
    - name: a command makes a marker
      shell: "touch ${f('marker')}"
    - name: creates sees the marker
      command: "touch ${f('never')}"
      args: { creates: "${f('marker')}" }
    - name: remove the marker
      file: { path: "${f('marker')}", state: absent }
    - name: removed marker is gone
      stat: { path: "${f('marker')}" }
      register: gone
    - name: record
      copy: { dest: "${f('facts.txt')}", content: "{{ before.stat.exists }} {{ after.stat.exists }} {{ after.stat.size }} {{ gone.stat.exists }}\\n" }
`,
    );
    const names = ['first line', 'second line', 'copy over it', 'a command makes a marker', 'creates sees the marker', 'remove the marker'];
    const first = await run(p);
    expect(first.code, first.all).toBe(0);
    expect(statuses(first, names)).toEqual(['changed', 'changed', 'ok', 'changed', 'ok', 'changed']);
    expect(p.read('facts.txt')).toBe('False True 8 False\n');
    expect(p.read('a.conf')).toBe('one\ntwo\n');
    expect(p.exists('never')).toBe(false);
    // converged, except the marker the play makes and removes each time
    const again = await run(p);
    expect(again.code, again.all).toBe(0);
    expect(statuses(again, names)).toEqual(['ok', 'ok', 'ok', 'changed', 'ok', 'changed']);
    expect(p.read('facts.txt')).toBe('False True 8 False\n'.replace('False True', 'True True'));
  });

  it('until retries probe again each attempt (the host changes by itself)', async () => {
    const p = project({ 'inventory.ini': localInventory({ web: { h1: '' } }) });
    const f = (x: string) => p.path(x);
    p.write(
      'site.yml',
      `- hosts: web
  gather_facts: false
  tasks:
    - name: something makes the file later
      shell: "(sleep 1; touch ${f('late')}) >/dev/null 2>&1 &"
    - name: unrelated read
      stat: { path: "${f('other')}" }
    - name: wait for it
      stat: { path: "${f('late')}" }
      register: st
      until: st.stat.exists
      retries: 10
      delay: 1
`,
    );
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(resultsOf(r.report, 'wait for it')['h1']?.status).toBe('ok');
  });

  it('facts are gathered only for a module that reads them: none for file/copy/command tasks without gather_facts', async () => {
    const p = project({ 'inventory.ini': localInventory({ web: { h1: '' } }) });
    const f = (x: string) => p.path(x);
    // the facts script runs uname; the file and command probes do not: a uname that leaves a trace
    const bin = f('bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(`${bin}/uname`, `#!/bin/sh\necho x >> ${f('uname.log')}\nexec /bin/uname "$@"\n`);
    chmodSync(`${bin}/uname`, 0o755);
    const tasks = `    - file: { path: "${f('d')}", state: directory }
    - copy: { dest: "${f('d/a')}", content: "a\\n" }
    - command: "touch ${f('d/b')}"
      args: { creates: "${f('d/b')}" }
    - lineinfile: { path: "${f('d/c')}", line: b, create: true }
`;
    p.write('site.yml', `- hosts: web\n  gather_facts: false\n  tasks:\n${tasks}`);
    p.write('gather.yml', `- hosts: web\n  gather_facts: false\n  tasks:\n${tasks}    - name: reads facts\n      service_facts:\n`);
    const path0 = process.env.PATH;
    process.env.PATH = `${bin}:${path0}`;
    try {
      const first = await run(p);
      expect(first.code, first.all).toBe(0);
      expect(p.read('d/c')).toBe('b\n');
      const again = await run(p);
      expect(again.code, again.all).toBe(0);
      expect(again.all).toMatch(/changed=0/);
      expect(existsSync(f('uname.log'))).toBe(false);
      const g = await run(p, [], { playbook: 'gather.yml' });
      expect(g.code, g.all).toBe(0);
      expect(readFileSync(f('uname.log'), 'utf8').length).toBeGreaterThan(0);
    } finally {
      process.env.PATH = path0;
    }
  });
});
