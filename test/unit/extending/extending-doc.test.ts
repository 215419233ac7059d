import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../../src/cli/main.js';

/**
 * docs/extending.md's worked example, taken from the page itself: every fenced block whose info
 * string says `file=PATH` is written into an empty directory (`from 'tsplay'` pointing at this
 * checkout's public entry), then the team's playbook runs through the CLI.
 */
const root = path.resolve(import.meta.dirname, '../../..');
const doc = readFileSync(path.join(root, 'docs/extending.md'), 'utf8');
const entry = pathToFileURL(path.join(root, 'src/index.ts')).href;
const blocks = [...doc.matchAll(/^```\w+ file=(\S+)\n([\s\S]*?)^```$/gm)].map((m) => ({ file: m[1]!, text: m[2]! }));

const work = mkdtempSync(path.join(os.tmpdir(), 'tsplay-extending-'));
for (const b of blocks) {
  const dest = path.join(work, b.file);
  mkdirSync(path.dirname(dest), { recursive: true });
  writeFileSync(dest, b.text.replaceAll(`from 'tsplay'`, `from '${entry}'`));
}
const project = path.join(work, 'acme-ops');
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function tsplay(args: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const io: Io = { out: (t) => void (text += t), err: (t) => void (text += t), isTTY: false };
  const code = await main(args, io);
  return { code, text };
}

describe("docs/extending.md: a team's own module, plugin and role", { timeout: 60_000 }, () => {
  it('the page holds the four files of the example', () => {
    expect(blocks.map((b) => b.file).sort()).toEqual([
      'acme-ops/modules/release-marker.ts',
      'acme-ops/roles/acme-release/index.ts',
      'acme-ops/site.yml',
      'acme-ops/tsplay.config.ts',
    ]);
  });

  it('modules show documents the module from the plugin, arguments and return values', async () => {
    const r = await tsplay(['modules', 'show', 'acme_release_marker', '-p', path.join(project, 'site.yml')]);
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/^acme_release_marker \(from plugin acme\)$/m);
    expect(r.text).toMatch(/^version +string +yes +the release deployed on the host$/m);
    expect(r.text).toMatch(/^previous +what RELEASE said before/m);
  });

  it('the playbook runs: changed the first time, no change the second, the file written', async () => {
    const dir = path.join(work, 'srv', "acme's release");
    const site = path.join(project, 'site.yml');
    const v = await tsplay(['validate', site, '-e', JSON.stringify({ release_dir: dir })]);
    expect(v.code, v.text).toBe(0);
    const first = await tsplay(['run', site, '-e', JSON.stringify({ release_dir: dir })]);
    expect(first.code, first.text).toBe(0);
    expect(first.text).toMatch(/RELEASE was nothing, now 1\.4\.2/);
    expect(first.text).toMatch(/changed=2/);
    expect(readFileSync(path.join(dir, 'RELEASE'), 'utf8')).toBe('1.4.2\n');
    const second = await tsplay(['run', site, '-e', JSON.stringify({ release_dir: dir })]);
    expect(second.code, second.text).toBe(0);
    expect(second.text).toMatch(/RELEASE was 1\.4\.2, now 1\.4\.2/);
    expect(second.text).toMatch(/changed=0/);
  });

  it('a bad argument to the team module is a validate error at its task', async () => {
    const bad = path.join(project, 'bad.yml');
    writeFileSync(bad, '- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n    - acme_release_marker: { dir: /tmp, version: latest }\n');
    const v = await tsplay(['validate', bad]);
    expect(v.code).not.toBe(0);
    expect(v.text).toMatch(/bad\.yml:5:\d+.*a release is X\.Y\.Z|a release is X\.Y\.Z[\s\S]*bad\.yml:5/);
  });
});

describe('a malformed or clashing plugin is refused with its file named', () => {
  it.each([
    [
      'a module without plan',
      `export default { name: 'broken', modules: [{ name: 'broken_mod', description: 'x', args: (await import('zod')).z.object({}) }] };`,
      /plugin tsplay\.config\.mjs: module 'broken_mod': `plan` must be a function/,
    ],
    [
      'a name the core has',
      `import { z } from 'zod'; export default { name: 'thief', modules: [{ name: 'copy', description: 'x', args: z.object({}), plan: () => ({ changed: false, commands: [] }) }] };`,
      /plugin 'thief': module name 'copy' is already taken by tsplay's module copy/,
    ],
  ])('%s', async (_what, source, message) => {
    const dir = mkdtempSync(path.join(work, 'plugin-'));
    writeFileSync(path.join(dir, 'tsplay.config.mjs'), source);
    writeFileSync(path.join(dir, 'pb.yml'), '- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n');
    const r = await tsplay(['validate', path.join(dir, 'pb.yml')]);
    expect(r.code).not.toBe(0);
    expect(r.text).toMatch(message);
    expect(r.text).toContain(path.join(dir, 'tsplay.config.mjs'));
    expect(r.text).not.toMatch(/\n\s+at /);
  });
});
