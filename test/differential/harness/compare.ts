// Comparing what the two tools did for one case, and saying how they differ in words a reader can
// act on (first differing byte, the two statuses with the failure message, …).
import { createTwoFilesPatch } from 'diff';
import type { Entry, Snapshot } from './sides.js';
import type { Recap, Status, TaskRow } from './tools.js';

/** What one tool did for one case. */
export interface SideOutcome {
  rows: TaskRow[];
  /** The tool refused the case before running it (validation error), or crashed: its message. */
  rejected?: string;
  /** Entries keyed by path relative to the side's root (`<diff_root>/…` for paths under it). */
  files: Snapshot;
  exitCode?: number;
  recap?: Recap;
  /** Final registered values of the target host. */
  registered?: Record<string, Record<string, unknown>>;
}

export interface Comparison {
  differences: string[];
  notes: string[];
}

const MAX_DIFF_LINES = 24;

export const ROOT_TOKEN = '<diff_root>';
/** What a playbook case's `controller_root` (a per-tool dir on the controller) reads as in compared values. */
export const CONTROLLER_TOKEN = '<controller_root>';

/** Replace the side's root in every string of a JSON-able value (local mode: the roots differ). */
export function normalizeRoot<T>(v: T, root: string, token = ROOT_TOKEN): T {
  if (typeof v === 'string') return v.split(root).join(token) as T;
  if (Array.isArray(v)) return v.map((x) => normalizeRoot(x, root, token)) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalizeRoot(x, root, token)])) as T;
  return v;
}

/** Snapshot keyed by root-relative paths, root mentioned in file bytes replaced too. */
export function relativeSnapshot(s: Snapshot, root: string): Snapshot {
  const out: Snapshot = {};
  const rootBytes = Buffer.from(root);
  for (const [p, e] of Object.entries(s)) {
    const key = p === root || p.startsWith(root + '/') ? ROOT_TOKEN + p.slice(root.length) : p;
    let data = e.data;
    if (data !== undefined) {
      const b = Buffer.from(data, 'base64');
      if (b.includes(rootBytes)) data = Buffer.from(b.toString('latin1').split(root).join(ROOT_TOKEN), 'latin1').toString('base64');
    }
    out[key] = { ...e, data, target: e.target?.split(root).join(ROOT_TOKEN) };
  }
  return out;
}

function shown(s: string, max = 160): string {
  const j = JSON.stringify(s);
  return j.length > max ? j.slice(0, max) + '…"' : j;
}

/** Where two byte strings first differ, with the two lines there and a short unified diff. */
export function describeBytes(a: Buffer, b: Buffer): string[] {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const before = a.subarray(0, i).toString('utf8');
  const line = before.split('\n').length;
  const col = i - (before.lastIndexOf('\n') + 1) + 1;
  const lineOf = (buf: Buffer): string => {
    const s = buf.toString('utf8').split('\n');
    return s[line - 1] === undefined ? '(end of file)' : shown(s[line - 1]! + (line < s.length ? '\n' : ''));
  };
  const out = [`bytes differ at byte ${i} (line ${line}, column ${col}); sizes ${a.length} vs ${b.length}`, `  ansible: ${lineOf(a)}`, `  tsplay:  ${lineOf(b)}`];
  const all = createTwoFilesPatch('ansible', 'tsplay', a.toString('utf8'), b.toString('utf8'), '', '', { context: 1 }).split('\n');
  const patch = all.slice(all.findIndex((l) => l.startsWith('@@'))).filter((l) => l !== '');
  if (patch.length > 1) {
    out.push(...patch.slice(0, MAX_DIFF_LINES).map((l) => `  ${l}`));
    if (patch.length > MAX_DIFF_LINES) out.push(`  … ${patch.length - MAX_DIFF_LINES} more diff lines`);
  }
  return out;
}

function describeEntry(e: Entry | undefined): string {
  if (!e || e.type === 'absent') return 'absent';
  if (e.type === 'file') return `file ${e.mode} ${e.owner}:${e.group} (${Buffer.from(e.data ?? '', 'base64').length} bytes)`;
  if (e.type === 'link') return `symlink → ${e.target}`;
  return `${e.type} ${e.mode} ${e.owner}:${e.group}`;
}

/** Differences between the two snapshots over the union of their paths. */
export function compareFiles(a: Snapshot, t: Snapshot): string[] {
  const out: string[] = [];
  const paths = [...new Set([...Object.keys(a), ...Object.keys(t)])].sort();
  for (const p of paths) {
    const ea = a[p] ?? { type: 'absent' };
    const et = t[p] ?? { type: 'absent' };
    if (ea.type !== et.type) {
      out.push(`${p}: ansible: ${describeEntry(ea)}; tsplay: ${describeEntry(et)}`);
      continue;
    }
    if (ea.type === 'absent') continue;
    const attrs: string[] = [];
    for (const k of ['mode', 'owner', 'group', 'target'] as const) if (ea[k] !== et[k]) attrs.push(`${k} ${ea[k]} vs ${et[k]}`);
    if (attrs.length) out.push(`${p}: ${attrs.join(', ')} (ansible vs tsplay)`);
    if (ea.type === 'file' && ea.data !== et.data) {
      out.push(`${p}: ${describeBytes(Buffer.from(ea.data ?? '', 'base64'), Buffer.from(et.data ?? '', 'base64')).join('\n    ')}`);
    }
  }
  return out;
}

function msgOf(r: TaskRow | undefined): string {
  const m = r?.result?.['msg'];
  return typeof m === 'string' && m ? ` (${shown(m, 200)})` : '';
}

/** The status a tool showed for a task, `rejected` when it never ran it, `missing` when absent. */
function statusOf(o: SideOutcome, task: string): { status: Status | 'rejected' | 'missing'; row?: TaskRow } {
  const row = o.rows.find((r) => r.task === task);
  if (row) return { status: row.status, row };
  return { status: o.rejected !== undefined ? 'rejected' : 'missing' };
}

/**
 * Compare one task's status. A validation rejection counts as a failure (the case fails in both),
 * with a note: the user sees the playbook refused instead of a failed task.
 */
export function compareStatus(label: string, a: SideOutcome, t: SideOutcome, task: string, c: Comparison): { ansible: string; tsplay: string } {
  const sa = statusOf(a, task);
  const st = statusOf(t, task);
  const norm = (s: string): string => (s === 'rejected' ? 'failed' : s);
  const why = (_o: SideOutcome, s: { status: string; row?: TaskRow }): string => (s.status === 'rejected' ? '' : msgOf(s.row));
  if (norm(sa.status) !== norm(st.status)) {
    c.differences.push(`${label}status: ansible ${sa.status}${why(a, sa)}; tsplay ${st.status}${why(t, st)}`);
  } else if (sa.status !== st.status) {
    c.notes.push(`${label}both fail, but ${sa.status === 'rejected' ? 'ansible-core' : 'tsplay'} rejected the case before running it`);
  }
  return { ansible: sa.status, tsplay: st.status };
}

const VOLATILE = new Set(['start', 'end', 'delta']);

/** JSON with object keys sorted (the two tools build results in different key orders). */
function canonical(v: unknown): string | undefined {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Registered values: keys both results have must be equal (as JSON); one-sided keys are notes.
 * A loop's `results` are compared item by item the same way (ansible-core's items also carry
 * internal `_ansible_*` keys, `invocation` and interpreter facts, which are not compared).
 */
export function compareRegistered(name: string, a: Record<string, unknown> | undefined, t: Record<string, unknown> | undefined, exact: boolean, c: Comparison): void {
  // Neither tool registered it (both hosts stopped at an earlier failure): nothing to compare.
  if (!a && !t) return;
  if (!a || !t) {
    c.differences.push(`registered ${name}: ${!a ? 'ansible-core' : 'tsplay'} registered nothing under this name`);
    return;
  }
  compareResultObject(name, a, t, exact, c, false);
}

function compareResultObject(name: string, a: Record<string, unknown>, t: Record<string, unknown>, exact: boolean, c: Comparison, item: boolean): void {
  const skip = (k: string): boolean => item && (k.startsWith('_ansible_') || k === 'invocation');
  const onlyA = Object.keys(a).filter((k) => !(k in t) && !skip(k));
  const onlyT = Object.keys(t).filter((k) => !(k in a) && !skip(k));
  for (const k of Object.keys(a)) {
    if (!(k in t) || VOLATILE.has(k) || skip(k)) continue;
    const va = a[k];
    const vt = t[k];
    if (k === 'results' && !item && Array.isArray(va) && Array.isArray(vt) && va.length === vt.length && va.every(isPlainObject) && vt.every(isPlainObject)) {
      for (const [i, x] of va.entries()) compareResultObject(`${name}.results[${i}]`, x as Record<string, unknown>, vt[i] as Record<string, unknown>, exact, c, true);
      continue;
    }
    const ja = canonical(va);
    const jt = canonical(vt);
    if (ja !== jt) c.differences.push(`registered ${name}.${k}: ansible ${shown(ja ?? 'undefined', 300)}; tsplay ${shown(jt ?? 'undefined', 300)}`);
  }
  const one = [...onlyA.map((k) => `${k} (ansible only)`), ...onlyT.map((k) => `${k} (tsplay only)`)];
  if (one.length) (exact ? c.differences : c.notes).push(`registered ${name}: fields on one side: ${one.join(', ')}`);
}

export function compareRecap(a: Recap | undefined, t: Recap | undefined, c: Comparison): void {
  if (!a || !t) return;
  const keys = ['ok', 'changed', 'failed', 'skipped', 'unreachable', 'rescued', 'ignored'] as const;
  const diff = keys.filter((k) => a[k] !== t[k]);
  if (diff.length) c.differences.push(`recap: ${diff.map((k) => `${k}=${a[k]} vs ${t[k]}`).join(', ')} (ansible vs tsplay)`);
}

/** The per-task status sequences of a playbook for one host, aligned by position. */
export function compareSequence(a: TaskRow[], t: TaskRow[], c: Comparison): void {
  const line = (r: TaskRow | undefined): string => (r ? `${r.status}${r.ignored ? ' (ignored)' : ''}: ${r.task}` : '—');
  const same = a.length === t.length && a.every((r, i) => r.status === t[i]!.status && !!r.ignored === !!t[i]!.ignored);
  if (same) return;
  const n = Math.max(a.length, t.length);
  const rows: string[] = [];
  let first = -1;
  for (let i = 0; i < n; i++) {
    const ra = a[i];
    const rt = t[i];
    const eq = ra && rt && ra.status === rt.status && !!ra.ignored === !!rt.ignored;
    if (!eq && first < 0) first = i;
    rows.push(`${eq ? ' ' : '!'} ${String(i + 1).padStart(3)}  ${line(ra).padEnd(48)}  ${line(rt)}${!eq ? msgOf(rt ?? ra) : ''}`);
  }
  const from = Math.max(0, first - 2);
  c.differences.push(
    [
      `task statuses differ from task ${first + 1} (ansible | tsplay):`,
      ...rows.slice(from, from + MAX_DIFF_LINES).map((r) => `    ${r}`),
      ...(rows.length > from + MAX_DIFF_LINES ? [`    … ${rows.length - from - MAX_DIFF_LINES} more`] : []),
    ].join('\n'),
  );
}
