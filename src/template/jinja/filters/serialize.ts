/** JSON and YAML filters with Python's json.dumps and PyYAML's output. */
import { parseAllDocuments, parseDocument, isAlias, isMap, isPair, isScalar, isSeq, type Document } from 'yaml';
import type { Filter } from '../types.js';
import { PyError, PyFloat, Undefined, UndefinedError, bindArgs, float, floatRepr, isDict, isFloat, isNumber, num, str, truthy, typeName } from '../py.js';
import { filterError, wrapped } from './common.js';
import { resolveTag, yamlDump } from './yaml-emit.js';
import { parseFloatPy } from './core.js';

export interface JsonOptions {
  indent?: number | string | null;
  sortKeys?: boolean;
  separators?: [string, string] | null;
  ensureAscii?: boolean;
  allowNan?: boolean;
}

function jsonString(s: string, ascii: boolean): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20) out += '\\u' + c.toString(16).padStart(4, '0');
    else if (ascii && c > 0x7e) {
      if (c > 0xffff) {
        const v = c - 0x10000;
        out += '\\u' + (0xd800 + (v >> 10)).toString(16) + '\\u' + (0xdc00 + (v & 0x3ff)).toString(16);
      } else out += '\\u' + c.toString(16).padStart(4, '0');
    } else out += ch;
  }
  return out + '"';
}

/** Python's datetime.isoformat(sep) of a naive datetime (microseconds only when non-zero). */
export function isoformat(d: Date, sep: string): string {
  const iso = d.toISOString().replace('Z', '');
  const [date, time] = iso.split('T') as [string, string];
  const t = time.endsWith('.000') ? time.slice(0, -4) : time.replace(/\.(\d{3})$/, '.$1000');
  return `${date}${sep}${t}`;
}

/** Python's json.dumps with Ansible's encoder (dates as ISO strings, tuples as lists). */
export function jsonDumps(v: unknown, o: JsonOptions = {}): string {
  const indent = o.indent === undefined || o.indent === null ? null : typeof o.indent === 'number' ? ' '.repeat(o.indent) : o.indent;
  const [itemSep, keySep] = o.separators ?? (indent === null ? [', ', ': '] : [',', ': ']);
  const ascii = o.ensureAscii ?? true;
  const allowNan = o.allowNan ?? true;
  const enc = (x: unknown, level: number): string => {
    if (x instanceof Undefined) throw new UndefinedError(x);
    if (x === null || x === undefined) return 'null';
    if (x === true) return 'true';
    if (x === false) return 'false';
    if (typeof x === 'string') return jsonString(x, ascii);
    if (x instanceof PyFloat || isFloat(x)) {
      const n = num(x);
      if (!Number.isFinite(n)) {
        if (!allowNan) throw new PyError('ValueError', `Out of range float values are not JSON compliant`);
        return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
      }
      return floatRepr(n);
    }
    if (typeof x === 'number') return str(x);
    if (x instanceof Date) return jsonString(isoformat(x, 'T'), ascii);
    const nl = indent === null ? '' : '\n' + indent.repeat(level + 1);
    const close = indent === null ? '' : '\n' + indent.repeat(level);
    if (Array.isArray(x)) {
      if (!x.length) return '[]';
      return '[' + nl + x.map((y) => enc(y, level + 1)).join(itemSep + nl) + close + ']';
    }
    if (isDict(x)) {
      let keys = Object.keys(x);
      if (!keys.length) return '{}';
      if (o.sortKeys) keys = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return '{' + nl + keys.map((k) => jsonString(k, ascii) + keySep + enc(x[k], level + 1)).join(itemSep + nl) + close + '}';
    }
    throw new PyError('TypeError', `Object of type ${typeName(x)} is not JSON serializable`);
  };
  return enc(v, 0);
}

/** Python's json.loads, keeping 2.0 a float. */
export function jsonLoads(s: string): unknown {
  let i = 0;
  const lineCol = (pos: number) => {
    const before = s.slice(0, pos);
    const line = before.split('\n').length;
    const col = pos - before.lastIndexOf('\n');
    return `line ${line} column ${col} (char ${pos})`;
  };
  const fail = (msg: string, pos = i): never => {
    throw new PyError('JSONDecodeError', `${msg}: ${lineCol(pos)}`);
  };
  const ws = () => {
    while (i < s.length && ' \t\n\r'.includes(s[i]!)) i++;
  };
  const value = (): unknown => {
    ws();
    const c = s[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      ws();
      if (s[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        if (s[i] !== '"') fail('Expecting property name enclosed in double quotes');
        const k = string();
        ws();
        if (s[i] !== ':') fail("Expecting ':' delimiter");
        i++;
        out[k] = value();
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === '}') {
          i++;
          return out;
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      ws();
      if (s[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ']') {
          i++;
          return out;
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '"') return string();
    for (const [lit, v] of [
      ['null', null],
      ['true', true],
      ['false', false],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
    ] as const) {
      if (s.startsWith(lit, i)) {
        i += lit.length;
        return v;
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(s.slice(i));
    if (m) {
      i += m[0].length;
      if (m[1] !== undefined || m[2] !== undefined) return float(parseFloat(m[0]));
      const n = Number(m[0]);
      return n;
    }
    return fail('Expecting value');
  };
  const string = (): string => {
    i++;
    let out = '';
    for (;;) {
      const c = s[i]!;
      if (c === undefined) fail('Unterminated string starting at', i);
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        const n = s[i + 1];
        const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (n === 'u') {
          out += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
          i += 6;
        } else if (n !== undefined && n in map) {
          out += map[n];
          i += 2;
        } else fail('Invalid \\escape', i);
        continue;
      }
      if (c < ' ') fail('Invalid control character at', i);
      out += c;
      i++;
    }
  };
  const v = value();
  ws();
  if (i < s.length) fail('Extra data');
  return v;
}

/** PyYAML SafeLoader construction of a plain scalar. */
export function constructPlain(text: string): unknown {
  const tag = resolveTag(text);
  switch (tag) {
    case 'null':
      return null;
    case 'bool':
      return ['yes', 'true', 'on'].includes(text.toLowerCase());
    case 'int': {
      let v = text.replace(/_/g, '');
      let sign = 1;
      if (v[0] === '-') sign = -1;
      if ('+-'.includes(v[0]!)) v = v.slice(1);
      if (v === '0') return 0;
      if (v.startsWith('0b')) return sign * parseInt(v.slice(2), 2);
      if (v.startsWith('0x')) return sign * parseInt(v.slice(2), 16);
      if (v[0] === '0') return sign * parseInt(v, 8);
      if (v.includes(':')) {
        const digits = v
          .split(':')
          .map((d) => parseInt(d, 10))
          .reverse();
        let base = 1;
        let value = 0;
        for (const d of digits) {
          value += d * base;
          base *= 60;
        }
        return sign * value;
      }
      return sign * parseInt(v, 10);
    }
    case 'float': {
      let v = text.replace(/_/g, '').toLowerCase();
      let sign = 1;
      if (v[0] === '-') sign = -1;
      if ('+-'.includes(v[0]!)) v = v.slice(1);
      if (v === '.inf') return sign * Infinity;
      if (v === '.nan') return NaN;
      if (v.includes(':')) {
        const digits = v
          .split(':')
          .map((d) => parseFloat(d))
          .reverse();
        let base = 1;
        let value = 0;
        for (const d of digits) {
          value += d * base;
          base *= 60;
        }
        return float(sign * value);
      }
      return float(sign * (parseFloatPy(v) ?? NaN));
    }
    case 'timestamp': {
      const m = /^(\d{4})-(\d\d?)-(\d\d?)(?:(?:[Tt]|[ \t]+)(\d\d?):(\d\d):(\d\d)(?:\.(\d*))?(?:[ \t]*(Z|([-+])(\d\d?)(?::(\d\d))?))?)?$/.exec(text)!;
      if (m[4] === undefined) return `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
      let ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4], +m[5]!, +m[6]!, Math.floor(+(m[7] ?? '0').padEnd(6, '0').slice(0, 6) / 1000));
      if (m[9]) ms -= (m[9] === '-' ? -1 : 1) * (+m[10]! * 60 + +(m[11] ?? 0)) * 60000;
      return new Date(ms);
    }
    default:
      return text;
  }
}

function toPy(node: unknown, doc: Document): unknown {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toPy(node.resolve(doc), doc);
  if (isScalar(node)) {
    const text = String(node.source ?? node.value ?? '');
    const tag = node.tag?.replace(/^tag:yaml\.org,2002:/, '!!');
    if (tag === '!!str') return text;
    if (tag === '!!int' || tag === '!!float' || tag === '!!bool' || tag === '!!null') {
      const v = constructPlain(text);
      if (tag === '!!float' && typeof v === 'number') return float(v);
      return v;
    }
    if (node.type === 'PLAIN') return constructPlain(String(node.source ?? node.value));
    return node.value === null ? '' : String(node.value);
  }
  if (isSeq(node)) return node.items.map((x) => toPy(x, doc));
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k = toPy(pair.key, doc);
      if (isScalar(pair.key) && pair.key.source === '<<' && pair.key.type === 'PLAIN') {
        const merged = toPy(pair.value, doc);
        for (const m of Array.isArray(merged) ? merged : [merged]) if (isDict(m)) for (const [mk, mv] of Object.entries(m)) if (!Object.hasOwn(out, mk)) out[mk] = mv;
        continue;
      }
      out[str(k)] = toPy(pair.value, doc);
    }
    return out;
  }
  return null;
}

const YAML_OPTS = { version: '1.1' as const, uniqueKeys: false, keepSourceTokens: false };

export function yamlLoad(text: string): unknown {
  const doc = parseDocument(text, YAML_OPTS);
  if (doc.errors.length) throw new PyError('YAMLError', doc.errors[0]!.message);
  return toPy(doc.contents, doc);
}

export function yamlLoadAll(text: string): unknown[] {
  return parseAllDocuments(text, YAML_OPTS).map((doc) => {
    if ('errors' in doc && doc.errors.length) throw new PyError('YAMLError', doc.errors[0]!.message);
    return toPy((doc as Document).contents, doc as Document);
  });
}

function dumpOpts(kw: Record<string, unknown>, base: Record<string, unknown>) {
  const o = { ...base, ...kw };
  const known = ['indent', 'width', 'default_flow_style', 'sort_keys', 'allow_unicode', 'explicit_start', 'explicit_end', 'line_break', 'canonical', 'encoding', 'version', 'tags'];
  for (const k of Object.keys(o)) if (!known.includes(k)) throw filterError(`to_yaml - dump_all() got an unexpected keyword argument '${k}'`);
  return {
    indent: o.indent === undefined || o.indent === null ? undefined : num(o.indent),
    width: o.width === undefined || o.width === null ? undefined : num(o.width),
    defaultFlowStyle: o.default_flow_style === undefined ? null : o.default_flow_style === null ? null : truthy(o.default_flow_style),
    sortKeys: o.sort_keys === undefined ? true : truthy(o.sort_keys),
    allowUnicode: o.allow_unicode === undefined ? true : truthy(o.allow_unicode),
    explicitStart: truthy(o.explicit_start ?? false),
    explicitEnd: truthy(o.explicit_end ?? false),
  };
}

function jsonKw(fname: string, kw: Record<string, unknown>, base: JsonOptions): JsonOptions {
  const o: JsonOptions = { ...base };
  for (const [k, v] of Object.entries(kw)) {
    if (k === 'indent') o.indent = v === null ? null : typeof v === 'string' ? v : num(v);
    else if (k === 'sort_keys') o.sortKeys = truthy(v);
    else if (k === 'separators') o.separators = v === null ? null : ([str((v as unknown[])[0]), str((v as unknown[])[1])] as [string, string]);
    else if (k === 'ensure_ascii') o.ensureAscii = truthy(v);
    else if (k === 'allow_nan') o.allowNan = truthy(v);
    else if (k === 'vault_to_text' || k === 'preprocess_unsafe' || k === 'skipkeys' || k === 'check_circular') continue;
    else throw new PyError('TypeError', `__init__() got an unexpected keyword argument '${k}'`);
  }
  void fname;
  return o;
}

export const serializeFilters: Record<string, Filter> = {
  to_json: (v, args, kw) => {
    if (args.length) throw new PyError('TypeError', `dumps() takes 1 positional argument but ${args.length + 1} were given`);
    return jsonDumps(v, jsonKw('to_json', kw, {}));
  },
  to_nice_json: (v, args, kw) => {
    const a = bindArgs('to_nice_json', ['indent', 'sort_keys'], args, {}, { indent: 4, sort_keys: true });
    const k = { ...kw };
    const indent = 'indent' in k ? k.indent : a.indent;
    const sortKeys = 'sort_keys' in k ? k.sort_keys : a.sort_keys;
    delete k.indent;
    delete k.sort_keys;
    return jsonDumps(
      v,
      jsonKw('to_nice_json', k, { indent: indent === null ? null : typeof indent === 'string' ? indent : num(indent), sortKeys: truthy(sortKeys), separators: [',', ': '] }),
    );
  },
  from_json: (v) => {
    if (typeof v !== 'string') throw new PyError('TypeError', `the JSON object must be str, bytes or bytearray, not ${typeName(v)}`);
    return jsonLoads(v);
  },
  tojson: (v, args, kw) => {
    const a = bindArgs('do_tojson', ['indent'], args, kw, { indent: null });
    const s = jsonDumps(v, { sortKeys: true, indent: a.indent === null ? null : num(a.indent) });
    return s.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027');
  },
  to_yaml: (v, args, kw) => {
    if (args.length) throw filterError('to_yaml - dump_all() takes positional arguments only for the stream');
    if ('allow_unicode' in kw) throw wrapped('to_yaml - ', new PyError('TypeError', "yaml.dump() got multiple values for keyword argument 'allow_unicode'"));
    try {
      return yamlDump(v, dumpOpts(kw, {}));
    } catch (e) {
      if (e instanceof PyError && e.pyType !== 'AnsibleFilterError') throw wrapped('to_yaml - ', e);
      throw e;
    }
  },
  to_nice_yaml: (v, args, kw) => {
    const indent = args.length ? args[0] : 'indent' in kw ? kw.indent : 4;
    for (const k of ['allow_unicode', 'default_flow_style'])
      if (k in kw) throw wrapped('to_nice_yaml - ', new PyError('TypeError', `yaml.dump() got multiple values for keyword argument '${k}'`));
    const k = { ...kw };
    delete k.indent;
    try {
      return yamlDump(v, { ...dumpOpts(k, {}), indent: num(indent), defaultFlowStyle: false });
    } catch (e) {
      if (e instanceof PyError && e.pyType !== 'AnsibleFilterError') throw wrapped('to_nice_yaml - ', e);
      throw e;
    }
  },
  from_yaml: (v) => (typeof v === 'string' ? yamlLoad(v) : v),
  from_yaml_all: (v) => (typeof v === 'string' ? yamlLoadAll(v) : v),
};

export { isNumber };
