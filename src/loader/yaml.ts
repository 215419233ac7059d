import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  stringify,
  YAMLMap,
  YAMLSeq,
  type Node as YamlNode,
  type Pair,
  type ScalarTag,
  type CollectionTag,
  type Tags,
} from 'yaml';
import { UnsafeText } from '../config/unsafe.js';
import { VaultText, decryptVaultText, markRevealed } from '../config/vault.js';
import { TsplayError, type SourceLocation } from '../errors.js';
import { readUserFileSync } from '../config/user-file.js';

/**
 * Where every object, key and value of a parsed YAML file came from. Objects produced elsewhere
 * (typed TS roles) have no entries: lookups fall back to the file itself.
 */
export class SourceMap {
  private readonly objs = new WeakMap<object, SourceLocation>();
  private readonly keyLocs = new WeakMap<object, Map<string | number, SourceLocation>>();
  private readonly valLocs = new WeakMap<object, Map<string | number, SourceLocation>>();
  private readonly typedKeys = new WeakMap<object, Map<string, unknown>>();
  private readonly numberTexts = new WeakMap<object, Map<string, string>>();

  constructor(
    readonly file: string,
    /** Used when nothing more precise is known (e.g. the role's index.ts). */
    readonly fallback: SourceLocation = { file },
  ) {}

  setObject(o: object, loc: SourceLocation): void {
    if (!this.objs.has(o)) this.objs.set(o, loc);
  }

  setKey(o: object, k: string | number, keyLoc: SourceLocation, valueLoc: SourceLocation): void {
    let km = this.keyLocs.get(o);
    if (!km) this.keyLocs.set(o, (km = new Map()));
    let vm = this.valLocs.get(o);
    if (!vm) this.valLocs.set(o, (vm = new Map()));
    if (!km.has(k)) km.set(k, keyLoc);
    if (!vm.has(k)) vm.set(k, valueLoc);
  }

  /** Record where a key is written, replacing an earlier entry (a duplicate key: the last one wins). */
  resetKey(o: object, k: string | number, keyLoc: SourceLocation, valueLoc: SourceLocation): void {
    this.keyLocs.get(o)?.delete(k);
    this.valLocs.get(o)?.delete(k);
    this.setKey(o, k, keyLoc, valueLoc);
  }

  /** Remember that a mapping key was not a string in the YAML (`10:`, `yes:`), for checks that care. */
  setTypedKey(o: object, k: string, typed: unknown): void {
    let m = this.typedKeys.get(o);
    if (!m) this.typedKeys.set(o, (m = new Map()));
    m.set(k, typed);
  }

  /** The key as YAML typed it: a number, boolean or null for `10:`, `yes:`, `~:`; else the string itself. */
  typedKey(o: unknown, k: string): unknown {
    const m = o !== null && typeof o === 'object' ? this.typedKeys.get(o) : undefined;
    return m?.has(k) ? m.get(k) : k;
  }

  /** Remember how a number value was written (`644` vs `0644` both read as numbers). */
  setNumberText(o: object, k: string, text: string): void {
    let m = this.numberTexts.get(o);
    if (!m) this.numberTexts.set(o, (m = new Map()));
    m.set(k, text);
  }

  /** The source text of a mapping value that YAML read as a number, e.g. "644" for `mode: 644`. */
  numberText(o: unknown, k: string): string | undefined {
    return o !== null && typeof o === 'object' ? this.numberTexts.get(o)?.get(k) : undefined;
  }

  /** Where an object or list starts. */
  of(o: unknown, fallback?: SourceLocation): SourceLocation {
    return (o !== null && typeof o === 'object' ? this.objs.get(o) : undefined) ?? fallback ?? this.fallback;
  }

  /** Where a mapping key (or list index) is written. */
  key(o: unknown, k: string | number): SourceLocation {
    return (o !== null && typeof o === 'object' ? this.keyLocs.get(o)?.get(k) : undefined) ?? this.of(o);
  }

  /** Where the value of a key (or list item) is written. */
  value(o: unknown, k: string | number): SourceLocation {
    return (o !== null && typeof o === 'object' ? this.valLocs.get(o)?.get(k) : undefined) ?? this.key(o, k);
  }
}

export interface ParsedYaml {
  value: unknown;
  map: SourceMap;
  errors: TsplayError[];
  /** What Ansible would warn about while reading (a duplicate key: the last value is used). */
  warnings: string[];
}

/** Alias expansions per file: far above any real playbook, far below a "billion laughs" document. */
export const MAX_ALIAS_EXPANSIONS = 10_000;
/** Nesting depth of the converted value; a deeper document (or a recursive alias) is refused. */
export const MAX_DEPTH = 500;

// ---------------------------------------------------------------------------------------------
// Scalars as PyYAML's SafeLoader resolves and constructs them (yaml/resolver.py, constructor.py).

const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const INT_RE = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
// Note: an exponent needs a dot and a sign (`1e3` and `1.0e3` are strings), and `-.5` is a string.
const FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP_RE =
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9]{2})?))?)$/;

const BOOL_VALUES: Record<string, boolean> = { yes: true, no: false, true: true, false: false, on: true, off: false };

/** Python's int(s, base) for the spellings YAML hands it (underscores already removed). */
function pyInt(s: string, base: number): number {
  let t = s.trim();
  let sign = 1;
  if (t.startsWith('-') || t.startsWith('+')) {
    if (t[0] === '-') sign = -1;
    t = t.slice(1);
  }
  const prefix = { 2: /^0[bB]/, 8: /^0[oO]/, 16: /^0[xX]/ }[base as 2 | 8 | 16];
  if (prefix?.test(t)) t = t.slice(2);
  const digit = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base as 2 | 8 | 10 | 16];
  if (!digit?.test(t)) throw new Error(`invalid literal for int() with base ${base}: '${s}'`);
  const p = { 2: '0b', 8: '0o', 10: '', 16: '0x' }[base as 2 | 8 | 10 | 16];
  return sign * Number(BigInt(p + t));
}

/** construct_yaml_int: also used for an explicit `!!int "0644"` (which need not match the regex). */
function constructInt(source: string): number {
  let v = source.replace(/_/g, '');
  let sign = 1;
  if (v[0] === '-') sign = -1;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  if (v === '0') return 0;
  if (v.startsWith('0b')) return sign * pyInt(v.slice(2), 2);
  if (v.startsWith('0x')) return sign * pyInt(v.slice(2), 16);
  if (v[0] === '0') return sign * pyInt(v, 8);
  if (v.includes(':')) {
    let n = 0;
    for (const part of v.split(':')) n = n * 60 + pyInt(part, 10);
    return sign * n;
  }
  return sign * pyInt(v, 10);
}

/** Python's float(s). */
function pyFloat(s: string): number {
  const t = s.trim().toLowerCase();
  const m = /^([-+]?)(?:(inf|infinity)|(nan)|((?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?))$/.exec(t);
  if (!m) throw new Error(`could not convert string to float: '${s}'`);
  const sign = m[1] === '-' ? -1 : 1;
  if (m[2]) return sign * Infinity;
  if (m[3]) return NaN;
  return sign * Number(m[4]);
}

/** construct_yaml_float. */
function constructFloat(source: string): number {
  let v = source.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (v[0] === '-') sign = -1;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  if (v === '.inf') return sign * Infinity;
  if (v === '.nan') return NaN;
  if (v.includes(':')) {
    let n = 0;
    for (const part of v.split(':')) n = n * 60 + pyFloat(part);
    return sign * n;
  }
  return sign * pyFloat(v);
}

/**
 * construct_yaml_timestamp checks the date; the value is kept as the text written (see parseYaml).
 * PyYAML gives a datetime.date for `2001-12-14`, whose str() and isoformat() are that same text.
 */
function constructTimestamp(source: string): string {
  const m = /^([0-9]{4})-([0-9][0-9]?)-([0-9][0-9]?)(?:(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9]{2}):([0-9]{2}))?/.exec(source);
  if (!m || !TIMESTAMP_RE.test(source)) throw new Error(`not a timestamp: '${source}'`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12) throw new Error('month must be in 1..12');
  if (d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) throw new Error('day is out of range for month');
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59)) throw new Error('time out of range');
  return source;
}

function scalarTag(tag: string, test: RegExp, construct: (s: string) => unknown): ScalarTag[] {
  // The `yaml` package types resolve() as returning a scalar value; null/number/boolean/string are.
  const resolve = construct as ScalarTag['resolve'];
  // `identify` is for stringifying, which this schema never does.
  const identify = () => false;
  return [
    // Implicit: a plain scalar matching PyYAML's resolver regex.
    { tag, default: true, test, resolve, identify },
    // Explicit (`!!int "0644"`): PyYAML's constructor runs whatever the text is.
    { tag, default: false, resolve, identify },
  ];
}

const unsafeScalar = { tag: '!unsafe', resolve: (s: string) => s, identify: () => false } as ScalarTag;
const unsafeMap = { tag: '!unsafe', collection: 'map', nodeClass: YAMLMap, identify: () => false } as unknown as CollectionTag;
const unsafeSeq = { tag: '!unsafe', collection: 'seq', nodeClass: YAMLSeq, identify: () => false } as unknown as CollectionTag;
const vaultTags = ['!vault', '!vault-encrypted'].map((tag) => ({ tag, resolve: (s: string) => s, identify: () => false }) as ScalarTag);

/**
 * The tags of Ansible's loader: PyYAML's YAML 1.1 scalars (no `y`/`n` booleans, no `0o` octal, no
 * `1e3` float), `!!binary`, `!!set`/`!!omap`/`!!pairs` from the `yaml` package, `!unsafe`, `!vault`.
 * The order matters: the first tag whose test matches resolves a plain scalar.
 */
export function ansibleTags(defaults: Tags): Tags {
  const keep = defaults.filter(
    (t) => typeof t === 'object' && ['tag:yaml.org,2002:binary', 'tag:yaml.org,2002:set', 'tag:yaml.org,2002:omap', 'tag:yaml.org,2002:pairs'].includes(t.tag),
  );
  return [
    ...scalarTag('tag:yaml.org,2002:null', NULL_RE, () => null),
    ...scalarTag('tag:yaml.org,2002:bool', BOOL_RE, (s) => {
      const b = BOOL_VALUES[s.toLowerCase()];
      if (b === undefined) throw new Error(`not a boolean: '${s}'`);
      return b;
    }),
    ...scalarTag('tag:yaml.org,2002:int', INT_RE, constructInt),
    ...scalarTag('tag:yaml.org,2002:float', FLOAT_RE, constructFloat),
    ...scalarTag('tag:yaml.org,2002:timestamp', TIMESTAMP_RE, constructTimestamp),
    ...keep,
    { tag: 'tag:yaml.org,2002:str', resolve: (s: string) => s, identify: () => false } as ScalarTag,
    unsafeScalar,
    unsafeMap,
    unsafeSeq,
    ...vaultTags,
  ];
}

/** How PyYAML reads one plain scalar (no tag): null, boolean, number, timestamp text or string. */
export function resolvePlainScalar(s: string): unknown {
  if (NULL_RE.test(s)) return null;
  if (BOOL_RE.test(s)) return BOOL_VALUES[s.toLowerCase()];
  if (INT_RE.test(s)) return constructInt(s);
  if (FLOAT_RE.test(s)) return constructFloat(s);
  return s;
}

// ---------------------------------------------------------------------------------------------
// The reader

export interface ParseYamlOptions {
  /**
   * Try JSON first, as Ansible's DataLoader does for every file and `-e` value (default true):
   * text that is valid JSON is read with JSON's rules (`1e3` is a number there).
   */
  jsonFirst?: boolean;
}

/** Offset where `[`/`{` nesting first passes `max` (brackets inside quotes are not told apart: 500 unbalanced ones are never data), or undefined. */
function flowNestingBeyond(text: string, max: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) {
      if (++depth > max) return i;
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return undefined;
}

/** True when a plain value (arrays/objects) is nested deeper than `max` levels; iterative, so any depth is safe to ask about. */
function deeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) return true;
    for (const x of Object.values(v as Record<string, unknown>)) stack.push([x, d + 1]);
  }
  return false;
}

function isJson(text: string): boolean {
  const t = text.trim();
  if (!t.startsWith('{') && !t.startsWith('[') && !t.startsWith('"')) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

/**
 * Parse YAML text the way ansible-core's AnsibleLoader does (PyYAML SafeLoader, YAML 1.1) into plain
 * JS plus a SourceMap:
 * - booleans yes/no/true/false/on/off in three spellings each (not y/n); null ~/null/empty;
 * - ints 0644 (octal → 420), 0x1f, 0b101, 1_000, 1:30 (sexagesimal → 90); `0o644` stays a string;
 * - floats need a dot (`1e3` is a string, `1.0e+3` a number), .inf/.nan;
 * - timestamps (`2001-12-14`) are checked like PyYAML but kept as the text written, which is what
 *   Ansible prints for a date (str() and isoformat() of a datetime.date);
 * - `!unsafe` values are UnsafeText (src/config/unsafe.ts), `!vault` values VaultText (src/config/vault.ts,
 *   decrypted when used); a whole vault-encrypted file is decrypted with the command's vault secrets;
 * - duplicate keys: the last value wins and a warning says so (Ansible's DUPLICATE_YAML_DICT_KEY=warn);
 * - merge keys `<<: *a` / `<<: [*a, *b]` as PyYAML's flatten_mapping (explicit keys win, earlier
 *   list entries win, and of two `<<` keys the later wins);
 * - more than MAX_ALIAS_EXPANSIONS alias expansions or MAX_DEPTH levels (a recursive alias, a
 *   "billion laughs" document) are refused.
 * Errors are returned, not thrown, so callers can report all; each has file:line:col.
 */
export function parseYaml(text: string, file: string, opts: ParseYamlOptions = {}): ParsedYaml {
  const map = new SourceMap(file);
  const errors: TsplayError[] = [];
  const warnings: string[] = [];
  // A whole file encrypted with ansible-vault is decrypted with the command's vault secrets (as
  // DataLoader does); every value in it is a secret from then on.
  let vaulted = false;
  if (/^\s*\$ANSIBLE_VAULT;/.test(text)) {
    try {
      ({ text, vaulted } = decryptVaultText(text, file));
    } catch (e) {
      if (e instanceof TsplayError) return { value: undefined, map, errors: [e], warnings };
      throw e;
    }
  }
  // The YAML parser recurses per flow level: refuse absurd nesting before it runs out of stack
  // (V8 can die outright, not throw, when that happens inside its regex compiler).
  const deepAt = flowNestingBeyond(text, MAX_DEPTH);
  if (deepAt !== undefined) {
    const before = text.slice(0, deepAt);
    const line = before.split('\n').length;
    const col = deepAt - before.lastIndexOf('\n');
    return {
      value: undefined,
      map,
      errors: [
        new TsplayError('PARSE', `YAML syntax error: nested deeper than ${MAX_DEPTH} levels`, { location: { file, line, col }, hint: 'tsplay refuses data nested this deeply' }),
      ],
      warnings,
    };
  }
  const json = opts.jsonFirst !== false && isJson(text);
  const lc = new LineCounter();
  const doc = json
    ? parseDocument(text, { lineCounter: lc, schema: 'json', uniqueKeys: false, prettyErrors: false })
    : parseDocument(text, { lineCounter: lc, version: '1.1', merge: false, prettyErrors: false, uniqueKeys: false, customTags: ansibleTags });
  const asJson = json && doc.errors.length ? jsonValue(text) : NOT_JSON;
  if (asJson !== NOT_JSON) {
    // Valid JSON the YAML parser cannot follow: take JSON's value, without positions.
    const value: unknown = asJson;
    if (deeperThan(value, MAX_DEPTH)) {
      return {
        value: undefined,
        map,
        errors: [new TsplayError('PARSE', `JSON: nested deeper than ${MAX_DEPTH} levels`, { location: { file }, hint: 'tsplay refuses data nested this deeply' })],
        warnings,
      };
    }
    if (vaulted) markRevealed(value);
    return { value, map, errors, warnings };
  }
  const locAt = (offset: number | undefined): SourceLocation => {
    if (offset === undefined) return { file };
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  const fmt = (l: SourceLocation) => `${l.file}:${l.line}:${l.col}`;
  // An unknown tag (`!foo`) is a warning in the `yaml` package but an error in Ansible ("could not
  // determine a constructor").
  const problems = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED')];
  for (const e of problems) {
    const lp = e.linePos?.[0] ?? (e.pos ? lc.linePos(e.pos[0]) : undefined);
    const lineText = lp ? (text.split('\n')[lp.line - 1] ?? '') : '';
    let msg = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    // The parser itself recursed too deep: say what that means for the user's data.
    if (/Maximum call stack size exceeded/.test(msg)) msg = `nested deeper than ${MAX_DEPTH} levels`;
    errors.push(
      new TsplayError('PARSE', `YAML syntax error: ${msg}`, {
        location: lp ? { file, line: lp.line, col: lp.col } : { file },
        hint: lineText.includes('{{') ? 'a value that starts with {{ must be quoted: key: "{{ var }}"' : undefined,
      }),
    );
  }
  if (errors.length) return { value: undefined, map, errors, warnings };

  let aliases = 0;
  const fail = (message: string, node: unknown, hint?: string): never => {
    throw new TsplayError('PARSE', message, { location: locAt((node as YamlNode | null)?.range?.[0]), hint });
  };

  /** PyYAML's flatten_mapping: the pairs of a mapping with its `<<` merges spliced in front. */
  const flatten = (node: YAMLMap, depth: number): Array<{ pair: Pair; merged: boolean }> => {
    const merged: Array<{ pair: Pair; merged: boolean }> = [];
    const own: Array<{ pair: Pair; merged: boolean }> = [];
    for (const pair of node.items) {
      const k = pair.key as YamlNode | null;
      if (isScalar(k) && k.value === '<<' && (k.type === 'PLAIN' || k.type === undefined) && !k.tag) {
        let v = pair.value as unknown;
        if (isAlias(v)) v = deref(v, depth);
        const sources: unknown[] = isSeq(v) ? v.items.map((i) => (isAlias(i) ? deref(i, depth) : i)) : [v];
        if (!isSeq(v) && !isMap(v)) fail('YAML: expected a mapping or list of mappings for merging', pair.value ?? k);
        const lists = sources.map((s) => {
          if (!isMap(s)) return fail('YAML: expected a mapping for merging', s ?? k);
          return flatten(s, depth + 1);
        });
        if (isSeq(v)) lists.reverse();
        for (const l of lists) for (const p of l) merged.push({ pair: p.pair, merged: true });
      } else own.push({ pair, merged: false });
    }
    return [...merged, ...own];
  };

  const deref = (node: unknown, depth: number): unknown => {
    let n = node;
    while (isAlias(n)) {
      if (++aliases > MAX_ALIAS_EXPANSIONS) {
        fail(`YAML: more than ${MAX_ALIAS_EXPANSIONS} alias expansions (a recursive or exponential alias?)`, n, 'tsplay refuses documents that expand aliases this often');
      }
      if (depth > MAX_DEPTH) fail(`YAML: nested deeper than ${MAX_DEPTH} levels (a recursive alias?)`, n);
      n = n.resolve(doc);
    }
    return n;
  };

  const convert = (input: unknown, depth: number, marked = false): unknown => {
    if (depth > MAX_DEPTH) fail(`YAML: nested deeper than ${MAX_DEPTH} levels (a recursive alias?)`, input);
    const node = deref(input, depth);
    if (node === null || node === undefined) return null;
    const tag = (node as { tag?: string }).tag;
    // Ansible's wrap_var: every string inside an `!unsafe` value is unsafe (mapping keys stay plain).
    const unsafe = marked || tag === '!unsafe';
    if (isScalar(node)) {
      if (tag === '!vault' || tag === '!vault-encrypted') return new VaultText(String(node.value), locAt(node.range?.[0]));
      if (tag === '!unsafe') return new UnsafeText(String(node.source ?? node.value));
      let v: unknown = node.value;
      // PyYAML reads `! 0644` (the non-specific tag) like an untagged plain scalar.
      if (tag === '!' && node.type === 'PLAIN') v = resolvePlainScalar(String(node.source));
      if (typeof v === 'bigint') v = Number(v);
      // `!!binary`: bytes in Python; Ansible shows them as text.
      if (v instanceof Uint8Array) v = Buffer.from(v).toString('utf8');
      return unsafe && typeof v === 'string' ? new UnsafeText(v) : v;
    }
    if (isSeq(node)) {
      const arr: unknown[] = [];
      map.setObject(arr, locAt(node.range?.[0]));
      node.items.forEach((item, i) => {
        const l = locAt((item as YamlNode | null)?.range?.[0] ?? node.range?.[0]);
        arr.push(convert(item, depth + 1, unsafe));
        map.setKey(arr, i, l, l);
      });
      return arr;
    }
    if (isMap(node)) {
      const obj: Record<string, unknown> = {};
      map.setObject(obj, locAt(node.range?.[0]));
      const ownKeys = new Set<string>();
      for (const { pair, merged } of flatten(node, depth)) {
        const k = deref(pair.key, depth) as YamlNode | null;
        const keyLoc = locAt((pair.key as YamlNode | null)?.range?.[0] ?? node.range?.[0]);
        const valLoc = locAt((pair.value as YamlNode | null)?.range?.[0] ?? (pair.key as YamlNode | null)?.range?.[0]);
        if (k !== null && !isScalar(k)) {
          errors.push(
            new TsplayError('PARSE', 'a mapping key must be a plain value', {
              location: locAt(node.range?.[0]),
              hint: 'a value that starts with {{ must be quoted: key: "{{ var }}"',
            }),
          );
          continue;
        }
        const kv = k === null ? null : convert(k, depth + 1);
        const key = kv === null ? '' : String(kv);
        // json.loads keeps the last of two keys silently; only the YAML loader warns.
        if (!merged && !json && ownKeys.has(key)) {
          warnings.push(`${fmt(keyLoc)}: found a duplicate dict key (${key}); using the last defined value only`);
        }
        if (!merged) ownKeys.add(key);
        const value = convert(pair.value, depth + 1, unsafe);
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
        map.resetKey(obj, key, keyLoc, valLoc);
        if (typeof value === 'number' && isScalar(pair.value) && pair.value.source !== undefined) map.setNumberText(obj, key, String(pair.value.source));
        if (typeof kv !== 'string' && !(kv instanceof UnsafeText)) map.setTypedKey(obj, key, kv);
      }
      return obj;
    }
    return null;
  };
  try {
    const value = convert(doc.contents, 0);
    if (vaulted) markRevealed(value);
    return { value, map, errors, warnings };
  } catch (e) {
    if (e instanceof TsplayError) return { value: undefined, map, errors: [...errors, e], warnings };
    throw e;
  }
}

/** Read and parse a YAML file; a missing file is a VALIDATION error at `from` (the referring place). */
export function readYamlFile(file: string, from?: SourceLocation): ParsedYaml {
  let text: string;
  try {
    text = readUserFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof TsplayError) return { value: undefined, map: new SourceMap(file), errors: [e], warnings: [] };
    const code = (e as NodeJS.ErrnoException).code;
    return {
      value: undefined,
      map: new SourceMap(file),
      errors: [new TsplayError('VALIDATION', code === 'ENOENT' ? `file not found: ${file}` : `cannot read ${file}: ${(e as Error).message}`, { location: from ?? { file } })],
      warnings: [],
    };
  }
  return parseYaml(text, file);
}

/**
 * YAML text that this reader (and Ansible) reads back as the same value: strings that YAML 1.1 would
 * take for something else (`yes`, `on`, `n`, `1:30`, `2001-12-14`) are quoted, which a YAML 1.2
 * writer does not do.
 */
export function stringifyYaml(value: unknown): string {
  return stringify(value, { version: '1.1' });
}

const NOT_JSON = Symbol('not JSON');

/** JSON.parse's value, or NOT_JSON when the text only looked like JSON (the YAML errors then stand). */
function jsonValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}
