// The "Done means" on two lab containers (systemd + sshd): converge; drift → 0; edit a
// config line on host A and stop the service on host B; drift → 2 naming both with their diffs while
// changing nothing; drift --fix → corrected; drift → 0; history lists every run with the
// corrective changes marked.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTsplay, type TsplayRun } from '../harness/check-role.js';
import { imageSkipped, noDocker } from '../harness/lab-context.js';
import { startTargets, type Targets } from '../harness/targets.js';
import { FIXTURES } from './helpers.js';

const IMAGE = 'debian-12';
const PLAYBOOK = path.join(FIXTURES, 'lab', 'site.yml');
const CONF = '/etc/tsplay-demo.conf';

function out(r: TsplayRun): string {
  return `exit ${r.exitCode}\n${r.stdout}\n${r.stderr}`;
}

/** The lines of `drift` output that belong to one host's block in the DRIFT SUMMARY. */
function hostBlock(stdout: string, host: string): string {
  const summary = stdout.slice(stdout.lastIndexOf('DRIFT SUMMARY'));
  const start = summary.indexOf(`drift on ${host}:`);
  if (start < 0) return '';
  const rest = summary.slice(start + 1);
  const next = rest.search(/\ndrift on |\ncould not determine/);
  return next < 0 ? summary.slice(start) : summary.slice(start, start + 1 + next);
}

describe.skipIf(noDocker() || imageSkipped(IMAGE))('tsplay drift on lab containers', () => {
  let t: Targets;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-drift-e2e-'));
  const env = { TSPLAY_HISTORY: path.join(dir, 'history.sqlite') };
  const A = 'drift-a';
  const B = 'drift-b';
  const tsplay = (args: string[], json = true) => runTsplay(args, { env, json });
  const fileSha = async (): Promise<string> => {
    const r = await t.exec(A, `cat ${CONF}`);
    expect(r.rc, r.stderr).toBe(0);
    return createHash('sha256').update(r.stdout).digest('hex');
  };
  const serviceState = async (h: string): Promise<string> => (await t.exec(h, 'systemctl is-active tsplay-demo; systemctl is-enabled tsplay-demo')).stdout.trim();

  beforeAll(async () => {
    t = await startTargets([
      { image: IMAGE, name: A },
      { image: IMAGE, name: B },
    ]);
  });
  afterAll(async () => {
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('converges, then drift finds nothing (exit 0)', async () => {
    const run = await tsplay(['run', PLAYBOOK, '-i', t.inventoryPath]);
    expect(run.exitCode, out(run)).toBe(0);
    expect(run.report!.recap[A]!.changed).toBeGreaterThan(0);
    for (const h of [A, B]) expect(await serviceState(h)).toBe('active\nenabled');

    const drift = await tsplay(['drift', PLAYBOOK, '-i', t.inventoryPath]);
    expect(drift.exitCode, out(drift)).toBe(0);
    expect(drift.stdout).toContain('no drift: every host is converged');
  });

  let driftedSha = '';
  it('finds a changed line on A and a stopped service on B (exit 2, both named with diffs) and touches neither', async () => {
    expect((await t.exec(A, `sed -i 's/^listen=8080$/listen=9090/' ${CONF}`)).rc).toBe(0);
    expect((await t.exec(B, 'systemctl stop tsplay-demo')).rc).toBe(0);
    driftedSha = await fileSha();
    expect(await serviceState(B)).toBe('inactive\nenabled');

    const drift = await tsplay(['drift', PLAYBOOK, '-i', t.inventoryPath]);
    expect(drift.exitCode, out(drift)).toBe(2);
    const a = hostBlock(drift.stdout, A);
    expect(a, out(drift)).toContain('demo config listen line');
    expect(a).toMatch(/^\s*-listen=9090$/m);
    expect(a).toMatch(/^\s*\+listen=8080$/m);
    expect(a).not.toContain('demo service');
    const b = hostBlock(drift.stdout, B);
    expect(b, out(drift)).toContain('demo service running and enabled');
    // The service item says what is wrong: it is not running and should be.
    expect(b).toMatch(/inactive/);
    expect(b).toMatch(/started/);
    expect(b).not.toContain('listen');
    // Check mode: the hosts are exactly as drifted.
    expect(await fileSha()).toBe(driftedSha);
    expect((await t.exec(A, `cat ${CONF}`)).stdout).toBe('listen=9090\n');
    expect(await serviceState(B)).toBe('inactive\nenabled');
  });

  it('drift --fix corrects both hosts, then drift finds nothing again', async () => {
    const fix = await tsplay(['drift', PLAYBOOK, '-i', t.inventoryPath, '--fix']);
    expect(fix.exitCode, out(fix)).toBe(0);
    expect(fix.stdout).toContain(`corrected 2 drift item(s) on 2 host(s)`);
    expect((await t.exec(A, `cat ${CONF}`)).stdout).toBe('listen=8080\n');
    expect(await serviceState(B)).toBe('active\nenabled');
    const corrective = fix.report!.plays.flatMap((p) => p.tasks.flatMap((tk) => tk.results.filter((r) => r.corrective).map((r) => `${r.host}: ${tk.name}`)));
    expect(corrective.sort()).toEqual([`${A}: demo config listen line`, `${B}: demo service running and enabled`]);

    const again = await tsplay(['drift', PLAYBOOK, '-i', t.inventoryPath]);
    expect(again.exitCode, out(again)).toBe(0);
  });

  it('history shows every run, newest first, with the corrective changes marked', async () => {
    const h = await tsplay(['history'], false);
    expect(h.exitCode, out(h)).toBe(0);
    const heads = h.stdout.split('\n').filter((l) => /^#\d+ /.test(l));
    expect(heads.map((l) => / (run|drift|fix) +exit=(\d)/.exec(l)!.slice(1).join(' '))).toEqual(['drift 0', 'fix 0', 'drift 2', 'drift 0', 'run 0']);
    const corrected = h.stdout.split('\n').filter((l) => l.trim().startsWith('CORRECTED'));
    expect(corrected.map((l) => l.trim().replace(/\s+/g, ' ')).sort()).toEqual([
      expect.stringMatching(new RegExp(`^CORRECTED ${A}: demo config listen line`)),
      expect.stringMatching(new RegExp(`^CORRECTED ${B}: demo service running and enabled`)),
    ]);
    const drifted = h.stdout.split('\n').filter((l) => l.trim().startsWith('DRIFT '));
    expect(drifted).toHaveLength(2);
    // --drift-only keeps the drift and fix runs only.
    const only = await tsplay(['history', '--drift-only'], false);
    expect(only.stdout.split('\n').filter((l) => /^#\d+ /.test(l))).toHaveLength(2);
    // --host narrows the items to that host.
    const hostB = await tsplay(['history', '--host', B, '--drift-only'], false);
    expect(hostB.stdout).toContain(`CORRECTED ${B}`);
    expect(hostB.stdout).not.toContain(`CORRECTED ${A}`);
  });

  it('an unreachable host makes drift undetermined (exit 1), naming it, while the other is still checked', async () => {
    // sshd goes away on B (the socket too, so systemd does not start it again on connect).
    expect((await t.exec(B, 'systemctl stop ssh.socket ssh.service 2>/dev/null; systemctl stop ssh; true')).rc).toBe(0);
    await t.exec(A, `sed -i 's/^listen=8080$/listen=7070/' ${CONF}`);
    const drift = await tsplay(['drift', PLAYBOOK, '-i', t.inventoryPath]);
    expect(drift.exitCode, out(drift)).toBe(1);
    expect(drift.stdout).toContain(`could not determine drift on (unreachable): ${B}`);
    expect(hostBlock(drift.stdout, A)).toMatch(/^\s*\+listen=8080$/m);
    const h = await tsplay(['history', '-n', '1'], false);
    expect(h.stdout).toMatch(/^#\d+ +\S+ +drift +exit=1 /m);
  });
});
