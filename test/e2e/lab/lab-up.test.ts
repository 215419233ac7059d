// `tsplay lab up` / `lab down` as functions: hosts reachable with the written key and inventory,
// `tsplay run` of a gathering playbook succeeds against it, and down removes everything.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { containersWithLabel, docker } from '../../../src/lab/docker.js';
import { labDown, labUp, type LabUpResult } from '../../../src/lab/lab.js';
import { RECIPES } from '../../../src/lab/recipes/index.js';
import { runTsplay } from '../harness/check-role.js';
import { imageSkipped, noDocker } from '../harness/lab-context.js';
import { sshRun } from '../harness/targets.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const name = `e2e-${process.pid}`;
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-lab-e2e-'));
const images = RECIPES.map((r) => r.name).filter((n) => !imageSkipped(n));

describe.skipIf(noDocker())('lab up / down', () => {
  let lab: LabUpResult | undefined;
  afterAll(async () => {
    await labDown({ name, stateDir, log: () => undefined }).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it(`starts one host per available image (${images.length}) and writes a working inventory`, async () => {
    const lines: string[] = [];
    lab = await labUp({ hosts: images.length, images, name, stateDir, log: (l) => lines.push(l) });
    expect(lab.hosts.map((h) => h.image)).toEqual(images);
    const inv = YAML.parse(readFileSync(lab.inventoryPath, 'utf8')) as {
      all: { vars: Record<string, unknown>; children: Record<string, { hosts: Record<string, Record<string, unknown> | null> }> };
    };
    expect(inv.all.vars).toMatchObject({
      ansible_user: 'root',
      ansible_ssh_private_key_file: lab.keyPath,
      tsplay_host_key_checking: 'accept-new',
      tsplay_known_hosts_file: lab.knownHostsPath,
    });
    expect(Object.keys(inv.all.children['lab']!.hosts)).toEqual(lab.hosts.map((h) => h.name));
    expect(inv.all.children['debian_12']!.hosts).toHaveProperty(`${name}-${images.indexOf('debian-12') + 1}`);
    const key = readFileSync(lab.keyPath, 'utf8');
    expect(key).toMatch(/BEGIN OPENSSH PRIVATE KEY/);
    for (const h of lab.hosts) {
      const address = inv.all.children['lab']!.hosts[h.name]!['ansible_host'] as string;
      const r = await sshRun({ ...h, address }, key, 'cat /etc/tsplay-lab-image');
      expect(r.rc, r.stderr).toBe(0);
      expect(r.stdout).toContain(`NAME=${h.image}`);
    }
  });

  it.skipIf(!existsSync(path.join(here, '../../../src/cli/main.ts')))('tsplay run of a gathering playbook succeeds on every host', async () => {
    expect(lab).toBeDefined();
    const run = await runTsplay(['run', path.join(here, 'fixtures', 'gather.yml'), '-i', lab!.inventoryPath]);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    for (const h of lab!.hosts) expect(run.report?.recap[h.name], h.name).toMatchObject({ failed: 0, unreachable: 0 });
    // accept-new wrote every host's key into the lab-local known_hosts.
    const known = readFileSync(lab!.knownHostsPath, 'utf8');
    for (const h of lab!.hosts) expect(known).toContain(h.address);
  });

  it('lab down removes the containers, and the state dir with key and inventory', async () => {
    const res = await labDown({ name, stateDir, log: () => undefined });
    expect(res.containers).toBe(images.length);
    expect(await containersWithLabel(`tsplay.lab.instance=${name}`)).toEqual([]);
    expect(existsSync(stateDir)).toBe(false);
    for (const h of lab?.hosts ?? []) expect((await docker(['inspect', h.container])).rc).not.toBe(0);
  });
});
