import { describe, expect, it } from 'vitest';
import { attributeNames, parseMime, parseStatProbe, stat, StatFailure, statResult, type StatProbe } from '../../../../src/modules/files/stat.js';
import { PyFloat } from '../../../../src/template/jinja/py.js';
import { planCtx } from './ctx.js';

const ok = (stdout: string) => ({ rc: 0, stdout, stderr: '', durationMs: 0 });
const b64 = (s: string) => Buffer.from(s).toString('base64');

// Recorded from the probe on the debian-12 lab image (a symlink /tmp/l -> a).
const LINK = [
  'S a1ff 0 0 1 2048479 39 1 0 4096 0 0 1796211044.272150448 1796211044.272150448 1796211044.000000000',
  'P 110',
  `U ${b64('root')}`,
  `G ${b64('root')}`,
  `L ${b64('/tmp/a')}`,
  `T ${b64('a')}`,
  '',
].join('\n');
const FILE = [
  'S 81a0 1000 50 12 77 39 1 8 4096 0 0 1.5 1600000000.000000000 1600000000.250000000',
  'P 110',
  `U ${b64('app')}`,
  'C 22596363b3de40b06f981fb85d82312e8c0ed511',
  'M 6f5902ac237024bdd0c176cb93063dc4',
  `F ${b64('/srv/a.txt: text/plain; charset=us-ascii')}`,
  `A ${b64('1570344644 --------------e------- /srv/a.txt')}`,
  '',
].join('\n');
const all = { get_checksum: true, get_md5: true, get_mime: true, get_attributes: true };

function plan(args: Record<string, unknown>, probe: StatProbe | StatFailure) {
  return stat.plan(stat.args.parse(args), planCtx({ stat: probe }));
}

describe('stat', () => {
  it('takes Ansible’s aliases and defaults (2.14: mime and attributes on), refuses unknown arguments', () => {
    expect(stat.args.parse({ dest: '/x' })).toEqual({
      path: '/x',
      follow: false,
      get_md5: false,
      get_checksum: true,
      get_mime: true,
      get_attributes: true,
      checksum_algorithm: 'sha1',
    });
    expect(stat.args.parse({ name: '/x', 'mime-type': 'no', attr: 'no', checksum_algo: 'sha256' })).toMatchObject({
      get_mime: false,
      get_attributes: false,
      checksum_algorithm: 'sha256',
    });
    expect(() => stat.args.parse({ path: '/x', checksum_algorithm: 'crc32' })).toThrow(/sha1/);
    expect(() => stat.args.parse({ path: '/x', get_size: true })).toThrow(/get_size/);
  });

  it('probes with the checksum tool asked for, only what is on, and lstat unless follow', () => {
    const [p] = stat.probes!(stat.args.parse({ path: "/srv/it's", checksum_algorithm: 'sha512', get_mime: false }), planCtx({}));
    expect(p!.cmd.text).toContain(`p='/srv/it'"'"'s'`);
    expect(p!.cmd.text).toContain('sha512sum < "$p"');
    expect(p!.cmd.text).not.toContain('--mime-type');
    expect(p!.cmd.text).toContain('lsattr');
    expect(p!.cmd.text).toContain("stat -c '");
    const [f] = stat.probes!(stat.args.parse({ path: '/x', follow: true, get_checksum: false }), planCtx({}));
    expect(f!.cmd.text).toContain("stat -L -c '");
    expect(f!.cmd.text).not.toContain('sha1sum');
    expect(f!.cmd.text).not.toContain('readlink');
  });

  it('a missing path is {exists: false} only, never changed', () => {
    const p = plan({ path: '/nope' }, parseStatProbe('/nope', ok('absent\n')) as StatProbe);
    expect(p).toMatchObject({ changed: false, commands: [], result: { stat: { exists: false } } });
    expect(Object.keys(p.result!.stat as object)).toEqual(['exists']);
  });

  it('a symlink without follow: mode 0777, islnk, lnk_source/lnk_target, no checksum; attributes empty when lsattr fails', () => {
    const st = plan({ path: '/tmp/l' }, parseStatProbe('/tmp/l', ok(LINK)) as StatProbe).result!.stat as Record<string, unknown>;
    expect(st).toMatchObject({ exists: true, path: '/tmp/l', mode: '0777', islnk: true, isreg: false, lnk_source: '/tmp/a', lnk_target: 'a', pw_name: 'root', gr_name: 'root' });
    expect(st).toMatchObject({ readable: true, writeable: true, executable: false, mimetype: 'unknown', charset: 'unknown', version: null, attributes: [], attr_flags: '' });
    expect(st).not.toHaveProperty('checksum');
    // a whole-second time is still a Python float
    expect(st.ctime).toBeInstanceOf(PyFloat);
    expect(Number(st.ctime)).toBe(1796211044);
  });

  it('a regular file: mode bits, owner names, checksum, md5, mime and lsattr as Ansible parses them', () => {
    const st = statResult('/srv/a.txt', parseStatProbe('/srv/a.txt', ok(FILE)) as StatProbe, all);
    expect(st).toMatchObject({ mode: '0640', isreg: true, uid: 1000, gid: 50, size: 12, inode: 77, dev: 39, nlink: 1, blocks: 8, block_size: 4096, device_type: 0 });
    expect(st).toMatchObject({ rusr: true, wusr: true, xusr: false, rgrp: true, wgrp: false, roth: false, isuid: false, pw_name: 'app' });
    expect(st).not.toHaveProperty('gr_name');
    expect(st).toMatchObject({ checksum: '22596363b3de40b06f981fb85d82312e8c0ed511', md5: '6f5902ac237024bdd0c176cb93063dc4', mimetype: 'text/plain', charset: 'us-ascii' });
    expect(st).toMatchObject({ version: '1570344644', attr_flags: 'e', attributes: ['extents'] });
    expect(st.mtime).toEqual(new PyFloat(1600000000));
    expect(st.ctime).toBe(1600000000.25);
    const off = statResult('/srv/a.txt', parseStatProbe('/srv/a.txt', ok(FILE)) as StatProbe, { get_checksum: false, get_md5: false, get_mime: false, get_attributes: false });
    for (const k of ['checksum', 'md5', 'mimetype', 'charset', 'version', 'attributes', 'attr_flags']) expect(off).not.toHaveProperty(k);
  });

  it('a device number is glibc’s makedev of major/minor', () => {
    const out = ok('S 21b6 0 0 0 5 5 1 0 4096 88 102 1 1 1\nP 110\n');
    expect(statResult('/dev/x', parseStatProbe('/dev/x', out) as StatProbe, all)).toMatchObject({ ischr: true, mode: '0666', device_type: 1083394 });
    const big = ok('S 21b6 0 0 0 5 5 1 0 4096 1234 56789 1 1 1\nP 110\n');
    expect(statResult('/dev/y', parseStatProbe('/dev/y', big) as StatProbe, all).device_type).toBe(17593636369545);
  });

  it('stat failing on the path fails the task with the OS message', () => {
    const f = parseStatProbe('/r/x', { rc: 1, stdout: '', stderr: "stat: cannot statx '/r/x': Permission denied\n", durationMs: 0 });
    expect(f).toBeInstanceOf(StatFailure);
    expect(plan({ path: '/r/x' }, f as StatFailure).failed).toBe('Permission denied');
  });

  it('parses file(1) and lsattr output as Ansible does', () => {
    expect(parseMime('/a:b: application/json; charset=utf-8')).toEqual({ mimetype: 'application/json', charset: 'utf-8' });
    expect(parseMime('/a: weird')).toBeUndefined();
    expect(attributeNames('iaQe')).toEqual(['immutable', 'append', 'extents']);
  });
});
