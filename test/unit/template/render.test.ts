import { describe, expect, it } from 'vitest';
import { checkTemplate, hasTemplate, renderString, renderTemplateFile, renderValue } from '../../../src/template/index.js';
import { TsplayError, formatError } from '../../../src/errors.js';

const loc = { file: 'site.yml', line: 12, col: 9 };
const vars = {
  port: 8080,
  on: true,
  users: ['alice', 'bob'],
  conf: { name: 'web', list: [1, 2], nested: { deep: 'yes' } },
  env: { HOME: '/root' },
  facts: { os: { id: 'debian', family: 'debian' } },
  item: { name: 'q' },
  s: '  Hello ',
  empty: '',
  n: null,
};

function fail(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TsplayError);
    expect((e as TsplayError).code).toBe('TEMPLATE');
    return formatError(e as TsplayError);
  }
  throw new Error('expected a template error');
}

describe('renderValue: native types', () => {
  it('keeps the type of a value that is exactly one expression', () => {
    expect(renderValue('{{ port }}', vars, loc)).toBe(8080);
    expect(renderValue('{{ on }}', vars, loc)).toBe(true);
    expect(renderValue('{{ users }}', vars, loc)).toEqual(['alice', 'bob']);
    expect(renderValue('{{ conf }}', vars, loc)).toEqual(vars.conf);
    expect(renderValue('  {{ conf.list }}  ', vars, loc)).toEqual([1, 2]);
    expect(renderValue('{{ n }}', vars, loc)).toBeNull();
  });

  it('renders mixed text as a string; lists and objects inside text print as JSON', () => {
    expect(renderValue('port={{ port }}', vars, loc)).toBe('port=8080');
    expect(renderValue('users: {{ users }}', vars, loc)).toBe('users: ["alice","bob"]');
    expect(renderValue('{{ port }}{{ port }}', vars, loc)).toBe('80808080');
  });

  it('renders deeply inside lists and objects, leaving non-strings alone', () => {
    expect(renderValue({ a: ['{{ port }}', 'x{{ conf.name }}'], b: 3, c: { d: '{{ on }}' } }, vars, loc)).toEqual({ a: [8080, 'xweb'], b: 3, c: { d: true } });
  });

  it('accesses nested paths, indexes (a.0, a[0], a["k"]), env and facts', () => {
    expect(renderValue('{{ conf.nested.deep }}', vars, loc)).toBe('yes');
    expect(renderValue('{{ users.1 }}', vars, loc)).toBe('bob');
    expect(renderValue('{{ users[0] }}', vars, loc)).toBe('alice');
    expect(renderValue("{{ conf['name'] }}", vars, loc)).toBe('web');
    expect(renderString('{{ env.HOME }}/.ssh', vars, loc)).toBe('/root/.ssh');
    expect(renderString('{{ facts.os.id }}', vars, loc)).toBe('debian');
    expect(renderString('{{ item.name }}', vars, loc)).toBe('q');
  });

  it('does not HTML-escape', () => {
    expect(renderString('{{ x }}', { x: `<a href="x">&'` }, loc)).toBe(`<a href="x">&'`);
  });

  it('passes text without templates through untouched', () => {
    expect(renderValue('plain ${HOME} {#x}', vars, loc)).toBe('plain ${HOME} {#x}');
    expect(hasTemplate({ a: ['x', '{{ y }}'] })).toBe(true);
    expect(hasTemplate({ a: ['x', 1] })).toBe(false);
  });
});

describe('strict undefined variables', () => {
  it('names the variable and the location', () => {
    expect(fail(() => renderValue('{{ nope }}', vars, loc))).toBe(
      `site.yml:12:9: undefined variable 'nope' in "{{ nope }}"\n    hint: define 'nope' (play vars, inventory, register, set_fact, -e) or give a fallback: {{ nope | default('') }}`,
    );
  });

  it('names the full path and what the parent has', () => {
    expect(fail(() => renderString('x {{ conf.nam }}', vars, loc))).toBe(`site.yml:12:9: undefined variable 'conf.nam' in "x {{ conf.nam }}"\n    hint: 'conf' has no key 'nam' (keys: name, list, nested)`);
    expect(fail(() => renderString('{{ conf.list.5 }}', vars, loc))).toMatch(/undefined variable 'conf\.list\.5'/);
  });

  it('also applies to helper arguments (but not to default)', () => {
    expect(fail(() => renderString('{{ upper nope }}', vars, loc))).toMatch(/undefined variable 'nope'/);
    expect(fail(() => renderString('{{ nope | upper }}', vars, loc))).toMatch(/undefined variable 'nope'/);
    expect(renderString('{{ nope | default("fb") }}', vars, loc)).toBe('fb');
    expect(renderString('{{ default nope "fb" }}', vars, loc)).toBe('fb');
  });

  it('inside blocks too (handlebars strict mode)', () => {
    expect(fail(() => renderTemplateFile('{{#each users}}{{nope}}{{/each}}', vars, loc))).toMatch(/undefined variable 'nope'/);
  });

  it('never reaches prototype members', () => {
    expect(fail(() => renderString('{{ conf.constructor }}', vars, loc))).toMatch(/undefined variable 'conf\.constructor'/);
    expect(fail(() => renderString('{{ conf.__proto__ }}', vars, loc))).toMatch(/undefined variable 'conf\.__proto__'/);
  });
});

describe('helpers and Jinja filters', () => {
  const cases: Array<[string, unknown]> = [
    ['{{ default nope "fallback" }}', 'fallback'],
    ["{{ nope | default('y') }}", 'y'],
    ["{{ nope | d('y') }}", 'y'],
    ['{{ port | default(1) }}', 8080],
    ['{{ join users "," }}', 'alice,bob'],
    ["{{ users | join(', ') }}", 'alice, bob'],
    ['{{ upper conf.name }}', 'WEB'],
    ['{{ conf.name | upper }}', 'WEB'],
    ['{{ lower "ABC" }}', 'abc'],
    ["{{ 'ABC' | lower }}", 'abc'],
    ['{{ "42" | int }}', 42],
    ['{{ "x" | int }}', 0],
    ['{{ "yes" | bool }}', true],
    ['{{ "off" | bool }}', false],
    ['{{ conf.list | to_json }}', '[1,2]'],
    ['{{ to_json conf.nested }}', '{"deep":"yes"}'],
    ['{{ conf.nested | to_yaml }}', 'deep: yes'],
    ['{{ b64encode "hi" }}', 'aGk='],
    ['{{ users | length }}', 2],
    ['{{ length conf.name }}', 3],
    ['{{ s | trim }}', 'Hello'],
    ['{{ eq port 8080 }}', true],
    ['{{ ne port 8080 }}', false],
    ["{{ nope | default('a b') | upper }}", 'A B'],
    ['{{ users | first }}', 'alice'],
    ['{{ users | last | upper }}', 'BOB'],
    ['{{ conf.nested | dict2items }}', [{ key: 'deep', value: 'yes' }]],
    ['{{ "a,b" | split(",") }}', ['a', 'b']],
    ["{{ '/a/b.txt' | basename }}", 'b.txt'],
    ['{{ "it\'s" | quote }}', `'it'"'"'s'`],
    ['{{ True | ternary("y", "n") }}', 'y'],
  ];
  it.each(cases)('%s', (tpl, want) => {
    expect(renderValue(tpl, vars, loc)).toEqual(want);
  });

  it('handlebars blocks keep working', () => {
    expect(renderTemplateFile('{{#each users}}[{{this}}:{{@index}}]{{/each}}', vars, loc)).toBe('[alice:0][bob:1]');
    expect(renderTemplateFile('{{#if on}}on{{else}}off{{/if}} {{ port | default(1) }}', vars, loc)).toBe('on 8080');
    expect(renderTemplateFile('{{#each users}}{{ upper this }} {{/each}}', vars, loc)).toBe('ALICE BOB ');
  });
});

describe('unsupported syntax is a clear error (also at load time)', () => {
  it('unknown filter lists the supported ones', () => {
    const msg = fail(() => renderString('{{ x | frobnicate }}', vars, loc));
    expect(msg).toMatch(/^site\.yml:12:9: unsupported filter `frobnicate` in `x \| frobnicate`\n    hint: supported filters: .*default.*join/);
    expect(checkTemplate({ a: ['{{ x | frobnicate }}'] }, loc)).toHaveLength(1);
  });

  it('Jinja statements, operators, keyword args and unclosed braces', () => {
    expect(fail(() => renderString('{% if x %}a{% endif %}', vars, loc))).toMatch(/Jinja statements like `\{% if %\}` are not supported/);
    expect(fail(() => renderString('{{ port + 1 }}', vars, loc))).toMatch(/`port \+ 1` is not a supported template expression/);
    expect(fail(() => renderString('{{ x | default(value="a") }}', vars, loc))).toMatch(/keyword arguments are not supported/);
    expect(fail(() => renderString('{{ port', vars, loc))).toMatch(/unclosed `\{\{`/);
    expect(fail(() => renderString('{{#if on}}x', vars, loc))).toMatch(/bad template/);
    expect(checkTemplate('fine {{ x | default("y") }}', loc)).toEqual([]);
  });

  it('filters report bad input types', () => {
    expect(fail(() => renderString('{{ port | upper }}', { port: { a: 1 } }, loc))).toMatch(/upper expects a string, got object/);
  });
});
