import type { z } from 'zod';
import { TsplayError, type SourceLocation } from '../errors.js';
import type { ModuleDef } from '../modules/types.js';
import { hasTemplate } from '../template/render.js';
import { vaultAsTemplate } from '../config/vault.js';
import { didYouMean } from './suggest.js';
import { fieldKind, objectShape } from './zodinfo.js';
import { parseKv, SplitArgsError } from './splitter.js';
import { plainValue } from '../config/unsafe.js';
import { ansibleBoolean } from '../config/boolean.js';

/** The dotted path of the first string holding a NUL byte in a module's arguments ('' for the value itself), or undefined. */
export function nulBytePath(v: unknown, at = '', depth = 0): string | undefined {
  if (typeof v === 'string') return v.includes('\0') ? at : undefined;
  if (depth > 64 || v === null || typeof v !== 'object') return undefined;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    // File content may be binary (copy: content: "…\0…" writes it, as in Ansible).
    if (depth === 0 && k === 'content') continue;
    const found = nulBytePath(x, at ? `${at}.${k}` : k, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function coerce(schema: z.ZodType | undefined, key: string, raw: string): unknown {
  const kind = fieldKind(schema, key);
  if (raw.includes('{{')) return raw;
  if (kind === 'boolean') {
    const b = ansibleBoolean(raw);
    if (b !== undefined) return b;
  }
  if (kind === 'number' && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}

export interface ParsedStringArgs {
  args: Record<string, unknown>;
  /** Words that are not key=value (an error for modules without free form). */
  stray: string[];
  /** Ansible's split_args refused the text (unbalanced quotes or `{{ }}`). */
  error?: string;
}

/**
 * Turn a module's string value into args as Ansible's parse_kv does (src/loader/splitter.ts):
 * free-form modules (`command: make chdir={{ ws }}/x`) take only the command options out of the text
 * and keep the rest, newlines included, as their free-form arg; other modules take `key=value` words
 * (`copy: src=a dest=b`) and any other word is stray.
 */
export function parseStringArgs(module: ModuleDef, text: string): ParsedStringArgs {
  const args: Record<string, unknown> = {};
  const define = (k: string, v: unknown) => Object.defineProperty(args, k, { value: v, enumerable: true, writable: true, configurable: true });
  let kv: ReturnType<typeof parseKv>;
  try {
    kv = parseKv(text, module.freeForm !== undefined && !module.freeFormKeyValues);
  } catch (e) {
    if (e instanceof SplitArgsError) return { args, stray: [], error: e.message };
    throw e;
  }
  for (const [k, v] of Object.entries(kv.options)) define(k, coerce(module.args, k, v));
  if (module.freeForm) {
    if (kv.raw !== undefined && kv.raw.trim() !== '') define(module.freeForm, kv.raw);
    return { args, stray: [] };
  }
  return { args, stray: kv.raw === undefined ? [] : kv.raw.split(/\s+/).filter(Boolean) };
}

/** A template that may render to `omit` (the argument is then dropped, as in Ansible). */
function mayOmit(v: unknown): boolean {
  return typeof v === 'string' && hasTemplate(v) && /\bomit\b/.test(v);
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
export function validateModuleArgs(module: ModuleDef, args: Record<string, unknown>, loc: SourceLocation, opts: ArgCheckOptions = {}): { value?: unknown; errors: TsplayError[] } {
  const as = opts.as ?? module.name;
  const at = (k: string | undefined) => (k !== undefined && opts.argLoc ? opts.argLoc(k) : loc);
  // `!unsafe` texts are strings to a module's schema; a `!vault` value is a template (known at run time).
  args = vaultAsTemplate(args) as Record<string, unknown>;
  const r = module.args.safeParse(plainValue(args));
  if (r.success) return { value: r.data, errors: [] };
  const known = Object.keys(objectShape(module.args) ?? {});
  const errors: TsplayError[] = [];
  const templated = (k: PropertyKey | undefined) => k !== undefined && Object.hasOwn(args, k as string) && hasTemplate(args[k as string]);
  for (const issue of r.error.issues) {
    const first = issue.path[0] as string | number | undefined;
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) {
        // `warn: "{{ x | default(omit) }}"` may vanish when rendered; the run-time check sees what is left.
        if (opts.partial && mayOmit(args[k])) continue;
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
    const msg = missing ? `module ${as}: missing required argument '${String(first)}'` : `module ${as}: ${name ? `argument '${name}': ` : ''}${issue.message}`;
    errors.push(new TsplayError('VALIDATION', msg, { location: missing ? loc : at(typeof first === 'string' ? first : undefined) }));
  }
  return { errors };
}
