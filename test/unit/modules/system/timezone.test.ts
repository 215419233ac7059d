import { describe, expect, it } from 'vitest';
import { editZoneFile, fromStatus, timezoneModule } from '../../../../src/modules/system/timezone.js';
import { cmdTexts, planWith, result } from '../../../fixtures/modules/system/context.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const STATUS = (zone: string, rtc = 'no') =>
  `               Local time: Wed 2026-12-02 16:23:51 UTC\n                Time zone: ${zone} (UTC, +0000)\n          RTC in local TZ: ${rtc}\n`;
const BINS = 'bin timedatectl /usr/bin/timedatectl\nbin hwclock /usr/sbin/hwclock\nbin ln /usr/bin/ln\nbin cp /usr/bin/cp\nbin dpkg-reconfigure /usr/sbin/dpkg-reconfigure\n';
const systemd = (zone = 'Etc/UTC', rtc = 'no') => `path=/usr/bin\n${BINS}systemd\nstatus=${b64(STATUS(zone, rtc))}\nzonefile\n`;
const debian = (tzfile: string | undefined, link: string, same = false) =>
  `path=/usr/bin\n${BINS.replace('bin timedatectl /usr/bin/timedatectl\n', '')}zonefile\n${tzfile === undefined ? '' : `file /etc/timezone ${b64(tzfile)}\n`}link=${link}\nlocaltime\n${same ? 'same\n' : ''}`;
const run = (args: Record<string, unknown>, out: string, check = false) => planWith(timezoneModule, { args, check, probes: { tz: out } }).plan;

describe('timezone', () => {
  it('with timedatectl: set-timezone, then status read again; the same zone is ok', () => {
    const p = run({ name: 'Europe/Berlin' }, systemd());
    expect(cmdTexts(p.commands)).toEqual(['/usr/bin/timedatectl set-timezone Europe/Berlin', '/usr/bin/timedatectl status']);
    const out = p.interpret!([result(''), result(STATUS('Europe/Berlin'))]);
    expect(out).toMatchObject({
      changed: true,
      result: { diff: { before: { name: 'Etc/UTC' }, after: { name: 'Europe/Berlin' } }, msg: 'executed `/usr/bin/timedatectl set-timezone Europe/Berlin`' },
    });
    expect(run({ name: 'Etc/UTC' }, systemd()).result).toEqual({ changed: false, diff: { before: { name: 'Etc/UTC' }, after: { name: 'Etc/UTC' } } });
  });

  it('hwclock (rtc) as set-local-rtc yes/no; a status that still differs fails as the module does', () => {
    const p = run({ rtc: 'local', name: 'Etc/UTC' }, systemd());
    expect(cmdTexts(p.commands)[0]).toBe('/usr/bin/timedatectl set-local-rtc yes');
    expect(p.interpret!([result(''), result(STATUS('Etc/UTC', 'no'))]).failed).toBe(
      "Error message:\nstill not desired state, though changes have made - planned: {'hwclock': 'local', 'name': 'Etc/UTC'}, after: {'hwclock': 'UTC', 'name': 'Etc/UTC'}\nOther message(s):\nexecuted `/usr/bin/timedatectl set-local-rtc yes`",
    );
    expect(p.interpret!([result({ rc: 1, stderr: 'Failed to set local RTC: Access denied\n' })]).failed).toBe('Failed to set local RTC: Access denied');
  });

  it('check mode: diff before/planned, nothing run', () => {
    const p = run({ name: 'Asia/Tokyo', hwclock: 'UTC' }, systemd(), true);
    expect(p.changed).toBe(true);
    expect(p.result).toEqual({ changed: true, diff: { before: { hwclock: 'UTC', name: 'Etc/UTC' }, after: { hwclock: 'UTC', name: 'Asia/Tokyo' } } });
    expect(p.diff?.[0]?.after).toBe('{\n    "hwclock": "UTC",\n    "name": "Asia/Tokyo"\n}\n');
  });

  it('without timedatectl on Debian: /etc/timezone edited, ln -sf and dpkg-reconfigure tzdata; the link decides when the file already names the zone', () => {
    const p = run({ name: 'Europe/Paris' }, debian('Etc/UTC\n', '/usr/share/zoneinfo/Etc/UTC'));
    expect(cmdTexts(p.commands)).toEqual([
      `printf %s ${b64('Europe/Paris\n')} | base64 -d > /etc/timezone`,
      '/usr/bin/ln -sf /usr/share/zoneinfo/Europe/Paris /etc/localtime',
      '/usr/sbin/dpkg-reconfigure --frontend noninteractive tzdata',
    ]);
    expect(p.interpret!([result(''), result(''), result('')]).result).toMatchObject({ changed: true, msg: 'Added 1 line and deleted 1 line(s) on /etc/timezone' });
    expect(run({ name: 'Europe/Paris' }, debian('Europe/Paris\n', '/usr/share/zoneinfo/Europe/Paris')).changed).toBe(false);
    expect(run({ name: 'Europe/Paris' }, debian('Europe/Paris\n', '../usr/share/zoneinfo/Etc/UTC')).result).toMatchObject({ diff: { before: { name: 'Etc/UTC' } } });
  });

  it('edits zone files as the module: matches removed, the line where the first was', () => {
    expect(editZoneFile('# c\nZONE="A"\nx\nZONE=B\n', /^ZONE\s*=\s*"?([^"\s]+)"?/m, 'ZONE="C"\n')).toEqual({ text: '# c\nZONE="C"\nx\n', deleted: 2 });
    expect(editZoneFile(undefined, /^(\S+)/m, 'Etc/UTC\n')).toEqual({ text: 'Etc/UTC\n', deleted: 0 });
  });

  it('fails as the module does', () => {
    expect(run({ name: 'No/Where' }, systemd().replace('zonefile\n', '')).failed).toBe('Error message:\ngiven timezone "No/Where" is not available');
    expect(run({}, systemd()).failed).toBe('one of the following is required: hwclock, name');
    expect(() => run({ hwclock: 'utc' }, systemd())).toThrow();
    expect(fromStatus('nothing', ['name'])).toMatch(/cannot read/);
  });
});
