import { describe, expect, it } from 'vitest';
import { copy } from '../../../../src/modules/files/copy.js';
import { template } from '../../../../src/modules/files/template.js';
import { dirStateOf, fileStateOf } from '../../../../src/modules/files/state.js';
import { cmdLines, putOf, runPlan } from './ctx.js';

const D = '/etc/app/app.conf';
const parent = dirStateOf('/etc/app');
const probes = (content: string | null, attrs = {}) => ({ dest: fileStateOf(D, content, attrs), parent });

/** Fixtures: args + probed dest → commands / changed. */
const cases: Array<{
  name: string;
  args: Record<string, unknown>;
  probed: Record<string, unknown>;
  files?: Record<string, string>;
  commands: string[];
  changed: boolean;
  content?: string;
  failed?: RegExp;
}> = [
  {
    name: 'content to a missing file',
    args: { dest: D, content: 'hello\n', mode: '0640' },
    probed: probes(null),
    commands: [`put ${D} 0640 -:-`],
    changed: true,
    content: 'hello\n',
  },
  { name: 'same content: converged', args: { dest: D, content: 'hello\n' }, probed: probes('hello\n'), commands: [], changed: false },
  {
    name: 'same content, mode differs: chmod only',
    args: { dest: D, content: 'hello\n', mode: '0600' },
    probed: probes('hello\n'),
    commands: [`chmod 0600 -- ${D}`],
    changed: true,
  },
  {
    name: 'same content, owner differs: chown only',
    args: { dest: D, content: 'hello\n', owner: 'app', group: 'root' },
    probed: probes('hello\n'),
    commands: [`chown app -- ${D}`],
    changed: true,
  },
  { name: 'numeric owner matching uid is converged', args: { dest: D, content: 'x', owner: 0, mode: 0o644 }, probed: probes('x'), commands: [], changed: false },
  {
    name: 'new content keeps the existing mode and owner',
    args: { dest: D, content: 'new' },
    probed: probes('old', { mode: '0600', uid: 1000, gid: 1000 }),
    commands: [`put ${D} 0600 1000:1000`],
    changed: true,
    content: 'new',
  },
  { name: 'force=no leaves an existing file alone', args: { dest: D, content: 'new', force: 'no' }, probed: probes('old'), commands: [], changed: false },
  {
    name: 'force=no still creates a missing file',
    args: { dest: D, content: 'new', force: false },
    probed: probes(null),
    commands: [`put ${D} - -:-`],
    changed: true,
    content: 'new',
  },
  {
    name: 'src from files/',
    args: { dest: D, src: 'app.conf' },
    probed: probes('old'),
    files: { 'app.conf': 'from controller\n' },
    commands: [`put ${D} 0644 0:0`],
    changed: true,
    content: 'from controller\n',
  },
  {
    name: 'missing parent directory fails',
    args: { dest: '/nope/x', content: 'x' },
    probed: { dest: fileStateOf('/nope/x', null), parent: fileStateOf('/nope', null) },
    commands: [],
    changed: false,
    failed: /Destination directory \/nope does not exist/,
  },
  {
    name: 'dest is a directory: copies into it',
    args: { dest: '/etc/app', src: 'a.conf' },
    probed: { dest: dirStateOf('/etc/app'), parent: dirStateOf('/etc'), dest_in_dir: fileStateOf('/etc/app/a.conf', null) },
    files: { 'a.conf': 'A' },
    commands: ['put /etc/app/a.conf - -:-'],
    changed: true,
    content: 'A',
  },
];

describe('mode: preserve (copy/template)', () => {
  it("copy src: the controller file's mode", () => {
    const plan = runPlan(copy, { dest: D, src: 'run.sh', mode: 'preserve' }, probes('same'), { files: { 'run.sh': 'same' }, modes: { 'run.sh': '0755' } });
    expect(cmdLines(plan.commands)).toEqual([`chmod 0755 -- ${D}`]);
  });

  it('copy content: the 0600 of the temp file Ansible writes it to', () => {
    const plan = runPlan(copy, { dest: D, content: 'x', mode: 'preserve' }, probes('x'));
    expect(cmdLines(plan.commands)).toEqual([`chmod 0600 -- ${D}`]);
  });

  it("template: the template file's mode", () => {
    const plan = runPlan(template, { dest: D, src: 't.j2', mode: 'preserve' }, probes('hi'), { files: { 't.j2': 'hi' }, modes: { 't.j2': '0640' } });
    expect(cmdLines(plan.commands)).toEqual([`chmod 0640 -- ${D}`]);
  });

  it('other modules refuse preserve', () => {
    expect(copy.args.safeParse({ dest: D, content: 'x', mode: 'bogus' }).success).toBe(false);
  });
});

describe('copy plan fixtures', () => {
  for (const c of cases) {
    it(c.name, () => {
      const plan = runPlan(copy, c.args, c.probed, { files: c.files });
      if (c.failed) {
        expect(plan.failed).toMatch(c.failed);
        return;
      }
      expect(plan.failed).toBeUndefined();
      expect(cmdLines(plan.commands)).toEqual(c.commands);
      expect(plan.changed).toBe(c.changed);
      if (c.content !== undefined) expect(putOf(plan)?.content.toString()).toBe(c.content);
    });
  }

  it('reports checksum, size and a content diff', () => {
    const plan = runPlan(copy, { dest: D, content: 'hello\n' }, probes('bye\n'));
    expect(plan.result).toMatchObject({ dest: D, checksum: 'f572d396fae9206628714fb2ce00f72e94f2258f', size: 6, state: 'file', changed: true });
    expect(plan.diff).toEqual([{ path: D, before: 'bye\n', after: 'hello\n', beforeHeader: `${D} (content)`, afterHeader: `${D} (content)` }]);
  });

  it('backs up before writing and returns backup_file', () => {
    const plan = runPlan(copy, { dest: D, content: 'x', backup: true }, probes('y'));
    expect(cmdLines(plan.commands)[0]).toMatch(/^b=\/etc\/app\/app\.conf\.\$\$\.\$\(date/);
    expect(
      plan.interpret!([
        { rc: 0, stdout: 'tsplay-backup-file=/etc/app/app.conf.1.x~\n', stderr: '', durationMs: 0 },
        { rc: 0, stdout: '', stderr: '', durationMs: 0 },
      ]).result?.backup_file,
    ).toBe('/etc/app/app.conf.1.x~');
  });

  it('remote_src copies bytes the probe read on the host', () => {
    const probed = { ...probes('old'), remote_src: fileStateOf('/opt/app/default.conf', 'from host\n') };
    const plan = runPlan(copy, { src: '/opt/app/default.conf', dest: D, remote_src: true }, probed);
    expect(putOf(plan)?.content.toString()).toBe('from host\n');
    expect(runPlan(copy, { src: '/opt/app/default.conf', dest: D, remote_src: true }, { ...probed, dest: fileStateOf(D, 'from host\n') }).commands).toEqual([]);
    expect(runPlan(copy, { src: '/nope', dest: D, remote_src: true }, { ...probes('old'), remote_src: fileStateOf('/nope', null) }).failed).toBe('Source /nope not found');
  });

  it('needs content or src, not both', () => {
    expect(() => copy.args.parse({ dest: D })).toThrow(/src \(or content\) is required/);
    expect(() => copy.args.parse({ dest: D, src: 'a', content: 'b' })).toThrow(/mutually exclusive/);
  });

  it('quotes a hostile dest in every shell command', () => {
    const evil = "/tmp/x'; rm -rf / #";
    const plan = runPlan(copy, { dest: evil, content: 'x', mode: '0600', backup: true }, { dest: fileStateOf(evil, 'x'), parent: dirStateOf('/tmp') });
    expect(cmdLines(plan.commands)).toEqual([`chmod 0600 -- '/tmp/x'"'"'; rm -rf / #'`]);
  });
});

describe('template plan', () => {
  const files = { 'app.conf.hbs': 'host={{ host }}\nos={{ facts.os.id }}\n' };
  it('renders with host variables and facts, then writes', () => {
    const plan = runPlan(template, { src: 'app.conf.hbs', dest: D }, probes(null), { files, vars: { host: 'db1' } });
    expect(putOf(plan)?.content.toString()).toBe('host=db1\nos=debian\n');
    expect(plan.result).toMatchObject({ src: 'app.conf.hbs', dest: D, changed: true });
  });
  it('has no commands when the rendered text is already there', () => {
    const plan = runPlan(template, { src: 'app.conf.hbs', dest: D }, probes('host=db1\nos=debian\n'), { files, vars: { host: 'db1' } });
    expect(plan).toMatchObject({ changed: false, commands: [] });
  });
  it('an undefined variable is an error, not an empty string', () => {
    expect(() => runPlan(template, { src: 'app.conf.hbs', dest: D }, probes(null), { files, vars: {} })).toThrow(/host/);
  });
});
