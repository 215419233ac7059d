import { describe, expect, it } from 'vitest';
import { Redactor } from '../../../../src/engine/redact.js';
import { serviceFactsModule } from '../../../../src/modules/system/service_facts.js';
import { planWith } from '../../../fixtures/modules/system/context.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const UNITS = `  UNIT                         LOAD      ACTIVE   SUB     DESCRIPTION
  cron.service                 loaded    active   running Regular background program processing daemon
● failed-one.service           loaded    failed   failed  Broken
  getty@tty1.service           loaded    inactive dead    Getty on tty1
● gone.service                 not-found inactive dead    gone.service

LOAD   = Reflects whether the unit definition was properly loaded.
4 loaded units listed.
`;
const FILES = `UNIT FILE                    STATE           VENDOR PRESET
cron.service                 enabled         enabled
failed-one.service           enabled         enabled
getty@.service               enabled         enabled
getty@tty1.service           static          -
ssh.service                  disabled        enabled
systemd-ask-password-console.service static -

6 unit files listed.
`;
const SYSV = ' [ + ]  cron\n [ - ]  procps\n';
const out = (k: string, rc: number, o: string, e = '') => `out ${k} ${rc} ${b64(o)} ${b64(e)}\n`;
const probe = (extra = '') =>
  `bin service /usr/sbin/service\ninitd\nsystemd\n${out('sysv', 0, SYSV)}${out('units', 0, UNITS)}${out('files', 0, FILES)}show getty@.service 1 \nshow ssh.service 0 ${b64('ActiveState=inactive\n')}\nshow systemd-ask-password-console.service 0 ${b64('ActiveState=inactive')}\n${extra}`;
const run = (o: string) => planWith(serviceFactsModule, { args: {}, probes: { services: o } }).plan;

describe('service_facts', () => {
  it('merges sysv and systemd as ansible: failed/not-found units by status, unit-file status, show for unloaded unit files', () => {
    const p = run(probe());
    const s = (p.result!.ansible_facts as { services: Record<string, unknown> }).services;
    expect(s.cron).toEqual({ name: 'cron', state: 'running', source: 'sysv' });
    expect(s.procps).toEqual({ name: 'procps', state: 'stopped', source: 'sysv' });
    expect(s['cron.service']).toEqual({ name: 'cron.service', state: 'running', status: 'enabled', source: 'systemd' });
    expect(s['failed-one.service']).toEqual({ name: 'failed-one.service', state: 'stopped', status: 'failed', source: 'systemd' });
    expect(s['gone.service']).toEqual({ name: 'gone.service', state: 'stopped', status: 'not-found', source: 'systemd' });
    expect(s['getty@tty1.service']).toEqual({ name: 'getty@tty1.service', state: 'stopped', status: 'static', source: 'systemd' });
    expect(s['getty@.service']).toEqual({ name: 'getty@.service', state: 'unknown', status: 'enabled', source: 'systemd' });
    expect(s['ssh.service']).toEqual({ name: 'ssh.service', state: 'inactive', status: 'disabled', source: 'systemd' });
    expect(p.gatheredFacts?.ansible).toEqual({ services: s });
    expect(p.changed).toBe(false);
  });

  it('no services: skipped with ansible message; a failing listing is a warning', () => {
    const p = run(`${out('units', 1, '', 'Failed to connect to bus')}${out('files', 0, '')}`);
    expect(p.result).toEqual({ skipped: true, msg: 'Failed to find any services. This can be due to privileges or some other configuration issue.' });
    expect(p.warnings).toEqual(['Could not list units from systemd: Failed to connect to bus']);
  });

  it("service --status-all's rc 4 without /etc/init.d is silent; another rc warns", () => {
    expect(run(out('sysv', 4, '')).warnings).toEqual([]);
    expect(run(`initd\n${out('sysv', 1, SYSV, 'oops')}`).warnings).toEqual(["Unable to query 'service' tool (1): oops"]);
  });

  it("chkconfig hosts: ansible's _list_rh (runlevel 3 decides enabled, `service NAME status` the state; a refusal keeps the rc)", () => {
    const ck =
      'Note: This output shows SysV services only.\n\nnetconsole \t0:off\t1:off\t2:off\t3:off\t4:off\t5:off\t6:off\nnetwork \t0:off\t1:off\t2:on\t3:on\t4:on\t5:on\t6:off\nodd \t0:off\t1:off\t2:on\t3:on\t4:on\t5:on\t6:off\n';
    const o = `bin chkconfig /sbin/chkconfig\n${out('rh', 0, ck)}rhsvc ${b64('netconsole')} 3 ${b64('stopped')}\nrhsvc ${b64('network')} 0 \nrhsvc ${b64('odd')} 4 ${b64('Permission denied')}\n`;
    const p = run(o);
    expect((p.result!.ansible_facts as { services: unknown }).services).toEqual({
      netconsole: { name: 'netconsole', state: 'stopped', status: 'disabled', source: 'sysv' },
      network: { name: 'network', state: 'running', status: 'enabled', source: 'sysv' },
      odd: { name: 'odd', state: 4, status: 'enabled', source: 'sysv' },
    });
    expect(p.warnings).toEqual(['Insufficient permissions to query sysV service "odd" and their states']);
  });

  it('unit names that look secret-named are not taken for secrets', () => {
    const r = new Redactor();
    r.scan({ ansible_facts: { services: { 'systemd-ask-password-console.service': { state: 'stopped', source: 'systemd' } } } });
    expect(r.text('stopped systemd')).toBe('stopped systemd');
  });

  it('takes no arguments', () => {
    expect(() => run(probe()) && planWith(serviceFactsModule, { args: { x: 1 }, probes: { services: '' } })).toThrow();
  });
});
