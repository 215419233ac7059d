import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../../src/cli/main.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-limit-'));
writeFileSync(path.join(dir, 'pb.yml'), '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n');
writeFileSync(path.join(dir, 'inv.ini'), '[web]\nweb1 ansible_connection=local\nweb2 ansible_connection=local\n');

async function run(args: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const io: Io = { out: (t) => void (text += t), err: (t) => void (text += t), isTTY: false };
  const code = await main(args, io);
  return { code, text };
}

describe('--limit', { timeout: 60_000 }, () => {
  it.each(['run'])('%s: a limit that matches no host stops before any play, exit 1 as ansible-playbook', async (cmd) => {
    const r = await run([cmd, path.join(dir, 'pb.yml'), '-i', path.join(dir, 'inv.ini'), '--limit', 'nosuch']);
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/leaves us with no hosts to target \(--limit "nosuch"\)/);
    expect(r.text).not.toMatch(/PLAY RECAP|internal error/);
  });

  it.each([':', '!', 'web[', ','])('a garbage limit %j is a usage error (exit 5), never "every host"', async (lim) => {
    const r = await run(['run', path.join(dir, 'pb.yml'), '-i', path.join(dir, 'inv.ini'), '--limit', lim]);
    expect(r.code).toBe(5);
    expect(r.text).toMatch(/invalid --limit: /);
    expect(r.text).not.toMatch(/web1|PLAY RECAP/);
  });

  it('a good limit still runs only those hosts', async () => {
    const r = await run(['run', path.join(dir, 'pb.yml'), '-i', path.join(dir, 'inv.ini'), '--limit', 'web:!web1']);
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/web2\s*: ok=1/);
    expect(r.text).not.toMatch(/web1\s*: ok/);
  });
});

describe('validate shows what reading the inventory warned about', { timeout: 60_000 }, () => {
  it('a `hostz:` typo in a YAML inventory is a warning at validate, with its line', async () => {
    const inv = path.join(dir, 'typo.yml');
    writeFileSync(inv, 'all:\n  hostz:\n    web1:\n');
    const r = await run(['validate', path.join(dir, 'pb.yml'), '-i', inv]);
    expect(r.text).toMatch(/typo\.yml:2:3: skipping unexpected key "hostz" in group "all"/);
  });
});
