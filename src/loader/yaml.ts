import fs from 'node:fs';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode, type ScalarTag, type Tags } from 'yaml';
import { TsplayError, type SourceLocation } from '../errors.js';

/**
 * Where every object, key and value of a parsed YAML file came from. Objects produced elsewhere
 * (typed TS roles) have no entries: lookups fall back to the file itself.
 */
export class SourceMap {
  private readonly objs = new WeakMap<object, SourceLocation>();
  private readonly keyLocs = new WeakMap<object, Map<string | number, SourceLocation>>();
  private readonly valLocs = new WeakMap<object, Map<string | number, SourceLocation>>();

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
}

const MAX_ALIAS_EXPANSIONS = 10_000;

/**
 * YAML 1.1 booleans as PyYAML (and so Ansible) reads them: yes/no, true/false, on/off. The `yaml`
 * package's 1.1 schema also takes y/Y/n/N, which would turn `n: 3` or `set_fact: { y: 1 }` into
 * a `false`/`true` key.
 */
export function pyyamlBooleans(tags: Tags): Tags {
  return tags.map((t) => {
    if (typeof t !== 'object' || t.tag !== 'tag:yaml.org,2002:bool' || !('test' in t) || !t.test) return t;
    const isTrue = t.test.test('true');
    return { ...t, test: isTrue ? /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/ : /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/ } as ScalarTag;
  });
}

/**
 * Parse YAML text as Ansible does (YAML 1.1: `yes`/`no` are booleans, merge keys `<<`), into
 * plain JS plus a SourceMap. Syntax errors are returned, not thrown, so callers can report all.
 */
export function parseYaml(text: string, file: string): ParsedYaml {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, version: '1.1', prettyErrors: false, uniqueKeys: true, customTags: pyyamlBooleans });
  const map = new SourceMap(file);
  const errors: TsplayError[] = [];
  const locAt = (offset: number | undefined): SourceLocation => {
    if (offset === undefined) return { file };
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  for (const e of doc.errors) {
    const lp = e.linePos?.[0] ?? (e.pos ? lc.linePos(e.pos[0]) : undefined);
    const lineText = lp ? (text.split('\n')[lp.line - 1] ?? '') : '';
    errors.push(
      new TsplayError('PARSE', `YAML syntax error: ${e.message.split('\n')[0]}`, {
        location: lp ? { file, line: lp.line, col: lp.col } : { file },
        hint: lineText.includes('{{') ? 'a value that starts with {{ must be quoted: key: "{{ var }}"' : undefined,
      }),
    );
  }
  if (errors.length) return { value: undefined, map, errors };
  let aliases = 0;

  const convert = (node: unknown, d: Document.Parsed): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      if (++aliases > MAX_ALIAS_EXPANSIONS) throw new TsplayError('PARSE', 'too many YAML alias expansions', { location: locAt(node.range?.[0]) });
      return convert(node.resolve(d), d);
    }
    if (isScalar(node)) {
      const v = node.value;
      if (v instanceof Date) return node.source ?? v.toISOString();
      if (typeof v === 'bigint') return Number(v);
      return v;
    }
    if (isSeq(node)) {
      const arr: unknown[] = [];
      map.setObject(arr, locAt(node.range?.[0]));
      node.items.forEach((item, i) => {
        const l = locAt((item as YamlNode | null)?.range?.[0] ?? node.range?.[0]);
        arr.push(convert(item, d));
        map.setKey(arr, i, l, l);
      });
      return arr;
    }
    if (isMap(node)) {
      const obj: Record<string, unknown> = {};
      map.setObject(obj, locAt(node.range?.[0]));
      const merges: unknown[] = [];
      for (const pair of node.items) {
        const k = pair.key as YamlNode | null;
        const keyLoc = locAt(k?.range?.[0] ?? node.range?.[0]);
        const valLoc = locAt((pair.value as YamlNode | null)?.range?.[0] ?? k?.range?.[0]);
        if (k !== null && !isScalar(k)) {
          errors.push(
            new TsplayError('PARSE', 'a mapping key must be a plain value', {
              location: locAt(node.range?.[0]),
              hint: 'a value that starts with {{ must be quoted: key: "{{ var }}"',
            }),
          );
          continue;
        }
        const kv = k === null ? null : k.value;
        if (kv === '<<' && (!isScalar(k) || k.type === 'PLAIN')) {
          merges.push(convert(pair.value, d));
          continue;
        }
        const key = kv === null ? '' : String(kv);
        Object.defineProperty(obj, key, { value: convert(pair.value, d), enumerable: true, writable: true, configurable: true });
        map.setKey(obj, key, keyLoc, valLoc);
      }
      // Merge keys: explicit keys win, earlier merges win over later ones.
      for (const m of merges.flat()) {
        if (m === null || typeof m !== 'object' || Array.isArray(m)) continue;
        for (const [k, v] of Object.entries(m)) {
          if (!Object.hasOwn(obj, k)) Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
        }
      }
      return obj;
    }
    return null;
  };
  try {
    const value = convert(doc.contents, doc);
    return { value, map, errors };
  } catch (e) {
    if (e instanceof TsplayError) return { value: undefined, map, errors: [...errors, e] };
    throw e;
  }
}

/** Read and parse a YAML file; a missing file is a VALIDATION error at `from` (the referring place). */
export function readYamlFile(file: string, from?: SourceLocation): ParsedYaml {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      value: undefined,
      map: new SourceMap(file),
      errors: [new TsplayError('VALIDATION', code === 'ENOENT' ? `file not found: ${file}` : `cannot read ${file}: ${(e as Error).message}`, { location: from ?? { file } })],
    };
  }
  return parseYaml(text, file);
}
