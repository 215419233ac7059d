/** String filters: Jinja2's builtins and Ansible's core string filters. */
import type { Filter } from '../types.js';
import {
  PyError,
  PyFloat,
  Undefined,
  UndefinedError,
  bindArgs,
  float,
  isDict,
  isFloat,
  isInt,
  isNumber,
  isTuple,
  iterate,
  num,
  repr,
  str,
  strRepr,
  truthy,
  typeName,
} from '../py.js';
import { argError, chars, filterError, pyReplace, pySplit, pyStrip, splitlines, text, attrGetter } from './common.js';
import { expo, fixed, general } from './numfmt.js';

const TITLE_MAP: Record<string, string> = {
  ß: 'Ss',
  ﬀ: 'Ff',
  ﬁ: 'Fi',
  ﬂ: 'Fl',
  ﬃ: 'Ffi',
  ﬄ: 'Ffl',
  ﬅ: 'St',
  ﬆ: 'St',
  ŉ: 'ʼN',
  ǰ: 'J̌',
  ΐ: 'Ϊ́',
  ΰ: 'Ϋ́',
  և: 'Եւ',
  ǆ: 'ǅ',
  Ǆ: 'ǅ',
  ǅ: 'ǅ',
  ǉ: 'ǈ',
  Ǉ: 'ǈ',
  ǈ: 'ǈ',
  ǌ: 'ǋ',
  Ǌ: 'ǋ',
  ǋ: 'ǋ',
  ǳ: 'ǲ',
  Ǳ: 'ǲ',
  ǲ: 'ǲ',
};

export function pyUpper(s: string): string {
  return s.toUpperCase();
}
export function pyLower(s: string): string {
  // Python lowercases İ to 'i̇' as JS does; final sigma: Python has no context rule
  return s.toLowerCase().replace(/ς/g, (m, i: number) => (s[i] === 'Σ' ? 'σ' : m));
}

export function pyCapitalize(s: string): string {
  const cs = chars(s);
  if (!cs.length) return '';
  const f = cs[0]!;
  return (TITLE_MAP[f] ?? pyUpper(f)) + pyLower(cs.slice(1).join(''));
}

function one(fname: string, spec: string[], defaults: Record<string, unknown> = {}) {
  return (args: unknown[], kwargs: Record<string, unknown>) => bindArgs(fname, spec, args, kwargs, defaults);
}

/** Python's textwrap.wrap with Jinja's options (expand_tabs=False, replace_whitespace=False). */
export function textwrap(textIn: string, width: number, breakLong: boolean, breakHyphens: boolean): string[] {
  const ws = '[\\t\\n\\x0b\\x0c\\r ]';
  const nws = '[^\\t\\n\\x0b\\x0c\\r ]';
  const wp = '[\\p{L}\\p{N}_!"\'&.,?]';
  const lt = '[\\p{L}\\p{Nl}\\p{No}_]';
  const re = breakHyphens
    ? new RegExp(
        `(${ws}+|(?<=${wp})-{2,}(?=[\\p{L}\\p{N}_])|${nws}+?(?:-(?:(?<=${lt}{2}-)|(?<=${lt}-${lt}-))(?=${lt}-?${lt})|(?=${ws}|$)|(?<=${wp})(?=-{2,}[\\p{L}\\p{N}_])))`,
        'u',
      )
    : new RegExp(`(${ws}+)`, 'u');
  const chunks = textIn.split(re).filter((c) => c);
  if (width <= 0) throw new PyError('ValueError', `invalid width ${width} (must be > 0)`);
  const isBlank = (c: string) => pyStrip(c) === '';
  const L = (c: string) => chars(c).length;
  chunks.reverse();
  const lines: string[] = [];
  while (chunks.length) {
    let cur: string[] = [];
    let curLen = 0;
    if (isBlank(chunks[chunks.length - 1]!) && lines.length) chunks.pop();
    while (chunks.length) {
      const l = L(chunks[chunks.length - 1]!);
      if (curLen + l <= width) {
        cur.push(chunks.pop()!);
        curLen += l;
      } else break;
    }
    if (chunks.length && L(chunks[chunks.length - 1]!) > width) {
      const spaceLeft = width < 1 ? 1 : width - curLen;
      if (breakLong) {
        let end = spaceLeft;
        const chunk = chars(chunks[chunks.length - 1]!);
        if (breakHyphens && chunk.length > spaceLeft) {
          const hyphen = chunk.slice(0, spaceLeft).lastIndexOf('-');
          if (hyphen > 0 && chunk.slice(0, hyphen).some((c) => c !== '-')) end = hyphen + 1;
        }
        cur.push(chunk.slice(0, end).join(''));
        chunks[chunks.length - 1] = chunk.slice(end).join('');
      } else if (!cur.length) cur.push(chunks.pop()!);
      curLen = cur.reduce((a, c) => a + L(c), 0);
    }
    if (cur.length && isBlank(cur[cur.length - 1]!)) cur = cur.slice(0, -1);
    if (cur.length) lines.push(cur.join(''));
  }
  return lines;
}

/** Python's `fmt % args` (args: a tuple of values, or a dict for %(name)s). */
export function percentFormat(fmt: string, args: unknown): string {
  const isMap = isDict(args);
  const list: unknown[] = isMap ? [] : Array.isArray(args) && isTuple(args) ? args : [args];
  let idx = 0;
  let out = '';
  let usedMap = false;
  const re = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?([hlL]?)(.?)/gy;
  let i = 0;
  const next = (): unknown => {
    if (idx >= list.length) throw new PyError('TypeError', 'not enough arguments for format string');
    return list[idx++];
  };
  while (i < fmt.length) {
    const p = fmt.indexOf('%', i);
    if (p < 0) {
      out += fmt.slice(i);
      break;
    }
    out += fmt.slice(i, p);
    re.lastIndex = p;
    const m = re.exec(fmt)!;
    i = re.lastIndex;
    const [, key, flags = '', widthS, precS, , conv] = m;
    if (conv === '') throw new PyError('ValueError', 'incomplete format');
    if (conv === '%' && key === undefined) {
      out += '%';
      continue;
    }
    let value: unknown;
    let width = widthS === '*' ? (num(next()) as number) : widthS ? parseInt(widthS, 10) : 0;
    const prec = precS === '*' ? (num(next()) as number) : precS !== undefined ? (precS === '' ? 0 : parseInt(precS, 10)) : undefined;
    if (key !== undefined) {
      if (!isMap) throw new PyError('TypeError', 'format requires a mapping');
      usedMap = true;
      const d = args as Record<string, unknown>;
      if (!Object.hasOwn(d, key)) throw new PyError('KeyError', strRepr(key));
      value = d[key];
    } else if (conv !== '%') {
      value = isMap ? args : next();
    }
    const left = flags.includes('-');
    const zero = flags.includes('0') && !left;
    const plus = flags.includes('+');
    const space = flags.includes(' ');
    const alt = flags.includes('#');
    let body: string;
    let numeric = false;
    let sign = '';
    const numArg = (c: string): number => {
      if (typeof value === 'boolean' || isNumber(value)) return num(value);
      if (c === 'd' || c === 'i' || c === 'u') throw new PyError('TypeError', `%${c} format: a real number is required, not ${typeName(value)}`);
      if ('xXoc'.includes(c)) throw new PyError('TypeError', `%${c} format: an integer is required, not ${typeName(value)}`);
      throw new PyError('TypeError', `must be real number, not ${typeName(value)}`);
    };
    switch (conv) {
      case 's':
      case 'r':
      case 'a': {
        body = conv === 's' ? str(value) : repr(value);
        if (prec !== undefined) body = chars(body).slice(0, prec).join('');
        break;
      }
      case 'd':
      case 'i':
      case 'u':
      case 'x':
      case 'X':
      case 'o': {
        let n = numArg(conv!);
        if ('xXo'.includes(conv!) && isFloat(value)) throw new PyError('TypeError', `%${conv} format: an integer is required, not float`);
        n = Math.trunc(n);
        numeric = true;
        if (n < 0 || Object.is(n, -0)) sign = n < 0 ? '-' : '';
        const a = Math.abs(n);
        let digits = conv === 'x' ? a.toString(16) : conv === 'X' ? a.toString(16).toUpperCase() : conv === 'o' ? a.toString(8) : BigInt(a).toString();
        if (prec !== undefined && digits.length < prec) digits = digits.padStart(prec, '0');
        if (alt && conv === 'x') digits = '0x' + digits;
        if (alt && conv === 'X') digits = '0X' + digits;
        if (alt && conv === 'o') digits = '0o' + digits;
        body = digits;
        break;
      }
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G': {
        const n = numArg(conv!);
        numeric = true;
        if (n < 0 || Object.is(n, -0)) sign = '-';
        const a = Math.abs(n);
        const p = prec ?? 6;
        if (Number.isNaN(n)) body = conv === conv!.toUpperCase() ? 'NAN' : 'nan';
        else if (!Number.isFinite(n)) body = conv === conv!.toUpperCase() ? 'INF' : 'inf';
        else if (conv === 'f' || conv === 'F') body = fixed(a, p) + (alt && p === 0 ? '.' : '');
        else if (conv === 'e' || conv === 'E') body = expo(a, p, conv === 'E');
        else body = general(a, p, alt, conv === 'G');
        break;
      }
      case 'c': {
        if (typeof value === 'string') {
          if (chars(value).length !== 1) throw new PyError('TypeError', '%c requires int or char');
          body = value;
        } else if (isInt(value)) body = String.fromCodePoint(value as number);
        else throw new PyError('TypeError', '%c requires int or char');
        break;
      }
      case '%':
        body = '%';
        break;
      default:
        throw new PyError('ValueError', `unsupported format character '${conv}' (0x${conv!.codePointAt(0)!.toString(16)}) at index ${p + m[0].length - 1}`);
    }
    if (numeric) {
      if (!sign) sign = plus ? '+' : space ? ' ' : '';
      const total = sign.length + body.length;
      if (width > total) {
        if (left) body = sign + body + ' '.repeat(width - total);
        else if (zero) {
          const pre = body.match(/^0[xXo]/)?.[0] ?? '';
          body = sign + pre + '0'.repeat(width - total) + body.slice(pre.length);
        } else body = ' '.repeat(width - total) + sign + body;
      } else body = sign + body;
      out += body;
    } else {
      const l = chars(body).length;
      if (width < 0) {
        width = -width;
      }
      out += width > l ? (left ? body + ' '.repeat(width - l) : ' '.repeat(width - l) + body) : body;
    }
  }
  if (!isMap && idx < list.length) throw new PyError('TypeError', 'not all arguments converted during string formatting');
  void usedMap;
  return out;
}

/** Python's shlex.quote. */
export function shellQuote(s: string): string {
  if (!s) return "''";
  if (!/[^\w@%+=:,./-]/.test(s)) return s;
  return "'" + s.replace(/'/g, `'"'"'`) + "'";
}

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** Encode a string in a Python codec (the few base64 users pass). */
export function encodeText(s: string, enc: string): Uint8Array {
  const e = enc.toLowerCase().replace(/_/g, '-');
  if (e === 'utf-8' || e === 'utf8') return utf8(s);
  if (e === 'latin-1' || e === 'latin1' || e === 'iso-8859-1' || e === 'ascii') {
    const cs = chars(s);
    return Uint8Array.from(
      cs.map((c) => {
        const n = c.codePointAt(0)!;
        if (n > (e === 'ascii' ? 127 : 255)) throw new PyError('UnicodeEncodeError', `'${e === 'ascii' ? 'ascii' : 'latin-1'}' codec can't encode character`);
        return n;
      }),
    );
  }
  if (e === 'utf-16' || e === 'utf-16-le' || e === 'utf-16le' || e === 'utf-16-be') {
    const bom = e === 'utf-16';
    const be = e === 'utf-16-be';
    const out: number[] = bom ? [0xff, 0xfe] : [];
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (be) out.push(c >> 8, c & 255);
      else out.push(c & 255, c >> 8);
    }
    return Uint8Array.from(out);
  }
  throw new PyError('LookupError', `unknown encoding: ${enc}`);
}

export function decodeText(b: Uint8Array, enc: string): string {
  const e = enc.toLowerCase().replace(/_/g, '-');
  if (e === 'latin-1' || e === 'latin1' || e === 'iso-8859-1') return String.fromCharCode(...b);
  if (e === 'utf-8' || e === 'utf8') return new TextDecoder('utf-8', { fatal: false }).decode(b);
  if (e === 'utf-16' || e === 'utf-16-le' || e === 'utf-16le') {
    let bytes = b;
    if (e === 'utf-16' && b[0] === 0xff && b[1] === 0xfe) bytes = b.slice(2);
    return new TextDecoder('utf-16le').decode(bytes);
  }
  if (e === 'ascii') return String.fromCharCode(...b);
  throw new PyError('LookupError', `unknown encoding: ${enc}`);
}

/** Python's urllib.parse.quote (safe='/' by default; for_qs: quote_plus with safe=''). */
export function urlQuote(v: unknown, forQs = false): string {
  const s = typeof v === 'string' ? v : str(v);
  const safe = forQs ? '' : '/';
  let out = '';
  for (const b of utf8(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9_.~-]/.test(c) || safe.includes(c)) out += c;
    else if (forQs && c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Python's urllib.parse.unquote_plus. */
export function unquotePlus(s: string): string {
  s = s.replace(/\+/g, ' ');
  return s.replace(/(%[0-9a-fA-F]{2})+/g, (m) => {
    const bytes = Uint8Array.from(m.match(/%[0-9a-fA-F]{2}/g)!.map((h) => parseInt(h.slice(1), 16)));
    return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  });
}

/** Markupsafe's escape (values are str()'d first). */
export function htmlEscape(v: unknown): string {
  return str(v).replace(/&/g, '&amp;').replace(/>/g, '&gt;').replace(/</g, '&lt;').replace(/'/g, '&#39;').replace(/"/g, '&#34;');
}

/** Python's html.unescape (common entities). */
function htmlUnescape(s: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®' };
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[A-Za-z]+);?/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return named[e] ?? m;
  });
}

/** Python's str.center. */
function center(s: string, width: number, fill = ' '): string {
  const l = chars(s).length;
  if (width <= l) return s;
  const marg = width - l;
  const left = Math.floor(marg / 2) + (marg & width & 1);
  return fill.repeat(left) + s + fill.repeat(marg - left);
}

/** Python's pprint.pformat (width 80, dicts sorted): containers that do not fit are split one item a line. */
function pprint(v: unknown): string {
  const width = 80;
  let out = '';
  const rep = (x: unknown) => repr(sortRec(x));
  const L = (s: string) => chars(s).length;
  const formatStr = (x: string, indent: number, allowance: number, level: number): void => {
    const lines = splitlines(x, true);
    if (level === 1) {
      indent++;
      allowance++;
    }
    const maxWidth = width - indent;
    let maxWidth1 = maxWidth;
    const chunks: string[] = [];
    let r = strRepr(x);
    lines.forEach((line, i) => {
      r = strRepr(line);
      if (i === lines.length - 1) maxWidth1 -= allowance;
      if (L(r) <= maxWidth1) chunks.push(r);
      else {
        const parts = line.match(/\S*\s*/gu)!.filter((p, j, all) => j < all.length - 1 || p);
        let maxWidth2 = maxWidth;
        let current = '';
        parts.forEach((part, j) => {
          const candidate = current + part;
          if (j === parts.length - 1 && i === lines.length - 1) maxWidth2 -= allowance;
          if (L(strRepr(candidate)) > maxWidth2) {
            if (current) chunks.push(strRepr(current));
            current = part;
          } else current = candidate;
        });
        if (current) chunks.push(strRepr(current));
      }
    });
    if (chunks.length === 1) {
      out += r;
      return;
    }
    out += (level === 1 ? '(' : '') + chunks.join('\n' + ' '.repeat(indent)) + (level === 1 ? ')' : '');
  };
  const format = (x: unknown, indent: number, allowance: number, level = 0): void => {
    const r = rep(x);
    if (chars(r).length > width - indent - allowance) {
      if (typeof x === 'string' && x) {
        formatStr(x, indent, allowance, level + 1);
        return;
      }
      if (isDict(x) && Object.keys(x).length) {
        out += '{';
        const keys = Object.keys(x).sort();
        const ind = indent + 1;
        keys.forEach((k, i) => {
          const last = i === keys.length - 1;
          const kr = strRepr(k);
          out += kr + ': ';
          format(x[k], ind + chars(kr).length + 2, last ? allowance + 1 : 1, level + 1);
          if (!last) out += ',\n' + ' '.repeat(ind);
        });
        out += '}';
        return;
      }
      if (Array.isArray(x) && x.length) {
        const tup = isTuple(x);
        const end = tup ? (x.length === 1 ? ',)' : ')') : ']';
        out += tup ? '(' : '[';
        const ind = indent + 1;
        x.forEach((y, i) => {
          const last = i === x.length - 1;
          if (i) out += ',\n' + ' '.repeat(ind);
          format(y, ind, last ? allowance + end.length : 1, level + 1);
        });
        out += end;
        return;
      }
    }
    out += r;
  };
  format(v, 0, 0);
  return out;
}

/** A copy with dict keys sorted at every level (pprint's sort_dicts). */
function sortRec(x: unknown): unknown {
  if (Array.isArray(x)) {
    const r = x.map(sortRec);
    return isTuple(x) ? markTuple(r) : r;
  }
  if (isDict(x)) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(x).sort()) o[k] = sortRec(x[k]);
    return o;
  }
  return x;
}
import { tuple as markTuple } from '../py.js';

function toStrInput(v: unknown): string {
  return text(v);
}

export const stringFilters: Record<string, Filter> = {
  lower: (v) => pyLower(toStrInput(v)),
  upper: (v) => pyUpper(toStrInput(v)),
  capitalize: (v) => pyCapitalize(toStrInput(v)),
  title: (v) =>
    toStrInput(v)
      .split(/([-\s({[<]+)/u)
      .filter((x) => x)
      .map((item) => {
        const cs = chars(item);
        return pyUpper(cs[0]!) + pyLower(cs.slice(1).join(''));
      })
      .join(''),
  trim: (v, args, kw) => {
    const a = one('do_trim', ['chars'], { chars: null })(args, kw);
    return pyStrip(toStrInput(v), a.chars === null ? null : str(a.chars));
  },
  replace: (v, args, kw) => {
    const a = one('do_replace', ['old', 'new', 'count'], { count: null })(args, kw);
    return pyReplace(str(v), str(a.old), str(a.new), a.count === null ? -1 : num(a.count));
  },
  center: (v, args, kw) => {
    const a = one('do_center', ['width'], { width: 80 })(args, kw);
    return center(toStrInput(v), num(a.width));
  },
  indent: (v, args, kw) => {
    const a = one('do_indent', ['width', 'first', 'blank'], { width: 4, first: false, blank: false })(args, kw);
    const ind = typeof a.width === 'string' ? a.width : ' '.repeat(num(a.width));
    const s = toStrInput(v) + '\n';
    let rv: string;
    if (truthy(a.blank)) rv = splitlines(s).join('\n' + ind);
    else {
      const lines = splitlines(s);
      rv = lines.shift() ?? '';
      if (lines.length) rv += '\n' + lines.map((l) => (l ? ind + l : l)).join('\n');
    }
    if (truthy(a.first)) rv = ind + rv;
    return rv;
  },
  wordwrap: (v, args, kw) => {
    const a = one('do_wordwrap', ['width', 'break_long_words', 'wrapstring', 'break_on_hyphens'], { width: 79, break_long_words: true, wrapstring: null, break_on_hyphens: true })(
      args,
      kw,
    );
    const wrap = a.wrapstring === null ? '\n' : str(a.wrapstring);
    return splitlines(toStrInput(v))
      .map((line) => textwrap(line, num(a.width), truthy(a.break_long_words), truthy(a.break_on_hyphens)).join(wrap))
      .join(wrap);
  },
  truncate: (v, args, kw) => {
    const a = one('do_truncate', ['length', 'killwords', 'end', 'leeway'], { length: 255, killwords: false, end: '...', leeway: null })(args, kw);
    const s = chars(toStrInput(v));
    const length = num(a.length);
    const end = str(a.end);
    const leeway = a.leeway === null ? 5 : num(a.leeway);
    const endLen = chars(end).length;
    if (!(length >= endLen)) throw new PyError('AssertionError', `expected length >= ${endLen}, got ${length}`);
    if (!(leeway >= 0)) throw new PyError('AssertionError', `expected leeway >= 0, got ${leeway}`);
    if (s.length <= length + leeway) return s.join('');
    if (truthy(a.killwords)) return s.slice(0, length - endLen).join('') + end;
    const head = s.slice(0, length - endLen).join('');
    const sp = head.lastIndexOf(' ');
    return (sp >= 0 ? head.slice(0, sp) : head) + end;
  },
  wordcount: (v) => (toStrInput(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length,
  striptags: (v) => {
    let s = str(v);
    s = s.replace(/<!--.*?-->|<[^>]*>/gs, '');
    s = pySplit(s).join(' ');
    return htmlUnescape(s);
  },
  format: (v, args, kw) => {
    if (args.length && Object.keys(kw).length) throw argError("can't handle positional and keyword arguments at the same time");
    return percentFormat(toStrInput(v), Object.keys(kw).length ? kw : markTuple([...args]));
  },
  string: (v) => str(v),
  quote: (v) => shellQuote(v === null ? '' : str(v)),
  comment: (v, args, kw) => {
    const styleArg = args.length ? args[0] : 'style' in kw ? kw.style : 'plain';
    const kwx: Record<string, unknown> = { ...kw };
    delete kwx.style;
    const styles: Record<string, Record<string, string>> = {
      plain: { decoration: '# ' },
      erlang: { decoration: '% ' },
      c: { decoration: '// ' },
      cblock: { beginning: '/*', decoration: ' * ', end: ' */' },
      xml: { beginning: '<!--', decoration: ' - ', end: '-->' },
    };
    const style = styles[str(styleArg)];
    if (!style) throw new PyError('KeyError', strRepr(str(styleArg)));
    const prepostfix = 'decoration' in kwx ? str(kwx.decoration) : style.decoration!;
    const p: Record<string, unknown> = {
      newline: '\n',
      beginning: '',
      prefix: pyStrip(prepostfix, null, false, true),
      prefix_count: 1,
      decoration: '',
      postfix: pyStrip(prepostfix, null, false, true),
      postfix_count: 1,
      end: '',
      ...style,
      ...kwx,
    };
    const nl = str(p.newline);
    const deco = str(p.decoration);
    const t = str(v);
    const strBeginning = truthy(p.beginning) ? `${str(p.beginning)}${nl}` : '';
    let strPrefix = '';
    if (truthy(p.prefix)) strPrefix = (p.prefix !== nl ? `${str(p.prefix)}${nl}` : nl).repeat(Math.max(0, Math.trunc(num(p.prefix_count))));
    const strText = pyReplace(deco + pyReplace(t, nl, nl + deco), deco + nl, pyStrip(deco, null, false, true) + nl);
    const strPostfix = ['', ...Array.from({ length: Math.max(0, num(p.postfix_count)) }, () => str(p.postfix))].join(nl);
    const strEnd = truthy(p.end) ? `${nl}${str(p.end)}` : '';
    return strBeginning + strPrefix + strText + strPostfix + strEnd;
  },
  b64encode: (v, args, kw) => {
    const a = one('b64encode', ['encoding'], { encoding: 'utf-8' })(args, kw);
    return Buffer.from(encodeText(str(v), str(a.encoding))).toString('base64');
  },
  b64decode: (v, args, kw) => {
    const a = one('b64decode', ['encoding'], { encoding: 'utf-8' })(args, kw);
    const s = str(v).replace(/[^A-Za-z0-9+/=]/g, '');
    const data = s.replace(/=+$/, '');
    if (data.length % 4 === 1) throw new PyError('Error', `Invalid base64-encoded string: number of data characters (${data.length}) cannot be 1 more than a multiple of 4`);
    if (s.length % 4 !== 0) throw new PyError('Error', 'Incorrect padding');
    return decodeText(new Uint8Array(Buffer.from(s, 'base64')), str(a.encoding));
  },
  urlencode: (v) => {
    if (typeof v === 'string' || !(Array.isArray(v) || isDict(v))) return urlQuote(v);
    const items: unknown[][] = isDict(v) ? Object.entries(v) : v.map((x) => iterate(x));
    return items.map(([k, x]) => `${urlQuote(k, true)}=${urlQuote(x, true)}`).join('&');
  },
  urldecode: (v) => unquotePlus(str(v)),
  xmlattr: (v, args, kw) => {
    const a = one('do_xmlattr', ['autospace'], { autospace: true })(args, kw);
    if (!isDict(v)) throw new PyError('AttributeError', `'${typeName(v)}' object has no attribute 'items'`);
    const items: string[] = [];
    for (const [k, x] of Object.entries(v)) {
      if (x === null || x instanceof Undefined) continue;
      if (/[\s/>=]/.test(k)) throw new PyError('ValueError', `Invalid character in attribute name: ${strRepr(k)}`);
      items.push(`${htmlEscape(k)}="${htmlEscape(x)}"`);
    }
    let rv = items.join(' ');
    if (truthy(a.autospace) && rv) rv = ' ' + rv;
    return rv;
  },
  pprint: (v) => pprint(v),
  escape: (v) => htmlEscape(v),
  e: (v) => htmlEscape(v),
  forceescape: (v) => htmlEscape(v),
  safe: (v) => str(v),
  filesizeformat: (v, args, kw) => {
    const a = one('do_filesizeformat', ['binary'], { binary: false })(args, kw);
    const bytes = typeof v === 'string' ? parseFloat(v) : num(v);
    const binary = truthy(a.binary);
    const base = binary ? 1024 : 1000;
    const prefixes = binary ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
    if (bytes === 1) return '1 Byte';
    if (bytes < base) return `${Math.trunc(bytes)} Bytes`;
    let unit = 0;
    let prefix = '';
    for (let i = 0; i < prefixes.length; i++) {
      unit = base ** (i + 2);
      prefix = prefixes[i]!;
      if (bytes < unit) break;
    }
    return `${fixed((base * bytes) / unit, 1)} ${prefix}`;
  },
  attr: (v, args, kw) => {
    const a = one('do_attr', ['name'])(args, kw);
    const name = str(a.name);
    if (isDict(v) && Object.hasOwn(v, name)) return new Undefined(name, `'dict object' has no attribute '${name}'`);
    return new Undefined(name, `'${typeName(v)} object' has no attribute '${name}'`);
  },
};

export { attrGetter, PyFloat, UndefinedError, float, filterError };
