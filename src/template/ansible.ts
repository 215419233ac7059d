/**
 * Ansible's Templar on our Jinja2 engine: what ansible-core 2.14 does around Jinja (read from
 * ansible/template/__init__.py and native_helpers.py):
 * - `template(value)`: strings, lists and dicts; a string that is just `{{ var }}` with a bool or
 *   number value returns it as it is; otherwise do_template with ansible_eval_concat: the output
 *   is text, and text that looks like a list, dict or bool is turned back into one (literal_eval);
 * - escape_backslashes inside `{{ }}` string literals for values from YAML;
 * - trailing newlines of the input kept; `#jinja2:` header overrides; trim_blocks on;
 * - finalize: None prints as ''; an undefined value is an error;
 * - conditions: `{% if COND %} True {% else %} False {% endif %}` after a first templating pass.
 */
import { randomBytes } from 'node:crypto';
import { isUnsafe } from '../config/unsafe.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readVaultedText } from '../config/vault.js';
import { hostname } from 'node:os';
import path from 'node:path';
import { filters, tests, lookups } from './jinja/plugins.js';
import { findInSearchPath, lookupSearchPath, resolveLookup } from './jinja/lookups.js';
import type { CallContext, Lookup } from './jinja/types.js';
import { parseExpressionText, type Expr } from './jinja/parser.js';
import { Environment, RenderError, unknownPlugins, type EnvironmentOptions, type LoadedTemplate } from './jinja/runtime.js';
import { NativeText, PyError, PyFloat, SilentUndefined, Undefined, UndefinedError, float, isDict, isRange, str, truthy, tuple, type Kwargs } from './jinja/py.js';

export { RenderError };

export interface TemplateFileOptions {
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
  newlineSequence?: string;
  /** Directories searched by `{% include %}` / `{% import %}` (Ansible: the template's dir, templates/ …). */
  searchPaths?: string[];
  /** The template file's path, for messages. */
  name?: string;
  /** Read an included template (controller side). */
  readFile?: (path: string) => string | undefined;
}

interface DoOptions extends TemplateFileOptions {
  convertData: boolean;
  escapeBackslashes: boolean;
  preserveTrailingNewlines: boolean;
}

/** Ansible's `omit`: a per-run placeholder; module arguments whose value is it are left out. */
export const OMIT_TOKEN = `__omit_place_holder__${randomBytes(20).toString('hex')}`;

/** Ansible's remove_omit: drop dict entries (and list items) equal to the omit placeholder, deeply. */
export function removeOmit(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== OMIT_TOKEN).map(removeOmit);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== OMIT_TOKEN) Object.defineProperty(out, k, { value: removeOmit(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/** Ansible's default `ansible_managed` text (DEFAULT_MANAGED_STR). */
export const ANSIBLE_MANAGED = 'Ansible managed';

const SINGLE_VAR = /^\{\{\s*(\w*)\s*\}\}\n?$/;

/** Python's `$` matches before one trailing newline: the same regex Ansible uses for SINGLE_VAR. */
function singleVar(s: string): string | undefined {
  const m = SINGLE_VAR.exec(s);
  return m ? m[1] : undefined;
}

export function isPossiblyTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('{%') || s.includes('{#');
}

function baseOptions(): Omit<EnvironmentOptions, 'trimBlocks' | 'lstripBlocks'> {
  return {
    filters,
    tests,
    lookups: allLookups,
    finalize: (v) => {
      failOnUndefined(v);
      // Ansible's _unroll_iterator: a top-level range prints as the list it makes
      return v === null ? '' : isRange(v) ? [...(v as unknown[])] : v;
    },
  };
}

/** Ansible's _fail_on_undefined: an Undefined anywhere inside the value is an error. */
function failOnUndefined(v: unknown): void {
  if (v instanceof SilentUndefined) return;
  if (v instanceof Undefined) throw new UndefinedError(v);
  if (Array.isArray(v)) v.forEach(failOnUndefined);
  else if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) Object.values(v).forEach(failOnUndefined);
}

const envCache = new Map<string, Environment>();

function environment(o: {
  trimBlocks: boolean;
  lstripBlocks: boolean;
  convertData: boolean;
  searchPaths?: string[];
  readFile?: (p: string) => string | undefined;
  newlineSequence?: string;
}): Environment {
  const key = `${o.trimBlocks}${o.lstripBlocks}${o.convertData}${o.newlineSequence ?? ''}\0${(o.searchPaths ?? []).join('\0')}`;
  const cached = o.readFile ? undefined : envCache.get(key);
  if (cached) return cached;
  const env = new Environment({
    ...baseOptions(),
    trimBlocks: o.trimBlocks,
    lstripBlocks: o.lstripBlocks,
    searchPaths: o.searchPaths,
    concat: o.convertData ? ansibleEvalConcat : ansibleConcat,
    loader: (name) => loadTemplate(name, o.searchPaths ?? [], o.readFile),
  });
  if (!o.readFile) {
    if (envCache.size > 64) envCache.clear();
    envCache.set(key, env);
  }
  return env;
}

function loadTemplate(name: string, searchPaths: string[], readFile?: (p: string) => string | undefined): LoadedTemplate | undefined {
  if (!readFile) return undefined;
  const candidates = name.startsWith('/') ? [name] : searchPaths.map((d) => `${d.replace(/\/$/, '')}/${name}`);
  for (const c of candidates) {
    const src = readFile(c);
    if (src !== undefined) return { source: normalizeSource(src), name: c };
  }
  return undefined;
}

/** Jinja's source normalisation: newlines to \n, one trailing newline dropped (keep_trailing_newline=False). */
function normalizeSource(src: string): string {
  const s = src.replace(/\r\n|\r/g, '\n');
  return s.endsWith('\n') ? s.slice(0, -1) : s;
}

function countTrailingNewlines(s: string): number {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\n'; i--) n++;
  return n;
}

/** Ansible's _escape_backslashes: inside `{{ }}`, backslashes in string literals are doubled. */
export function escapeBackslashes(data: string): string {
  if (!data.includes('\\') || !data.includes('{{')) return data;
  let out = '';
  let i = 0;
  while (i < data.length) {
    const start = data.indexOf('{{', i);
    if (start < 0) {
      out += data.slice(i);
      break;
    }
    out += data.slice(i, start + 2);
    i = start + 2;
    // inside a variable block: copy until the closing }}, doubling backslashes inside quotes
    while (i < data.length && !data.startsWith('}}', i)) {
      const c = data[i]!;
      if (c === '"' || c === "'") {
        const re = c === '"' ? /"([^"\\]*(?:\\.[^"\\]*)*)"/sy : /'([^'\\]*(?:\\.[^'\\]*)*)'/sy;
        re.lastIndex = i;
        const m = re.exec(data);
        if (m) {
          out += m[0].replace(/\\/g, '\\\\');
          i += m[0].length;
          continue;
        }
      }
      out += c;
      i++;
    }
  }
  return out;
}

/** Ansible's `#jinja2:key:value,…` first line. */
function headerOverrides(data: string, o: DoOptions): { data: string; o: DoOptions } {
  if (!data.startsWith('#jinja2:')) return { data, o };
  const eol = data.indexOf('\n');
  const line = data.slice('#jinja2:'.length, eol < 0 ? undefined : eol);
  const rest = eol < 0 ? '' : data.slice(eol + 1);
  const next = { ...o };
  for (const pair of line.split(',')) {
    const c = pair.indexOf(':');
    if (c < 0)
      throw new RenderError(`failed to parse jinja2 override '${pair.trim()}'. Did you use something different from colon as key-value separator?`, 1, 1, o.name, undefined);
    const key = pair.slice(0, c).trim();
    const val = literalEval(pair.slice(c + 1).trim());
    if (key === 'trim_blocks') next.trimBlocks = truthy(val);
    else if (key === 'lstrip_blocks') next.lstripBlocks = truthy(val);
    else if (key === 'newline_sequence') next.newlineSequence = str(val);
    else if (key === 'keep_trailing_newline') next.preserveTrailingNewlines = next.preserveTrailingNewlines || truthy(val);
    else throw new RenderError(`tsplay does not support the jinja2 override '${key}'`, 1, 1, o.name, undefined);
  }
  return { data: rest, o: next };
}

/** Ansible's do_template. */
function doTemplate(data0: string, vars: Record<string, unknown>, o0: DoOptions): unknown {
  const dataNewlines = countTrailingNewlines(data0);
  let { data, o } = headerOverrides(data0, o0);
  if (o.escapeBackslashes) data = escapeBackslashes(data);
  const env = environment({
    trimBlocks: o.trimBlocks ?? true,
    lstripBlocks: o.lstripBlocks ?? false,
    convertData: o.convertData,
    searchPaths: o.searchPaths,
    readFile: o.readFile,
    newlineSequence: o.newlineSequence,
  });
  const nodes = env.renderStream(normalizeSource(data), vars, o.name);
  const nl = o.newlineSequence ?? '\n';
  if (nl !== '\n') for (let i = 0; i < nodes.length; i++) if (typeof nodes[i] === 'string') nodes[i] = (nodes[i] as string).replace(/\n/g, nl);
  let res = o.convertData ? ansibleEvalConcat(nodes) : ansibleConcat(nodes);
  if (typeof res === 'string' && o.preserveTrailingNewlines) {
    const have = countTrailingNewlines(res);
    if (dataNewlines > have) res += nl.repeat(dataNewlines - have);
  }
  return res;
}

/** Ansible's ansible_concat: plain text join. */
export function ansibleConcat(nodes: unknown[]): string {
  return nodes.map(str).join('');
}

/** Ansible's ansible_eval_concat: text, turned back into a list/dict/bool when it reads as one. */
export function ansibleEvalConcat(nodes: unknown[]): unknown {
  if (nodes.length === 0) return '';
  if (nodes.length === 1 && nodes[0] instanceof NativeText) return nodes[0].valueOf();
  const out = nodes.length === 1 ? str(nodes[0]) : nodes.map(str).join('');
  if (out.startsWith('{') || out.startsWith('[') || out === 'True' || out === 'False') {
    try {
      return literalEval(out);
    } catch {
      return out;
    }
  }
  return out;
}

class NotLiteral extends Error {}

/** Python's ast.literal_eval (with JSON's true/false/null names, as Ansible's Json2Python allows). */
export function literalEval(src: string): unknown {
  let e: Expr;
  try {
    e = parseExpressionText(src);
  } catch {
    throw new NotLiteral(src);
  }
  return literalOf(e);
}

function literalOf(e: Expr): unknown {
  switch (e.k) {
    case 'const':
      return e.v;
    case 'name':
      if (e.name === 'true') return true;
      if (e.name === 'false') return false;
      if (e.name === 'null') return null;
      throw new NotLiteral(e.name);
    case 'list':
      return e.items.map(literalOf);
    case 'tuple':
      return tuple(e.items.map(literalOf));
    case 'dict': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of e.items) {
        const key = literalOf(k);
        if (key !== null && typeof key === 'object' && !(key instanceof PyFloat)) throw new NotLiteral('unhashable key');
        out[typeof key === 'string' ? key : str(key)] = literalOf(v);
      }
      return out;
    }
    case 'neg': {
      const v = literalOf(e.node);
      if (typeof v === 'number') return -v;
      if (v instanceof PyFloat) return float(-v.v);
      throw new NotLiteral('neg');
    }
    case 'pos': {
      const v = literalOf(e.node);
      if (typeof v === 'number' || v instanceof PyFloat) return v;
      throw new NotLiteral('pos');
    }
    case 'bin': {
      // literal_eval accepts complex-number sums only; anything else is not a literal
      throw new NotLiteral('bin');
    }
    default:
      throw new NotLiteral(e.k);
  }
}

export interface TemplateValueOptions {
  /** Default true (values from YAML); false for texts that are not from YAML. */
  escapeBackslashes?: boolean;
}

/** Ansible's Templar.template(value) with convert_data=True: the engine's way to render YAML values. */
export function templateValue(value: unknown, vars: Record<string, unknown>, opts: TemplateValueOptions = {}): unknown {
  if (isUnsafe(value)) return value;
  if (typeof value === 'string') {
    if (!isPossiblyTemplate(value)) return value;
    const only = singleVar(value);
    if (only !== undefined && Object.hasOwn(vars, only)) {
      const v = vars[only];
      if (typeof v === 'boolean' || typeof v === 'number' || v instanceof PyFloat) return v;
      if (v === null) return null;
    }
    return doTemplate(value, vars, { convertData: true, escapeBackslashes: opts.escapeBackslashes ?? true, preserveTrailingNewlines: true });
  }
  if (Array.isArray(value)) return value.map((v) => templateValue(v, vars, opts));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: templateValue(v, vars, opts), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

/** The template module: do_template(text, preserve_trailing_newlines=True, escape_backslashes=False), text out. */
export function templateFile(text: string, vars: Record<string, unknown>, opts: TemplateFileOptions = {}): string {
  return doTemplate(text, vars, { ...opts, convertData: false, escapeBackslashes: false, preserveTrailingNewlines: true }) as string;
}

/** Ansible's Conditional._check_conditional for one condition; Python truthiness of the result. */
export function checkConditional(cond: unknown, vars: Record<string, unknown>): boolean {
  if (cond === null || cond === undefined || cond === '') return true;
  if (typeof cond === 'boolean') return cond;
  let c = templateValue(typeof cond === 'number' ? cond : isUnsafe(cond) ? String(cond) : cond, vars);
  if (typeof c !== 'string' || c === '') return truthy(c);
  c = c as string;
  const presented = `{% if ${c} %} True {% else %} False {% endif %}`;
  const val = str(doTemplate(presented, vars, { convertData: true, escapeBackslashes: true, preserveTrailingNewlines: true })).trim();
  if (val === 'True') return true;
  if (val === 'False') return false;
  throw new RenderError(`unable to evaluate conditional: ${c}`, 1, 1, undefined, undefined);
}

/** Parse-only check of a template text (syntax errors with line/col), as validate needs it. */
export function checkTemplateSyntax(text: string, o: { trimBlocks?: boolean; lstripBlocks?: boolean; escapeBackslashes?: boolean; name?: string } = {}): RenderError | undefined {
  try {
    let { data } = headerOverrides(text, { convertData: false, escapeBackslashes: false, preserveTrailingNewlines: true, name: o.name });
    if (o.escapeBackslashes) data = escapeBackslashes(data);
    const env = environment({ trimBlocks: o.trimBlocks ?? true, lstripBlocks: o.lstripBlocks ?? false, convertData: false });
    const ast = env.parse(normalizeSource(data), o.name);
    const unknown = unknownPlugins(env, ast)[0];
    if (unknown) return new RenderError(`No ${unknown.kind} named '${unknown.name}'.`, unknown.line, unknown.col, o.name, undefined);
    return undefined;
  } catch (e) {
    if (e instanceof RenderError) return e;
    throw e;
  }
}

/** Evaluate one bare expression (no `{{ }}`) to its value: `loop: "{{ x }}"`-like callers and lookups. */
export function evaluateExpression(expr: string, vars: Record<string, unknown>): unknown {
  return environment({ trimBlocks: true, lstripBlocks: false, convertData: true }).evalExpression(expr, vars);
}

const TEMPLATE_LOOKUP_DELIMITERS: Record<string, string> = { variable_start_string: '{{', variable_end_string: '}}', comment_start_string: '{#', comment_end_string: '#}' };

/**
 * The template lookup (ansible-core's plugins/lookup/template.py): each term is a file found in
 * the search path's templates/ dirs, rendered with the current variables, template_* vars and
 * `template_vars`; `convert_data` (default true) turns text that reads as a list/dict back into one.
 */
function templateLookup(terms: unknown[], kwargs: Kwargs, ctx: CallContext): unknown[] {
  const convertData = kwargs.convert_data === undefined ? true : truthy(kwargs.convert_data);
  const extra = kwargs.template_vars ?? {};
  if (!isDict(extra)) throw new PyError('AnsibleError', `template_vars must be a dict, got ${str(extra)}`);
  for (const [k, def] of Object.entries(TEMPLATE_LOOKUP_DELIMITERS)) {
    if (kwargs[k] !== undefined && str(kwargs[k]) !== def) throw new PyError('AnsibleError', `tsplay does not support custom Jinja delimiters (template lookup option ${k})`);
  }
  const paths = lookupSearchPath(ctx);
  return terms.map((t) => {
    const term = str(t);
    const file = findInSearchPath(term, paths, 'templates');
    if (!file || !statSync(file).isFile()) throw new PyError('AnsibleError', `the template file ${term} could not be found for the lookup`);
    const st = statSync(file);
    const vars = Object.create(null) as Record<string, unknown>;
    const src = ctx.vars;
    for (const k of Object.keys(src)) vars[k] = src[k];
    Object.assign(
      vars,
      {
        template_host: hostname(),
        template_path: term,
        template_fullpath: file,
        template_mtime: new Date(st.mtimeMs),
        template_uid: String(st.uid),
        template_run_date: new Date(),
      },
      extra,
    );
    const searchPaths = [path.dirname(file), ...paths.flatMap((p) => [path.join(p, 'templates'), p])];
    const text = readVaultedText(file);
    // Templar.template leaves a text without any Jinja delimiter as it is (no literal_eval)
    if (!isPossiblyTemplate(text)) return text;
    const res = doTemplate(text, vars, {
      convertData,
      escapeBackslashes: false,
      preserveTrailingNewlines: true,
      name: file,
      searchPaths,
      readFile: (p) => (existsSync(p) && statSync(p).isFile() ? readFileSync(p, 'utf8') : undefined),
    });
    return convertData ? res : new NativeText(str(res));
  });
}

/** Every lookup the Ansible environment has (the plugin table plus those that need the Templar). */
const allLookups: Record<string, Lookup> = { ...lookups, template: templateLookup };

/** Is there a lookup of this name (`with_<name>` loops, validation)? */
export function hasLookup(name: string): boolean {
  return resolveLookup(allLookups, name) !== undefined;
}

/** The names of tsplay's lookups (for did-you-mean hints). */
export function lookupNames(): string[] {
  return Object.keys(allLookups);
}

/**
 * Run a lookup plugin directly, as ansible-core's task executor does for `with_<name>` loops
 * (terms already templated, wantlist=True: the list as the plugin returns it).
 */
export function runLookup(name: string, terms: unknown[], vars: Record<string, unknown>, kwargs: Kwargs = {}): unknown[] {
  const fn = resolveLookup(allLookups, name);
  if (!fn) throw new PyError('AnsibleError', `Unexpected failure in finding the lookup named '${name}' in the available lookup plugins`);
  const env = environment({ trimBlocks: true, lstripBlocks: false, convertData: true });
  return fn(terms, kwargs, env.contextFor(vars));
}
