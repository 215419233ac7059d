import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../../src/cli/main.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-reports-'));
const pb = path.join(dir, 'pb.yml');
writeFileSync(pb, '- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg=hi\n');
const inv = path.join(dir, 'inv.ini');
writeFileSync(inv, 'h1 ansible_connection=local\n');

async function run(args: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const io: Io = { out: (t) => void (text += t), err: (t) => void (text += t), isTTY: false };
  return { code: await main(args, io), text };
}

describe('--json / --junit targets', { timeout: 60_000 }, () => {
  it.each(['--json', '--junit'])('%s into a directory or a missing directory is a usage error before the run', async (flag) => {
    for (const [target, why] of [
      [dir, /this is a directory/],
      [path.join(dir, 'no', 'r.xml'), /does not exist/],
    ] as const) {
      const r = await run(['run', pb, '-i', inv, flag, target]);
      expect(r.code).toBe(5);
      expect(r.text).toMatch(why);
      expect(r.text).not.toMatch(/PLAY RECAP/);
    }
    expect(existsSync(path.join(dir, 'no'))).toBe(false);
  });

  it('a full disk keeps the run exit code and says the report was not written', async () => {
    const r = await run(['run', pb, '-i', inv, '--json', '/dev/full']);
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/--json \/dev\/full was not written: ENOSPC/);
    expect(r.text).not.toMatch(/internal error/);
  });

  it('a report is written whole, with no temp file left beside it', async () => {
    const out = path.join(dir, 'r.json');
    const r = await run(['run', pb, '-i', inv, '--json', out, '--junit', path.join(dir, 'r.xml')]);
    expect(r.code).toBe(0);
    expect((JSON.parse(readFileSync(out, 'utf8')) as { tool: string }).tool).toBe('tsplay');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it.each(['1e3', '0x10', '5.0', ' 5', '0'])('--forks %j is refused', async (v) => {
    const r = await run(['run', pb, '-i', inv, '--forks', v]);
    expect(r.code).toBe(5);
    expect(r.text).toMatch(/--forks takes a whole number/);
  });
});
