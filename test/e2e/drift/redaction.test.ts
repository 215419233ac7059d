// Secrets never reach the run history: a *_token variable (play vars) and a -e token whose values
// appear in a file diff, a command line and a failure message are stored redacted. The SQLite
// files (database and WAL) are read as raw bytes.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../../src/history/store.js';
import { FIXTURES, tsplay } from './helpers.js';

const PLAY_TOKEN = 'tok-9f8e7d6c-SECRET-5b4a';
const CLI_TOKEN = 'cli-7777-SECRET-abcd';

function historyBytes(dir: string): Buffer {
  return Buffer.concat(
    readdirSync(dir)
      .filter((f) => f.startsWith('history.sqlite'))
      .map((f) => readFileSync(path.join(dir, f))),
  );
}

describe('history redaction', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-secrets-e2e-'));
  const hist = path.join(dir, 'history.sqlite');
  const work = path.join(dir, 'work');
  const pb = path.join(FIXTURES, 'secrets', 'site.yml');
  const inv = path.join(FIXTURES, 'secrets', 'inventory.yml');
  const args = ['-i', inv, '-e', `work_dir=${work}`, '-e', `deploy_token=${CLI_TOKEN}`, '-e', '{"fail_now": false}', '--history', hist];
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('run, drift and drift --fix store no token bytes, but do store the redacted items', async () => {
    const run = await tsplay(['run', pb, ...args]);
    expect(run.code, run.out + run.err).toBe(0);
    // The host really got the token (so the diff had it before redaction).
    expect(readFileSync(path.join(work, 'agent.conf'), 'utf8')).toBe(`token=${PLAY_TOKEN}\n`);
    // Drift: the line is changed by hand, so the drift diff contains the token on both sides.
    writeFileSync(path.join(work, 'agent.conf'), 'token=old-value\n');
    expect((await tsplay(['drift', pb, ...args])).code).toBe(2);
    expect((await tsplay(['drift', pb, ...args, '--fix'])).code).toBe(0);
    const failed = await tsplay(['run', pb, ...args, '-e', '{"fail_now": true}']);
    expect(failed.code, failed.out + failed.err).toBe(2);
    expect(failed.out).toContain('refusing ******** / ********');
    for (const out of [run.out, run.err, failed.out, failed.err]) {
      expect(out).not.toContain(PLAY_TOKEN);
      expect(out).not.toContain(CLI_TOKEN);
    }

    const store = new HistoryStore(hist);
    const items = store.items(store.runs().map((r) => r.id));
    store.close();
    const byTask = (t: string) => items.filter((i) => i.task === t);
    // The items are there, with the secret replaced…
    expect(byTask('token in a config file (diff)').map((i) => i.kind)).toEqual(['change', 'drift', 'corrective']);
    expect(byTask('token in a config file (diff)')[1]!.diff![0]!.after).toBe('token=********\n');
    expect(byTask('token in a failure').map((i) => [i.kind, i.msg])).toEqual([['failure', 'refusing ******** / ********']]);
    // …and no byte of either token is anywhere in the database files.
    const bytes = historyBytes(dir);
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.includes(Buffer.from(PLAY_TOKEN))).toBe(false);
    expect(bytes.includes(Buffer.from(CLI_TOKEN))).toBe(false);
    expect(bytes.includes(Buffer.from('SECRET'))).toBe(false);

    const html = path.join(dir, 'report.html');
    expect((await tsplay(['report', '--html', html, '--history', hist])).code).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('token=********');
    expect(page).not.toContain('SECRET');
  });
});
