/** Hash filters: hash/checksum/md5/sha1, password_hash (crypt(3) sha512/sha256/md5 as passlib), to_uuid. */
import crypto, { createHash, randomBytes } from 'node:crypto';
import type { Filter } from '../types.js';
import { PyError, bindArgs, num, str, typeName } from '../py.js';
import { filterError } from './common.js';
import { bcrypt } from './bcrypt.js';

const B64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function b64from24(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  while (n-- > 0) {
    out += B64[w & 0x3f];
    w >>= 6;
  }
  return out;
}

/** One-shot digest: crypto.hash (Node ≥ 20.12) is about twice as fast as createHash for the rounds loop. */
const oneShot = (crypto as unknown as { hash?: (a: string, d: Buffer, enc: 'buffer') => Buffer }).hash;
function digest(algo: string, data: Buffer): Buffer {
  return oneShot ? oneShot(algo, data, 'buffer') : createHash(algo).update(data).digest();
}

/** SHA-crypt ($5$ / $6$), Drepper's specification. */
export function shaCrypt(algo: 'sha256' | 'sha512', password: string, saltIn: string, rounds: number, includeRounds: boolean): string {
  const pw = Buffer.from(password, 'utf8');
  const salt = Buffer.from(saltIn.slice(0, 16), 'utf8');
  const H = () => createHash(algo);
  const hl = algo === 'sha512' ? 64 : 32;
  const db = H().update(pw).update(salt).update(pw).digest();
  const a = H().update(pw).update(salt);
  let i: number;
  for (i = pw.length; i > hl; i -= hl) a.update(db);
  a.update(db.subarray(0, i));
  for (i = pw.length; i > 0; i >>= 1) a.update(i & 1 ? db : pw);
  let da: Buffer = a.digest();
  const dp0 = H();
  for (i = 0; i < pw.length; i++) dp0.update(pw);
  const dp = dp0.digest();
  const p = Buffer.alloc(pw.length);
  for (i = 0; i + hl <= pw.length; i += hl) dp.copy(p, i);
  dp.copy(p, i, 0, pw.length - i);
  const ds0 = H();
  for (i = 0; i < 16 + da[0]!; i++) ds0.update(salt);
  const ds = ds0.digest();
  const s = Buffer.alloc(salt.length);
  for (i = 0; i + hl <= salt.length; i += hl) ds.copy(s, i);
  ds.copy(s, i, 0, salt.length - i);
  // one buffer per round: [first][salt?][pw?][last], hashed in a single update
  const buf = Buffer.alloc(2 * Math.max(hl, p.length) + s.length + p.length);
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    n += (r & 1 ? p : da).copy(buf, n);
    if (r % 3) n += s.copy(buf, n);
    if (r % 7) n += p.copy(buf, n);
    n += (r & 1 ? da : p).copy(buf, n);
    da = digest(algo, buf.subarray(0, n));
  }
  let out = '';
  const d = da;
  if (algo === 'sha512') {
    const order = [
      [0, 21, 42],
      [22, 43, 1],
      [44, 2, 23],
      [3, 24, 45],
      [25, 46, 4],
      [47, 5, 26],
      [6, 27, 48],
      [28, 49, 7],
      [50, 8, 29],
      [9, 30, 51],
      [31, 52, 10],
      [53, 11, 32],
      [12, 33, 54],
      [34, 55, 13],
      [56, 14, 35],
      [15, 36, 57],
      [37, 58, 16],
      [59, 17, 38],
      [18, 39, 60],
      [40, 61, 19],
      [62, 20, 41],
    ];
    for (const [x, y, z] of order) out += b64from24(d[x!]!, d[y!]!, d[z!]!, 4);
    out += b64from24(0, 0, d[63]!, 2);
  } else {
    const order = [
      [0, 10, 20],
      [21, 1, 11],
      [12, 22, 2],
      [3, 13, 23],
      [24, 4, 14],
      [15, 25, 5],
      [6, 16, 26],
      [27, 7, 17],
      [18, 28, 8],
      [9, 19, 29],
    ];
    for (const [x, y, z] of order) out += b64from24(d[x!]!, d[y!]!, d[z!]!, 4);
    out += b64from24(0, d[31]!, d[30]!, 3);
  }
  const id = algo === 'sha512' ? '6' : '5';
  return `$${id}$${includeRounds ? `rounds=${rounds}$` : ''}${salt.toString('utf8')}$${out}`;
}

/** MD5-crypt ($1$). */
export function md5Crypt(password: string, saltIn: string): string {
  const pw = Buffer.from(password, 'utf8');
  const salt = Buffer.from(saltIn.slice(0, 8), 'utf8');
  const magic = Buffer.from('$1$');
  const H = () => createHash('md5');
  const fin = H().update(pw).update(salt).update(pw).digest();
  const ctx = H().update(pw).update(magic).update(salt);
  for (let pl = pw.length; pl > 0; pl -= 16) ctx.update(fin.subarray(0, Math.min(pl, 16)));
  for (let i = pw.length; i; i >>= 1) ctx.update(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  let f = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const c = H();
    c.update(i & 1 ? pw : f);
    if (i % 3) c.update(salt);
    if (i % 7) c.update(pw);
    c.update(i & 1 ? f : pw);
    f = c.digest();
  }
  let out = '';
  for (const [x, y, z] of [
    [0, 6, 12],
    [1, 7, 13],
    [2, 8, 14],
    [3, 9, 15],
    [4, 10, 5],
  ])
    out += b64from24(f[x!]!, f[y!]!, f[z!]!, 4);
  out += b64from24(0, 0, f[11]!, 2);
  return `$1$${salt.toString('utf8')}$${out}`;
}

const HASHES = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha3_224', 'sha3_256', 'sha3_384', 'sha3_512', 'blake2b', 'blake2s'];

export function hexdigest(algo: string, data: string): string {
  const a = algo.toLowerCase();
  if (!HASHES.includes(a)) throw filterError(`unsupported hash type ${algo}`);
  const node = a.startsWith('sha3_') ? a.replace('_', '-') : a === 'blake2b' ? 'blake2b512' : a === 'blake2s' ? 'blake2s256' : a;
  return createHash(node).update(Buffer.from(data, 'utf8')).digest('hex');
}

function uuid5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/[{}-]/g, ''), 'hex');
  if (ns.length !== 16) throw new PyError('ValueError', 'badly formed hexadecimal UUID string');
  const h = createHash('sha1').update(ns).update(Buffer.from(name, 'utf8')).digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function randomSalt(n: number): string {
  const b = randomBytes(n);
  return [...b].map((x) => B64[x % 64]).join('');
}

export const hashFilters: Record<string, Filter> = {
  hash: (v, args, kw) => {
    const a = bindArgs('get_hash', ['hashtype'], args, kw, { hashtype: 'sha1' });
    return hexdigest(str(a.hashtype), str(v));
  },
  checksum: (v) => hexdigest('sha1', str(v)),
  sha1: (v) => hexdigest('sha1', str(v)),
  md5: (v) => hexdigest('md5', str(v)),
  password_hash: (v, args, kw) =>
    passwordHash(
      v,
      bindArgs('get_encrypted_password', ['hashtype', 'salt', 'salt_size', 'rounds', 'ident'], args, kw, {
        hashtype: 'sha512',
        salt: null,
        salt_size: null,
        rounds: null,
        ident: null,
      }),
    ),
  to_uuid: (v, args, kw) => {
    const a = bindArgs('to_uuid', ['namespace'], args, kw, { namespace: '361E6D51-FAEC-444A-9079-341386DA8E2E' });
    try {
      return uuid5(str(a.namespace), str(v));
    } catch (e) {
      throw filterError(`Invalid value '${str(a.namespace)}' for 'namespace': ${(e as Error).message}`);
    }
  },
};

/** get_encrypted_password with passlib: the hash of `v` by `a.hashtype` (salt, salt_size, rounds, ident as given, null for passlib's defaults). */
function passwordHash(v: unknown, a: Record<string, unknown>): string {
  const map: Record<string, string> = { md5: 'md5_crypt', blowfish: 'bcrypt', sha256: 'sha256_crypt', sha512: 'sha512_crypt' };
  const ht = map[str(a.hashtype)] ?? str(a.hashtype);
  const implicit: Record<string, number> = { sha256_crypt: 535000, sha512_crypt: 656000 };
  const sizes: Record<string, number> = { md5_crypt: 8, sha256_crypt: 16, sha512_crypt: 16 };
  if (ht === 'bcrypt') {
    if (typeof v !== 'string') throw new PyError('TypeError', `secret must be unicode or bytes, not ${typeName(v)}`);
    const salt = a.salt === null ? randomSalt(22).replace(/.$/, (c) => '.Oeu'[Math.floor(B64.indexOf(c) / 16)]!) : str(a.salt);
    if ([...salt].length < 22) throw new PyError('ValueError', 'salt too small (bcrypt requires exactly 22 chars)');
    if ([...salt].length > 22) throw new PyError('ValueError', 'salt too large (bcrypt requires exactly 22 chars)');
    if (!/^[./0-9A-Za-z]*$/.test(salt)) throw new PyError('ValueError', 'invalid characters in bcrypt salt');
    const rounds = a.rounds === null || a.rounds === 0 ? 12 : num(a.rounds);
    if (rounds < 4) throw new PyError('ValueError', `bcrypt: min_desired_rounds (${rounds}) is too low, must be at least 4`);
    if (rounds > 31) throw new PyError('ValueError', `bcrypt: max_desired_rounds (${rounds}) is too high, must be at most 31`);
    const ident = a.ident === null ? '2b' : str(a.ident).replace(/^\$|\$$/g, '');
    if (!['2', '2a', '2b', '2y'].includes(ident)) throw new PyError('ValueError', `invalid ident: '$${ident}$'`);
    return bcrypt(v, salt, rounds, ident);
  }
  if (!(ht in sizes)) throw filterError(`passlib does not support '${ht}' algorithm`);
  if (typeof v !== 'string') throw new PyError('TypeError', `secret must be unicode or bytes, not ${typeName(v)}`);
  const salt = a.salt === null ? randomSalt(a.salt_size === null ? sizes[ht]! : num(a.salt_size)) : str(a.salt);
  // passlib's checks
  if ([...salt].length > sizes[ht]!) throw new PyError('ValueError', `salt too large (${ht} requires <= ${sizes[ht]} chars)`);
  if (!/^[./0-9A-Za-z]*$/.test(salt)) throw new PyError('ValueError', `invalid characters in ${ht} salt`);
  if (ht === 'md5_crypt') return md5Crypt(v, salt);
  const rounds = a.rounds === null || a.rounds === 0 ? implicit[ht]! : num(a.rounds);
  if (rounds < 1000) throw new PyError('ValueError', `${ht}: min_desired_rounds (${rounds}) is too low, must be at least 1000`);
  if (rounds > 999999999) throw new PyError('ValueError', `${ht}: max_desired_rounds (${rounds}) is too high, must be at most 999999999`);
  return shaCrypt(ht === 'sha512_crypt' ? 'sha512' : 'sha256', v, salt, rounds, rounds !== 5000);
}

/**
 * ansible's do_encrypt (vars_prompt `encrypt:`) with passlib, as on the controller: `scheme` is
 * passlib's name (sha512_crypt, sha256_crypt, md5_crypt, bcrypt), its default rounds. Throws PyError.
 */
export function doEncrypt(secret: string, scheme: string, salt?: string, saltSize?: number): string {
  if (!['sha512_crypt', 'sha256_crypt', 'md5_crypt', 'bcrypt'].includes(scheme)) throw new PyError('AnsibleError', `passlib does not support '${scheme}' algorithm`);
  return passwordHash(secret, { hashtype: scheme, salt: salt ?? null, salt_size: saltSize ?? null, rounds: null, ident: null });
}
