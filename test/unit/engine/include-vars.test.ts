import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { includeVarsFiles } from '../../../src/engine/include-vars.js';
import { includeVarsModule, type IncludeVarsRequest } from '../../../src/modules/system/include_vars.js';
import type { PlanContext } from '../../../src/modules/types.js';
import { parseStringArgs } from '../../../src/loader/args.js';
import { commandModule } from '../../../src/modules/system/command.js';

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsplay-incvars-'));
  for (const [f, t] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), t);
  }
  return dir;
}

const req = (r: Partial<IncludeVarsRequest>): IncludeVarsRequest => ({ depth: 0, ignoreFiles: [], extensions: ['yaml', 'yml', 'json'], ignoreUnknownExtensions: false, ...r });

describe('include_vars on the controller', () => {
  it('finds a file under a search path entry’s vars/ before the entry itself, and says where it looked', () => {
    const d = tree({ 'vars/x.yml': 'a: from-vars\n', 'x.yml': 'a: top\n' });
    expect(includeVarsFiles(req({ file: 'x.yml' }), { searchPath: [d] })).toEqual({ vars: { a: 'from-vars' }, files: [path.join(d, 'vars/x.yml')] });
    const miss = includeVarsFiles(req({ file: 'nope.yml' }), { searchPath: [d] });
    expect(miss).toEqual({ error: `Could not find or access 'nope.yml'\nSearched in:\n\t${d}/vars/nope.yml\n\t${d}/nope.yml`, files: [] });
  });

  it('reads a directory in sorted order (later files win), skips a role’s vars/main.yml, refuses a non-mapping', () => {
    const role = tree({ 'vars/main.yml': 'm: main\n', 'vars/os/b.yml': 'k: b\n', 'vars/os/a.yml': 'k: a\nonly_a: 1\n', 'vars/list/l.yml': '- 1\n' });
    expect(includeVarsFiles(req({ dir: 'os' }), { roleDir: role, searchPath: [role] })).toEqual({
      vars: { k: 'b', only_a: 1 },
      files: [path.join(role, 'vars/os/a.yml'), path.join(role, 'vars/os/b.yml')],
    });
    expect(includeVarsFiles(req({ dir: 'vars' }), { roleDir: role, searchPath: [role] })).toMatchObject({
      error: `${path.join(role, 'vars/list/l.yml')} must be stored as a dictionary/hash`,
    });
    expect(includeVarsFiles(req({ dir: 'nope' }), { roleDir: role, searchPath: [role] })).toMatchObject({ error: `${path.join(role, 'vars/nope')} directory does not exist` });
  });

  it('a dir outside a role is relative to the task’s file; a file of another extension fails unless ignored', () => {
    const d = tree({ 'play/conf/a.yml': 'a: 1\n', 'play/conf/README': 'text\n' });
    const where = { taskFile: path.join(d, 'play/site.yml'), searchPath: [] };
    expect(includeVarsFiles(req({ dir: 'conf' }), where)).toMatchObject({ error: `${path.join(d, 'play/conf/README')} does not have a valid extension: yaml, yml, json` });
    expect(includeVarsFiles(req({ dir: 'conf', ignoreUnknownExtensions: true }), where)).toMatchObject({ vars: { a: 1 } });
  });
});

describe('include_vars module', () => {
  it("its string form is split as key=value words (sensu.sensu_go's include_vars: file='{{ ansible_distribution }}.yml'), other words are the file", () => {
    expect(parseStringArgs(includeVarsModule, "file='{{ ansible_distribution }}.yml'").args).toEqual({ file: '{{ ansible_distribution }}.yml' });
    expect(parseStringArgs(includeVarsModule, 'os/{{ x }}.yml name=osvars').args).toEqual({ _raw_params: 'os/{{ x }}.yml', name: 'osvars' });
    // command keeps words that are not its own options in the command (Ansible's check_raw).
    expect(parseStringArgs(commandModule, "echo file='x' chdir=/tmp").args).toEqual({ chdir: '/tmp', _raw_params: "echo file='x'" });
  });

  const ctx = (vars: Record<string, unknown>, got: ReturnType<typeof includeVarsFiles>) => ({ vars, includeVars: () => got }) as unknown as PlanContext;

  it('refuses mixing file and dir arguments, and unknown ones, with ansible-core’s messages', () => {
    expect(includeVarsModule.args.safeParse({ file: 'a.yml', dir: 'd' }).error?.issues[0]?.message).toBe('You are mixing file only and dir only arguments, these are incompatible');
    expect(includeVarsModule.args.safeParse({ fil: 'a.yml' }).error?.issues[0]?.message).toBe('fil is not a valid option in include_vars');
  });

  it('puts the variables under name:, merges hashes with hash_behaviour: merge, and returns ansible_facts', () => {
    const got = { vars: { cfg: { b: 2 } }, files: ['/x.yml'] };
    const named = includeVarsModule.plan({ file: 'x.yml', name: 'all' }, ctx({}, got));
    expect(named).toMatchObject({
      changed: false,
      includedVars: { all: { cfg: { b: 2 } } },
      result: { ansible_facts: { all: { cfg: { b: 2 } } }, ansible_included_var_files: ['/x.yml'] },
    });
    const merged = includeVarsModule.plan({ file: 'x.yml', hash_behaviour: 'merge' }, ctx({ cfg: { a: 1 } }, got));
    expect(merged.includedVars).toEqual({ cfg: { a: 1, b: 2 } });
    const failed = includeVarsModule.plan({ file: 'x.yml' }, ctx({}, { error: 'nope', files: [] }));
    expect(failed.failed).toBe('nope');
  });
});
