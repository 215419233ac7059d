// systemd unit words: what systemd would expand (%specifiers, $VARS) or split (spaces, quotes) is
// escaped so tsplay receives exactly the schedule file's values.
import { describe, expect, it } from 'vitest';
import { unitsFor } from '../../../src/schedule/systemd.js';
import { loadSchedules } from '../../../src/schedule/config.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const entry = { name: 'e', playbook: '/srv/site.yml', inventory: ['/srv/inv.yml'], cron: '0 3 * * *', mode: 'fix' as const, jitter: 0 };
const opts = { node: '/usr/bin/node', bin: '/opt/tsplay/bin/tsplay.mjs', workingDirectory: '/srv', pull: false };

/** Undo systemd's ExecStart quoting and specifier/variable escapes for one line (the words tsplay gets). */
function words(execStart: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of execStart.matchAll(re)) {
    const w = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
    out.push(w.replace(/%%/g, '%').replace(/\$\$/g, '$'));
  }
  return out;
}

describe('systemd unit quoting', () => {
  it('extra vars with %, $, quotes and spaces arrive unchanged', () => {
    const vars = { note: '100% "$HOME" ${X} \\n', path: '/srv/with space' };
    const [svc] = unitsFor({ ...entry, extraVars: vars }, opts);
    const line = /^ExecStart=(.*)$/m.exec(svc!.content)![1]!;
    expect(line).not.toMatch(/[^%]%[^%]/);
    const w = words(line);
    expect(w.slice(0, 6)).toEqual(['/usr/bin/node', '/opt/tsplay/bin/tsplay.mjs', 'drift', '/srv/site.yml', '-i', '/srv/inv.yml']);
    expect(JSON.parse(w[w.indexOf('-e') + 1]!)).toEqual(vars);
  });

  it('a history path with spaces and % is one quoted Environment= assignment', () => {
    const [svc] = unitsFor(entry, { ...opts, historyFile: '/var/lib/my state/h 100%.sqlite' });
    expect(svc!.content).toContain('Environment="TSPLAY_HISTORY=/var/lib/my state/h 100%%.sqlite"');
  });

  it('pull units pass the entry groups as -g', () => {
    const [svc] = unitsFor({ ...entry, groups: ['web', 'eu'], mode: 'check' }, { ...opts, pull: true });
    expect(svc!.content).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/tsplay\/bin\/tsplay\.mjs pull \/srv\/site\.yml -g web -g eu --check$/m);
  });

  it('schedules.yml accepts groups (a list of names) and rejects other shapes with a location', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-sched-'));
    const f = path.join(dir, 's.yml');
    writeFileSync(f, 'schedules:\n  - name: a\n    playbook: p.yml\n    cron: "0 3 * * *"\n    groups: [web]\n');
    expect(loadSchedules(f).entries[0]!.groups).toEqual(['web']);
    writeFileSync(f, 'schedules:\n  - name: a\n    playbook: p.yml\n    cron: "0 3 * * *"\n    groups: web\n');
    expect(() => loadSchedules(f)).toThrow(/schedules\.0\.groups/);
  });
});
