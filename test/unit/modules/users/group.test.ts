import { describe, expect, it } from 'vitest';
import { groupModule } from '../../../../src/modules/users/group.js';
import { cmdTexts, planWith, result } from '../../../fixtures/modules/system/context.js';

const GROUPS = 'grp\troot:x:0:\ngrp\tusers:x:100:\ngrp\tweb:x:1500:alice,bob\n';
const plan = (args: Record<string, unknown>, probe = GROUPS, check = false) => planWith(groupModule, { args, probes: { group: probe }, check }).plan;

describe('group', () => {
  it('a missing group is added with -g/-o/-r in Ansible’s order; its gid is read back', () => {
    const p = plan({ name: 'db', gid: 1600, non_unique: true, system: 'yes' });
    expect(cmdTexts(p.commands)).toEqual(['groupadd -g 1600 -o -r db', 'getent group db || true']);
    const out = p.interpret!([result(''), result('db:x:1600:\n')]);
    expect(out).toEqual({ changed: true, result: { name: 'db', state: 'present', changed: true, system: true, gid: 1600 } });
  });

  it('an existing group with the same gid is ok; another gid is groupmod -g; check mode runs nothing', () => {
    expect(plan({ name: 'web', gid: '1500' })).toMatchObject({ changed: false, commands: [], result: { name: 'web', state: 'present', gid: 1500, system: false } });
    expect(cmdTexts(plan({ name: 'web', gid: 1501 }).commands)[0]).toBe('groupmod -g 1501 web');
    const c = plan({ name: 'web', gid: 1501 }, GROUPS, true);
    expect(c).toMatchObject({ changed: true, commands: [], result: { changed: true, gid: 1500 } });
    // Ansible's check mode leaves only `changed` in the result for an add or a removal
    expect(plan({ name: 'new' }, GROUPS, true).result).toEqual({ changed: true });
    expect(plan({ name: 'web', state: 'absent' }, GROUPS, true).result).toEqual({ changed: true });
  });

  it('absent: groupdel when present, ok when missing; a failing command fails with its stderr', () => {
    const p = plan({ name: 'web', state: 'absent' });
    expect(cmdTexts(p.commands)[0]).toBe('groupdel web');
    expect(p.interpret!([result({ rc: 8, stderr: "groupdel: cannot remove the primary group of user 'alice'\n" }), result('')])).toMatchObject({
      failed: "groupdel: cannot remove the primary group of user 'alice'\n",
      result: { name: 'web' },
    });
    expect(p.interpret!([result(''), result('')]).result).toEqual({ name: 'web', state: 'absent', changed: true });
    expect(plan({ name: 'nope', state: 'absent' })).toMatchObject({ changed: false, result: { name: 'nope', state: 'absent', changed: false } });
  });

  it('a numeric name is a name, not a gid (getent group 1500 would find web)', () => {
    expect(cmdTexts(plan({ name: '1500' }).commands)[0]).toBe('groupadd 1500');
  });

  it('local: true needs libuser’s programs, fails as Ansible when they are missing', () => {
    const probe = `${GROUPS}groupfile\tyes\nbinpath\t/usr/bin:/bin:/usr/sbin\n`;
    const p = plan({ name: 'db', local: true }, probe);
    expect(p.failed).toBe('Failed to find required executable "lgroupadd" in paths: /usr/bin:/bin:/usr/sbin');
    expect(p.warnings?.[0]).toMatch(/'local: true' specified and group was not found in \/etc\/group/);
    const withLib = `${probe}bin\tlgroupadd\t/usr/sbin/lgroupadd\n`;
    expect(cmdTexts(plan({ name: 'db', local: true, gid: 7 }, withLib).commands)[0]).toBe('/usr/sbin/lgroupadd -g 7 db');
    expect(plan({ name: 'db', local: true, gid: 1500 }, withLib).failed).toBe("GID '1500' already exists with group 'web'");
    const { probeCmds } = planWith(groupModule, { args: { name: "it's", local: true }, probes: { group: probe } });
    expect(probeCmds[0]).toContain(`'it'"'"'s:'*)`);
  });

  it('non_unique needs gid', () => {
    expect(() => plan({ name: 'x', non_unique: true })).toThrow(/non_unique is True but all of the following are missing: gid/);
  });
});
