import { describe, expect, it } from 'vitest';
import { compareFacts } from '../../../test/e2e/facts/compare.js';

// The facts oracle's comparison must fail on a real difference and pass through only its listed normalisations.
describe('facts oracle comparison', () => {
  const base = {
    ansible_distribution: 'Debian',
    ansible_interfaces: ['lo', 'eth0'],
    ansible_lo: { device: 'lo' },
    ansible_eth0: { device: 'eth0', mtu: 1500 },
    ansible_memtotal_mb: 1000,
    ansible_memfree_mb: 500,
    ansible_uptime_seconds: 100,
    ansible_env: { HOME: '/root', SSH_CLIENT: '1.2.3.4 5 22', LANG: 'C.UTF-8' },
    ansible_date_time: { epoch: '1000', iso8601: '1970-01-01T00:16:40Z', tz: 'UTC', tz_dst: 'UTC', tz_offset: '+0000' },
  };

  it('accepts the normalised differences (set order, time window, tolerance, connection env)', () => {
    const t = {
      ...base,
      ansible_interfaces: ['eth0', 'lo'],
      ansible_memfree_mb: 520,
      ansible_uptime_seconds: 130,
      ansible_env: { HOME: '/root', SSH_CLIENT: '1.2.3.4 6 22' },
      ansible_date_time: { ...base.ansible_date_time, epoch: '1030', iso8601: '1970-01-01T00:17:10Z' },
    };
    expect(compareFacts(base, t)).toEqual([]);
  });

  it('reports a different value, a missing fact, a per-interface difference and an env difference', () => {
    const t: Record<string, unknown> = { ...base, ansible_distribution: 'Ubuntu', ansible_eth0: { device: 'eth0', mtu: 9000 }, ansible_env: { HOME: '/home/x' } };
    delete t['ansible_uptime_seconds'];
    expect(
      compareFacts(base, t)
        .map((d) => d.key)
        .sort(),
    ).toEqual(['ansible_distribution', 'ansible_env', 'ansible_eth0', 'ansible_uptime_seconds']);
  });

  it('a zone difference in date_time is a difference', () => {
    expect(compareFacts(base, { ...base, ansible_date_time: { ...base.ansible_date_time, tz: 'CET' } }).map((d) => d.key)).toEqual(['ansible_date_time']);
  });
});
