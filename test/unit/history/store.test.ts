import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { HistoryStore, parseSince } from '../../../src/history/store.js';
import { summarizeDrift } from '../../../src/history/drift.js';
import type { RunReport } from '../../../src/engine/report.js';

function report(mode: RunReport['mode'], changedHost: string | null, startedAt: string, failed = false): RunReport {
  const base = { ok: 2, changed: 0, failed: 0, skipped: 0, unreachable: 0, rescued: 0, ignored: 0 };
  return {
    tool: 'tsplay',
    version: '0',
    playbook: 'site.yml',
    inventory: ['inv.yml'],
    mode,
    startedAt,
    finishedAt: startedAt,
    durationMs: 10,
    plays: [
      {
        name: 'p',
        hosts: ['web1', 'web2'],
        tasks: [
          {
            name: 'line',
            module: 'lineinfile',
            results: [
              {
                host: 'web1',
                status: changedHost === 'web1' ? 'changed' : 'ok',
                changed: changedHost === 'web1',
                durationMs: 1,
                diff: changedHost === 'web1' ? [{ path: '/etc/x', before: 'a\n', after: 'b\n' }] : undefined,
              },
              { host: 'web2', status: failed ? 'failed' : 'ok', changed: false, durationMs: 1, msg: failed ? 'boom' : undefined },
            ],
          },
        ],
      },
    ],
    recap: { web1: { ...base, changed: changedHost === 'web1' ? 1 : 0 }, web2: { ...base, failed: failed ? 1 : 0 } },
    exitCode: failed ? 2 : 0,
  };
}

describe('HistoryStore', () => {
  const file = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'tsplay-hist-')), 'h.sqlite');

  it('migrates a new file to the current schema version', () => {
    const s = new HistoryStore(file());
    expect(s.schemaVersion).toBe(1);
    s.close();
  });

  it('refuses a file from a newer tsplay instead of corrupting it', () => {
    const f = file();
    const db = new Database(f);
    db.pragma('user_version = 99');
    db.close();
    expect(() => new HistoryStore(f)).toThrow(/schema version 99/);
  });

  it('records runs with per-host totals and classifies drift, corrections and changes', () => {
    const s = new HistoryStore(file());
    s.record(report('drift', 'web1', '2026-11-20T10:00:00.000Z'));
    s.record(report('fix', 'web1', '2026-11-20T10:05:00.000Z'));
    s.record(report('run', null, '2026-11-20T10:10:00.000Z'));
    const runs = s.runs();
    expect(runs.map((r) => r.mode)).toEqual(['run', 'fix', 'drift']);
    expect(runs[0]!.hosts['web1']!.ok).toBe(2);
    const items = s.items(runs.map((r) => r.id));
    expect(items.map((i) => [i.kind, i.host])).toEqual([
      ['drift', 'web1'],
      ['corrective', 'web1'],
    ]);
    expect(items[0]!.diff?.[0]?.after).toBe('b\n');
    expect(s.runs({ driftOnly: true }).map((r) => r.mode)).toEqual(['fix', 'drift']);
    expect(s.runs({ sinceIso: '2026-11-20T10:04:00.000Z' }).length).toBe(2);
    s.close();
  });

  it('parses --since durations and dates', () => {
    const now = new Date('2026-11-21T00:00:00Z');
    expect(parseSince('7d', now)).toBe('2026-11-14T00:00:00.000Z');
    expect(parseSince('12h', now)).toBe('2026-11-20T12:00:00.000Z');
    expect(() => parseSince('last tuesday', now)).toThrow(/neither a duration nor a date/);
    // Further back than a Date reaches: the earliest date, not a RangeError.
    expect(parseSince('99999999999d', now)).toBe(new Date(-8.64e15).toISOString());
  });

  it('a --history path in a directory that does not exist is refused, not created', () => {
    const missing = path.join(os.tmpdir(), `tsplay-nodir-${process.pid}`, 'sub', 'h.sqlite');
    expect(() => new HistoryStore(missing)).toThrow(/the directory .* does not exist/);
    expect(existsSync(path.dirname(path.dirname(missing)))).toBe(false);
  });
});

describe('summarizeDrift (terraform -detailed-exitcode meaning)', () => {
  it('0 when converged', () => {
    expect(summarizeDrift(report('drift', null, 'x')).exitCode).toBe(0);
  });
  it('2 with the drifted host and task when something would change', () => {
    const s = summarizeDrift(report('drift', 'web1', 'x'));
    expect(s.exitCode).toBe(2);
    expect(s.driftedHosts).toEqual(['web1']);
    expect(s.items[0]!.task).toBe('line');
  });
  it('1 when a host failed, even with drift elsewhere', () => {
    const s = summarizeDrift(report('drift', 'web1', 'x', true));
    expect(s.exitCode).toBe(1);
    expect(s.failedHosts).toEqual(['web2']);
  });
});
