/** bcrypt ($2b$) as passlib computes it for password_hash('blowfish'). */

/** Blowfish's initial P-array and S-boxes are the hexadecimal digits of pi's fraction (1042 words). */
function piWords(n: number): Uint32Array {
  const bits = BigInt(n * 32 + 64);
  const one = 1n << bits;
  const arctanInv = (x: bigint): bigint => {
    let sum = 0n;
    let term = one / x;
    const x2 = x * x;
    for (let k = 0n; term !== 0n; k++) {
      const t = term / (2n * k + 1n);
      sum += k % 2n === 0n ? t : -t;
      term /= x2;
    }
    return sum;
  };
  const pi = 16n * arctanInv(5n) - 4n * arctanInv(239n);
  let frac = (pi - 3n * one) >> 64n; // n*32 fraction bits
  const out = new Uint32Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(frac & 0xffffffffn);
    frac >>= 32n;
  }
  return out;
}

let INIT: Uint32Array | undefined;

class Blowfish {
  P: Uint32Array;
  S: Uint32Array;
  constructor() {
    INIT ??= piWords(18 + 1024);
    this.P = INIT.slice(0, 18);
    this.S = INIT.slice(18);
  }
  private F(x: number): number {
    const S = this.S;
    return ((((S[x >>> 24]! + S[256 + ((x >>> 16) & 0xff)]!) >>> 0) ^ S[512 + ((x >>> 8) & 0xff)]!) + S[768 + (x & 0xff)]!) >>> 0;
  }
  encrypt(lr: Uint32Array, off: number): void {
    const P = this.P;
    let l = lr[off]! ^ P[0]!;
    let r = lr[off + 1]!;
    for (let n = 1; n <= 16; n += 2) {
      r ^= this.F(l) ^ P[n]!;
      l ^= this.F(r >>> 0) ^ P[n + 1]!;
    }
    lr[off] = (r ^ P[17]!) >>> 0;
    lr[off + 1] = l >>> 0;
  }
  /** The (salted) key schedule; data words cycle through `salt` (none when null). */
  expand(key: Uint8Array, salt: Uint8Array | null): void {
    let kpos = 0;
    const keyWord = () => {
      let w = 0;
      for (let i = 0; i < 4; i++) {
        w = ((w << 8) | key[kpos]!) >>> 0;
        kpos = (kpos + 1) % key.length;
      }
      return w;
    };
    let spos = 0;
    const saltWord = () => {
      if (!salt) return 0;
      let w = 0;
      for (let i = 0; i < 4; i++) {
        w = ((w << 8) | salt[spos]!) >>> 0;
        spos = (spos + 1) % salt.length;
      }
      return w;
    };
    for (let i = 0; i < 18; i++) this.P[i] = (this.P[i]! ^ keyWord()) >>> 0;
    const lr = new Uint32Array(2);
    for (let i = 0; i < 18; i += 2) {
      lr[0] = lr[0]! ^ saltWord();
      lr[1] = lr[1]! ^ saltWord();
      this.encrypt(lr, 0);
      this.P[i] = lr[0]!;
      this.P[i + 1] = lr[1]!;
    }
    for (let i = 0; i < 1024; i += 2) {
      lr[0] = lr[0]! ^ saltWord();
      lr[1] = lr[1]! ^ saltWord();
      this.encrypt(lr, 0);
      this.S[i] = lr[0]!;
      this.S[i + 1] = lr[1]!;
    }
  }
}

const B64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function encode(bytes: Uint8Array, nChars: number): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += B64[(acc >> bits) & 63];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += B64[(acc << (6 - bits)) & 63];
  return out.slice(0, nChars);
}

function decode(s: string, nBytes: number): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of s) {
    const v = B64.indexOf(ch);
    if (v < 0) throw new Error(`invalid characters in bcrypt salt`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out.slice(0, nBytes));
}

/** $2b$<cost>$<22-char salt><31-char hash>; the salt's unused low bits are cleared as passlib does. */
export function bcrypt(password: string, salt22: string, cost: number, ident = '2b'): string {
  const salt = decode(salt22, 16);
  const pw = Buffer.from(password, 'utf8');
  const key = Uint8Array.from([...pw.subarray(0, 72), ...(pw.length < 72 ? [0] : [])].slice(0, 72));
  const bf = new Blowfish();
  bf.expand(key, salt);
  for (let i = 0; i < 2 ** cost; i++) {
    bf.expand(key, null);
    bf.expand(salt, null);
  }
  const text = Buffer.from('OrpheanBeholderScryDoubt', 'latin1');
  const words = new Uint32Array(6);
  for (let i = 0; i < 6; i++) words[i] = text.readUInt32BE(i * 4);
  for (let i = 0; i < 64; i++) for (let j = 0; j < 6; j += 2) bf.encrypt(words, j);
  const out = Buffer.alloc(24);
  for (let i = 0; i < 6; i++) out.writeUInt32BE(words[i]!, i * 4);
  return `$${ident}$${String(cost).padStart(2, '0')}$${encode(salt, 22)}${encode(out.subarray(0, 23), 31)}`;
}
