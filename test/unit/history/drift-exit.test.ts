// What drift tells people: the exit code recorded in history, the service state line for items
// with no file diff, and the report page's cell states.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostTaskResult, RunReport } from '../../../src/engine/report.js';
import { stateChange, summarizeDrift, userExitCode } from '../../../src/history/drift.js';
import { cellState, renderHtmlReport } from '../../../src/history/html.js';
import { HistoryReporter } from '../../../src/history/reporter.js';
import { HistoryStore } from '../../../src/history/store.js';

const recap = (o: Partial<RunReport['recap'][string]> = {}) => ({ ok: 1, changed: 0, failed: 0, skipped: 0, unreachable: 0, rescued: 0, ignored: 0, ...o });

function report(mode: RunReport['mode'], results: HostTaskResult[], engineExit = 0): RunReport {
  const hosts = [...new Set(results.map((r) => r.host))];
  return {
    tool: 'tsplay',
    version: '0',
    playbook: 'site.yml',
    inventory: ['inv'],
    mode,
    startedAt: '2026-11-20T10:00:00.000Z',
    finishedAt: '2026-11-20T10:00:01.000Z',
    durationMs: 1000,
    plays: [{ name: 'p', hosts, tasks: [{ name: 't', module: 'service', results }] }],
    recap: Object.fromEntries(
      hosts.map((h) => [
        h,
        recap({
          changed: results.filter((r) => r.host === h && r.changed).length,
          failed: results.filter((r) => r.host === h && r.status === 'failed').length,
          unreachable: results.filter((r) => r.host === h && r.status === 'unreachable').length,
        }),
      ]),
    ),
    exitCode: engineExit,
  };
}

const svc = (host: string, changed: boolean, status: Record<string, string>, extra: Partial<HostTaskResult> = {}): HostTaskResult => ({
  host,
  status: changed ? 'changed' : 'ok',
  changed,
  durationMs: 1,
  result: { name: 'nginx', state: 'started', enabled: true, status, changed },
  ...extra,
});

describe('userExitCode', () => {
  it('a drift run that found drift is 2, though the engine exited 0 (check mode changes nothing)', () => {
    expect(userExitCode(report('drift', [svc('a', true, { ActiveState: 'inactive', UnitFileState: 'enabled' })], 0))).toBe(2);
  });
  it('a converged drift run is 0; a failed one is 1 whatever the engine said', () => {
    expect(userExitCode(report('drift', [svc('a', false, {})]))).toBe(0);
    expect(userExitCode(report('drift', [{ host: 'a', status: 'failed', changed: false, durationMs: 1 }], 2))).toBe(1);
  });
  it('drift --fix is 0 after corrections, 1 when a host could not be corrected', () => {
    expect(userExitCode(report('fix', [svc('a', true, {})]))).toBe(0);
    expect(userExitCode(report('fix', [svc('a', true, {}), { host: 'b', status: 'unreachable', changed: false, durationMs: 1 }], 4))).toBe(1);
  });
  it('plain runs keep the engine code', () => {
    expect(userExitCode(report('run', [{ host: 'a', status: 'failed', changed: false, durationMs: 1 }], 2))).toBe(2);
  });
  it('is what history stores for the run', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tsplay-hist-')), 'h.sqlite');
    new HistoryReporter(file).onEvent({ type: 'run-end', report: report('drift', [svc('a', true, { ActiveState: 'failed', UnitFileState: 'enabled' })], 0) });
    const s = new HistoryStore(file);
    const [run] = s.runs();
    expect(run!.exitCode).toBe(2);
    expect(s.items([run!.id])[0]!.msg).toBe('nginx is failed, wants started');
    s.close();
  });
});

describe('stateChange (items without a file diff)', () => {
  it('names the unit, its state now and the state wanted', () => {
    expect(stateChange(svc('a', true, { ActiveState: 'inactive', UnitFileState: 'enabled' }))).toBe('nginx is inactive, wants started');
  });
  it('adds enablement only when it differs', () => {
    expect(stateChange(svc('a', true, { ActiveState: 'active', UnitFileState: 'disabled' }))).toBe('nginx is active, disabled, wants started, enabled');
  });
  it('without systemd status (init scripts) says what is wanted', () => {
    expect(stateChange({ result: { name: 'ntp', state: 'started', enabled: true } })).toBe('ntp, wants started');
  });
  it('says nothing for file results, results with a diff, or no result', () => {
    expect(stateChange({ result: { path: '/etc/x', state: 'file', changed: true } })).toBeUndefined();
    expect(stateChange({ result: { name: 'x', state: 'started' }, diff: [{ path: '/x', before: 'a', after: 'b' }] })).toBeUndefined();
    expect(stateChange({})).toBeUndefined();
  });
  it('feeds the drift summary when the module gave no msg', () => {
    const s = summarizeDrift(report('drift', [svc('a', true, { ActiveState: 'inactive', UnitFileState: 'enabled' })]));
    expect(s.items[0]!.msg).toBe('nginx is inactive, wants started');
  });
});

describe('report page', () => {
  const run = (id: number, mode: RunReport['mode'], hosts: Record<string, Partial<RunReport['recap'][string]>>) => ({
    id,
    startedAt: `2026-11-20T10:0${id}:00.000Z`,
    finishedAt: '',
    durationMs: 1,
    playbook: 'site.yml',
    inventory: [],
    mode,
    exitCode: 0,
    hosts: Object.fromEntries(Object.entries(hosts).map(([h, r]) => [h, recap(r)])),
  });
  const runs = [
    run(1, 'run', { a: { changed: 1 }, b: {} }),
    run(2, 'drift', { a: { changed: 1 }, b: {} }),
    run(3, 'fix', { a: { changed: 1 }, b: { failed: 1 } }),
    run(4, 'drift', { a: {} }),
  ];
  const items = [
    { runId: 1, host: 'a', play: 'p', task: 't', status: 'changed', kind: 'change' as const },
    { runId: 2, host: 'a', play: 'p', task: 't', status: 'changed', kind: 'drift' as const, diff: [{ path: '/etc/<x>', before: 'old\n', after: 'new\n' }] },
    { runId: 3, host: 'a', play: 'p', task: 't', status: 'changed', kind: 'corrective' as const },
    { runId: 3, host: 'b', play: 'p', task: 't', status: 'failed', kind: 'failure' as const, msg: 'boom' },
  ];
  it('classifies each host × run cell', () => {
    expect(runs.map((r) => cellState(r, 'a', items))).toEqual(['changed', 'drift', 'corrected', 'converged']);
    expect(runs.map((r) => cellState(r, 'b', items))).toEqual(['converged', 'converged', 'failed', 'absent']);
  });
  it('renders one row per host, one cell per run, escaped diffs', () => {
    const html = renderHtmlReport(runs, items, { generatedAt: 'now' });
    expect([...html.matchAll(/<tr data-host="([^"]+)">/g)].map((m) => m[1])).toEqual(['a', 'b']);
    expect([...html.matchAll(/data-state="(\w+)"/g)].map((m) => m[1])).toEqual(['changed', 'drift', 'corrected', 'converged', 'converged', 'converged', 'failed', 'absent']);
    expect(html).toContain('/etc/&lt;x&gt;');
    expect(html).not.toContain('/etc/<x>');
    expect(html).toContain('<span class="d">-old</span>');
  });
});
