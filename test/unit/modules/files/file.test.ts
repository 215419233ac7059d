import { describe, expect, it } from 'vitest';
import { file } from '../../../../src/modules/files/file.js';
import { dirStateOf, fileStateOf, type FileState } from '../../../../src/modules/files/state.js';
import { cmdLines } from './ctx.js';

const absent = (p: string): FileState => ({ path: p, exists: false, state: 'absent' });
const link = (p: string, target: string, resolved?: FileState): FileState => ({
  path: p,
  exists: true,
  state: 'link',
  self: { type: 'link', mode: '0777', uid: 0, owner: 'root', gid: 0, group: 'root', size: 5, nlink: 1, inode: 9, device: 1 },
  linkTarget: target,
  ...(resolved ? { resolved: resolved.resolved, realPath: resolved.path } : {}),
});

const cases: Array<{ name: string; args: Record<string, unknown>; path: FileState; src?: FileState; commands?: string[]; failed?: string; changed?: boolean }> = [
  {
    name: 'directory: create each missing component with attributes',
    args: { path: '/srv/a', state: 'directory', mode: '0750', owner: 'app' },
    path: absent('/srv/a'),
    commands: [
      '{ [ -e /srv ] || { mkdir -- /srv && chown app -- /srv && chmod 0750 -- /srv; }; } && { [ -e /srv/a ] || { mkdir -- /srv/a && chown app -- /srv/a && chmod 0750 -- /srv/a; }; }',
    ],
  },
  { name: 'directory: converged', args: { path: '/srv/a', state: 'directory', mode: '0755' }, path: dirStateOf('/srv/a'), commands: [] },
  { name: 'directory: mode fix', args: { path: '/srv/a', state: 'directory', mode: '0700' }, path: dirStateOf('/srv/a'), commands: ['chmod 0700 -- /srv/a'] },
  { name: 'directory: symbolic mode already satisfied', args: { path: '/srv/a', state: 'directory', mode: 'u+rwx,go+rX' }, path: dirStateOf('/srv/a'), commands: [] },
  {
    name: 'directory: recurse fixes children only when some differ',
    args: { path: '/srv/a', state: 'directory', mode: '0755', recurse: true },
    path: { ...dirStateOf('/srv/a'), childrenDiffer: true },
    commands: ['chmod -R 0755 -- /srv/a'],
  },
  {
    name: 'directory: recurse converged',
    args: { path: '/srv/a', state: 'directory', mode: '0755', recurse: true },
    path: { ...dirStateOf('/srv/a'), childrenDiffer: false },
    commands: [],
  },
  { name: 'directory over a file fails', args: { path: '/srv/a', state: 'directory' }, path: fileStateOf('/srv/a', 'x'), failed: '/srv/a already exists as a file' },
  { name: 'file: missing fails like Ansible', args: { path: '/srv/f', state: 'file' }, path: absent('/srv/f'), failed: 'file (/srv/f) is absent, cannot continue' },
  { name: 'file: directory fails', args: { path: '/srv', state: 'file' }, path: dirStateOf('/srv'), failed: 'file (/srv) is directory, cannot continue' },
  { name: 'file: owner fix', args: { path: '/srv/f', owner: 'app', group: 'app' }, path: fileStateOf('/srv/f', 'x'), commands: ['chown app -- /srv/f', 'chgrp app -- /srv/f'] },
  {
    name: 'file: follows a link to its target',
    args: { path: '/srv/l', state: 'file', mode: '0600' },
    path: link('/srv/l', 'f', fileStateOf('/srv/f', 'x')),
    commands: ['chmod 0600 -- /srv/f'],
  },
  { name: 'absent: removes a directory tree', args: { path: '/srv/a', state: 'absent' }, path: dirStateOf('/srv/a'), commands: ['rm -rf -- /srv/a'] },
  { name: 'absent: removes a file', args: { path: '/srv/f', state: 'absent' }, path: fileStateOf('/srv/f', 'x'), commands: ['rm -f -- /srv/f'] },
  { name: 'absent: already gone', args: { path: '/srv/f', state: 'absent' }, path: absent('/srv/f'), commands: [] },
  { name: 'touch: always changed', args: { path: '/srv/f', state: 'touch' }, path: fileStateOf('/srv/f', 'x'), commands: ['touch -- /srv/f'], changed: true },
  { name: 'touch: new file gets its mode', args: { path: '/srv/f', state: 'touch', mode: '0600' }, path: absent('/srv/f'), commands: ['touch -- /srv/f', 'chmod 0600 -- /srv/f'] },
  {
    name: 'touch with both times preserved: an existing file with the wanted attributes is unchanged (dev-sec os_hardening limits.yml)',
    args: { path: '/srv/f', state: 'touch', owner: 'root', group: 'root', mode: '0440', modification_time: 'preserve', access_time: 'preserve' },
    path: fileStateOf('/srv/f', 'x', { mode: '0440' }),
    commands: [],
    changed: false,
  },
  {
    name: 'touch with both times preserved: a mode fix only; an absent file is created',
    args: { path: '/srv/f', state: 'touch', mode: '0440', modification_time: 'preserve', access_time: 'preserve' },
    path: fileStateOf('/srv/f', 'x'),
    commands: ['chmod 0440 -- /srv/f'],
  },
  {
    name: 'touch, times preserved, absent file',
    args: { path: '/srv/f', state: 'touch', modification_time: 'preserve', access_time: 'preserve' },
    path: absent('/srv/f'),
    commands: ['touch -- /srv/f'],
  },
  {
    name: 'touch: only the modification time now',
    args: { path: '/srv/f', state: 'touch', access_time: 'preserve' },
    path: fileStateOf('/srv/f', 'x'),
    commands: ['touch -m -- /srv/f'],
  },
  {
    name: 'touch: only the access time now',
    args: { path: '/srv/f', state: 'touch', modification_time: 'preserve' },
    path: fileStateOf('/srv/f', 'x'),
    commands: ['touch -a -- /srv/f'],
  },
  {
    name: 'a timestamp value is refused, naming the argument',
    args: { path: '/srv/f', state: 'touch', modification_time: '202601011200.00' },
    path: fileStateOf('/srv/f', 'x'),
    failed: "modification_time: tsplay takes 'preserve' here or 'now', not '202601011200.00'",
  },
  {
    name: "'now' is refused outside state touch; preserve is the default there",
    args: { path: '/srv/f', state: 'file', access_time: 'now' },
    path: fileStateOf('/srv/f', 'x'),
    failed: "access_time: tsplay takes 'preserve' here (or 'now' with state: touch), not 'now'",
  },
  { name: 'file with times preserved', args: { path: '/srv/f', state: 'file', modification_time: 'preserve' }, path: fileStateOf('/srv/f', 'x'), commands: [] },
  { name: 'link: create', args: { path: '/srv/l', state: 'link', src: '/srv/f' }, path: absent('/srv/l'), src: fileStateOf('/srv/f', 'x'), commands: ['ln -s -- /srv/f /srv/l'] },
  {
    name: 'link: converged',
    args: { path: '/srv/l', state: 'link', src: '/srv/f' },
    path: link('/srv/l', '/srv/f', fileStateOf('/srv/f', 'x')),
    src: fileStateOf('/srv/f', 'x'),
    commands: [],
  },
  {
    name: 'link: retarget',
    args: { path: '/srv/l', state: 'link', src: '/srv/g' },
    path: link('/srv/l', '/srv/f', fileStateOf('/srv/f', 'x')),
    src: fileStateOf('/srv/g', 'y'),
    commands: ['ln -sfn -- /srv/g /srv/l'],
  },
  {
    name: 'link: missing src without force',
    args: { path: '/srv/l', state: 'link', src: 'nope' },
    path: absent('/srv/l'),
    src: absent('/srv/nope'),
    failed: 'src file does not exist, use "force=yes" if you really want to create the link: /srv/nope',
  },
  {
    name: 'link: dangling with force',
    args: { path: '/srv/l', state: 'link', src: 'nope', force: true },
    path: absent('/srv/l'),
    src: absent('/srv/nope'),
    commands: ['ln -s -- nope /srv/l'],
  },
  {
    name: 'link: refuses to replace a file without force',
    args: { path: '/srv/f', state: 'link', src: '/srv/g' },
    path: fileStateOf('/srv/f', 'x'),
    src: fileStateOf('/srv/g', 'y'),
    failed: 'refusing to convert from file to symlink for /srv/f',
  },
  {
    name: 'link: replaces a file with force',
    args: { path: '/srv/f', state: 'link', src: '/srv/g', force: true },
    path: fileStateOf('/srv/f', 'x'),
    src: fileStateOf('/srv/g', 'y'),
    commands: ['ln -sfn -- /srv/g /srv/f'],
  },
  {
    name: 'link: refuses a non-empty directory',
    args: { path: '/srv/d', state: 'link', src: '/srv/g', force: true },
    path: { ...dirStateOf('/srv/d'), dirEmpty: false },
    src: fileStateOf('/srv/g', 'y'),
    failed: 'the directory /srv/d is not empty, refusing to convert it',
  },
  { name: 'hard: create', args: { path: '/srv/h', state: 'hard', src: '/srv/f' }, path: absent('/srv/h'), src: fileStateOf('/srv/f', 'x'), commands: ['ln -f -- /srv/f /srv/h'] },
  {
    name: 'hard: same inode is converged',
    args: { path: '/srv/h', state: 'hard', src: '/srv/f' },
    path: fileStateOf('/srv/h', 'x', { inode: 7, nlink: 2 }),
    src: fileStateOf('/srv/f', 'x', { inode: 7, nlink: 2 }),
    commands: [],
  },
  {
    name: 'src without link/hard state fails',
    args: { path: '/srv/f', state: 'file', src: '/x' },
    path: fileStateOf('/srv/f', 'x'),
    failed: "src option requires state to be 'link' or 'hard'",
  },
  { name: 'default state is the current one', args: { path: '/srv/a', mode: '0700' }, path: dirStateOf('/srv/a'), commands: ['chmod 0700 -- /srv/a'] },
];

describe('file plan fixtures', () => {
  for (const c of cases) {
    it(c.name, () => {
      const a = file.args.parse(c.args);
      const plan = file.plan(a, { probed: { path: c.path, ...(c.src ? { src: c.src } : {}) } } as never);
      if (c.failed) {
        expect(plan.failed).toBe(c.failed);
        expect(plan.commands).toEqual([]);
        return;
      }
      expect(plan.failed).toBeUndefined();
      expect(cmdLines(plan.commands)).toEqual(c.commands);
      expect(plan.changed).toBe(c.changed ?? c.commands!.length > 0);
    });
  }

  it('probes the link src relative to the link directory', () => {
    const probes = file.probes!(file.args.parse({ path: '/srv/l', state: 'link', src: 'f' }), {} as never);
    expect(probes.map((p) => p.key)).toEqual(['path', 'src']);
    expect(probes[1]!.cmd.text).toContain('/srv/f');
  });

  it('rejects an unknown state; accepts recurse with a symbolic mode', () => {
    expect(file.args.parse({ path: '/x', state: 'directory', recurse: true, mode: 'u+x' })).toMatchObject({ mode: 'u+x' });
    expect(() => file.args.parse({ path: '/x', state: 'dir' })).toThrow();
  });

  it('recurse with a symbolic mode: one exact-match find | chmod per (type, mode) below that changes', () => {
    const st = {
      ...dirStateOf('/srv/a'),
      childModes: [
        { type: 'd', mode: '0700' },
        { type: 'f', mode: '0600' },
        { type: 'f', mode: '0755' },
        { type: 'f', mode: '0644' },
      ],
    };
    const plan = file.plan(file.args.parse({ path: '/srv/a', state: 'directory', recurse: true, mode: 'u=rwX,g=rX,o=rX' }), { probed: { path: st } } as never);
    expect(plan.commands.map((c) => (c as { cmd: { text: string } }).cmd.text)).toEqual([
      'find /srv/a -mindepth 1 -type d -perm 0700 -exec chmod 0755 {} +',
      'find /srv/a -mindepth 1 -type f -perm 0600 -exec chmod 0644 {} +',
    ]);
  });

  it('gives a state diff for absent', () => {
    const plan = file.plan(file.args.parse({ path: '/srv/a', state: 'absent' }), { probed: { path: dirStateOf('/srv/a') } } as never);
    expect(plan.diff?.[0]).toMatchObject({ before: 'path: /srv/a\nstate: directory\n', after: 'path: /srv/a\nstate: absent\n' });
  });
});
