/**
 * The template API the loader and engine use: Jinja2 as Ansible uses it (ansible.ts) for YAML
 * values and template files; handlebars (hbs.ts) only for `.hbs` files. Errors become TsplayErrors
 * with the location of the value (task file:line) or of the error inside a template file.
 */
import { TsplayError, UndefinedVariableError, type SourceLocation } from '../errors.js';
import {
  ANSIBLE_MANAGED,
  checkTemplateSyntax,
  hasLookup,
  isPossiblyTemplate,
  lookupNames,
  OMIT_TOKEN,
  removeOmit,
  RenderError,
  runLookup as runLookupPlugin,
  templateFile,
  templateValue,
  type TemplateFileOptions,
} from './ansible.js';

export { ANSIBLE_MANAGED, OMIT_TOKEN, removeOmit, hasLookup, lookupNames };
import { PyError, UndefinedError, str, toPlain } from './jinja/py.js';
import { renderTemplateFile as renderHbs } from './hbs.js';

function short(text: string): string {
  const t = text.length > 80 ? text.slice(0, 80) + '…' : text;
  return JSON.stringify(t);
}

/** Turn an engine error into a TsplayError at `loc` (inside a template file: its own line:col). */
export function templateError(e: unknown, text: string, loc: SourceLocation, inFile?: string): TsplayError {
  if (e instanceof TsplayError) return e;
  if (e instanceof RenderError) {
    const cause = e.cause;
    const location: SourceLocation = inFile || e.templateName ? { file: e.templateName ?? inFile!, line: e.line, col: e.col } : loc;
    if (cause instanceof UndefinedError) {
      const where = inFile || e.templateName ? '' : ` in ${short(text)}`;
      const name = cause.undef.name;
      // tsplay's `env.X` is the controller's environment: say which variable to export.
      const envHint = name.startsWith('env.') ? `export ${name.slice(4)}=… before running tsplay, or give a fallback: {{ ${name} | default('') }}` : undefined;
      if (/ is undefined$/.test(cause.undef.message)) {
        return new UndefinedVariableError(name, `undefined variable '${name}'${where}`, {
          location,
          hint: envHint ?? `define '${name}' (play vars, inventory, register, set_fact, -e) or give a fallback: {{ ${name} | default('') }}`,
        });
      }
      return new UndefinedVariableError(name, `undefined variable '${name}' (${cause.undef.message})${where}`, {
        location,
        hint: envHint ?? `give a fallback with the default filter: {{ ${name} | default('') }}`,
      });
    }
    const kind = cause instanceof PyError ? `${cause.pyType}: ` : '';
    return new TsplayError('TEMPLATE', `${kind}${e.message}${inFile || e.templateName ? '' : ` in ${short(text)}`}`, { location });
  }
  throw e;
}

/** Does the value (deeply) contain a Jinja delimiter ({{, {%, {#)? */
export function hasTemplate(value: unknown): boolean {
  if (typeof value === 'string') return isPossiblyTemplate(value);
  if (Array.isArray(value)) return value.some(hasTemplate);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).some(hasTemplate);
  return false;
}

/** How a value prints inside text (Python's str()). */
export function stringifyValue(v: unknown): string {
  if (v === undefined) return '';
  return str(v);
}

/** Render a YAML value as Ansible's Templar.template does (lists/dicts recursively; native-type rule). */
export function renderValue(value: unknown, vars: Record<string, unknown>, loc: SourceLocation): unknown {
  if (!hasTemplate(value)) return value;
  try {
    return toPlain(templateValue(value, vars));
  } catch (e) {
    throw templateError(e, typeof value === 'string' ? value : JSON.stringify(value), loc);
  }
}

/** Render a text to a string (names, delegate_to, messages). */
export function renderString(text: string, vars: Record<string, unknown>, loc: SourceLocation): string {
  if (!isPossiblyTemplate(text)) return text;
  const v = renderValue(text, vars, loc);
  return typeof v === 'string' ? v : stringifyValue(v);
}

function syntaxHint(message: string): string {
  const m = /^No (filter|test) named '([^']+)'/.exec(message);
  if (m) {
    const [, kind, name] = m;
    const coll = name!.split('.').length > 2 ? name!.split('.').slice(0, 2).join('.') : undefined;
    return coll && coll !== 'ansible.builtin'
      ? `the ${kind} '${name}' comes from the collection ${coll}, whose plugins tsplay does not have; see docs/ansible-compat.md for the ${kind}s tsplay has`
      : `tsplay has no ${kind} '${name}'; see docs/ansible-compat.md for the ${kind}s tsplay has`;
  }
  return 'check that every {{ has its }}, every {% if %}/{% for %} its {% endif %}/{% endfor %}';
}

/** Syntax check without variables (load time): every string with a delimiter inside the value. */
export function checkTemplate(value: unknown, loc: SourceLocation): TsplayError[] {
  const errs: TsplayError[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      if (!isPossiblyTemplate(v)) return;
      const e = checkTemplateSyntax(v, { escapeBackslashes: true });
      if (e) errs.push(new TsplayError('TEMPLATE', `template error: ${e.message} in ${short(v)}`, { location: loc, hint: syntaxHint(e.message) }));
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(value);
  return errs;
}

/** Syntax check of a template file's text; errors carry the file's own line:col. */
export function checkTemplateFile(text: string, file: string): TsplayError[] {
  if (file.endsWith('.hbs')) return [];
  const e = checkTemplateSyntax(text, { name: file });
  return e ? [new TsplayError('TEMPLATE', `template error: ${e.message}`, { location: { file, line: e.line, col: e.col }, hint: syntaxHint(e.message) })] : [];
}

export type { TemplateFileOptions };

/** Render a template file (the template module): Jinja2, or handlebars for `.hbs` files. Always text. */
export function renderTemplateFile(text: string, vars: Record<string, unknown>, loc: SourceLocation, opts: TemplateFileOptions = {}): string {
  if (opts.name?.endsWith('.hbs')) return renderHbs(text, vars, loc);
  try {
    return templateFile(text, vars, opts);
  } catch (e) {
    throw templateError(e, text, loc, opts.name);
  }
}

/**
 * Run a lookup plugin on already templated terms (a `with_<name>` loop): its list of results.
 * A lookup's own failure is a TsplayError at `loc` naming the lookup.
 */
export function runLookup(name: string, terms: unknown[], vars: Record<string, unknown>, loc: SourceLocation, kwargs: Record<string, unknown> = {}): unknown[] {
  try {
    return toPlain(runLookupPlugin(name, terms, vars, kwargs)) as unknown[];
  } catch (e) {
    if (e instanceof UndefinedError) throw templateError(new RenderError(e.message, loc.line ?? 1, loc.col ?? 1, undefined, e), `with_${name}`, loc);
    if (e instanceof PyError) throw new TsplayError('TEMPLATE', `with_${name}: ${e.message}`, { location: loc });
    throw e;
  }
}
