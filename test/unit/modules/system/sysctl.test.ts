import { describe, expect, it } from 'vitest';
import { fixSysctlLines, readSysctlFile, sysctlModule, sysctlValue } from '../../../../src/modules/system/sysctl.js';
import { cmdTexts, planWith, result } from '../../../fixtures/modules/system/context.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const probe = (file?: string, live: string | null = '0\n') =>
  `path=/usr/bin:/bin\nsbin=/sbin\nbin=/usr/sbin/sysctl\n${live === null ? 'rc=255\nlive=\n' : `rc=0\nlive=${b64(live)}\n`}${file === undefined ? '' : `file\nstat 640 0 4\ndata=${b64(file)}\n`}`;
const run = (args: Record<string, unknown>, out: string, check = false) =>
  planWith(sysctlModule, { args: { sysctl_file: '/c.conf', ...args }, check, probes: { sysctl: out } }).plan;
const written = (p: ReturnType<typeof run>) => {
  const c = p.commands.find((x) => x.kind === 'put');
  return c?.kind === 'put' ? String(c.content) : undefined;
};

describe('sysctl', () => {
  it('adds key=value to the file and reloads it; the same value (also as a boolean) is ok', () => {
    const p = run({ name: 'net.ipv4.ip_forward', value: '1' }, probe());
    expect(p.changed).toBe(true);
    expect(written(p)).toBe('net.ipv4.ip_forward=1\n');
    expect(cmdTexts(p.commands)[1]).toContain('/usr/sbin/sysctl -p /c.conf');
    expect(run({ name: 'net.ipv4.ip_forward', value: 'yes', reload: false }, probe('net.ipv4.ip_forward = 1\n')).changed).toBe(false);
    expect(run({ key: 'net.ipv4.ip_forward', val: true, reload: false }, probe('net.ipv4.ip_forward=1')).changed).toBe(false);
  });

  it('with reload, an unchanged file whose live value differs is changed (reloaded)', () => {
    const p = run({ name: 'a.b', value: '1' }, probe('a.b=1\n', '0\n'));
    expect(p.changed).toBe(true);
    expect(cmdTexts(p.commands)).toHaveLength(1);
    expect(run({ name: 'a.b', value: '1' }, probe('a.b=1\n', '1\n')).changed).toBe(false);
  });

  it('rewrites a hand-written file as ansible: stripped key=value lines, comments kept, a repeated key once', () => {
    const f = '# c\n\n  vm.swappiness = 10\n; o\nkernel.panic=5\nvm.swappiness=20\nnoeq\n  x =  5  ';
    const r = readSysctlFile(f);
    expect(r.values.get('vm.swappiness')).toBe('20');
    expect(fixSysctlLines(r.lines, 'kernel.panic', '10', true)).toBe('# c\n\nvm.swappiness=10\n; o\nkernel.panic=10\nnoeq\nx=5\n');
    expect(fixSysctlLines(r.lines, 'vm.swappiness', '', false)).toBe('# c\n\n; o\nkernel.panic=5\nnoeq\nx=5\n');
    const p = run({ name: 'kernel.panic', value: 10, reload: false }, probe(f));
    expect(p.commands[0]).toMatchObject({ kind: 'put', path: '/c.conf', mode: '0640', owner: '0', group: '4' });
  });

  it('absent removes the key; absent when missing is ok; check mode plans the same', () => {
    expect(written(run({ name: 'a', state: 'absent', reload: false }, probe('a=1\nb=2\n')))).toBe('b=2\n');
    expect(run({ name: 'z', state: 'absent' }, probe('a=1\n')).changed).toBe(false);
    expect(run({ name: 'a', state: 'absent', reload: false }, probe('a=1\n'), true).changed).toBe(true);
  });

  it('sysctl_set writes the live value with sysctl -w (quoted words), only when it differs', () => {
    const p = run({ name: 'net.core.x', value: '4096  8192', sysctl_set: true, reload: false, ignoreerrors: true }, probe('net.core.x=4096  8192\n', '4096\t8191\n'));
    expect(cmdTexts(p.commands)[0]).toContain("/usr/sbin/sysctl -e -w 'net.core.x=4096  8192'");
    expect(run({ name: 'k', value: 'Linux', sysctl_set: true, reload: false }, probe('k=Linux\n', 'Linux\n')).changed).toBe(false);
    // A key sysctl cannot read: changed, but nothing is set live (ansible's rule)
    const unknown = run({ name: 'k', value: '1', sysctl_set: true, reload: false }, probe('k=1\n', null));
    expect(unknown.changed).toBe(true);
    expect(unknown.commands).toHaveLength(0);
  });

  it("fails with ansible's messages", () => {
    const p = run({ name: 'a', value: '0', sysctl_set: true, reload: false }, probe(undefined, '1\n'));
    expect(p.interpret!([result({ rc: 1, stderr: 'sysctl: permission denied on key "a"\n' })]).failed).toBe('setting a failed: sysctl: permission denied on key "a"\n');
    const r = run({ name: 'a', value: '0' }, probe());
    expect(r.interpret!([result(''), result({ rc: 97, stderr: 'sysctl: setting key "a": Read-only file system\n' })]).failed).toBe(
      'Failed to reload sysctl: sysctl: setting key "a": Read-only file system\n',
    );
    expect(run({ name: 'a' }, probe()).failed).toBe('state is present but all of the following are missing: value');
    expect(run({ name: 'a', value: '' }, probe()).failed).toBe('value cannot be blank');
    expect(run({ name: 'a', value: '1' }, 'path=/bin\nsbin=/sbin\n').failed).toBe('Failed to find required executable "sysctl" in paths: /bin:/sbin');
  });

  it('normalises values as ansible does', () => {
    expect([sysctlValue('On'), sysctlValue('f'), sysctlValue(' 5 '), sysctlValue(' yes '), sysctlValue(undefined)]).toEqual(['1', '0', '5', 'yes', '']);
  });
});
