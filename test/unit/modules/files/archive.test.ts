import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { archive, type ArchiveArgs } from '../../../../src/modules/files/archive.js';
import type { PlanContext } from '../../../../src/modules/types.js';
import type { ShellCommand } from '../../../../src/commands/types.js';
import { debian12 } from '../../../fixtures/modules/system/facts.js';
import { runLocal } from '../../../fixtures/modules/system/sh.js';

const hasPython = spawnSync('python3', ['-c', 'import tarfile, zipfile, lzma, bz2']).status === 0;

/** Probe and plan on this machine (the program runs in the local python3), then run the plan's command. */
function runArchive(args: Record<string, unknown>, check = false) {
  const a = archive.args.parse(args) as ArchiveArgs;
  const base = {
    host: 'h1',
    facts: debian12,
    check,
    diff: false,
    vars: {},
    readControllerFile: () => Buffer.alloc(0),
    renderTemplate: (t: string) => t,
    renderTemplateFile: () => '',
    evaluate: () => true,
    evaluateValue: () => undefined,
  };
  const probed: Record<string, unknown> = {};
  for (const p of archive.probes!(a, base)) probed[p.key] = p.parse(runLocal(p.cmd.text));
  const plan = archive.plan(a, { ...base, probed } as PlanContext);
  if (!plan.commands.length) return { plan, changed: plan.changed, failed: plan.failed, result: plan.result ?? {} };
  const out = plan.interpret!(plan.commands.map((c) => runLocal((c as ShellCommand).cmd.text)));
  return { plan, changed: out.changed, failed: out.failed, result: out.result ?? {} };
}

function tree(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsplay-archive-'));
  mkdirSync(join(d, 'src', 'sub'), { recursive: true });
  writeFileSync(join(d, 'src', 'a.txt'), 'a\n');
  writeFileSync(join(d, 'src', 'sub', `we'ird $(x).log`), 'b\n');
  return d;
}

function tarNames(p: string): string[] {
  const r = spawnSync('python3', ['-c', 'import sys, tarfile; print("\\n".join(sorted(m.name for m in tarfile.open(sys.argv[1]).getmembers())))', p], { encoding: 'utf8' });
  return r.stdout.trim().split('\n');
}

describe.skipIf(!hasPython)('archive', () => {
  it('packs a tree (what is under it, named from the common root; the dir itself is no member), then reports unchanged', () => {
    const d = tree();
    const dest = join(d, 'out.tar.gz');
    const first = runArchive({ path: join(d, 'src'), dest });
    expect(first.failed).toBeUndefined();
    expect(first.changed).toBe(true);
    expect(first.result).toMatchObject({ dest_state: 'archive', arcroot: `${d}/`, missing: [], expanded_paths: [join(d, 'src')] });
    expect(tarNames(dest)).toEqual(['src/a.txt', 'src/sub', `src/sub/we'ird $(x).log`]);
    const again = runArchive({ path: join(d, 'src'), dest });
    expect(again.changed).toBe(false);
    expect(again.result).not.toHaveProperty('targets');
  });

  it('exclusion_patterns match member names (tar); exclude_path takes paths out of a glob; xz and bz2 work', () => {
    const d = tree();
    for (const format of ['xz', 'bz2', 'tar']) {
      const dest = join(d, `x.${format}`);
      const r = runArchive({ path: join(d, 'src'), dest, format, exclusion_patterns: ['*.log'] });
      expect(r.failed).toBeUndefined();
      expect(tarNames(dest)).toEqual(['src/a.txt', 'src/sub']);
    }
    const g = runArchive({ path: [`${d}/src/*`], exclude_path: [`${d}/src/sub`], dest: join(d, 'g.zip'), format: 'zip' });
    expect(g.result).toMatchObject({ archived: [`${d}/src/a.txt`], expanded_exclude_paths: [`${d}/src/sub`] });
  });

  it('one file without dest is compressed beside itself; remove deletes it', () => {
    const d = tree();
    const src = join(d, 'src', 'a.txt');
    const r = runArchive({ path: src, remove: true });
    expect(r.result).toMatchObject({ dest: `${src}.gz`, dest_state: 'compress', archived: [src], state: 'file' });
    expect(existsSync(src)).toBe(false);
  });

  it('check mode decides without writing; missing paths make it incomplete; mode is applied', () => {
    const d = tree();
    const dest = join(d, 'c.tar.gz');
    const chk = runArchive({ path: join(d, 'src'), dest }, true);
    expect(chk.plan.commands).toEqual([]);
    expect(chk.changed).toBe(true);
    expect(existsSync(dest)).toBe(false);
    const inc = runArchive({ path: [join(d, 'src', 'a.txt'), join(d, 'nope')], dest, mode: '0600' });
    expect(inc.result).toMatchObject({ dest_state: 'incomplete', missing: [join(d, 'nope')], mode: '0600' });
    expect(statSync(dest).mode & 0o777).toBe(0o600);
  });

  it('fails with the module’s messages', () => {
    const d = tree();
    expect(runArchive({ path: `${d}/*.none` }).failed).toBe('Error, no source paths were found');
    expect(runArchive({ path: [join(d, 'src', 'a.txt'), join(d, 'src', 'sub')] }).failed).toBe('Error, must specify "dest" when archiving multiple files or trees');
    expect(runArchive({ path: join(d, 'src'), dest: join(d, 'src', 'in.tgz'), remove: true }).failed).toBe(
      'Error, created archive can not be contained in source paths when remove=true',
    );
    expect(() => archive.args.parse({ path: 'x', format: 'rar' })).toThrow();
    expect(runArchive({ path: 'x', mode: 'u=rw' }).failed).toMatch(/mode must be octal/);
  });
});
