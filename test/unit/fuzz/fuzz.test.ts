/**
 * The CLI fuzz suite (issue 12): hostile playbooks, inventories, vars files, host patterns, -e
 * values and command lines driven through main(argv), each case in a worker bounded to 5 s and
 * 512 MB. Every outcome must be one of tsplay's exit codes with no stack trace, and a user error
 * (exit 4 or 5) must name its place (file:line:col, the file, or the argument). A fixed seed runs
 * the same 2,000 cases every time; a random seed (printed, so a failure can be replayed with
 * TSPLAY_FUZZ_SEED) adds 500 new ones per run. The reproducers are the inputs that once failed.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { anyCase, type FuzzCase } from './generators.js';
import { REPRODUCERS } from './reproducers.js';
import { CASE_TIMEOUT_MS, CaseRunner, type Outcome, problemWith } from './runner.js';

const FIXED_SEED = 20261202;
const FIXED_RUNS = Number(process.env.TSPLAY_FUZZ_RUNS ?? 2000);
const RANDOM_SEED = Number(process.env.TSPLAY_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RANDOM_RUNS = 500;

const runner = new CaseRunner();
afterAll(() => runner.close());

/** Run the cases, return the ones with a problem, each with what a developer needs to replay it. */
async function problems(cases: FuzzCase[], r = runner): Promise<string[]> {
  const found: string[] = [];
  for (const c of cases) {
    const o: Outcome = await r.run(c);
    const p = problemWith(c, o);
    const argv = c.argv.map((a) => (a.length > 200 ? `${a.slice(0, 200)}…(${a.length} chars)` : a));
    if (p) found.push(`${p}\n  argv: ${JSON.stringify(argv)}\n  files: ${JSON.stringify(c.files).slice(0, 600)}\n  output: ${o.text.slice(0, 400)}`);
  }
  return found;
}

describe('fuzz: hostile input ends in a clean message, the right exit code, in bounded time and memory', () => {
  describe('the reproducers from issue 12', () => {
    for (const rep of REPRODUCERS) {
      it(rep.name, async () => {
        const o = await runner.run(rep);
        expect(problemWith(rep, o), o.text).toBeUndefined();
        expect({ code: o.code, text: o.text }).toMatchObject({ code: rep.code });
        if (rep.match) expect(o.text).toMatch(rep.match);
      }, 30_000);
    }
  });

  it(`${FIXED_RUNS} generated cases, fixed seed ${FIXED_SEED}`, async () => {
    const found = await problems(fc.sample(anyCase, { numRuns: FIXED_RUNS, seed: FIXED_SEED }));
    expect(found, found.slice(0, 5).join('\n\n')).toEqual([]);
  }, 600_000);

  it(`${RANDOM_RUNS} generated cases, random seed (replay with TSPLAY_FUZZ_SEED=${RANDOM_SEED})`, async () => {
    console.log(`fuzz: random seed ${RANDOM_SEED}`);
    const found = await problems(fc.sample(anyCase, { numRuns: RANDOM_RUNS, seed: RANDOM_SEED }));
    expect(found, `TSPLAY_FUZZ_SEED=${RANDOM_SEED}\n${found.slice(0, 5).join('\n\n')}`).toEqual([]);
  }, 300_000);
});

describe('fuzz: the suite goes red on a known-bad build', () => {
  const sample = fc.sample(anyCase, { numRuns: 60, seed: FIXED_SEED });
  it('a build that throws where it should report a validation error: stack traces found', async () => {
    const bad = new CaseRunner({ mutant: 'stack' });
    const found = await problems(sample, bad);
    await bad.close();
    expect(found.length).toBeGreaterThan(5);
    expect(found[0]).toMatch(/^stack trace or internal error/);
  }, 120_000);
  it('a build that drops locations from its errors: unplaced messages found', async () => {
    const bad = new CaseRunner({ mutant: 'unplaced' });
    const found = await problems(sample, bad);
    await bad.close();
    expect(found.length).toBeGreaterThan(5);
    expect(found[0]).toMatch(/names no file:line:col/);
  }, 120_000);
  it(`a build that hangs is stopped at the case limit (${CASE_TIMEOUT_MS} ms in the suite) and reported`, async () => {
    const bad = new CaseRunner({ mutant: 'hang', timeoutMs: 300 });
    const found = await problems(sample.slice(0, 2), bad);
    await bad.close();
    expect(found.map((f) => f.split(':')[0])).toEqual(['hang', 'hang']);
  }, 60_000);
  it('a build that allocates without bound dies at the heap limit and is reported as a crash', async () => {
    const bad = new CaseRunner({ mutant: 'oom', timeoutMs: 30_000 });
    const found = await problems(sample.slice(0, 1), bad);
    await bad.close();
    expect(found[0]).toMatch(/^crash/);
  }, 60_000);
});
