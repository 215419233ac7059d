/**
 * A small concrete-syntax parser and printer for NGINX configuration files.
 *
 * Every byte of the input lives in exactly one place of the tree (whitespace before a token, the
 * token's raw text, a comment), so `printConf(parseConf(text)) === text` for any file the parser
 * accepts, and edits touch only the nodes they replace. The grammar is NGINX's own lexer: words
 * (bare or quoted, `${var}` kept inside a word), `;`, `{`, `}`, and `#` comments to end of line.
 */

export interface Word {
  /** Whitespace (and comments inside a directive) before this word. */
  pre: string;
  /** The word as written, quotes included. */
  raw: string;
  /** The word's value: quotes removed, escapes resolved. */
  value: string;
}

export interface Block {
  /** Whitespace before `{`. */
  pre: string;
  children: ConfNode[];
  /** Whitespace before the closing `}`. */
  closePre: string;
}

export interface Directive {
  kind: 'directive';
  /** Whitespace before the directive's name (comments are separate nodes). */
  pre: string;
  name: Word;
  args: Word[];
  /** Whitespace before `;` for a simple directive. */
  semiPre?: string;
  block?: Block;
  line: number;
}

export interface Comment {
  kind: 'comment';
  pre: string;
  /** The comment text, `#` included, newline excluded. */
  text: string;
  line: number;
}

export type ConfNode = Directive | Comment;

export interface ConfFile {
  children: ConfNode[];
  /** Whitespace at the end of the file. */
  tail: string;
}

export class NginxParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'NginxParseError';
  }
}

type Tok =
  | { t: 'word'; pre: string; raw: string; value: string; line: number }
  | { t: 'comment'; pre: string; raw: string; line: number }
  | { t: ';' | '{' | '}'; pre: string; line: number }
  | { t: 'eof'; pre: string; line: number };

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  const n = src.length;
  while (true) {
    const wsStart = i;
    while (i < n && /\s/.test(src[i]!)) {
      if (src[i] === '\n') line++;
      i++;
    }
    const pre = src.slice(wsStart, i);
    if (i >= n) {
      toks.push({ t: 'eof', pre, line });
      return toks;
    }
    const c = src[i]!;
    const startLine = line;
    if (c === '#') {
      const end = src.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      toks.push({ t: 'comment', pre, raw: src.slice(i, stop), line: startLine });
      i = stop;
      continue;
    }
    if (c === ';' || c === '{' || c === '}') {
      toks.push({ t: c, pre, line: startLine });
      i++;
      continue;
    }
    // A word: possibly several quoted/bare segments glued together, like NGINX reads them.
    const start = i;
    let value = '';
    while (i < n) {
      const ch = src[i]!;
      if (ch === '"' || ch === "'") {
        const q = ch;
        i++;
        let closed = false;
        while (i < n) {
          const d = src[i]!;
          if (d === '\\' && i + 1 < n) {
            const e = src[i + 1]!;
            value += e === q || e === '\\' ? e : e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : '\\' + e;
            if (e === '\n') line++;
            i += 2;
            continue;
          }
          if (d === q) {
            closed = true;
            i++;
            break;
          }
          if (d === '\n') line++;
          value += d;
          i++;
        }
        if (!closed) throw new NginxParseError(`unterminated ${q === '"' ? 'double' : 'single'} quote`, startLine);
        continue;
      }
      if (/\s/.test(ch) || ch === ';' || ch === '{' || ch === '}') break;
      if (ch === '$' && src[i + 1] === '{') {
        const close = src.indexOf('}', i);
        if (close === -1) throw new NginxParseError('unterminated ${ variable', startLine);
        value += src.slice(i, close + 1);
        i = close + 1;
        continue;
      }
      if (ch === '\\' && i + 1 < n) {
        value += src[i + 1];
        i += 2;
        continue;
      }
      value += ch;
      i++;
    }
    toks.push({ t: 'word', pre, raw: src.slice(start, i), value, line: startLine });
  }
}

/** Parse an NGINX config text; throws NginxParseError (with a 1-based line) on unbalanced input. */
export function parseConf(src: string): ConfFile {
  const toks = tokenize(src);
  let p = 0;

  function parseList(inBlock: boolean): { children: ConfNode[]; closePre: string } {
    const children: ConfNode[] = [];
    while (true) {
      const tok = toks[p]!;
      if (tok.t === 'eof') {
        if (inBlock) throw new NginxParseError('unexpected end of file, expecting "}"', tok.line);
        p++;
        return { children, closePre: tok.pre };
      }
      if (tok.t === '}') {
        if (!inBlock) throw new NginxParseError('unexpected "}"', tok.line);
        p++;
        return { children, closePre: tok.pre };
      }
      if (tok.t === 'comment') {
        children.push({ kind: 'comment', pre: tok.pre, text: tok.raw, line: tok.line });
        p++;
        continue;
      }
      if (tok.t === ';' || tok.t === '{') throw new NginxParseError(`unexpected "${tok.t}"`, tok.line);
      children.push(parseDirective());
    }
  }

  function parseDirective(): Directive {
    const first = toks[p++] as Extract<Tok, { t: 'word' }>;
    const d: Directive = {
      kind: 'directive',
      pre: first.pre,
      name: { pre: '', raw: first.raw, value: first.value },
      args: [],
      line: first.line,
    };
    let carried = '';
    while (true) {
      const tok = toks[p]!;
      if (tok.t === 'word') {
        d.args.push({ pre: carried + tok.pre, raw: tok.raw, value: tok.value });
        carried = '';
        p++;
      } else if (tok.t === 'comment') {
        carried += tok.pre + tok.raw;
        p++;
      } else if (tok.t === ';') {
        d.semiPre = carried + tok.pre;
        p++;
        return d;
      } else if (tok.t === '{') {
        p++;
        const inner = parseList(true);
        d.block = { pre: carried + tok.pre, children: inner.children, closePre: inner.closePre };
        return d;
      } else {
        throw new NginxParseError(`directive "${d.name.value}" has no ending ";"`, d.line);
      }
    }
  }

  const top = parseList(false);
  return { children: top.children, tail: top.closePre };
}

function printNodes(nodes: ConfNode[]): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'comment') {
      out += node.pre + node.text;
      continue;
    }
    out += node.pre + node.name.raw;
    for (const a of node.args) out += a.pre + a.raw;
    if (node.block) out += node.block.pre + '{' + printNodes(node.block.children) + node.block.closePre + '}';
    else out += (node.semiPre ?? '') + ';';
  }
  return out;
}

/** Print a tree back to text. Untouched nodes come out byte-identical. */
export function printConf(file: ConfFile): string {
  return printNodes(file.children) + file.tail;
}

/** Quote a value as an NGINX word when it needs it. */
export function confWord(value: string): string {
  if (value !== '' && /^[^\s;{}"'#\\]+$/.test(value)) return value;
  return '"' + value.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

/** Build a fresh simple directive node (`name arg...;`) with the given leading whitespace. */
export function makeDirective(pre: string, name: string, args: string[]): Directive {
  return {
    kind: 'directive',
    pre,
    name: { pre: '', raw: name, value: name },
    args: args.map((a) => ({ pre: ' ', raw: confWord(a), value: a })),
    semiPre: '',
    line: 0,
  };
}

/** Build a block directive (`name arg... { children }`). */
export function makeBlock(pre: string, name: string, args: string[], children: ConfNode[], closePre: string): Directive {
  return {
    kind: 'directive',
    pre,
    name: { pre: '', raw: name, value: name },
    args: args.map((a) => ({ pre: ' ', raw: confWord(a), value: a })),
    block: { pre: ' ', children, closePre },
    line: 0,
  };
}

/** The indentation (text after the last newline) of a node's leading whitespace. */
export function indentOf(pre: string): string {
  const nl = pre.lastIndexOf('\n');
  return nl === -1 ? pre : pre.slice(nl + 1);
}

/** Parse the text of one simple directive (used to read commented-out directives). */
export function parseDirectiveText(text: string): Directive | undefined {
  try {
    const f = parseConf(text);
    const ds = f.children.filter((c): c is Directive => c.kind === 'directive');
    if (ds.length !== 1 || ds[0]!.block) return undefined;
    return ds[0];
  } catch {
    return undefined;
  }
}
