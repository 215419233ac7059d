import { describe, expect, it } from 'vitest';
import { envFile } from '../../../../src/modules/files/env_file.js';
import { fileStateOf } from '../../../../src/modules/files/state.js';
import { cmdLines, putOf, runPlan } from './ctx.js';

const P = '/opt/wallarm/env.list';
const WALLARM = '# tarantool\nHOST=old-host\nPORT=3313\n\n# api\nWALLARM_API_HOST=api.wallarm.com\n';

/** Fixtures: input file + args → output bytes (null = no change). */
const cases: Array<{ name: string; input: string | null; args: Record<string, unknown>; output: string | null; msg?: string }> = [
  { name: 'replaces a value in place', input: WALLARM, args: { set: { HOST: '10.0.0.5' } }, output: WALLARM.replace('old-host', '10.0.0.5'), msg: 'set HOST' },
  { name: 'converged: no write', input: WALLARM, args: { set: { HOST: 'old-host', PORT: 3313 } }, output: null },
  {
    name: 'new key goes under the comment block',
    input: WALLARM,
    args: { set: { TARANTOOL_TIMEOUT: 30 }, after_comment: '# tarantool' },
    output: '# tarantool\nHOST=old-host\nPORT=3313\nTARANTOOL_TIMEOUT=30\n\n# api\nWALLARM_API_HOST=api.wallarm.com\n',
  },
  { name: 'new key appended at the end without after_comment', input: WALLARM, args: { set: { NEW: 'x' } }, output: WALLARM + 'NEW=x\n' },
  { name: 'missing after_comment falls back to the end', input: 'A=1\n', args: { set: { B: '2' }, after_comment: '# nope' }, output: 'A=1\nB=2\n' },
  { name: 'file without a final newline gets one before the new key', input: 'A=1', args: { set: { B: '2' } }, output: 'A=1\nB=2\n' },
  { name: 'CRLF file stays CRLF', input: 'A=1\r\nB=2\r\n', args: { set: { B: '3', C: '4' } }, output: 'A=1\r\nB=3\r\nC=4\r\n' },
  { name: 'remove drops every line of the key', input: 'A=1\nB=2\nA=3\n', args: { remove: ['A'] }, output: 'B=2\n', msg: 'removed A' },
  { name: 'remove of a missing key is converged', input: 'A=1\n', args: { remove: ['Z'] }, output: null },
  { name: 'null value removes', input: 'A=1\nB=2\n', args: { set: { A: null } }, output: 'B=2\n' },
  { name: 'duplicates: first replaced, later ones dropped', input: 'A=1\n# c\nA=2\n', args: { set: { A: '9' } }, output: 'A=9\n# c\n' },
  { name: 'duplicates with the right first value still drop the later override', input: 'A=9\nA=2\n', args: { set: { A: '9' } }, output: 'A=9\n' },
  { name: 'values with spaces are quoted, quoted values compare unquoted', input: 'A="x y"\n', args: { set: { A: 'x y', B: 'p q$' } }, output: 'A="x y"\nB="p q\\$"\n' },
  { name: 'quote: never writes raw (docker --env-file)', input: '', args: { set: { A: 'x y' }, quote: 'never' }, output: 'A=x y\n' },
  { name: 'export prefix kept', input: 'export A=1\n', args: { set: { A: '2' } }, output: 'export A=2\n' },
  { name: 'comment lines that look like keys are left alone', input: '# A=1\n', args: { set: { A: '2' } }, output: '# A=1\nA=2\n' },
  { name: 'missing file is created (create defaults to true)', input: null, args: { set: { A: '1', B: '2' } }, output: 'A=1\nB=2\n' },
  { name: 'empty value is quoted', input: '', args: { set: { A: '' } }, output: 'A=""\n' },
];

describe('env_file plan fixtures', () => {
  for (const c of cases) {
    it(c.name, () => {
      const plan = runPlan(envFile, { path: P, ...c.args }, { dest: fileStateOf(P, c.input) });
      expect(plan.failed).toBeUndefined();
      if (c.output === null) {
        expect(plan).toMatchObject({ changed: false, commands: [] });
        return;
      }
      expect(plan.changed).toBe(true);
      expect(putOf(plan)?.content.toString()).toBe(c.output);
      if (c.msg) expect(plan.msg).toBe(c.msg);
      // Idempotent: planning again on the result changes nothing.
      const again = runPlan(envFile, { path: P, ...c.args }, { dest: fileStateOf(P, c.output) });
      expect(again.commands).toEqual([]);
    });
  }

  it('create=false on a missing file fails', () => {
    expect(runPlan(envFile, { path: P, set: { A: 1 }, create: false }, { dest: fileStateOf(P, null) }).failed).toBe(`Destination ${P} does not exist !`);
  });
  it('mode only', () => {
    const plan = runPlan(envFile, { path: P, set: { A: '1' }, mode: '0600' }, { dest: fileStateOf(P, 'A=1\n') });
    expect(cmdLines(plan.commands)).toEqual([`chmod 0600 -- ${P}`]);
  });
  it('rejects values with a newline (they would break the line format)', () => {
    expect(() => envFile.args.parse({ path: P, set: { A: 'x\ny' } })).toThrow(/newline/);
  });
  it('rejects keys that are not variable names', () => {
    expect(() => envFile.args.parse({ path: P, set: { 'A-B': 1 } })).toThrow(/shell variable names/);
  });
});
