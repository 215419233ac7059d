/**
 * Jinja2's parser (jinja2 3.1 grammar): statements and expressions into a small AST.
 * Positions are 1-based line/col within the template text.
 */
import { TemplateSyntaxError, tokenize, type LexOptions, type Token } from './lexer.js';
import { float } from './py.js';

export interface Pos {
  line: number;
  col: number;
}

export type Expr =
  | ({ k: 'const'; v: unknown } & Pos)
  | ({ k: 'name'; name: string } & Pos)
  | ({ k: 'getattr'; obj: Expr; attr: string } & Pos)
  | ({ k: 'getitem'; obj: Expr; key: Expr } & Pos)
  | ({ k: 'slice'; start?: Expr; stop?: Expr; step?: Expr } & Pos)
  | ({ k: 'call'; fn: Expr; args: Expr[]; kwargs: Array<[string, Expr]>; star?: Expr; dstar?: Expr } & Pos)
  | ({ k: 'filter'; name: string; node?: Expr; args: Expr[]; kwargs: Array<[string, Expr]>; star?: Expr; dstar?: Expr } & Pos)
  | ({ k: 'test'; name: string; node: Expr; args: Expr[]; kwargs: Array<[string, Expr]>; negate: boolean } & Pos)
  | ({ k: 'cond'; test: Expr; then: Expr; else?: Expr } & Pos)
  | ({ k: 'bin'; op: string; left: Expr; right: Expr } & Pos)
  | ({ k: 'concat'; items: Expr[] } & Pos)
  | ({ k: 'compare'; first: Expr; ops: Array<[string, Expr]> } & Pos)
  | ({ k: 'and' | 'or'; left: Expr; right: Expr } & Pos)
  | ({ k: 'not' | 'neg' | 'pos'; node: Expr } & Pos)
  | ({ k: 'list' | 'tuple'; items: Expr[] } & Pos)
  | ({ k: 'dict'; items: Array<[Expr, Expr]> } & Pos);

export type Target = ({ k: 'name'; name: string } & Pos) | ({ k: 'tuple'; items: Target[] } & Pos) | ({ k: 'nsref'; name: string; attr: string } & Pos);

export interface MacroArg {
  name: string;
  default?: Expr;
}

export type Stmt =
  | ({ k: 'data'; text: string } & Pos)
  | ({ k: 'output'; expr: Expr } & Pos)
  | ({ k: 'if'; branches: Array<{ test: Expr; body: Stmt[] }>; else?: Stmt[] } & Pos)
  | ({ k: 'for'; target: Target; iter: Expr; body: Stmt[]; else?: Stmt[]; test?: Expr; recursive: boolean } & Pos)
  | ({ k: 'set'; target: Target; expr: Expr } & Pos)
  | ({ k: 'setblock'; target: Target; body: Stmt[]; filter?: Expr } & Pos)
  | ({ k: 'macro'; name: string; args: MacroArg[]; body: Stmt[] } & Pos)
  | ({ k: 'callblock'; call: Expr; args: MacroArg[]; body: Stmt[] } & Pos)
  | ({ k: 'filterblock'; filter: Expr; body: Stmt[] } & Pos)
  | ({ k: 'include'; template: Expr; ignoreMissing: boolean; withContext: boolean } & Pos)
  | ({ k: 'import'; template: Expr; target: string; withContext: boolean } & Pos)
  | ({ k: 'fromimport'; template: Expr; names: Array<[string, string]>; withContext: boolean } & Pos)
  | ({ k: 'with'; targets: Array<[Target, Expr]>; body: Stmt[] } & Pos)
  | ({ k: 'block'; name: string; body: Stmt[]; scoped: boolean } & Pos)
  | ({ k: 'extends'; template: Expr } & Pos)
  | ({ k: 'do'; expr: Expr } & Pos)
  | ({ k: 'break' | 'continue' } & Pos);

export interface ParseOptions extends LexOptions {
  /** Extensions enabled (Ansible's DEFAULT_JINJA2_EXTENSIONS): 'do', 'loopcontrols'. */
  extensions?: string[];
}

const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly ext: Set<string>,
  ) {}

  private get cur(): Token {
    return this.toks[this.i]!;
  }
  private peek(n = 1): Token {
    return this.toks[Math.min(this.i + n, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.cur;
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  private fail(msg: string, t: Token = this.cur): never {
    throw new TemplateSyntaxError(msg, t.line, t.col);
  }
  private isOp(v: string, t = this.cur): boolean {
    return t.type === 'op' && t.value === v;
  }
  /** Consume the name `n` if it is next; say whether it was. */
  private acceptName(n: string): boolean {
    if (!this.isName(n)) return false;
    this.next();
    return true;
  }

  private isName(v: string, t = this.cur): boolean {
    return t.type === 'name' && t.value === v;
  }
  private expectOp(v: string): Token {
    if (!this.isOp(v)) this.fail(`expected token '${v}', got '${this.describe(this.cur)}'`);
    return this.next();
  }
  private expectName(v?: string): Token {
    if (this.cur.type !== 'name' || (v !== undefined && this.cur.value !== v))
      this.fail(v ? `expected '${v}', got '${this.describe(this.cur)}'` : `expected name, got '${this.describe(this.cur)}'`);
    return this.next();
  }
  private describe(t: Token): string {
    if (t.type === 'eof') return 'end of template';
    if (t.type === 'block_end') return 'end of statement block';
    if (t.type === 'var_end') return 'end of print statement';
    return t.value;
  }
  private pos(t: Token = this.cur): Pos {
    return { line: t.line, col: t.col };
  }

  // ---- statements
  parseTemplate(): Stmt[] {
    const body = this.subparse([]);
    if (this.cur.type !== 'eof') this.fail(`unexpected '${this.describe(this.cur)}'`);
    return body;
  }

  /** Parse statements until a block tag named in `ends` (left as the current token after block_begin). */
  private subparse(ends: string[]): Stmt[] {
    const body: Stmt[] = [];
    for (;;) {
      const t = this.cur;
      if (t.type === 'eof') {
        if (ends.length)
          this.fail(
            `Unexpected end of template. Jinja was looking for the following tags: ${ends.map((e) => `'${e}'`).join(' or ')}. The innermost block that needs to be closed is '${this.blockStack.at(-1) ?? ends[0]}'.`,
          );
        return body;
      }
      if (t.type === 'data') {
        this.next();
        body.push({ k: 'data', text: t.value, ...this.pos(t) });
      } else if (t.type === 'var_begin') {
        this.next();
        const expr = this.parseTuple(false, true);
        if (this.cur.type !== 'var_end') this.fail(`expected token 'end of print statement', got '${this.describe(this.cur)}'`);
        this.next();
        body.push({ k: 'output', expr, ...this.pos(t) });
      } else if (t.type === 'block_begin') {
        const name = this.peek();
        if (name.type === 'name' && ends.includes(name.value)) {
          this.next(); // block_begin; leave the name current
          return body;
        }
        this.next();
        body.push(...this.parseStatement());
      } else this.fail(`unexpected '${this.describe(t)}'`);
    }
  }

  private blockStack: string[] = [];

  private endBlock(): void {
    if (this.cur.type !== 'block_end') this.fail(`expected token 'end of statement block', got '${this.describe(this.cur)}'`);
    this.next();
  }

  private parseStatement(): Stmt[] {
    const t = this.cur;
    if (t.type !== 'name') this.fail('tag name expected');
    const p = this.pos(t);
    this.blockStack.push(t.value);
    try {
      switch (t.value) {
        case 'if':
          return [this.parseIf(p)];
        case 'for':
          return [this.parseFor(p)];
        case 'set':
          return [this.parseSet(p)];
        case 'macro':
          return [this.parseMacro(p)];
        case 'call':
          return [this.parseCallBlock(p)];
        case 'filter':
          return [this.parseFilterBlock(p)];
        case 'include':
          return [this.parseInclude(p)];
        case 'import':
          return [this.parseImport(p)];
        case 'from':
          return [this.parseFrom(p)];
        case 'with':
          return [this.parseWith(p)];
        case 'block': {
          this.next();
          const name = this.expectName().value;
          const scoped = this.acceptName('scoped');
          if (this.isName('required')) this.next();
          this.endBlock();
          const body = this.subparse(['endblock']);
          this.next();
          if (this.cur.type === 'name') this.next();
          this.endBlock();
          return [{ k: 'block', name, body, scoped, ...p }];
        }
        case 'extends': {
          this.next();
          const template = this.parseExpression();
          this.endBlock();
          return [{ k: 'extends', template, ...p }];
        }
        case 'autoescape': {
          this.next();
          this.parseExpression();
          this.endBlock();
          const body = this.subparse(['endautoescape']);
          this.next();
          this.endBlock();
          return body;
        }
        case 'do':
          if (this.ext.has('do')) {
            this.next();
            const expr = this.parseTuple();
            this.endBlock();
            return [{ k: 'do', expr, ...p }];
          }
          break;
        case 'break':
        case 'continue':
          if (this.ext.has('loopcontrols')) {
            this.next();
            this.endBlock();
            return [{ k: t.value, ...p }];
          }
          break;
      }
      this.fail(`Encountered unknown tag '${t.value}'.` + (this.blockStack.length > 1 ? ` Jinja was looking for the following tags: the end of '${this.blockStack.at(-2)}'.` : ''));
    } finally {
      this.blockStack.pop();
    }
  }

  private parseIf(p: Pos): Stmt {
    this.next();
    const branches: Array<{ test: Expr; body: Stmt[] }> = [];
    let test = this.parseTuple(false);
    this.endBlock();
    let elseBody: Stmt[] | undefined;
    for (;;) {
      const body = this.subparse(['elif', 'else', 'endif']);
      branches.push({ test, body });
      const tag = this.next().value;
      if (tag === 'elif') {
        test = this.parseTuple(false);
        this.endBlock();
        continue;
      }
      if (tag === 'else') {
        this.endBlock();
        elseBody = this.subparse(['endif']);
        this.next();
      }
      this.endBlock();
      break;
    }
    return { k: 'if', branches, else: elseBody, ...p };
  }

  private parseFor(p: Pos): Stmt {
    this.next();
    const target = this.parseAssignTarget(false, ['in']);
    this.expectName('in');
    const iter = this.parseTuple(false, false, ['recursive']);
    let test: Expr | undefined;
    if (this.isName('if')) {
      this.next();
      test = this.parseExpression();
    }
    const recursive = this.acceptName('recursive');
    this.endBlock();
    const body = this.subparse(['endfor', 'else']);
    let elseBody: Stmt[] | undefined;
    if (this.next().value === 'else') {
      this.endBlock();
      elseBody = this.subparse(['endfor']);
      this.next();
    }
    this.endBlock();
    return { k: 'for', target, iter, body, else: elseBody, test, recursive, ...p };
  }

  private parseSet(p: Pos): Stmt {
    this.next();
    const target = this.parseAssignTarget(true);
    if (this.isOp('=')) {
      this.next();
      const expr = this.parseTuple();
      this.endBlock();
      return { k: 'set', target, expr, ...p };
    }
    const filter = this.isOp('|') ? this.parseFilterChain(undefined) : undefined;
    this.endBlock();
    const body = this.subparse(['endset']);
    this.next();
    this.endBlock();
    return { k: 'setblock', target, body, filter, ...p };
  }

  private parseSignature(): MacroArg[] {
    const args: MacroArg[] = [];
    this.expectOp('(');
    while (!this.isOp(')')) {
      if (args.length) this.expectOp(',');
      const name = this.expectName().value;
      let def: Expr | undefined;
      if (this.isOp('=')) {
        this.next();
        def = this.parseExpression();
      } else if (args.some((a) => a.default)) this.fail('non-default argument follows default argument');
      args.push({ name, default: def });
    }
    this.next();
    return args;
  }

  private parseMacro(p: Pos): Stmt {
    this.next();
    const name = this.expectName().value;
    const args = this.parseSignature();
    this.endBlock();
    const body = this.subparse(['endmacro']);
    this.next();
    if (this.cur.type === 'name') this.next();
    this.endBlock();
    return { k: 'macro', name, args, body, ...p };
  }

  private parseCallBlock(p: Pos): Stmt {
    this.next();
    const args = this.isOp('(') ? this.parseSignature() : [];
    const call = this.parseExpression();
    if (call.k !== 'call') this.fail('expected call');
    this.endBlock();
    const body = this.subparse(['endcall']);
    this.next();
    this.endBlock();
    return { k: 'callblock', call, args, body, ...p };
  }

  private parseFilterBlock(p: Pos): Stmt {
    this.next();
    const filter = this.parseFilterChain(undefined, true);
    this.endBlock();
    const body = this.subparse(['endfilter']);
    this.next();
    this.endBlock();
    return { k: 'filterblock', filter, body, ...p };
  }

  private parseContext(def: boolean): boolean {
    if ((this.isName('with') || this.isName('without')) && this.isName('context', this.peek())) {
      const w = this.next().value === 'with';
      this.next();
      return w;
    }
    return def;
  }

  private parseInclude(p: Pos): Stmt {
    this.next();
    const template = this.parseExpression();
    let ignoreMissing = false;
    if (this.isName('ignore') && this.isName('missing', this.peek())) {
      this.next();
      this.next();
      ignoreMissing = true;
    }
    const withContext = this.parseContext(true);
    this.endBlock();
    return { k: 'include', template, ignoreMissing, withContext, ...p };
  }

  private parseImport(p: Pos): Stmt {
    this.next();
    const template = this.parseExpression();
    this.expectName('as');
    const target = this.expectName().value;
    const withContext = this.parseContext(false);
    this.endBlock();
    return { k: 'import', template, target, withContext, ...p };
  }

  private parseFrom(p: Pos): Stmt {
    this.next();
    const template = this.parseExpression();
    this.expectName('import');
    const names: Array<[string, string]> = [];
    let withContext = false;
    for (;;) {
      if (names.length) {
        if (!this.isOp(',')) break;
        this.next();
      }
      if ((this.isName('with') || this.isName('without')) && this.isName('context', this.peek())) {
        withContext = this.parseContext(false);
        break;
      }
      const n = this.expectName().value;
      if (n.startsWith('_')) this.fail('names starting with an underline can not be imported');
      let alias = n;
      if (this.isName('as')) {
        this.next();
        alias = this.expectName().value;
      }
      names.push([n, alias]);
      if ((this.isName('with') || this.isName('without')) && this.isName('context', this.peek())) {
        withContext = this.parseContext(false);
        break;
      }
    }
    this.endBlock();
    return { k: 'fromimport', template, names, withContext, ...p };
  }

  private parseWith(p: Pos): Stmt {
    this.next();
    const targets: Array<[Target, Expr]> = [];
    while (this.cur.type !== 'block_end') {
      if (targets.length) this.expectOp(',');
      const t = this.parseAssignTarget(false);
      this.expectOp('=');
      targets.push([t, this.parseExpression()]);
    }
    this.endBlock();
    const body = this.subparse(['endwith']);
    this.next();
    this.endBlock();
    return { k: 'with', targets, body, ...p };
  }

  private parseAssignTarget(withNamespace: boolean, extraEnd: string[] = []): Target {
    const p = this.pos();
    if (withNamespace && this.cur.type === 'name' && this.isOp('.', this.peek())) {
      const name = this.next().value;
      this.next();
      const attr = this.expectName().value;
      return { k: 'nsref', name, attr, ...p };
    }
    const one = (): Target => {
      const t = this.cur;
      if (t.type === 'name') {
        this.next();
        return { k: 'name', name: t.value, ...this.pos(t) };
      }
      if (this.isOp('(')) {
        this.next();
        const tt = this.parseTargetList([')']);
        this.expectOp(')');
        return tt;
      }
      this.fail(`can't assign to '${this.describe(t)}'`);
    };
    const items: Target[] = [one()];
    let isTuple = false;
    while (this.isOp(',')) {
      isTuple = true;
      this.next();
      if (this.cur.type !== 'name' && !this.isOp('(')) break;
      if (extraEnd.some((e) => this.isName(e))) break;
      items.push(one());
    }
    return isTuple ? { k: 'tuple', items, ...p } : items[0]!;
  }

  private parseTargetList(ends: string[]): Target {
    const p = this.pos();
    const items: Target[] = [];
    while (!ends.some((e) => this.isOp(e))) {
      if (items.length) this.expectOp(',');
      if (ends.some((e) => this.isOp(e))) break;
      items.push(this.parseAssignTarget(false));
    }
    return { k: 'tuple', items, ...p };
  }

  /** An expression followed by the end of the (wrapped) print statement. */
  parseStandaloneExpression(): Expr {
    const e = this.parseTuple(false, true);
    if (this.cur.type !== 'var_end') this.fail(`unexpected '${this.describe(this.cur)}'`);
    return e;
  }

  // ---- expressions
  parseExpression(withCondexpr = true): Expr {
    return withCondexpr ? this.parseCondexpr() : this.parseOr();
  }

  private parseCondexpr(): Expr {
    const p = this.pos();
    let expr1 = this.parseOr();
    while (this.isName('if')) {
      this.next();
      const expr2 = this.parseOr();
      let expr3: Expr | undefined;
      if (this.isName('else')) {
        this.next();
        expr3 = this.parseCondexpr();
      }
      expr1 = { k: 'cond', test: expr2, then: expr1, else: expr3, ...p };
    }
    return expr1;
  }

  private parseOr(): Expr {
    const p = this.pos();
    let left = this.parseAnd();
    while (this.isName('or')) {
      this.next();
      left = { k: 'or', left, right: this.parseAnd(), ...p };
    }
    return left;
  }

  private parseAnd(): Expr {
    const p = this.pos();
    let left = this.parseNot();
    while (this.isName('and')) {
      this.next();
      left = { k: 'and', left, right: this.parseNot(), ...p };
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.isName('not')) {
      const p = this.pos();
      this.next();
      return { k: 'not', node: this.parseNot(), ...p };
    }
    return this.parseCompare();
  }

  private parseCompare(): Expr {
    const p = this.pos();
    const first = this.parseMath1();
    const ops: Array<[string, Expr]> = [];
    for (;;) {
      const t = this.cur;
      if (t.type === 'op' && COMPARE_OPS.has(t.value)) {
        this.next();
        ops.push([t.value, this.parseMath1()]);
      } else if (this.isName('in')) {
        this.next();
        ops.push(['in', this.parseMath1()]);
      } else if (this.isName('not') && this.isName('in', this.peek())) {
        this.next();
        this.next();
        ops.push(['notin', this.parseMath1()]);
      } else break;
    }
    return ops.length ? { k: 'compare', first, ops, ...p } : first;
  }

  private parseMath1(): Expr {
    const p = this.pos();
    let left = this.parseConcat();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().value;
      left = { k: 'bin', op, left, right: this.parseConcat(), ...p };
    }
    return left;
  }

  private parseConcat(): Expr {
    const p = this.pos();
    const items = [this.parseMath2()];
    while (this.isOp('~')) {
      this.next();
      items.push(this.parseMath2());
    }
    return items.length === 1 ? items[0]! : { k: 'concat', items, ...p };
  }

  private parseMath2(): Expr {
    const p = this.pos();
    let left = this.parsePow();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = this.next().value;
      left = { k: 'bin', op, left, right: this.parsePow(), ...p };
    }
    return left;
  }

  private parsePow(): Expr {
    const p = this.pos();
    let left = this.parseUnary();
    while (this.isOp('**')) {
      this.next();
      left = { k: 'bin', op: '**', left, right: this.parseUnary(), ...p };
    }
    return left;
  }

  private parseUnary(withFilter = true): Expr {
    const p = this.pos();
    let node: Expr;
    if (this.isOp('-')) {
      this.next();
      node = { k: 'neg', node: this.parseUnary(false), ...p };
    } else if (this.isOp('+')) {
      this.next();
      node = { k: 'pos', node: this.parseUnary(false), ...p };
    } else node = this.parsePrimary();
    node = this.parsePostfix(node);
    if (withFilter) node = this.parseFilterExpr(node);
    return node;
  }

  private parsePrimary(): Expr {
    const t = this.cur;
    const p = this.pos(t);
    if (t.type === 'name') {
      this.next();
      if (t.value === 'true' || t.value === 'True') return { k: 'const', v: true, ...p };
      if (t.value === 'false' || t.value === 'False') return { k: 'const', v: false, ...p };
      if (t.value === 'none' || t.value === 'None') return { k: 'const', v: null, ...p };
      return { k: 'name', name: t.value, ...p };
    }
    if (t.type === 'string') {
      this.next();
      let s = t.lit as string;
      while (this.cur.type === 'string') s += this.next().lit as string;
      return { k: 'const', v: s, ...p };
    }
    if (t.type === 'integer') {
      this.next();
      return { k: 'const', v: t.lit, ...p };
    }
    if (t.type === 'float') {
      this.next();
      return { k: 'const', v: float(t.lit as number), ...p };
    }
    if (this.isOp('(')) {
      this.next();
      const e = this.parseTuple(false, true, [], true);
      this.expectOp(')');
      return e;
    }
    if (this.isOp('[')) return this.parseList();
    if (this.isOp('{')) return this.parseDict();
    this.fail(`Expected an expression, got '${this.describe(t)}'`);
  }

  /** Comma-separated expressions; a tuple when there is a comma (or an empty pair of parentheses). */
  parseTuple(simplified = false, withCondexpr = true, extraEnd: string[] = [], explicitParens = false): Expr {
    const p = this.pos();
    const parse = () => (simplified ? this.parsePrimary() : this.parseExpression(withCondexpr));
    const items: Expr[] = [];
    let isTuple = false;
    const atEnd = () => this.cur.type === 'var_end' || this.cur.type === 'block_end' || this.cur.type === 'eof' || this.isOp(')') || extraEnd.some((e) => this.isName(e));
    for (;;) {
      if (items.length) this.expectOp(',');
      if (atEnd()) break;
      items.push(parse());
      if (this.isOp(',')) isTuple = true;
      else break;
    }
    if (!isTuple) {
      if (items.length) return items[0]!;
      if (!explicitParens) this.fail(`Expected an expression, got '${this.describe(this.cur)}'`);
    }
    return { k: 'tuple', items, ...p };
  }

  private parseList(): Expr {
    const p = this.pos();
    this.expectOp('[');
    const items: Expr[] = [];
    while (!this.isOp(']')) {
      if (items.length) this.expectOp(',');
      if (this.isOp(']')) break;
      items.push(this.parseExpression());
    }
    this.expectOp(']');
    return { k: 'list', items, ...p };
  }

  private parseDict(): Expr {
    const p = this.pos();
    this.expectOp('{');
    const items: Array<[Expr, Expr]> = [];
    while (!this.isOp('}')) {
      if (items.length) this.expectOp(',');
      if (this.isOp('}')) break;
      const key = this.parseExpression();
      this.expectOp(':');
      items.push([key, this.parseExpression()]);
    }
    this.expectOp('}');
    return { k: 'dict', items, ...p };
  }

  private parsePostfix(node: Expr): Expr {
    for (;;) {
      if (this.isOp('.') || this.isOp('[')) node = this.parseSubscript(node);
      else if (this.isOp('(')) node = this.parseCall(node);
      else return node;
    }
  }

  private parseFilterExpr(node: Expr): Expr {
    for (;;) {
      if (this.isOp('|')) node = this.parseFilterChain(node);
      else if (this.isName('is')) node = this.parseTest(node);
      else if (this.isOp('(')) node = this.parseCall(node);
      else return node;
    }
  }

  private parseSubscript(node: Expr): Expr {
    const t = this.next();
    const p = this.pos(t);
    if (t.value === '.') {
      const a = this.cur;
      if (a.type === 'name') {
        this.next();
        return { k: 'getattr', obj: node, attr: a.value, ...p };
      }
      if (a.type === 'integer') {
        this.next();
        return { k: 'getitem', obj: node, key: { k: 'const', v: a.lit, ...this.pos(a) }, ...p };
      }
      this.fail('expected name or number');
    }
    // '['
    const args: Expr[] = [];
    while (!this.isOp(']')) {
      if (args.length) this.expectOp(',');
      args.push(this.parseSubscribed());
    }
    this.expectOp(']');
    const key: Expr = args.length === 1 ? args[0]! : { k: 'tuple', items: args, ...p };
    return { k: 'getitem', obj: node, key, ...p };
  }

  private parseSubscribed(): Expr {
    const p = this.pos();
    const parts: Array<Expr | undefined> = [];
    if (this.isOp(':')) {
      this.next();
      parts.push(undefined);
    } else {
      const e = this.parseExpression();
      if (!this.isOp(':')) return e;
      this.next();
      parts.push(e);
    }
    if (this.isOp(':')) parts.push(undefined);
    else if (!this.isOp(']') && !this.isOp(',')) parts.push(this.parseExpression());
    else parts.push(undefined);
    if (this.isOp(':')) {
      this.next();
      if (!this.isOp(']') && !this.isOp(',')) parts.push(this.parseExpression());
      else parts.push(undefined);
    } else parts.push(undefined);
    return { k: 'slice', start: parts[0], stop: parts[1], step: parts[2], ...p };
  }

  private parseCallArgs(): { args: Expr[]; kwargs: Array<[string, Expr]>; star?: Expr; dstar?: Expr } {
    this.expectOp('(');
    const args: Expr[] = [];
    const kwargs: Array<[string, Expr]> = [];
    let star: Expr | undefined;
    let dstar: Expr | undefined;
    let first = true;
    while (!this.isOp(')')) {
      if (!first) {
        this.expectOp(',');
        if (this.isOp(')')) break;
      }
      first = false;
      if (this.isOp('*')) {
        this.next();
        star = this.parseExpression();
      } else if (this.isOp('**')) {
        this.next();
        dstar = this.parseExpression();
      } else if (this.cur.type === 'name' && this.isOp('=', this.peek())) {
        const key = this.next().value;
        this.next();
        kwargs.push([key, this.parseExpression()]);
      } else {
        if (kwargs.length || dstar) this.fail('Invalid argument syntax');
        args.push(this.parseExpression());
      }
    }
    this.expectOp(')');
    return { args, kwargs, star, dstar };
  }

  private parseCall(node: Expr): Expr {
    const p = this.pos();
    const a = this.parseCallArgs();
    return { k: 'call', fn: node, ...a, ...p };
  }

  private dottedName(): string {
    let name = this.expectName().value;
    while (this.isOp('.') && this.peek().type === 'name') {
      this.next();
      name += '.' + this.next().value;
    }
    return name;
  }

  private parseFilterChain(node: Expr | undefined, startInline = false): Expr {
    let first = startInline;
    while (this.isOp('|') || first) {
      if (!first) this.next();
      first = false;
      const p = this.pos();
      const name = this.dottedName();
      const a = this.isOp('(') ? this.parseCallArgs() : { args: [], kwargs: [] };
      node = { k: 'filter', name, node, ...a, ...p };
    }
    return node!;
  }

  private parseTest(node: Expr): Expr {
    const p = this.pos();
    this.next(); // is
    let negate = false;
    if (this.isName('not')) {
      this.next();
      negate = true;
    }
    const name = this.dottedName();
    let args: Expr[] = [];
    let kwargs: Array<[string, Expr]> = [];
    if (this.isOp('(')) {
      const a = this.parseCallArgs();
      args = a.args;
      kwargs = a.kwargs;
    } else {
      const t = this.cur;
      const starts = t.type === 'name' || t.type === 'string' || t.type === 'integer' || t.type === 'float' || this.isOp('[') || this.isOp('{');
      if (starts && !this.isName('else') && !this.isName('or') && !this.isName('and')) {
        if (this.isName('is')) this.fail('You cannot chain multiple tests with is');
        let arg = this.parsePrimary();
        arg = this.parsePostfix(arg);
        args = [arg];
      }
    }
    return { k: 'test', name, node, args, kwargs, negate, ...p };
  }
}

/** Parse a template source into statements. Throws TemplateSyntaxError with line/col. */
export function parseTemplate(src: string, opts: ParseOptions): Stmt[] {
  const toks = tokenize(src, opts);
  return new Parser(toks, new Set(opts.extensions ?? [])).parseTemplate();
}

/** Parse a bare expression (conditions: `when`, `that`, …). */
export function parseExpressionText(src: string): Expr {
  const toks = tokenize(`{{ ${src} }}`, { trimBlocks: false, lstripBlocks: false });
  // positions: shift col back by the 3 added chars on line 1
  for (const t of toks) if (t.line === 1) t.col -= 3;
  return new Parser(toks.slice(1), new Set()).parseStandaloneExpression();
}
