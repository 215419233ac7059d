// Typed TS roles and YAML roles end to end: typed params validated for every host before anything
// runs (a YAML role's argument_specs when the role starts, as Ansible); defaults, templates, files, handlers; idempotent on a second run.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tsplay } from './project.js';
import type { RunReport } from '../../../src/engine/report.js';

const fixture = resolve(import.meta.dirname, '../../fixtures/engine/roles-project');
const playbook = join(fixture, 'site.yml');

let out = '';
afterEach(() => out && rmSync(out, { recursive: true, force: true }));

function setup(ports: Record<string, string>): { inv: string; json: string } {
  out = mkdtempSync(join(tmpdir(), 'tsplay-roles-'));
  for (const h of Object.keys(ports)) mkdirSync(join(out, h));
  const inv = join(out, 'inventory.ini');
  writeFileSync(
    inv,
    `[app]\n${Object.entries(ports)
      .map(([h, p]) => `${h} ansible_connection=local app_port=${p}`)
      .join('\n')}\n`,
  );
  return { inv, json: join(out, 'report.json') };
}

async function runRoles(inv: string, json: string, more: string[] = []) {
  const r = await tsplay(['run', playbook, '-i', inv, '-e', `out=${out}`, '--no-history', '--json', json, ...more]);
  const report = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as RunReport) : undefined;
  rmSync(json, { force: true });
  return { ...r, report };
}

describe('roles', () => {
  it('a typed role and a YAML role apply per host (defaults, template, files, handlers), then converge', async () => {
    const { inv, json } = setup({ h1: '8081', h2: '8082' });
    const first = await runRoles(inv, json, ['-e', 'site_greeting=hi-from-e']);
    expect(first.code, first.all).toBe(0);
    expect(readFileSync(join(out, 'h1/app.conf'), 'utf8')).toBe('name=app\nport=8081\nhost=h1\n');
    expect(readFileSync(join(out, 'h2/app.conf'), 'utf8')).toBe('name=app\nport=8082\nhost=h2\n');
    expect(readFileSync(join(out, 'h2/site.conf'), 'utf8')).toBe('# managed by tsplay\ngreeting = hi-from-e\nworkers = 2\nhost = h2\n');
    expect(readFileSync(join(out, 'h1/banner.txt'), 'utf8')).toBe('Welcome (static file from the role)\n');
    // Each role's handler ran once per host although two site tasks notified it.
    expect(readFileSync(join(out, 'h1/handlers.log'), 'utf8').split('\n').filter(Boolean).sort()).toEqual(['reload-site', 'restart-app']);
    expect(first.report!.recap['h1']).toMatchObject({ failed: 0, changed: 5 });

    const second = await runRoles(inv, json, ['-e', 'site_greeting=hi-from-e']);
    expect(second.code, second.all).toBe(0);
    for (const h of ['h1', 'h2']) expect(second.report!.recap[h]).toMatchObject({ changed: 0, failed: 0 });
    expect(second.out).not.toContain('RUNNING HANDLER');
  });

  it('a bad role param on one host stops the run before any task on any host (exit 4)', async () => {
    const { inv, json } = setup({ h1: '8081', h2: '99999' });
    const r = await runRoles(inv, json);
    expect(r.code, r.all).toBe(4);
    expect(r.err).toContain('h2');
    expect(r.err).toMatch(/listen_port/);
    expect(r.err).toContain(`${playbook}:10:`);
    expect(existsSync(join(out, 'marker.log'))).toBe(false);
    expect(existsSync(join(out, 'h1/app.conf'))).toBe(false);
  });

  it('a YAML role (argument_specs) checks its variables when it starts, as Ansible: a missing required one fails the host there', async () => {
    const { inv, json } = setup({ h1: '8081' });
    const pb = join(fixture, 'missing-param.yml');
    const r = await tsplay(['run', pb, '-i', inv, '-e', `out=${out}`, '--no-history', '--json', json]);
    expect(r.code, r.all).toBe(2);
    expect(r.out).toContain("TASK [site : Validating arguments against arg spec 'main' - Site config from a template and a static file]");
    expect(r.all).toContain('Validation of arguments failed:\nmissing required arguments: site_dest');
    // The tasks before the role ran (the validation is the role's first task); the role's own did not.
    expect(existsSync(join(out, 'marker.log'))).toBe(true);
    expect(existsSync(join(out, 'h1/site.conf'))).toBe(false);
  });

  it('tsplay validate reports the bad param without contacting any host', async () => {
    const { inv } = setup({ h1: '0' });
    const r = await tsplay(['validate', playbook, '-i', inv, '-e', `out=${out}`]);
    expect(r.code, r.all).toBe(4);
    expect(r.err).toMatch(/listen_port/);
    expect(existsSync(join(out, 'marker.log'))).toBe(false);
  });
});
