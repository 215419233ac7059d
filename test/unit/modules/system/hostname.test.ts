import { describe, expect, it } from 'vitest';
import { ansibleDistribution, hostnameModule } from '../../../../src/modules/system/hostname.js';
import { cmdTexts, planWith, result } from '../../../fixtures/modules/system/context.js';
import { rocky9 } from '../../../fixtures/modules/system/facts.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const cmd = (k: string, out: string, rc = 0, err = '') => `cmd ${k} ${rc} ${b64(out)} ${b64(err)}\n`;
const HOSTS = b64('127.0.0.1 localhost\n172.17.0.2 target.lab target\n');
const probe = (extra = '', systemd = true) =>
  `path=/usr/bin\nsbin=/sbin\nbin hostname /usr/bin/hostname\nbin hostnamectl /usr/bin/hostnamectl\nbin systemctl /usr/bin/systemctl\n${systemd ? 'systemd-running\n' : ''}${cmd('transient', 'target\n')}${cmd('static', 'target\n')}${cmd('hostname', 'target\n')}node=target\nhosts=${HOSTS}\n${extra}`;
const run = (args: Record<string, unknown>, out: string, check = false, facts = undefined as typeof rocky9 | undefined) =>
  planWith(hostnameModule, { args, check, probes: { hostname: out }, facts }).plan;

describe('hostname', () => {
  it('the current name is ok and returns the facts (fqdn from /etc/hosts)', () => {
    const p = run({ name: 'target' }, probe());
    expect(p.changed).toBe(false);
    expect(p.result).toEqual({
      changed: false,
      name: 'target',
      ansible_facts: { ansible_hostname: 'target', ansible_nodename: 'target', ansible_fqdn: 'target.lab', ansible_domain: 'lab' },
    });
    expect(p.gatheredFacts?.ansible).toMatchObject({ ansible_hostname: 'target' });
  });

  it('systemd: the static name first, then the transient one; diff; check mode runs nothing', () => {
    const p = run({ name: 'web1.example.com' }, probe());
    expect(cmdTexts(p.commands).slice(0, 2)).toEqual([
      '/usr/bin/hostnamectl --pretty --static set-hostname web1.example.com',
      '/usr/bin/hostnamectl --transient set-hostname web1.example.com',
    ]);
    expect(p.result).toMatchObject({ diff: { before: 'hostname = target\n', after: 'hostname = web1.example.com\n' }, ansible_facts: { ansible_hostname: 'web1' } });
    expect(p.diff?.[0]).toMatchObject({ before: 'hostname = target\n', after: 'hostname = web1.example.com\n', beforeHeader: 'before' });
    expect(p.interpret!([result({ rc: 1, stderr: 'Could not set static hostname: busy\n' })]).failed).toBe('Command failed rc=1, out=, err=Could not set static hostname: busy\n');
    const c = run({ name: 'web1' }, probe(), true);
    expect(c.changed).toBe(true);
    expect(c.commands).toEqual([]);
    expect(run({ name: 'x'.repeat(65), use: 'debian' }, probe()).failed).toBe('name cannot be longer than 64 characters on systemd servers, try a shorter name');
  });

  it('without systemd a Debian host writes /etc/hostname; a RedHat one /etc/sysconfig/network', () => {
    const deb = run({ name: 'n1' }, probe(`file /etc/hostname ${b64('old\n')}\n`, false));
    expect(cmdTexts(deb.commands)[0]).toBe(`printf %s ${b64('n1\n')} | base64 -d > /etc/hostname`);
    expect(deb.result).toMatchObject({ diff: { before: 'hostname = old\n' } });
    const rh = run({ name: 'n2' }, probe(`file /etc/sysconfig/network ${b64('NETWORKING=yes\n HOSTNAME = old\nX=1')}\n`, false), false, rocky9);
    expect(rh.failed).toBe('hostname module cannot be used on platform Linux (Rocky)');
    const forced = run({ name: 'n2', use: 'redhat' }, probe(`file /etc/sysconfig/network ${b64('NETWORKING=yes\n HOSTNAME = old\nX=1')}\n`));
    expect(cmdTexts(forced.commands)[0]).toBe(`printf %s ${b64('NETWORKING=yes\nHOSTNAME=n2\nX=1')} | base64 -d > /etc/sysconfig/network`);
    expect(run({ name: 'n2', use: 'redhat' }, probe()).failed).toBe('Unable to locate HOSTNAME entry in /etc/sysconfig/network');
  });

  it('openrc: hostname="…" replaced, a missing file becomes an empty line; a file without the line dies as the module does', () => {
    const p = run({ name: 'orc', use: 'openrc' }, probe(`file /etc/conf.d/hostname ${b64('# c\n hostname="old" \n')}\n`));
    expect(cmdTexts(p.commands)[0]).toBe(`printf %s ${b64('# c\nhostname="orc"\n')} | base64 -d > /etc/conf.d/hostname`);
    expect(cmdTexts(run({ name: 'orc', use: 'openrc' }, probe()).commands)[0]).toBe(`printf %s ${b64('\n')} | base64 -d > /etc/conf.d/hostname`);
    expect(run({ name: 'orc', use: 'openrc' }, probe(`file /etc/conf.d/hostname ${b64('x=1\n')}\n`)).interpret!([]).failed).toMatch(/^MODULE FAILURE/);
  });

  it('freebsd and alpine run hostname; generic and darwin fail', () => {
    expect(cmdTexts(run({ name: 'bsd', use: 'freebsd' }, probe()).commands)[0]).toBe('/usr/bin/hostname bsd');
    expect(cmdTexts(run({ name: 'alp', use: 'alpine' }, probe(`file /etc/hostname ${b64('target\n')}\n`)).commands).slice(0, 2)).toEqual([
      '/usr/bin/hostname -F /etc/hostname',
      `printf %s ${b64('alp\n')} | base64 -d > /etc/hostname`,
    ]);
    expect(run({ name: 'g', use: 'generic' }, probe()).failed).toMatch(/^MODULE FAILURE/);
    expect(run({ name: 'g', use: 'darwin' }, probe()).failed).toMatch(/does not manage darwin/);
    expect(() => run({ name: 'g', use: 'nope' }, probe())).toThrow();
  });

  it("names distributions as ansible's get_distribution", () => {
    expect([ansibleDistribution('rhel'), ansibleDistribution('amzn'), ansibleDistribution('debian'), ansibleDistribution('')]).toEqual([
      'Redhat',
      'Amazon',
      'Debian',
      'OtherLinux',
    ]);
  });
});
