/**
 * Python `re` patterns (as Ansible's lineinfile/blockinfile compile them, on bytes) translated to JS RegExp.
 *
 * Matching runs on "binary strings": every byte of the file is one char (latin1), and the pattern's UTF-8
 * bytes likewise, which is exactly Python's bytes-regex model (`.` and `\w` see bytes, not characters).
 * Python-only syntax is translated (\A, \Z, (?P<n>), (?P=n), (?#), {,n}, global inline flags, Python's
 * `$` that also matches before a final newline); what JS cannot express is rejected with a clear message.
 */

export class PyRegexError extends Error {
  constructor(
    readonly pattern: string,
    detail: string,
  ) {
    super(`cannot use regular expression ${JSON.stringify(pattern)}: ${detail}`);
    this.name = 'PyRegexError';
  }
}

export interface PyRegex {
  re: RegExp;
  /** (?m) was given: Python's re.MULTILINE. */
  multiline: boolean;
  groups: number;
  names: Map<string, number>;
}

/** Bytes → binary string (one char per byte). */
export const bin = (b: Buffer): string => b.toString('latin1');
/** Binary string → bytes. */
export const unbin = (s: string): Buffer => Buffer.from(s, 'latin1');
/** A user's (unicode) string as the binary string of its UTF-8 bytes, like Ansible's to_bytes. */
export const utf8bin = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

const hex = (code: number): string => '\\x' + code.toString(16).padStart(2, '0');
const OCT = /[0-7]/;
const DIGIT = /[0-9]/;
const WS_CLASS = ' \\t\\n\\r\\f\\v';

function lit(ch: string): string {
  if (/[A-Za-z0-9 _]/.test(ch)) return ch;
  const code = ch.charCodeAt(0);
  return code > 0xff ? '\\u' + code.toString(16).padStart(4, '0') : hex(code);
}

// Python's str-pattern (unicode) classes: \w is str.isalnum() or "_", \s is str.isspace(), \d is Nd.
const U_WORD = '\\p{L}\\p{N}_';
const U_WS = ' \\t\\n\\r\\f\\v\\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

export interface PyRegexOptions {
  /**
   * A str pattern matched on text (JS strings, one code point per character), as replace/ini_file
   * compile theirs; default: a bytes pattern on binary strings (lineinfile, blockinfile).
   */
  unicode?: boolean;
  /** re.MULTILINE given by the caller. */
  multiline?: boolean;
  /** re.DOTALL given by the caller. */
  dotAll?: boolean;
}

/** Compile a Python regex (given as a unicode string, as in a playbook) for use on binary strings (or text, with `unicode`). */
export function compilePyRegex(pattern: string, opts: PyRegexOptions = {}): PyRegex {
  const uni = opts.unicode === true;
  const p = uni ? pattern : utf8bin(pattern);
  const fail = (d: string): never => {
    throw new PyRegexError(pattern, d);
  };
  let i = 0;
  let ignoreCase = false;
  let multiline = opts.multiline === true;
  let dotAll = opts.dotAll === true;
  let verbose = false;
  let ascii = !uni;
  // Global inline flags, which Python 3.11 only accepts at the very start.
  for (;;) {
    const m = /^\(\?([aiLmsux]+)\)/.exec(p.slice(i));
    if (!m) break;
    for (const f of m[1]!) {
      if (f === 'i') ignoreCase = true;
      else if (f === 'm') multiline = true;
      else if (f === 's') dotAll = true;
      else if (f === 'x') verbose = true;
      else if (f === 'L') fail('the L (locale) flag is not supported');
      else if (f === 'a') ascii = true;
      else if (f === 'u' && !uni) fail('the u flag cannot be used with a bytes pattern (Python rejects it too)');
    }
    i += m[0].length;
  }

  let out = '';
  let groups = 0;
  const open: number[] = [];
  const closed = new Set<number>();
  const names = new Map<string, number>();
  const groupStack: Array<number | null> = [];
  let canQuantify = false;

  const escapeOutside = (): void => {
    const c = p[i + 1];
    if (c === undefined) fail('bad escape (end of pattern)');
    i += 2;
    switch (c) {
      case 'A':
        out += '(?<![\\s\\S])';
        canQuantify = false;
        return;
      case 'Z':
        out += '(?![\\s\\S])';
        canQuantify = false;
        return;
      case 'b':
      case 'B':
        // Python's \B never matches in an empty string (JS's does).
        if (ascii) out += c === 'b' ? '\\b' : '(?:\\B(?:(?<=[\\s\\S])|(?=[\\s\\S])))';
        else {
          const w = `[${U_WORD}]`;
          out += c === 'b' ? `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))` : `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w})(?:(?<=[\\s\\S])|(?=[\\s\\S])))`;
        }
        canQuantify = false;
        return;
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        if (ascii) out += '\\' + c;
        else if (c === 'd') out += '\\p{Nd}';
        else if (c === 'D') out += '\\P{Nd}';
        else out += `[${c === 'W' ? '^' : ''}${U_WORD}]`;
        canQuantify = true;
        return;
      case 's':
        out += `[${ascii ? WS_CLASS : U_WS}]`;
        canQuantify = true;
        return;
      case 'S':
        out += `[^${ascii ? WS_CLASS : U_WS}]`;
        canQuantify = true;
        return;
      case 'u':
      case 'U': {
        if (!uni) break;
        const len = c === 'u' ? 4 : 8;
        const h = p.slice(i, i + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h)) fail(`incomplete escape \\${c}${h}`);
        i += len;
        out += `\\u{${h}}`;
        canQuantify = true;
        return;
      }
      case 'a':
        out += '\\x07';
        canQuantify = true;
        return;
      case 'f':
      case 'n':
      case 'r':
      case 't':
      case 'v':
        out += '\\' + c;
        canQuantify = true;
        return;
      case 'x': {
        const h = p.slice(i, i + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) fail(`incomplete escape \\x${h}`);
        i += 2;
        out += '\\x' + h;
        canQuantify = true;
        return;
      }
    }
    if (c === '0') {
      let o = '0';
      while (o.length < 3 && OCT.test(p[i] ?? '')) o += p[i++];
      out += hex(parseInt(o, 8) & 0xff);
      canQuantify = true;
      return;
    }
    if (DIGIT.test(c!)) {
      // Octal when three octal digits, else a group reference (1-2 digits).
      if (OCT.test(c!) && OCT.test(p[i] ?? '') && OCT.test(p[i + 1] ?? '')) {
        const v = parseInt(c! + p[i]! + p[i + 1]!, 8);
        if (v > 0o377) fail(`octal escape value \\${c}${p[i]}${p[i + 1]} outside of range 0-0o377`);
        i += 2;
        out += hex(v);
        canQuantify = true;
        return;
      }
      let num = c!;
      if (DIGIT.test(p[i] ?? '')) num += p[i++];
      const n = Number(num);
      if (n > groups || !closed.has(n)) fail(n > groups ? `invalid group reference ${n}` : 'cannot refer to an open group');
      out += `(?:\\${n})`;
      canQuantify = true;
      return;
    }
    if (/[A-Za-z]/.test(c!)) fail(`bad escape \\${c}`);
    out += lit(c!);
    canQuantify = true;
  };

  const parseClass = (): void => {
    // p[i] === '['
    i++;
    let body = '';
    let negate = false;
    if (p[i] === '^') {
      negate = true;
      i++;
    }
    let first = true;
    // After \w, \s or \d a '-' is a literal only at the end of the set (Python: "bad character range"
    // otherwise); JS's u flag would reject it either way.
    let afterSet = false;
    for (;;) {
      const c = p[i];
      if (c === undefined) fail('unterminated character set');
      const wasSet = afterSet;
      afterSet = c === '\\' && 'dwsDW'.includes(p[i + 1] ?? '');
      if (c === ']' && !first) {
        i++;
        break;
      }
      first = false;
      if (c === '\\') {
        const e = p[i + 1];
        if (e === undefined) fail('bad escape (end of pattern)');
        i += 2;
        if ('dDwW'.includes(e!) && ascii) body += '\\' + e;
        else if (e === 'd') body += '\\p{Nd}';
        else if (e === 'w') body += U_WORD;
        else if (e === 'W' || e === 'D') fail(`\\${e} inside a character set is not supported; write the set out`);
        else if (e === 's') body += ascii ? WS_CLASS : U_WS;
        else if (uni && (e === 'u' || e === 'U')) {
          const len = e === 'u' ? 4 : 8;
          const h = p.slice(i, i + len);
          if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h)) fail(`incomplete escape \\${e}${h}`);
          i += len;
          body += `\\u{${h}}`;
        } else if (e === 'S') fail('\\S inside a character set is not supported; write the set out');
        else if (e === 'b') body += '\\x08';
        else if (e === 'a') body += '\\x07';
        else if ('fnrtv'.includes(e!)) body += '\\' + e;
        else if (e === 'x') {
          const h = p.slice(i, i + 2);
          if (!/^[0-9a-fA-F]{2}$/.test(h)) fail(`incomplete escape \\x${h}`);
          i += 2;
          body += '\\x' + h;
        } else if (OCT.test(e!)) {
          let o = e!;
          while (o.length < 3 && OCT.test(p[i] ?? '')) o += p[i++];
          const v = parseInt(o, 8);
          if (v > 0o377) fail(`octal escape value \\${o} outside of range 0-0o377`);
          body += hex(v);
        } else if (/[A-Za-z0-9]/.test(e!)) fail(`bad escape \\${e}`);
        else body += lit(e!);
        continue;
      }
      if (c === '-') {
        if (wasSet && p[i + 1] !== ']') fail('bad character range');
        body += wasSet ? '\\x2d' : '-';
        i++;
        continue;
      }
      body += lit(c!);
      i++;
    }
    out += body === '' && negate ? '[\\s\\S]' : `[${negate ? '^' : ''}${body}]`;
    canQuantify = true;
  };

  const quantifierTail = (): void => {
    if (p[i] === '?') {
      out += '?';
      i++;
    } else if (p[i] === '+') fail('possessive quantifiers (*+, ++, ?+) are not supported');
  };

  while (i < p.length) {
    const c = p[i]!;
    if (verbose) {
      if (/[ \t\n\r\f\v]/.test(c)) {
        i++;
        continue;
      }
      if (c === '#') {
        while (i < p.length && p[i] !== '\n') i++;
        continue;
      }
    }
    if (c === '\\') {
      escapeOutside();
      continue;
    }
    if (c === '[') {
      parseClass();
      continue;
    }
    if (c === '(') {
      if (p[i + 1] === '?') {
        const rest = p.slice(i + 2);
        let m: RegExpExecArray | null;
        if ((m = /^P<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest))) {
          groups++;
          if (names.has(m[1]!)) fail(`redefinition of group name ${m[1]}`);
          names.set(m[1]!, groups);
          open.push(groups);
          groupStack.push(groups);
          out += `(?<${m[1]}>`;
          i += 2 + m[0].length;
        } else if ((m = /^P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest))) {
          const n = names.get(m[1]!);
          if (n === undefined) fail(`unknown group name ${m[1]}`);
          if (!closed.has(n!)) fail('cannot refer to an open group');
          out += `(?:\\k<${m[1]}>)`;
          i += 2 + m[0].length;
          canQuantify = true;
          continue;
        } else if (rest.startsWith('#')) {
          const j = p.indexOf(')', i);
          if (j < 0) fail('missing ), unterminated comment');
          i = j + 1;
          continue;
        } else if (rest.startsWith(':') || rest.startsWith('=') || rest.startsWith('!')) {
          out += '(?' + rest[0];
          groupStack.push(null);
          i += 3;
        } else if (rest.startsWith('<=') || rest.startsWith('<!')) {
          out += '(?' + rest.slice(0, 2);
          groupStack.push(null);
          i += 4;
        } else if (rest.startsWith('>')) fail('atomic groups (?>...) are not supported');
        else if (rest.startsWith('(')) fail('conditional groups (?(id)yes|no) are not supported');
        else if (/^[aiLmsux-]+:/.test(rest)) fail('scoped inline flags (?i:...) are not supported; put global flags like (?i) at the start');
        else if (/^[aiLmsux]+\)/.test(rest)) fail('global flags not at the start of the expression');
        else fail(`unknown extension (?${rest.slice(0, 2)}`);
        canQuantify = false;
        continue;
      }
      groups++;
      open.push(groups);
      groupStack.push(groups);
      out += '(';
      i++;
      canQuantify = false;
      continue;
    }
    if (c === ')') {
      if (groupStack.length === 0) fail('unbalanced parenthesis');
      const g = groupStack.pop();
      if (g !== null && g !== undefined) {
        closed.add(g);
        open.splice(open.indexOf(g), 1);
      }
      out += ')';
      i++;
      canQuantify = true;
      continue;
    }
    if (c === '*' || c === '+' || c === '?') {
      if (!canQuantify) fail('nothing to repeat');
      out += c;
      i++;
      quantifierTail();
      canQuantify = false;
      continue;
    }
    if (c === '{') {
      const m = /^\{(\d*)(?:(,)(\d*))?\}/.exec(p.slice(i));
      if (m && (m[1] !== '' || m[2] !== undefined)) {
        if (!canQuantify) fail('nothing to repeat');
        const lo = m[1] === '' ? '0' : m[1]!;
        out += m[2] === undefined ? `{${lo}}` : `{${lo},${m[3]}}`;
        if (m[3] !== '' && m[3] !== undefined && Number(m[3]) < Number(lo)) fail('min repeat greater than max repeat');
        i += m[0].length;
        quantifierTail();
        canQuantify = false;
        continue;
      }
      out += '\\{';
      i++;
      canQuantify = true;
      continue;
    }
    if (c === '.') {
      out += dotAll ? '[\\s\\S]' : '[^\\n]';
      i++;
      canQuantify = true;
      continue;
    }
    if (c === '^') {
      out += multiline ? '(?:(?<![\\s\\S])|(?<=\\n))' : '(?<![\\s\\S])';
      i++;
      canQuantify = false;
      continue;
    }
    if (c === '$') {
      out += multiline ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))';
      i++;
      canQuantify = false;
      continue;
    }
    if (c === '|') {
      out += '|';
      i++;
      canQuantify = false;
      continue;
    }
    out += lit(c);
    i++;
    canQuantify = true;
  }
  if (groupStack.length > 0) fail('missing ), unterminated subpattern');
  let re: RegExp;
  try {
    re = new RegExp(out, (ignoreCase ? 'i' : '') + (uni ? 'u' : ''));
  } catch (e) {
    return fail((e as Error).message);
  }
  return { re, multiline, groups, names };
}

/**
 * Python's `match.expand(template)` on binary strings: \1..\99, \g<n>, \g<name>, \n-style escapes, octal;
 * an unknown escape of an ASCII letter is an error, as in Python; a group that did not take part is empty.
 */
export function expandTemplate(template: string, m: RegExpExecArray, rx: PyRegex): string {
  const fail = (d: string): never => {
    throw new PyRegexError(template, `in the replacement line: ${d}`);
  };
  const group = (n: number): string => {
    if (n > rx.groups) fail(`invalid group reference ${n}`);
    return m[n] ?? '';
  };
  const ESC: Record<string, string> = { a: '\x07', b: '\x08', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = template[i + 1];
    if (e === undefined) fail('bad escape (end of pattern)');
    i++;
    if (e === 'g') {
      const mm = /^<([^>]*)>/.exec(template.slice(i + 1));
      if (!mm) fail('missing < or > in \\g<...>');
      const name = mm![1]!;
      if (/^\d+$/.test(name)) out += group(Number(name));
      else {
        const n = rx.names.get(name);
        if (n === undefined) fail(`unknown group name '${name}'`);
        out += m[n!] ?? '';
      }
      i += mm![0].length;
    } else if (e === '0') {
      let o = '0';
      while (o.length < 3 && OCT.test(template[i + 1] ?? '')) o += template[++i];
      out += String.fromCharCode(parseInt(o, 8) & 0xff);
    } else if (DIGIT.test(e!)) {
      let num = e!;
      if (DIGIT.test(template[i + 1] ?? '')) {
        num += template[++i];
        if (OCT.test(e!) && OCT.test(num[1]!) && OCT.test(template[i + 1] ?? '')) {
          const v = parseInt(num + template[++i], 8);
          if (v > 0o377) fail(`octal escape value \\${num}${template[i]} outside of range 0-0o377`);
          out += String.fromCharCode(v);
          continue;
        }
      }
      out += group(Number(num));
    } else if (ESC[e!] !== undefined) out += ESC[e!];
    else if (/[A-Za-z]/.test(e!)) fail(`bad escape \\${e}`);
    else out += '\\' + e;
  }
  return out;
}

/** Python's bytes.splitlines(keepends=True): splits after \n, \r and \r\n. */
export function splitLinesKeepEnds(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      out.push(s.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < s.length) out.push(s.slice(start));
  return out;
}

/** Python's binary file readlines(): splits after each \n only. */
export function readLines(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', start)) {
    out.push(s.slice(start, i + 1));
    start = i + 1;
  }
  if (start < s.length) out.push(s.slice(start));
  return out;
}

/** Python's str.rstrip(chars). */
export function rstripChars(s: string, chars: string): string {
  let e = s.length;
  while (e > 0 && chars.includes(s[e - 1]!)) e--;
  return s.slice(0, e);
}

/**
 * Python's `re.subn(pattern, template, s)`: every match replaced by the expanded template, and the count.
 * Python 3.7+ may follow an empty match with a non-empty one at the same position (re.sub('|a', '-', 'a')
 * is '---'), which JS's replace does not; that second try is made here.
 */
export function pySubn(rx: PyRegex, template: string, s: string): { text: string; count: number } {
  const re = new RegExp(rx.re.source, rx.re.flags.replace('g', '') + 'g');
  const unicode = rx.re.flags.includes('u');
  let out = '';
  let last = 0;
  let count = 0;
  let pos = 0;
  // Python compiles the template before matching: a bad group reference fails even without a match.
  expandTemplate(template, Object.assign(new Array<string>(rx.groups + 1).fill(''), { index: 0, input: '' }) as unknown as RegExpExecArray, rx);
  // V8 may report a u-flag match between the halves of a surrogate pair; Python has no such position.
  const midPair = (i: number): boolean => unicode && i > 0 && i < s.length && /[\uD800-\uDBFF]/.test(s[i - 1]!) && /[\uDC00-\uDFFF]/.test(s[i]!);
  const search = (from: number): RegExpExecArray | null => {
    for (let at = from; at <= s.length; ) {
      re.lastIndex = at;
      const m = re.exec(s);
      if (!m || !midPair(m.index)) return m;
      at = m.index + 1;
    }
    return null;
  };
  const take = (m: RegExpExecArray): void => {
    out += s.slice(last, m.index) + expandTemplate(template, m, rx);
    last = m.index + m[0].length;
    count++;
  };
  while (pos <= s.length) {
    const m = search(pos);
    if (!m) break;
    take(m);
    if (m[0] !== '') {
      pos = m.index + m[0].length;
      continue;
    }
    const k = m.index;
    // A non-empty match starting at k: the end must lie past k (counted in code points under the u flag).
    const before = unicode ? [...s.slice(0, k)].length : k;
    const nonEmpty = new RegExp(`(?:${rx.re.source})(?<=^[\\s\\S]{${before + 1},})`, rx.re.flags.replace('g', '') + 'y');
    nonEmpty.lastIndex = k;
    const mm = nonEmpty.exec(s);
    if (mm) {
      take(mm);
      pos = mm.index + mm[0].length;
      continue;
    }
    if (k >= s.length) break;
    const cp = unicode ? s.codePointAt(k)! : 0;
    pos = k + (cp > 0xffff ? 2 : 1);
  }
  return { text: out + s.slice(last), count };
}
