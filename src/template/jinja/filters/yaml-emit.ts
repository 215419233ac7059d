/**
 * PyYAML's SafeDumper (as Ansible's AnsibleDumper uses it), ported: representer → events →
 * the Emitter state machine, so styles, quoting and line folding come out byte for byte.
 */
import { PyError, PyFloat, Undefined, UndefinedError, cmp, floatRepr, isDict, isFloat, isTuple, typeName } from '../py.js';

export interface DumpOptions {
  indent?: number;
  width?: number;
  defaultFlowStyle?: boolean | null;
  sortKeys?: boolean;
  allowUnicode?: boolean;
  explicitStart?: boolean;
  explicitEnd?: boolean;
}

type Ev =
  | { t: 'scalar'; value: string; implicit: [boolean, boolean]; anchor?: string }
  | { t: 'alias'; anchor: string }
  | { t: 'seq'; flow: boolean; anchor?: string }
  | { t: 'seqEnd' }
  | { t: 'map'; flow: boolean; anchor?: string }
  | { t: 'mapEnd' }
  | { t: 'docStart' }
  | { t: 'docEnd' }
  | { t: 'streamEnd' };

interface Node {
  kind: 'scalar' | 'seq' | 'map';
  tag: string;
  value: string;
  items: Node[];
  pairs: [Node, Node][];
  flow: boolean;
}

const RESOLVERS: [string, RegExp, string][] = [
  ['bool', /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/, 'yYnNtTfFoO'],
  [
    'float',
    /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
    '-+0123456789.',
  ],
  ['int', /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/, '-+0123456789'],
  ['merge', /^(?:<<)$/, '<'],
  ['null', /^(?:~|null|Null|NULL|)$/, '~nN'],
  [
    'timestamp',
    /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
    '0123456789',
  ],
  ['value', /^(?:=)$/, '='],
  ['yaml', /^(?:!|&|\*)$/, '!&*'],
];

/** PyYAML's implicit resolution of a plain scalar (Python's `$` also matches before a final newline). */
export function resolveTag(value: string): string {
  if (value === '') return 'null';
  const first = value[0]!;
  for (const [tag, re, firsts] of RESOLVERS) {
    if (!firsts.includes(first)) continue;
    if (re.test(value) || (value.endsWith('\n') && re.test(value.slice(0, -1)))) return tag;
  }
  return 'str';
}

/** The representer keeps one node per list/dict object (Python's id()), so shared objects become aliases. */
function represent(v: unknown, o: Required<DumpOptions>, seen = new Map<object, Node>()): Node {
  if ((Array.isArray(v) || isDict(v)) && seen.has(v as object)) return seen.get(v as object)!;
  const scalar = (tag: string, value: string): Node => ({ kind: 'scalar', tag, value, items: [], pairs: [], flow: false });
  if (v instanceof Undefined) throw new UndefinedError(v);
  if (v === null || v === undefined) return scalar('null', 'null');
  if (typeof v === 'boolean') return scalar('bool', v ? 'true' : 'false');
  if (typeof v === 'string') return scalar('str', v);
  if (typeof v === 'bigint') return scalar('int', v.toString());
  if (v instanceof PyFloat || isFloat(v)) {
    const n = typeof v === 'number' ? v : (v as PyFloat).v;
    let s: string;
    if (Number.isNaN(n)) s = '.nan';
    else if (n === Infinity) s = '.inf';
    else if (n === -Infinity) s = '-.inf';
    else {
      s = floatRepr(n).toLowerCase();
      if (!s.includes('.') && s.includes('e')) s = s.replace('e', '.0e');
    }
    return scalar('float', s);
  }
  if (typeof v === 'number') return scalar('int', Math.abs(v) < 1e21 ? v.toFixed(0) : BigInt(v).toString());
  if (v instanceof Date) {
    const iso = v.toISOString().replace('Z', '').replace('T', ' ');
    return scalar('timestamp', iso.endsWith('.000') ? iso.slice(0, -4) : iso.replace(/\.(\d{3})$/, '.$1000'));
  }
  if (Array.isArray(v)) {
    const node: Node = { kind: 'seq', tag: 'seq', value: '', items: [], pairs: [], flow: false };
    if (!(isTuple(v) && !v.length)) seen.set(v, node);
    node.items = v.map((x) => represent(x, o, seen));
    node.flow = o.defaultFlowStyle ?? node.items.every((n) => n.kind === 'scalar');
    return node;
  }
  if (isDict(v)) {
    let entries = Object.entries(v);
    if (o.sortKeys) {
      try {
        entries = [...entries].sort((a, b) => cmp(a[0], b[0]));
      } catch {
        /* unsortable keys keep their order, as PyYAML does on TypeError */
      }
    }
    const node: Node = { kind: 'map', tag: 'map', value: '', items: [], pairs: [], flow: false };
    seen.set(v, node);
    node.pairs = entries.map(([k, x]) => [represent(k, o, seen), represent(x, o, seen)] as [Node, Node]);
    node.flow = o.defaultFlowStyle ?? node.pairs.every(([k, x]) => k.kind === 'scalar' && x.kind === 'scalar');
    return node;
  }
  throw new PyError('RepresenterError', `('cannot represent an object', ${typeName(v)})`);
}

/** The serializer's anchor pass: a node met a second time gets the next 'id%03d'. */
function anchorNodes(root: Node): Map<Node, string | null> {
  const anchors = new Map<Node, string | null>();
  let last = 0;
  const visit = (n: Node): void => {
    if (anchors.has(n)) {
      if (anchors.get(n) === null) anchors.set(n, `id${String(++last).padStart(3, '0')}`);
      return;
    }
    anchors.set(n, null);
    if (n.kind === 'seq') n.items.forEach(visit);
    else if (n.kind === 'map')
      for (const [k, x] of n.pairs) {
        visit(k);
        visit(x);
      }
  };
  visit(root);
  return anchors;
}

function serialize(node: Node, out: Ev[], anchors: Map<Node, string | null>, done = new Set<Node>()): void {
  const anchor = node.kind === 'scalar' ? undefined : (anchors.get(node) ?? undefined);
  if (anchor && done.has(node)) {
    out.push({ t: 'alias', anchor });
    return;
  }
  done.add(node);
  if (node.kind === 'scalar') {
    const detected = resolveTag(node.value);
    out.push({ t: 'scalar', value: node.value, implicit: [node.tag === detected, node.tag === 'str'] });
  } else if (node.kind === 'seq') {
    out.push({ t: 'seq', flow: node.flow, anchor });
    for (const n of node.items) serialize(n, out, anchors, done);
    out.push({ t: 'seqEnd' });
  } else {
    out.push({ t: 'map', flow: node.flow, anchor });
    for (const [k, x] of node.pairs) {
      serialize(k, out, anchors, done);
      serialize(x, out, anchors, done);
    }
    out.push({ t: 'mapEnd' });
  }
}

interface Analysis {
  scalar: string[];
  bytes: number;
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
  allowBlock: boolean;
}

class Emitter {
  out = '';
  states: (() => void)[] = [];
  state: () => void;
  events: Ev[];
  pos = 0;
  event!: Ev;
  indents: (number | null)[] = [];
  indent: number | null = null;
  flowLevel = 0;
  rootContext = false;
  sequenceContext = false;
  mappingContext = false;
  simpleKeyContext = false;
  line = 0;
  column = 0;
  whitespace = true;
  indention = true;
  openEnded = false;
  bestIndent = 2;
  bestWidth = 80;
  analysis: Analysis | null = null;
  style: string | null = null;

  constructor(
    events: Ev[],
    private o: Required<DumpOptions>,
  ) {
    this.events = events;
    if (o.indent && o.indent > 1 && o.indent < 10) this.bestIndent = o.indent;
    if (o.width && o.width > this.bestIndent * 2) this.bestWidth = o.width;
    this.state = () => this.expectDocumentStart(true);
  }

  run(): string {
    while (this.pos < this.events.length) {
      this.event = this.events[this.pos++]!;
      this.state();
    }
    return this.out;
  }

  private next(): Ev | undefined {
    return this.events[this.pos];
  }

  write(s: string): void {
    this.out += s;
  }

  increaseIndent(flow = false, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? this.bestIndent : 0;
    else if (!indentless) this.indent += this.bestIndent;
  }

  expectDocumentStart(first = false): void {
    if (this.event.t === 'docStart') {
      const implicit = first && !this.o.explicitStart;
      if (!implicit) {
        this.writeIndent();
        this.writeIndicator('---', true);
      }
      this.state = () => this.expectDocumentRoot();
    } else if (this.event.t === 'streamEnd') {
      this.state = () => {
        throw new Error('expected nothing');
      };
    }
  }

  expectDocumentEnd(): void {
    this.writeIndent();
    if (this.o.explicitEnd) {
      this.writeIndicator('...', true);
      this.writeIndent();
    }
    this.state = () => this.expectDocumentStart(false);
  }

  expectDocumentRoot(): void {
    this.states.push(() => this.expectDocumentEnd());
    this.expectNode(true);
  }

  expectNode(root = false, sequence = false, mapping = false, simpleKey = false): void {
    this.rootContext = root;
    this.sequenceContext = sequence;
    this.mappingContext = mapping;
    this.simpleKeyContext = simpleKey;
    const ev = this.event;
    if (ev.t === 'alias') {
      this.writeIndicator('*' + ev.anchor, true);
      if (this.simpleKeyContext) this.put(' ');
      this.state = this.states.pop()!;
    } else if (ev.t === 'scalar') {
      this.processTag();
      this.expectScalar();
    } else if (ev.t === 'seq') {
      if (ev.anchor) this.writeIndicator('&' + ev.anchor, true);
      if (this.flowLevel || ev.flow || this.checkEmptySequence()) this.expectFlowSequence();
      else this.expectBlockSequence();
    } else if (ev.t === 'map') {
      if (ev.anchor) this.writeIndicator('&' + ev.anchor, true);
      if (this.flowLevel || ev.flow || this.checkEmptyMapping()) this.expectFlowMapping();
      else this.expectBlockMapping();
    } else throw new Error('expected NodeEvent');
  }

  expectScalar(): void {
    this.increaseIndent(true);
    this.processScalar();
    this.indent = this.indents.pop()!;
    this.state = this.states.pop()!;
  }

  expectFlowSequence(): void {
    this.writeIndicator('[', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    this.state = () => this.expectFlowSequenceItem(true);
  }

  expectFlowSequenceItem(first: boolean): void {
    if (this.event.t === 'seqEnd') {
      this.indent = this.indents.pop()!;
      this.flowLevel--;
      this.writeIndicator(']', false);
      this.state = this.states.pop()!;
    } else {
      if (!first) this.writeIndicator(',', false);
      if (this.column > this.bestWidth) this.writeIndent();
      this.states.push(() => this.expectFlowSequenceItem(false));
      this.expectNode(false, true);
    }
  }

  expectFlowMapping(): void {
    this.writeIndicator('{', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    this.state = () => this.expectFlowMappingKey(true);
  }

  expectFlowMappingKey(first: boolean): void {
    if (this.event.t === 'mapEnd') {
      this.indent = this.indents.pop()!;
      this.flowLevel--;
      this.writeIndicator('}', false);
      this.state = this.states.pop()!;
    } else {
      if (!first) this.writeIndicator(',', false);
      if (this.column > this.bestWidth) this.writeIndent();
      if (this.checkSimpleKey()) {
        this.states.push(() => this.expectFlowMappingSimpleValue());
        this.expectNode(false, false, true, true);
      } else {
        this.writeIndicator('?', true);
        this.states.push(() => this.expectFlowMappingValue());
        this.expectNode(false, false, true);
      }
    }
  }

  expectFlowMappingSimpleValue(): void {
    this.writeIndicator(':', false);
    this.states.push(() => this.expectFlowMappingKey(false));
    this.expectNode(false, false, true);
  }

  expectFlowMappingValue(): void {
    if (this.column > this.bestWidth) this.writeIndent();
    this.writeIndicator(':', true);
    this.states.push(() => this.expectFlowMappingKey(false));
    this.expectNode(false, false, true);
  }

  expectBlockSequence(): void {
    const indentless = this.mappingContext && !this.indention;
    this.increaseIndent(false, indentless);
    this.state = () => this.expectBlockSequenceItem(true);
  }

  expectBlockSequenceItem(first: boolean): void {
    if (!first && this.event.t === 'seqEnd') {
      this.indent = this.indents.pop()!;
      this.state = this.states.pop()!;
    } else {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.states.push(() => this.expectBlockSequenceItem(false));
      this.expectNode(false, true);
    }
  }

  expectBlockMapping(): void {
    this.increaseIndent(false);
    this.state = () => this.expectBlockMappingKey(true);
  }

  expectBlockMappingKey(first: boolean): void {
    if (!first && this.event.t === 'mapEnd') {
      this.indent = this.indents.pop()!;
      this.state = this.states.pop()!;
    } else {
      this.writeIndent();
      if (this.checkSimpleKey()) {
        this.states.push(() => this.expectBlockMappingSimpleValue());
        this.expectNode(false, false, true, true);
      } else {
        this.writeIndicator('?', true, false, true);
        this.states.push(() => this.expectBlockMappingValue());
        this.expectNode(false, false, true);
      }
    }
  }

  expectBlockMappingSimpleValue(): void {
    this.writeIndicator(':', false);
    this.states.push(() => this.expectBlockMappingKey(false));
    this.expectNode(false, false, true);
  }

  expectBlockMappingValue(): void {
    this.writeIndent();
    this.writeIndicator(':', true, false, true);
    this.states.push(() => this.expectBlockMappingKey(false));
    this.expectNode(false, false, true);
  }

  checkEmptySequence(): boolean {
    return this.event.t === 'seq' && this.next()?.t === 'seqEnd';
  }

  checkEmptyMapping(): boolean {
    return this.event.t === 'map' && this.next()?.t === 'mapEnd';
  }

  checkSimpleKey(): boolean {
    const ev = this.event;
    if (ev.t === 'scalar') {
      if (this.analysis === null) this.analysis = this.analyzeScalar(ev.value);
      if (this.analysis.multiline) return false;
      return this.analysis.bytes <= 128;
    }
    if (ev.t === 'seq') return this.checkEmptySequence() && (ev.anchor?.length ?? 0) <= 128;
    if (ev.t === 'map') return this.checkEmptyMapping() && (ev.anchor?.length ?? 0) <= 128;
    if (ev.t === 'alias') return ev.anchor.length <= 128;
    return false;
  }

  processTag(): void {
    const ev = this.event as Extract<Ev, { t: 'scalar' }>;
    if (this.style === null) this.style = this.chooseScalarStyle();
    // representers only produce str (quoted_implicit) or plain-implicit scalars: no tag is written
    void ev;
  }

  /** libyaml's yaml_emitter_select_scalar_style (CSafeDumper is what Ansible uses). */
  chooseScalarStyle(): string {
    const ev = this.event as Extract<Ev, { t: 'scalar' }>;
    if (this.analysis === null) this.analysis = this.analyzeScalar(ev.value);
    const a = this.analysis;
    let style = '';
    if (this.simpleKeyContext && a.multiline) style = '"';
    if (style === '') {
      if ((this.flowLevel && !a.allowFlowPlain) || (!this.flowLevel && !a.allowBlockPlain)) style = "'";
      if (!a.bytes && (this.flowLevel || this.simpleKeyContext)) style = "'";
      if (!ev.implicit[0]) style = "'";
    }
    if (style === "'" && !a.allowSingleQuoted) style = '"';
    return style;
  }

  processScalar(): void {
    const ev = this.event as Extract<Ev, { t: 'scalar' }>;
    if (this.analysis === null) this.analysis = this.analyzeScalar(ev.value);
    if (this.style === null) this.style = this.chooseScalarStyle();
    const split = !this.simpleKeyContext;
    const text = this.analysis.scalar;
    if (this.style === '"') this.writeDoubleQuoted(text, split);
    else if (this.style === "'") this.writeSingleQuoted(text, split);
    else this.writePlain(text, split);
    this.analysis = null;
    this.style = null;
  }

  /** libyaml's yaml_emitter_analyze_scalar. */
  analyzeScalar(value: string): Analysis {
    const scalar = [...value];
    const bytes = Buffer.byteLength(value, 'utf8');
    if (!scalar.length) return { scalar, bytes, empty: true, multiline: false, allowFlowPlain: false, allowBlockPlain: true, allowSingleQuoted: true, allowBlock: false };
    let blockIndicators = false;
    let flowIndicators = false;
    let lineBreaks = false;
    let specialCharacters = false;
    let leadingSpace = false;
    let leadingBreak = false;
    let trailingSpace = false;
    let trailingBreak = false;
    let breakSpace = false;
    let spaceBreak = false;
    if (value.startsWith('---') || value.startsWith('...')) {
      blockIndicators = true;
      flowIndicators = true;
    }
    let precededByWhitespace = true;
    let followedByWhitespace = isBlankz(scalar[1]);
    let previousSpace = false;
    let previousBreak = false;
    for (let index = 0; index < scalar.length; index++) {
      const ch = scalar[index]!;
      if (index === 0) {
        if ('#,[]{}&*!|>\'"%@`'.includes(ch)) {
          flowIndicators = true;
          blockIndicators = true;
        }
        if (ch === '?' || ch === ':') {
          flowIndicators = true;
          if (followedByWhitespace) blockIndicators = true;
        }
        if (ch === '-' && followedByWhitespace) {
          flowIndicators = true;
          blockIndicators = true;
        }
      } else {
        if (',?[]{}'.includes(ch)) flowIndicators = true;
        if (ch === ':') {
          flowIndicators = true;
          if (followedByWhitespace) blockIndicators = true;
        }
        if (ch === '#' && precededByWhitespace) {
          flowIndicators = true;
          blockIndicators = true;
        }
      }
      if (!isPrintable(ch) || (ch.codePointAt(0)! > 0x7f && !this.o.allowUnicode)) specialCharacters = true;
      if (isBreak(ch)) lineBreaks = true;
      if (ch === ' ') {
        if (index === 0) leadingSpace = true;
        if (index === scalar.length - 1) trailingSpace = true;
        if (previousBreak) breakSpace = true;
        previousSpace = true;
        previousBreak = false;
      } else if (isBreak(ch)) {
        if (index === 0) leadingBreak = true;
        if (index === scalar.length - 1) trailingBreak = true;
        if (previousSpace) spaceBreak = true;
        previousSpace = false;
        previousBreak = true;
      } else {
        previousSpace = false;
        previousBreak = false;
      }
      precededByWhitespace = isBlankz(ch);
      if (index + 1 < scalar.length) followedByWhitespace = isBlankz(scalar[index + 2]);
    }
    let allowFlowPlain = true;
    let allowBlockPlain = true;
    let allowSingleQuoted = true;
    let allowBlock = true;
    if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowFlowPlain = allowBlockPlain = false;
    if (trailingSpace) allowBlock = false;
    if (breakSpace) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
    if (spaceBreak || specialCharacters) allowFlowPlain = allowBlockPlain = allowSingleQuoted = allowBlock = false;
    if (lineBreaks) allowFlowPlain = allowBlockPlain = false;
    if (flowIndicators) allowFlowPlain = false;
    if (blockIndicators) allowBlockPlain = false;
    return { scalar, bytes, empty: false, multiline: lineBreaks, allowFlowPlain, allowBlockPlain, allowSingleQuoted, allowBlock };
  }

  writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.out += indicator;
    this.column += [...indicator].length;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.openEnded = false;
  }

  put(ch: string): void {
    this.out += ch;
    this.column++;
  }

  putBreak(): void {
    this.out += '\n';
    this.column = 0;
    this.line++;
  }

  writeBreak(ch: string): void {
    if (ch === '\n') this.putBreak();
    else {
      this.out += ch;
      this.column = 0;
      this.line++;
    }
  }

  writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak();
    while (this.column < indent) this.put(' ');
    this.whitespace = true;
    this.indention = true;
  }

  writePlain(text: string[], allowBreaks: boolean): void {
    if (this.rootContext) this.openEnded = true;
    if (!this.whitespace && (text.length || this.flowLevel)) this.put(' ');
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === ' ') {
        if (allowBreaks && !spaces && this.column > this.bestWidth && text[i + 1] !== ' ') this.writeIndent();
        else this.put(ch);
        spaces = true;
      } else if (isBreak(ch)) {
        if (!breaks && ch === '\n') this.putBreak();
        this.writeBreak(ch);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(ch);
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    this.whitespace = false;
    this.indention = false;
  }

  writeSingleQuoted(text: string[], allowBreaks: boolean): void {
    this.writeIndicator("'", true);
    let spaces = false;
    let breaks = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === ' ') {
        if (allowBreaks && !spaces && this.column > this.bestWidth && i !== 0 && i !== text.length - 1 && text[i + 1] !== ' ') this.writeIndent();
        else this.put(ch);
        spaces = true;
      } else if (isBreak(ch)) {
        if (!breaks && ch === '\n') this.putBreak();
        this.writeBreak(ch);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (ch === "'") this.put("'");
        this.put(ch);
        this.indention = false;
        spaces = false;
        breaks = false;
      }
    }
    if (breaks) this.writeIndent();
    this.writeIndicator("'", false);
    this.whitespace = false;
    this.indention = false;
  }

  writeDoubleQuoted(text: string[], allowBreaks: boolean): void {
    const ESC: Record<number, string> = {
      0x00: '0',
      0x07: 'a',
      0x08: 'b',
      0x09: 't',
      0x0a: 'n',
      0x0b: 'v',
      0x0c: 'f',
      0x0d: 'r',
      0x1b: 'e',
      0x22: '"',
      0x5c: '\\',
      0x85: 'N',
      0xa0: '_',
      0x2028: 'L',
      0x2029: 'P',
    };
    this.writeIndicator('"', true);
    let spaces = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      const c = ch.codePointAt(0)!;
      if (!isPrintable(ch) || (!this.o.allowUnicode && c > 0x7f) || c === 0xfeff || isBreak(ch) || ch === '"' || ch === '\\') {
        this.put('\\');
        if (c in ESC) this.put(ESC[c]!);
        else {
          const [p, w] = c <= 0xff ? ['x', 2] : c <= 0xffff ? ['u', 4] : ['U', 8];
          this.put(p as string);
          for (const d of c
            .toString(16)
            .toUpperCase()
            .padStart(w as number, '0'))
            this.put(d);
        }
        spaces = false;
      } else if (ch === ' ') {
        if (allowBreaks && !spaces && this.column > this.bestWidth && i !== 0 && i !== text.length - 1) {
          this.writeIndent();
          if (text[i + 1] === ' ') this.put('\\');
        } else this.put(ch);
        spaces = true;
      } else {
        this.put(ch);
        spaces = false;
      }
    }
    this.writeIndicator('"', false);
    this.whitespace = false;
    this.indention = false;
  }
}

function isBreak(ch: string | undefined): boolean {
  return ch === '\r' || ch === '\n' || ch === '\x85' || ch === '\u2028' || ch === '\u2029';
}
function isBlankz(ch: string | undefined): boolean {
  return ch === undefined || ch === ' ' || ch === '\t' || ch === '\0' || isBreak(ch);
}
/** libyaml's IS_PRINTABLE (on the UTF-8 encoding). */
function isPrintable(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return c === 0x0a || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff);
}

/** yaml.dump(data, Dumper=AnsibleDumper, allow_unicode=True, ...). */
export function yamlDump(v: unknown, opts: DumpOptions = {}): string {
  const o: Required<DumpOptions> = {
    indent: opts.indent ?? 2,
    width: opts.width ?? 80,
    defaultFlowStyle: opts.defaultFlowStyle === undefined ? false : opts.defaultFlowStyle,
    sortKeys: opts.sortKeys ?? true,
    allowUnicode: opts.allowUnicode ?? true,
    explicitStart: opts.explicitStart ?? false,
    explicitEnd: opts.explicitEnd ?? false,
  };
  const events: Ev[] = [{ t: 'docStart' }];
  const root = represent(v, o);
  serialize(root, events, anchorNodes(root));
  events.push({ t: 'docEnd' }, { t: 'streamEnd' });
  return new Emitter(events, o).run();
}
