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
  | { t: 'scalar'; value: string; implicit: [boolean, boolean] }
  | { t: 'seq'; flow: boolean }
  | { t: 'seqEnd' }
  | { t: 'map'; flow: boolean }
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

const BREAKS = '\n\x85\u2028\u2029';
const WS0 = '\0 \t\r\n\x85\u2028\u2029';

const RESOLVERS: [string, RegExp, string][] = [
  ['bool', /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/, 'yYnNtTfFoO'],
  ['float', /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/, '-+0123456789.'],
  ['int', /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/, '-+0123456789'],
  ['merge', /^(?:<<)$/, '<'],
  ['null', /^(?:~|null|Null|NULL|)$/, '~nN'],
  ['timestamp', /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/, '0123456789'],
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

function represent(v: unknown, o: Required<DumpOptions>): Node {
  const scalar = (tag: string, value: string): Node => ({ kind: 'scalar', tag, value, items: [], pairs: [], flow: false });
  if (v instanceof Undefined) throw new UndefinedError(v);
  if (v === null || v === undefined) return scalar('null', 'null');
  if (typeof v === 'boolean') return scalar('bool', v ? 'true' : 'false');
  if (typeof v === 'string') return scalar('str', v);
  if (typeof v === 'bigint') return scalar('int', v.toString());
  if (v instanceof PyFloat || isFloat(v)) {
    const n = typeof v === "number" ? v : (v as PyFloat).v;
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
    const iso = v.toISOString().replace('T', ' ').replace(/\.000Z$/, '').replace(/Z$/, '');
    return scalar('timestamp', iso);
  }
  if (Array.isArray(v)) {
    const items = v.map((x) => represent(x, o));
    const best = items.every((n) => n.kind === 'scalar');
    return { kind: 'seq', tag: 'seq', value: '', items, pairs: [], flow: o.defaultFlowStyle ?? best };
    void isTuple;
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
    const pairs = entries.map(([k, x]) => [represent(k, o), represent(x, o)] as [Node, Node]);
    const best = pairs.every(([k, x]) => k.kind === 'scalar' && x.kind === 'scalar');
    return { kind: 'map', tag: 'map', value: '', items: [], pairs, flow: o.defaultFlowStyle ?? best };
  }
  throw new PyError('RepresenterError', `('cannot represent an object', ${typeName(v)})`);
}

function serialize(node: Node, out: Ev[]): void {
  if (node.kind === 'scalar') {
    const detected = resolveTag(node.value);
    out.push({ t: 'scalar', value: node.value, implicit: [node.tag === detected, node.tag === 'str'] });
  } else if (node.kind === 'seq') {
    out.push({ t: 'seq', flow: node.flow });
    node.items.forEach((n) => serialize(n, out));
    out.push({ t: 'seqEnd' });
  } else {
    out.push({ t: 'map', flow: node.flow });
    for (const [k, x] of node.pairs) {
      serialize(k, out);
      serialize(x, out);
    }
    out.push({ t: 'mapEnd' });
  }
}

interface Analysis {
  scalar: string[];
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

  constructor(events: Ev[], private o: Required<DumpOptions>) {
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
      if (this.openEnded) {
        this.writeIndicator('...', true);
        this.writeIndent();
      }
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
    if (ev.t === 'scalar') {
      this.processTag();
      this.expectScalar();
    } else if (ev.t === 'seq') {
      if (this.flowLevel || ev.flow || this.checkEmptySequence()) this.expectFlowSequence();
      else this.expectBlockSequence();
    } else if (ev.t === 'map') {
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
    let length = 0;
    const ev = this.event;
    if (ev.t === 'scalar') {
      if (this.analysis === null) this.analysis = this.analyzeScalar(ev.value);
      length += this.analysis.scalar.length;
    }
    return length < 128 && ((ev.t === 'scalar' && !this.analysis!.empty && !this.analysis!.multiline) || this.checkEmptySequence() || this.checkEmptyMapping());
  }

  processTag(): void {
    const ev = this.event as Extract<Ev, { t: 'scalar' }>;
    if (this.style === null) this.style = this.chooseScalarStyle();
    if ((this.style === '' && ev.implicit[0]) || (this.style !== '' && ev.implicit[1])) return;
    // a non-str scalar forced out of plain style would carry a tag; representers never produce one here
    const tag = `!!${resolveTag(ev.value)}`;
    this.writeIndicator(tag, true);
  }

  chooseScalarStyle(): string {
    const ev = this.event as Extract<Ev, { t: 'scalar' }>;
    if (this.analysis === null) this.analysis = this.analyzeScalar(ev.value);
    const a = this.analysis;
    if (ev.implicit[0]) {
      if (!(this.simpleKeyContext && (a.empty || a.multiline)) && ((this.flowLevel && a.allowFlowPlain) || (!this.flowLevel && a.allowBlockPlain))) return '';
    }
    if (a.allowSingleQuoted && !(this.simpleKeyContext && a.multiline)) return "'";
    return '"';
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

  analyzeScalar(value: string): Analysis {
    const scalar = [...value];
    if (!scalar.length) return { scalar, empty: true, multiline: false, allowFlowPlain: false, allowBlockPlain: true, allowSingleQuoted: true, allowBlock: false };
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
    let followedByWhitespace = scalar.length === 1 || WS0.includes(scalar[1]!);
    let previousSpace = false;
    let previousBreak = false;
    let index = 0;
    while (index < scalar.length) {
      const ch = scalar[index]!;
      if (index === 0) {
        if ('#,[]{}&*!|>\'"%@`'.includes(ch)) {
          flowIndicators = true;
          blockIndicators = true;
        }
        if ('?:'.includes(ch)) {
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
      if (BREAKS.includes(ch)) lineBreaks = true;
      const c = ch.codePointAt(0)!;
      if (!(ch === '\n' || (c >= 0x20 && c <= 0x7e))) {
        if ((c === 0x85 || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c < 0x10ffff)) && c !== 0xfeff) {
          if (!this.o.allowUnicode) specialCharacters = true;
        } else specialCharacters = true;
      }
      if (ch === ' ') {
        if (index === 0) leadingSpace = true;
        if (index === scalar.length - 1) trailingSpace = true;
        if (previousBreak) breakSpace = true;
        previousSpace = true;
        previousBreak = false;
      } else if (BREAKS.includes(ch)) {
        if (index === 0) leadingBreak = true;
        if (index === scalar.length - 1) trailingBreak = true;
        if (previousSpace) spaceBreak = true;
        previousSpace = false;
        previousBreak = true;
      } else {
        previousSpace = false;
        previousBreak = false;
      }
      index++;
      precededByWhitespace = WS0.includes(ch);
      followedByWhitespace = index + 1 >= scalar.length || WS0.includes(scalar[index + 1]!);
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
    return { scalar, empty: false, multiline: lineBreaks, allowFlowPlain, allowBlockPlain, allowSingleQuoted, allowBlock };
  }

  writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : ' ' + indicator;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.column += data.length;
    this.openEnded = false;
    this.write(data);
  }

  writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.writeLineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
      this.column = indent;
    }
  }

  writeLineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.line++;
    this.column = 0;
    this.write(data);
  }

  writeSingleQuoted(text: string[], split: boolean): void {
    this.writeIndicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    let end = 0;
    while (end <= text.length) {
      const ch = end < text.length ? text[end]! : null;
      if (spaces) {
        if (ch === null || ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split && start !== 0 && end !== text.length) this.writeIndent();
          else {
            const data = text.slice(start, end).join('');
            this.column += end - start;
            this.write(data);
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !BREAKS.includes(ch)) {
          if (text[start] === '\n') this.writeLineBreak();
          for (const br of text.slice(start, end)) this.writeLineBreak(br);
          this.writeIndent();
          start = end;
        }
      } else if (ch === null || ' \n\x85\u2028\u2029'.includes(ch) || ch === "'") {
        if (start < end) {
          this.column += end - start;
          this.write(text.slice(start, end).join(''));
          start = end;
        }
      }
      if (ch === "'") {
        this.column += 2;
        this.write("''");
        start = end + 1;
      }
      if (ch !== null) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
      end++;
    }
    this.writeIndicator("'", false);
  }

  writeDoubleQuoted(text: string[], split: boolean): void {
    const ESC: Record<string, string> = { '\0': '0', '\x07': 'a', '\x08': 'b', '\x09': 't', '\x0A': 'n', '\x0B': 'v', '\x0C': 'f', '\x0D': 'r', '\x1B': 'e', '"': '"', '\\': '\\', '\x85': 'N', '\xA0': '_', '\u2028': 'L', '\u2029': 'P' };
    this.writeIndicator('"', true);
    let start = 0;
    let end = 0;
    while (end <= text.length) {
      const ch = end < text.length ? text[end]! : null;
      const c = ch === null ? 0 : ch.codePointAt(0)!;
      if (ch === null || '"\\\x85\u2028\u2029\uFEFF'.includes(ch) || !((c >= 0x20 && c <= 0x7e) || (this.o.allowUnicode && ((c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd))))) {
        if (start < end) {
          this.column += end - start;
          this.write(text.slice(start, end).join(''));
          start = end;
        }
        if (ch !== null) {
          let data: string;
          if (ch in ESC) data = '\\' + ESC[ch];
          else if (c <= 0xff) data = '\\x' + c.toString(16).toUpperCase().padStart(2, '0');
          else if (c <= 0xffff) data = '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
          else data = '\\U' + c.toString(16).toUpperCase().padStart(8, '0');
          this.column += data.length;
          this.write(data);
          start = end + 1;
        }
      }
      if (end > 0 && end < text.length - 1 && (ch === ' ' || start >= end) && this.column + (end - start) > this.bestWidth && split) {
        const data = text.slice(start, end).join('') + '\\';
        if (start < end) start = end;
        this.column += data.length;
        this.write(data);
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (text[start] === ' ') {
          this.column += 1;
          this.write('\\');
        }
      }
      end++;
    }
    this.writeIndicator('"', false);
  }

  writePlain(text: string[], split: boolean): void {
    if (this.rootContext) this.openEnded = true;
    if (!text.length) return;
    if (!this.whitespace) {
      this.column += 1;
      this.write(' ');
    }
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let breaks = false;
    let start = 0;
    let end = 0;
    while (end <= text.length) {
      const ch = end < text.length ? text[end]! : null;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else {
            this.column += end - start;
            this.write(text.slice(start, end).join(''));
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !BREAKS.includes(ch)) {
          if (text[start] === '\n') this.writeLineBreak();
          for (const br of text.slice(start, end)) this.writeLineBreak(br);
          this.writeIndent();
          this.whitespace = false;
          this.indention = false;
          start = end;
        }
      } else if (ch === null || ' \n\x85\u2028\u2029'.includes(ch)) {
        this.column += end - start;
        this.write(text.slice(start, end).join(''));
        start = end;
      }
      if (ch !== null) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
      end++;
    }
  }
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
  serialize(represent(v, o), events);
  events.push({ t: 'docEnd' }, { t: 'streamEnd' });
  return new Emitter(events, o).run();
}
