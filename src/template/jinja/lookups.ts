/**
 * Lookup plugins (controller side), as ansible-core 2.14's of the same names behave. Each gets
 * the terms and keyword options and returns a list (lookup() joins it, query() keeps it).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { readVaultedText } from '../../config/vault.js';
import { homedir } from 'node:os';
import path from 'node:path';
import { PyError, Undefined, UndefinedError, isDict, iterate, str, tuple, truthy } from './py.js';
import type { CallContext, Lookup } from './types.js';
import type { Kwargs } from './py.js';
import { compile as compileRegex, search as regexSearch } from './filters/regex.js';
import { segmentRegex } from './filters/paths.js';
import { PyRandom } from './filters/random.js';
import { parseKv, SplitArgsError } from '../../config/splitter.js';
import { templateWarning } from '../warnings.js';
import { urlLookup } from './lookup-url.js';
import { configLookup } from './lookup-config.js';

function flattenTerms(terms: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const t of terms) {
    if (Array.isArray(t)) out.push(...t);
    else out.push(t);
  }
  return out;
}

/**
 * Ansible's task search path (`ansible_search_path`: the role dirs, the task file's dir, the
 * playbook dir), or the template's search path when a template file is rendered without it.
 */
export function lookupSearchPath(ctx: CallContext): string[] {
  const sp = ctx.vars['ansible_search_path'];
  if (Array.isArray(sp) && sp.length) return sp.map((p) => str(p));
  return [...ctx.searchPaths];
}

/** The playbook directory (Ansible's loader basedir: the cwd of pipe and lines). */
function baseDir(ctx: CallContext): string | undefined {
  const sp = ctx.vars['ansible_search_path'];
  return Array.isArray(sp) && sp.length ? str(sp[sp.length - 1]) : undefined;
}

/** Ansible's path_dwim_relative_stack: each path's `<sub>/name`, then `name`; absolute names as they are. */
export function findInSearchPath(name: string, paths: readonly string[], sub: string): string | undefined {
  if (name.startsWith('~')) name = path.join(homedir(), name.slice(1));
  if (path.isAbsolute(name)) return existsSync(name) ? path.normalize(name) : undefined;
  for (const d of paths) {
    const candidates = name.split('/')[0] !== sub ? [path.join(d, sub, name), path.join(d, name)] : [path.join(d, name)];
    for (const c of candidates) if (existsSync(c)) return c;
  }
  return undefined;
}

function findFile(name: string, ctx: CallContext, sub: string): string | undefined {
  const hit = findInSearchPath(name, lookupSearchPath(ctx), sub);
  if (hit || ctx.vars['ansible_search_path'] !== undefined) {
    // ansible's find_file_in_search_path warns whatever the lookup's errors= says
    if (!hit) warnNotFound(name);
    return hit && statSync(hit).isFile() ? hit : undefined;
  }
  const cwd = path.resolve(name);
  if (!existsSync(cwd)) warnNotFound(name);
  return existsSync(cwd) ? cwd : undefined;
}

function warnNotFound(name: string): void {
  templateWarning(`Unable to find '${name}' in expected paths (use -vvvvv to see paths)`);
}

/** Run a shell command on the controller from the playbook dir (pipe, lines). */
function controllerShell(what: string, cmd: string, ctx: CallContext): string {
  try {
    return execFileSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', cwd: baseDir(ctx), stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (e) {
    throw new PyError('AnsibleError', `lookup_plugin.${what}(${cmd}) returned ${(e as { status?: number }).status ?? 'an error'}`);
  }
}

/** Ansible's first_found _split_on: split texts (deeply in lists) on any of the characters. */
function splitOn(v: unknown, chars: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return v.split(new RegExp(`[${chars.replace(/[\]\\^-]/g, '\\$&')}]`));
  if (Array.isArray(v)) return v.flatMap((x) => splitOn(x, chars));
  return [str(v)];
}

/** first_found's _process_terms: the candidate names in order, and the last `skip` seen. */
function firstFoundTerms(terms: unknown[], kwargs: Record<string, unknown>): { search: string[]; skip: boolean } {
  let search: string[] = [];
  let skip = false;
  for (const term of terms) {
    let opts: Record<string, unknown>;
    if (isDict(term)) opts = term;
    else if (typeof term === 'string') opts = kwargs;
    else if (Array.isArray(term)) {
      const sub = firstFoundTerms(term, kwargs);
      search.push(...sub.search);
      skip = sub.skip;
      continue;
    } else throw new PyError('AnsibleLookupError', `Invalid term supplied, can handle string, mapping or list of strings but got: ${typeof term} for ${str(term)}`);
    skip = opts.skip !== undefined ? truthy(opts.skip) : false;
    const files = splitOn(opts.files, ',;');
    const paths = splitOn(opts.paths, ',:;');
    if (paths.length) for (const p of paths) for (const f of files) search.push(path.join(p, f));
    else if (files.length) search = files;
    else search.push(str(term));
  }
  return { search, skip };
}

/** Python's glob.glob of an absolute pattern: hidden names only match a pattern starting with '.'. */
function glob(pattern: string): string[] {
  const parts = pattern.split('/');
  let acc: string[] = [parts[0] === '' ? '/' : '.'];
  for (const part of parts.slice(parts[0] === '' ? 1 : 0)) {
    if (part === '') continue;
    const next: string[] = [];
    for (const dir of acc) {
      if (!/[*?[]/.test(part)) {
        const p = path.join(dir, part);
        if (existsSync(p)) next.push(p);
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      const re = segmentRegex(part);
      for (const n of names) if ((part.startsWith('.') || !n.startsWith('.')) && re.test(n)) next.push(path.join(dir, n));
    }
    acc = next;
  }
  return acc;
}

/** Host names of an inventory pattern over the `groups` variable (inventory_hostnames). */
function hostsOfPattern(pattern: string, groups: Record<string, unknown>): string[] {
  const all = iterate(groups.all ?? []).map(str);
  const of = (p: string): string[] => {
    if (p === 'all' || p === '*') return all;
    if (Object.hasOwn(groups, p)) return iterate(groups[p]).map(str);
    if (p.startsWith('~')) {
      const re = new RegExp(p.slice(1));
      return all.filter((h) => re.test(h));
    }
    if (/[*?[]/.test(p)) {
      const re = segmentRegex(p);
      const names = new Set<string>();
      for (const [g, hs] of Object.entries(groups)) if (re.test(g)) for (const h of iterate(hs)) names.add(str(h));
      for (const h of all) if (re.test(h)) names.add(h);
      return all.filter((h) => names.has(h));
    }
    return all.includes(p) ? [p] : [];
  };
  let out: string[] = [];
  const words = pattern
    .split(/[,:]/)
    .map((w) => w.trim())
    .filter(Boolean);
  for (const w of words.filter((x) => !x.startsWith('&') && !x.startsWith('!'))) for (const h of of(w)) if (!out.includes(h)) out.push(h);
  for (const w of words.filter((x) => x.startsWith('&'))) {
    const keep = new Set(of(w.slice(1)));
    out = out.filter((h) => keep.has(h));
  }
  for (const w of words.filter((x) => x.startsWith('!'))) {
    const drop = new Set(of(w.slice(1)));
    out = out.filter((h) => !drop.has(h));
  }
  return out;
}

/** community.general.flattened: flatten lists deeply; a string naming a variable is that variable. */
function flattenDeep(terms: unknown, ctx: CallContext): unknown[] {
  const out: unknown[] = [];
  for (let term of iterate(terms)) {
    if (typeof term === 'string') {
      const t = term.trim();
      if (Object.hasOwn(ctx.vars, t)) term = ctx.vars[t];
    }
    if (term === null || term === undefined) throw new PyError('AnsibleError', 'Undefined lookup term');
    if (Array.isArray(term)) out.push(...flattenDeep(term, ctx));
    else out.push(term);
  }
  return out;
}

function listOf(t: unknown): unknown[] {
  return Array.isArray(t) ? t : [t];
}

/** Ansible's sequence lookup: `start=1 end=5 stride=1 format=%d`, `count=`, or the `[start-]end[/stride][:format]` shortcut. */
function sequence(term: string, ctx: CallContext): string[] {
  let start = 1;
  let end: number | undefined;
  let count: number | undefined;
  let stride = 1;
  let format = '%d';
  const num = (v: string): number => {
    const n = /^0x/i.test(v) ? parseInt(v, 16) : /^0o?[0-7]+$/i.test(v) && v.length > 1 ? parseInt(v.replace(/^0o?/i, ''), 8) : Number(v);
    if (!Number.isInteger(n)) throw new PyError('AnsibleError', `can't parse arg ${v} as integer`);
    return n;
  };
  const short = /^(?:(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|[0-9]+)-)?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|[0-9]+)(?:\/(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|[0-9]+))?(?::(.+))?$/.exec(term.trim());
  if (short) {
    if (short[1] !== undefined) start = num(short[1]);
    end = num(short[2]!);
    if (short[3] !== undefined) stride = num(short[3]);
    if (short[4] !== undefined) format = short[4];
  } else {
    for (const [k, v] of Object.entries(parseKvSimple(term))) {
      if (k === 'start') start = num(v);
      else if (k === 'end') end = num(v);
      else if (k === 'count') count = num(v);
      else if (k === 'stride') stride = num(v);
      else if (k === 'format') format = v;
      else throw new PyError('AnsibleError', `unrecognized arguments to with_sequence: ['${k}']`);
    }
  }
  if (count === undefined && end === undefined) throw new PyError('AnsibleError', 'must specify count or end in with_sequence');
  if (count !== undefined && end !== undefined) throw new PyError('AnsibleError', "can't specify both count and end in with_sequence");
  if (count !== undefined) {
    if (count !== 0) end = start + count * stride - 1;
    else [start, end, stride] = [0, 0, 0];
  }
  if (stride > 0 && end! < start) throw new PyError('AnsibleError', 'to count backwards make stride negative');
  if (stride < 0 && end! > start) throw new PyError('AnsibleError', "to count forward don't make stride negative");
  if ((format.match(/%/g) ?? []).length !== 1) throw new PyError('AnsibleError', `bad formatting string: ${format}`);
  const out: string[] = [];
  if (stride === 0) return out;
  const stop = end! + (stride >= 0 ? 1 : -1);
  for (let i = start; stride > 0 ? i < stop : i > stop; i += stride) out.push(str(ctx.filter('format', format, [i])));
  return out;
}

function parseKvSimple(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.trim().split(/[\s,]+/)) {
    if (!part) continue;
    const i = part.indexOf('=');
    if (i < 0) throw new PyError('AnsibleError', `unrecognized arguments to with_sequence: ['${part}']`);
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

/** Ansible's parse_kv for lookup terms: `k=v` words (quotes allowed) and the rest as `_raw_params`. */
function parseTermKv(term: string): Record<string, string> {
  const words: string[] = [];
  const re = /(?:[^\s"']+|"(?:[^"\\]|\\.)*"|'[^']*')+/g;
  for (const m of term.matchAll(re)) words.push(m[0]);
  const out: Record<string, string> = {};
  const raw: string[] = [];
  const unquote = (v: string): string => (/^(["']).*\1$/s.test(v) ? v.slice(1, -1) : v);
  for (const w of words) {
    const i = w.indexOf('=');
    if (i > 0 && /^\w+$/.test(w.slice(0, i))) out[w.slice(0, i)] = unquote(w.slice(i + 1));
    else raw.push(unquote(w));
  }
  if (raw.length) out._raw_params = raw.join(' ');
  return out;
}

/** Python's csv.reader (excel dialect) over a text: quoted fields, "" for a quote. */
function csvRows(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRow = (): void => {
    row.push(field);
    rows.push(row);
    row = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
    } else if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === delimiter) {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\r' || c === '\n') {
      endRow();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || row.length) endRow();
  return rows;
}

/** The sections of an INI text as Python's ConfigParser reads them (keys lower-cased unless case_sensitive; DEFAULT shared). */
function iniSections(text: string, caseSensitive: boolean, allowNoValue: boolean): Map<string, Map<string, string | null>> {
  const sections = new Map<string, Map<string, string | null>>();
  let cur: Map<string, string | null> | undefined;
  let lastKey: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*([#;].*)?$/.test(line)) {
      lastKey = undefined;
      continue;
    }
    const sec = /^\[([^\]]+)\]/.exec(line);
    if (sec) {
      cur = sections.get(sec[1]!) ?? new Map();
      sections.set(sec[1]!, cur);
      lastKey = undefined;
      continue;
    }
    if (/^\s/.test(line) && cur && lastKey !== undefined) {
      cur.set(lastKey, `${cur.get(lastKey) ?? ''}\n${line.trim()}`);
      continue;
    }
    if (!cur) throw new PyError('AnsibleLookupError', 'File contains no section headers.');
    const m = /^([^=:]*?)\s*[=:]\s*(.*)$/.exec(line);
    const key0 = m ? m[1]!.trim() : line.trim();
    if (!m && !allowNoValue) throw new PyError('AnsibleLookupError', `Source contains parsing errors: ${line}`);
    const key = caseSensitive ? key0 : key0.toLowerCase();
    if (cur.has(key)) throw new PyError('AnsibleLookupError', `Duplicate option: ${key}`);
    cur.set(key, m ? m[2]!.replace(/\s+$/, '') : null);
    lastKey = key;
  }
  return sections;
}

/** Python's string module attributes the password lookup's `chars` may name. */
const STRING_ATTRS: Record<string, string> = {
  ascii_letters: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ',
  ascii_lowercase: 'abcdefghijklmnopqrstuvwxyz',
  ascii_uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  hexdigits: '0123456789abcdefABCDEF',
  octdigits: '01234567',
  punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  whitespace: ' \t\n\r\x0b\x0c',
  printable: '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\x0b\x0c',
};
const PASSWORD_PARAMS = ['length', 'encrypt', 'chars', 'ident', 'seed'];
/** passlib's salt sizes and implicit idents (ansible.utils.encrypt.BaseHash.algorithms). */
const HASH_ALGOS: Record<string, { saltSize: number; ident?: string }> = {
  md5_crypt: { saltSize: 8 },
  bcrypt: { saltSize: 22, ident: '2b' },
  sha256_crypt: { saltSize: 16 },
  sha512_crypt: { saltSize: 16 },
};

/** ansible.utils.encrypt.random_password: SystemRandom unless seeded (then Python's MT, same output as Ansible). */
function randomPassword(length: number, chars: string, seed: unknown): string {
  const pool = [...chars];
  if (!pool.length) throw new PyError('AnsibleError', 'password lookup: the chars option gives no characters to choose from');
  const r = seed === undefined || seed === null ? undefined : new PyRandom(seed);
  let out = '';
  for (let i = 0; i < length; i++) out += pool[r ? r.randbelow(pool.length) : randomInt(pool.length)];
  return out;
}

/** The stored `password salt=... ident=...` text, split as ansible's _parse_content does. */
function parsePasswordContent(content: string): { password: string; salt?: string; ident?: string } {
  const s = content.lastIndexOf(' salt=');
  if (s < 0) return { password: content };
  const rem = content.slice(s + 6);
  const password = content.slice(0, s);
  if (!rem) return { password };
  const i = rem.lastIndexOf(' ident=');
  return i < 0 ? { password, salt: rem } : { password, salt: rem.slice(0, i), ident: rem.slice(i + 7) };
}

/** The password lookup's term: a path, then `k=v` parameters (ansible's _parse_parameters). */
function passwordParams(term: string, kwargs: Kwargs): { relpath: string; length: number; encrypt?: string; ident?: string; seed?: unknown; chars: string[] } {
  const sp = term.indexOf(' ');
  let relpath = sp < 0 ? term : term.slice(0, sp);
  let params: Record<string, unknown> = {};
  if (sp >= 0) {
    let kv: ReturnType<typeof parseKv>;
    try {
      kv = parseKv(term.slice(sp + 1));
    } catch (e) {
      if (e instanceof SplitArgsError) throw new PyError('AnsibleError', `password lookup: ${e.message}`);
      throw e;
    }
    params = { ...kv.options };
    if (kv.raw !== undefined) {
      relpath = `${relpath} ${kv.raw}`;
      if (!term.startsWith(relpath)) throw new PyError('AnsibleError', 'Unrecognized value after key=value parameters given to password lookup');
    }
  }
  const bad = Object.keys(params).filter((k) => !PASSWORD_PARAMS.includes(k));
  if (bad.length) throw new PyError('AnsibleError', `Unrecognized parameter(s) given to password lookup: ${bad.join(', ')}`);
  for (const k of Object.keys(kwargs)) {
    if (!PASSWORD_PARAMS.includes(k)) throw new PyError('AnsibleError', `Invalid option "${k}" for the password lookup (it takes: ${PASSWORD_PARAMS.join(', ')})`);
  }
  const pick = (k: string) => (params[k] !== undefined ? params[k] : kwargs[k]);
  const lengthRaw = pick('length') ?? 20;
  const length = typeof lengthRaw === 'number' ? Math.trunc(lengthRaw) : /^\s*[+-]?\d+\s*$/.test(str(lengthRaw)) ? Number.parseInt(str(lengthRaw), 10) : Number.NaN;
  if (!Number.isFinite(length)) throw new PyError('ValueError', `invalid literal for int() with base 10: '${str(lengthRaw)}'`);
  let chars: unknown = pick('chars') ?? ['ascii_letters', 'digits', '.,:-_'];
  if (typeof chars === 'string') {
    const parts: string[] = chars.includes(',,') ? [','] : [];
    parts.push(
      ...chars
        .replace(/,,/g, ',')
        .split(',')
        .filter((c) => c),
    );
    chars = parts;
  }
  const enc = pick('encrypt');
  const ident = pick('ident');
  return {
    relpath,
    length,
    encrypt: enc === undefined || enc === null || enc === '' ? undefined : str(enc),
    ident: ident === undefined || ident === null || ident === '' ? undefined : str(ident),
    seed: pick('seed'),
    chars: iterate(chars).map((c) => str(c)),
  };
}

/** A ~ or relative password file path as Ansible's loader.path_dwim resolves it (the playbook dir). */
function controllerPath(p: string, ctx: CallContext): string {
  if (p.startsWith('~')) return path.join(homedir(), p.slice(1));
  return path.isAbsolute(p) ? p : path.resolve(baseDir(ctx) ?? '.', p);
}

/**
 * The password lookup (ansible-core's plugins/lookup/password.py): the file's password, or a new
 * random one written there (mode 0600, dir 0700); `encrypt` returns its crypt(3) hash and stores
 * the salt beside it so the hash stays the same; /dev/null gives a fresh password every time.
 */
function passwordLookup(terms: unknown[], kwargs: Kwargs, ctx: CallContext): unknown[] {
  return terms.map((t) => {
    const p = passwordParams(str(t), kwargs);
    const file = controllerPath(p.relpath, ctx);
    const devnull = file === '/dev/null';
    const chars = p.chars
      .map((c) => STRING_ATTRS[c] ?? c)
      .join('')
      .replace(/["']/g, '');
    const lock = path.join(path.dirname(file), `${createHash('sha1').update(file).digest('hex')}.ansible_lockfile`);
    let owner = false;
    if (!devnull && !existsSync(lock)) {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      try {
        closeSync(openSync(lock, 'wx'));
        owner = true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new PyError('AnsibleError', `password lookup: cannot create ${lock}: ${(e as Error).message}`);
      }
    }
    // another process writing the same file: wait 1 + 2 + 4 s as Ansible does, then give up
    for (let i = 0; !owner && !devnull && existsSync(lock); i++) {
      if (i >= 3) throw new PyError('AnsibleError', `Password lookup cannot get the lock in 7 seconds: another run holds ${lock}; if none does, remove that file and try again`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000 * 2 ** i);
    }
    try {
      let stored: string | undefined;
      if (!devnull && existsSync(file))
        stored = readFileSync(file)
          .toString('utf8')
          .replace(/[\s\x00-\x20]+$/, '');
      let changed = false;
      let password: string;
      let salt: string | undefined;
      let ident: string | undefined;
      if (stored === undefined) {
        password = randomPassword(p.length, chars, p.seed);
        changed = true;
      } else ({ password, salt, ident } = parsePasswordContent(stored));
      const algo = p.encrypt ? HASH_ALGOS[p.encrypt] : undefined;
      if (p.encrypt && !salt) {
        changed = true;
        salt = randomPassword(algo?.saltSize ?? 8, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./', undefined);
      }
      // ansible 2.14 takes the ident from the option (or the scheme's implicit one), never from the
      // file, and rewrites the file whenever encrypt is given without ident
      ident = p.encrypt ? (p.ident ?? algo?.ident) : ident;
      if (p.encrypt && !p.ident) changed = true;
      if (changed && !devnull) {
        const content = !p.encrypt && !salt ? password : ident ? `${password} salt=${salt} ident=${ident}` : `${password} salt=${salt}`;
        writeFileSync(file, `${content}\n`, { mode: 0o600 });
        chmodSync(file, 0o600);
      }
      if (!p.encrypt) return password;
      const kw: Kwargs = { salt: salt ?? null };
      if (ident) kw.ident = ident;
      return ctx.filter('password_hash', password, [p.encrypt], kw);
    } finally {
      if (owner) {
        try {
          unlinkSync(lock);
        } catch {
          // already gone
        }
      }
    }
  });
}

export const lookups: Record<string, Lookup> = {
  nested: (terms) => {
    const lists = terms.map(listOf);
    if (lists.length === 0) throw new PyError('AnsibleError', 'with_nested requires at least one element in the nested list');
    let acc: unknown[][] = [[]];
    for (const l of lists) acc = acc.flatMap((prefix) => l.map((x) => [...prefix, x]));
    return acc;
  },
  together: (terms) => {
    const lists = terms.map(listOf);
    if (lists.length === 0) throw new PyError('AnsibleError', 'with_together requires at least one element in each list');
    const n = Math.max(...lists.map((l) => l.length));
    return Array.from({ length: n }, (_, i) => lists.map((l) => (i < l.length ? l[i] : null)));
  },
  sequence: (terms, _kwargs, ctx) => flattenTerms(terms).flatMap((t) => sequence(str(t), ctx)),
  subelements: (terms) => {
    const [list, key, flags] = terms;
    const skipMissing = isDict(flags) && flags.skip_missing !== undefined ? truthy(flags.skip_missing) : false;
    if (typeof key !== 'string') throw new PyError('AnsibleError', 'subelements lookup expects a dictionary key as its second term');
    const out: unknown[] = [];
    for (const item of isDict(list) ? Object.values(list) : listOf(list)) {
      if (!isDict(item)) throw new PyError('AnsibleError', 'subelements lookup expects a list of dictionaries');
      if (isDict(item) && item.skipped === true) continue;
      let sub: unknown = item;
      for (const part of key.split('.')) {
        if (isDict(sub) && Object.hasOwn(sub, part)) sub = sub[part];
        else if (skipMissing) {
          sub = undefined;
          break;
        } else throw new PyError('AnsibleError', `could not find '${part}' key in iterated item '${str(item)}'`);
      }
      if (sub === undefined) continue;
      if (!Array.isArray(sub)) throw new PyError('AnsibleError', `the key ${key} should point to a list, got '${str(sub)}'`);
      for (const s of sub) out.push(tuple([item, s]));
    }
    return out;
  },
  pipe: (terms, _kwargs, ctx) => flattenTerms(terms).map((t) => controllerShell('pipe', str(t), ctx).replace(/\s+$/, '')),
  lines: (terms, _kwargs, ctx) =>
    flattenTerms(terms).flatMap((t) => {
      const out = controllerShell('lines', str(t), ctx);
      return out === '' ? [] : out.replace(/\r?\n$/, '').split(/\r\n|\n|\r/);
    }),
  env: (terms, kwargs) => {
    const def = kwargs.default;
    return flattenTerms(terms).map((t) => {
      const v = process.env[str(t)];
      if (v === undefined) {
        if (def instanceof Undefined) throw new UndefinedError(def);
        return def === undefined ? '' : def;
      }
      return v;
    });
  },
  file: (terms, kwargs, ctx) =>
    flattenTerms(terms).map((t) => {
      const p = findFile(str(t), ctx, 'files');
      if (!p) throw new PyError('AnsibleError', `could not locate file in lookup: ${str(t)}`);
      // A vault-encrypted file is decrypted (the loader's _get_file_contents).
      let text = readVaultedText(p);
      if (kwargs.rstrip === undefined || truthy(kwargs.rstrip)) text = text.replace(/\s+$/, '');
      if (kwargs.lstrip !== undefined && truthy(kwargs.lstrip)) text = text.replace(/^\s+/, '');
      return text;
    }),
  // ansible.builtin.unvault: a file's contents, decrypted when vault-encrypted, nothing stripped.
  unvault: (terms, _kwargs, ctx) =>
    flattenTerms(terms).map((t) => {
      const p = findFile(str(t), ctx, 'files');
      if (!p) throw new PyError('AnsibleParserError', `Unable to find file matching "${str(t)}" `);
      return readVaultedText(p);
    }),
  fileglob: (terms, _kwargs, ctx) => {
    const out: string[] = [];
    for (const t0 of flattenTerms(terms)) {
      const term = str(t0);
      const file = path.basename(term);
      const dirs: string[] = [];
      if (file !== term) {
        const d = findInSearchPath(path.dirname(term), lookupSearchPath(ctx), 'files');
        if (d) dirs.push(d);
        else warnNotFound(path.dirname(term));
      } else for (const p of lookupSearchPath(ctx)) dirs.push(path.join(p, 'files'), p);
      for (const d of dirs) {
        const hits = glob(path.join(d, file)).filter((g) => statSync(g).isFile());
        if (hits.length) {
          out.push(...hits);
          break;
        }
      }
    }
    return out;
  },
  inventory_hostnames: (terms, _kwargs, ctx) => {
    const groups = ctx.vars['groups'];
    if (!isDict(groups)) return [];
    return hostsOfPattern(flattenTerms(terms).map(str).join(','), groups);
  },
  random_choice: (terms) => (terms.length ? [terms[Math.floor(Math.random() * terms.length)]] : terms),
  'community.general.flattened': (terms, _kwargs, ctx) => flattenDeep(terms, ctx),
  'community.general.cartesian': (terms) => {
    if (terms.length === 0) throw new PyError('AnsibleError', 'with_cartesian requires at least one element in each list');
    let acc: unknown[][] = [[]];
    for (const l of terms.map(listOf)) acc = acc.flatMap((prefix) => l.map((x) => [...prefix, x]));
    return acc;
  },
  vars: (terms, kwargs, ctx) => {
    const vars = ctx.vars;
    return flattenTerms(terms).map((t) => {
      const name = str(t);
      if (name in vars) return vars[name];
      if (kwargs.default !== undefined) return kwargs.default;
      throw new UndefinedError(new Undefined(name, `No variable found with this name: ${name}`));
    });
  },
  varnames: (terms, _kwargs, ctx) => {
    const names = Object.keys(ctx.vars);
    const out: string[] = [];
    for (const term of terms) {
      if (typeof term !== 'string') throw new PyError('AnsibleError', `Invalid setting identifier, "${str(term)}" is not a string, it is a ${typeof term}`);
      let rx: ReturnType<typeof compileRegex>;
      try {
        rx = compileRegex(term);
      } catch (e) {
        throw new PyError('AnsibleError', `Unable to use "${term}" as a search parameter: ${(e as Error).message}`);
      }
      for (const n of names) if (regexSearch(rx, n)) out.push(n);
    }
    return out;
  },
  csvfile: (terms, kwargs, ctx) => {
    const out: unknown[] = [];
    for (const t of terms) {
      const kv = parseTermKv(str(t));
      if (kv._raw_params === undefined) throw new PyError('AnsibleError', 'Search key is required but was not found');
      const o: Record<string, string> = { col: '1', delimiter: 'TAB', file: 'ansible.csv', encoding: 'utf-8' };
      for (const [k, v] of Object.entries(kwargs)) o[k] = str(v);
      let dflt: unknown = kwargs.default ?? null;
      for (const [k, v] of Object.entries(kv)) {
        if (k === '_raw_params') continue;
        if (!['col', 'delimiter', 'file', 'encoding', 'default'].includes(k)) throw new PyError('AnsibleError', `${k} is not a valid option`);
        if (k === 'default') dflt = v;
        else o[k] = v;
      }
      const delim = o.delimiter === 'TAB' ? '\t' : o.delimiter!;
      const file = findFile(o.file!, ctx, 'files');
      if (!file) throw new PyError('AnsibleError', `csvfile: [Errno 2] No such file or directory: '${o.file}'`);
      const row = csvRows(readFileSync(file, 'utf8'), delim).find((r) => r.length && r[0] === kv._raw_params);
      const col = Number(o.col);
      let v: unknown = dflt;
      if (row) {
        if (!(col < row.length)) throw new PyError('AnsibleError', 'csvfile: list index out of range');
        v = row[col];
      }
      if (v !== null && v !== undefined) out.push(...(Array.isArray(v) ? v : [v]));
    }
    return out;
  },
  ini: (terms, kwargs, ctx) => {
    const o: Record<string, unknown> = {
      type: 'ini',
      file: 'ansible.ini',
      section: 'global',
      re: false,
      encoding: 'utf-8',
      default: '',
      case_sensitive: false,
      allow_no_value: false,
      ...kwargs,
    };
    const out: unknown[] = [];
    for (const t of terms) {
      const term = str(t);
      let key = term;
      const p = { ...o };
      if (term.includes('=') || term.trim().includes(' ')) {
        let updated = false;
        for (const w of term.trim().split(/\s+/)) {
          const i = w.indexOf('=');
          if (i >= 0) {
            const name = w.slice(0, i);
            if (!Object.hasOwn(p, name)) throw new PyError('AnsibleLookupError', `${name} is not a valid option.`);
            p[name] = w.slice(i + 1);
          } else if (!updated) {
            key = w;
            updated = true;
          }
        }
        if (!updated) throw new PyError('AnsibleOptionsError', `No key to lookup was provided as first term with in string inline options: ${term}`);
      }
      const file = findFile(str(p.file), ctx, 'files');
      if (!file) throw new PyError('AnsibleLookupError', `could not locate file in lookup: ${str(p.file)}`);
      let text = readFileSync(file, 'utf8');
      let section = str(p.section);
      if (p.type === 'properties') {
        text = `[java_properties]\n${text}`;
        section = 'java_properties';
      }
      const sections = iniSections(text, truthy(p.case_sensitive), truthy(p.allow_no_value ?? p.allow_none));
      const sec = sections.get(section);
      if (!sec) throw new PyError('AnsibleLookupError', `No section '${section}' in ${str(p.file)}`);
      const all = new Map([...(sections.get('DEFAULT') ?? new Map()), ...sec]);
      const k = truthy(p.case_sensitive) ? key : key.toLowerCase();
      if (truthy(p.re)) {
        const rx = compileRegex(key);
        for (const [name, v] of all) if (regexSearch(rx, name, 'match')) out.push(v);
      } else {
        const v = all.has(k) ? all.get(k) : p.default;
        if (v !== null && v !== undefined) out.push(v);
      }
    }
    return out;
  },
  list: (terms) => terms,
  items: (terms) => flattenTerms(terms),
  indexed_items: (terms) => flattenTerms(terms).map((x, i) => tuple([i, x])),
  dict: (terms) => {
    const out: unknown[] = [];
    for (const t of terms) {
      if (!isDict(t)) throw new PyError('AnsibleError', `with_dict expects a dict`);
      for (const [key, value] of Object.entries(t)) out.push({ key, value });
    }
    return out;
  },
  password: passwordLookup,
  url: (terms, kwargs) => urlLookup(terms, kwargs),
  config: (terms, kwargs) => configLookup(terms, kwargs),
  first_found: (terms, kwargs, ctx) => {
    const { _subdir, ...opts } = kwargs;
    const { search, skip } = firstFoundTerms(terms, opts);
    const sub = typeof _subdir === 'string' ? _subdir : 'files';
    for (const fn of search) {
      const hit = findInSearchPath(fn, lookupSearchPath(ctx), sub);
      if (hit) return [hit];
    }
    if (skip) return [];
    throw new PyError('AnsibleLookupError', 'No file was found when using first_found.');
  },
};

const LOOKUP_REDIRECTS: Record<string, string> = { flattened: 'community.general.flattened', cartesian: 'community.general.cartesian' };

/**
 * A lookup by the name a task writes: the short name, `ansible.builtin.NAME` / `ansible.legacy.NAME`,
 * or the full name of a collection lookup tsplay has (`community.general.flattened`).
 */
export function resolveLookup<T>(table: Record<string, T>, name: string): T | undefined {
  if (Object.hasOwn(table, name)) return table[name];
  // ansible-core's plugin routing (config/ansible_builtin_runtime.yml) for names that moved to collections
  if (Object.hasOwn(LOOKUP_REDIRECTS, name) && Object.hasOwn(table, LOOKUP_REDIRECTS[name]!)) return table[LOOKUP_REDIRECTS[name]!];
  const m = /^ansible\.(?:builtin|legacy)\.(\w+)$/.exec(name);
  return m && Object.hasOwn(table, m[1]!) ? table[m[1]!] : undefined;
}
