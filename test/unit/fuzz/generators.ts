/**
 * Generators for the CLI fuzz suite: malformed playbooks, inventories (YAML and INI), vars files,
 * host patterns, -e values and command lines. A case is data: the files to write into a fresh
 * directory and the argv to give main(); `$D` in either stands for that directory.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';

/** One generated input: files (path relative to the case directory → content, or a symlink) and argv. */
export interface FuzzCase {
  kind: string;
  files: Record<string, string | { symlink: string } | { fifo: true }>;
  argv: string[];
}

// Fragments a hostile user (or a typo) puts into YAML, Jinja, patterns and key=value strings.
const ATOMS = [
  '',
  ' ',
  '\0',
  '\t',
  '\n',
  '\r\n',
  '{{',
  '}}',
  '{{ x }}',
  '{{ undefined_var }}',
  '{{ 1 / 0 }}',
  "{{ lookup('env', 'HOME') }}",
  '{{ x | default(omit) }}',
  '{%',
  '%}',
  '{% for i in range(3) %}',
  '{#',
  '&a',
  '*a',
  '!vault',
  '!unsafe',
  '!!binary',
  '!!python/object:os.system',
  '!!int',
  '<<',
  ':',
  ': ',
  '- ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '\\',
  '\\x00',
  '#',
  '|',
  '>',
  '---',
  '...',
  '@',
  '%',
  '`',
  '$(id)',
  ';',
  '&&',
  '=',
  '==',
  '~',
  '!',
  '*',
  '?',
  '&',
  'web[1:3]',
  'web[1:99999999999999999999]',
  'web[a:z]',
  'web[1:1000000]',
  'web[01:5:2]',
  '~(.*)*X',
  '~((a+)+)+$',
  '~[',
  'web[',
  'é',
  '\u202e',
  '😀',
  '\ufeff',
  '\u0085',
  'all',
  'ungrouped',
  'localhost',
  'h1',
  'h2',
  'web',
  'db',
  'ansible_connection',
  'ansible_host',
  'hosts',
  'tasks',
  'vars',
  'children',
  '1e3',
  '0x10',
  '-1',
  '0',
  '3',
  'yes',
  'no',
  'true',
  'null',
  'NaN',
  '.inf',
  '99999999999999999999',
  'x'.repeat(300),
  '$ANSIBLE_VAULT;1.1;AES256',
  '/dev/zero',
  '/nonexistent/x',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...ATOMS), { maxLength: 5 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 16 }) },
  { weight: 1, arbitrary: fc.constantFrom('h1', 'web', 'all', 'msg', 'x', 'item') },
);

const KEYS = [
  'hosts',
  'name',
  'gather_facts',
  'vars',
  'vars_files',
  'tasks',
  'pre_tasks',
  'post_tasks',
  'handlers',
  'roles',
  'become',
  'serial',
  'strategy',
  'when',
  'tags',
  'any_errors_fatal',
  'max_fail_percentage',
  'environment',
  'ignore_errors',
  'register',
  'loop',
  'with_items',
  'loop_control',
  'failed_when',
  'changed_when',
  'until',
  'retries',
  'delay',
  'notify',
  'block',
  'rescue',
  'always',
  'args',
  'msg',
  'var',
  'that',
  'no_log',
  'check_mode',
  'run_once',
  'hostz',
  'children',
  'ansible_connection',
];

const scalar: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 100000 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** Any YAML-shaped value: scalars, lists, maps whose keys are keywords or hostile strings. */
export const anyValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), hostileString), tie('v'), { maxKeys: 3 }),
  ),
})).v;

const SAFE_MODULES = ['debug', 'set_fact', 'assert', 'fail', 'ping', 'meta', 'include_vars', 'ansible.builtin.debug', 'no_such_module', 'debugg'];
const VALIDATE_ONLY_MODULES = ['command', 'shell', 'copy', 'file', 'lineinfile', 'template', 'include_tasks', 'import_tasks', 'include_role', 'import_role', 'service'];

const ident = fc.constantFrom('x', 'y', 'msg', 'item', 'v', 'db', 'ansible_port', 'password', 'my_var');

/** A few keywords out of `kw`, each with a generated value (most inputs are almost right). */
function someKeywords(kw: Record<string, fc.Arbitrary<unknown>>, max: number): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(kw);
  return fc.subarray(entries, { maxLength: max }).chain((picked) => fc.tuple(...picked.map(([k, a]) => a.map((v) => [k, v] as const))).map((pairs) => Object.fromEntries(pairs)));
}

function taskArb(modules: string[]): fc.Arbitrary<Record<string, unknown>> {
  const wellFormed = fc.oneof(
    hostileString.map((m) => ({ debug: { msg: m } })),
    fc.tuple(ident, anyValue).map(([k, v]) => ({ set_fact: { [k]: v } })),
    fc.array(hostileString, { maxLength: 2 }).map((that) => ({ assert: { that } })),
    hostileString.map((v) => ({ debug: { var: v } })),
    hostileString.map((f) => ({ include_vars: f })),
  );
  const fuzzed = fc
    .tuple(fc.constantFrom(...modules), fc.oneof(hostileString, fc.record({ msg: hostileString, path: hostileString, x: anyValue }, { requiredKeys: [] }), anyValue))
    .map(([m, a]) => ({ [m]: a }));
  const keywords = someKeywords(
    {
      name: hostileString,
      when: fc.oneof(hostileString, anyValue),
      loop: anyValue,
      register: hostileString,
      tags: anyValue,
      ignore_errors: anyValue,
      failed_when: hostileString,
      vars: anyValue,
      no_log: anyValue,
      retries: anyValue,
      block: anyValue,
      bogus_keyword: anyValue,
    },
    2,
  );
  return fc.tuple(fc.oneof({ weight: 3, arbitrary: wellFormed }, { weight: 1, arbitrary: fuzzed }), keywords).map(([t, kw]) => ({ ...t, ...kw }));
}

function playArb(modules: string[]): fc.Arbitrary<unknown> {
  const task = taskArb(modules);
  const tasks = fc.oneof({ weight: 8, arbitrary: fc.array(task, { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: anyValue });
  const base = fc.record({
    hosts: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('all', 'h1', 'web') }, { weight: 2, arbitrary: hostPattern }, { weight: 1, arbitrary: anyValue }),
    gather_facts: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: anyValue }),
    tasks,
  });
  const extra = someKeywords(
    {
      name: hostileString,
      vars: fc.oneof(fc.dictionary(ident, anyValue, { maxKeys: 3 }), anyValue),
      vars_files: fc.oneof(fc.constant(['vars.yml']), fc.array(hostileString, { maxLength: 2 }), anyValue),
      pre_tasks: tasks,
      post_tasks: tasks,
      handlers: tasks,
      roles: anyValue,
      serial: anyValue,
      strategy: anyValue,
      tags: anyValue,
      bogus_keyword: anyValue,
    },
    2,
  );
  return fc.tuple(base, extra).map(([b, e]) => ({ ...b, ...e }));
}

/** A playbook that passes validation more often than not: hostile values only where a user's strings go. */
const nearlyValidTask = fc
  .tuple(
    fc.oneof(
      hostileString.map((m) => ({ debug: { msg: m } })),
      fc.tuple(ident, fc.oneof(hostileString, anyValue)).map(([k, v]) => ({ set_fact: { [k]: v } })),
      hostileString.map((v) => ({ debug: { var: v } })),
      fc.constantFrom('x is defined', 'x | default(1) == 1', '1 == 1').map((c) => ({ assert: { that: [c] } })),
      hostileString.map((m) => ({ fail: { msg: m } })),
    ),
    someKeywords(
      {
        name: hostileString,
        when: fc.constantFrom('x is defined', 'true', 'item != 2', 'v | default(0) | int > 0', "inventory_hostname == 'h1'"),
        loop: fc.array(hostileString, { maxLength: 3 }),
        register: ident,
        ignore_errors: fc.boolean(),
        tags: fc.array(fc.constantFrom('a', 'b', 'never', 'always'), { maxLength: 2 }),
        no_log: fc.boolean(),
      },
      3,
    ),
  )
  .map(([t, kw]) => ({ ...t, ...kw }));
export const nearlyValidPlaybook = () =>
  fc
    .array(
      fc.record({
        hosts: fc.oneof(fc.constantFrom('all', 'h1', 'web', 'h1:h2', 'all:!h2'), hostPattern),
        gather_facts: fc.constant(false),
        vars: fc.dictionary(ident, fc.oneof(hostileString, anyValue), { maxKeys: 2 }),
        tasks: fc.array(nearlyValidTask, { minLength: 1, maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 2 },
    )
    .map((x) => stringify(x));

/** Known-hostile YAML texts (each once made tsplay print a stack, hang or exhaust memory). */
const HOSTILE_YAML = [
  '- &a {hosts: all, vars: {x: *a}}\n',
  `x: &a [${'1,'.repeat(10)}]\n${Array.from({ length: 120 }, (_, i) => `y${i}: *a`).join('\n')}\n`,
  `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`,
  '<<: 5\n',
  '<<: [1, 2]\n',
  `x: ${'['.repeat(3000)}${']'.repeat(3000)}\n`,
  `x: ${'{a: '.repeat(600)}1${'}'.repeat(600)}\n`,
  '\tkey: value\n',
  'a: 1\na: 2\n',
  'key: "unterminated\n',
  '- hosts: all\n  tasks:\n  - debug: msg={{\n',
  '!!python/object/apply:os.system ["id"]\n',
  '%YAML 9.9\n---\na: 1\n',
  '--- a\n--- b\n',
  '\0\0\0',
  '\ufeff- hosts: all\n  gather_facts: false\n',
  '$ANSIBLE_VAULT;1.1;AES256\n6162636465\n',
  'x: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  zz\n',
  'x: !unsafe "{{ y }}"\n',
  'all: {children: {web: 42}}\n',
  'all: {hosts: {h1: {ansible_connection: local}}, children: {web: {children: {all: {}}}}}\n',
  `- hosts: all\n  gather_facts: false\n  tasks:\n    - debug: msg="{{ x${' | upper'.repeat(3000)} }}"\n`,
];

/** Apply one text-level mutation: truncate, splice a fragment, or replace a character. */
function mutateText(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: base },
    { weight: 1, arbitrary: fc.tuple(base, fc.nat()).map(([s, n]) => s.slice(0, s.length ? n % (s.length + 1) : 0)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(base, fc.nat(), fc.oneof(fc.constantFrom(...ATOMS), fc.constantFrom(...HOSTILE_YAML)))
        .map(([s, n, f]) => s.slice(0, n % (s.length + 1)) + f + s.slice(n % (s.length + 1))),
    },
    { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_YAML) },
  );
}

/** Serialize as YAML (block or flow style) or JSON. */
function asYaml(v: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.tuple(v, fc.constantFrom('yaml', 'flow', 'json')).map(([x, style]) => {
    if (style === 'json') return JSON.stringify(x) ?? 'null';
    try {
      return stringify(x, style === 'flow' ? { collectionStyle: 'flow' } : {});
    } catch {
      return JSON.stringify(x) ?? 'null';
    }
  });
}

export const playbookText = (modules: string[]) =>
  mutateText(asYaml(fc.oneof({ weight: 6, arbitrary: fc.array(playArb(modules), { minLength: 1, maxLength: 2 }) }, { weight: 1, arbitrary: anyValue })));

const hostVars = fc.dictionary(fc.oneof(fc.constantFrom('ansible_connection', 'ansible_host', 'ansible_port', 'x', 'db'), hostileString), anyValue, { maxKeys: 2 });
const yamlInventory = fc
  .record(
    {
      hosts: fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom('h1', 'h2', 'web[1:3]'), hostileString), fc.oneof(hostVars, anyValue), { maxKeys: 3 }), anyValue),
      vars: fc.oneof(hostVars, anyValue),
      children: fc.oneof(
        fc.dictionary(
          fc.oneof(fc.constantFrom('web', 'db', 'all', 'ungrouped'), hostileString),
          fc.oneof(fc.record({ hosts: anyValue, children: anyValue }, { requiredKeys: [] }), anyValue),
          {
            maxKeys: 3,
          },
        ),
        anyValue,
      ),
      hostz: anyValue,
    },
    { requiredKeys: [] },
  )
  .map((all) => ({ all }));

export const yamlInventoryText = mutateText(asYaml(fc.oneof({ weight: 5, arbitrary: yamlInventory }, { weight: 1, arbitrary: anyValue })));

const iniLine = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('h1', 'h2', 'web[1:3]', 'web[1:99999999999999999999]', 'web[1:1000000]', 'db[a:f]', 'h[0:9][0:9]'),
      fc.array(fc.tuple(hostileString, hostileString), { maxLength: 2 }),
    )
    .map(([h, kv]) => [h, ...kv.map(([k, v]) => `${k}=${v}`)].join(' ')),
  fc.tuple(fc.constantFrom('web', 'db', 'all', 'ungrouped'), fc.constantFrom('', ':vars', ':children', ':bogus')).map(([g, s]) => `[${g}${s}]`),
  fc.tuple(hostileString, fc.constantFrom('', ':vars', ':children')).map(([g, s]) => `[${g}${s}]`),
  fc.tuple(hostileString, hostileString).map(([k, v]) => `${k}=${v}`),
  fc.constant(`x=${'['.repeat(3000)}${']'.repeat(3000)}`),
  fc.constant(`x=${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`),
  fc.constant('$ANSIBLE_VAULT;1.1;AES256'),
  hostileString,
);
export const iniInventoryText = fc.tuple(fc.boolean(), fc.array(iniLine, { maxLength: 5 })).map(([base, ls]) => `${base ? 'h1\nh2\n[web]\nh1\n' : ''}${ls.join('\n')}\n`);

const patternAtom = fc.oneof(
  fc.constantFrom(
    'all',
    '*',
    'h1',
    'h2',
    'web',
    'db',
    'web[0]',
    'web[0:1]',
    'web[-1]',
    'web[1:]',
    '~h\\d',
    '~web.*',
    'h?',
    'localhost',
    '@limit.txt',
    '',
    '!',
    ':',
    ',',
    '&',
    '~[',
    'web[',
  ),
  fc.constantFrom('~(.*)*X', '~((a+)+)+$', '~(a|a)*b', 'web[99999999999999999999]', 'web[1:99999999999999999999]'),
  hostileString,
);
export const hostPattern: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .array(fc.tuple(fc.constantFrom('', '!', '&'), patternAtom), { minLength: 1, maxLength: 4 })
      .chain((parts) => fc.constantFrom(':', ',').map((sep) => parts.map(([p, a]) => p + a).join(sep))),
  },
  { weight: 1, arbitrary: fc.constant(`h1:${'web:'.repeat(10000)}db`) },
);

export const extraVar: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(ident, hostileString).map(([k, v]) => `${k}=${v}`) },
  { weight: 2, arbitrary: fc.dictionary(ident, anyValue, { maxKeys: 2 }).map((v) => JSON.stringify(v)) },
  fc.tuple(hostileString, hostileString).map(([k, v]) => `${k}=${v}`),
  anyValue.map((v) => JSON.stringify(v) ?? 'null'),
  fc.constantFrom('{broken', '[1,2', '{"a": 1', 'x', '@vars.yml', '@/nonexistent.yml', '@', '@list.yml', '@$D', '=', 'a=b=c', '{"a":{"b":'.repeat(50)),
  hostileString,
);

const FLAG_VALUES = ['', '0', '1', '1e3', '0x10', ' 5', '5.0', '-3', '99999999999999999999', 'abc', '$D/out', '$D', '$D/missing/dir/x.json', '/dev/full', '$D/vars.yml'];
const runFlag: fc.Arbitrary<string[]> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('--forks', '-f', '--json', '--junit', '--tags', '--skip-tags', '-t', '--history', '--vault-password-file', '--vault-id'),
      fc.oneof(fc.constantFrom(...FLAG_VALUES), hostileString),
    )
    .map((t): string[] => [...t]),
  fc.constantFrom(['-C'], ['-D'], ['-v'], ['-vvvv'], ['--no-history'], ['--bogus-flag'], ['--forks'], ['-e'], ['-l'], ['--'], ['-'], ['--check', '--diff']).map((f) => [...f]),
);

/** Several files at once, some of them odd (symlinks that dangle or loop, a vars file that is a directory). */
const varsFile = mutateText(asYaml(fc.oneof(fc.dictionary(hostileString, anyValue, { maxKeys: 4 }), anyValue)));

const inventoryFiles = fc.oneof(
  iniInventoryText.map((t) => ({ name: 'inv.ini', text: t })),
  yamlInventoryText.map((t) => ({ name: 'inv.yml', text: t })),
);

const varsDirs = fc.record(
  {
    'group_vars/all.yml': varsFile,
    'group_vars/web.yml': varsFile,
    'host_vars/h1.yml': varsFile,
    'host_vars/h2': fc.constantFrom<string | { symlink: string }>({ symlink: 'nowhere' }, { symlink: 'h2' }, { symlink: '../host_vars' }),
  },
  { requiredKeys: [] },
);

// Files every case has, so that the generated part can refer to them.
const BASE_FILES = {
  'vars.yml': 'v: 1\n',
  'list.yml': '- a\n- b\n',
  'limit.txt': 'h1\n',
};

/** `run` in check mode against local hosts only (the last -e forces ansible_connection=local). */
export const runCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(
    fc.oneof(playbookText(SAFE_MODULES), nearlyValidPlaybook()),
    inventoryFiles,
    varsDirs,
    fc.array(extraVar, { maxLength: 2 }),
    fc.option(hostPattern),
    fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, fc.array(runFlag, { maxLength: 2 })),
    varsFile,
  )
  .map(([pb, inv, dirs, ev, limit, flags, vars]) => ({
    kind: 'run',
    files: { ...BASE_FILES, 'vars.yml': vars, 'pb.yml': pb, [inv.name]: inv.text, ...dirs },
    argv: [
      'run',
      '$D/pb.yml',
      '-i',
      `$D/${inv.name}`,
      ...ev.flatMap((e) => ['-e', e]),
      ...(limit !== null ? ['--limit', limit] : []),
      ...flags.flat(),
      '--check',
      '--no-history',
      '-e',
      'ansible_connection=local',
    ],
  }));

export const validateCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(playbookText([...SAFE_MODULES, ...VALIDATE_ONLY_MODULES]), fc.option(inventoryFiles), varsDirs, fc.array(extraVar, { maxLength: 2 }), varsFile)
  .map(([pb, inv, dirs, ev, vars]) => ({
    kind: 'validate',
    files: { ...BASE_FILES, 'vars.yml': vars, 'pb.yml': pb, ...(inv ? { [inv.name]: inv.text } : {}), ...dirs },
    argv: ['validate', '$D/pb.yml', ...(inv ? ['-i', `$D/${inv.name}`] : []), ...ev.flatMap((e) => ['-e', e])],
  }));

export const inventoryCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(inventoryFiles, varsDirs, fc.constantFrom<string[]>([], ['--graph'], ['--host', 'h1'], ['--host', 'nope']), fc.option(hostileString))
  .map(([inv, dirs, flags, host]) => ({
    kind: 'inventory',
    files: { ...BASE_FILES, [inv.name]: inv.text, ...dirs },
    argv: ['inventory', '-i', `$D/${inv.name}`, ...flags, ...(host !== null && flags.length === 0 ? ['--host', host] : [])],
  }));

export const cliCase: fc.Arbitrary<FuzzCase> = fc
  .oneof(
    fc
      .tuple(fc.constantFrom('--since', '--host', '-n', '--limit'), fc.oneof(fc.constantFrom('99999999999d', '7d', '-1h', '0', '1e3', 'yesterday', '2026-13-45'), hostileString))
      .map(([f, v]) => ['history', '--history', '$D/history.sqlite', f, v]),
    fc.tuple(fc.constantFrom('show', 'list'), hostileString).map(([c, v]) => ['roles', c, ...(c === 'show' ? [v] : ['-p', '$D/pb.yml'])]),
    fc.array(fc.oneof(hostileString, fc.constantFrom('run', 'validate', 'inventory', '-i', '-e', '--limit', '--forks', '--json', '$D/pb.yml', '$D/inv.ini')), { maxLength: 5 }),
  )
  .map((argv) => ({ kind: 'cli', files: { ...BASE_FILES, 'pb.yml': '- hosts: all\n  gather_facts: false\n  tasks: []\n', 'inv.ini': 'h1\n' }, argv }));

/** All the categories, weighted towards the ones that exercise the most code. */
export const anyCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 4, arbitrary: validateCase },
  { weight: 3, arbitrary: runCase },
  { weight: 2, arbitrary: inventoryCase },
  { weight: 1, arbitrary: cliCase },
);
