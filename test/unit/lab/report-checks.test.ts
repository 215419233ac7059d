import { describe, expect, it } from 'vitest';
import { emptyRecap, type RunReport } from '../../../src/engine/report.js';
import { failedTasks, idempotenceProblems } from '../../e2e/harness/report-checks.js';

function report(changedOn: string | null): RunReport {
  const res = (host: string, changed: boolean) => ({ host, status: changed ? ('changed' as const) : ('ok' as const), changed, durationMs: 1 });
  return {
    tool: 'tsplay',
    version: '0',
    playbook: 'site.yml',
    inventory: ['inv.yml'],
    mode: 'run',
    startedAt: '',
    finishedAt: '',
    durationMs: 1,
    exitCode: 0,
    plays: [
      {
        name: 'web',
        hosts: ['a', 'b'],
        tasks: [
          { name: 'install nginx', module: 'package', results: [res('a', false), res('b', false)] },
          { name: 'write config', module: 'template', location: { file: 'roles/web/tasks/main.yml', line: 7 }, results: [res('a', changedOn === 'a'), res('b', false)] },
        ],
      },
    ],
    recap: { a: { ...emptyRecap(), ok: 2, changed: changedOn === 'a' ? 1 : 0 }, b: { ...emptyRecap(), ok: 2 } },
  };
}

describe('idempotence check of the second converge', () => {
  it('passes when every host has changed == 0', () => {
    expect(idempotenceProblems(report(null))).toEqual([]);
  });

  it('names the host and the offending task with its file and line', () => {
    const p = idempotenceProblems(report('a'));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^a: changed=1 failed=0 unreachable=0/);
    expect(p[0]).toContain('"web / write config" [template] changed (roles/web/tasks/main.yml:7)');
    expect(p[0]).not.toContain('install nginx');
  });

  it('lists failed tasks of a failed converge', () => {
    const r = report(null);
    r.plays[0]!.tasks[0]!.results[1] = { host: 'b', status: 'failed', changed: false, msg: 'no such package', durationMs: 1 };
    expect(failedTasks(r)).toEqual(['b: "install nginx" [package] failed: no such package']);
  });
});
