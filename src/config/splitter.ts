/**
 * Ansible's argument splitter (ansible/parsing/splitter.py), ported line by line: `split_args`
 * splits on spaces and newlines but keeps quoted parts and Jinja blocks (`{{ }}`, `{% %}`, `{# #}`)
 * whole; `parse_kv` turns the words into `k=v` options plus the free-form rest (`_raw_params`).
 * This is what a module's string value (`copy: src=a dest=b`, `command: make chdir={{ ws }}`) and
 * `-e k=v` mean. POSIX shell-word splitting of a command's argv is a different job
 * (modules/system/words.ts `shlexSplit`, Python's shlex.split, after templating).
 */

/** split_args/parse_kv refused the text (unbalanced quotes or Jinja blocks); `message` is Ansible's. */
export class SplitArgsError extends Error {}

/** The options the command/shell family take out of a free-form string (parse_kv check_raw=True). */
export const FREE_FORM_OPTIONS = ['creates', 'removes', 'chdir', 'executable', 'warn', 'stdin', 'stdin_add_newline', 'strip_empty_ends'];

/** _get_quote_state: the quote still open after `token`, given the one open before it. */
function quoteState(token: string, quoteChar: string | null): string | null {
  let q = quoteChar;
  for (let i = 0; i < token.length; i++) {
    const c = token[i]!;
    const prev = i > 0 ? token[i - 1] : undefined;
    if ((c === '"' || c === "'") && prev !== '\\') {
      if (q) {
        if (c === q) q = null;
      } else q = c;
    }
  }
  return q;
}

function count(s: string, sub: string): number {
  let n = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

/** _count_jinja2_blocks */
function jinjaDepth(token: string, depth: number, open: string, close: string): number {
  const o = count(token, open);
  const c = count(token, close);
  if (o === c) return depth;
  return Math.max(0, depth + o - c);
}

/** join_args: put split_args words back together, keeping their newlines. */
export function joinArgs(words: string[]): string {
  let out = '';
  for (const w of words) out += out.length === 0 || out.endsWith('\n') ? w : ' ' + w;
  return out;
}

/** Ansible's split_args. Throws SplitArgsError where Ansible raises. */
export function splitArgs(args: string): string[] {
  const params: string[] = [];
  const last = (): string => {
    if (params.length === 0) throw new SplitArgsError('Unable to parse argument string');
    return params[params.length - 1]!;
  };
  const setLast = (v: string) => {
    last();
    params[params.length - 1] = v;
  };
  const items = args.split('\n');
  let quoteChar: string | null = null;
  let insideQuotes = false;
  let printDepth = 0;
  let blockDepth = 0;
  let commentDepth = 0;
  items.forEach((item, itemIdx) => {
    const tokens = item.split(' ');
    let lineContinuation = false;
    tokens.forEach((token, idx) => {
      if (token.length === 0 && idx !== 0) {
        setLast(last() + ' ');
        return;
      }
      if (token === '\\' && !insideQuotes) {
        lineContinuation = true;
        return;
      }
      const wasInsideQuotes = insideQuotes;
      quoteChar = quoteState(token, quoteChar);
      insideQuotes = quoteChar !== null;
      let appended = false;
      const inBlock = () => printDepth || blockDepth || commentDepth;
      if (insideQuotes && !wasInsideQuotes && !inBlock()) {
        params.push(token);
        appended = true;
      } else if (inBlock() || insideQuotes || wasInsideQuotes) {
        if (idx === 0 && wasInsideQuotes) setLast(last() + token);
        else if (tokens.length > 1) setLast(last() + (idx > 0 ? ' ' : '') + token);
        else setLast(last() + '\n' + token);
        appended = true;
      }
      const prevPrint = printDepth;
      printDepth = jinjaDepth(token, printDepth, '{{', '}}');
      if (printDepth !== prevPrint && !appended) {
        params.push(token);
        appended = true;
      }
      const prevBlock = blockDepth;
      blockDepth = jinjaDepth(token, blockDepth, '{%', '%}');
      if (blockDepth !== prevBlock && !appended) {
        params.push(token);
        appended = true;
      }
      const prevComment = commentDepth;
      commentDepth = jinjaDepth(token, commentDepth, '{#', '#}');
      if (commentDepth !== prevComment && !appended) {
        params.push(token);
        appended = true;
      }
      if (!inBlock() && !insideQuotes && !appended && token !== '') params.push(token);
    });
    if (items.length > 1 && itemIdx !== items.length - 1 && !lineContinuation) setLast(last() + '\n');
  });
  if (printDepth || blockDepth || commentDepth || insideQuotes) {
    throw new SplitArgsError(`failed at splitting arguments, either an unbalanced jinja2 block or quotes: ${args}`);
  }
  return params;
}

const SINGLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * _decode_escapes: `\n`, `\t`, `\xNN`, `\uNNNN`, `\UNNNNNNNN`, `\\`, `\"`… in a word become the
 * characters (Python's unicode-escape). `\N{NAME}` is left as written (no Unicode name table here).
 */
function decodeEscapes(s: string): string {
  return s.replace(/\\U[a-fA-F0-9]{8}|\\u[a-fA-F0-9]{4}|\\x[a-fA-F0-9]{2}|\\[\\'"abfnrtv]/g, (m) => {
    if (m.length === 2) return SINGLE_ESCAPES[m[1]!]!;
    const cp = parseInt(m.slice(2), 16);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}

/** ansible.parsing.quoting.unquote: drop one pair of matching outer quotes (not when the last one is escaped). */
export function unquote(s: string): string {
  if (s.length > 1 && s[0] === s[s.length - 1] && (s[0] === '"' || s[0] === "'") && s[s.length - 2] !== '\\') return s.slice(1, -1);
  return s;
}

export interface ParsedKv {
  /** `k=v` words, values unquoted. */
  options: Record<string, string>;
  /** The other words joined back (Ansible's `_raw_params`), or undefined when there are none. */
  raw?: string;
}

/**
 * Ansible's parse_kv: `k=v` words become options (value unquoted, escapes decoded); with `checkRaw`
 * (command, shell, script, raw…) only FREE_FORM_OPTIONS are taken out and every other word stays in
 * the free-form text. Throws SplitArgsError.
 */
export function parseKv(args: string, checkRaw = false): ParsedKv {
  const options: Record<string, string> = {};
  const rawParams: string[] = [];
  for (const orig of splitArgs(args)) {
    const x = decodeEscapes(orig);
    if (!x.includes('=')) {
      rawParams.push(orig);
      continue;
    }
    // The first `=` after position 0 that is not escaped.
    let pos = -1;
    for (let i = x.indexOf('=', 1); i >= 0; i = x.indexOf('=', i + 1)) {
      if (x[i - 1] !== '\\') {
        pos = i;
        break;
      }
    }
    if (pos < 0) {
      rawParams.push(x.replace(/\\=/g, '='));
      continue;
    }
    const k = x.slice(0, pos);
    const v = x.slice(pos + 1);
    if (checkRaw && !FREE_FORM_OPTIONS.includes(k)) rawParams.push(orig);
    else Object.defineProperty(options, k.trim(), { value: unquote(v.trim()), enumerable: true, writable: true, configurable: true });
  }
  return rawParams.length ? { options, raw: joinArgs(rawParams) } : { options };
}
