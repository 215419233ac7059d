/** Python `re` on JavaScript RegExp: pattern translation, sub/search/findall, and the regex filters. */
import type { Filter } from '../types.js';
import { PyError, bindArgs, str, truthy, tuple } from '../py.js';
import { filterError, text } from './common.js';

export interface PyRegex {
  re: RegExp;
  groups: number;
  names: string[];
}

const W = '\\p{L}\\p{N}_';
const SYNTAX = '^$\\.*+?()[]{}|/';

function escapeLiteral(ch: string, inClass: boolean): string {
  if (SYNTAX.includes(ch) || (inClass && ch === '-')) return '\\' + ch;
  const c = ch.codePointAt(0)!;
  if (c < 0x20 || c === 0x7f) return '\\x' + c.toString(16).padStart(2, '0');
  return ch;
}

/** Translate a Python regex to a JS one ('u' flag). Python flags: i (IGNORECASE), m (MULTILINE), s (DOTALL), x (VERBOSE). */
export function compile(pattern: string, flagsIn = ''): PyRegex {
  let flags = flagsIn;
  let p = pattern;
  // leading global inline flags
  for (;;) {
    const m = /^\(\?([aiLmsux]+)\)/.exec(p);
    if (!m) break;
    flags += m[1]!;
    p = p.slice(m[0].length);
  }
  const verbose = flags.includes('x');
  const globalI = flags.includes('i');
  // flags in force here: the global ones, changed inside (?i:...), (?s:...), (?m:...), (?-s:...) groups
  let cur = { i: globalI, s: flags.includes('s'), m: flags.includes('m') };
  const flagStack: (typeof cur)[] = [];
  /** A literal under a scoped (?i:...) (the RegExp itself has no 'i'): both cases. */
  const caseless = (c: string, inCls: boolean): string => {
    const lit = inCls ? escapeLiteral(c, false).replace(/^\\-$/, '-') : c;
    if (!cur.i || globalI) return lit;
    const lo = c.toLowerCase();
    const up = c.toUpperCase();
    if (lo === up || [...lo].length !== 1 || [...up].length !== 1) return lit;
    return inCls ? `${lo}${up}` : `[${lo}${up}]`;
  };
  let out = '';
  let groups = 0;
  const names: string[] = [];
  const cs = [...p];
  let i = 0;
  let inClass = false;
  let classStart = false;
  let classAt = 0;
  let classNeg = false;
  let classHasNonWord = false;
  const err = (msg: string) => new PyError('error', `${msg} at position ${i}`);
  let depth = 0;
  const groupKinds: ('flags' | 'plain')[] = [];
  while (i < cs.length) {
    const ch = cs[i]!;
    if (inClass) {
      if (ch === ']' && !classStart) {
        inClass = false;
        i++;
        if (classHasNonWord) {
          // [...\W...]: a JS class cannot hold "not a word character"; spell it as an alternation
          const items = out.slice(classAt + (classNeg ? 2 : 1));
          out = out.slice(0, classAt);
          if (classNeg) out += items ? `(?:(?![${items}])[${W}])` : `[${W}]`;
          else out += items ? `(?:[${items}]|[^${W}])` : `[^${W}]`;
          classHasNonWord = false;
        } else out += ']';
        continue;
      }
      if (ch === ']' && classStart) {
        out += '\\]';
        classStart = false;
        i++;
        continue;
      }
      classStart = false;
      if (ch === '\\') {
        const n = cs[i + 1];
        if (n === undefined) throw err('bad escape (end of pattern)');
        i += 2;
        if (n === 'w') out += W;
        else if (n === 'd') out += '\\p{Nd}';
        else if (n === 's') out += '\\s';
        else if (n === 'W') classHasNonWord = true;
        else if (n === 'D' || n === 'S') out += n === 'D' ? '\\P{Nd}' : '\\S';
        else if ('nrtfvab0'.includes(n)) out += n === 'a' ? '\\x07' : n === 'b' ? '\\x08' : n === '0' ? '\\x00' : '\\' + n;
        else if (n === 'x' || n === 'u' || n === 'U') {
          const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
          const hex = cs.slice(i, i + len).join('');
          i += len;
          out += `\\u{${parseInt(hex, 16).toString(16)}}`;
        } else if (/[A-Za-z0-9]/.test(n)) throw new PyError('error', `bad escape \\${n} at position ${i - 2}`);
        else out += escapeLiteral(n, true);
        continue;
      }
      if (ch === '[') out += '\\[';
      else if (ch === '-' && cs[i + 1] === ']') out += '\\-';
      else if (ch === '-') out += '-';
      else if (cur.i && !globalI && cs[i + 1] === '-' && cs[i + 2] !== undefined && cs[i + 2] !== ']' && /\p{L}/u.test(ch) && /\p{L}/u.test(cs[i + 2]!)) {
        // a letter range under a scoped (?i:...): the range and its other case
        const a = ch;
        const z = cs[i + 2]!;
        const sw = (c: string) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());
        out += `${escapeLiteral(a, true)}-${escapeLiteral(z, true)}${escapeLiteral(sw(a), true)}-${escapeLiteral(sw(z), true)}`;
        i += 3;
        continue;
      } else out += cur.i && !globalI ? caseless(ch, true) : escapeLiteral(ch, false).replace(/^\\-$/, '-');
      i++;
      continue;
    }
    if (verbose && /\s/.test(ch)) {
      i++;
      continue;
    }
    if (verbose && ch === '#') {
      while (i < cs.length && cs[i] !== '\n') i++;
      continue;
    }
    switch (ch) {
      case '\\': {
        const n = cs[i + 1];
        if (n === undefined) throw new PyError('error', `bad escape (end of pattern) at position ${i}`);
        i += 2;
        if (n === 'A') out += '(?<![\\s\\S])';
        else if (n === 'Z') out += '(?![\\s\\S])';
        else if (n === 'w') out += `[${W}]`;
        else if (n === 'W') out += `[^${W}]`;
        else if (n === 'd') out += '\\p{Nd}';
        else if (n === 'D') out += '\\P{Nd}';
        else if (n === 's' || n === 'S') out += '\\' + n;
        else if (n === 'b') out += `(?:(?<=[${W}])(?![${W}])|(?<![${W}])(?=[${W}]))`;
        else if (n === 'B') out += `(?:(?<=[${W}])(?=[${W}])|(?<![${W}])(?![${W}]))`;
        else if (/[1-9]/.test(n)) {
          let num = n;
          if (cs[i] && /\d/.test(cs[i]!)) num += cs[i++];
          out += `\\${num}(?:)`;
        } else if (n === '0') out += '\\x00';
        else if ('nrtfv'.includes(n)) out += '\\' + n;
        else if (n === 'a') out += '\\x07';
        else if (n === 'x' || n === 'u' || n === 'U') {
          const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
          const hex = cs.slice(i, i + len).join('');
          i += len;
          out += `\\u{${parseInt(hex, 16).toString(16)}}`;
        } else if (/[A-Za-z]/.test(n)) throw new PyError('error', `bad escape \\${n} at position ${i - 2}`);
        else out += escapeLiteral(n, false);
        break;
      }
      case '[':
        inClass = true;
        classAt = out.length;
        classNeg = cs[i + 1] === '^';
        out += '[';
        i++;
        if (cs[i] === '^') {
          out += '^';
          i++;
        }
        classStart = true;
        break;
      case '(': {
        if (cs[i + 1] === '?') {
          const rest = cs.slice(i + 2, i + 40).join('');
          let m: RegExpExecArray | null;
          if ((m = /^P<([A-Za-z_]\w*)>/.exec(rest))) {
            groups++;
            names.push(m[1]!);
            out += `(?<${m[1]}>`;
            i += 2 + m[0].length;
          } else if ((m = /^P=([A-Za-z_]\w*)\)/.exec(rest))) {
            out += `\\k<${m[1]}>`;
            i += 2 + m[0].length;
            break;
          } else if (rest.startsWith('#')) {
            while (i < cs.length && cs[i] !== ')') i++;
            i++;
            break;
          } else if ((m = /^([aiLmsux]*)(?:-([imsx]+))?:/.exec(rest))) {
            // scoped flags (?i:...), (?-s:...): applied while translating the group
            flagStack.push(cur);
            cur = { ...cur };
            for (const f of m[1]!) if (f === 'i' || f === 's' || f === 'm') cur[f] = true;
            for (const f of m[2] ?? '') if (f === 'i' || f === 's' || f === 'm') cur[f] = f === 'i' ? globalI : false;
            out += '(?:';
            i += 2 + m[0].length;
            depth++;
            groupKinds.push('flags');
            break;
          } else {
            out += '(?';
            i += 2;
          }
          depth++;
          groupKinds.push('plain');
          break;
        }
        groups++;
        depth++;
        groupKinds.push('plain');
        out += '(';
        i++;
        break;
      }
      case ')':
        if (depth === 0) throw new PyError('error', `unbalanced parenthesis at position ${i}`);
        depth--;
        if (groupKinds.pop() === 'flags') cur = flagStack.pop()!;
        out += ')';
        i++;
        break;
      case '^':
        out += cur.m ? '(?<=^|\\n)' : '(?<![\\s\\S])';
        i++;
        break;
      case '$':
        out += cur.m ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))';
        i++;
        break;
      case '.':
        out += cur.s ? '[\\s\\S]' : '[^\\n]';
        i++;
        break;
      case '{': {
        const rest = cs.slice(i).join('');
        const m = /^\{(\d*)(,\d*)?\}/.exec(rest);
        if (m && (m[1] !== '' || m[2] !== undefined)) {
          out += m[1] === '' ? `{0${m[2]}}` : m[0];
          i += [...m[0]].length;
        } else {
          out += '\\{';
          i++;
        }
        break;
      }
      case '}':
        out += '\\}';
        i++;
        break;
      case '/':
        out += '\\/';
        i++;
        break;
      default:
        out += cur.i && !globalI ? caseless(ch, false) : ch;
        i++;
    }
  }
  if (inClass) throw new PyError('error', `unterminated character set at position ${pattern.lastIndexOf('[')}`);
  if (depth > 0) throw new PyError('error', `missing ), unterminated subpattern at position ${pattern.lastIndexOf('(')}`);
  let re: RegExp;
  try {
    re = new RegExp(out, 'gu' + (flags.includes('i') ? 'i' : ''));
  } catch (e) {
    throw new PyError('error', (e as Error).message);
  }
  return { re, groups, names };
}

export interface PyMatch {
  index: number;
  end: number;
  m: RegExpExecArray;
}

function groupValue(m: RegExpExecArray, rx: PyRegex, g: number | string): string | null {
  if (typeof g === 'number') {
    if (g < 0 || g > rx.groups) throw new PyError('IndexError', 'no such group');
    return m[g] ?? null;
  }
  if (!rx.names.includes(g)) throw new PyError('IndexError', 'no such group');
  return m.groups?.[g] ?? null;
}

/** re.search (from pos 0); match: anchored at 0; fullmatch: anchored at both ends. */
export function search(rx: PyRegex, s: string, mode: 'search' | 'match' | 'fullmatch' = 'search'): RegExpExecArray | null {
  if (mode === 'search') {
    rx.re.lastIndex = 0;
    return rx.re.exec(s);
  }
  const sticky = new RegExp(mode === 'fullmatch' ? `(?:${rx.re.source})(?![\\s\\S])` : rx.re.source, rx.re.flags.replace('g', '') + 'y');
  sticky.lastIndex = 0;
  return sticky.exec(s);
}

/**
 * Python's finditer/sub walk: after an empty match at p the next match may not be empty at p
 * (sre's must_advance) but may be a longer match starting at p (`a*?` matches '' then 'a').
 */
function* iterMatches(rx: PyRegex, s: string): Generator<RegExpExecArray> {
  const re = rx.re;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    yield m;
    if (m[0] !== '') continue;
    const p = m.index;
    const cp = [...s.slice(0, p)].length;
    const nonEmpty = new RegExp(`(?:${re.source})(?<=^[\\s\\S]{${cp + 1},})`, re.flags.replace('g', '') + 'y');
    nonEmpty.lastIndex = p;
    const longer = p < s.length ? nonEmpty.exec(s) : null;
    if (longer) {
      yield longer;
      re.lastIndex = nonEmpty.lastIndex;
      continue;
    }
    if (p >= s.length) break;
    const c = s.codePointAt(p);
    re.lastIndex = p + (c !== undefined && c > 0xffff ? 2 : 1);
  }
}

/** Expand a Python replacement template for one match. */
function expandTemplate(tpl: string, rx: PyRegex): (m: RegExpExecArray) => string {
  const parts: (string | number | { name: string })[] = [];
  let lit = '';
  for (let i = 0; i < tpl.length; i++) {
    const c = tpl[i]!;
    if (c !== '\\') {
      lit += c;
      continue;
    }
    const n = tpl[i + 1];
    if (n === undefined) throw new PyError('error', `bad escape (end of pattern) at position ${i}`);
    if (n === 'g') {
      const m = /^<([^>]*)>/.exec(tpl.slice(i + 2));
      if (!m) throw new PyError('error', `missing < at position ${i + 2}`);
      const name = m[1]!;
      parts.push(lit);
      lit = '';
      if (/^\d+$/.test(name)) {
        const g = parseInt(name, 10);
        if (g > rx.groups) throw new PyError('error', `invalid group reference ${g} at position ${i + 3}`);
        parts.push(g);
      } else {
        if (!rx.names.includes(name)) throw new PyError('IndexError', `unknown group name '${name}'`);
        parts.push({ name });
      }
      i += 1 + m[0].length;
      continue;
    }
    if (/\d/.test(n)) {
      let d = n;
      if (n !== '0' && /\d/.test(tpl[i + 2] ?? '')) d += tpl[i + 2];
      if (n === '0' || (d.length === 1 && false)) {
        // octal escape \0, \0dd
        let oct = '0';
        let j = i + 2;
        while (j < tpl.length && j < i + 4 && /[0-7]/.test(tpl[j]!)) oct += tpl[j++];
        lit += String.fromCharCode(parseInt(oct, 8));
        i = j - 1;
        continue;
      }
      const g = parseInt(d, 10);
      if (g > rx.groups) throw new PyError('error', `invalid group reference ${g} at position ${i + 1}`);
      parts.push(lit);
      lit = '';
      parts.push(g);
      i += d.length;
      continue;
    }
    const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };
    if (n in esc) {
      lit += esc[n];
      i++;
      continue;
    }
    if (/[A-Za-z]/.test(n)) throw new PyError('error', `bad escape \\${n} at position ${i}`);
    lit += '\\' + n;
    i++;
  }
  parts.push(lit);
  return (m) => parts.map((p) => (typeof p === 'string' ? p : typeof p === 'number' ? (m[p] ?? '') : (m.groups?.[p.name] ?? ''))).join('');
}

export function sub(rx: PyRegex, repl: string, s: string, count = 0): string {
  const expand = expandTemplate(repl, rx);
  let out = '';
  let last = 0;
  let n = 0;
  for (const m of iterMatches(rx, s)) {
    if (count > 0 && n >= count) break;
    out += s.slice(last, m.index) + expand(m);
    last = m.index + m[0].length;
    n++;
  }
  return out + s.slice(last);
}

export function findall(rx: PyRegex, s: string): unknown[] {
  const out: unknown[] = [];
  for (const m of iterMatches(rx, s)) {
    if (rx.groups === 0) out.push(m[0]);
    else if (rx.groups === 1) out.push(m[1] ?? '');
    else out.push(tuple(Array.from({ length: rx.groups }, (_, k) => m[k + 1] ?? '')));
  }
  return out;
}

/** Python's re.escape (3.7+: only special characters). */
export function reEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    if ('()[]{}?*+-|^$\\.&~# \t\n\r\v\f'.includes(ch)) out += '\\' + ch;
    else out += ch;
  }
  return out;
}

const flagsOf = (ignorecase: unknown, multiline: unknown) => (truthy(ignorecase) ? 'i' : '') + (truthy(multiline) ? 'm' : '');

export const regexFilters: Record<string, Filter> = {
  regex_replace: (v, args, kw) => {
    const a = bindArgs('regex_replace', ['pattern', 'replacement', 'ignorecase', 'multiline'], args, kw, { pattern: '', replacement: '', ignorecase: false, multiline: false });
    const rx = compile(str(a.pattern), flagsOf(a.ignorecase, a.multiline));
    return sub(rx, str(a.replacement), text(v));
  },
  regex_search: (v, args, kw) => {
    if (args.length < 1 && !('regex' in kw)) throw new PyError('TypeError', "regex_search() missing 1 required positional argument: 'regex'");
    const regex = str(args.length ? args[0] : kw.regex);
    const groups: (number | string)[] = [];
    for (const arg of args.slice(1)) {
      const s = str(arg);
      if (s.startsWith('\\g')) {
        const m = /^\\g<(\S+)>/.exec(s);
        if (!m) throw new PyError('AttributeError', "'NoneType' object has no attribute 'group'");
        groups.push(m[1]!);
      } else if (s.startsWith('\\')) {
        const m = /^\\(\d+)/.exec(s);
        if (!m) throw new PyError('AttributeError', "'NoneType' object has no attribute 'group'");
        groups.push(parseInt(m[1]!, 10));
      } else throw filterError('Unknown argument');
    }
    const rx = compile(regex, flagsOf(kw.ignorecase ?? false, kw.multiline ?? false));
    const m = search(rx, text(v));
    if (!m) return null;
    if (!groups.length) return m[0];
    return groups.map((g) => groupValue(m, rx, g));
  },
  regex_findall: (v, args, kw) => {
    const a = bindArgs('regex_findall', ['regex', 'multiline', 'ignorecase'], args, kw, { multiline: false, ignorecase: false });
    return findall(compile(str(a.regex), flagsOf(a.ignorecase, a.multiline)), text(v));
  },
  regex_escape: (v, args, kw) => {
    const a = bindArgs('regex_escape', ['re_type'], args, kw, { re_type: 'python' });
    const s = text(v);
    if (a.re_type === 'python') return reEscape(s);
    if (a.re_type === 'posix_basic') return s.replace(/([\].[^$*\\])/g, '\\$1');
    if (a.re_type === 'posix_extended') throw filterError(`Regex type (${str(a.re_type)}) not yet implemented`);
    throw filterError(`Invalid regex type (${str(a.re_type)})`);
  },
};
