import { extractFreeFormOptions } from '../modules/system/words.js';
import type { z } from 'zod';
import { TsplayError, type SourceLocation } from '../errors.js';
import type { ModuleDef } from '../modules/types.js';
import { hasTemplate } from '../template/render.js';
import { didYouMean } from './suggest.js';
import { fieldKind, objectShape } from './zodinfo.js';

/**
 * Split an Ansible `key=value key2="a b"` string into words, keeping quoted parts and `{{ … }}`
 * whole (Ansible's split_args). Quotes stay in the words; `unquote` removes them.
 */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q: string | null = null;
  let jinja = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (q) {
      cur += c;
      if (c === '\\' && i + 1 < text.length) cur += text[++i];
      else if (c === q) q = null;
      continue;
    }
    if (text.startsWith('{{', i)) {
      jinja++;
      cur += '{{';
      i++;
      continue;
    }
    if (jinja > 0 && text.startsWith('}}', i)) {
      jinja--;
      cur += '}}';
      i++;
      continue;
    }
    if ((c === '"' || c === "'") && (cur === '' || /=$/.test(cur) || jinja > 0)) {
      q = c;
      cur += c;
      continue;
    }
    if (jinja === 0 && /\s/.test(c)) {
      if (cur) out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

export function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s.at(-1) === s[0]) {
    const inner = s.slice(1, -1);
    return s[0] === '"' ? inner.replace(/\\(["\\])/g, '$1') : inner;
  }
  return s;
}

const KV = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/;

function coerce(schema: z.ZodType | undefined, key: string, raw: string): unknown {
  const kind = fieldKind(schema, key);
  if (raw.includes('{{')) return raw;
  if (kind === 'boolean') {
    const l = raw.toLowerCase();
    if (['yes', 'true', 'on', '1', 'y'].includes(l)) return true;
    if (['no', 'false', 'off', '0', 'n'].includes(l)) return false;
  }
  if (kind === 'number' && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

export interface ParsedStringArgs {
  args: Record<string, unknown>;
  /** Words that are not key=value (an error for modules without free form). */
  stray: string[];
}

/**
 * Turn a module's string value into args: free-form modules (`command: ls -l chdir=/tmp`) keep the
 * text in their free-form arg and take only their own known `key=value` words out of it; other
 * modules take `key=value` words only (`copy: src=a dest=b`).
 */
export function parseStringArgs(module: ModuleDef, text: string): ParsedStringArgs {
  const words = splitArgs(text);
  const known = new Set(Object.keys(objectShape(module.args) ?? {}));
  const args: Record<string, unknown> = {};
  const stray: string[] = [];
  const define = (k: string, v: unknown) => Object.defineProperty(args, k, { value: v, enumerable: true, writable: true, configurable: true });
  if (module.freeForm) {
    // Ansible's parse_kv(check_raw=True): only its free-form option names are taken out of the
    // text, and the rest stays byte for byte (line breaks of a multi-line shell script included).
    const { rest, options } = extractFreeFormOptions(text);
    for (const [k, v] of Object.entries(options)) if (known.has(k)) define(k, coerce(module.args, k, v));
    const freeText = Object.keys(options).length ? rest : text.trim();
    if (freeText.trim() !== '') define(module.freeForm, freeText);
    return { args, stray };
  }
  for (const w of words) {
    const m = KV.exec(w);
    if (m) define(m[1]!, coerce(module.args, m[1]!, unquote(m[2]!)));
    else stray.push(w);
  }
  return { args, stray };
}

function pathText(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

export interface ArgCheckOptions {
  /** Name as the user wrote it, for messages (default: module.name). */
  as?: string;
  /** Location of one arg (its key), when known; default: `loc`. */
  argLoc?: (key: string) => SourceLocation;
  /**
   * Load time: args may still hold templates. Only problems that templates cannot change are
   * reported (unknown args, missing required ones, bad literal values).
   */
  partial?: boolean;
}

/**
 * Validate module args with the module's zod schema. Returns the parsed value (defaults applied)
 * when valid, and one error per problem, each naming the arg and pointing at it.
 */
export function validateModuleArgs(
  module: ModuleDef,
  args: Record<string, unknown>,
  loc: SourceLocation,
  opts: ArgCheckOptions = {},
): { value?: unknown; errors: TsplayError[] } {
  const as = opts.as ?? module.name;
  const at = (k: string | undefined) => (k !== undefined && opts.argLoc ? opts.argLoc(k) : loc);
  const r = module.args.safeParse(args);
  if (r.success) return { value: r.data, errors: [] };
  const known = Object.keys(objectShape(module.args) ?? {});
  const errors: TsplayError[] = [];
  const templated = (k: PropertyKey | undefined) => k !== undefined && Object.hasOwn(args, k as string) && hasTemplate(args[k as string]);
  for (const issue of r.error.issues) {
    const first = issue.path[0] as string | number | undefined;
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) {
        const hint = didYouMean(k, known) ?? (known.length ? `${as} takes: ${known.join(', ')}` : undefined);
        errors.push(new TsplayError('VALIDATION', `unknown argument '${k}' for module ${as}`, { location: at(k), hint }));
      }
      continue;
    }
    if (opts.partial) {
      // A template may fill in whatever the schema found wrong with this value.
      if (first === undefined ? hasTemplate(args) : templated(first)) continue;
    }
    const name = issue.path.length ? pathText(issue.path) : undefined;
    const missing = issue.code === 'invalid_type' && first !== undefined && issue.path.length === 1 && !Object.hasOwn(args, first as string);
    const msg = missing
      ? `module ${as}: missing required argument '${String(first)}'`
      : `module ${as}: ${name ? `argument '${name}': ` : ''}${issue.message}`;
    errors.push(new TsplayError('VALIDATION', msg, { location: missing ? loc : at(typeof first === 'string' ? first : undefined) }));
  }
  return { errors };
}
