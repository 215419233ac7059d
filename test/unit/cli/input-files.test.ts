import { execFileSync } from 'node:child_process';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../../src/cli/main.js';

// Each of these used to block forever (a FIFO), or read until out of memory (/dev/zero, a huge file).
const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-input-'));
const fifo = path.join(dir, 'fifo.yml');
execFileSync('mkfifo', [fifo]);
const huge = path.join(dir, 'huge.yml');
writeFileSync(huge, '');
truncateSync(huge, 65 * 1024 * 1024); // sparse: no disk used
const pb = path.join(dir, 'pb.yml');
writeFileSync(pb, '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n');
const inv = path.join(dir, 'inv.ini');
writeFileSync(inv, 'h1 ansible_connection=local\n');
const withVarsFile = (f: string) => {
  const p = path.join(dir, `vf-${path.basename(f)}.yml`);
  writeFileSync(p, `- hosts: all\n  gather_facts: false\n  vars_files: [${JSON.stringify(f)}]\n  tasks: []\n`);
  return p;
};

async function run(args: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const io: Io = { out: (t) => void (text += t), err: (t) => void (text += t), isTTY: false };
  return { code: await main(args, io), text };
}

describe('input files that are not regular files, or too big, are refused before they are opened', { timeout: 60_000 }, () => {
  it.each([
    ['a FIFO as the playbook', ['validate', fifo], /fifo\.yml: this is a FIFO \(named pipe\), not a regular file/],
    ['/dev/zero as the playbook', ['validate', '/dev/zero'], /this is a character device/],
    ['a directory as the playbook', ['validate', dir], /this is a directory/],
    ['a 65 MiB playbook', ['validate', huge], /this file is 65 MiB; tsplay reads at most 64 MiB/],
    ['/dev/zero as the inventory', ['run', pb, '-i', '/dev/zero'], /this is a character device/],
    ['a FIFO as the inventory', ['run', pb, '-i', fifo], /this is a FIFO/],
    ['-e @/dev/zero', ['run', pb, '-i', inv, '-e', '@/dev/zero'], /-e @\/dev\/zero: this is a character device/],
    ['-e @FIFO', ['run', pb, '-i', inv, '-e', `@${fifo}`], /this is a FIFO/],
    ['a FIFO in vars_files', ['run', withVarsFile(fifo), '-i', inv], /vars_files: .*fifo\.yml: this is a FIFO/],
  ])('%s', async (_what, args, message) => {
    const r = await run(args);
    expect(r.text).toMatch(message);
    expect([4, 5]).toContain(r.code);
    expect(r.text).not.toMatch(/internal error|RangeError|at .*\.ts:\d+/);
  });
});

describe('deeply nested -e values', { timeout: 60_000 }, () => {
  const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
  const deepFile = path.join(dir, 'deep.json');
  writeFileSync(deepFile, deep);
  const deepYaml = path.join(dir, 'deep.yml');
  writeFileSync(deepYaml, `x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
  it.each([
    ['inline JSON 5,000 deep', ['-e', deep], /nested deeper than 500 levels/],
    ['@file JSON 5,000 deep', ['-e', `@${deepFile}`], /deep\.json:1:\d+: YAML syntax error: nested deeper than 500 levels/],
    ['@file YAML 5,000 deep', ['-e', `@${deepYaml}`], /deep\.yml:1:\d+: YAML syntax error: nested deeper than 500 levels/],
  ])('%s: a clear error, no stack overflow, the value not echoed whole', async (_w, e, message) => {
    const r = await run(['run', pb, '-i', inv, ...e]);
    expect([4, 5]).toContain(r.code);
    expect(r.text).toMatch(message);
    expect(r.text.length).toBeLessThan(2000);
    expect(r.text).not.toMatch(/RangeError|internal error/);
  });
});
