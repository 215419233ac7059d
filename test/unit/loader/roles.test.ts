import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  formatRoleList,
  formatRoleShow,
  listRoles,
  loadRole,
  normalizeRoleTasks,
  normalizeTasks,
  roleSearchPaths,
  suggest,
  validateRoleParams,
  argumentSpecTask,
  roleEntryPoint,
  SHIPPED_ROLES_DIR,
} from '../../../src/loader/index.js';
import { TsplayErrors, formatError } from '../../../src/errors.js';
import type { IncludeTask, ModuleTask, RoleExpandContext } from '../../../src/config/model.js';
import { fakeModules } from './fake-modules.js';
import { findRoleDir, roleWithParts } from '../../../src/loader/roles.js';
import { loadPlaybook } from '../../../src/loader/playbook.js';

const FIX = path.resolve(__dirname, '../../fixtures/playbooks');
const paths = roleSearchPaths(FIX);
const call = { file: 'site.yml', line: 19, col: 7 };
const ctx: RoleExpandContext = { host: 'h1', vars: {}, groups: {}, hostvars: () => ({}) };

describe('role search path', () => {
  it('is roles/ beside the playbook, the roles path, the playbook dir, the shipped roles, then collection roots', () => {
    expect(paths[0]).toBe(path.join(FIX, 'roles'));
    expect(paths).toContain(SHIPPED_ROLES_DIR);
    expect(paths.indexOf(FIX)).toBeLessThan(paths.indexOf(SHIPPED_ROLES_DIR));
    expect(paths).toContain(path.join(FIX, 'collections/ansible_collections'));
    expect(SHIPPED_ROLES_DIR).toBe(path.resolve(__dirname, '../../../roles'));
  });
});

describe('YAML role', async () => {
  const web = await loadRole('web', paths, { modules: fakeModules });

  it('loads tasks, handlers, defaults, vars and the description', () => {
    expect(web).toMatchObject({ name: 'web', kind: 'yaml', dir: path.join(FIX, 'roles/web'), description: 'Configure the web server' });
    expect(web.defaults).toEqual({ web_port: 80, web_user: 'www' });
    expect(web.vars).toEqual({ web_conf: '/etc/web.conf' });
    expect(web.tasks!.map((t) => t.kind)).toEqual(['module', 'include']);
    expect(web.tasks![0]!.role).toEqual({ name: 'web', dir: path.join(FIX, 'roles/web') });
    // include_tasks inside a role resolves against the role's tasks/ dir (when a host reaches it).
    expect((web.tasks![1] as IncludeTask).searchDirs).toEqual([path.join(FIX, 'roles/web/tasks')]);
    expect(web.handlers.map((h) => h.name)).toEqual(['restart web']);
  });

  it('builds param docs from meta/argument_specs.yml', () => {
    expect(web.paramDocs).toEqual([
      { name: 'web_port', type: 'integer', required: false, default: 80, description: 'Port to listen on' },
      { name: 'web_user', type: 'string', required: true, description: 'Service user' },
      { name: 'web_mode', type: '"fast"|"safe"', required: false, description: 'Operating mode', choices: ['fast', 'safe'] },
      { name: 'web_hosts', type: 'string[]', required: false, description: 'Virtual hosts' },
      { name: 'web_tls', type: 'boolean', required: false, default: false },
    ]);
  });

  it('keeps argument_specs by entry point and checks them when the role runs, not at the call', () => {
    // Ansible validates the role's variables from every source when the role starts: the call's
    // params alone are never refused (a required var may come from group_vars or defaults).
    expect(web.params).toBeUndefined();
    expect(validateRoleParams(web, {}, call).errors).toEqual([]);
    expect(Object.keys(web.argumentSpecs!)).toEqual(['main']);
    const t = argumentSpecTask(web, 'main', { web_user: '{{ who }}' }, call)!;
    expect(t).toMatchObject({
      module: 'validate_argument_spec',
      name: "Validating arguments against arg spec 'main' - Configure the web server",
      tags: ['always'],
      role: { name: 'web' },
      args: { provided_arguments: { web_user: '{{ who }}' }, validate_args_context: { type: 'role', name: 'web', argument_spec_name: 'main', path: web.dir } },
    });
    expect(Object.keys(t.args.argument_spec as object)).toEqual(['web_port', 'web_user', 'web_mode', 'web_hosts', 'web_tls']);
    expect(argumentSpecTask(web, 'other', {}, call)).toBeUndefined();
    expect(roleEntryPoint('sub/install')).toBe('install');
    expect(roleEntryPoint('install.yml')).toBe('install.yml');
    expect(roleEntryPoint(undefined)).toBe('main');
  });

  it('formats roles show as a table', () => {
    const out = formatRoleShow(web);
    expect(out).toContain('web (YAML role, ');
    expect(out).toContain('Configure the web server');
    const lines = out.split('\n');
    expect(lines.find((l) => l.startsWith('PARAM'))).toMatch(/^PARAM\s+TYPE\s+DEFAULT\s+REQUIRED\s+DESCRIPTION$/);
    expect(lines.find((l) => l.startsWith('web_user'))).toMatch(/^web_user\s+string\s+yes\s+Service user$/);
    expect(lines.find((l) => l.startsWith('web_port'))).toMatch(/^web_port\s+integer\s+80\s+no\s+Port to listen on$/);
  });
});

describe('typed TS role', async () => {
  const typed = await loadRole('typed', paths, { modules: fakeModules });

  it('loads description, defaults, handlers and param docs from the zod schema', () => {
    expect(typed).toMatchObject({ name: 'typed', kind: 'ts', description: 'A typed fixture role', defaults: { typed_default: true } });
    expect(typed.paramDocs).toEqual([
      { name: 'region', type: '"US"|"EU"', required: true, description: 'Cloud region', choices: ['US', 'EU'] },
      { name: 'replicas', type: 'number', required: false, default: 1, description: 'How many' },
      { name: 'tags', type: 'string[]', required: false },
    ]);
    expect(typed.handlers.map((h) => [h.name, h.module])).toEqual([['typed restart', 'service']]);
  });

  it('validates params and names the param and the call site', () => {
    const r = validateRoleParams(typed, { region: 'ASIA' }, call);
    expect(r.errors.map((e) => formatError(e).split('\n')[0])).toEqual([`site.yml:19:7: role typed: param 'region': Invalid option: expected one of "US"|"EU"`]);
    const ok = validateRoleParams(typed, { region: 'EU' }, call);
    expect(ok.value).toEqual({ region: 'EU', replicas: 1 });
  });

  it('expands params into tasks normalized like YAML, located in index.ts', () => {
    const raw = typed.expand!({ region: 'EU', replicas: 3 }, ctx);
    const tasks = normalizeRoleTasks(typed, raw, { modules: fakeModules });
    expect(tasks.map((t) => [(t as ModuleTask).name, (t as ModuleTask).module, (t as ModuleTask).args])).toEqual([
      ['deploy to EU', 'command', { cmd: 'deploy --replicas 3' }],
      ['check', 'debug', { msg: 'ok' }],
    ]);
    expect(tasks[0]!.loc).toEqual({ file: path.join(FIX, 'roles/typed/index.ts') });
    expect(tasks[0]!.role).toEqual({ name: 'typed', dir: path.join(FIX, 'roles/typed') });
    expect((tasks[1] as ModuleTask).when).toEqual(['true']);
  });

  it('reports bad tasks from a typed role as errors in its index.ts', () => {
    expect(() => normalizeRoleTasks(typed, [{ name: 'x', copi: { dest: '/x' } }], { modules: fakeModules })).toThrow(TsplayErrors);
    try {
      normalizeRoleTasks(typed, [{ name: 'x', copi: { dest: '/x' } }], { modules: fakeModules });
    } catch (e) {
      expect(formatError((e as TsplayErrors).errors[0]!)).toBe(`${path.join(FIX, 'roles/typed/index.ts')}: unknown module 'copi'\n    hint: did you mean copy?`);
    }
  });
});

describe('listing and lookup', () => {
  it('lists roles with their type and description', async () => {
    const roles = await listRoles([path.join(FIX, 'roles')], { modules: fakeModules });
    expect(roles.map((r) => r.name)).toEqual(['typed', 'web']);
    const text = formatRoleList(roles);
    expect(text.split('\n')[0]).toMatch(/^NAME\s+TYPE\s+DESCRIPTION$/);
    expect(text).toMatch(/typed\s+typed\s+A typed fixture role/);
    expect(text).toMatch(/web\s+yaml\s+Configure the web server/);
  });

  it('a missing role suggests a close name', async () => {
    await expect(loadRole('wbe', paths, { from: call })).rejects.toThrow("site.yml:19:7: role 'wbe' not found\n    hint: did you mean web?");
  });
});

describe('normalizeTasks on plain objects', () => {
  const norm = (raw: unknown[]) => normalizeTasks(raw, 'x.ts', { modules: fakeModules });
  const errs = (raw: unknown[]) => {
    try {
      norm(raw);
    } catch (e) {
      return (e as TsplayErrors).errors.map((x) => x.message + (x.hint ? ` | ${x.hint}` : ''));
    }
    return [];
  };

  it('parses key=value strings with quotes and coerces by the module schema', () => {
    const [t] = norm([{ copy: 'dest=/etc/x content="a b c" force=no mode=0644' }]);
    expect((t as ModuleTask).args).toEqual({ dest: '/etc/x', content: 'a b c', force: false, mode: '0644' });
  });

  it('keeps templates with spaces whole in key=value strings', () => {
    const [t] = norm([{ debug: "msg={{ x | default('a b') }}" }]);
    expect((t as ModuleTask).args).toEqual({ msg: "{{ x | default('a b') }}" });
  });

  it('local_action delegates to localhost', () => {
    const [t] = norm([{ local_action: 'command echo hi' }]);
    expect(t).toMatchObject({ module: 'command', args: { cmd: 'echo hi' }, delegateTo: 'localhost' });
  });

  it('action: splits the module off with split_args, keeping quotes, templates and spacing (Ansible)', () => {
    const [a] = norm([{ action: 'debug msg="hello   world"' }]);
    expect((a as ModuleTask).args).toEqual({ msg: 'hello   world' });
    const [b] = norm([{ action: 'command make {{ "a  b" }} chdir={{ ws }}/x' }]);
    expect((b as ModuleTask).args).toEqual({ cmd: 'make {{ "a  b" }}', chdir: '{{ ws }}/x' });
    const [c] = norm([{ action: { module: 'copy dest=/x', content: 'c' } }]);
    expect(c).toMatchObject({ module: 'copy', args: { dest: '/x', content: 'c' } });
    expect(errs([{ action: 'command echo "open' }])[0]).toMatch(/unbalanced/);
  });

  it('until without retries defaults to 3 retries (Ansible)', () => {
    const [t] = norm([{ command: 'x', register: 'r', until: 'r.rc == 0' }]);
    expect(t).toMatchObject({ until: 'r.rc == 0', retries: 3 });
  });

  it('validates literal args at load time and skips templated values', () => {
    expect(errs([{ service: { name: 'x', state: 'bounced' } }])).toEqual([
      `module service: argument 'state': Invalid option: expected one of "started"|"stopped"|"restarted"|"reloaded"`,
    ]);
    expect(errs([{ service: { name: 'x', state: '{{ wanted }}' } }])).toEqual([]);
    expect(errs([{ service: { name: 'x', stat: '{{ wanted }}' } }])).toEqual(["unknown argument 'stat' for module service | did you mean state?"]);
  });

  it('errors on things that are not tasks', () => {
    expect(errs(['command: ls'])).toEqual(['a task must be a mapping, got a string ("command: ls") | write a task as "- name: …" followed by the module: "  command: …"']);
    expect(errs([{ name: 'nothing' }])).toEqual(['task \'nothing\' has no module | add a module call, e.g. "command: …", "copy: …", or a "block:"']);
    expect(errs([{ command: 'ls', regsiter: 'x' }])).toEqual(["unknown task keyword 'regsiter' | did you mean register?"]);
    expect(errs([{ command: 'ls', loop: { a: 1 } }])[0]).toMatch(/^'loop' needs a list, got a mapping/);
    expect(errs([{ command: 'ls', loop_control: { index_var: 'i', extended: true, pause: 0, label: '{{ item }}' }, loop: [1] }])).toEqual([]);
    expect(errs([{ command: 'ls', loop_control: { index_vr: 'i' }, loop: [1] }])).toEqual(["unknown loop_control key 'index_vr' | did you mean index_var?"]);
    expect(errs([{ command: 'ls', loop_control: { index_var: 'a-b' }, loop: [1] }])).toEqual(['index_var must be a variable name']);
    expect(errs([{ command: 'ls', with_itms: [1] }])).toEqual(["unknown lookup 'itms' in 'with_itms' | did you mean items?"]);
    expect(errs([{ command: 'ls', 'with_community.general.foo': [1] }])[0]).toMatch(
      /^unknown lookup 'community\.general\.foo' in 'with_community\.general\.foo' \| the lookup 'community\.general\.foo' comes from the collection community\.general/,
    );
    expect(errs([{ command: 'ls', with_items: [1], loop: [2] }])[0]).toMatch(/^use one of with_items \/ loop, not several/);
    expect(errs([{ copy: 'dest=/x stray' }])).toEqual(["module copy takes key=value arguments; 'stray' is not | write the arguments as a YAML mapping under the module name"]);
    expect(errs([{ 'community.general.ufw': {} }])[0]).toMatch(/^module 'community\.general\.ufw' is not available in tsplay/);
    expect(errs([{ command: 'ls', listen: 'x' }])).toEqual(["'listen' is only valid on handlers"]);
  });

  it('suggest() finds plausible typos only', () => {
    expect(suggest('lineinfle', ['lineinfile', 'copy'])).toBe('lineinfile');
    expect(suggest('cpoy', ['lineinfile', 'copy'])).toBe('copy');
    expect(suggest('zzzzzz', ['lineinfile', 'copy'])).toBeUndefined();
  });
});

describe('argument_specs files', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsplay-argspec-'));
  const role = (name: string, files: Record<string, string>) => {
    for (const [f, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, name, f)), { recursive: true });
      fs.writeFileSync(path.join(root, name, f), text);
    }
  };
  role('entries', {
    'tasks/main.yml': '- debug: msg=main\n',
    'tasks/install.yml': '- debug: msg=install\n',
    'meta/argument_specs.yml':
      'argument_specs:\n  main:\n    short_description: Main entry\n    options:\n      port: {type: int, required: true, description: Port}\n  install:\n    short_description: Install only\n    options:\n      pkg: {type: str, default: app}\n',
  });
  role('broken', {
    'tasks/main.yml': '- debug: msg=x\n',
    'meta/argument_specs.yml': 'argument_specs:\n  main:\n    options:\n      port:\n        type: integer\n        required: yes please\n',
  });
  role('inmeta', {
    'tasks/main.yml': '- debug: msg=x\n',
    'meta/main.yml': 'galaxy_info: {description: from galaxy}\nargument_specs:\n  other:\n    options:\n      a: {}\n',
  });
  const sp = [root];

  it('roles show prints main and every other entry point', async () => {
    const out = formatRoleShow(await loadRole('entries', sp, { modules: fakeModules }));
    expect(out).toContain('Main entry');
    expect(out).toMatch(/^port\s+integer\s+yes\s+Port$/m);
    expect(out).toContain('entry point install (tasks_from: install): Install only');
    expect(out).toMatch(/^pkg\s+string\s+"app"\s+no$/m);
  });

  it('a malformed spec is an error at its file:line:col', async () => {
    const e = await loadRole('broken', sp, { modules: fakeModules }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TsplayErrors);
    const file = path.join(root, 'broken/meta/argument_specs.yml');
    expect((e as TsplayErrors).errors.map((x) => formatError(x).split('\n')[0])).toEqual([
      `${file}:5:15: argument_specs.main.options.port.type: must be one of str, int, float, bool, list, dict, path, raw, jsonarg, json, bytes, bits`,
      `${file}:6:19: argument_specs.main.options.port.required: Invalid input: expected boolean, received string`,
    ]);
  });

  it('meta/main.yml argument_specs count when there is no argument_specs.yml; main is optional', async () => {
    const r = await loadRole('inmeta', sp, { modules: fakeModules });
    expect(Object.keys(r.argumentSpecs!)).toEqual(['other']);
    expect(r.paramDocs).toEqual([]);
    expect(r.description).toBe('from galaxy');
  });
});

describe('role search path from the environment and ansible.cfg', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsplay-rolepath-'));
  fs.writeFileSync(path.join(dir, 'ansible.cfg'), '[defaults]\nroles_path = ./shared-roles:/opt/roles  # team roles\ncollections_path = ./colls\n');

  it('reads ANSIBLE_ROLES_PATH first, else roles_path of the ansible.cfg beside the playbook (relative to it)', () => {
    const fromCfg = roleSearchPaths(dir, { HOME: '/home/u' });
    expect(fromCfg.slice(0, 4)).toEqual([path.join(dir, 'roles'), path.join(dir, 'shared-roles'), '/opt/roles', dir]);
    expect(fromCfg).toContain(path.join(dir, 'colls/ansible_collections'));
    const fromEnv = roleSearchPaths(dir, { HOME: '/home/u', ANSIBLE_ROLES_PATH: '/srv/r1:/srv/r2', ANSIBLE_COLLECTIONS_PATH: '/srv/c' });
    expect(fromEnv.slice(0, 4)).toEqual([path.join(dir, 'roles'), '/srv/r1', '/srv/r2', dir]);
    expect(fromEnv).toContain('/srv/c/ansible_collections');
  });

  it('finds ns.coll.role under collections/ansible_collections beside the playbook', () => {
    const roleDir = path.join(dir, 'collections/ansible_collections/acme/web/roles/site');
    fs.mkdirSync(path.join(roleDir, 'tasks'), { recursive: true });
    fs.writeFileSync(path.join(roleDir, 'tasks/main.yml'), '- debug: msg=x\n');
    expect(findRoleDir('acme.web.site', roleSearchPaths(dir, { HOME: '/home/u' }))).toEqual({ dir: roleDir, kind: 'yaml' });
    expect(findRoleDir('acme.web.nope', roleSearchPaths(dir, { HOME: '/home/u' }))).toBeUndefined();
  });

  it('picks tasks_from / vars_from / defaults_from files of a role, and names a missing one', async () => {
    const r = path.join(dir, 'roles/parts');
    for (const [f, t] of Object.entries({
      'tasks/main.yml': '- debug: msg=main\n',
      'tasks/extra.yml': '- debug: msg=extra\n',
      'vars/alt.yml': 'v: alt\n',
      'defaults/main.yml': 'd: 1\n',
      'defaults/other.yaml': 'd: 2\n',
    })) {
      fs.mkdirSync(path.dirname(path.join(r, f)), { recursive: true });
      fs.writeFileSync(path.join(r, f), t);
    }
    const role = await loadRole('parts', roleSearchPaths(dir, { HOME: '/home/u' }), { modules: fakeModules });
    const v = roleWithParts(role, { tasksFrom: 'extra', varsFrom: 'alt.yml', defaultsFrom: 'other' }, { modules: fakeModules });
    expect((v.tasks![0] as ModuleTask).args).toEqual({ msg: 'extra' });
    expect(v.vars).toEqual({ v: 'alt' });
    expect(v.defaults).toEqual({ d: 2 });
    expect(role.defaults).toEqual({ d: 1 });
    expect(() => roleWithParts(role, { varsFrom: 'nope' })).toThrow(/Could not find specified file in role: vars\/nope/);
  });
});

describe('meta/main.yml dependencies', () => {
  const mk = (files: Record<string, string>) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tsplay-deps-'));
    for (const [f, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(d, f)), { recursive: true });
      fs.writeFileSync(path.join(d, f), text);
    }
    return d;
  };
  const errorsOf = async (d: string) => {
    try {
      await loadPlaybook(path.join(d, 'site.yml'), { modules: fakeModules });
      return [];
    } catch (e) {
      return (e as TsplayErrors).errors.map((x) => formatError(x));
    }
  };

  it('reads names, role:/name: mappings with params and keywords, and galaxy src: entries', async () => {
    const d = mk({
      'roles/a/meta/main.yml': 'dependencies:\n  - b\n  - {role: c, app_port: 1, when: x, tags: [t]}\n  - {name: d}\n  - {src: "git+https://example.invalid/x/e.git"}\n',
      'roles/a/tasks/main.yml': '- debug: {msg: a}\n',
    });
    const role = await loadRole('a', roleSearchPaths(d), { modules: fakeModules });
    expect(role.dependencies?.map((r) => r.roleName)).toEqual(['b', 'c', 'd', 'e']);
    expect(role.dependencies?.[1]).toMatchObject({ params: { app_port: 1 }, when: ['x'], tags: ['t'], roleEntry: true });
    expect(role.dependencies?.[0]?.loc).toMatchObject({ file: path.join(d, 'roles/a/meta/main.yml'), line: 2 });
  });

  it('validate: a missing dependency, a dependency that is not a list and a dependency loop are errors at their lines', async () => {
    const missing = mk({
      'site.yml': '- hosts: all\n  roles: [a]\n',
      'roles/a/meta/main.yml': 'dependencies:\n  - nosuchrole\n',
    });
    expect((await errorsOf(missing)).join('\n')).toMatch(/roles\/a\/meta\/main\.yml:2:\d+: role 'nosuchrole' not found/);
    const notList = mk({ 'site.yml': '- hosts: all\n  roles: [a]\n', 'roles/a/meta/main.yml': 'dependencies: b\n' });
    expect((await errorsOf(notList)).join('\n')).toMatch(/meta\/main\.yml:1:\d+: Expected role dependencies to be a list/);
    const loop = mk({
      'site.yml': '- hosts: all\n  roles: [a]\n',
      'roles/a/meta/main.yml': 'dependencies: [b]\n',
      'roles/b/meta/main.yml': 'dependencies:\n  - a\n',
      'roles/b/tasks/main.yml': '- debug: {msg: b}\n',
    });
    expect((await errorsOf(loop)).join('\n')).toMatch(/roles\/b\/meta\/main\.yml:2:\d+: role dependency loop: a → b → a/);
  });

  it('a dependency is also found beside its depending role (a roles path the playbook does not use)', async () => {
    const d = mk({ 'site.yml': '- hosts: all\n  roles: [elsewhere/a]\n', 'elsewhere/a/meta/main.yml': 'dependencies: [b]\n', 'elsewhere/b/tasks/main.yml': '- debug: {msg: b}\n' });
    expect(await errorsOf(d)).toEqual([]);
  });
});
