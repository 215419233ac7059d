/** Core value filters: default, mandatory, ternary, bool, type_debug, int/float, math, sizes, dates. */
import type { Filter } from '../types.js';
import { PyError, PyFloat, Undefined, UndefinedError, bindArgs, cmp, float, isFloat, isInt, isNumber, num, str, truthy, typeName } from '../py.js';
import { filterError, filterTypeError, pyStrip } from './common.js';
import { percentFormat } from './strings.js';
import { roundFloat, roundInt } from './numfmt.js';

const b = bindArgs;

function flag<T extends Filter>(f: T): T {
  f.acceptsUndefined = true;
  return f;
}

/** Unicode decimal digits (Arabic-Indic, Devanagari…) as Python's int()/float() read them. */
export function asciiDigits(s: string): string {
  return s.replace(/\p{Nd}/gu, (d) => {
    let c = d.codePointAt(0)!;
    let start = c;
    while (/\p{Nd}/u.test(String.fromCodePoint(start - 1)) && c - start < 9) start--;
    c -= start;
    return String(c % 10);
  });
}

/** Python int(str, base); null when invalid. */
export function parseIntPy(sIn: string, base = 10): number | null {
  let s = asciiDigits(pyStrip(sIn));
  let neg = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  const pre = s.slice(0, 2).toLowerCase();
  if (base === 0) {
    if (pre === '0x') base = 16;
    else if (pre === '0o') base = 8;
    else if (pre === '0b') base = 2;
    else {
      base = 10;
      if (/^0+[_0]*[1-9]/.test(s)) return null;
    }
  }
  if ((base === 16 && pre === '0x') || (base === 8 && pre === '0o') || (base === 2 && pre === '0b')) {
    s = s.slice(2);
    if (s.startsWith('_')) s = s.slice(1);
  }
  if (!s || s.startsWith('_') || s.endsWith('_') || s.includes('__')) return null;
  s = s.replace(/_/g, '');
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
  let n = 0n;
  for (const c of s.toLowerCase()) {
    const d = digits.indexOf(c);
    if (d < 0) return null;
    n = n * BigInt(base) + BigInt(d);
  }
  const r = Number(neg ? -n : n);
  return Object.is(r, -0) ? 0 : r;
}

/** Python float(str); null when invalid. */
export function parseFloatPy(sIn: string): number | null {
  const s = asciiDigits(pyStrip(sIn)).toLowerCase();
  const m = /^([+-]?)(inf|infinity|nan)$/.exec(s);
  if (m) return m[2] === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity;
  if (!/^[+-]?(\d(_?\d)*(\.(\d(_?\d)*)?)?|\.\d(_?\d)*)(e[+-]?\d(_?\d)*)?$/.test(s)) return null;
  return parseFloat(s.replace(/_/g, ''));
}

/** Python float(x): number out, or null when Python raises TypeError/ValueError. */
export function toFloatPy(v: unknown): number | null {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (isNumber(v)) return num(v);
  if (typeof v === 'string') return parseFloatPy(v);
  return null;
}

/** Ansible's bool filter. */
export function toBool(a: unknown): unknown {
  if (a === null || typeof a === 'boolean') return a;
  let x = a;
  if (typeof x === 'string') x = x.toLowerCase();
  if (x === 'yes' || x === 'on' || x === '1' || x === 'true' || (isNumber(x) && num(x) === 1)) return true;
  return false;
}

const SIZE_RANGES: [string, number][] = [
  ['Y', 2 ** 80],
  ['Z', 2 ** 70],
  ['E', 2 ** 60],
  ['P', 2 ** 50],
  ['T', 2 ** 40],
  ['G', 2 ** 30],
  ['M', 2 ** 20],
  ['K', 2 ** 10],
  ['B', 1],
];

function bytesToHuman(size: unknown, isbits: boolean, unit: unknown): string {
  const base = isbits ? 'bits' : 'Bytes';
  let suffix = '';
  let limit = 1;
  for ([suffix, limit] of SIZE_RANGES) {
    if ((unit === null && cmp(size, limit, '>=') >= 0) || (unit !== null && str(unit).toUpperCase() === suffix[0])) break;
  }
  suffix = limit !== 1 ? suffix + base[0] : base;
  return percentFormat('%.2f %s', tupleOf([float(num(size) / limit), suffix]));
}
import { tuple as tupleOf } from '../py.js';

function humanToBytes(number: unknown, defaultUnit: unknown, isbits: boolean): number {
  const sn = str(number);
  const m = /^\s*(\d*\.?\d*)\s*([A-Za-z]+)?/i.exec(sn)!;
  const n = parseFloatPy(m[1]!);
  if (n === null) throw new PyError('ValueError', `human_to_bytes() can't interpret following number: ${m[1]} (original input string: ${sn})`);
  let unit: unknown = m[2] ?? null;
  if (unit === null) unit = defaultUnit;
  if (unit === null) return roundFloat(n, 0) || 0;
  const u = str(unit);
  const rangeKey = u[0]!.toUpperCase();
  const limit = SIZE_RANGES.find(([k]) => k === rangeKey)?.[1];
  if (limit === undefined) throw new PyError('ValueError', `human_to_bytes() failed to convert ${sn} (unit = ${u}). The suffix must be one of Y, Z, E, P, T, G, M, K, B`);
  const unitClass = isbits ? 'b' : 'B';
  const unitClassName = isbits ? 'bit' : 'byte';
  if (u.length > 1) {
    if (!u.toLowerCase().includes(unitClassName) && u[1] !== unitClass) {
      const expect = rangeKey === 'B' ? `expect ${unitClass} or ${unitClassName}` : `expect ${rangeKey}${unitClass} or ${rangeKey}`;
      throw new PyError('ValueError', `human_to_bytes() failed to convert ${sn}. Value is not a valid string (${expect})`);
    }
  }
  return roundFloat(n * limit, 0);
}

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** C strftime for the common directives (UTC fields of a Date, or local when utc=false). */
export function strftime(fmt: string, d: Date, utc: boolean): string {
  const g = utc
    ? { Y: d.getUTCFullYear(), m: d.getUTCMonth(), d: d.getUTCDate(), H: d.getUTCHours(), M: d.getUTCMinutes(), S: d.getUTCSeconds(), w: d.getUTCDay() }
    : { Y: d.getFullYear(), m: d.getMonth(), d: d.getDate(), H: d.getHours(), M: d.getMinutes(), S: d.getSeconds(), w: d.getDay() };
  const p2 = (n: number) => String(n).padStart(2, '0');
  const start = Date.UTC(g.Y, 0, 1);
  const doy = Math.floor((Date.UTC(g.Y, g.m, g.d) - start) / 86400000) + 1;
  const wdMon = (g.w + 6) % 7;
  return fmt.replace(/%([a-zA-Z%])/g, (m, c: string) => {
    switch (c) {
      case 'Y':
        return String(g.Y);
      case 'y':
        return p2(g.Y % 100);
      case 'm':
        return p2(g.m + 1);
      case 'd':
        return p2(g.d);
      case 'e':
        return String(g.d).padStart(2, ' ');
      case 'H':
        return p2(g.H);
      case 'I':
        return p2(g.H % 12 || 12);
      case 'M':
        return p2(g.M);
      case 'S':
        return p2(g.S);
      case 'p':
        return g.H < 12 ? 'AM' : 'PM';
      case 'a':
        return DAYS[wdMon]!.slice(0, 3);
      case 'A':
        return DAYS[wdMon]!;
      case 'b':
      case 'h':
        return MONTHS[g.m]!.slice(0, 3);
      case 'B':
        return MONTHS[g.m]!;
      case 'j':
        return String(doy).padStart(3, '0');
      case 'w':
        return String(g.w);
      case 'u':
        return String(wdMon + 1);
      case 'F':
        return `${g.Y}-${p2(g.m + 1)}-${p2(g.d)}`;
      case 'T':
        return `${p2(g.H)}:${p2(g.M)}:${p2(g.S)}`;
      case 'D':
        return `${p2(g.m + 1)}/${p2(g.d)}/${p2(g.Y % 100)}`;
      case 'R':
        return `${p2(g.H)}:${p2(g.M)}`;
      case 's':
        return String(Math.floor(d.getTime() / 1000));
      case 'Z':
        return utc
          ? 'UTC'
          : (Intl.DateTimeFormat('en', { timeZoneName: 'short' })
              .formatToParts(d)
              .find((x) => x.type === 'timeZoneName')?.value ?? '');
      case 'z': {
        const off = utc ? 0 : -d.getTimezoneOffset();
        return (off < 0 ? '-' : '+') + p2(Math.floor(Math.abs(off) / 60)) + p2(Math.abs(off) % 60);
      }
      case 'U':
        return p2(Math.floor((doy - 1 + 7 - g.w) / 7));
      case 'W':
        return p2(Math.floor((doy - 1 + 7 - wdMon) / 7));
      case 'c':
        return `${DAYS[wdMon]!.slice(0, 3)} ${MONTHS[g.m]!.slice(0, 3)} ${String(g.d).padStart(2, ' ')} ${p2(g.H)}:${p2(g.M)}:${p2(g.S)} ${g.Y}`;
      case 'x':
        return `${p2(g.m + 1)}/${p2(g.d)}/${p2(g.Y % 100)}`;
      case 'X':
        return `${p2(g.H)}:${p2(g.M)}:${p2(g.S)}`;
      case 'C':
        return p2(Math.floor(g.Y / 100));
      case 'k':
        return String(g.H).padStart(2, ' ');
      case 'l':
        return String(g.H % 12 || 12).padStart(2, ' ');
      case 'G':
      case 'g':
      case 'V': {
        const thursday = new Date(Date.UTC(g.Y, g.m, g.d + 3 - wdMon));
        const isoYear = thursday.getUTCFullYear();
        const week = 1 + Math.floor((thursday.getTime() - Date.UTC(isoYear, 0, 1)) / 86400000 / 7);
        return c === 'G' ? String(isoYear) : c === 'g' ? p2(isoYear % 100) : p2(week);
      }
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case '%':
        return '%';
      default:
        return m;
    }
  });
}

/** Python's datetime.strptime for the common directives (naive → a Date whose UTC fields are the parsed ones). */
export function strptime(s: string, fmt: string): Date {
  let re = '';
  const fields: string[] = [];
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c === '%' && i + 1 < fmt.length) {
      const d = fmt[++i]!;
      const map: Record<string, string> = {
        Y: '(\\d{4})',
        m: '(\\d{1,2})',
        d: '(\\d{1,2})',
        H: '(\\d{1,2})',
        M: '(\\d{1,2})',
        S: '(\\d{1,2})',
        y: '(\\d{2})',
        I: '(\\d{1,2})',
        f: '(\\d{1,6})',
        j: '(\\d{1,3})',
        b: '([A-Za-z]{3})',
        B: '([A-Za-z]+)',
        p: '(AM|PM|am|pm)',
        '%': '%',
      };
      if (!(d in map)) throw new PyError('ValueError', `'${d}' is a bad directive in format '${fmt}'`);
      re += map[d];
      if (d !== '%') fields.push(d);
    } else if (/\s/.test(c)) re += '\\s+';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  const m = new RegExp(`^${re}$`).exec(s);
  if (!m) throw new PyError('ValueError', `time data '${s}' does not match format '${fmt}'`);
  let Y = 1900,
    mo = 1,
    da = 1,
    H = 0,
    Mi = 0,
    S = 0,
    us = 0;
  let pm: boolean | null = null;
  fields.forEach((f, i) => {
    const v = m[i + 1]!;
    if (f === 'Y') Y = +v;
    else if (f === 'y') Y = +v < 69 ? 2000 + +v : 1900 + +v;
    else if (f === 'm') mo = +v;
    else if (f === 'd') da = +v;
    else if (f === 'H' || f === 'I') H = +v;
    else if (f === 'M') Mi = +v;
    else if (f === 'S') S = +v;
    else if (f === 'f') us = +v.padEnd(6, '0');
    else if (f === 'b' || f === 'B') mo = MONTHS.findIndex((x) => x.toLowerCase().startsWith(v.toLowerCase())) + 1;
    else if (f === 'p') pm = v.toLowerCase() === 'pm';
  });
  if (pm !== null) H = (H % 12) + (pm ? 12 : 0);
  const date = new Date(Date.UTC(Y, mo - 1, da, H, Mi, S, Math.floor(us / 1000)));
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== da) throw new PyError('ValueError', 'day is out of range for month');
  return date;
}

function mathNum(v: unknown, fname: string): number {
  if (typeof v === 'boolean' || isNumber(v)) return num(v);
  throw filterTypeError(`${fname}() can only be used on numbers: must be real number, not ${typeName(v)}`);
}

export const coreFilters: Record<string, Filter> = {
  default: flag((v, args, kw) => {
    const a = b('do_default', ['default_value', 'boolean'], args, kw, { default_value: '', boolean: false });
    if (v instanceof Undefined || (truthy(a.boolean) && !truthy(v))) return a.default_value;
    return v;
  }),
  mandatory: flag((v, args, kw) => {
    const a = b('mandatory', ['msg'], args, kw, { msg: null });
    if (v instanceof Undefined) {
      if (a.msg !== null) throw filterError(str(a.msg));
      // Python's _undefined_name is the last name looked up: 'bar' for foo.bar
      const last = v.name.split('.').pop() ?? '';
      const name = last ? `'${last}' ` : '';
      throw filterError(`Mandatory variable ${name} not defined.`);
    }
    return v;
  }),
  ternary: (v, args, kw) => {
    const a = b('ternary', ['true_val', 'false_val', 'none_val'], args, kw, { none_val: null });
    if (v === null && a.none_val !== null) return a.none_val;
    return truthy(v) ? a.true_val : a.false_val;
  },
  bool: (v) => toBool(v),
  type_debug: flag((v) => typeName(v)),
  int: (v, args, kw) => {
    const a = b('do_int', ['default', 'base'], args, kw, { default: 0, base: 10 });
    const base = num(a.base);
    if (typeof v === 'string') {
      const r = parseIntPy(v, base);
      if (r !== null) return r;
    } else if (typeof v === 'boolean' || isNumber(v)) {
      const n = num(v);
      if (Number.isFinite(n)) return Math.trunc(n) || 0;
    }
    const f = toFloatPy(v);
    if (f !== null && Number.isFinite(f)) return Math.trunc(f) || 0;
    // int(nan) raises ValueError, which do_int turns into the default; infinity's OverflowError escapes
    if (f !== null && !Number.isNaN(f)) throw new PyError('OverflowError', 'cannot convert float infinity to integer');
    return a.default;
  },
  float: (v, args, kw) => {
    const a = b('do_float', ['default'], args, kw, { default: new PyFloat(0) });
    const f = toFloatPy(v);
    return f === null ? a.default : float(f);
  },
  abs: (v) => {
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (!isNumber(v)) throw new PyError('TypeError', `bad operand type for abs(): '${typeName(v)}'`);
    return isFloat(v) ? float(Math.abs(num(v))) : Math.abs(num(v));
  },
  round: (v, args, kw) => {
    const a = b('do_round', ['precision', 'method'], args, kw, { precision: 0, method: 'common' });
    if (!['common', 'ceil', 'floor'].includes(str(a.method))) throw new PyError('FilterArgumentError', 'method must be common, ceil or floor');
    const p = num(a.precision);
    if (!isNumber(v) && typeof v !== 'boolean') throw new PyError('TypeError', `type ${typeName(v)} doesn't define __round__ method`);
    const x = num(v);
    if (a.method === 'common') {
      if (!isFloat(v)) return roundInt(x, p);
      return float(roundFloat(x, p));
    }
    const m = 10 ** p;
    return float((a.method === 'ceil' ? Math.ceil(x * m) : Math.floor(x * m)) / m);
  },
  log: (v, args, kw) => {
    const a = b('logarithm', ['base'], args, kw, { base: Math.E });
    const x = mathNum(v, 'log');
    if (x <= 0) throw new PyError('ValueError', 'math domain error');
    if (num(a.base) === 10) return float(Math.log10(x));
    return float(Math.log(x) / Math.log(num(a.base)));
  },
  pow: (v, args, kw) => {
    const a = b('power', ['y'], args, kw);
    const x = mathNum(v, 'pow');
    const y = mathNum(a.y, 'pow');
    const r = Math.pow(x, y);
    if (Number.isNaN(r) && !Number.isNaN(x) && !Number.isNaN(y)) throw new PyError('ValueError', 'math domain error');
    if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y))
      throw new PyError(x === 0 ? 'ValueError' : 'OverflowError', x === 0 ? 'math domain error' : 'math range error');
    return float(r);
  },
  root: (v, args, kw) => {
    const a = b('inversepower', ['base'], args, kw, { base: 2 });
    const x = mathNum(v, 'root');
    if (num(a.base) === 2) {
      if (x < 0) throw filterTypeError('root() can only be used on numbers: math domain error');
      return float(Math.sqrt(x));
    }
    const r = Math.pow(x, 1 / num(a.base));
    if (Number.isNaN(r) && !Number.isNaN(x)) throw filterTypeError('root() can only be used on numbers: math domain error');
    return float(r);
  },
  human_readable: (v, args, kw) => {
    const a = b('human_readable', ['isbits', 'unit'], args, kw, { isbits: false, unit: null });
    try {
      return bytesToHuman(v, truthy(a.isbits), a.unit);
    } catch (e) {
      if (e instanceof PyError && e.pyType === 'TypeError') throw filterTypeError(`human_readable() failed on bad input: ${e.message}`);
      throw filterError(`human_readable() can't interpret following string: ${str(v)}`);
    }
  },
  human_to_bytes: (v, args, kw) => {
    const a = b('human_to_bytes', ['default_unit', 'isbits'], args, kw, { default_unit: null, isbits: false });
    try {
      return humanToBytes(v, a.default_unit, truthy(a.isbits));
    } catch (e) {
      if (e instanceof PyError && e.pyType === 'TypeError') throw filterTypeError(`human_to_bytes() failed on bad input: ${e.message}`);
      throw filterError(`human_to_bytes() can't interpret following string: ${str(v)}`);
    }
  },
  to_datetime: (v, args, kw) => {
    const a = b('to_datetime', ['format'], args, kw, { format: '%Y-%m-%d %H:%M:%S' });
    return strptime(str(v), str(a.format));
  },
  strftime: (v, args, kw) => {
    const a = b('strftime', ['second', 'utc'], args, kw, { second: null, utc: false });
    let secs = Date.now() / 1000;
    if (a.second !== null) {
      const f = toFloatPy(a.second);
      if (f === null) throw filterError(`Invalid value for epoch value (${str(a.second)})`);
      secs = f;
    }
    return strftime(str(v), new Date(Math.floor(secs) * 1000), truthy(a.utc));
  },
};

export { UndefinedError, isInt };
