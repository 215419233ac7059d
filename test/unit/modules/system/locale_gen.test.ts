import { describe, expect, it } from 'vitest';
import { isAvailable, isPresent, localeGenModule, planLocaleGen, setLocale, type LocaleProbe } from '../../../../src/modules/system/locale_gen.js';
import type { PutCommand, ShellCommand } from '../../../../src/commands/types.js';
import { result } from '../../../fixtures/modules/system/context.js';
import { runLocal } from '../../../fixtures/modules/system/sh.js';

const GEN = '# comment\n# en_US.UTF-8 UTF-8\n#  de_DE.UTF-8 UTF-8\nfr_FR ISO-8859-1\n';
const probe = (o: Partial<LocaleProbe> = {}): LocaleProbe => ({
  mode: 'debian',
  available: GEN,
  present: 'C\nC.utf8\nPOSIX\nfr_FR\n',
  stat: { mode: '0644', uid: '0', gid: '0' },
  ...o,
});

describe('locale_gen', () => {
  it('available: a (commented) NAME CHARSET line; present: locale -a with the charset case normalised', () => {
    expect(isAvailable('en_US.UTF-8', GEN, false)).toBe(true);
    expect(isAvailable('de_DE.UTF-8', GEN, false)).toBe(true);
    expect(isAvailable('en_US.UTF-8', GEN, true)).toBe(false);
    expect(isAvailable('xx_YY.UTF-8', GEN, false)).toBe(false);
    expect(isPresent('en_US.UTF-8', 'C\nen_US.utf8\n')).toBe(true);
    expect(isPresent('en_US.UTF-8', 'C\nen_GB.utf8\n')).toBe(false);
  });

  it('uncomments / comments the line as the module’s re.sub (the name is a regex: "." matches any character)', () => {
    expect(setLocale(GEN, 'de_DE.UTF-8', true)).toBe('# comment\n# en_US.UTF-8 UTF-8\nde_DE.UTF-8 UTF-8\nfr_FR ISO-8859-1\n');
    expect(setLocale(GEN, 'fr_FR', false)).toBe('# comment\n# en_US.UTF-8 UTF-8\n#  de_DE.UTF-8 UTF-8\n# fr_FR ISO-8859-1\n');
    expect(setLocale('# en_USxUTF-8 UTF-8\n', 'en_US.UTF-8', true)).toBe('en_US.UTF-8 UTF-8\n');
  });

  it('present: writes locale.gen (mode kept) then runs locale-gen; again nothing; check mode only decides', () => {
    const plan = planLocaleGen({ name: 'en_US.UTF-8' }, probe(), false);
    expect(plan.changed).toBe(true);
    const put = plan.commands[0] as PutCommand;
    expect(put).toMatchObject({ kind: 'put', path: '/etc/locale.gen', mode: '0644' });
    expect(put.content).toContain('\nen_US.UTF-8 UTF-8\n');
    expect((plan.commands[1] as ShellCommand).describe).toBe('locale-gen');
    expect(plan.interpret!([result(''), result('')])).toEqual({ changed: true, result: { name: 'en_US.UTF-8', msg: 'OK' } });
    expect(planLocaleGen({ name: 'fr_FR' }, probe(), false)).toMatchObject({ changed: false, commands: [], result: { msg: 'OK' } });
    expect(planLocaleGen({ name: 'en_US.UTF-8' }, probe(), true)).toMatchObject({ changed: true, commands: [] });
  });

  it('failures in the module’s words', () => {
    expect(planLocaleGen({ name: 'x_Y' }, probe({ mode: 'none' }), false).failed).toBe(
      '/etc/locale.gen and /var/lib/locales/supported.d/local are missing. Is the package "locales" installed?',
    );
    expect(planLocaleGen({ name: 'xx_YY.UTF-8' }, probe(), false).failed).toBe("The locale you've entered is not available on your system.");
    const plan = planLocaleGen({ name: 'en_US.UTF-8' }, probe(), false);
    expect(plan.interpret!([result(''), result({ rc: 3 })])).toMatchObject({
      changed: false,
      failed: '[Errno 3] locale.gen failed to execute, it returned 3',
      result: { exitValue: 3 },
    });
    const missing = runLocal((plan.commands[1] as ShellCommand).cmd.text, { env: { PATH: '/nonexistent' } });
    expect(plan.interpret!([result(''), missing]).failed).toBe("[Errno 2] No such file or directory: 'locale-gen'");
  });

  it('Ubuntu: locale-gen NAME; absent takes the name out of supported.d/local and purges', () => {
    const u = probe({
      mode: 'ubuntu',
      available: 'en_US.UTF-8 UTF-8\nde_DE.UTF-8 UTF-8\n',
      present: 'C\nen_US.utf8\nde_DE.utf8\n',
      local: 'en_US.UTF-8 UTF-8\nde_DE.UTF-8 UTF-8\n',
    });
    expect((planLocaleGen({ name: 'en_US.UTF-8', state: 'absent' }, u, false).commands[0] as PutCommand).content).toBe('de_DE.UTF-8 UTF-8\n');
    expect((planLocaleGen({ name: 'en_US.UTF-8', state: 'absent' }, u, false).commands[1] as ShellCommand).describe).toBe('locale-gen --purge');
    const add = planLocaleGen({ name: 'de_DE.UTF-8' }, { ...u, present: 'C\n' }, false);
    expect((add.commands[0] as ShellCommand).describe).toBe('locale-gen de_DE.UTF-8');
  });

  it('answers to its collection name; refuses unknown arguments', () => {
    expect(localeGenModule.aliases).toContain('community.general.locale_gen');
    expect(localeGenModule.args.safeParse({ name: 'x', force: true }).success).toBe(false);
  });
});
