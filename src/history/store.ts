import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';

// The native SQLite binding loads when a store is opened (history commands, run with history), not at start-up.
const requireModule = createRequire(import.meta.url);
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FileDiff } from '../modules/types.js';
import type { Recap, RunReport } from '../engine/report.js';
import { TsplayError } from '../errors.js';
import { stateChange } from './drift.js';

/** Default history file: $TSPLAY_HISTORY, else $XDG_STATE_HOME/tsplay/history.sqlite (~/.local/state). */
export function defaultHistoryPath(): string {
  if (process.env['TSPLAY_HISTORY']) return process.env['TSPLAY_HISTORY'];
  const state = process.env['XDG_STATE_HOME'] || path.join(os.homedir(), '.local', 'state');
  return path.join(state, 'tsplay', 'history.sqlite');
}

/** Versioned migrations: index i brings the schema from version i to i+1. Never edit a shipped one. */
const MIGRATIONS: string[] = [
  `CREATE TABLE runs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     started_at TEXT NOT NULL,
     finished_at TEXT NOT NULL,
     duration_ms INTEGER NOT NULL,
     playbook TEXT NOT NULL,
     inventory TEXT NOT NULL,
     mode TEXT NOT NULL,
     exit_code INTEGER NOT NULL,
     aborted TEXT,
     source TEXT
   );
   CREATE TABLE host_results (
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     host TEXT NOT NULL,
     ok INTEGER NOT NULL, changed INTEGER NOT NULL, failed INTEGER NOT NULL, skipped INTEGER NOT NULL,
     unreachable INTEGER NOT NULL, rescued INTEGER NOT NULL, ignored INTEGER NOT NULL,
     PRIMARY KEY (run_id, host)
   );
   CREATE TABLE items (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
     host TEXT NOT NULL,
     play TEXT NOT NULL,
     task TEXT NOT NULL,
     status TEXT NOT NULL,
     kind TEXT NOT NULL,
     msg TEXT,
     diff TEXT
   );
   CREATE INDEX items_run ON items(run_id);
   CREATE INDEX items_host ON items(host);
   CREATE INDEX runs_started ON runs(started_at);`,
];

/** What an item in a run means: a planned change, drift found by a check, or a drift correction. */
export type ItemKind = 'change' | 'drift' | 'corrective' | 'failure';

export interface RunRow {
  id: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  playbook: string;
  inventory: string[];
  mode: RunReport['mode'];
  exitCode: number;
  aborted?: string;
  source?: string;
  hosts: Record<string, Recap>;
}

export interface ItemRow {
  runId: number;
  host: string;
  play: string;
  task: string;
  status: string;
  kind: ItemKind;
  msg?: string;
  diff?: FileDiff[];
}

export interface HistoryQuery {
  host?: string;
  sinceIso?: string;
  driftOnly?: boolean;
  limit?: number;
}

/** Run history in SQLite. Reports are stored as the engine redacted them. */
export class HistoryStore {
  private readonly db: Database.Database;

  constructor(readonly file: string = defaultHistoryPath()) {
    let db: Database.Database | undefined;
    try {
      // tsplay makes its own default directory; a --history path names a directory the user made.
      if (path.resolve(file) === path.resolve(defaultHistoryPath())) mkdirSync(path.dirname(file), { recursive: true });
      else if (!existsSync(path.dirname(path.resolve(file)))) {
        throw new TsplayError('HISTORY', `history file ${file}: the directory ${path.dirname(path.resolve(file))} does not exist`, {
          hint: 'create it first; tsplay does not create directories for a --history path',
        });
      }
      const Sqlite = requireModule('better-sqlite3') as typeof Database;
      db = new Sqlite(file);
      // The first statements are where a file that is not SQLite (or is corrupt) shows itself.
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      this.db = db;
      this.migrate();
    } catch (e) {
      db?.close();
      if (e instanceof TsplayError) throw e;
      throw new TsplayError('HISTORY', `cannot open the run history at ${file}: ${(e as Error).message}`, {
        hint: 'set TSPLAY_HISTORY or --history to a writable SQLite file (a new path is created)',
      });
    }
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const current = this.schemaVersion;
    if (current > MIGRATIONS.length) {
      throw new TsplayError('HISTORY', `the run history at ${this.file} has schema version ${current}, newer than this tsplay knows (${MIGRATIONS.length})`, {
        hint: 'upgrade tsplay, or point TSPLAY_HISTORY at another file',
      });
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  /** Record a finished run; returns its id. */
  record(report: RunReport, source?: string): number {
    const insertRun = this.db.prepare(
      `INSERT INTO runs (started_at, finished_at, duration_ms, playbook, inventory, mode, exit_code, aborted, source)
       VALUES (@startedAt, @finishedAt, @durationMs, @playbook, @inventory, @mode, @exitCode, @aborted, @source)`,
    );
    const insertHost = this.db.prepare(`INSERT INTO host_results VALUES (@runId, @host, @ok, @changed, @failed, @skipped, @unreachable, @rescued, @ignored)`);
    const insertItem = this.db.prepare(`INSERT INTO items (run_id, host, play, task, status, kind, msg, diff) VALUES (@runId, @host, @play, @task, @status, @kind, @msg, @diff)`);
    return this.db.transaction(() => {
      const { lastInsertRowid } = insertRun.run({
        startedAt: report.startedAt,
        finishedAt: report.finishedAt,
        durationMs: report.durationMs,
        playbook: report.playbook,
        inventory: JSON.stringify(report.inventory),
        mode: report.mode,
        exitCode: report.exitCode,
        aborted: report.aborted ?? null,
        source: source ?? null,
      });
      const runId = Number(lastInsertRowid);
      for (const [host, r] of Object.entries(report.recap)) insertHost.run({ runId, host, ...r });
      for (const play of report.plays) {
        for (const task of play.tasks) {
          for (const res of task.results) {
            const kind = itemKind(report.mode, res.status, res.changed, res.corrective);
            if (!kind) continue;
            insertItem.run({
              runId,
              host: res.host,
              play: play.name,
              task: task.name,
              status: res.status,
              kind,
              msg: res.msg ?? (kind === 'failure' ? undefined : stateChange(res)) ?? null,
              diff: res.diff?.length ? JSON.stringify(res.diff) : null,
            });
          }
        }
      }
      return runId;
    })();
  }

  runs(q: HistoryQuery = {}): RunRow[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (q.sinceIso) {
      where.push('r.started_at >= @since');
      params['since'] = q.sinceIso;
    }
    if (q.host) {
      where.push('EXISTS (SELECT 1 FROM host_results h WHERE h.run_id = r.id AND h.host = @host)');
      params['host'] = q.host;
    }
    if (q.driftOnly) {
      where.push(`EXISTS (SELECT 1 FROM items i WHERE i.run_id = r.id AND i.kind IN ('drift','corrective')${q.host ? ' AND i.host = @host' : ''})`);
    }
    const sql = `SELECT * FROM runs r ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY r.started_at DESC, r.id DESC ${q.limit ? `LIMIT ${Math.floor(q.limit)}` : ''}`;
    const rows = this.db.prepare(sql).all(params) as Array<Record<string, any>>;
    const hostStmt = this.db.prepare('SELECT * FROM host_results WHERE run_id = ? ORDER BY host');
    return rows.map((r) => {
      const hosts: Record<string, Recap> = {};
      for (const h of hostStmt.all(r['id']) as Array<Record<string, any>>) {
        hosts[h['host']] = {
          ok: h['ok'],
          changed: h['changed'],
          failed: h['failed'],
          skipped: h['skipped'],
          unreachable: h['unreachable'],
          rescued: h['rescued'],
          ignored: h['ignored'],
        };
      }
      return {
        id: r['id'],
        startedAt: r['started_at'],
        finishedAt: r['finished_at'],
        durationMs: r['duration_ms'],
        playbook: r['playbook'],
        inventory: JSON.parse(r['inventory']),
        mode: r['mode'],
        exitCode: r['exit_code'],
        aborted: r['aborted'] ?? undefined,
        source: r['source'] ?? undefined,
        hosts,
      };
    });
  }

  items(runIds: number[], q: { host?: string; kinds?: ItemKind[] } = {}): ItemRow[] {
    if (!runIds.length) return [];
    const where = [`run_id IN (${runIds.map(() => '?').join(',')})`];
    const params: unknown[] = [...runIds];
    if (q.host) {
      where.push('host = ?');
      params.push(q.host);
    }
    if (q.kinds?.length) {
      where.push(`kind IN (${q.kinds.map(() => '?').join(',')})`);
      params.push(...q.kinds);
    }
    const rows = this.db.prepare(`SELECT * FROM items WHERE ${where.join(' AND ')} ORDER BY run_id, id`).all(...params) as Array<Record<string, any>>;
    return rows.map((r) => ({
      runId: r['run_id'],
      host: r['host'],
      play: r['play'],
      task: r['task'],
      status: r['status'],
      kind: r['kind'],
      msg: r['msg'] ?? undefined,
      diff: r['diff'] ? JSON.parse(r['diff']) : undefined,
    }));
  }

  close(): void {
    this.db.close();
  }
}

/** Which results are worth keeping as items: changes, drift, corrections and failures. */
export function itemKind(mode: RunReport['mode'], status: string, changed: boolean, corrective?: boolean): ItemKind | undefined {
  if (status === 'failed' || status === 'unreachable') return 'failure';
  if (!changed) return undefined;
  if (mode === 'check' || mode === 'drift') return 'drift';
  if (mode === 'fix' || corrective) return 'corrective';
  return 'change';
}

/** Parse `--since 7d` / `12h` / `30m` / an ISO date into an ISO timestamp. */
export function parseSince(text: string, now = new Date()): string {
  const m = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (m) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    const since = new Date(now.getTime() - Number(m[1]) * unit * 1000);
    // Further back than a Date can say (99999999999d): every run is "since" then.
    return Number.isNaN(since.getTime()) ? new Date(-8.64e15).toISOString() : since.toISOString();
  }
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) {
    throw new TsplayError('USAGE', `--since "${text}" is neither a duration nor a date`, { hint: 'use e.g. 7d, 12h, 30m or 2026-11-01' });
  }
  return d.toISOString();
}
