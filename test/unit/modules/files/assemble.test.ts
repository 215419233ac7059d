/** assemble: fragment order and joining as ansible-core's module/action, the plan's checksum test, check mode, errors. */
import { describe, expect, it } from 'vitest';
import { assemble, assembleFragments, escapeDecode, parseSourceDir, sourceDirProbe, type Fragment } from '../../../../src/modules/files/assemble.js';
import { fileStateOf, dirStateOf } from '../../../../src/modules/files/state.js';
import { cmdLines, planCtx, putOf, runPlan } from './ctx.js';

const frag = (name: string, content?: string): Fragment => ({
  name: Buffer.from(name, 'utf8').toString('latin1'),
  isFile: content !== undefined,
  ...(content !== undefined ? { content: Buffer.from(content) } : {}),
});
const FRAGS = [frag('b', 'B'), frag('10', 'ten\n'), frag('02', 'two'), frag('.h', 'hidden\n'), frag('sub'), frag('é', 'e\n'), frag('Z', 'z\n')];
const text = (b: Buffer) => b.toString('utf8');

describe('assembleFragments', () => {
  it('sorts by code point, skips non-files, adds a newline after a fragment without one', () => {
    expect(text(assembleFragments(FRAGS, { ignoreHidden: false, remote: true }))).toBe('hidden\ntwo\nten\nz\nB\ne\n');
  });
  it('ignore_hidden and a Python regexp searched in the name', () => {
    expect(text(assembleFragments(FRAGS, { ignoreHidden: true, regexp: '^\\w$', remote: true }))).toBe('z\nB\ne\n');
  });
  it('escape-decodes the delimiter again at every use, as Ansible does', () => {
    const f = [frag('1', 'a\n'), frag('2', 'b\n'), frag('3', 'c\n')];
    expect(text(assembleFragments(f, { delimiter: '\\\\\\\\n--', ignoreHidden: false, remote: true }))).toBe('a\n\\\\n--\nb\n\\n--\nc\n');
  });
  it('the module adds a newline only after a delimiter without one; the controller-side action always does', () => {
    const f = [frag('1', 'a\n'), frag('2', 'b\n')];
    expect(text(assembleFragments(f, { delimiter: '--\\n', ignoreHidden: false, remote: true }))).toBe('a\n--\nb\n');
    expect(text(assembleFragments(f, { delimiter: '--\\n', ignoreHidden: false, remote: false }))).toBe('a\n--\n\nb\n');
  });
  it('escape_decode: octal, hex, unknown escapes kept', () => {
    expect([...escapeDecode(Buffer.from('\\101\\x42\\q\\t'))]).toEqual([0x41, 0x42, 0x5c, 0x71, 0x09]);
  });
});

describe('assemble plan', () => {
  const D = '/etc/all.conf';
  const src = parseSourceDir(`E ${Buffer.from('a').toString('base64')} 1 ${Buffer.from('x\n').toString('base64')}\nE ${Buffer.from('d').toString('base64')} 0\nEND\n`);
  it('writes when the checksum differs, with checksum/md5sum/msg as Ansible', () => {
    const plan = runPlan(assemble, { src: '/frags', dest: D }, { src, dest: fileStateOf(D, 'old\n', { mode: '0640' }) });
    expect(plan).toMatchObject({
      changed: true,
      msg: 'OK',
      result: { checksum: '6fcf9dfbd479ed82697fee719b9f8c610a11ff2a', md5sum: '401b30e3b8b5d629635a5c613cdb7919', src: '/frags', dest: D },
    });
    expect(putOf(plan)?.content.toString()).toBe('x\n');
    expect(cmdLines(plan.commands)[0]).toBe(`put ${D} 0640 0:0`);
  });
  it('is ok when the bytes are the same, and fixes only attributes', () => {
    expect(runPlan(assemble, { src: '/frags', dest: D }, { src, dest: fileStateOf(D, 'x\n') })).toMatchObject({ changed: false, commands: [] });
    expect(cmdLines(runPlan(assemble, { src: '/frags', dest: D, mode: '0600' }, { src, dest: fileStateOf(D, 'x\n') }).commands)[0]).toBe(`chmod 0600 -- ${D}`);
  });
  it('is skipped in check mode (the action does not support it)', () => {
    const plan = assemble.plan(assemble.args.parse({ src: '/frags', dest: D }), planCtx({ src, dest: fileStateOf(D, null) }, { check: true }));
    expect(plan).toMatchObject({ commands: [], result: { skipped: true, msg: 'check mode is not supported for this task.' } });
  });
  it("fails with Ansible's messages for a missing or non-directory src", () => {
    expect(runPlan(assemble, { src: '/n', dest: D }, { src: parseSourceDir('MISSING\n'), dest: fileStateOf(D, null) }).failed).toBe('Source (/n) does not exist');
    expect(runPlan(assemble, { src: '/f', dest: D }, { src: parseSourceDir('NOTDIR\n'), dest: fileStateOf(D, null) }).failed).toBe('Source (/f) is not a directory');
    expect(runPlan(assemble, { src: '/f', dest: '/etc' }, { src, dest: dirStateOf('/etc') }).failed).toMatch(/Is a directory/);
  });
  it('reads the controller directory with remote_src: false and writes through copy', () => {
    const ctx = planCtx({ dest: fileStateOf(D, null), parent: dirStateOf('/etc') });
    ctx.readControllerDir = () => ({ path: '/pb/files/frags', isDir: true, entries: [frag('1', 'a'), frag('2', 'b\n')] });
    const plan = assemble.plan(assemble.args.parse({ src: 'frags', dest: D, remote_src: false, delimiter: '--' }), ctx);
    expect(putOf(plan)?.content.toString()).toBe('a\n--\nb\n');
  });
  it('quotes src in its probe', () => {
    expect(sourceDirProbe("/a b'c").cmd.text).toContain(`'/a b'"'"'c'`);
  });
});
