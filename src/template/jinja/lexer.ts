/**
 * Jinja2's lexer, as jinja2 3.1 tokenizes templates: `{{ }}`, `{% %}`, `{# #}`, whitespace control
 * (`-` strips, `+` keeps), trim_blocks / lstrip_blocks, `{% raw %}`, Python-style literals.
 */

export interface LexOptions {
  trimBlocks: boolean;
  lstripBlocks: boolean;
}

export type TokType = 'data' | 'var_begin' | 'var_end' | 'block_begin' | 'block_end' | 'name' | 'string' | 'integer' | 'float' | 'op' | 'eof';

export interface Token {
  type: TokType;
  value: string;
  /** For numbers: the value; for strings: the decoded text. */
  lit?: unknown;
  line: number;
  col: number;
}

export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
  }
}

const OPERATORS = ['//', '**', '==', '!=', '>=', '<=', '+', '-', '/', '*', '%', '~', '[', ']', '(', ')', '{', '}', '>', '<', '=', '.', ':', '|', ',', ';'];

/** Python's unicode-escape decoding of a string literal body, as Jinja applies it. */
export function decodeStringLiteral(body: string): string {
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\' || i === body.length - 1) {
      out += ch;
      continue;
    }
    const n = body[++i]!;
    switch (n) {
      case '\n':
        break;
      case '\\':
        out += '\\';
        break;
      case "'":
        out += "'";
        break;
      case '"':
        out += '"';
        break;
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x': {
        const h = body.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new Error('truncated \\xXX escape');
        out += String.fromCharCode(parseInt(h, 16));
        i += 2;
        break;
      }
      case 'u':
      case 'U': {
        const w = n === 'u' ? 4 : 8;
        const h = body.slice(i + 1, i + 1 + w);
        if (!new RegExp(`^[0-9a-fA-F]{${w}}$`).test(h)) throw new Error(`truncated \\${n} escape`);
        out += String.fromCodePoint(parseInt(h, 16));
        i += w;
        break;
      }
      default:
        if (/[0-7]/.test(n)) {
          let o = n;
          while (o.length < 3 && /[0-7]/.test(body[i + 1] ?? '')) o += body[++i];
          out += String.fromCharCode(parseInt(o, 8));
        } else out += '\\' + n; // unknown escapes keep their backslash (Python)
    }
  }
  return out;
}

function lineCol(pos: number, lineStarts: number[]): { line: number; col: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= pos) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, col: pos - lineStarts[lo]! + 1 };
}

/** Tokenize a template source (newlines already normalized to \n). */
export function tokenize(src: string, opts: LexOptions): Token[] {
  const lineStarts = [0];
  for (let i = 0; i < src.length; i++) if (src[i] === '\n') lineStarts.push(i + 1);
  const at = (pos: number) => lineCol(pos, lineStarts);
  const toks: Token[] = [];
  const push = (type: TokType, value: string, pos: number, lit?: unknown) => {
    const { line, col } = at(pos);
    toks.push({ type, value, lit, line, col });
  };
  let pos = 0;
  /** Strip whitespace after the next tag (set by `-%}` / trim_blocks). */
  let lstripNext: 'none' | 'all' | 'newline' = 'none';
  const startRe = /\{\{|\{%|\{#/g;
  while (pos <= src.length) {
    startRe.lastIndex = pos;
    const m = startRe.exec(src);
    const dataEnd = m ? m.index : src.length;
    let data = src.slice(pos, dataEnd);
    const dataPos = pos;
    if (lstripNext === 'all') {
      const t = data.replace(/^\s+/, '');
      data = t;
    } else if (lstripNext === 'newline' && data.startsWith('\n')) data = data.slice(1);
    const dataStart = dataPos + (src.slice(pos, dataEnd).length - data.length);
    lstripNext = 'none';
    if (!m) {
      if (data) push('data', data, dataStart);
      break;
    }
    const kind = m[0];
    const mod = src[m.index + 2];
    // whitespace control before the tag
    if (mod === '-') data = data.replace(/\s+$/, '');
    else if (opts.lstripBlocks && kind !== '{{' && mod !== '+') {
      // Jinja strips the blanks before a block tag that starts its line
      const nl = data.lastIndexOf('\n');
      const lineStarting = dataStart === 0 || src[dataStart - 1] === '\n';
      if ((nl >= 0 || lineStarting) && /^[ \t]*$/.test(data.slice(nl + 1))) data = data.slice(0, nl + 1);
    }
    if (data) push('data', data, dataStart);
    pos = m.index + 2 + (mod === '-' || mod === '+' ? 1 : 0);
    if (kind === '{#') {
      const end = /(-?)#\}/g;
      end.lastIndex = pos;
      const e = end.exec(src);
      if (!e) throw new TemplateSyntaxError('Missing end of comment tag', at(m.index).line, at(m.index).col);
      pos = e.index + e[0].length;
      lstripNext = e[1] === '-' ? 'all' : opts.trimBlocks ? 'newline' : 'none';
      continue;
    }
    // raw block
    if (kind === '{%') {
      const raw = /\s*raw\s*([-+]?)%\}/y;
      raw.lastIndex = pos;
      const r = raw.exec(src);
      if (r) {
        const endRe = /\{%([-+]?)\s*endraw\s*([-+]?)%\}/g;
        endRe.lastIndex = raw.lastIndex;
        const e = endRe.exec(src);
        if (!e) throw new TemplateSyntaxError('Missing end of raw directive', at(m.index).line, at(m.index).col);
        let body = src.slice(raw.lastIndex, e.index);
        if (r[1] === '-') body = body.replace(/^\s+/, '');
        else if (r[1] !== '+' && opts.trimBlocks && body.startsWith('\n')) body = body.slice(1);
        if (e[1] === '-') body = body.replace(/\s+$/, '');
        else if (opts.lstripBlocks && e[1] !== '+') {
          const nl = body.lastIndexOf('\n');
          if (/^[ \t]*$/.test(body.slice(nl + 1))) body = body.slice(0, nl + 1);
        }
        if (body) push('data', body, raw.lastIndex);
        pos = e.index + e[0].length;
        lstripNext = e[2] === '-' ? 'all' : e[2] === '+' ? 'none' : opts.trimBlocks ? 'newline' : 'none';
        continue;
      }
    }
    push(kind === '{{' ? 'var_begin' : 'block_begin', kind, m.index);
    const closer = kind === '{{' ? '}}' : '%}';
    // expression tokens
    const depth: string[] = [];
    for (;;) {
      while (pos < src.length && /\s/.test(src[pos]!)) pos++;
      if (pos >= src.length) {
        const p = at(m.index);
        throw new TemplateSyntaxError(`unexpected end of template, expected '${closer}'`, p.line, p.col);
      }
      const rest = src.startsWith(closer, pos) ? 0 : -1;
      if (depth.length === 0) {
        if (rest === 0 || ((src[pos] === '-' || (src[pos] === '+' && kind === '{%')) && src.startsWith(closer, pos + 1))) {
          const ctl = rest === 0 ? '' : src[pos]!;
          push(kind === '{{' ? 'var_end' : 'block_end', closer, pos);
          pos += closer.length + ctl.length;
          if (ctl === '-') lstripNext = 'all';
          else if (kind === '{%' && ctl !== '+' && opts.trimBlocks) lstripNext = 'newline';
          break;
        }
      }
      const c = src[pos]!;
      const start = pos;
      if (/[A-Za-z_]/.test(c)) {
        const w = /[A-Za-z_][A-Za-z0-9_]*/y;
        w.lastIndex = pos;
        const mm = w.exec(src)!;
        pos += mm[0].length;
        push('name', mm[0], start);
        continue;
      }
      if (c === '"' || c === "'") {
        const re = c === '"' ? /"([^"\\]*(?:\\.[^"\\]*)*)"/sy : /'([^'\\]*(?:\\.[^'\\]*)*)'/sy;
        re.lastIndex = pos;
        const mm = re.exec(src);
        if (!mm) {
          const p = at(pos);
          throw new TemplateSyntaxError('unexpected char ' + JSON.stringify(c) + ` at ${pos}`, p.line, p.col);
        }
        pos += mm[0].length;
        let lit: string;
        try {
          lit = decodeStringLiteral(mm[1]!);
        } catch (e) {
          const p = at(start);
          throw new TemplateSyntaxError((e as Error).message, p.line, p.col);
        }
        push('string', mm[0], start, lit);
        continue;
      }
      if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[pos + 1] ?? '') && toks.at(-1)?.type !== 'name' && !(toks.at(-1)?.type === 'op' && /[\])]/.test(toks.at(-1)!.value)))) {
        const fl = /(?:\d+(?:_\d+)*)?\.\d+(?:_\d+)*(?:[eE][+-]?\d+(?:_\d+)*)?|\d+(?:_\d+)*[eE][+-]?\d+(?:_\d+)*/y;
        const prev = toks.at(-1);
        const afterDot = prev?.type === 'op' && prev.value === '.';
        fl.lastIndex = pos;
        const f = afterDot ? null : fl.exec(src);
        if (f && !/^\d+(?:_\d+)*\.$/.test(f[0])) {
          pos += f[0].length;
          push('float', f[0], start, parseFloat(f[0].replace(/_/g, '')));
          continue;
        }
        const int = /0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[0-9a-fA-F])+|[1-9](?:_?\d)*|0(?:_?0)*/y;
        int.lastIndex = pos;
        const i = int.exec(src);
        if (i) {
          pos += i[0].length;
          const t = i[0].replace(/_/g, '');
          const v = /^0[bB]/.test(t) ? parseInt(t.slice(2), 2) : /^0[oO]/.test(t) ? parseInt(t.slice(2), 8) : /^0[xX]/.test(t) ? parseInt(t.slice(2), 16) : Number(t);
          push('integer', i[0], start, v);
          continue;
        }
      }
      const op = OPERATORS.find((o) => src.startsWith(o, pos));
      if (op) {
        if (op === '(' || op === '[' || op === '{') depth.push(op);
        else if (op === ')' || op === ']' || op === '}') {
          const want = op === ')' ? '(' : op === ']' ? '[' : '{';
          if (depth.length === 0) {
            if (op === '}' && kind === '{{') {
              const p = at(pos);
              throw new TemplateSyntaxError(`unexpected '}'`, p.line, p.col);
            }
            const p = at(pos);
            throw new TemplateSyntaxError(`unexpected '${op}'`, p.line, p.col);
          }
          const top = depth.pop();
          if (top !== want) {
            const p = at(pos);
            throw new TemplateSyntaxError(`unexpected '${op}', expected '${top === '(' ? ')' : top === '[' ? ']' : '}'}'`, p.line, p.col);
          }
        }
        pos += op.length;
        push('op', op, start);
        continue;
      }
      const p = at(pos);
      throw new TemplateSyntaxError(`unexpected char ${JSON.stringify(c)} at ${pos}`, p.line, p.col);
    }
  }
  const end = at(src.length);
  toks.push({ type: 'eof', value: '', line: end.line, col: end.col });
  return toks;
}
