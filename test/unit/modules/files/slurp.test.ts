/** slurp: the probe's output parsed back into bytes, Ansible's result fields and error messages. */
import { describe, expect, it } from 'vitest';
import { parseSlurp, slurp, slurpProbe } from '../../../../src/modules/files/slurp.js';
import { runPlan } from './ctx.js';

describe('slurp', () => {
  it('returns the bytes as one base64 string (no line breaks), with source and encoding', () => {
    const bytes = Buffer.concat([Buffer.from([0, 0xff, 0x0d, 0x0a]), Buffer.alloc(200, 0x78)]);
    const wire = `${bytes.toString('base64').replace(/.{76}/g, '$&\n')}\nOK\n`;
    const plan = runPlan(slurp, { path: '/etc/x' }, { slurp: parseSlurp(wire) });
    expect(plan).toMatchObject({ changed: false, commands: [], result: { content: bytes.toString('base64'), source: '/etc/x', encoding: 'base64' } });
  });
  it('reads an empty file as an empty string', () => {
    expect(runPlan(slurp, { src: '/e' }, { slurp: parseSlurp('OK\n') }).result).toMatchObject({ content: '' });
  });
  it("fails with Ansible's messages", () => {
    expect(runPlan(slurp, { src: '/nope' }, { slurp: parseSlurp('ENOENT\n') }).failed).toBe('file not found: /nope');
    expect(runPlan(slurp, { src: '/etc' }, { slurp: parseSlurp('EISDIR\n') }).failed).toBe('source is a directory and must be a file: /etc');
    expect(runPlan(slurp, { src: '/s' }, { slurp: parseSlurp('EACCES\n') }).failed).toBe('file is not readable: /s');
  });
  it('quotes the path in its probe and takes src or path, not both', () => {
    expect(slurpProbe("/tmp/a b'c").cmd.text).toContain(`'/tmp/a b'"'"'c'`);
    expect(() => slurp.args.parse({ src: '/a', path: '/b' })).toThrow(/same argument/);
    expect(() => slurp.args.parse({})).toThrow();
  });
});
