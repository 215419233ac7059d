// The package installs like any CLI: `npm pack` (prepack compiles to dist/), the tarball installed
// into an empty project, and the installed `tsplay` used from there — compiled JavaScript, no tsx,
// no sources, no tests in the tarball.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..');

describe('npm pack, install into an empty folder, use', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-pack-'));
  const app = path.join(dir, 'app');
  let tarball = '';
  const tsplay = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(path.join(app, 'node_modules', '.bin', 'tsplay'), args, { cwd: app, encoding: 'utf8', env: { ...process.env, ...env, NO_COLOR: '1' }, timeout: 120_000 });

  beforeAll(() => {
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 });
    tarball = path.join(dir, (JSON.parse(out) as Array<{ filename: string }>)[0]!.filename);
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  }, 900_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the tarball holds the compiled CLI and the docs, not the sources, tests or CI', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files).toContain('package/bin/tsplay.mjs');
    expect(files).toContain('package/dist/src/cli/main.js');
    expect(files).toContain('package/dist/roles/install-postanalytics/index.js');
    expect(files).toContain('package/dist/src/lab/recipes/configure-target.sh');
    // The Wallarm scripts are read beside the compiled modules (src/wallarm/scripts.ts).
    expect(files).toContain('package/dist/src/wallarm/scripts/install.sh');
    expect(files).toContain('package/dist/src/wallarm/scripts/machine-state.sh');
    expect(files).toContain('package/playbooks/upgrade.yml');
    // TypeScript declarations (.d.ts) for a team's plugins; no TypeScript sources
    expect(files).toContain('package/dist/src/index.d.ts');
    expect(files.filter((f) => /^package\/(src|test|\.ci|bench|scripts)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
  });

  it('tsplay --version prints the package version, from compiled JavaScript', () => {
    const r = tsplay(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version);
    expect(existsSync(path.join(app, 'node_modules', 'tsplay', 'src'))).toBe(false);
  });

  it('validate and run a local playbook; validate the shipped upgrade playbook with its typed roles', () => {
    const out = path.join(dir, 'out.txt');
    writeFileSync(
      path.join(app, 'site.yml'),
      [
        '- hosts: localhost',
        '  connection: local',
        '  gather_facts: false',
        '  tasks:',
        '    - name: write a file',
        '      copy:',
        `        dest: ${out}`,
        '        content: "hello {{ who | upper }}\\n"',
        '',
      ].join('\n'),
    );
    const v = tsplay(['validate', 'site.yml', '-e', 'who=world']);
    expect(v.stderr).toBe('');
    expect(v.stdout).toMatch(/site\.yml: valid/);
    const r = tsplay(['run', 'site.yml', '-e', 'who=world']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/localhost\s*: ok=1\s+changed=1/);
    expect(readFileSync(out, 'utf8')).toBe('hello WORLD\n');
    const again = tsplay(['run', 'site.yml', '-e', 'who=world']);
    expect(again.stdout).toMatch(/localhost\s*: ok=1\s+changed=0/);
    const pkg = path.join(app, 'node_modules', 'tsplay');
    const up = tsplay(['validate', path.join(pkg, 'playbooks', 'upgrade.yml'), '-i', path.join(pkg, 'inventory', 'example.yml')], { WALLARM_API_TOKEN: 'x' });
    expect(up.stderr).toBe('');
    expect(up.status).toBe(0);
  });

  it("a team's plugin written in TypeScript typechecks against the installed package's declarations", () => {
    const plugin = (body: string) => {
      writeFileSync(path.join(app, 'plugin.ts'), body);
      return spawnSync(
        process.execPath,
        [
          path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'),
          '--noEmit',
          '--strict',
          '--module',
          'nodenext',
          '--moduleResolution',
          'nodenext',
          '--target',
          'es2022',
          '--skipLibCheck',
          'plugin.ts',
        ],
        {
          cwd: app,
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
    };
    const good = [
      "import { defineModule, definePlugin, sh, z } from 'tsplay';",
      'export default definePlugin({',
      "  name: 'team',",
      '  modules: [',
      '    defineModule({',
      "      name: 'hello',",
      "      description: 'prints hello',",
      '      args: z.object({ who: z.string() }),',
      '      plan: (a) => ({ changed: true, commands: [{ kind: "shell", cmd: sh`echo hello ${a.who}` }] }),',
      '    }),',
      '  ],',
      '});',
      '',
    ].join('\n');
    const ok = plugin(good);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    // the declarations are real types: a wrong field is a type error
    const bad = plugin(good.replace('a.who', 'a.whom'));
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/whom/);
  });
});
