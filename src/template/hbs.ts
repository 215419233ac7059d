import Handlebars from 'handlebars';
import { TsplayError, type SourceLocation } from '../errors.js';
import { FilterError, filters, logicHelpers, type FilterFn } from './filters.js';
import { translate, TranslateError, type Translated } from './translate.js';

/**
 * tsplay's template environment: handlebars in strict mode, no HTML escaping, with Ansible's
 * common filters as helpers. See README.md in this folder for what is supported.
 */

const hb = Handlebars.create();

/** Filters that are given `undefined` on purpose (everything else treats undefined as an error). */
const ACCEPTS_UNDEFINED = new Set(['default', 'd', 'mandatory']);

function wrap(name: string, fn: FilterFn) {
  return function (this: unknown, ...args: unknown[]): unknown {
    args.pop(); // handlebars options
    if (args[0] === undefined && !ACCEPTS_UNDEFINED.has(name) && !(name in logicHelpers)) {
      throw new FilterError(`\`${name}\` was given an undefined value`);
    }
    return fn(args[0], ...args.slice(1));
  };
}

for (const [name, fn] of Object.entries(filters)) hb.registerHelper(name, wrap(name, fn));
for (const [name, fn] of Object.entries(logicHelpers)) hb.registerHelper(name, wrap(name, fn));

/** How a value prints inside a larger string: lists and objects as JSON, null as empty. */
export function stringifyValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

interface Box {
  v?: unknown;
  set: boolean;
}

hb.registerHelper('__out', (...args: unknown[]) => {
  // handlebars passes its options object last: fewer than 2 arguments means `{{__out}}` with no value
  if (args.length < 2) throw new FilterError('empty expression');
  const v = args[0];
  return stringifyValue(v);
});
hb.registerHelper('__cap', (v: unknown, options: { data: { tsplayBox: Box } }) => {
  options.data.tsplayBox.v = v;
  options.data.tsplayBox.set = true;
  return '';
});

interface Compiled {
  tr: Translated;
  ast: hbs.AST.Program;
  run: Handlebars.TemplateDelegate;
}

const cache = new Map<string, Compiled>();
const CACHE_MAX = 2000;

function where(text: string): string {
  const t = text.length > 80 ? text.slice(0, 80) + '…' : text;
  return JSON.stringify(t);
}

function compile(text: string, loc: SourceLocation): Compiled {
  const hit = cache.get(text);
  if (hit) return hit;
  let tr: Translated;
  let ast: hbs.AST.Program;
  try {
    tr = translate(text);
    ast = hb.parse(tr.source);
  } catch (e) {
    if (e instanceof TranslateError) throw new TsplayError('TEMPLATE', `${e.message}`, { location: loc, hint: e.hint });
    const msg = (e as Error).message.split('\n');
    throw new TsplayError('TEMPLATE', `bad template ${where(text)}: ${msg[0]}${msg[3] ? ` (${msg[3].trim()})` : ''}`, {
      location: loc,
      hint: 'check that every {{ has a matching }} and blocks are closed ({{#if}}…{{/if}})',
    });
  }
  const run = hb.compile(tr.source, { strict: true, noEscape: true });
  const c = { tr, ast, run };
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(text, c);
  return c;
}

/** Own-property lookup, as handlebars does it (prototype members are never reachable). */
function lookup(obj: unknown, key: string): { found: boolean; value: unknown } {
  if (obj === null || obj === undefined || (typeof obj !== 'object' && typeof obj !== 'string')) return { found: false, value: undefined };
  if (typeof obj === 'string') {
    if (key === 'length') return { found: true, value: obj.length };
    return { found: false, value: undefined };
  }
  if (Array.isArray(obj) && key === 'length') return { found: true, value: obj.length };
  if (!Object.hasOwn(obj, key)) return { found: false, value: undefined };
  return { found: true, value: (obj as Record<string, unknown>)[key] };
}

function checkPath(p: hbs.AST.PathExpression, vars: Record<string, unknown>, text: string, loc: SourceLocation): void {
  if (p.data || p.depth > 0 || (p as { this_?: boolean }).this_ || p.parts.length === 0) return;
  let cur: unknown = vars;
  for (let i = 0; i < p.parts.length; i++) {
    const r = lookup(cur, p.parts[i]!);
    if (!r.found) {
      const full = p.parts.join('.');
      const parent = p.parts.slice(0, i).join('.');
      throw new TsplayError('TEMPLATE', `undefined variable '${full}' in ${where(text)}`, {
        location: loc,
        hint:
          i === 0
            ? `define '${p.parts[0]}' (play vars, inventory, register, set_fact, -e) or give a fallback: {{ ${full} | default('') }}`
            : `'${parent}' has no key '${p.parts[i]}'` + (cur !== null && typeof cur === 'object' ? ` (keys: ${Object.keys(cur).slice(0, 12).join(', ') || 'none'})` : ''),
      });
    }
    cur = r.value;
  }
}

type Node = hbs.AST.Expression | hbs.AST.SubExpression;

/** Strict checks with full variable paths for top-level expressions (handlebars skips helper params). */
function checkExpr(node: Node, vars: Record<string, unknown>, text: string, loc: SourceLocation): void {
  if (node.type === 'PathExpression') {
    checkPath(node as hbs.AST.PathExpression, vars, text, loc);
    return;
  }
  if (node.type === 'SubExpression') {
    const s = node as hbs.AST.SubExpression;
    const name = (s.path as hbs.AST.PathExpression).original;
    s.params.forEach((p, i) => {
      if (i === 0 && ACCEPTS_UNDEFINED.has(name) && p.type === 'PathExpression') return;
      checkExpr(p, vars, text, loc);
    });
    for (const pair of s.hash?.pairs ?? []) checkExpr(pair.value, vars, text, loc);
  }
}

function precheck(c: Compiled, vars: Record<string, unknown>, text: string, loc: SourceLocation): void {
  for (const st of c.ast.body) {
    if (st.type !== 'MustacheStatement') continue;
    const m = st as hbs.AST.MustacheStatement;
    const name = (m.path as hbs.AST.PathExpression).original;
    if (name === '__out' || name === '__cap') for (const p of m.params) checkExpr(p, vars, text, loc);
  }
}

function execute(c: Compiled, vars: Record<string, unknown>, text: string, loc: SourceLocation, box: Box): string {
  precheck(c, vars, text, loc);
  try {
    return c.run(vars, { data: { tsplayBox: box }, allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
  } catch (e) {
    if (e instanceof TsplayError) throw e;
    const msg = (e as Error).message;
    // Strict lookups inside blocks: a missing key, or a key looked up on a string/number item.
    const nd = /^"([^"]+)" not defined in/.exec(msg) ?? /^Cannot use 'in' operator to search for '([^']+)' in/.exec(msg);
    if (nd) {
      throw new TsplayError('TEMPLATE', `undefined variable '${nd[1]}' in ${where(text)}`, {
        location: loc,
        hint: `define it or give a fallback with the default filter`,
      });
    }
    const mh = /^Missing helper: "([^"]+)"/.exec(msg);
    if (mh) throw new TsplayError('TEMPLATE', `unknown helper '${mh[1]}' in ${where(text)}`, { location: loc, hint: 'see src/template/README.md for the helpers tsplay provides' });
    throw new TsplayError('TEMPLATE', `template ${where(text)} failed: ${msg}`, { location: loc });
  }
}

/** Does the value (deeply) contain a `{{ }}` template? */
export function hasTemplate(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{');
  if (Array.isArray(value)) return value.some(hasTemplate);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasTemplate);
  return false;
}

/** Render a template text to a string (strict: undefined variables are TEMPLATE errors at `loc`). */
export function renderString(text: string, vars: Record<string, unknown>, loc: SourceLocation): string {
  if (!text.includes('{{') && !text.includes('{%')) return text;
  const c = compile(text, loc);
  const box: Box = { set: false };
  const out = execute(c, vars, text, loc, box);
  if (c.tr.single) return stringifyValue(box.v);
  return out;
}

/**
 * Render a YAML value for a host: strings inside lists and objects are rendered; a string that is
 * exactly one `{{ expr }}` keeps the expression's native type (list, number, bool, object).
 */
export function renderValue(value: unknown, vars: Record<string, unknown>, loc: SourceLocation): unknown {
  if (typeof value === 'string') {
    if (!value.includes('{{') && !value.includes('{%')) return value;
    const c = compile(value, loc);
    const box: Box = { set: false };
    const out = execute(c, vars, value, loc, box);
    if (!c.tr.single) return out;
    if (box.v === undefined) {
      throw new TsplayError('TEMPLATE', `${where(value)} gave an undefined value`, { location: loc, hint: "give a fallback: {{ x | default('') }}" });
    }
    return box.v;
  }
  if (Array.isArray(value)) return value.map((v) => renderValue(v, vars, loc));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, { value: renderValue(v, vars, loc), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** Syntax check without variables (load time): unsupported filters, unclosed braces, Jinja statements. */
export function checkTemplate(value: unknown, loc: SourceLocation): TsplayError[] {
  const errs: TsplayError[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      if (!v.includes('{{') && !v.includes('{%')) return;
      try {
        compile(v, loc);
      } catch (e) {
        if (e instanceof TsplayError) errs.push(e);
        else throw e;
      }
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(value);
  return errs;
}

/** Render a template file's text (the `template` module): same environment, always a string. */
export function renderTemplateFile(text: string, vars: Record<string, unknown>, loc: SourceLocation): string {
  const c = compile(text, loc);
  const box: Box = { set: false };
  const out = execute(c, vars, text, loc, box);
  return c.tr.single ? stringifyValue(box.v) : out;
}
