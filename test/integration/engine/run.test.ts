// Run-level behaviour through `tsplay run`: serial, free, failure policies, exit codes, check and
// diff, --json / --junit, --limit, secrets.
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { runPlaybook } from '../../../src/engine/run.js';
import { cleanupProjects, localInventory, project, resultsOf, run, tsplay } from './project.js';

afterAll(cleanupProjects);

const hosts3 = localInventory({ web: { h1: '', h2: '', h3: '' } });
const log = (task: string) => `- name: ${task}\n  shell: echo ${task}-{{ inventory_hostname }} >> {{ playbook_dir }}/order.log\n`;
const play = (head: string, tasks: string) => `- hosts: web\n  gather_facts: false\n${head}  tasks:\n${tasks.replace(/^/gm, '    ')}\n`;

describe('strategies and batches', () => {
  it('linear: each task runs on every host before the next task', async () => {
    const p = project({ 'inventory.ini': hosts3, 'site.yml': play('', log('t1') + log('t2')) });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    const order = p.lines('order.log');
    expect(order.slice(0, 3).sort()).toEqual(['t1-h1', 't1-h2', 't1-h3']);
    expect(order.slice(3).sort()).toEqual(['t2-h1', 't2-h2', 't2-h3']);
  });

  it('serial: 1 runs the whole play host by host, in inventory order', async () => {
    const p = project({ 'inventory.ini': hosts3, 'site.yml': play('  serial: 1\n', log('t1') + log('t2')) });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(p.lines('order.log')).toEqual(['t1-h1', 't2-h1', 't1-h2', 't2-h2', 't1-h3', 't2-h3']);
  });

  it('serial: [1, 2] makes a batch of 1 then of 2; handlers run at the end of each batch', async () => {
    const p = project({
      'inventory.ini': hosts3,
      'site.yml':
        play('  serial: [1, 2]\n', log('t1') + '  notify: h\n') + '  handlers:\n    - name: h\n      shell: echo h-{{ inventory_hostname }} >> {{ playbook_dir }}/order.log\n',
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    const order = p.lines('order.log');
    expect(order.slice(0, 2)).toEqual(['t1-h1', 'h-h1']);
    expect(order.slice(2, 4).sort()).toEqual(['t1-h2', 't1-h3']);
    expect(order.slice(4).sort()).toEqual(['h-h2', 'h-h3']);
  });

  // h2's first task waits for h1's second task. Linear cannot get there (h1's second task waits for
  // every host's first task), free can.
  const waiting = (strategy: string) =>
    play(
      strategy ? `  strategy: ${strategy}\n` : '',
      `- name: first
  shell: |
    if [ {{ inventory_hostname }} = h2 ]; then
      for i in $(seq 1 40); do [ -e {{ playbook_dir }}/h1-second ] && exit 0; sleep 0.05; done
      exit 1
    fi
- name: second
  shell: touch {{ playbook_dir }}/{{ inventory_hostname }}-second`,
    );
  const inv = localInventory({ web: { h1: '', h2: '' } });

  it('strategy free: a host runs ahead without waiting for the others', async () => {
    const p = project({ 'inventory.ini': inv, 'site.yml': waiting('free') });
    const r = await run(p);
    expect(r.code, r.all).toBe(0);
    expect(p.exists('h2-second')).toBe(true);
  });

  it('strategy free with a role and fewer forks than hosts does not deadlock', { timeout: 30_000 }, async () => {
    const p = project({
      'inventory.ini': hosts3,
      'roles/r/tasks/main.yml': '- shell: echo role-{{ inventory_hostname }} >> {{ playbook_dir }}/order.log\n',
      'site.yml': '- hosts: web\n  gather_facts: false\n  strategy: free\n  roles: [r]\n  tasks:\n' + log('t').replace(/^/gm, '    '),
    });
    const r = await run(p, ['--forks', '2']);
    expect(r.code, r.all).toBe(0);
    expect(p.lines('order.log').sort()).toEqual(['role-h1', 'role-h2', 'role-h3', 't-h1', 't-h2', 't-h3']);
  });

  it('(control) the same playbook under linear fails on h2', { timeout: 30_000 }, async () => {
    const p = project({ 'inventory.ini': inv, 'site.yml': waiting('') });
    const r = await run(p);
    expect(r.code).toBe(2);
    expect(r.report.recap['h2']).toMatchObject({ failed: 1 });
    expect(p.exists('h1-second')).toBe(true);
  });
});

describe('failures', () => {
  const failOnH1 = `- name: t1\n  shell: "[ {{ inventory_hostname }} != h1 ]"\n` + log('t2');

  it('a failed host stops for that host only', async () => {
    const p = project({ 'inventory.ini': hosts3, 'site.yml': play('', failOnH1) });
    const r = await run(p);
    expect(r.code).toBe(2);
    expect(p.lines('order.log').sort()).toEqual(['t2-h2', 't2-h3']);
    expect(r.report.recap['h1']).toMatchObject({ failed: 1 });
    expect(r.report.recap['h2']).toMatchObject({ failed: 0, changed: 2 });
  });

  it('any_errors_fatal stops every host after the failing task', async () => {
    const p = project({ 'inventory.ini': hosts3, 'site.yml': play('  any_errors_fatal: true\n', failOnH1) });
    const r = await run(p);
    expect(r.code).toBe(2);
    expect(p.lines('order.log')).toEqual([]);
    expect(r.report.aborted).toMatch(/any_errors_fatal/);
  });

  it('any_errors_fatal on a task or a block stops every host when that task fails', async () => {
    const onTask = project({
      'inventory.ini': hosts3,
      'site.yml': play('', `- name: t1\n  shell: "[ {{ inventory_hostname }} != h1 ]"\n  any_errors_fatal: true\n` + log('t2')),
    });
    const r = await run(onTask);
    expect(r.code).toBe(2);
    expect(onTask.lines('order.log')).toEqual([]);
    const onBlock = project({
      'inventory.ini': hosts3,
      'site.yml': play('', `- any_errors_fatal: true\n  block:\n    - name: t1\n      shell: "[ {{ inventory_hostname }} != h1 ]"\n` + log('t2')),
    });
    const rb = await run(onBlock);
    expect(rb.code).toBe(2);
    expect(onBlock.lines('order.log')).toEqual([]);
    // An earlier ordinary failure does not make a later fatal-flagged task abort the run.
    const earlier = project({
      'inventory.ini': hosts3,
      'site.yml': play('', failOnH1 + `- name: t3\n  shell: echo t3-{{ inventory_hostname }} >> {{ playbook_dir }}/order.log\n  any_errors_fatal: true\n` + log('t4')),
    });
    const re = await run(earlier);
    expect(re.code).toBe(2);
    expect(
      earlier
        .lines('order.log')
        .filter((l) => l.startsWith('t4'))
        .sort(),
    ).toEqual(['t4-h2', 't4-h3']);
  });

  it('serial: when every host of a batch failed the play stops (later batches never start)', async () => {
    const p = project({ 'inventory.ini': hosts3, 'site.yml': play('  serial: 1\n', failOnH1) });
    const r = await run(p);
    expect(r.code).toBe(2);
    expect(p.lines('order.log')).toEqual([]);
    expect(r.report.recap['h2']).toMatchObject({ ok: 0, changed: 0, failed: 0 });
  });

  it('max_fail_percentage is per serial batch', async () => {
    const inv = localInventory({ web: { h1: '', h2: '', h3: '', h4: '' } });
    const p = project({ 'inventory.ini': inv, 'site.yml': play('  serial: 2\n  max_fail_percentage: 49\n', failOnH1) });
    const r = await run(p);
    expect(r.code).toBe(2);
    expect(p.lines('order.log')).toEqual([]);
    expect(r.report.recap['h3']).toMatchObject({ ok: 0, changed: 0, failed: 0 });
    expect(r.out).toContain('max_fail_percentage');
  });

  it('max_fail_percentage: 1 of 3 failed (33%) stops the play when the limit is 30, not when it is 50', async () => {
    const p30 = project({ 'inventory.ini': hosts3, 'site.yml': play('  max_fail_percentage: 30\n', failOnH1) });
    const r30 = await run(p30);
    expect(r30.code).toBe(2);
    expect(p30.lines('order.log')).toEqual([]);
    expect(r30.out).toContain('max_fail_percentage');

    const p50 = project({ 'inventory.ini': hosts3, 'site.yml': play('  max_fail_percentage: 50\n', failOnH1) });
    const r50 = await run(p50);
    expect(r50.code).toBe(2);
    expect(p50.lines('order.log').sort()).toEqual(['t2-h2', 't2-h3']);
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('exit codes', () => {
  it('3 when a host is unreachable (SSH to a closed loopback port) and none failed; the others still run', async () => {
    const port = await closedPort();
    const p = project({
      'inventory.ini': `[web]\nok1 ansible_connection=local\ndown ansible_host=127.0.0.1 ansible_port=${port} ansible_user=nobody\n`,
      'site.yml': play('', log('t1')),
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(3);
    expect(r.report.recap['down']).toMatchObject({ unreachable: 1, failed: 0 });
    expect(p.lines('order.log')).toEqual(['t1-ok1']);
    expect(r.out).toContain('UNREACHABLE!');
  });

  it('2 when one host failed and another is unreachable', async () => {
    const port = await closedPort();
    const p = project({
      'inventory.ini': `[web]\nbad ansible_connection=local\ndown ansible_host=127.0.0.1 ansible_port=${port}\n`,
      'site.yml': play('', '- command: "false"\n'),
    });
    expect((await run(p)).code).toBe(2);
  });

  it('4 with every validation error as FILE:LINE:COL and a suggestion; nothing runs', async () => {
    const p = project({
      'inventory.ini': localInventory({ web: { h1: '' } }),
      'site.yml': `- hosts: web
  gather_facts: false
  tasks:
    - name: marker
      shell: touch {{ playbook_dir }}/ran
    - name: typo
      lineinfle: { path: /tmp/x, line: y }
    - name: bad arg
      copy: { dest: /tmp/x, contnt: y }
`,
    });
    const r = await run(p);
    expect(r.code).toBe(4);
    const file = p.path('site.yml');
    expect(r.err).toContain(`${file}:7:7:`);
    expect(r.err).toContain('did you mean lineinfile?');
    expect(r.err).toMatch(new RegExp(`${file.replace(/\./g, '\\.')}:9:\\d+:.*contnt`));
    expect(p.exists('ran')).toBe(false);
    const v = await tsplay(['validate', file]);
    expect(v.code).toBe(4);
    expect(v.err).toContain('did you mean lineinfile?');
  });

  it('4 for a YAML syntax error, with its position', async () => {
    const p = project({ 'inventory.ini': localInventory({ web: { h1: '' } }), 'site.yml': '- hosts: web\n  tasks:\n    - debug: { msg: "x" \n' });
    const r = await run(p);
    expect(r.code).toBe(4);
    expect(r.err).toContain(`${p.path('site.yml')}:`);
  });

  it('5 for bad command-line options', async () => {
    const p = project({ 'inventory.ini': localInventory({ web: { h1: '' } }), 'site.yml': play('', log('t1')) });
    expect((await run(p, ['--forks', '0'])).code).toBe(5);
    expect((await run(p, ['--no-such-flag'])).code).toBe(5);
    expect((await tsplay(['run'])).code).toBe(5);
    expect((await run(p, ['-e', 'novalue'])).code).toBe(5);
    expect(p.exists('order.log')).toBe(false);
  });

  it('99 when interrupted: the running task finishes, no further task starts', async () => {
    const p = project({
      'inventory.ini': localInventory({ web: { h1: '' } }),
      'site.yml': play('', `- name: slow\n  shell: touch {{ playbook_dir }}/started; sleep 1\n` + log('after')),
    });
    const ac = new AbortController();
    const poll = setInterval(() => p.exists('started') && ac.abort(), 20);
    const report = await runPlaybook({ playbook: p.path('site.yml'), inventory: [p.path('inventory.ini')], signal: ac.signal });
    clearInterval(poll);
    expect(report.exitCode).toBe(99);
    expect(report.aborted).toBe('interrupted');
    expect(p.exists('order.log')).toBe(false);
  });
});

describe('check and diff', () => {
  const files = (p: ReturnType<typeof project>) => `- name: write conf
  copy: { dest: "${p.path('app.conf')}", content: "port=2\\n" }
- name: edit line
  lineinfile: { path: "${p.path('other.conf')}", regexp: '^a=', line: a=2 }
- name: run a command
  command: touch ${p.path('touched')}
- name: new dir
  file: { path: "${p.path('newdir')}", state: directory }`;

  it('--check changes nothing on disk, reports what would change, and commands as skipped "would run"', async () => {
    const p = project({ 'inventory.ini': localInventory({ web: { h1: '' } }), 'app.conf': 'port=1\n', 'other.conf': 'a=1\nb=1\n' });
    p.write('site.yml', play('', files(p)));
    const r = await run(p, ['--check']);
    expect(r.code, r.all).toBe(0);
    expect(p.read('app.conf')).toBe('port=1\n');
    expect(p.read('other.conf')).toBe('a=1\nb=1\n');
    expect(p.exists('touched')).toBe(false);
    expect(p.exists('newdir')).toBe(false);
    const res = (n: string) => resultsOf(r.report, n)['h1']!;
    expect(res('write conf')).toMatchObject({ status: 'changed', changed: true, check: true });
    expect(res('edit line').status).toBe('changed');
    expect(res('new dir').status).toBe('changed');
    expect(res('run a command').status).toBe('skipped');
    expect(res('run a command').msg).toBe('Command would have run if not in check mode');
    expect(r.report.mode).toBe('check');
    expect(r.out).toContain('(check mode: would change)');
  });

  it('--check --diff prints unified diffs of the would-be changes; a real run then applies them', async () => {
    const p = project({ 'inventory.ini': localInventory({ web: { h1: '' } }), 'app.conf': 'port=1\n', 'other.conf': 'a=1\nb=1\n' });
    p.write('site.yml', play('', files(p)));
    const r = await run(p, ['--check', '--diff']);
    expect(r.code, r.all).toBe(0);
    expect(r.out).toMatch(/^-port=1$/m);
    expect(r.out).toMatch(/^\+port=2$/m);
    expect(r.out).toMatch(/^-a=1$/m);
    expect(r.out).toMatch(/^\+a=2$/m);
    expect(r.out).toContain(p.path('app.conf'));
    const diffs = resultsOf(r.report, 'write conf')['h1']!.diff;
    expect(diffs?.length).toBeGreaterThan(0);

    const real = await run(p, ['--diff']);
    expect(real.code, real.all).toBe(0);
    expect(p.read('app.conf')).toBe('port=2\n');
    expect(p.read('other.conf')).toBe('a=2\nb=1\n');
    const again = await run(p);
    expect(resultsOf(again.report, 'write conf')['h1']!.status).toBe('ok');
    expect(resultsOf(again.report, 'edit line')['h1']!.status).toBe('ok');
  });
});

describe('reports', () => {
  const pb = play(
    '',
    `- name: a change
  shell: echo x
- name: fine
  debug: { msg: hi }
- name: skipped on h2
  debug: { msg: hi }
  when: inventory_hostname == 'h1'
- name: broken on h2
  shell: "[ {{ inventory_hostname }} != h2 ]"`,
  );

  it('--json has the recap per host and per-task results with host, status, changed, diff, durationMs', async () => {
    const p = project({ 'inventory.ini': localInventory({ web: { h1: '', h2: '' } }), 'site.yml': pb });
    const r = await run(p);
    expect(r.code).toBe(2);
    const { recap, plays } = r.report;
    expect(Object.keys(recap).sort()).toEqual(['h1', 'h2']);
    for (const h of ['h1', 'h2']) expect(Object.keys(recap[h]!).sort()).toEqual(['changed', 'failed', 'ignored', 'ok', 'rescued', 'skipped', 'unreachable']);
    expect(recap['h1']).toEqual({ ok: 4, changed: 2, failed: 0, skipped: 0, unreachable: 0, rescued: 0, ignored: 0 });
    expect(recap['h2']).toEqual({ ok: 2, changed: 1, failed: 1, skipped: 1, unreachable: 0, rescued: 0, ignored: 0 });
    expect(plays).toHaveLength(1);
    expect(plays[0]!.tasks.map((t) => t.name)).toEqual(['a change', 'fine', 'skipped on h2', 'broken on h2']);
    for (const t of plays[0]!.tasks) {
      for (const res of t.results) {
        expect(typeof res.host).toBe('string');
        expect(['ok', 'changed', 'failed', 'skipped', 'unreachable', 'rescued', 'ignored']).toContain(res.status);
        expect(typeof res.changed).toBe('boolean');
        expect(typeof res.durationMs).toBe('number');
      }
    }
    expect(resultsOf(r.report, 'broken on h2')['h2']).toMatchObject({ status: 'failed' });
  });

  it('--junit has one testcase per host × task and is well-formed XML', async () => {
    const p = project({ 'inventory.ini': localInventory({ web: { h1: '', h2: '' } }), 'site.yml': pb });
    const r = await run(p);
    const cases = r.junit.match(/<testcase /g) ?? [];
    expect(cases).toHaveLength(8);
    expect(r.junit).toContain('name="[h2] broken on h2"');
    expect((r.junit.match(/<failure /g) ?? []).length).toBe(1);
    expect((r.junit.match(/<skipped /g) ?? []).length).toBe(1);
    expectWellFormed(r.junit);
  });
});

describe('junit with hostile names', () => {
  it('task names and messages with <, &, quotes and control characters stay well-formed', async () => {
    const p = project({
      'inventory.ini': localInventory({ web: { h1: '' } }),
      'site.yml': play(
        '',
        `- name: "<b>&\\"quoted\\"</b> ]]>"
  fail: { msg: "bad <tag> & \\u001b[31mred\\u001b[0m \\u0007 end" }`,
      ),
    });
    const r = await run(p);
    expect(r.code, r.all).toBe(2);
    expect(r.junit).toContain('&lt;b&gt;&amp;&quot;quoted&quot;&lt;/b&gt; ]]&gt;');
    expect(r.junit).toContain('bad &lt;tag&gt; &amp; ');
    expectWellFormed(r.junit);
    expect(r.junit).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/);
  });
});

/** A small XML well-formedness check: declaration, balanced tags, quoted attributes, no raw `<`/`&`. */
function expectWellFormed(xml: string): void {
  expect(xml.startsWith('<?xml version="1.0"')).toBe(true);
  const body = xml.replace(/^<\?xml[^>]*\?>/, '');
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/g;
  let consumed = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    expect(m.index, `unparseable XML near: ${body.slice(consumed, consumed + 80)}`).toBe(consumed);
    consumed = m.index + m[0].length;
    if (m[5] !== undefined) {
      expect(m[5], 'raw & in text').not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
      continue;
    }
    if (m[4]) continue;
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else stack.push(m[2]!);
  }
  expect(consumed).toBe(body.length);
  expect(stack).toEqual([]);
}

describe('--limit', () => {
  const inv = `[web]\nw1 ansible_connection=local\nw2 ansible_connection=local\nw3 ansible_connection=local\n[prod]\nw1\nw2\ndb1 ansible_connection=local\n`;
  const all = `- hosts: all\n  gather_facts: false\n  tasks:\n${log('t').replace(/^/gm, '    ')}`;
  const cases: Array<[string, string[]]> = [
    ['web:&prod', ['w1', 'w2']],
    ['web:!prod', ['w3']],
    ['web:db1', ['db1', 'w1', 'w2', 'w3']],
    ['w*:!w2', ['w1', 'w3']],
  ];
  for (const [limit, hosts] of cases) {
    it(`--limit '${limit}' runs on ${hosts.join(', ')}`, async () => {
      const p = project({ 'inventory.ini': inv, 'site.yml': all });
      const r = await run(p, ['--limit', limit]);
      expect(r.code, r.all).toBe(0);
      expect(
        p
          .lines('order.log')
          .map((l) => l.slice(2))
          .sort(),
      ).toEqual(hosts);
      expect(Object.keys(r.report.recap).sort()).toEqual(hosts);
    });
  }
});

describe('secrets', () => {
  it('a *_token var from env never appears in stdout, the JSON report or JUnit, even when a task fails on it', async () => {
    process.env['TSPLAY_IT_DEPLOY'] = 'tok-3141592653-secret';
    process.env['TSPLAY_IT_API_TOKEN'] = 'tok-2718281828-secret';
    try {
      const p = project({
        'inventory.ini': localInventory({ web: { h1: '' } }),
        'site.yml': play(
          `  vars:\n    deploy_token: "{{ env.TSPLAY_IT_DEPLOY }}"\n    other_token: "{{ env.TSPLAY_IT_API_TOKEN }}"\n`,
          `- name: use it
  command: echo {{ deploy_token }} {{ other_token }}
  register: out
- name: show it
  debug: { msg: "{{ out.stdout }} / {{ deploy_token }}" }
- name: fail with it
  shell: echo "bad {{ deploy_token }}" >&2; exit 1
  ignore_errors: true
- name: fail module with it
  fail: { msg: "token was {{ other_token }}" }`,
        ),
      });
      const r = await run(p, ['-v', '-v', '--diff']);
      expect(r.code).toBe(2);
      // The values were really used (the redaction has something to hide).
      expect(resultsOf(r.report, 'use it')['h1']!.status, r.all).toBe('changed');
      for (const text of [r.all, r.jsonText, r.junit]) {
        expect(text).not.toContain('3141592653');
        expect(text).not.toContain('2718281828');
      }
      expect(r.out).toContain('********');
    } finally {
      delete process.env['TSPLAY_IT_DEPLOY'];
      delete process.env['TSPLAY_IT_API_TOKEN'];
    }
  });

  it('a secret given with -e (api_token=…) is hidden too', async () => {
    const p = project({
      'inventory.ini': localInventory({ web: { h1: '' } }),
      'site.yml': play('', '- name: show\n  debug: { msg: "key {{ api_token }}" }\n- fail: { msg: "{{ api_token }}" }'),
    });
    const r = await run(p, ['-e', 'api_token=s3cr3t-value-99']);
    expect(r.code).toBe(2);
    for (const text of [r.all, r.jsonText, r.junit]) expect(text).not.toContain('s3cr3t-value-99');
  });
});
