/**
 * The subset of Python's `ast.literal_eval` that Ansible's INI inventory applies to every value:
 * numbers, strings (quoted, with escapes, adjacent ones concatenated), True/False/None,
 * lists, tuples, sets and dicts. Anything else stays the raw string, exactly as Ansible does.
 */

class NotALiteral extends Error {}

/** Ansible's INI `_parse_value`: a Python literal when it is one, otherwise the string itself. */
export function parseIniValue(raw: string): unknown {
  try {
    return parsePythonLiteral(raw);
  } catch (e) {
    if (e instanceof NotALiteral) return raw;
    throw e;
  }
}

/** Parse a whole string as one Python literal; throws NotALiteral when it is not one. */
export function parsePythonLiteral(src: string): unknown {
  const p = new LiteralParser(src);
  p.skipSpace();
  const v = p.value();
  p.skipSpace();
  // Python's tokenizer drops a trailing `# comment`.
  if (!p.done() && !p.atComment()) throw new NotALiteral('trailing text');
  return v;
}

/** Python's tokenizer refuses more than 200 nested brackets ("too many nested parentheses"): such a value stays a string. */
const MAX_NESTING = 200;

class LiteralParser {
  private i = 0;
  private depth = 0;
  constructor(private readonly s: string) {}

  done(): boolean {
    return this.i >= this.s.length;
  }

  atComment(): boolean {
    return this.s[this.i] === '#';
  }

  skipSpace(): void {
    // literal_eval parses an expression: spaces/tabs are free, newlines only inside brackets (we get single lines).
    while (this.i < this.s.length && /[ \t\f]/.test(this.s[this.i]!)) this.i++;
  }

  value(): unknown {
    this.skipSpace();
    const c = this.s[this.i];
    if (c === undefined) throw new NotALiteral('empty');
    if (c === '[' || c === '(' || c === '{') {
      if (++this.depth > MAX_NESTING) throw new NotALiteral('too many nested parentheses');
      const v = c === '[' ? this.sequence('[', ']') : c === '(' ? this.sequence('(', ')', true) : this.mapOrSet();
      this.depth--;
      return v;
    }
    if (c === '"' || c === "'" || (/[rRbBuU]/.test(c) && /["']/.test(this.s[this.i + 1] ?? ''))) return this.strings();
    if (/[rRbBuU]/.test(c) && /[rRbB]/.test(this.s[this.i + 1] ?? '') && /["']/.test(this.s[this.i + 2] ?? '')) return this.strings();
    if (c === '-' || c === '+' || /[0-9.]/.test(c)) return this.number();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i));
    if (m) {
      this.i += m[0].length;
      if (m[0] === 'True') return true;
      if (m[0] === 'False') return false;
      if (m[0] === 'None') return null;
    }
    throw new NotALiteral('not a literal');
  }

  private sequence(_open: string, close: string, tuple = false): unknown[] {
    this.i++; // open
    const out: unknown[] = [];
    let sawComma = false;
    for (;;) {
      this.skipSpace();
      if (this.s[this.i] === close) {
        this.i++;
        // `(1)` is just 1 in Python; only `(1,)` is a tuple.
        if (tuple && out.length === 1 && !sawComma) return out[0] as unknown[];
        return out;
      }
      out.push(this.value());
      this.skipSpace();
      if (this.s[this.i] === ',') {
        sawComma = true;
        this.i++;
        continue;
      }
      if (this.s[this.i] !== close) throw new NotALiteral(`expected ${close}`);
    }
  }

  private mapOrSet(): unknown {
    this.i++; // {
    this.skipSpace();
    if (this.s[this.i] === '}') {
      this.i++;
      return {};
    }
    const first = this.value();
    this.skipSpace();
    if (this.s[this.i] === ':') {
      const out: Record<string, unknown> = {};
      let key: unknown = first;
      for (;;) {
        this.i++; // :
        const v = this.value();
        out[keyString(key)] = v;
        this.skipSpace();
        if (this.s[this.i] === ',') {
          this.i++;
          this.skipSpace();
          if (this.s[this.i] === '}') break;
          key = this.value();
          this.skipSpace();
          if (this.s[this.i] !== ':') throw new NotALiteral('expected :');
          continue;
        }
        break;
      }
      this.skipSpace();
      if (this.s[this.i] !== '}') throw new NotALiteral('expected }');
      this.i++;
      return out;
    }
    // A set: Ansible's JSON output turns it into a list.
    const items: unknown[] = [first];
    for (;;) {
      this.skipSpace();
      if (this.s[this.i] === '}') {
        this.i++;
        return items;
      }
      if (this.s[this.i] !== ',') throw new NotALiteral('expected ,');
      this.i++;
      this.skipSpace();
      if (this.s[this.i] === '}') continue;
      const v = this.value();
      if (!items.some((x) => JSON.stringify(x) === JSON.stringify(v))) items.push(v);
    }
  }

  private strings(): string {
    let out = '';
    let any = false;
    for (;;) {
      this.skipSpace();
      const m = /^([rRbBuU]{0,2})(['"])/.exec(this.s.slice(this.i));
      if (!m) break;
      any = true;
      const prefix = m[1]!.toLowerCase();
      const q = m[2]!;
      this.i += m[0].length;
      const triple = this.s.startsWith(q + q, this.i);
      if (triple) this.i += 2;
      const end = triple ? q.repeat(3) : q;
      let raw = '';
      for (;;) {
        if (this.i >= this.s.length) throw new NotALiteral('unterminated string');
        if (this.s.startsWith(end, this.i)) {
          this.i += end.length;
          break;
        }
        const ch = this.s[this.i]!;
        if (ch === '\\' && this.i + 1 < this.s.length) {
          raw += ch + this.s[this.i + 1];
          this.i += 2;
          continue;
        }
        raw += ch;
        this.i++;
      }
      out += prefix.includes('r') ? raw : unescapePython(raw);
    }
    if (!any) throw new NotALiteral('expected string');
    return out;
  }

  private number(): number {
    const rest = this.s.slice(this.i);
    const m = /^[-+]?\s*(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][-+]?[0-9_]+)?j?)/.exec(rest);
    if (!m || !/[0-9]/.test(m[0])) throw new NotALiteral('not a number');
    let text = m[0].replace(/\s+/g, '');
    if (text.endsWith('j')) throw new NotALiteral('complex numbers are not supported');
    this.i += m[0].length;
    let sign = 1;
    if (text[0] === '-' || text[0] === '+') {
      sign = text[0] === '-' ? -1 : 1;
      text = text.slice(1);
    }
    if (text.includes('__') || text.endsWith('_') || text.startsWith('_')) throw new NotALiteral('bad number');
    const clean = text.replace(/_/g, '');
    let n: number;
    if (/^0[xX]/.test(clean)) n = parseInt(clean.slice(2), 16);
    else if (/^0[oO]/.test(clean)) n = parseInt(clean.slice(2), 8);
    else if (/^0[bB]/.test(clean)) n = parseInt(clean.slice(2), 2);
    else if (/^[0-9]+$/.test(clean)) {
      // Python 3 rejects leading zeros on decimal integers (`010` is a SyntaxError → stays a string).
      if (clean.length > 1 && clean[0] === '0' && /[1-9]/.test(clean)) throw new NotALiteral('leading zero');
      n = parseInt(clean, 10);
    } else if (/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/.test(clean)) n = parseFloat(clean);
    else throw new NotALiteral('bad number');
    return sign * n;
  }
}

function keyString(k: unknown): string {
  if (typeof k === 'string') return k;
  if (k === true) return 'true';
  if (k === false) return 'false';
  if (k === null) return 'null';
  return String(k);
}

function unescapePython(raw: string): string {
  return raw.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|\n|.)/g, (_, e: string) => {
    switch (e[0]) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        return String.fromCodePoint(parseInt(e, 8));
      case 'x':
      case 'u':
      case 'U':
        return String.fromCodePoint(parseInt(e.slice(1), 16));
      case 'a':
        return '\x07';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case '\\':
        return '\\';
      case "'":
        return "'";
      case '"':
        return '"';
      case '\n':
        return '';
      default:
        return '\\' + e;
    }
  });
}
