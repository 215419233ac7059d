// The facts oracle (issue 10): on every lab image, `ansible HOST -m setup` (ansible-core 2.14) and
// `tsplay facts HOST` must agree on every fact ORACLE_KEYS names (and on every further fact both
// report), with the normalisations compare.ts lists and explains. Both tools read the same inventory
// and reach the same container, one after the other. Locally it skips without Docker or ansible
// (one line says why); under CI=true it never skips.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { noDocker, labContext } from '../harness/lab-context.js';
import { startTargets, type Targets } from '../harness/targets.js';
import { NORMALISATIONS, compareFacts, formatDifferences } from './compare.js';

const IMAGES = ['debian-11', 'debian-12', 'debian-13', 'rpmfamily-debian12'];
const CI = process.env['CI'] === 'true';
const haveAnsible = spawnSync('ansible', ['--version'], { stdio: 'ignore' }).status === 0;
const skipReason = CI
  ? undefined
  : noDocker()
    ? `no Docker (${labContext().reason ?? 'see the e2e set-up line'})`
    : !haveAnsible
      ? 'ansible is not installed (apt-get install ansible-core)'
      : undefined;
if (skipReason) console.log(`facts oracle skipped: ${skipReason}`);

/** ansible-core's facts for one host (its json stdout callback). */
function ansibleSetup(host: string, inventory: string, scratch: string): Promise<Record<string, unknown>> {
  const env = {
    ...process.env,
    ANSIBLE_CONFIG: path.join(scratch, 'no-ansible.cfg'),
    ANSIBLE_HOST_KEY_CHECKING: 'False',
    ANSIBLE_PIPELINING: 'True',
    ANSIBLE_SSH_ARGS: '-o ControlMaster=no -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR',
    ANSIBLE_LOAD_CALLBACK_PLUGINS: '1',
    ANSIBLE_STDOUT_CALLBACK: 'json',
    ANSIBLE_LOCAL_TEMP: path.join(scratch, 'ansible-local'),
    ANSIBLE_NOCOLOR: '1',
  };
  return new Promise((resolve, reject) => {
    const p = spawn('ansible', [host, '-i', inventory, '-m', 'setup'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      try {
        const r = JSON.parse(out) as { plays: Array<{ tasks: Array<{ hosts: Record<string, { ansible_facts?: Record<string, unknown>; msg?: string }> }> }> };
        const res = r.plays[0]!.tasks[0]!.hosts[host]!;
        if (!res.ansible_facts) throw new Error(res.msg ?? 'no ansible_facts');
        resolve(res.ansible_facts);
      } catch (e) {
        reject(new Error(`ansible -m setup on ${host} (exit ${code}): ${(e as Error).message}\n${err}\n${out.slice(0, 2000)}`));
      }
    });
  });
}

/** `tsplay facts HOST -i INV`, in-process. */
async function tsplayFacts(host: string, inventory: string): Promise<Record<string, unknown>> {
  let out = '';
  let err = '';
  const code = await main(['facts', host, '-i', inventory], { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false });
  if (code !== 0) throw new Error(`tsplay facts ${host} exited ${code}: ${err}`);
  return JSON.parse(out) as Record<string, unknown>;
}

describe.skipIf(skipReason !== undefined)('facts oracle: tsplay facts against ansible -m setup on every lab image', () => {
  let targets: Targets;
  let scratch: string;
  let inventory: string;

  beforeAll(async () => {
    targets = await startTargets(IMAGES.map((image) => ({ image, name: image })));
    scratch = mkdtempSync(path.join(os.tmpdir(), 'tsplay-facts-oracle-'));
    writeFileSync(path.join(scratch, 'no-ansible.cfg'), '');
    inventory = path.join(scratch, 'inventory.yml');
    // One inventory for both tools, in Ansible's names.
    const hosts = targets.hosts
      .map(
        (h) =>
          `    ${h.name}:\n      ansible_host: ${h.address}\n      ansible_user: root\n      ansible_ssh_private_key_file: ${targets.keyPath}\n      ansible_python_interpreter: /usr/bin/python3\n      ansible_host_key_checking: false\n      tsplay_known_hosts_file: ${targets.knownHostsPath}`,
      )
      .join('\n');
    writeFileSync(inventory, `all:\n  hosts:\n${hosts}\n`);
  }, 240_000);

  afterAll(async () => {
    await targets?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it.each(IMAGES)(
    '%s: every fact agrees',
    async (image) => {
      const host = targets.host(image);
      // python3 must be there for ansible-core's setup (the image recipes install it)
      const py = await targets.exec(host, 'python3 -c "import json"');
      expect(py.rc, `tsplay/${image} has no full python3: rebuild it (npx tsplay lab build --image ${image})`).toBe(0);
      const ansible = await ansibleSetup(image, inventory, scratch);
      const tsplay = await tsplayFacts(image, inventory);
      const diffs = compareFacts(ansible, tsplay);
      // The comparison compared something real: the facts roles branch on are there.
      expect(tsplay['ansible_distribution']).toBe('Debian');
      expect(tsplay['ansible_os_family']).toBe('Debian');
      expect(Object.keys(tsplay).length).toBeGreaterThan(60);
      if (diffs.length)
        throw new Error(
          `tsplay facts differs from ansible -m setup on ${image}:\n${formatDifferences(image, diffs)}\n\nnormalisations applied:\n${Object.entries(NORMALISATIONS)
            .map(([k, v]) => `  ${k}: ${v}`)
            .join('\n')}`,
        );
    },
    180_000,
  );
});
