import { describe, expect, it } from 'vitest';
import { cronToOnCalendar, unitsFor } from '../../../src/schedule/systemd.js';

describe('cron → systemd OnCalendar', () => {
  it.each([
    ['*/30 * * * *', '*-*-* *:00,30:00'],
    ['0 3 * * *', '*-*-* 03:00:00'],
    ['15 2 * * 1-5', 'Mon,Tue,Wed,Thu,Fri *-*-* 02:15:00'],
    ['0 0 1 */3 *', '*-01,04,07,10-01 00:00:00'],
    ['0 12 * * 0', 'Sun *-*-* 12:00:00'],
    ['0 12 * * 7', 'Sun *-*-* 12:00:00'],
  ])('%s → %s', (cron, cal) => {
    expect(cronToOnCalendar(cron)).toBe(cal);
  });

  it('refuses day-of-month together with day-of-week (cron ORs them, systemd ANDs)', () => {
    expect(() => cronToOnCalendar('0 0 1 * 1')).toThrow(/both day-of-month and day-of-week/);
  });

  it('refuses out-of-range values', () => {
    expect(() => cronToOnCalendar('61 * * * *')).toThrow(/outside 0–59/);
  });
});

describe('systemd units', () => {
  const entry = { name: 'web', playbook: '/srv/site.yml', inventory: ['/srv/hosts.ini'], cron: '*/30 * * * *', mode: 'check' as const, jitter: 60, limit: 'web:&prod' };
  it('writes a oneshot drift service and a persistent timer with jitter', () => {
    const [svc, timer] = unitsFor(entry, { node: '/usr/bin/node', bin: '/opt/tsplay/bin/tsplay.mjs', workingDirectory: '/srv', pull: false });
    expect(svc!.name).toBe('tsplay-web.service');
    expect(svc!.content).toContain('ExecStart=/usr/bin/node /opt/tsplay/bin/tsplay.mjs drift /srv/site.yml -i /srv/hosts.ini --limit "web:&prod"');
    expect(svc!.content).toContain('SuccessExitStatus=2');
    expect(timer!.content).toContain('OnCalendar=*-*-* *:00,30:00');
    expect(timer!.content).toContain('RandomizedDelaySec=60');
  });
  it('pull units run tsplay pull without an inventory', () => {
    const [svc] = unitsFor({ ...entry, mode: 'fix', limit: undefined }, { node: 'node', bin: 'b', workingDirectory: '/', pull: true });
    expect(svc!.name).toBe('tsplay-pull-web.service');
    expect(svc!.content).toMatch(/ExecStart=node b pull \/srv\/site.yml\n/);
  });
});
