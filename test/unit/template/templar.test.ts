import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkExpression, checkTemplate, evaluateCondition, hasTemplate, renderTemplateFile, renderValue } from '../../../src/template/index.js';
import { TsplayError, UndefinedVariableError, formatError } from '../../../src/errors.js';

/** Recorded from ansible-core 2.14's own Templar and Conditional by fixtures/gen-templar.py. */
const fx = JSON.parse(readFileSync(new URL('./fixtures/templar.json', import.meta.url), 'utf8')) as {
  vars: Record<string, unknown>;
  values: Array<{ in: string; type: string; json: unknown }>;
  undefined: Array<{ in: string; error: string | null }>;
  conditions: Array<{ in: string; result?: boolean; error?: string }>;
};
const loc = { file: 'site.yml', line: 12, col: 9 };

/** The lazy templating the engine does for variables whose values are templates (url: "{{ base }}/x"). */
function lazy(vars: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars)) {
    if (typeof v === 'string' && v.includes('{{')) Object.defineProperty(out, k, { enumerable: true, get: () => renderValue(v, out, loc) });
    else out[k] = v;
  }
  return out;
}
const vars = lazy(fx.vars);

function jsType(pyType: string): string {
  return { int: 'number', float: 'number', str: 'string', NativeJinjaText: 'string', bool: 'boolean', NoneType: 'null', list: 'array', dict: 'object' }[pyType] ?? pyType;
}
function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

describe('YAML values render as ansible-core renders them (native-type rule, escapes, newlines)', () => {
  for (const c of fx.values) {
    it(JSON.stringify(c.in), () => {
      const got = renderValue(c.in, vars, loc);
      expect(typeOf(got)).toBe(jsType(c.type));
      expect(got).toEqual(c.json);
    });
  }
});

describe('undefined variables fail where Ansible fails, naming the variable and the location', () => {
  for (const c of fx.undefined) {
    it(JSON.stringify(c.in), () => {
      expect(c.error).not.toBeNull();
      let err: unknown;
      try {
        renderValue(c.in, vars, loc);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TsplayError);
      const msg = formatError(err as TsplayError);
      expect(msg.startsWith('site.yml:12:9: ')).toBe(true);
      // Ansible's own words for what is missing
      const what = /^'([^']+)' is undefined/.exec(c.error!)?.[1];
      if (what) {
        expect(err).toBeInstanceOf(UndefinedVariableError);
        expect(msg).toContain(`undefined variable '${what}'`);
      } else expect(msg).toContain(c.error!.split('. ')[0]!);
    });
  }
});

describe('conditions follow Ansible: a first templating pass, then Python truthiness', () => {
  for (const c of fx.conditions) {
    it(c.in, () => {
      expect(evaluateCondition(c.in, vars, loc)).toBe(c.result);
    });
  }
  it('an undefined variable in a condition is an error naming it', () => {
    expect(() => evaluateCondition('nope == 1', vars, loc)).toThrow(/undefined variable 'nope'/);
  });
});

describe('template files', () => {
  it('keep trailing newlines, trim the newline after a block tag, print None as empty', () => {
    const text = '{% for u in users %}\n- {{ u }}\n{% endfor %}\nn={{ n }}\n\n';
    expect(renderTemplateFile(text, vars, loc, { name: 't.j2' })).toBe('- alice\n- bob\nn=\n\n');
  });
  it('an error inside a template file points at the file, line and column', () => {
    let err: unknown;
    try {
      renderTemplateFile('a\nb {{ nope }}\n', vars, loc, { name: '/roles/x/templates/t.j2' });
    } catch (e) {
      err = e;
    }
    expect(formatError(err as TsplayError)).toMatch(/^\/roles\/x\/templates\/t\.j2:2:3: undefined variable 'nope'/);
  });
  it('.hbs files are handlebars', () => {
    expect(renderTemplateFile('{{#each users}}{{this}};{{/each}}', vars, loc, { name: 'x.hbs' })).toBe('alice;bob;');
  });
});

describe('load-time checks', () => {
  it('report syntax errors, unknown filters and tests; pass good templates', () => {
    expect(checkTemplate({ a: ['{{ x | upper }}', '{% if y %}z{% endif %}'] }, loc)).toEqual([]);
    expect(checkTemplate('{{ x | frobnicate }}', loc)[0]!.message).toContain("No filter named 'frobnicate'");
    expect(checkTemplate('{% if x %}', loc)[0]!.message).toContain("Jinja was looking for the following tags: 'elif' or 'else' or 'endif'");
    expect(checkTemplate('{{ x is frobbed }}', loc)[0]!.message).toContain("No test named 'frobbed'");
    expect(checkExpression('x ==', loc)[0]!.message).toContain('Expected an expression');
    expect(checkExpression('x is defined and y', loc)).toEqual([]);
    expect(hasTemplate({ a: ['x', '{% if y %}{% endif %}'] })).toBe(true);
    expect(hasTemplate({ a: ['x', 1] })).toBe(false);
  });
});
