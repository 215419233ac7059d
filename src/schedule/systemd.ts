import path from 'node:path';
import { TsplayError } from '../errors.js';
import type { ScheduleEntry } from './config.js';
import { PACKAGE_ROOT } from '../paths.js';

const DOW = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 7 },
] as const;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Expand one cron field into the sorted values it matches; undefined means "every value" (`*`). */
function expandField(text: string, f: (typeof FIELDS)[number]): number[] | undefined {
  const names = f.name === 'month' ? MONTHS : f.name === 'day-of-week' ? DAYS : [];
  const num = (s: string): number => {
    const i = names.indexOf(s.toLowerCase());
    if (i >= 0) return f.name === 'month' ? i + 1 : i;
    if (!/^\d+$/.test(s)) throw new Error(`"${s}" is not a number`);
    const n = Number(s);
    if (n < f.min || n > f.max) throw new Error(`${n} is outside ${f.min}–${f.max}`);
    return n;
  };
  if (text === '*' || text === '?') return undefined;
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step "${stepText}"`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [f.min, f.name === 'day-of-week' ? 6 : f.max];
    else if (range!.includes('-')) [lo, hi] = range!.split('-').map(num) as [number, number];
    else [lo, hi] = [num(range!), stepText === undefined ? num(range!) : f.name === 'day-of-week' ? 6 : f.max];
    for (let v = lo; v <= hi; v += step) values.add(f.name === 'day-of-week' && v === 7 ? 0 : v);
  }
  const all = f.name === 'day-of-week' ? 7 : f.max - f.min + 1;
  return values.size >= all ? undefined : [...values].sort((a, b) => a - b);
}

/**
 * Five-field cron → systemd OnCalendar. Exact for every expression both can express; cron's
 * "day-of-month OR day-of-week" rule (both restricted) has no OnCalendar form and is refused.
 */
export function cronToOnCalendar(expr: string): string {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) throw new TsplayError('VALIDATION', `cron "${expr}" must have five fields for a systemd timer`, { hint: 'minute hour day-of-month month day-of-week' });
  let fields: Array<number[] | undefined>;
  try {
    fields = parts.map((p, i) => expandField(p, FIELDS[i]!));
  } catch (e) {
    throw new TsplayError('VALIDATION', `cron "${expr}": ${(e as Error).message}`);
  }
  const [min, hour, dom, mon, dow] = fields;
  if (dom && dow) {
    throw new TsplayError('VALIDATION', `cron "${expr}" restricts both day-of-month and day-of-week (cron runs on either); systemd timers cannot express that`, {
      hint: 'use two schedule entries, or restrict only one of the two fields',
    });
  }
  const list = (v: number[] | undefined, pad = 2) => (v ? v.map((n) => String(n).padStart(pad, '0')).join(',') : '*');
  const day = dow ? dow.map((d) => DOW[d]).join(',') + ' ' : '';
  return `${day}*-${list(mon)}-${list(dom)} ${list(hour)}:${list(min)}:00`;
}

export interface UnitOptions {
  /** How to start tsplay: node binary and the bin script. */
  node: string;
  bin: string;
  workingDirectory: string;
  historyFile?: string;
  pull: boolean;
}

export interface UnitFile {
  name: string;
  content: string;
}

function q(s: string): string {
  // systemd expands %-specifiers and $VARIABLES in ExecStart: double them so every word is literal.
  const lit = s.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  // ExecStart quoting: double quotes, with backslash escapes.
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(lit) ? lit : `"${lit.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** One `Environment=` assignment, quoted when needed (specifiers doubled; no $ expansion there). */
function envAssign(name: string, value: string): string {
  const lit = `${name}=${value.replace(/%/g, '%%')}`;
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(lit) ? lit : `"${lit.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A service + timer pair for one schedule entry. */
export function unitsFor(entry: ScheduleEntry, o: UnitOptions): UnitFile[] {
  const base = `tsplay-${o.pull ? 'pull-' : ''}${entry.name}`;
  const args = o.pull
    ? ['pull', entry.playbook, ...(entry.groups ?? []).flatMap((g) => ['-g', g]), ...(entry.mode === 'check' ? ['--check'] : [])]
    : ['drift', entry.playbook, ...entry.inventory.flatMap((i) => ['-i', i]), ...(entry.mode === 'fix' ? ['--fix'] : [])];
  if (entry.limit) args.push('--limit', entry.limit);
  if (entry.tags?.length) args.push('--tags', entry.tags.join(','));
  if (entry.extraVars && Object.keys(entry.extraVars).length) args.push('-e', JSON.stringify(entry.extraVars));
  const service = [
    '[Unit]',
    `Description=tsplay ${o.pull ? 'pull' : 'drift'} ${entry.mode === 'fix' ? 'correction' : 'check'}: ${entry.name}`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    `WorkingDirectory=${o.workingDirectory.replace(/%/g, '%%')}`,
    ...(o.historyFile ? [`Environment=${envAssign('TSPLAY_HISTORY', o.historyFile)}`] : []),
    'Environment=CI=true',
    `ExecStart=${[o.node, o.bin, ...args].map(q).join(' ')}`,
    // Exit 2 means "drift found" (reported and recorded), not a broken unit.
    ...(entry.mode === 'check' && !o.pull ? ['SuccessExitStatus=2'] : []),
    '',
  ].join('\n');
  const timer = [
    '[Unit]',
    `Description=Run ${base}.service on "${entry.cron}"`,
    '',
    '[Timer]',
    `OnCalendar=${cronToOnCalendar(entry.cron)}`,
    ...(entry.jitter ? [`RandomizedDelaySec=${entry.jitter}`] : []),
    'Persistent=true',
    `Unit=${base}.service`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return [
    { name: `${base}.service`, content: service },
    { name: `${base}.timer`, content: timer },
  ];
}

export function defaultBin(): string {
  return path.join(PACKAGE_ROOT, 'bin', 'tsplay.mjs');
}
