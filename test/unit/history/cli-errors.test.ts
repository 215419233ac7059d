// Bad input to history/report/schedule install is a plain error with a hint, never a stack trace.
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../../src/cli/main.js';

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false };
  const code = await main(args, io);
  return { code, out, err };
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'tsplay-cli-'));
const noStack = (s: string) => expect(s).not.toMatch(/internal error|\n\s+at /);

describe('history / report / schedule install errors', () => {
  it('a history file that is not SQLite', async () => {
    const f = path.join(tmp(), 'h.sqlite');
    writeFileSync(f, 'not a database, just text '.repeat(200));
    const r = await cli(['history', '--history', f]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/cannot open the run history at .*h\.sqlite: file is not a database/);
    expect(r.err).toMatch(/hint: /);
    noStack(r.err);
  });

  it('report --html into a directory that does not exist', async () => {
    const d = tmp();
    const r = await cli(['report', '--html', path.join(d, 'missing', 'r.html'), '--history', path.join(d, 'h.sqlite')]);
    expect(r.code).toBe(5);
    expect(r.err).toMatch(/cannot write the report to .*r\.html: ENOENT/);
    noStack(r.err);
  });

  it('schedule install --dir that is a file; nothing is half-written when an entry is bad', async () => {
    const d = tmp();
    const sched = path.join(d, 's.yml');
    writeFileSync(sched, 'schedules:\n  - name: a\n    playbook: p.yml\n    cron: "0 3 * * *"\n');
    writeFileSync(path.join(d, 'file'), '');
    const r = await cli(['schedule', 'install', sched, '--systemd', '--dir', path.join(d, 'file', 'units')]);
    expect(r.code).toBe(5);
    expect(r.err).toMatch(/cannot write .*tsplay-a\.service: ENOTDIR/);
    noStack(r.err);

    writeFileSync(sched, 'schedules:\n  - name: a\n    playbook: p.yml\n    cron: "0 3 * * *"\n  - name: b\n    playbook: p.yml\n    cron: "*/5 * * * * *"\n');
    const units = path.join(d, 'units');
    const bad = await cli(['schedule', 'install', sched, '--systemd', '--dir', units]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/five fields/);
    expect(existsSync(path.join(units, 'tsplay-a.service'))).toBe(false);
  });

  it('--since that is not a duration or date', async () => {
    const r = await cli(['history', '--history', path.join(tmp(), 'h.sqlite'), '--since', 'last week']);
    expect(r.code).toBe(5);
    expect(r.err).toMatch(/--since "last week" is neither a duration nor a date/);
  });

  it('schedule install --pull warns when an entry limits to a group the machine is not put in', async () => {
    const d = tmp();
    const sched = path.join(d, 's.yml');
    writeFileSync(
      sched,
      'schedules:\n  - name: a\n    playbook: p.yml\n    cron: "0 3 * * *"\n    limit: web\n  - name: b\n    playbook: p.yml\n    cron: "0 3 * * *"\n    limit: web\n    groups: [web]\n',
    );
    const r = await cli(['schedule', 'install', sched, '--pull', '--dir', path.join(d, 'units')]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/schedule "a": a pull unit runs on this machine .* add groups/);
    expect(r.err).not.toMatch(/schedule "b"/);
  });
});
