import { describe, it, expect } from 'vitest';
import { wallarmRemoveArgs, planRemove, parseOldNodeState } from '../../../../src/wallarm/remove.js';
import { facts, cmds } from './helpers.js';

const a = (o: Record<string, unknown> = {}) => wallarmRemoveArgs.parse(o);

describe('wallarm_remove', () => {
  it('package install on Debian: stop wallarm-tarantool, apt remove wallarm-node-tarantool', () => {
    expect(cmds(planRemove(a(), facts(), parseOldNodeState('package=yes\n')))).toEqual([
      'systemctl stop wallarm-tarantool 2>/dev/null || service wallarm-tarantool stop 2>/dev/null || true',
      'DEBIAN_FRONTEND=noninteractive apt-get remove -y wallarm-node-tarantool',
    ]);
  });
  it('package install on the RHEL family uses dnf or yum', () => {
    expect(cmds(planRemove(a(), facts({ pkgMgr: 'dnf' }), parseOldNodeState('package=yes\n')))[1]).toBe('dnf remove -y wallarm-node-tarantool');
    expect(cmds(planRemove(a(), facts({ pkgMgr: 'yum' }), parseOldNodeState('package=yes\n')))[1]).toBe('yum remove -y wallarm-node-tarantool');
  });
  it('all-in-one install: systemctl stop wallarm and rm -rf /opt/wallarm', () => {
    expect(cmds(planRemove(a(), facts(), parseOldNodeState('opt_wallarm=yes\n')))).toEqual([
      'systemctl stop wallarm 2>/dev/null || true; systemctl disable wallarm 2>/dev/null || true',
      'rm -rf -- /opt/wallarm',
    ]);
  });
  it('nothing left → no commands (second run)', () => {
    const p = planRemove(a(), facts(), parseOldNodeState(''));
    expect(p).toMatchObject({ changed: false, commands: [] });
  });
  it('kind restricts what is removed', () => {
    expect(cmds(planRemove(a({ kind: 'package' }), facts(), parseOldNodeState('opt_wallarm=yes\n')))).toEqual([]);
  });
});
