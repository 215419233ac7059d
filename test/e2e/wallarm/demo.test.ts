// `tsplay demo` as a user runs it (child process, fresh working directory): exit 0, the recap of
// both runs and the verified tnt_errors printed, the JSON reports written, and nothing left behind.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../../src/engine/report.js';
import { docker } from '../../../src/lab/docker.js';
import { DEMO_TOKEN } from '../../../src/demo/scenario.js';
import { noDocker } from '../harness/lab-context.js';
import { runTsplay } from '../harness/check-role.js';

describe.skipIf(noDocker())('tsplay demo', () => {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'tsplay-demo-'));
  afterAll(async () => {
    // Only if the demo itself failed to clean up.
    await docker(['rm', '-f', '-v', ...(await demoContainers())]).catch(() => undefined);
    rmSync(cwd, { recursive: true, force: true });
  });

  async function demoContainers(): Promise<string[]> {
    const r = await docker(['ps', '-aq', '--filter', 'label=tsplay.lab.instance=demo']);
    return r.stdout.split('\n').filter(Boolean);
  }

  it('upgrades, re-runs with changed=0, prints tnt_errors, writes the reports and cleans up', async () => {
    const json = path.join(cwd, 'demo.json');
    const r = await runTsplay(['demo', '--json', json], { cwd, json: false });
    const out = r.stdout + r.stderr;
    expect(r.exitCode, out.slice(-3000)).toBe(0);
    expect(out).toMatch(/verified tnt_errors per filtering node[^\n]*\n\s+nginx-1\s+\S+\s+tnt_errors=0 \/ 0\n\s+nginx-2\s+\S+\s+tnt_errors=0 \/ 0/);
    expect(out).toContain('second run changed=0');

    const first = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
    const second = JSON.parse(readFileSync(path.join(cwd, 'demo.rerun.json'), 'utf8')) as RunReport;
    expect(first.exitCode).toBe(0);
    expect(Object.keys(first.recap).sort()).toEqual(['nginx-1', 'nginx-2', 'pa-new-1', 'pa-new-2', 'pa-old-1']);
    for (const [h, rc] of Object.entries(second.recap)) expect(rc, h).toMatchObject({ changed: 0, failed: 0 });
    // The token never reaches the reports.
    expect(readFileSync(json, 'utf8')).not.toContain(DEMO_TOKEN);
    expect(out).not.toContain(DEMO_TOKEN);

    expect(await demoContainers()).toEqual([]);
    expect(existsSync(path.join(cwd, '.tsplay', 'lab', 'demo'))).toBe(false);
  });
});
