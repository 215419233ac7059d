import { filters, logicHelpers } from './filters.js';

/**
 * Pre-pass that turns the Jinja-flavoured `{{ }}` Ansible users write into handlebars:
 *   `{{ x | default('y') | upper }}` → `{{__out (upper (default x 'y'))}}`
 *   `{{ a[0] }}`, `{{ a.0 }}`, `{{ a['k'] }}` → `a.[0]`, `a.[k]`
 *   `True` / `False` / `None` → `true` / `false` / `null`
 * Top-level expressions are wrapped in `__out` (lists/objects print as JSON, strict undefined
 * checks with the full variable path); a text that is exactly one expression becomes `__cap`
 * so the caller gets the native value back. Block syntax (`{{#if}}`, `{{#each}}`, `{{else}}`,
 * `{{/if}}`, comments, partials, `{{{raw}}}`) passes through untouched.
 */

export class TranslateError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export interface Translated {
  /** The handlebars source to compile. */
  source: string;
  /** The text is exactly one `{{ expr }}` (native value mode). */
  single: boolean;
}

/** Names usable as the first word of a helper call or after `|`. */
export const helperNames = new Set<string>([...Object.keys(filters), ...Object.keys(logicHelpers), 'lookup']);

const JINJA_STATEMENT = /\{%-?\s*(if|for|set|endif|endfor|else|elif|raw|endraw|macro|block|include)\b/;

/** Find the end of a mustache starting at `start` (index of `{{`), respecting quotes. Returns index after `}}`. */
function findClose(text: string, start: number, closer: string): number {
  let i = start;
  let q: string | null = null;
  while (i < text.length) {
    const c = text[i]!;
    if (q) {
      if (c === '\\') i++;
      else if (c === q) q = null;
    } else if (c === '"' || c === "'") q = c;
    else if (text.startsWith(closer, i)) return i + closer.length;
    i++;
  }
  return -1;
}

/** Split on a separator char at top level (outside quotes, parens and brackets). */
export function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let q: string | null = null;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      cur += c;
      if (c === '\\' && i + 1 < s.length) cur += s[++i];
      else if (c === q) q = null;
      continue;
    }
    if (c === '"' || c === "'") q = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && c === sep) {
      // `||` is not a filter pipe.
      if (sep === '|' && (s[i + 1] === '|' || s[i - 1] === '|')) {
        cur += c;
        continue;
      }
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

/** Split a helper call into words (strings and parenthesised sub-expressions stay whole). */
function words(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let q: string | null = null;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      cur += c;
      if (c === '\\' && i + 1 < s.length) cur += s[++i];
      else if (c === q) q = null;
      continue;
    }
    if (c === '"' || c === "'") q = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    if (depth === 0 && /\s/.test(c)) {
      if (cur) out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  if (q) throw new TranslateError(`unterminated string in \`${s.trim()}\``);
  if (cur) out.push(cur);
  return out;
}

const PATH_RE = /^@?[A-Za-z_$][\w$-]*(?:\.[\w$-]+|\[\s*(?:\d+|'[^']*'|"[^"]*")\s*\])*$/;

/** One operand: literal, variable path, or parenthesised sub-expression. */
function operand(tok: string, whole: string): string {
  const t = tok.trim();
  if (/^(["']).*\1$/s.test(t)) return t;
  if (/^-?\d+(\.\d+)?$/.test(t)) return t;
  if (t === 'True' || t === 'true') return 'true';
  if (t === 'False' || t === 'false') return 'false';
  if (t === 'None' || t === 'none' || t === 'null') return 'null';
  if (t === 'this' || t.startsWith('this.') || t.startsWith('../')) return t;
  if (t.startsWith('(') && t.endsWith(')')) return `(${expression(t.slice(1, -1), whole).call})`;
  if (PATH_RE.test(t)) {
    return t
      .replace(/\[\s*(\d+)\s*\]/g, '.[$1]')
      .replace(/\[\s*'([^']*)'\s*\]/g, '.[$1]')
      .replace(/\[\s*"([^"]*)"\s*\]/g, '.[$1]')
      .replace(/\.(\d+)(?=\.|$)/g, '.[$1]');
  }
  if (t.startsWith('[') || t.startsWith('{')) {
    throw new TranslateError(`list and dict literals are not supported in templates: \`${whole.trim()}\``, 'define the value in vars and refer to it');
  }
  throw new TranslateError(
    `\`${whole.trim()}\` is not a supported template expression (at \`${t}\`)`,
    'templates take a variable (a.b, a[0]), a literal, a helper call ({{ eq a b }}) or Jinja filters ({{ x | default("y") }}); see src/template/README.md',
  );
}

interface Expr {
  /** As a handlebars call body (`upper x`) or a simple operand (`x`). */
  call: string;
  isCall: boolean;
}

/** Translate one `{{ }}` body (without braces). */
function expression(body: string, whole: string = body): Expr {
  const segs = splitTop(body, '|');
  const baseText = segs[0]!.trim();
  if (baseText === '') throw new TranslateError(`empty template expression \`{{${whole}}}\``);
  let cur: Expr;
  const ws = words(baseText);
  if (ws.length === 1) {
    cur = { call: operand(ws[0]!, whole), isCall: false };
  } else {
    const head = ws[0]!;
    if (!helperNames.has(head)) {
      throw new TranslateError(
        `\`${whole.trim()}\` is not a supported template expression`,
        helperNames.has(ws[1] ?? '')
          ? undefined
          : 'operators (+, ==, and, if/else, ~) are not available inside {{ }}; use a helper such as {{ eq a b }}, or compute the value in a `when`/set_fact; see src/template/README.md',
      );
    }
    cur = { call: [head, ...ws.slice(1).map((w) => operand(w, whole))].join(' '), isCall: true };
  }
  for (const seg of segs.slice(1)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(([\s\S]*)\))?\s*$/.exec(seg);
    if (!m) throw new TranslateError(`bad filter \`|${seg}\` in \`${whole.trim()}\``);
    const name = m[1]!;
    if (!Object.hasOwn(filters, name)) {
      throw new TranslateError(`unsupported filter \`${name}\` in \`${whole.trim()}\``, `supported filters: ${Object.keys(filters).sort().join(', ')}`);
    }
    const args = m[2] !== undefined && m[2].trim() !== '' ? splitTop(m[2], ',') : [];
    const argText = args.map((a) => {
      if (/^\s*[A-Za-z_]\w*\s*=[^=]/.test(a)) {
        throw new TranslateError(`keyword arguments are not supported in filter \`${name}\` (\`${a.trim()}\`)`, 'pass the arguments by position');
      }
      return operand(a, whole);
    });
    const input = cur.isCall ? `(${cur.call})` : cur.call;
    cur = { call: [name, input, ...argText].join(' '), isCall: true };
  }
  return cur;
}

/** Translate a whole template text. Throws TranslateError for unsupported syntax. */
export function translate(text: string): Translated {
  const js = JINJA_STATEMENT.exec(text);
  if (js) {
    throw new TranslateError(`Jinja statements like \`{% ${js[1]} %}\` are not supported`, 'use handlebars blocks: {{#if cond}}…{{else}}…{{/if}}, {{#each list}}{{this}}{{/each}}');
  }
  let out = '';
  let i = 0;
  let depth = 0;
  let count = 0;
  let lastExpr: string | null = null;
  let nonSpaceOutside = false;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) {
      if (text.slice(i).trim()) nonSpaceOutside = true;
      out += text.slice(i);
      break;
    }
    const before = text.slice(i, open);
    if (before.trim()) nonSpaceOutside = true;
    out += before;
    // `\{{` is a literal in handlebars: keep as is.
    if (open > 0 && text[open - 1] === '\\') {
      out += '{{';
      i = open + 2;
      continue;
    }
    if (text.startsWith('{{{', open)) {
      const end = findClose(text, open + 3, '}}}');
      if (end < 0) throw new TranslateError(`unclosed \`{{{\` in template`);
      out += text.slice(open, end);
      i = end;
      count++;
      continue;
    }
    if (text.startsWith('{{!', open)) {
      const closer = text.startsWith('{{!--', open) ? '--}}' : '}}';
      const end = text.indexOf(closer, open + 3);
      if (end < 0) throw new TranslateError(`unclosed comment in template`);
      out += text.slice(open, end + closer.length);
      i = end + closer.length;
      continue;
    }
    const end = findClose(text, open + 2, '}}');
    if (end < 0) throw new TranslateError(`unclosed \`{{\` in template \`${text.length > 60 ? text.slice(0, 60) + '…' : text}\``, 'every {{ needs a matching }}');
    let inner = text.slice(open + 2, end - 2);
    let ltrim = '';
    let rtrim = '';
    if (inner.startsWith('~')) {
      ltrim = '~';
      inner = inner.slice(1);
    }
    if (inner.endsWith('~')) {
      rtrim = '~';
      inner = inner.slice(0, -1);
    }
    const t = inner.trim();
    count++;
    if (/^[#^/>&*]/.test(t) || /^else\b/.test(t)) {
      if (t.startsWith('#') && !t.startsWith('#>') && !t.startsWith('#*')) depth++;
      else if (t.startsWith('^') && t.length > 1) depth++;
      else if (t.startsWith('/')) depth--;
      out += text.slice(open, end);
      lastExpr = null;
      i = end;
      continue;
    }
    const e = expression(inner);
    const arg = e.isCall ? `(${e.call})` : e.call;
    if (depth === 0) {
      out += `{{${ltrim}__out ${arg}${rtrim}}}`;
      lastExpr = arg;
    } else {
      out += `{{${ltrim}${e.call}${rtrim}}}`;
    }
    i = end;
  }
  if (count === 1 && lastExpr !== null && !nonSpaceOutside && depth === 0) {
    return { source: `{{__cap ${lastExpr}}}`, single: true };
  }
  return { source: out, single: false };
}
