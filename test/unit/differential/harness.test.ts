// The differential harness's own logic: YAML source carried over verbatim, readable differences,
// error locations, and per-case verdicts when a tool refuses a whole batch.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { emitPair, generateValues, loadCases, rawPairs } from '../../differential/harness/cases.js';
import { compareFiles, compareRegistered, compareStatus, describeBytes, relativeSnapshot } from '../../differential/harness/compare.js';
import { resolveCasePath, runBatched } from '../../differential/harness/harness.js';
import type { Side } from '../../differential/harness/sides.js';
import { ansibleErrors, tsplayErrors, type ToolRun } from '../../differential/harness/tools.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'diff-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function valueCase(name: string, body: string): void {
  const dir = path.join(tmp, 'cases', 'values', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'case.yml'), body);
}

describe('case YAML is carried into the generated playbook as written', () => {
  it('keeps YAML 1.1 scalars, tags, flow maps and kept trailing newlines', () => {
    const src = "value: 0644\ntagged: !unsafe '{{ x }}'  # comment\nkeep: |+\n  a\n\nflow: {a: yes}\nnested:\n  - 1\n  - off\n";
    const lines = rawPairs(src, 'x.yml').flatMap((p) => emitPair(p.keySource, p.valueSource, '        '));
    const unsafe = { tag: '!unsafe', resolve: (s: string) => s };
    const reparsed = YAML.parse(`wrap:\n${lines.join('\n')}\n`, { version: '1.1', customTags: [unsafe] }).wrap;
    expect(reparsed).toEqual({ value: 420, tagged: '{{ x }}', keep: 'a\n\n', flow: { a: true }, nested: [1, false] });
  });

  it('generates one play per value case with a fact named per case', () => {
    valueCase('octal', 'value: 0644\n');
    valueCase('templated', 'value: "{{ a + 1 }}"\nvars:\n  a: 1\n');
    const cases = loadCases(path.join(tmp, 'cases'), 'values/');
    const plays = YAML.parse(generateValues(cases).text, { version: '1.1' }) as Array<Record<string, any>>;
    expect(plays.map((p) => p['name'])).toEqual(['values/octal', 'values/templated']);
    expect(plays[0]!['tasks'][0]['set_fact']).toEqual({ diff_v0: 420 });
    expect(plays[1]!['vars']).toEqual({ a: 1 });
    expect(plays[1]!['tasks'][1]['copy']['content']).toBe('{{ diff_v1 | type_debug }}\n{{ diff_v1 | to_json }}\n{{ diff_v1 }}');
  });

  it('skips _-folders unless --only asks for the samples', () => {
    valueCase('_sample-x', 'value: 1\n');
    expect(loadCases(path.join(tmp, 'cases')).map((c) => c.id)).not.toContain('values/_sample-x');
    expect(loadCases(path.join(tmp, 'cases'), '_sample-').map((c) => c.id)).toEqual(['values/_sample-x']);
  });

  it('runs a case with also_images once per image, named <id>@<image> (own twins with image:, shared twins without), and --only picks one image', () => {
    const dir = path.join(tmp, 'cases', 'playbooks', 'pkg');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'playbook.yml'), '- hosts: all\n  tasks: []\n');
    writeFileSync(path.join(dir, 'case.yml'), 'image: debian-12-pkg\nalso_images: [debian-11-pkg, debian-13-pkg]\n');
    const all = loadCases(path.join(tmp, 'cases'), 'playbooks/pkg');
    expect(all.map((c) => [c.id, c.playbook?.image])).toEqual([
      ['playbooks/pkg', 'debian-12-pkg'],
      ['playbooks/pkg@debian-11-pkg', 'debian-11-pkg'],
      ['playbooks/pkg@debian-13-pkg', 'debian-13-pkg'],
    ]);
    expect(loadCases(path.join(tmp, 'cases'), '@debian-13-pkg').map((c) => c.id)).toEqual(['playbooks/pkg@debian-13-pkg']);
    // without image: the copies run on the shared twins of their image, the case itself on the default pair
    writeFileSync(path.join(dir, 'case.yml'), 'also_images: [rpmfamily-debian12]\n');
    expect(loadCases(path.join(tmp, 'cases'), 'playbooks/pkg').map((c) => [c.id, c.playbook?.image, c.playbook?.sharedImage])).toEqual([
      ['playbooks/pkg', undefined, undefined],
      ['playbooks/pkg@rpmfamily-debian12', undefined, 'rpmfamily-debian12'],
    ]);
  });

  it('a name neither tool registered (both hosts stopped earlier) is no difference; one side only is', () => {
    const c = { differences: [] as string[], notes: [] as string[] };
    compareRegistered('later', undefined, undefined, false, c);
    expect(c.differences).toEqual([]);
    compareRegistered('later', undefined, { changed: false }, false, c);
    expect(c.differences).toEqual(['registered later: ansible-core registered nothing under this name']);
  });

  it('resolves case paths under the side root', () => {
    expect(resolveCasePath('{{ diff_root }}/etc/a', '/r')).toBe('/r/etc/a');
    expect(resolveCasePath('etc/a', '/r')).toBe('/r/etc/a');
    expect(resolveCasePath('/etc/motd', '/r')).toBe('/etc/motd');
  });
});

describe('differences are reported readably', () => {
  it('names the first differing byte and both lines', () => {
    const d = describeBytes(Buffer.from('a\nbXc\n'), Buffer.from('a\nbYc\n'));
    expect(d[0]).toBe('bytes differ at byte 3 (line 2, column 2); sizes 6 vs 6');
    expect(d[1]).toContain('"bXc\\n"');
    expect(d[2]).toContain('"bYc\\n"');
  });

  it('compares mode, owner and presence, with the roots replaced', () => {
    const a = relativeSnapshot({ '/ra/x': { type: 'file', mode: '0644', owner: 'root', group: 'root', data: Buffer.from('/ra/y').toString('base64') } }, '/ra');
    const t = relativeSnapshot(
      {
        '/rt/x': { type: 'file', mode: '0600', owner: 'root', group: 'root', data: Buffer.from('/rt/y').toString('base64') },
        '/rt/z': { type: 'dir', mode: '0755', owner: 'root', group: 'root' },
      },
      '/rt',
    );
    const d = compareFiles(a, t);
    expect(d).toEqual(['<diff_root>/x: mode 0644 vs 0600 (ansible vs tsplay)', '<diff_root>/z: ansible: absent; tsplay: dir 0755 root:root']);
  });

  it('counts a validation rejection as a failure, with a note', () => {
    const c = { differences: [] as string[], notes: [] as string[] };
    compareStatus('', { rows: [{ play: 'p', task: 't', host: 'target', status: 'failed' }], files: {} }, { rows: [], rejected: 'bad', files: {} }, 't', c);
    expect(c.differences).toEqual([]);
    expect(c.notes[0]).toContain('tsplay rejected the case');
    compareStatus('', { rows: [{ play: 'p', task: 't', host: 'target', status: 'changed' }], files: {} }, { rows: [], rejected: 'bad', files: {} }, 't', c);
    expect(c.differences).toEqual(['status: ansible changed; tsplay rejected']);
  });

  it('reads error locations of both tools', () => {
    expect(tsplayErrors('2 errors:\n/x/pb.yml:11:21: bad thing\n    hint: do this\n')).toEqual([{ file: '/x/pb.yml', line: 11, message: 'bad thing (hint: do this)' }]);
    expect(ansibleErrors("ERROR! conflicting action\n\nThe error appears to be in '/x/pb.yml': line 7, column 7, but may\n")).toEqual([
      { file: '/x/pb.yml', line: 7, message: 'conflicting action' },
    ]);
  });
});

describe('a refused batch still gives every case its own verdict', () => {
  // A fake tool that refuses any playbook holding a "bad" case: with a location (tsplay-like) or
  // without one (then the harness splits the batch).
  function fakeSide(located: boolean): { side: Side; runs: number[] } {
    const runs: number[] = [];
    const side: Side = {
      tool: 'tsplay',
      root: '/r',
      mkdir: async () => undefined,
      remove: async () => undefined,
      snapshot: async () => ({}),
      run: async ({ playbook }) => {
        const { readFileSync } = await import('node:fs');
        const text = readFileSync(playbook, 'utf8');
        const plays = YAML.parse(text, { version: '1.1' }) as Array<{ name: string }>;
        runs.push(plays.length);
        const base: ToolRun = { tool: 'tsplay', exitCode: 0, rows: null, recap: null, output: '', errors: [], registered: {}, durationMs: 1 };
        const lines = text.split('\n');
        const bad = lines.map((l, i) => [l, i + 1] as const).filter(([l]) => l.includes('bad'));
        if (bad.length) {
          return { ...base, exitCode: 4, output: 'validation failed', errors: located ? bad.map(([, n]) => ({ file: playbook, line: n, message: 'rejected here' })) : [] };
        }
        return { ...base, rows: plays.flatMap((p) => [{ play: p.name, task: `${p.name} set_fact`, host: 'target', status: 'ok' as const }]) };
      },
    };
    return { side, runs };
  }

  for (const located of [true, false]) {
    it(located ? 'errors with a location settle their case; the rest run again' : 'errors without a location split the batch', async () => {
      for (const n of ['a', 'b', 'c', 'bad', 'd']) valueCase(`split-${n}`, n === 'bad' ? 'value: "{{ bad }}"\n' : 'value: 1\n');
      const cases = loadCases(path.join(tmp, 'cases'), 'values/split-');
      const { side, runs } = fakeSide(located);
      const out = await runBatched(side, 'values', cases, generateValues, tmp, '1', () => undefined);
      expect(out.get('values/split-bad')!.rejected).toBeDefined();
      for (const n of ['a', 'b', 'c', 'd']) expect(out.get(`values/split-${n}`)!.rows.map((r) => r.status)).toEqual(['ok']);
      if (located) expect(runs).toEqual([5, 4]);
      else expect(runs.length).toBeGreaterThan(2);
    });
  }
});

describe("ansible's JSON lines", () => {
  it('read Python-style Infinity and NaN without touching strings', async () => {
    const { parsePythonJson } = await import('../../differential/harness/tools.js');
    expect(parsePythonJson('{"a": [Infinity, -Infinity, NaN], "s": "NaN Infinity \\" Infinity"}')).toEqual({ a: ['Infinity', '-Infinity', 'NaN'], s: 'NaN Infinity " Infinity' });
  });
});
