/** CPython's random.Random (MT19937, version-2 seeding) for the seeded random/shuffle filters. */
import { createHash, randomInt } from 'node:crypto';
import type { Filter } from '../types.js';
import { PyError, bindArgs, isDict, isInt, iterate, num, str, truthy } from '../py.js';
import { filterError } from './common.js';

export class PyRandom {
  private mt = new Uint32Array(624);
  private mti = 625;

  constructor(seed: unknown) {
    this.seed(seed);
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = 624;
  }

  private initByArray(key: number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    const len = key.length;
    for (let k = Math.max(624, len); k; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= 624) {
        mt[0] = mt[623]!;
        i = 1;
      }
      if (j >= len) j = 0;
    }
    for (let k = 623; k; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= 624) {
        mt[0] = mt[623]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  seed(a: unknown): void {
    let n: bigint;
    if (typeof a === 'string') {
      const bytes = Buffer.from(a, 'utf8');
      const all = Buffer.concat([bytes, createHash('sha512').update(bytes).digest()]);
      n = all.length ? BigInt('0x' + all.toString('hex')) : 0n;
    } else if (typeof a === 'boolean') n = a ? 1n : 0n;
    else if (typeof a === 'number' && Number.isInteger(a)) n = BigInt(a);
    else if (typeof a === 'bigint') n = a;
    else if (typeof a === 'number') {
      // float seeds hash the float; integral ones equal their int
      throw new PyError('TypeError', 'float seeds are not supported here');
    } else throw new PyError('TypeError', 'The only supported seed types are: None,\nint, float, str, bytes, and bytearray.');
    if (n < 0n) n = -n;
    const key: number[] = [];
    if (n === 0n) key.push(0);
    while (n > 0n) {
      key.push(Number(n & 0xffffffffn));
      n >>= 32n;
    }
    this.initByArray(key);
  }

  genrand(): number {
    const mt = this.mt;
    if (this.mti >= 624) {
      let kk = 0;
      const mag = (y: number) => (y & 1 ? 0x9908b0df : 0);
      for (; kk < 624 - 397; kk++) {
        const y = (mt[kk]! & 0x80000000) | (mt[kk + 1]! & 0x7fffffff);
        mt[kk] = mt[kk + 397]! ^ (y >>> 1) ^ mag(y);
      }
      for (; kk < 623; kk++) {
        const y = (mt[kk]! & 0x80000000) | (mt[kk + 1]! & 0x7fffffff);
        mt[kk] = mt[kk + (397 - 624)]! ^ (y >>> 1) ^ mag(y);
      }
      const y = (mt[623]! & 0x80000000) | (mt[0]! & 0x7fffffff);
      mt[623] = mt[396]! ^ (y >>> 1) ^ mag(y);
      this.mti = 0;
    }
    let y = mt[this.mti++]!;
    y ^= y >>> 11;
    y = (y ^ ((y << 7) & 0x9d2c5680)) >>> 0;
    y = (y ^ ((y << 15) & 0xefc60000)) >>> 0;
    y ^= y >>> 18;
    return y >>> 0;
  }

  getrandbits(k: number): bigint {
    if (k <= 32) return BigInt(this.genrand() >>> (32 - k));
    let out = 0n;
    let shift = 0n;
    for (let left = k; left > 0; left -= 32) {
      let r = this.genrand();
      if (left < 32) r >>>= 32 - left;
      out |= BigInt(r) << shift;
      shift += 32n;
    }
    return out;
  }

  randbelow(n: number): number {
    const bn = BigInt(n);
    const k = bn.toString(2).length;
    let r = this.getrandbits(k);
    while (r >= bn) r = this.getrandbits(k);
    return Number(r);
  }

  random(): number {
    const a = this.genrand() >>> 5;
    const b = this.genrand() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}

/** SystemRandom stand-in. */
class SysRandom {
  randbelow(n: number): number {
    return n <= 2 ** 48 - 1 ? randomInt(n) : Math.floor(Math.random() * n);
  }
}

function randrange(r: { randbelow(n: number): number }, start: number, stop: number, step: number): number {
  const width = stop - start;
  if (step === 1) {
    if (width > 0) return start + r.randbelow(width);
    throw new PyError('ValueError', `empty range for randrange() (${start}, ${stop}, ${width})`);
  }
  let n: number;
  if (step > 0) n = Math.floor((width + step - 1) / step);
  else if (step < 0) n = Math.floor((width + step + 1) / step);
  else throw new PyError('ValueError', 'zero step for randrange()');
  if (n <= 0) throw new PyError('ValueError', 'empty range for randrange()');
  return start + step * r.randbelow(n);
}

export const randomFilters: Record<string, Filter> = {
  random: (v, args, kw) => {
    const a = bindArgs('rand', ['start', 'step', 'seed'], args, kw, { start: null, step: null, seed: null });
    const r = a.seed === null ? new SysRandom() : new PyRandom(a.seed);
    if (isInt(v) || typeof v === 'boolean') {
      const start = truthy(a.start) ? num(a.start) : 0;
      const step = truthy(a.step) ? num(a.step) : 1;
      return randrange(r, start, num(v), step);
    }
    if (typeof v === 'string' || Array.isArray(v) || isDict(v)) {
      if (truthy(a.start) || truthy(a.step)) throw filterError('start and step can only be used with integer values');
      const seq = iterate(v);
      if (!seq.length) throw new PyError('IndexError', 'Cannot choose from an empty sequence');
      const i = r.randbelow(seq.length);
      if (isDict(v)) {
        if (!Object.hasOwn(v, String(i))) throw new PyError('KeyError', String(i));
        return v[String(i)];
      }
      return seq[i];
    }
    throw filterError('random can only be used on sequences and integers');
  },
  shuffle: (v, args, kw) => {
    const a = bindArgs('randomize_list', ['seed'], args, kw, { seed: null });
    let list: unknown[];
    try {
      list = [...iterate(v)];
    } catch {
      return v;
    }
    const r = truthy(a.seed) ? new PyRandom(a.seed) : new SysRandom();
    for (let i = list.length - 1; i > 0; i--) {
      const j = r.randbelow(i + 1);
      [list[i], list[j]] = [list[j], list[i]];
    }
    return list;
  },
};

export { str };
