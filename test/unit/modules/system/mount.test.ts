import { describe, expect, it } from 'vitest';
import { escapeFstab, linuxMounts, mountModule, pyOSError, setMountLines, unsetMountLines } from '../../../../src/modules/system/mount.js';
import { cmdTexts, planWith, result } from '../../../fixtures/modules/system/context.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const INFO = '75 51 0:40 / / rw - overlay overlay rw\n76 75 0:43 / /proc rw - proc proc rw\n90 75 0:50 /data /srv/bind rw - ext4 /dev/sdb1 rw\n';
const probe = (fstab?: string, extra = '') =>
  `path=/usr/bin:/bin\nsbin=/sbin\nmount=/usr/bin/mount\numount=/usr/bin/umount\n${fstab === undefined ? '' : `fstab-exists\nstat 644 0 0\nfstab=${b64(fstab)}\n`}fstab-dir\nmountinfo=${b64(INFO)}\n${extra}`;
const run = (args: Record<string, unknown>, out: string, check = false) => planWith(mountModule, { args: { fstab: '/f/fstab', ...args }, check, probes: { mount: out } }).plan;
const want = { src: '/dev/sdb1', name: '/mnt/d', fstype: 'ext4', opts: 'defaults', dump: '0', passno: '0' };

describe('mount', () => {
  it('present adds the line once; the same again is ok; result fields as ansible', () => {
    const p = run({ path: '/mnt/d', src: '/dev/sdb1', fstype: 'ext4', state: 'present' }, probe(''));
    expect(p.changed).toBe(true);
    expect(cmdTexts(p.commands)[0]).toContain(b64('/dev/sdb1 /mnt/d ext4 defaults 0 0\n'));
    expect(p.result).toEqual({
      changed: true,
      name: '/mnt/d',
      src: '/dev/sdb1',
      fstype: 'ext4',
      opts: 'defaults',
      dump: '0',
      passno: '0',
      fstab: '/f/fstab',
      boot: 'yes',
      backup_file: '',
    });
    expect(run({ name: '/mnt/d', src: '/dev/sdb1', fstype: 'ext4', state: 'present' }, probe('/dev/sdb1  /mnt/d ext4 defaults 0 0\n')).changed).toBe(false);
  });

  it('rewrites a matching line (a 4-field one always), keeps others, escapes spaces, matches swap by src', () => {
    const text = '# c\r\n/dev/sdb1 /mnt/d ext4 defaults\n/dev/a none swap sw 0 0\n/dev/b none swap sw 0 0\nbad\n/x /y z w 0 0';
    const s = setMountLines(text, want, true, '/dev/sdb1');
    expect(s.lines.join('')).toBe('# c\n/dev/sdb1 /mnt/d ext4 defaults 0 0\n/dev/a none swap sw 0 0\n/dev/b none swap sw 0 0\nbad\n/x /y z w 0 0\n');
    const sw = setMountLines(text, { ...want, src: '/dev/b', name: 'none', fstype: 'swap', opts: 'sw,pri=1' }, true, '/dev/b');
    expect(sw.lines[3]).toBe('/dev/b none swap sw,pri=1 0 0\n');
    expect(sw.lines[2]).toBe('/dev/a none swap sw 0 0\n');
    expect(escapeFstab('/srv/my files&\\')).toBe('/srv/my\\040files\\046\\134');
    expect(setMountLines('', { ...want, name: '/a b' }, true, '/dev/sdb1').lines).toEqual(['/dev/sdb1 /a\\040b ext4 defaults 0 0\n']);
  });

  it('boot: false adds noauto (not with defaults or noauto: warnings)', () => {
    expect(run({ path: '/m', src: 's', fstype: 'nfs', opts: 'rw', boot: false, state: 'present' }, probe('')).result).toMatchObject({ opts: 'rw,noauto', boot: 'no' });
    const d = run({ path: '/m', src: 's', fstype: 'nfs', boot: false, state: 'present' }, probe(''));
    expect(d.result).toMatchObject({ opts: 'defaults', boot: 'no', warnings: ["Ignore the 'boot' due to 'opts' contains 'defaults'."] });
  });

  it('absent_from_fstab drops only 6-field lines of the path; absent also unmounts and removes the mount point', () => {
    expect(unsetMountLines('/d /m e f 0 0\n/d /m e f\n/x /y e f 0 0', '/m', false, undefined)).toEqual({ lines: ['/d /m e f\n', '/x /y e f 0 0'], changed: true });
    const abs = run({ path: '/srv/bind', state: 'absent' }, probe('/dev/sdb1 /srv/bind ext4 defaults 0 0\n', 'path-exists\n'));
    const script = cmdTexts(abs.commands)[1]!;
    expect(script).toContain('cap /usr/bin/umount /srv/bind');
    expect(script).toContain('rmdir -- /srv/bind');
    expect(abs.interpret!([result(''), result(`umount-fail=${b64('umount: busy\n')}\n`)]).failed).toBe('Error unmounting /srv/bind: umount: busy\n');
    expect(run({ path: '/nope', state: 'absent' }, probe('')).changed).toBe(false);
  });

  it('unmounted only when mounted (ismount or a mountinfo entry)', () => {
    expect(run({ path: '/srv/x', state: 'unmounted' }, probe('')).changed).toBe(false);
    expect(run({ path: '/proc', state: 'unmounted' }, probe('')).changed).toBe(true);
    expect(run({ path: '/srv/x', state: 'unmounted' }, probe('', 'path-exists\nis-mount\n')).changed).toBe(true);
  });

  it('mounted: makes the directories, writes fstab, mounts with -T; on failure puts fstab back and removes the directories', () => {
    const p = run({ path: '/new/mp', src: 'tmpfs', fstype: 'tmpfs', state: 'mounted' }, probe('# keep'));
    const s = cmdTexts(p.commands)[0]!;
    expect(s).toContain('set -- /new "$@"');
    expect(s).toContain('cap /usr/bin/mount -T /f/fstab /new/mp || { say fail;');
    expect(s).toContain(b64('# keep\n'));
    expect(p.interpret!([result(`fail=${b64('mount: denied\n')}\n`)]).failed).toBe('Error mounting /new/mp: mount: denied\n');
    // already mounted with the same source and an unchanged fstab: nothing to do
    expect(run({ path: '/srv/bind', src: '/data', fstype: 'ext4', state: 'mounted' }, probe('/data /srv/bind ext4 defaults 0 0\n', 'path-exists\n')).changed).toBe(false);
  });

  it('check mode plans the change; remounted is always changed; ephemeral with another source fails', () => {
    expect(run({ path: '/m', src: 's', fstype: 't', state: 'present' }, probe(''), true).changed).toBe(true);
    expect(run({ path: '/m', state: 'remounted' }, probe('')).changed).toBe(true);
    expect(run({ path: '/srv/bind', src: '/other', fstype: 'ext4', state: 'ephemeral' }, probe('', 'path-exists\nis-mount\n')).failed).toMatch(
      /^Ephemeral mount point is already mounted/,
    );
  });

  it('fails as ansible does', () => {
    expect(run({ path: '/m', fstype: 'ext4', state: 'present' }, probe('')).failed).toBe('state is present but all of the following are missing: src');
    expect(() => run({ path: '/m', state: 'bogus' }, probe(''))).toThrow();
    expect(pyOSError("rmdir: failed to remove '/m': Directory not empty", '/m')).toBe("[Errno 39] Directory not empty: '/m'");
  });

  it('reads bind mount sources from mountinfo as ansible', () => {
    expect(linuxMounts(INFO).get('/srv/bind')).toEqual({ src: '/data', fs: 'ext4' });
    expect(linuxMounts(INFO).get('/proc')).toEqual({ src: '/', fs: 'proc' });
  });
});
