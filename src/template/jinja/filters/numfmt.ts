/** Exact decimal formatting of doubles as Python does it (%f, %e, %g, round()). */
import { PyError, floatRepr } from '../py.js';

/** The exact decimal value of a finite double: digits (no leading zeros) and the position of the point. */
function exact(x: number): { neg: boolean; digits: string; point: number } {
  const neg = x < 0 || Object.is(x, -0);
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(x));
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const expBits = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (expBits === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = expBits - 1075;
  }
  if (mant === 0n) return { neg, digits: '0', point: 1 };
  if (e2 >= 0) {
    const d = (mant << BigInt(e2)).toString();
    return { neg, digits: d, point: d.length };
  }
  const d = (mant * 5n ** BigInt(-e2)).toString();
  return { neg, digits: d, point: d.length + e2 };
}

/** Round a digit string to keep `keep` digits (half-even on exact value); returns digits and carry. */
function roundDigits(digits: string, keep: number): { digits: string; carry: boolean } {
  if (keep < 0) return { digits: '', carry: false };
  if (digits.length <= keep) return { digits: digits.padEnd(keep, '0'), carry: false };
  const head = digits.slice(0, keep);
  const rest = digits.slice(keep);
  const first = rest.charCodeAt(0) - 48;
  let up = false;
  if (first > 5) up = true;
  else if (first === 5) {
    if (/[1-9]/.test(rest.slice(1))) up = true;
    else up = keep > 0 ? (head.charCodeAt(keep - 1) - 48) % 2 === 1 : false;
  }
  if (!up) return { digits: head, carry: false };
  if (keep === 0) return { digits: '', carry: true };
  const n = (BigInt(head) + 1n).toString().padStart(keep, '0');
  if (n.length > keep) return { digits: n.slice(0, keep), carry: true };
  return { digits: n, carry: false };
}

/** '%.Nf' of a finite double, without sign. */
export function fixed(x: number, prec: number): string {
  const { digits, point } = exact(x);
  // digits * 10^(point - len)
  const all = point <= 0 ? '0'.repeat(-point) + digits : digits;
  const p = Math.max(point, 0);
  const keep = p + prec;
  const r = roundDigits(all, keep);
  let d = r.digits;
  if (r.carry) d = '1' + d;
  const ip = d.length - prec;
  const intDigits = d.slice(0, ip).replace(/^0+(?=\d)/, '') || '0';
  const frac = d.slice(ip);
  return prec > 0 ? `${intDigits}.${frac}` : intDigits;
}

/** '%.Ne' of a finite double, without sign: mantissa digits and exponent. */
export function expo(x: number, prec: number, upper = false): string {
  if (x === 0) return `${prec > 0 ? '0.' + '0'.repeat(prec) : '0'}${upper ? 'E' : 'e'}+00`;
  const { digits, point } = exact(x);
  const r = roundDigits(digits, prec + 1);
  let d = r.digits;
  let e = point - 1;
  if (r.carry) {
    d = '1' + d.slice(0, prec);
    e++;
  }
  const m = prec > 0 ? `${d[0]}.${d.slice(1)}` : d[0]!;
  return `${m}${upper ? 'E' : 'e'}${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** '%.Ng'. */
export function general(x: number, prec: number, alt = false, upper = false): string {
  if (prec === 0) prec = 1;
  if (x === 0) return alt ? '0.' + '0'.repeat(prec - 1) : '0';
  const es = expo(x, prec - 1);
  const e = parseInt(es.split('e')[1]!, 10);
  let out: string;
  if (e < -4 || e >= prec) {
    out = es;
    if (!alt) out = out.replace(/\.?0+e/, 'e');
    if (upper) out = out.toUpperCase();
  } else {
    out = fixed(x, prec - 1 - e);
    if (!alt && out.includes('.')) out = out.replace(/\.?0+$/, '');
  }
  return out;
}

/** Python's round(x, n) for floats (correctly rounded, half-even). */
export function roundFloat(x: number, n: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (n > 300) return x;
  if (n >= 0) {
    const s = fixed(x, n);
    return (x < 0 ? -1 : 1) * parseFloat(s);
  }
  const m = 10 ** -n;
  const q = x / m;
  const s = fixed(q, 0);
  // exactness: Python computes on the exact value too; q is inexact for huge n but fine here
  return (x < 0 ? -1 : 1) * parseFloat(s) * m;
}

/** Python's round(int, n) for n < 0 (half-even). */
export function roundInt(v: number, n: number): number {
  if (n >= 0) return v;
  const m = 10 ** -n;
  const q = Math.floor(v / m);
  const r = v - q * m;
  let res = q;
  if (r * 2 > m || (r * 2 === m && q % 2 !== 0)) res = q + 1;
  return res * m;
}

export { floatRepr, PyError };
