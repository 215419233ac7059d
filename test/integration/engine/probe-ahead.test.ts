// Probe ahead (issue 13): a host's coming tasks are probed in one round trip, and a task takes its
// probe results from there only while nothing has run on the host since. These runs interleave
// reads and changes of the same files: every task must see what the tasks before it did, exactly
// as when each task probes for itself (TSPLAY_PROBE_AHEAD=0 gives the reference).
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
});
