import { existsSync, readFileSync, statSync } from 'node:fs';
import { TsplayError } from '../errors.js';
import { LOCALHOST_NAMES } from './data.js';
import { parseAddress } from './hostnames.js';
import type { Inventory } from './load.js';
import { NonLinearRegexError, linearRegExp } from '../config/linear-regex.js';

const shorten = (s: string): string => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

/** Hosts a pattern selected, plus warnings for parts that matched nothing (the engine prints them). */
export interface HostSelection {
  hosts: string[];
  warnings: string[];
}

/** Hosts matching an Ansible host pattern (`web:&prod:!web3`, `~re`, `*.example.com`, `group[0:2]`, `@file`). */
export function selectHosts(inventory: Inventory, pattern: string): string[] {
  return selectHostsDetailed(inventory, pattern).hosts;
}

/**
 * Like selectHosts, with warnings, and an optional `limit` (the --limit grammar, intersected).
 * Order follows Ansible: union parts in the order written, each group's hosts in inventory order.
 */
export function selectHostsDetailed(inventory: Inventory, pattern: string | string[], opts: { limit?: string } = {}): HostSelection {
  const warnings: string[] = [];
  checkHostPattern(pattern, 'host pattern');
  if (opts.limit !== undefined && opts.limit !== '') checkHostPattern(opts.limit, '--limit');
  let hosts = evaluate(inventory, splitHostPattern(pattern), warnings);
  if (opts.limit !== undefined && opts.limit !== '') {
    const allowed = new Set(evaluate(inventory, splitHostPattern(opts.limit), warnings));
    hosts = hosts.filter((h) => allowed.has(h));
  }
  if (hosts.length === 0) {
    const shown = Array.isArray(pattern) ? pattern.join(',') : pattern;
    warnings.push(`no hosts matched the pattern "${shown}"${opts.limit ? ` with --limit "${opts.limit}"` : ''}`);
  }
  return { hosts, warnings };
}

/**
 * What is wrong with a host pattern, or undefined. Ansible takes `:`, `,`, `!`, `~[` or `web[` as
 * "all hosts" (or drops the broken part); a --limit that silently widens to every host is worse
 * than an error, so tsplay refuses them (docs/ansible-compat.md).
 */
export function hostPatternProblem(pattern: string | string[]): string | undefined {
  const texts = Array.isArray(pattern) ? pattern : [pattern];
  if (texts.length === 0 || texts.every((t) => t.trim() === '')) return 'it is empty';
  for (const text of texts) {
    if (text.length > 10_000) return `it is ${text.length} characters long (at most 10000)`;
    const parts = splitHostPattern(text);
    if (parts.length === 0) return `"${shorten(text)}" has only separators and no pattern`;
    // Colon-split patterns drop what the split cannot read (a lone "[" or "]"); a regex part is
    // left to the regex compiler, which names its own error.
    if (!text.includes(',') && !text.includes('~') && !parseAddress(text, true)) {
      if (/[^\s:]/.test(text.replace(/(?:[^\s:[\]]|\[[^\]]*\])+/g, ''))) return `"${shorten(text)}" has an unbalanced "[" or "]"`;
    }
    for (const p of parts) {
      const body = p.replace(/^[!&]/, '');
      if (body === '' || body === '~' || /^:+$/.test(body)) return `"${p}" in "${shorten(text)}" names no host or group`;
      if (/^[!&]/.test(body)) return `"${p}" has two operators`;
      if (body[0] === '~') {
        const problem = regexProblem(body);
        if (problem) return `regex "${shorten(body)}": ${problem}`;
      }
      if (body[0] !== '~' && body.includes('[') && !SUBSCRIPT.test(body) && !/^[^[\]]*\[[!^]?[^\]]+\][^[\]]*$/.test(body)) {
        return `"${p}": a subscript is [N], [N:M] or [N-M]`;
      }
    }
  }
  return undefined;
}

/** What a valid host pattern looks like (the hint of every pattern error). */
export const HOST_PATTERN_HINT = 'patterns look like all, web, web:&prod, web:!web3, ~web\\d+, web[0:2], @file';

/** Throw a usage error naming `what` (host pattern, --limit) when the pattern is malformed. */
export function checkHostPattern(pattern: string | string[], what: string): void {
  const problem = hostPatternProblem(pattern);
  if (problem) throw new TsplayError('USAGE', `invalid ${what}: ${problem}`, { hint: HOST_PATTERN_HINT });
}

/** Ansible's split_host_pattern: commas, or (without commas) colons outside brackets unless it is one address. */
export function splitHostPattern(pattern: string | string[]): string[] {
  if (Array.isArray(pattern)) return pattern.flatMap((p) => splitHostPattern(p));
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (parseAddress(pattern, true)) parts = [pattern];
  else parts = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function evaluate(inv: Inventory, patterns: string[], warnings: string[]): string[] {
  const expanded: string[] = [];
  for (const p of patterns) {
    // `@file` (and `!@file`, `&@file`): one pattern per line, as Ansible's --limit accepts.
    const m = /^([!&]?)@(.+)$/.exec(p);
    if (m) expanded.push(...readLimitFile(m[2]!).map((x) => m[1] + x));
    else expanded.push(p);
  }
  const regular = expanded.filter((p) => p[0] !== '!' && p[0] !== '&');
  const intersect = expanded.filter((p) => p[0] === '&');
  const exclude = expanded.filter((p) => p[0] === '!');
  const ordered = [...(regular.length ? regular : ['all']), ...intersect, ...exclude];

  let hosts: string[] = [];
  for (const p of ordered) {
    const body = p[0] === '!' || p[0] === '&' ? p.slice(1) : p;
    // Like Ansible, a plain pattern naming a host is that host, before any group lookup.
    const that = p === body && hostSet(inv).has(p) ? [p] : matchOne(inv, body, warnings);
    if (p[0] === '!') {
      const s = new Set(that);
      hosts = hosts.filter((h) => !s.has(h));
    } else if (p[0] === '&') {
      const s = new Set(that);
      hosts = hosts.filter((h) => s.has(h));
    } else {
      const seen = new Set(hosts);
      for (const h of that) {
        if (!seen.has(h)) {
          seen.add(h);
          hosts.push(h);
        }
      }
    }
  }
  return hosts;
}

const hostSets = new WeakMap<Inventory, Set<string>>();
function hostSet(inv: Inventory): Set<string> {
  let s = hostSets.get(inv);
  if (!s) {
    s = new Set(inv.hosts);
    hostSets.set(inv, s);
  }
  return s;
}

function readLimitFile(path: string): string[] {
  if (!existsSync(path)) throw new TsplayError('USAGE', `limit file "${path}" does not exist`, { hint: '--limit @FILE reads one host pattern per line' });
  if (!statSync(path).isFile()) throw new TsplayError('USAGE', `limit "@${path}" must be a file, not a directory`);
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l);
}

const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/;

function matchOne(inv: Inventory, pattern: string, warnings: string[]): string[] {
  let expr = pattern;
  let sub: [number, number | undefined] | undefined;
  if (pattern[0] !== '~') {
    const m = SUBSCRIPT.exec(pattern);
    if (m) {
      expr = m[1]!;
      if (m[2] !== undefined) sub = [Number(m[2]), undefined];
      else sub = [Number(m[3]), m[5] ? Number(m[5]) : -1];
    }
  }
  const hosts = enumerate(inv, expr, warnings);
  if (!sub) return hosts;
  const [start, end] = sub;
  if (end !== undefined && end !== 0) {
    const last = end === -1 ? hosts.length - 1 : end;
    return hosts.slice(start, last + 1);
  }
  const idx = start < 0 ? hosts.length + start : start;
  if (idx < 0 || idx >= hosts.length) {
    warnings.push(`no host at index ${start} of "${expr}" (it has ${hosts.length})`);
    return [];
  }
  return [hosts[idx]!];
}

function enumerate(inv: Inventory, pattern: string, warnings: string[]): string[] {
  const re = compile(pattern);
  const results: string[] = [];
  const groups = Object.keys(inv.groupInfo).filter((g) => re.test(g));
  for (const g of groups) results.push(...inv.groups[g]!);
  if (groups.length === 0 || pattern[0] === '~' || /[.?*[]/.test(pattern)) {
    for (const h of inv.hosts) if (re.test(h)) results.push(h);
  }
  if (results.length === 0 && LOCALHOST_NAMES.includes(pattern)) results.push(pattern);
  if (results.length === 0 && groups.length === 0 && pattern !== 'all') {
    warnings.push(`could not match supplied host pattern, ignoring: ${pattern}`);
  }
  return results;
}

// Python's re.match anchors at the start only; (?P<n>) is Python's named group. Linear-time
// engine: a host pattern from --limit or a playbook never hangs the run (no ReDoS).
const regexOf = (pattern: string): RegExp => linearRegExp('^(?:' + pattern.slice(1).replace(/\(\?P<\w+>/g, '(') + ')');

/** Why a `~regex` pattern cannot be compiled, or undefined (checked with the pattern's other rules, so the error has the playbook's location). */
function regexProblem(pattern: string): string | undefined {
  try {
    regexOf(pattern);
    return undefined;
  } catch (e) {
    return e instanceof NonLinearRegexError ? `tsplay refuses it: ${e.message}` : (e as Error).message.replace(/^Invalid regular expression: /, '');
  }
}

function compile(pattern: string): RegExp {
  if (pattern[0] === '~') {
    try {
      return regexOf(pattern);
    } catch {
      throw new TsplayError('USAGE', `invalid host pattern regex "${shorten(pattern)}": ${regexProblem(pattern)}`, {
        hint: 'a pattern starting with ~ is a regular expression, e.g. ~web\\d+',
      });
    }
  }
  return fnmatchToRegExp(pattern);
}

/** Python's fnmatch.translate: `*`, `?`, `[seq]`, `[!seq]`, anchored at both ends, case-sensitive. */
export function fnmatchToRegExp(pat: string): RegExp {
  let out = '';
  let i = 0;
  while (i < pat.length) {
    const c = pat[i++]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      let j = i;
      if (pat[j] === '!') j++;
      if (pat[j] === ']') j++;
      while (j < pat.length && pat[j] !== ']') j++;
      if (j >= pat.length) out += '\\[';
      else {
        let stuff = pat.slice(i, j).replace(/\\/g, '\\\\');
        i = j + 1;
        if (stuff[0] === '!') stuff = '^' + stuff.slice(1);
        else if (stuff[0] === '^') stuff = '\\' + stuff;
        out += '[' + stuff.replace(/]/g, '\\]') + ']';
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp('^(?:' + out + ')$', 's');
}
