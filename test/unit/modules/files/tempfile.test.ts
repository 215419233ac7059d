/** tempfile: the command's shape, the outcome parsed from it, check mode skipped, args as Ansible's. */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempfile, tempfileCommand, tempfileOutcome } from '../../../../src/modules/files/tempfile.js';
import { planCtx } from './ctx.js';

const run = (cmd: string) => {
  try {
    return { rc: 0, stdout: execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), stderr: '', durationMs: 0 };
  } catch (e) {
    const x = e as { status: number; stdout: string; stderr: string };
    return { rc: x.status, stdout: x.stdout, stderr: x.stderr, durationMs: 0 };
  }
};

describe('tempfile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-tempfile-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('makes a 0600 file named prefix + 8 of [a-z0-9_] + suffix and reports its stat fields', () => {
    const a = tempfile.args.parse({ path: dir, prefix: "it's ", suffix: '.txt' });
    const out = tempfileOutcome(a, run(tempfileCommand(a)));
    expect(out.result).toMatchObject({ changed: true, state: 'file', mode: '0600', size: 0 });
    const p = out.result!.path as string;
    expect(p.startsWith(`${dir}/it's `)).toBe(true);
    expect(p.slice(`${dir}/it's `.length)).toMatch(/^[a-z0-9_]{8}\.txt$/);
    expect(statSync(p).mode & 0o777).toBe(0o600);
  });
  it('makes a 0700 directory', () => {
    const a = tempfile.args.parse({ path: dir, state: 'directory' });
    const p = tempfileOutcome(a, run(tempfileCommand(a))).result!.path as string;
    expect(statSync(p).isDirectory()).toBe(true);
    expect(statSync(p).mode & 0o777).toBe(0o700);
  });
  it("fails with Python's errno text for a missing directory", () => {
    const a = tempfile.args.parse({ path: `${dir}/missing` });
    const out = tempfileOutcome(a, run(tempfileCommand(a)));
    expect(out.failed).toMatch(new RegExp(`^\\[Errno 2\\] No such file or directory: '${dir}/missing/ansible\\.[a-z0-9_]{8}'$`));
  });
  it('is skipped in check mode, as a module without check mode support', () => {
    const plan = tempfile.plan(tempfile.args.parse({}), planCtx({}, { check: true }));
    expect(plan).toMatchObject({ commands: [], result: { skipped: true, msg: 'remote module (tempfile) does not support check mode' } });
  });
  it('refuses a state Ansible does not take', () => {
    expect(() => tempfile.args.parse({ state: 'link' })).toThrow();
  });
});

describe('tempfile path joining', () => {
  it('joins like os.path.join (no double slash after a path ending in /)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-tempfile-join-'));
    try {
      const a = tempfile.args.parse({ path: `${dir}/`, state: 'directory' });
      const p = tempfileOutcome(a, run(tempfileCommand(a))).result!.path as string;
      expect(p).toMatch(new RegExp(`^${dir}/ansible\\.[a-z0-9_]{8}$`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
