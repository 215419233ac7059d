import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlaybook, moduleTasks } from '../../../src/loader/index.js';
import { TsplayErrors, formatError } from '../../../src/errors.js';
import type { BlockTask, IncludeTask, ModuleTask, RoleTask } from '../../../src/config/model.js';
import { checkIncludedFiles, findIncludeFile, includeTasks, loadIncludedFile } from '../../../src/loader/tasks.js';
import { fakeModules } from './fake-modules.js';

const FIX = path.resolve(__dirname, '../../fixtures/playbooks');

async function errorsOf(file: string): Promise<string[]> {
  try {
    await loadPlaybook(file, { modules: fakeModules });
  } catch (e) {
    if (e instanceof TsplayErrors)
      return e.errors.map((x) =>
        formatError(x)
          .replace(FIX + '/', '')
          .replace(path.dirname(file) + '/', ''),
      );
    throw e;
  }
  throw new Error('expected errors');
}

function tmpPlaybook(text: string, extra: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsplay-loader-'));
  for (const [f, t] of Object.entries(extra)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), t);
  }
  const p = path.join(dir, 'play.yml');
  fs.writeFileSync(p, text);
  return p;
}

describe('loadPlaybook: a playbook using every keyword', async () => {
  const pb = await loadPlaybook(path.join(FIX, 'site.yml'), { modules: fakeModules });
  const play = pb.plays[0]!;

  it('reads play keywords', () => {
    expect(pb.plays).toHaveLength(1);
    expect(play).toMatchObject({
      name: 'Web servers',
      hosts: 'web:db',
      become: true,
      becomeUser: 'root',
      gatherFacts: false,
      serial: [1, '30%', 5],
      maxFailPercentage: 20,
      anyErrorsFatal: true,
      strategy: 'free',
      tags: ['setup'],
      vars: { port: 8080, users: ['alice', 'bob'] },
      varsFiles: ['vars/common.yml'],
      loc: { file: path.join(FIX, 'site.yml'), line: 2, col: 3 },
    });
  });

  it('reads roles: as role calls with params, when and tags', () => {
    expect(play.roles.map((r) => r.roleName)).toEqual(['web', 'typed']);
    expect(play.roles[1]).toMatchObject({ kind: 'role', params: { region: 'EU', replicas: 2 }, when: ['port == 8080'], tags: ['typed'], loc: { line: 19, col: 7 } });
  });

  it('splits free-form commands from their own key=value options', () => {
    const t = play.tasks[0] as ModuleTask;
    expect(t).toMatchObject({ module: 'command', args: { cmd: 'ls -l /tmp', chdir: '/var', creates: '/tmp/x' }, register: 'listing', changedWhen: ['false'] });
    expect(t.failedWhen).toEqual(['listing.rc != 0', "'error' in listing.stderr"]);
    expect(t.loc).toEqual({ file: path.join(FIX, 'site.yml'), line: 29, col: 7 });
  });

  it('reads loop, loop_control, when and notify (YAML 1.1 booleans like Ansible)', () => {
    const t = play.tasks[1] as ModuleTask;
    expect(t).toMatchObject({ module: 'lineinfile', loop: '{{ users }}', loopVar: 'user', loopLabel: '{{ user }}', when: ['users | length > 0'], notify: ['restart app'] });
    expect(t.args).toEqual({ path: '/etc/users', line: '{{ item }}', create: true });
  });

  it('turns with_items into the items lookup (flattened one level when it runs)', () => {
    const t = play.tasks[2] as ModuleTask;
    expect(t).toMatchObject({ module: 'debug', args: { var: 'item' }, loop: [['a', 'b'], 'c'], loopWith: 'items' });
  });

  it('reads retries/until/delay and the boolean keywords; args: merges into the module args', () => {
    const t = play.tasks[3] as ModuleTask;
    expect(t).toMatchObject({
      module: 'shell',
      args: { cmd: 'curl -sf localhost', chdir: '/tmp' },
      until: 'probe.rc == 0',
      retries: 5,
      delay: 2,
      ignoreErrors: true,
      noLog: true,
      runOnce: true,
      delegateTo: 'localhost',
      checkMode: false,
      tags: ['probe', 'net'],
      vars: { timeout: 3 },
    });
  });

  it('reads block / rescue / always with block keywords', () => {
    const b = play.tasks[4] as BlockTask;
    expect(b.kind).toBe('block');
    expect(b.when).toEqual(['port is defined']);
    expect(b.become).toBe(false);
    expect((b.block[0] as ModuleTask).args).toEqual({ dest: '/etc/motd', content: 'hi\n', mode: '0644' });
    expect((b.rescue[0] as ModuleTask).args).toEqual({ msg: 'rescued' });
    expect((b.always[0] as ModuleTask).module).toBe('debug');
  });

  it('keeps include_tasks for run time (dynamic) and inlines import_tasks, wrapping in a block when keywords apply', () => {
    const inc = play.tasks[5] as IncludeTask;
    expect(inc).toMatchObject({ kind: 'include', action: 'include_tasks', file: 'tasks/extra.yml', searchDirs: [FIX] });
    const wrapped = play.tasks[6] as BlockTask;
    expect(wrapped).toMatchObject({ kind: 'block', when: ['port > 1'], tags: ['extra'] });
    expect((wrapped.block[0] as ModuleTask).name).toBe('extra task');
  });

  it('turns include_role into a role call with vars as params', () => {
    const r = play.tasks[7] as RoleTask;
    expect(r).toMatchObject({ kind: 'role', roleName: 'web', params: { web_port: 81 } });
  });

  it('resolves FQCN names, aliases and action:', () => {
    expect(play.tasks[8]).toMatchObject({ module: 'package', moduleAs: 'ansible.builtin.apt', args: { name: 'nginx', state: 'latest' } });
    expect(play.tasks[9]).toMatchObject({ module: 'service', moduleAs: 'service', args: { name: 'nginx', state: 'started' } });
    expect(play.postTasks[0]).toMatchObject({ module: 'service', moduleAs: 'systemd', args: { name: 'nginx', enabled: true } });
  });

  it('reads handlers with listen and notify', () => {
    expect(play.handlers.map((h) => [h.name, h.listen, h.notify])).toEqual([
      ['restart app', [], []],
      ['reload app', ['reload things'], ['restart app']],
    ]);
  });

  it('reads pre_tasks', () => {
    expect(play.preTasks[0]).toMatchObject({ module: 'debug', args: { msg: 'hello {{ inventory_hostname }}' } });
  });
});

describe('loadPlaybook: validation reports every error at once with FILE:LINE:COL', () => {
  it('matches the expected list for bad.yml', async () => {
    const errs = await errorsOf(path.join(FIX, 'bad.yml'));
    const heads = errs.map((e) => e.split('\n')[0]);
    expect(heads).toEqual([
      "bad.yml:3:13: unknown strategy 'lineer'",
      "bad.yml:4:3: unknown play keyword 'gather_fact'",
      'bad.yml:5:11: serial must be a positive number, a percentage like "30%", or a list of them; got "abc"',
      "bad.yml:8:7: unknown module 'lineinfle'",
      "bad.yml:13:9: unknown argument 'regex' for module lineinfile",
      "bad.yml:16:9: module copy: missing required argument 'dest'",
      "bad.yml:19:17: Invalid variable name in 'register' specified: 'my-result'",
      "bad.yml:20:13: condition `x ==`: Expected an expression, got 'end of statement block'",
      "bad.yml:23:7: a task calls one module; this one has 'command' and 'shell'",
      "bad.yml:26:7: a block cannot also call a module ('command')",
      "bad.yml:27:7: 'loop' is not valid on a block",
      'bad.yml:30:14: template error: No filter named \'frobnicate\'. in "{{ name | frobnicate }}"',
      "bad.yml:33:15: The requested handler 'restart nginx' was not found in either the main handlers list nor in the listening handlers list",
      "bad.yml:36:7: 'async' is not supported by tsplay",
      "bad.yml:38:7: role 'wbe' not found",
    ]);
    const hints = Object.fromEntries(errs.map((e) => [e.split('\n')[0]!.split(': ')[0], e.split('\n')[1]?.trim()]));
    expect(hints['bad.yml:3:13']).toBe('hint: did you mean linear?');
    expect(hints['bad.yml:4:3']).toBe('hint: did you mean gather_facts?');
    expect(hints['bad.yml:8:7']).toBe('hint: did you mean lineinfile?');
    expect(hints['bad.yml:13:9']).toBe('hint: did you mean regexp?');
    expect(hints['bad.yml:33:15']).toBe('hint: did you mean restart ngnix?');
    expect(hints['bad.yml:38:7']).toBe('hint: did you mean web?');
  });

  it('reports YAML syntax errors with their position, and hints at unquoted templates', async () => {
    const p = tmpPlaybook('- hosts: all\n  tasks:\n    - debug:\n        msg: {{ x }}\n');
    const errs = await errorsOf(p);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^play\.yml:4:14: a mapping key must be a plain value\n {4}hint: a value that starts with \{\{ must be quoted/);
    const bad = tmpPlaybook('- hosts: all\n  tasks: [\n');
    expect((await errorsOf(bad))[0]).toMatch(/^play\.yml:\d+:\d+: YAML syntax error/);
  });

  it('a duplicate key warns and the last value wins, as in Ansible', async () => {
    const pb = await loadPlaybook(tmpPlaybook('- hosts: all\n  hosts: web\n  tasks: []\n'));
    expect(pb.plays[0]!.hosts).toBe('web');
    expect(pb.warnings).toEqual([expect.stringMatching(/play\.yml:2:3: found a duplicate dict key \(hosts\)/)]);
  });

  it('mode: 644 (a decimal number to Ansible too) warns; 0644 and "644" do not', async () => {
    const pb = await loadPlaybook(
      tmpPlaybook(
        '- hosts: all\n  tasks:\n    - copy: { dest: /a, content: x, mode: 644 }\n    - copy: { dest: /b, content: x, mode: 0644 }\n    - copy: { dest: /c, content: x, mode: "644" }\n',
      ),
      { modules: fakeModules },
    );
    expect(pb.warnings).toEqual(
      ['play.yml:3:43: mode: 644 is the decimal number 644 (octal 1204), as in Ansible; write 0644 or "0644" for octal'].map((w) => expect.stringContaining(w)),
    );
  });

  it('duplicate keys in imported task files and role files warn too', async () => {
    const pb = await loadPlaybook(
      tmpPlaybook('- hosts: all\n  roles: [r]\n  tasks:\n    - import_tasks: inc.yml\n', {
        'inc.yml': '- name: a\n  name: b\n  debug: { msg: hi }\n',
        'roles/r/defaults/main.yml': 'x: 1\nx: 2\n',
      }),
      { modules: fakeModules },
    );
    expect(pb.warnings?.join('\n')).toMatch(/inc\.yml:2:3: found a duplicate dict key \(name\)/);
    expect(pb.warnings?.join('\n')).toMatch(/defaults\/main\.yml:2:1: found a duplicate dict key \(x\)/);
  });

  it('requires a list of plays with hosts', async () => {
    expect((await errorsOf(tmpPlaybook('hosts: all\n')))[0]).toBe(
      'play.yml:1:1: a playbook must be a list of plays, got a mapping\n    hint: start the play with a dash: "- hosts: all"',
    );
    expect((await errorsOf(tmpPlaybook('- name: x\n  tasks: []\n')))[0]).toBe('play.yml:1:3: play \'x\' has no hosts\n    hint: add "hosts: all" (or a group / pattern)');
  });

  it('finds import cycles and missing imports (import_tasks is static)', async () => {
    const p = tmpPlaybook('- hosts: all\n  tasks:\n    - import_tasks: a.yml\n    - import_tasks: nope.yml\n', { 'a.yml': '- import_tasks: a.yml\n' });
    const errs = await errorsOf(p);
    expect(errs[0]).toMatch(/^a\.yml:1:17: import_tasks of a\.yml includes itself/);
    expect(errs[1]).toMatch(/^play\.yml:4:21: import_tasks: file not found: nope\.yml/);
  });

  it('loads a playbook whose include_tasks names a missing file, a broken file or a template: they are known at run time', async () => {
    const p = tmpPlaybook(
      '- hosts: all\n  tasks:\n    - include_tasks: nope.yml\n    - include_tasks: bsd.yml\n      when: false\n    - include_tasks: "{{ os }}.yml"\n      loop: [a]\n      loop_control: { loop_var: x }\n',
      { 'bsd.yml': '- community.general.sysrc: { name: a, value: b }\n' },
    );
    const pb = await loadPlaybook(p, { modules: fakeModules });
    const incs = [...includeTasks(pb.plays[0]!.tasks)];
    expect(incs.map((i) => [i.file, i.when, i.loopVar])).toEqual([
      ['nope.yml', [], 'item'],
      ['bsd.yml', ['false'], 'item'],
      ['{{ os }}.yml', [], 'x'],
    ]);
    // validate's look: warnings that name the file (the templated name is not looked at)
    const warnings = checkIncludedFiles(pb.plays[0]!.tasks, { modules: fakeModules });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/play\.yml:3:7: include_tasks: nope\.yml is not found/);
    expect(warnings[1]).toMatch(/bsd\.yml:1:3: .*sysrc.* a file included by .*play\.yml:4:7/);
  });

  it('reads an included file when asked, with apply: as a block around its tasks and errors at its positions', async () => {
    const p = tmpPlaybook('- hosts: all\n  tasks:\n    - include_tasks: { file: sub/a.yml, apply: { tags: [t], ignore_errors: true } }\n    - include_tasks: bad.yml\n', {
      'sub/a.yml': '- debug: msg=a\n',
      'bad.yml': '- name: x\n  debgu: msg=1\n',
    });
    const pb = await loadPlaybook(p, { modules: fakeModules });
    const [a, bad] = [...includeTasks(pb.plays[0]!.tasks)];
    const found = findIncludeFile(a!.file, a!);
    expect(found.file).toBe(path.join(path.dirname(p), 'sub/a.yml'));
    const r = loadIncludedFile(found.file!, a!, { modules: fakeModules });
    expect(r.errors).toEqual([]);
    expect(r.tasks[0]).toMatchObject({ kind: 'block', tags: ['t'], ignoreErrors: true, block: [{ kind: 'module', module: 'debug' }] });
    const rb = loadIncludedFile(findIncludeFile(bad!.file, bad!).file!, bad!, { modules: fakeModules });
    expect(rb.errors.map((e) => formatError(e).replace(path.dirname(p) + '/', ''))[0]).toMatch(/^bad\.yml:2:3: unknown module 'debgu'/);
  });

  it('reads an include_tasks in a handlers list now: its tasks are handlers', async () => {
    const p = tmpPlaybook('- hosts: all\n  tasks: []\n  handlers:\n    - include_tasks: h.yml\n', { 'h.yml': '- name: restart\n  debug: msg=r\n' });
    const pb = await loadPlaybook(p, { modules: fakeModules });
    expect(pb.plays[0]!.handlers.map((h) => h.name)).toEqual(['restart']);
  });

  it('reads include_role / import_role options and refuses a templated import_role name', async () => {
    const p = tmpPlaybook(
      '- hosts: all\n  tasks:\n    - include_role: { name: "{{ r }}", tasks_from: extra, vars_from: alt.yml, defaults_from: d, handlers_from: h, public: yes, allow_duplicates: false }\n    - import_role: { name: "{{ r }}" }\n',
    );
    const errs = await errorsOf(p);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^play\.yml:4:20: the role name of import_role cannot be a template/);
  });

  it('checks handlers of roles too: role tasks may notify role handlers', async () => {
    const p = tmpPlaybook('- hosts: all\n  roles: [r]\n  tasks:\n    - debug: msg=x\n      notify: [r restart, missing]\n', {
      'roles/r/tasks/main.yml': '- debug: msg=y\n  notify: r restart\n',
      'roles/r/handlers/main.yml': '- name: r restart\n  debug: msg=z\n',
    });
    const errs = await errorsOf(p);
    expect(errs.map((e) => e.split('\n')[0])).toEqual([
      "play.yml:5:15: The requested handler 'missing' was not found in either the main handlers list nor in the listening handlers list",
    ]);
  });

  it('reports errors inside a role with the role file location', async () => {
    const p = tmpPlaybook('- hosts: all\n  roles: [r]\n', { 'roles/r/tasks/main.yml': '- name: x\n  debgu: msg=1\n' });
    const errs = await errorsOf(p);
    expect(errs[0]).toBe("roles/r/tasks/main.yml:2:3: unknown module 'debgu'\n    hint: did you mean debug?");
  });

  it('checks vars_files exist', async () => {
    const errs = await errorsOf(tmpPlaybook('- hosts: all\n  vars_files: [missing.yml]\n'));
    expect(errs[0]).toMatch(/^play\.yml:2:16: vars_files: file not found: missing\.yml/);
  });

  it('splices import_playbook', async () => {
    const p = tmpPlaybook('- import_playbook: other.yml\n- hosts: b\n', { 'other.yml': '- hosts: a\n  tasks:\n    - debug: msg=1\n' });
    const pb = await loadPlaybook(p, { modules: fakeModules });
    expect(pb.plays.map((x) => x.hosts)).toEqual(['a', 'b']);
    expect([...moduleTasks(pb.plays[0]!.tasks)][0]!.loc.file).toBe(path.join(path.dirname(p), 'other.yml'));
  });

  it('a missing playbook is one clear error', async () => {
    await expect(loadPlaybook('/nonexistent/site.yml')).rejects.toThrow('playbook not found: /nonexistent/site.yml');
  });
});
