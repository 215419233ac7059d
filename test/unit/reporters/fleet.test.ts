import { describe, expect, it } from 'vitest';
import type { HostStatus } from '../../../src/engine/report.js';
import { FleetTally, progressBar, renderFleetTask } from '../../../src/reporters/fleet.js';

const hosts = Array.from({ length: 50 }, (_, i) => `web-${i + 1}`);
const result = (host: string, status: HostStatus, durationMs: number) => ({ host, status, changed: status === 'changed', durationMs });

describe('fleet view (TTY, more than 20 hosts)', () => {
  it('shows one bar with the counts and the slowest hosts by name, not one row per host', () => {
    const t = new FleetTally(hosts, 1_000);
    // 40 of 50 done: 30 ok, 8 changed, 1 failed, 1 unreachable; web-41..web-50 still running.
    for (let i = 0; i < 30; i++) t.add(result(hosts[i]!, 'ok', 100 + i));
    for (let i = 30; i < 38; i++) t.add(result(hosts[i]!, 'changed', 200));
    t.add(result('web-39', 'failed', 900));
    t.add(result('web-40', 'unreachable', 5_000));
    const lines = renderFleetTask('task: main config', t, 4_000);
    expect(lines[0]).toBe(`task: main config ${progressBar(40, 50)} 40/50 ok=30 changed=8 failed=1 unreachable=1`);
    // still-running hosts first (3.0 s so far), then the slowest finished one
    expect(lines[1]).toBe('  slowest: web-41 3.0 s (running), web-42 3.0 s (running), web-43 3.0 s (running)');
    expect(lines[2]).toBe('  failed/unreachable: web-39, web-40');
    expect(lines).toHaveLength(3);
    const text = lines.join('\n');
    expect(text).not.toMatch(/web-1\b/); // no per-host rows
    expect(text).not.toContain('web-20');
  });

  it('names the slowest finished hosts once the task is over', () => {
    const t = new FleetTally(hosts, 0);
    for (const [i, h] of hosts.entries()) t.add(result(h, i === 7 ? 'changed' : 'ok', i === 12 ? 9_000 : i === 33 ? 7_500 : 50 + i));
    expect(t.finished).toBe(true);
    const lines = renderFleetTask('task: apt', t, 10_000);
    expect(lines[0]).toContain('[########################] 50/50 ok=49 changed=1 failed=0 unreachable=0');
    expect(lines[1]).toBe('  slowest: web-13 9.0 s, web-34 7.5 s, web-50 0.1 s');
    expect(lines).toHaveLength(2);
  });

  it('shows skipped only when some host skipped', () => {
    const t = new FleetTally(['a', 'b'], 0);
    t.add(result('a', 'skipped', 1));
    expect(renderFleetTask('task: x', t, 10)[0]).toContain('1/2 ok=0 changed=0 failed=0 unreachable=0 skipped=1');
  });
});
