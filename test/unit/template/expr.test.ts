import { describe, expect, it } from 'vitest';
import { checkExpression, evaluateCondition, evaluateConditions, evaluateValue } from '../../../src/template/index.js';
import { TsplayError, formatError } from '../../../src/errors.js';

const loc = { file: 'site.yml', line: 7, col: 13 };
const vars: Record<string, unknown> = {
  r: { rc: 0, stdout: 'hello world', stderr: '', changed: true, failed: false, stdout_lines: ['hello world'], results: [{ rc: 1 }, { rc: 2 }] },
  skippedResult: { skipped: true, changed: false },
  failedResult: { failed: true, rc: 2 },
  items: [1, 2, 3],
  x: 3,
  s: 'abc',
  t: true,
  f: false,
  n: null,
  d: { k: 'v', 'with-dash': 1 },
  port: '80',
};

function fails(expr: string, v = vars): string {
  try {
    evaluateCondition(expr, v, loc);
  } catch (e) {
    expect(e).toBeInstanceOf(TsplayError);
    expect((e as TsplayError).code).toBe('EXPRESSION');
    return formatError(e as TsplayError);
  }
  throw new Error(`expected ${expr} to fail`);
}

describe('condition grammar', () => {
  const truths: Array<[string, boolean]> = [
    ['r.rc == 0', true],
    ['r.rc != 0', false],
    ["r['rc'] == 0", true],
    ['r["stdout"] == "hello world"', true],
    ['items[0] == 1', true],
    ['items[-1] == 3', true],
    ['r.results.1.rc == 2', true],
    ['r.results[0].rc == 1', true],
    ['x > 2 and x < 5', true],
    ['x >= 3 and x <= 3', true],
    ['x < 3 or x > 3', false],
    ['1 < x < 5', true],
    ['1 < x < 2', false],
    ['2 in items', true],
    ['5 not in items', true],
    ['5  not   in items', true],
    ["'ell' in r.stdout", true],
    ["'k' in d", true],
    ["'zz' in d", false],
    ['not t', false],
    ['not f', true],
    ['not x == 3', false],
    ['not x in items', false],
    ['not (x == 3) or t', true],
    ['(not t) == f', true],
    ['t and not f', true],
    ['not t or t', true],
    ['f or t and f', false],
    ['(f or t) and t', true],
    ['True', true],
    ['False', false],
    ['true and True', true],
    ['n == None', true],
    ['n is none', true],
    ['[1, 2] == [1, 2]', true],
    ['[1, 2] != [2, 1]', true],
    ['x == "3"', false],
    ['port | int == 80', true],
    ["'x' ~ s == 'xabc'", true],
    ['x - 1 == 2', true],
    ['x * 2 + 1 == 7', true],
    ['x % 2 == 1', true],
    ["{{ x == 3 }}", true],
    ['r.stdout | length > 0', true],
    ["s | upper == 'ABC'", true],
    ['undefined_var | default(5) == 5', true],
    ["undefined_var | default('') == ''", true],
    ['r.stdout_lines | length == 1', true],
    ["s.startswith('a') and s.endswith('c')", true],
    ["r.stdout.split(' ')[1] == 'world'", true],
    ["d.get('k') == 'v'", true],
    ["d.get('nope', 1) == 1", true],
    ["s is match('a.c')", true],
    ["s is search('b')", true],
    ['x is odd', true],
    ['x is number', true],
    ['s is string', true],
    ['items is sequence', true],
    ['d is mapping', true],
    ['items is not empty', true],
  ];
  it.each(truths)('%s → %s', (expr, want) => {
    expect(evaluateCondition(expr, vars, loc)).toBe(want);
  });

  it('booleans written in YAML are conditions too', () => {
    expect(evaluateCondition(true, vars, loc)).toBe(true);
    expect(evaluateConditions(['x == 3', 't'], vars, loc)).toBe(true);
    expect(evaluateConditions(['x == 3', 'f', 'nope == 1'], vars, loc)).toBe(false);
  });
});

describe('defined tests and registered results', () => {
  it('is defined / is not defined / is undefined, on variables and attributes', () => {
    expect(evaluateCondition('foo is defined', vars)).toBe(false);
    expect(evaluateCondition('foo is not defined', vars)).toBe(true);
    expect(evaluateCondition('foo is   not defined', vars)).toBe(true);
    expect(evaluateCondition('foo is undefined', vars)).toBe(true);
    expect(evaluateCondition('r.rc is defined', vars)).toBe(true);
    expect(evaluateCondition('r.nope is defined', vars)).toBe(false);
    expect(evaluateCondition('foo.bar.baz is defined', vars)).toBe(false);
    expect(evaluateCondition('items[7] is defined', vars)).toBe(false);
    expect(evaluateCondition('foo is defined and foo == 1', vars)).toBe(false);
    expect(evaluateCondition('foo is not defined or foo == 1', vars)).toBe(true);
  });

  it('is succeeded / failed / changed / skipped', () => {
    expect(evaluateCondition('r is succeeded and r is changed', vars)).toBe(true);
    expect(evaluateCondition('r is failed', vars)).toBe(false);
    expect(evaluateCondition('failedResult is failed and failedResult is not success', vars)).toBe(true);
    expect(evaluateCondition('skippedResult is skipped and skippedResult is not changed', vars)).toBe(true);
  });
});

describe('errors', () => {
  it('a non-boolean result is an error that says what it got', () => {
    expect(fails('x')).toBe(
      'site.yml:7:13: condition `x` gave a number (3), not true/false\n    hint: compare explicitly, e.g. `x == "yes"`, `x | length > 0`, `x is defined`, or use the `bool` filter',
    );
    expect(fails('r.stdout')).toMatch(/gave a string \("hello world"\)/);
    expect(fails('items')).toMatch(/gave a list \(\[1,2,3\]\)/);
    expect(fails('not s')).toMatch(/`not` needs true\/false, got a string/);
    expect(fails('s and t')).toMatch(/`and` needs true\/false, got a string/);
  });

  it('an undefined variable is named, with its full path', () => {
    expect(fails('foo == 1')).toBe("site.yml:7:13: undefined variable 'foo' in condition `foo == 1`\n    hint: guard it with `foo is defined` or give a fallback: foo | default(...)");
    expect(fails('r.nope == 1')).toMatch(/undefined variable 'r\.nope'/);
    expect(fails('r.results[5].rc == 1')).toMatch(/undefined variable 'r\.results\[5\]\.rc'/);
    expect(fails('x == 1 or foo')).toMatch(/undefined variable 'foo'/);
    expect(evaluateCondition('x == 3 or foo', vars)).toBe(true); // short-circuit, as in Jinja
    expect(fails('foo is succeeded')).toMatch(/undefined variable 'foo'/);
  });

  it('type mismatches in comparisons are errors, not guesses', () => {
    expect(fails('port > 8')).toMatch(/`>` cannot compare a string \("80"\) with a number \(8\)\n    hint: convert with the `int` filter/);
    expect(fails("'a' in 5")).toMatch(/`in` needs a list, string or dict on the right/);
    expect(fails('x + s == 1')).toMatch(/cannot add a number \(3\) and a string/);
    expect(fails('x / 0 == 1')).toMatch(/division by zero/);
  });

  it('syntax errors and JavaScript spellings point to the fix', () => {
    expect(fails('x ==')).toMatch(/cannot parse: Expected expression after == at character 5/);
    expect(fails('x == 3 and')).toMatch(/`and` is missing an operand/);
    expect(fails('x && t')).toMatch(/operator `&&` is not supported\n    hint: write `and`/);
    expect(fails('x || t')).toMatch(/hint: write `or`/);
    expect(fails('!t')).toMatch(/hint: write `not`/);
    expect(fails('x === 3')).toMatch(/hint: write `==`/);
    expect(fails('x ? t : f')).toMatch(/`a \? b : c` is not supported/);
    expect(fails('x | nosuch')).toMatch(/unsupported filter `nosuch`/);
    expect(fails('x is nosuch')).toMatch(/unsupported test `is nosuch`/);
    expect(fails('x; t')).toMatch(/several expressions/);
    expect(checkExpression('x ==', loc)).toHaveLength(1);
    expect(checkExpression('foo is defined and foo.bar == 1', loc)).toEqual([]);
  });
});

describe('hostile input', () => {
  it('never reaches prototypes or constructors', () => {
    expect(evaluateCondition('d.constructor is defined', vars)).toBe(false);
    expect(evaluateCondition("d['constructor'] is defined", vars)).toBe(false);
    expect(evaluateCondition('d.__proto__ is defined', vars)).toBe(false);
    expect(evaluateCondition("d['__proto__'] is defined", vars)).toBe(false);
    expect(evaluateCondition('s.constructor is defined', vars)).toBe(false);
    expect(evaluateCondition('items.constructor is defined', vars)).toBe(false);
    expect(evaluateCondition('constructor is defined', vars)).toBe(false);
    expect(evaluateCondition('__proto__ is defined', vars)).toBe(false);
    expect(evaluateCondition('toString is defined', vars)).toBe(false);
    expect(evaluateCondition("'constructor' in d", vars)).toBe(false);
    expect(evaluateCondition("d.get('constructor') == None", vars)).toBe(true);
  });

  it('refuses calls, this and function construction', () => {
    expect(fails("d.constructor.constructor('return process')()")).toMatch(/function calls are not supported/);
    expect(fails("s.constructor('x') == 1")).toMatch(/method `constructor\(\)` is not supported/);
    expect(fails('this')).toMatch(/`this` is not available/);
    expect(fails('eval("1") == 1')).toMatch(/function calls are not supported/);
    expect(fails("x | default(d.constructor)")).toMatch(/undefined variable 'd\.constructor'/);
  });

  it('does not mutate or pollute the variables', () => {
    const before = JSON.stringify(vars);
    evaluateCondition("d.get('__proto__') == None", vars);
    expect(JSON.stringify(vars)).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('evaluateValue', () => {
  it('returns the value of an expression (debug: var=)', () => {
    expect(evaluateValue('r.results', vars)).toEqual([{ rc: 1 }, { rc: 2 }]);
    expect(evaluateValue('r.stdout | upper', vars)).toBe('HELLO WORLD');
    expect(evaluateValue('x + 1', vars)).toBe(4);
    expect(() => evaluateValue('nope', vars, loc)).toThrow("undefined variable 'nope' in expression `nope`");
  });
});
