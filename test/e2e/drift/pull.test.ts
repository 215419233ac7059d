// `tsplay pull` on this machine (local executor, no inventory, no SSH): with -g web the plays for
// web and all apply, the db play does not, and the run is recorded in history with mode "pull".
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../../src/history/store.js';
import { FIXTURES, tsplay } from './helpers.js';

describe('tsplay pull', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-pull-e2e-'));
  const hist = path.join(dir, 'history.sqlite');
  const pb = path.join(FIXTURES, 'pull', 'site.yml');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('applies the plays for the given group (and all) to localhost, not the others', async () => {
    const r = await tsplay(['pull', pb, '-g', 'web', '-e', `work_dir=${dir}`, '--history', hist]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(readFileSync(path.join(dir, 'all.txt'), 'utf8')).toBe('all\n');
    expect(readFileSync(path.join(dir, 'web.conf'), 'utf8')).toBe('role=web localhost\n');
    expect(existsSync(path.join(dir, 'db.txt'))).toBe(false);
    expect(r.out).toMatch(/PLAY \[database servers\][\s\S]*skipping: no hosts matched|no hosts matched/);
  });

  it('is recorded with mode pull; a second pull changes nothing', async () => {
    const again = await tsplay(['pull', pb, '-g', 'web', '-e', `work_dir=${dir}`, '--history', hist]);
    expect(again.code, again.out + again.err).toBe(0);
    const store = new HistoryStore(hist);
    try {
      const runs = store.runs();
      expect(runs.map((r) => [r.mode, r.source, Object.keys(r.hosts)])).toEqual([
        ['pull', 'pull', ['localhost']],
        ['pull', 'pull', ['localhost']],
      ]);
      expect(runs[1]!.hosts['localhost']!.changed).toBe(2);
      expect(runs[0]!.hosts['localhost']!.changed).toBe(0);
      expect(store.items([runs[1]!.id]).map((i) => `${i.kind} ${i.task}`)).toEqual(['change all marker', 'change web marker']);
    } finally {
      store.close();
    }
    const h = await tsplay(['history', '--history', hist, '--host', 'localhost']);
    expect(h.out).toMatch(/#2 +\S+ +pull +exit=0/);
  });

  it('--check changes nothing and still records the run', async () => {
    rmSync(path.join(dir, 'web.conf'));
    const r = await tsplay(['pull', pb, '-g', 'web', '--check', '-e', `work_dir=${dir}`, '--history', hist]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(existsSync(path.join(dir, 'web.conf'))).toBe(false);
    const store = new HistoryStore(hist);
    try {
      expect(store.runs().length).toBe(3);
    } finally {
      store.close();
    }
  });
});
