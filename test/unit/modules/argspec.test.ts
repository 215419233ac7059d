// Ansible's argument spec validation: messages recorded from ansible-core 2.14's
// ArgumentSpecValidator (module_utils/common/arg_spec.py) for the same spec and parameters.
import { describe, expect, it } from 'vitest';
import { maskNoLog, validateArgumentSpec, type ArgSpec } from '../../../src/modules/system/argspec.js';

const plain = { literal: () => false };

// [case, spec, parameters, Ansible's error messages]
const RECORDED: Array<[string, Record<string, unknown>, Record<string, unknown>, string[]]> = [
  ['int from string', { p: { type: 'int', required: true } }, { p: '8080' }, []],
  [
    'int from bad string',
    { p: { type: 'int' } },
    { p: '80a' },
    ["argument 'p' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int"],
  ],
  [
    'int from float',
    { p: { type: 'int' } },
    { p: 8.5 },
    ["argument 'p' is of type <class 'float'> and we were unable to convert to int: <class 'float'> cannot be converted to an int"],
  ],
  ['int from bool', { p: { type: 'int' } }, { p: true }, []],
  ['missing required sorted', { b: { required: true }, a: { required: true }, c: {} }, {}, ['missing required arguments: a, b']],
  ['str from list', { s: { type: 'str' } }, { s: [1, 2] }, []],
  [
    'float forms',
    { f: { type: 'float' }, g: { type: 'float' }, h: { type: 'float' } },
    { f: '1e3', g: 2, h: 'x' },
    ["argument 'h' is of type <class 'str'> and we were unable to convert to float: <class 'str'> cannot be converted to a float"],
  ],
  [
    'bool list',
    { b: { type: 'bool' } },
    { b: [1] },
    ["argument 'b' is of type <class 'list'> and we were unable to convert to bool: <class 'list'> cannot be converted to a bool"],
  ],
  ['bool fine', { b: { type: 'bool' }, c: { type: 'bool' } }, { b: 'Yes', c: 0 }, []],
  [
    'list from dict',
    { l: { type: 'list' } },
    { l: { a: 1 } },
    ["argument 'l' is of type <class 'dict'> and we were unable to convert to list: <class 'dict'> cannot be converted to a list"],
  ],
  ['list elements str', { l: { type: 'list', elements: 'str' } }, { l: 'a,b' }, []],
  [
    'list elements dict options',
    { l: { type: 'list', elements: 'dict', options: { n: { type: 'int', required: true } } } },
    { l: [{ n: '1' }, { m: 2 }, 'x'] },
    [
      'dictionary requested, could not parse JSON or key=value',
      "Elements value for option 'l' is of type <class 'str'> and we were unable to convert to dict: dictionary requested, could not parse JSON or key=value",
      'missing required arguments: n found in l',
      'l.m. Supported parameters include: n.',
    ],
  ],
  ['dict from kv string', { d: { type: 'dict', options: { a: { type: 'int' } } } }, { d: 'a=1 b=2' }, ['d.b. Supported parameters include: a.']],
  [
    'dict from bad string',
    { d: { type: 'dict' } },
    { d: 'nope' },
    ["argument 'd' is of type <class 'str'> and we were unable to convert to dict: dictionary requested, could not parse JSON or key=value"],
  ],
  [
    'dict from list',
    { d: { type: 'dict' } },
    { d: [1] },
    ["argument 'd' is of type <class 'list'> and we were unable to convert to dict: <class 'list'> cannot be converted to a dict"],
  ],
  ['choices int converted', { c: { type: 'int', choices: [1, 2] } }, { c: '2' }, []],
  ['choices list', { c: { type: 'list', choices: ['a', 'b'] } }, { c: ['a', 'z', 'y'] }, ['value of c must be one or more of: a, b. Got no match for: z, y']],
  ['choices bool back', { c: { choices: ['yes', 'no'] } }, { c: 'True' }, []],
  ['choices default checked', { c: { choices: ['a'], default: 'b' } }, {}, ['value of c must be one of: a, got: b']],
  [
    'default typed',
    { p: { type: 'int', default: 'x' } },
    {},
    ["argument 'p' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int"],
  ],
  [
    'required_if',
    {
      d: {
        type: 'dict',
        options: { state: {}, path: {}, src: {} },
        required_if: [
          ['state', 'present', ['path', 'src']],
          ['state', 'x', ['path'], true],
        ],
      },
    },
    { d: { state: 'present', src: 1 } },
    ['state is present but all of the following are missing: path found in d'],
  ],
  [
    'required_if any',
    { d: { type: 'dict', options: { state: {}, path: {}, src: {} }, required_if: [['state', 'x', ['path', 'src'], true]] } },
    { d: { state: 'x' } },
    ['state is x but any of the following are missing: path, src found in d'],
  ],
  [
    'required_together',
    { d: { type: 'dict', options: { a: {}, b: {} }, required_together: [['a', 'b']] } },
    { d: { a: 1 } },
    ['parameters are required together: a, b found in d'],
  ],
  ['required_one_of', { d: { type: 'dict', options: { a: {}, b: {} }, required_one_of: [['a', 'b']] } }, { d: {} }, ['one of the following is required: a, b found in d']],
  [
    'required_by',
    { d: { type: 'dict', options: { a: {}, b: {}, c: {} }, required_by: { a: ['b', 'c'] } } },
    { d: { a: 1, c: null } },
    ["missing parameter(s) required by 'a': b, c found in d"],
  ],
  [
    'mutually_exclusive nested',
    {
      d: {
        type: 'dict',
        options: { a: {}, b: {}, c: {} },
        mutually_exclusive: [
          ['a', 'b'],
          ['b', 'c'],
        ],
      },
    },
    { d: { a: 1, b: 2, c: 3 } },
    ['parameters are mutually exclusive: a|b, b|c found in d'],
  ],
  ['apply_defaults', { d: { type: 'dict', apply_defaults: true, options: { a: { required: true } } } }, {}, ['missing required arguments: a found in d']],
  ['no apply_defaults', { d: { type: 'dict', options: { a: { required: true } } } }, {}, []],
  [
    'aliases',
    { name: { aliases: ['n', 'nm'], type: 'int' } },
    { n: 'x', z: 1 },
    [
      "argument 'name' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int",
      'z. Supported parameters include: name (n, nm).',
    ],
  ],
  ['required and default', { p: { required: true, default: 1 } }, {}, ['internal error: required and default are mutually exclusive for p']],
  [
    'jsonarg',
    { j: { type: 'jsonarg' }, k: { type: 'json' }, m: { type: 'jsonarg' } },
    { j: { a: [1, 'x'] }, k: ' [1] ', m: 5 },
    ["argument 'm' is of type <class 'int'> and we were unable to convert to jsonarg: <class 'int'> cannot be converted to a json string"],
  ],
  [
    'bytes bits',
    { a: { type: 'bytes' }, b: { type: 'bits' }, c: { type: 'bytes' }, d: { type: 'bits' }, e: { type: 'bytes' } },
    { a: '1MB', b: '1Mb', c: '1Mb', d: '2KB', e: 'lots' },
    [
      "argument 'c' is of type <class 'str'> and we were unable to convert to bytes: <class 'str'> cannot be converted to a Byte value",
      "argument 'd' is of type <class 'str'> and we were unable to convert to bits: <class 'str'> cannot be converted to a Bit value",
      "argument 'e' is of type <class 'str'> and we were unable to convert to bytes: <class 'str'> cannot be converted to a Byte value",
    ],
  ],
  ['unknown type', { a: { type: 'string' } }, { a: 'x' }, ["argument 'a' is of type <class 'str'> and we were unable to convert to string: 'NoneType' object is not callable"]],
  ['path raw', { p: { type: 'path' }, r: { type: 'raw' } }, { p: 5, r: [1] }, []],
  ['none skipped', { p: { type: 'int', required: true } }, { p: null }, []],
  [
    'nested nested',
    { a: { type: 'dict', options: { b: { type: 'dict', options: { c: { type: 'int' } } } } } },
    { a: { b: { c: 'q', d: 1 } } },
    [
      "argument 'c' is of type <class 'str'> found in 'a -> b'. and we were unable to convert to int: <class 'str'> cannot be converted to an int",
      'a.b.d. Supported parameters include: c.',
    ],
  ],
  ['elements on non-list', { a: { type: 'str', elements: 'int' } }, { a: '12' }, ["Invalid type str for option '12', elements value check is supported only with 'list' type"]],
];

describe('validateArgumentSpec, against ansible-core 2.14', () => {
  it.each(RECORDED)('%s', (_name, spec, params, errors) => {
    expect(validateArgumentSpec(spec as ArgSpec, params, plain).errors).toEqual(errors);
  });

  it('names a string written in YAML as AnsibleUnicode, a template result as str', () => {
    const spec: ArgSpec = { a: { type: 'int' }, b: { type: 'int' } };
    const r = validateArgumentSpec(spec, { a: 'x', b: 'y' }, { literal: (n) => n === 'a' });
    expect(r.errors).toEqual([
      "argument 'a' is of type <class 'ansible.parsing.yaml.objects.AnsibleUnicode'> and we were unable to convert to int: <class 'ansible.parsing.yaml.objects.AnsibleUnicode'> cannot be converted to an int",
      "argument 'b' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int",
    ]);
  });

  it('an invalid boolean lists the valid spellings', () => {
    const [msg] = validateArgumentSpec({ b: { type: 'bool' } }, { b: 2 }, plain).errors;
    expect(msg).toMatch(/^argument 'b' is of type <class 'int'> and we were unable to convert to bool: The value '2' is not a valid boolean\. {2}Valid booleans include: /);
  });

  it('converts for the check only: the parameters passed in are not changed', () => {
    const params = { p: '8080', d: { x: '1' } };
    const r = validateArgumentSpec({ p: { type: 'int' }, d: { type: 'dict', options: { x: { type: 'int' }, y: { default: 'z' } } }, q: { default: 5 } }, params, plain);
    expect(r.errors).toEqual([]);
    // the spec default is typed too (no type: str)
    expect(r.validated).toEqual({ p: 8080, d: { x: 1, y: 'z' }, q: '5' });
    expect(params).toEqual({ p: '8080', d: { x: '1' } });
  });

  it('collects no_log values (options and nested options) and masks them', () => {
    const r = validateArgumentSpec({ pw: { no_log: true, choices: ['a'] }, d: { type: 'dict', options: { t: { no_log: true } } } }, { pw: 'hunter2', d: { t: 's3cret' } }, plain);
    expect([...r.noLogValues].sort()).toEqual(['hunter2', 's3cret']);
    expect(r.errors.map((e) => maskNoLog(e, r.noLogValues))).toEqual(['value of pw must be one of: a, got: ********']);
  });
});
