/**
 * The plans' shell really works: probe a temp dir with /bin/sh, plan, run the commands (puts written with
 * fs, like an executor would), then probe and plan again and require no commands (Molecule's idempotence).
 */
import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModuleDef, Plan } from '../../../../src/modules/types.js';
import type { RunResult } from '../../../../src/executors/types.js';
import { fileModules } from '../../../../src/modules/files/index.js';
import { planCtx } from './ctx.js';

const mod = (name: string): ModuleDef => fileModules.find((m) => m.name === name)!;

function sh(cmd: string, stdin?: string | Buffer): RunResult {
  const r = spawnSync('/bin/sh', ['-c', cmd], { input: stdin, encoding: 'utf8' });
  return { rc: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, durationMs: 0 };
}

/** Probe, plan, run. Returns the plan and the outputs of the commands that ran. */
function apply(name: string, args: Record<string, unknown>, files: Record<string, string> = {}): { plan: Plan; outputs: RunResult[] } {
  const m = mod(name);
  const a = m.args.parse(args);
  const base = planCtx({}, { files });
  const probed: Record<string, unknown> = {};
  for (const p of m.probes?.(a, base) ?? []) probed[p.key] = p.parse(sh(p.cmd.text));
  const plan = m.plan(a, { ...base, probed });
  const outputs: RunResult[] = [];
  for (const c of plan.commands) {
    if (c.kind === 'put') {
      writeFileSync(c.path, c.content);
      if (c.mode) chmodSync(c.path, parseInt(c.mode, 8));
      if (c.owner && /^\d+$/.test(c.owner)) chownSync(c.path, Number(c.owner), c.group && /^\d+$/.test(c.group) ? Number(c.group) : -1);
      outputs.push({ rc: 0, stdout: '', stderr: '', durationMs: 0 });
    } else if (c.kind === 'shell') {
      const r = sh(c.cmd.text, c.stdin);
      outputs.push(r);
      if (r.rc !== 0) return { plan: { ...plan, failed: r.stderr || `rc ${r.rc}` }, outputs };
    }
  }
  return { plan, outputs };
}

function converge(name: string, args: Record<string, unknown>, files: Record<string, string> = {}): Plan {
  const first = apply(name, args, files);
  expect(first.plan.failed).toBeUndefined();
  const second = apply(name, args, files);
  expect(second.plan.failed).toBeUndefined();
  expect(second.plan.commands).toEqual([]);
  expect(second.plan.changed).toBe(false);
  return first.plan;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsplay-apply-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('plans applied with a real shell converge', () => {
  it('file: nested directories with a mode, then a symlink, then absent', () => {
    const d = join(dir, 'a b', "c'd");
    converge('file', { path: d, state: 'directory', mode: '0750' });
    expect(statSync(d).mode & 0o7777).toBe(0o750);
    expect(statSync(join(dir, 'a b')).mode & 0o7777).toBe(0o750);
    converge('file', { path: join(dir, 'link'), state: 'link', src: d });
    expect(readlinkSync(join(dir, 'link'))).toBe(d);
    converge('file', { path: join(dir, 'a b'), state: 'absent' });
    expect(existsSync(join(dir, 'a b'))).toBe(false);
  });

  it('file: recurse fixes a child mode once', () => {
    const d = join(dir, 'tree');
    converge('file', { path: join(d, 'sub'), state: 'directory', mode: '0700' });
    converge('file', { path: d, state: 'directory', mode: '0755', recurse: true });
    expect(statSync(join(d, 'sub')).mode & 0o7777).toBe(0o755);
  });

  it('file: recurse with a symbolic mode treats each entry as Ansible does (X), then converges', () => {
    const d = join(dir, 'symtree');
    converge('file', { path: join(d, 'sub'), state: 'directory', mode: '0700' });
    writeFileSync(join(d, 'sub', 'data'), 'x');
    chmodSync(join(d, 'sub', 'data'), 0o600);
    writeFileSync(join(d, 'run.sh'), 'x');
    chmodSync(join(d, 'run.sh'), 0o700);
    converge('file', { path: d, state: 'directory', mode: 'u=rwX,g=rX,o=rX', recurse: true });
    const m = (p: string) => statSync(join(d, p)).mode & 0o7777;
    expect([m('.'), m('sub'), m('sub/data'), m('run.sh')]).toEqual([0o755, 0o755, 0o644, 0o755]);
  });

  it('copy with backup and validate', () => {
    const f = join(dir, 'app.conf');
    writeFileSync(f, 'old\n');
    chmodSync(f, 0o600);
    const first = apply('copy', { dest: f, content: 'new\n', backup: true, validate: 'grep -q new %s' });
    expect(first.plan.failed).toBeUndefined();
    expect(readFileSync(f, 'utf8')).toBe('new\n');
    expect(statSync(f).mode & 0o7777).toBe(0o600);
    const backup = first.plan.interpret!(first.outputs).result?.backup_file as string;
    expect(backup).toMatch(/app\.conf\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/);
    expect(readFileSync(backup, 'utf8')).toBe('old\n');
    expect(readdirSync(dir).filter((n) => n.includes('validate'))).toEqual([]);
    expect(apply('copy', { dest: f, content: 'new\n', backup: true }).plan.commands).toEqual([]);
  });

  it('copy: a failing validate leaves the file untouched', () => {
    const f = join(dir, 'app.conf');
    writeFileSync(f, 'old\n');
    const r = apply('copy', { dest: f, content: 'bad\n', validate: 'grep -q good %s' });
    expect(r.plan.failed).toMatch(/failed to validate: rc:1/);
    expect(readFileSync(f, 'utf8')).toBe('old\n');
  });

  it('lineinfile through a symlink keeps the link and edits the target', () => {
    const t = join(dir, 'target.conf');
    writeFileSync(t, 'a=1\r\nb=2');
    const l = join(dir, 'link.conf');
    spawnSync('ln', ['-s', 'target.conf', l]);
    converge('lineinfile', { path: l, regexp: '^c=', line: 'c=3' });
    expect(lstatSync(l).isSymbolicLink()).toBe(true);
    expect(readFileSync(t, 'latin1')).toBe('a=1\r\nb=2\nc=3\n');
  });

  it('blockinfile creates a file in a missing directory', () => {
    const f = join(dir, 'x', 'y.conf');
    converge('blockinfile', { path: f, block: 'k=v', create: true });
    expect(readFileSync(f, 'utf8')).toBe('# BEGIN ANSIBLE MANAGED BLOCK\nk=v\n# END ANSIBLE MANAGED BLOCK\n');
  });

  it('template, env_file and yaml_edit', () => {
    converge('template', { src: 't.hbs', dest: join(dir, 't.conf'), mode: '0640' }, { 't.hbs': 'os={{ facts.os.id }}\n' });
    expect(readFileSync(join(dir, 't.conf'), 'utf8')).toBe('os=debian\n');
    const env = join(dir, 'env.list');
    writeFileSync(env, '# tarantool\nHOST=a\n');
    converge('env_file', { path: env, set: { HOST: 'b', PORT: 3313 }, after_comment: '# tarantool' });
    expect(readFileSync(env, 'utf8')).toBe('# tarantool\nHOST=b\nPORT=3313\n');
    const y = join(dir, 'n.yaml');
    writeFileSync(y, '# c\na:\n  b: 1 # keep\n');
    converge('yaml_edit', { path: y, set: { 'a.b': 2, 'a.c': [1] } });
    expect(readFileSync(y, 'utf8')).toBe('# c\na:\n  b: 2 # keep\n  c:\n    - 1\n');
  });
});
