/**
 * Ansible's argument spec validation (module_utils/common/arg_spec.py ArgumentSpecValidator as
 * ansible-core 2.14 runs it for `validate_argument_spec` and role argument specs): the same checks
 * in the same order, with Ansible's messages. Pure: values in, error messages out.
 *
 * Parameters are only checked: the validated (converted) values are returned for callers that want
 * them, but a role's variables are never replaced with them (2.14's action plugin does not).
 */
import { ansibleBoolean } from '../../config/boolean.js';
import type { ArgumentSpecOption } from '../../config/schemas.js';
import { stringifyValue } from '../../template/index.js';

export type ArgSpec = Record<string, ArgumentSpecOption>;

export interface ArgSpecResult {
  /** Ansible's error messages, in Ansible's order. */
  errors: string[];
  /** The parameters after aliases, defaults and type conversion. */
  validated: Record<string, unknown>;
  /** Values of `no_log` options (to be masked in output). */
  noLogValues: Set<string>;
}

export interface ArgSpecOptions {
  /**
   * Is the value of this top-level parameter a literal from a YAML file (Ansible's AnsibleUnicode)
   * rather than a template's result? Only changes how a string's type is named in messages.
   */
  literal?: (name: string) => boolean;
}

/** A value with its provenance: strings written in YAML are AnsibleUnicode in Ansible's messages. */
interface Ctx {
  errors: string[];
  noLog: Set<string>;
  unsupported: Array<string | string[]>;
  supported: Map<string, { params: string[]; aliases: string[] }>;
  literal: (name: string) => boolean;
}

class ConversionError extends Error {}

const isDict = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): boolean => typeof v === 'boolean' || (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';

/** Python's `type(value)` as it prints. */
function pyType(v: unknown, literal: boolean): string {
  if (v === null || v === undefined) return "<class 'NoneType'>";
  if (typeof v === 'string') return literal ? "<class 'ansible.parsing.yaml.objects.AnsibleUnicode'>" : "<class 'str'>";
  if (typeof v === 'boolean') return "<class 'bool'>";
  if (typeof v === 'number' || typeof v === 'bigint') return Number.isInteger(v) || typeof v === 'bigint' ? "<class 'int'>" : "<class 'float'>";
  if (Array.isArray(v)) return "<class 'list'>";
  if (v instanceof Date) return "<class 'datetime.datetime'>";
  return "<class 'dict'>";
}

/** Python's str(). */
const pyStr = (v: unknown): string => (v === undefined ? 'None' : stringifyValue(v));

/** Python's == (1 == 1.0 == True; lists and dicts compare deeply). */
function pyEqual(a: unknown, b: unknown): boolean {
  const num = (x: unknown) => (typeof x === 'boolean' ? Number(x) : typeof x === 'number' ? x : undefined);
  const na = num(a);
  const nb = num(b);
  if (na !== undefined || nb !== undefined) return na !== undefined && nb !== undefined && na === nb;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => pyEqual(x, b[i]));
  if (isDict(a) || isDict(b)) {
    if (!isDict(a) || !isDict(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && pyEqual(a[k], b[k]));
  }
  return (a ?? null) === (b ?? null);
}

const pyIn = (v: unknown, list: unknown[]): boolean => list.some((c) => pyEqual(v, c));

/** count_terms: how many of a term's names are parameters (a string is one name). */
function countTerms(term: unknown, params: Record<string, unknown>): number {
  const names = Array.isArray(term) ? term.map(String) : [String(term)];
  return new Set(names.filter((n) => Object.hasOwn(params, n))).size;
}

const termText = (term: unknown): string => (Array.isArray(term) ? term.map(String) : isStr(term) ? [...term] : [String(term)]).join('|');
const joinTerm = (term: unknown): string => (Array.isArray(term) ? term.map(String) : isStr(term) ? [...term] : [String(term)]).join(', ');
const inContext = (msg: string, context: string[]): string => (context.length ? `${msg} found in ${context.join(' -> ')}` : msg);

// ---- type checkers (module_utils/common/validation.py check_type_*) ---------------------------------

const BOOLEANS_TEXT = "'on', 1, 0, 'no', 'y', 't', '1', 'off', '0', 'yes', 'f', 'false', 'n', 'true'";

function pyInt(s: string): number | undefined {
  const t = s.trim();
  if (!/^[+-]?\d+(_\d+)*$/.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}

function pyFloat(s: string): number | undefined {
  const t = s.trim().replace(/(\d)_(?=\d)/g, '$1');
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return undefined;
  return Number(t);
}

function humanToBytes(v: unknown, isbits: boolean): number {
  const text = pyStr(v);
  const m = /^\s*(\d*\.?\d*)\s*([A-Za-z]+)?/.exec(text)!;
  const num = Number(m[1]);
  if (m[1] === '' || m[1] === '.' || Number.isNaN(num)) throw new ConversionError('number');
  const unit = m[2];
  if (unit === undefined) return Math.round(num);
  const ranges: Record<string, number> = { Y: 2 ** 80, Z: 2 ** 70, E: 2 ** 60, P: 2 ** 50, T: 2 ** 40, G: 2 ** 30, M: 2 ** 20, K: 2 ** 10, B: 1 };
  const key = unit[0]!.toUpperCase();
  const limit = ranges[key];
  if (limit === undefined) throw new ConversionError('suffix');
  const cls = isbits ? 'b' : 'B';
  const clsName = isbits ? 'bit' : 'byte';
  if (unit.length > 1 && !unit.toLowerCase().includes(clsName) && unit[1] !== cls) throw new ConversionError('unit');
  return Math.round(num * limit);
}

/** Split `k1=v1, k2="v 2"` as check_type_dict does. */
function keyValueDict(value: string): Record<string, unknown> {
  const fields: string[] = [];
  let buf = '';
  let quote: string | false = false;
  let escaped = false;
  for (const c of value.trim()) {
    if (escaped) {
      buf += c;
      escaped = false;
    } else if (c === '\\') escaped = true;
    else if (!quote && (c === "'" || c === '"')) quote = c;
    else if (quote && quote === c) quote = false;
    else if (!quote && (c === ',' || c === ' ')) {
      if (buf) fields.push(buf);
      buf = '';
    } else buf += c;
  }
  if (buf) fields.push(buf);
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const i = f.indexOf('=');
    if (i < 0) throw new ConversionError('dictionary update sequence element has length 1; 2 is required');
    out[f.slice(0, i)] = f.slice(i + 1);
  }
  return out;
}

/** check_type_<name>: the converted value, or a ConversionError with Ansible's reason. */
function checkType(wanted: string, v: unknown, literal: boolean): unknown {
  const t = pyType(v, literal);
  switch (wanted) {
    case 'str':
      return isStr(v) ? v : pyStr(v);
    case 'path':
      // Ansible also expands ~ and $VARS on the controller; the converted value is not used.
      return isStr(v) ? v : pyStr(v);
    case 'raw':
      return v;
    case 'list':
      if (Array.isArray(v)) return v;
      if (isStr(v)) return v.split(',');
      if (typeof v === 'number' || typeof v === 'boolean') return [pyStr(v)];
      throw new ConversionError(`${t} cannot be converted to a list`);
    case 'dict':
      if (isDict(v)) return v;
      if (isStr(v)) {
        if (v.startsWith('{')) {
          try {
            return JSON.parse(v) as unknown;
          } catch {
            throw new ConversionError('unable to evaluate string as dictionary');
          }
        }
        if (v.includes('=')) return keyValueDict(v);
        throw new ConversionError('dictionary requested, could not parse JSON or key=value');
      }
      throw new ConversionError(`${t} cannot be converted to a dict`);
    case 'bool': {
      if (typeof v === 'boolean') return v;
      if (isStr(v) || typeof v === 'number') {
        const b = ansibleBoolean(v);
        if (b === undefined) throw new ConversionError(`The value '${pyStr(v)}' is not a valid boolean.  Valid booleans include: ${BOOLEANS_TEXT}`);
        return b;
      }
      throw new ConversionError(`${t} cannot be converted to a bool`);
    }
    case 'int':
      if (isInt(v)) return v;
      if (isStr(v)) {
        const n = pyInt(v);
        if (n !== undefined) return n;
      }
      throw new ConversionError(`${t} cannot be converted to an int`);
    case 'float':
      if (typeof v === 'number') return v;
      if (typeof v === 'boolean') return Number(v);
      if (isStr(v)) {
        const n = pyFloat(v);
        if (n !== undefined) return n;
      }
      throw new ConversionError(`${t} cannot be converted to a float`);
    case 'jsonarg':
    case 'json':
      if (isStr(v)) return v.trim();
      if (Array.isArray(v) || isDict(v)) return JSON.stringify(v);
      throw new ConversionError(`${t} cannot be converted to a json string`);
    case 'bytes':
    case 'bits':
      try {
        return humanToBytes(v, wanted === 'bits');
      } catch {
        throw new ConversionError(`${t} cannot be converted to a ${wanted === 'bits' ? 'Bit' : 'Byte'} value`);
      }
    default:
      // An unknown type name: Ansible calls None and fails with Python's TypeError.
      throw new ConversionError("'NoneType' object is not callable");
  }
}

// ---- the steps of ArgumentSpecValidator.validate ---------------------------------------------------

/** _handle_aliases: copy alias values onto their option; alias → option. */
function handleAliases(spec: ArgSpec, params: Record<string, unknown>): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const [k, o] of Object.entries(spec)) {
    if (o.default !== undefined && o.default !== null && o.required) throw new ConversionError(`internal error: required and default are mutually exclusive for ${k}`);
    if (o.aliases === undefined || o.aliases === null) continue;
    if (!Array.isArray(o.aliases)) throw new ConversionError('internal error: aliases must be a list or tuple');
    for (const a of o.aliases) {
      aliases.set(a, k);
      if (Object.hasOwn(params, a)) params[k] = params[a];
    }
  }
  return aliases;
}

function noLogValues(v: unknown, out: Set<string>): void {
  if (isStr(v)) {
    if (v) out.add(v);
  } else if (Array.isArray(v)) {
    for (const x of v) noLogValues(x, out);
  } else if (isDict(v)) {
    for (const x of Object.values(v)) noLogValues(x, out);
  } else if (typeof v === 'number') out.add(pyStr(v));
}

/** _list_no_log_values; like Ansible it also parses string sub-parameters as dicts, and fails on the first that is not one. */
function listNoLog(spec: ArgSpec, params: Record<string, unknown>, out: Set<string>): void {
  for (const [k, o] of Object.entries(spec)) {
    if (o.no_log && params[k]) noLogValues(params[k], out);
    const sub = params[k];
    if (o.options && sub !== undefined && sub !== null && (o.type === 'dict' || (o.type === 'list' && o.elements === 'dict'))) {
      for (let p of Array.isArray(sub) ? sub : [sub]) {
        if (isStr(p)) p = checkType('dict', p, false);
        if (!isDict(p))
          throw new ConversionError(
            `Value '${pyStr(p)}' in the sub parameter field '${k}' must by a ${o.type}, not '${Array.isArray(p) ? 'list' : typeof p === 'number' ? (Number.isInteger(p) ? 'int' : 'float') : typeof p === 'boolean' ? 'bool' : 'NoneType'}'`,
          );
        listNoLog(o.options, p, out);
      }
    }
  }
}

function listNoLogChecked(spec: ArgSpec, params: Record<string, unknown>, c: Ctx): void {
  try {
    listNoLog(spec, params, c.noLog);
  } catch (e) {
    if (!(e instanceof ConversionError)) throw e;
    c.errors.push(e.message);
  }
}

function unsupportedIn(spec: ArgSpec, params: Record<string, unknown>, aliases: Map<string, string>, context: string[], c: Ctx): void {
  const legal = new Set([...aliases.keys(), ...Object.keys(spec)]);
  for (const k of Object.keys(params)) {
    if (legal.has(k)) continue;
    const where = context.length ? [...context, k] : k;
    c.unsupported.push(where);
    const supported = [...legal].filter((o) => !aliases.has(o));
    c.supported.set(Array.isArray(where) ? where.join('.') : where, { params: supported.sort(), aliases: [...aliases.keys()].sort() });
  }
}

function setDefaults(spec: ArgSpec, params: Record<string, unknown>, all: boolean, c: Ctx): void {
  for (const [k, o] of Object.entries(spec)) {
    const d = o.default ?? null;
    if (!Object.hasOwn(params, k) && (d !== null || all)) {
      if (o.no_log && d) noLogValues(d, c.noLog);
      params[k] = d;
    }
  }
}

function checkRequired(spec: ArgSpec, params: Record<string, unknown>, context: string[], c: Ctx): void {
  const missing = Object.entries(spec)
    .filter(([k, o]) => o.required && !Object.hasOwn(params, k))
    .map(([k]) => k)
    .sort();
  if (missing.length) c.errors.push(inContext(`missing required arguments: ${missing.join(', ')}`, context));
}

function checkTypes(spec: ArgSpec, params: Record<string, unknown>, context: string[], c: Ctx): void {
  for (const [k, o] of Object.entries(spec)) {
    if (!Object.hasOwn(params, k)) continue;
    const value = params[k];
    if (value === null || value === undefined) continue;
    const wanted = o.type ?? 'str';
    const literal = c.literal(context[0] ?? k);
    try {
      params[k] = checkType(wanted, value, literal);
      if (o.elements) {
        const elements = params[k];
        if (wanted !== 'list' || !Array.isArray(elements)) {
          let msg = `Invalid type ${wanted} for option '${pyStr(elements)}'`;
          if (context.length) msg += ` found in '${context.join(' -> ')}'.`;
          c.errors.push(msg + ", elements value check is supported only with 'list' type");
        }
        const items = Array.isArray(elements) ? elements : isStr(elements) ? [...elements] : isDict(elements) ? Object.keys(elements) : [];
        const out: unknown[] = [];
        for (const item of items) {
          try {
            out.push(checkType(o.elements, item, literal));
          } catch (e) {
            if (!(e instanceof ConversionError)) throw e;
            let msg = `Elements value for option '${k}'`;
            if (context.length) msg += ` found in '${context.join(' -> ')}'`;
            c.errors.push(`${msg} is of type ${pyType(item, literal)} and we were unable to convert to ${o.elements}: ${e.message}`);
          }
        }
        params[k] = out;
      }
    } catch (e) {
      if (!(e instanceof ConversionError)) throw e;
      let msg = `argument '${k}' is of type ${pyType(value, literal)}`;
      if (context.length) msg += ` found in '${context.join(' -> ')}'.`;
      c.errors.push(`${msg} and we were unable to convert to ${wanted}: ${e.message}`);
    }
  }
}

function checkValues(spec: ArgSpec, params: Record<string, unknown>, context: string[], c: Ctx): void {
  for (const [k, o] of Object.entries(spec)) {
    const choices = o.choices;
    if (choices === undefined || choices === null) continue;
    if (!Array.isArray(choices)) {
      c.errors.push(inContext(`internal error: choices for argument ${k} are not iterable: ${pyStr(choices)}`, context));
      continue;
    }
    if (!Object.hasOwn(params, k)) continue;
    const v = params[k];
    const choicesText = choices.map(pyStr).join(', ');
    if (Array.isArray(v)) {
      const diff = v.filter((x) => !pyIn(x, choices));
      if (diff.length) c.errors.push(inContext(`value of ${k} must be one or more of: ${choicesText}. Got no match for: ${diff.map(pyStr).join(', ')}`, context));
    } else if (!pyIn(v, choices)) {
      // PyYAML may have turned yes/no into booleans: map back when exactly one choice fits.
      let value = v;
      for (const [text, flag] of [
        ['False', false],
        ['True', true],
      ] as const) {
        if (value === text) {
          // members of Ansible's BOOLEANS_TRUE / BOOLEANS_FALSE sets: exact lowercase spellings, 1/0, true/false
          const overlap = choices.filter((ch) =>
            isStr(ch) ? ch === ch.trim().toLowerCase() && ansibleBoolean(ch) === flag : (typeof ch === 'number' || typeof ch === 'boolean') && Number(ch) === Number(flag),
          );
          if (overlap.length === 1) value = overlap[0];
        }
      }
      params[k] = value;
      if (!pyIn(value, choices)) c.errors.push(inContext(`value of ${k} must be one of: ${choicesText}, got: ${pyStr(value)}`, context));
    }
  }
}

function additionalChecks(o: ArgumentSpecOption, params: Record<string, unknown>, context: string[], c: Ctx): void {
  const together = o.required_together;
  if (Array.isArray(together)) {
    const bad = together.find((term) => {
      const counts = (Array.isArray(term) ? term : [term]).map((f) => countTerms(f, params));
      return counts.some((n) => n > 0) && counts.includes(0);
    });
    if (bad !== undefined) c.errors.push(inContext(`parameters are required together: ${joinTerm(bad)}`, context));
  }
  const oneOf = o.required_one_of;
  if (Array.isArray(oneOf)) {
    const bad = oneOf.find((term) => countTerms(term, params) === 0);
    if (bad !== undefined) c.errors.push(inContext(`one of the following is required: ${joinTerm(bad)}`, context));
  }
  const reqIf = o.required_if;
  if (Array.isArray(reqIf)) {
    for (const req of reqIf) {
      if (!Array.isArray(req) || req.length < 3) continue;
      const [key, val, requirements, isOneOf] = req as [string, unknown, unknown[], unknown];
      const reqs = Array.isArray(requirements) ? requirements : [requirements];
      const missing = Object.hasOwn(params, key) && pyEqual(params[key], val) ? reqs.filter((r) => countTerms(r, params) === 0) : [];
      const max = isOneOf ? reqs.length : 0;
      if (missing.length && missing.length >= max) {
        c.errors.push(inContext(`${key} is ${pyStr(val)} but ${isOneOf ? 'any' : 'all'} of the following are missing: ${missing.map(String).join(', ')}`, context));
        break;
      }
    }
  }
  const by = o.required_by;
  if (isDict(by)) {
    for (const [key, value] of Object.entries(by)) {
      if (!Object.hasOwn(params, key) || params[key] === null || params[key] === undefined) continue;
      const wanted = isStr(value) ? [value] : Array.isArray(value) ? value.map(String) : [];
      const missing = wanted.filter((r) => !Object.hasOwn(params, r) || params[r] === null || params[r] === undefined);
      if (missing.length) {
        c.errors.push(inContext(`missing parameter(s) required by '${key}': ${missing.join(', ')}`, context));
        break;
      }
    }
  }
}

function mutuallyExclusive(terms: unknown, params: Record<string, unknown>, context: string[], c: Ctx): void {
  if (!Array.isArray(terms)) return;
  const hits = terms.filter((t) => countTerms(t, params) > 1);
  if (hits.length) c.errors.push(inContext(`parameters are mutually exclusive: ${hits.map(termText).join(', ')}`, context));
}

function subSpecs(spec: ArgSpec, params: Record<string, unknown>, context: string[], c: Ctx): void {
  for (const [k, o] of Object.entries(spec)) {
    const wanted = o.type;
    if (!(wanted === 'dict' || (wanted === 'list' && o.elements === 'dict'))) continue;
    const sub = o.options;
    if (o.apply_defaults) {
      if (!sub) continue;
      if (params[k] === null || params[k] === undefined) params[k] = {};
    } else if (!sub || !Object.hasOwn(params, k) || params[k] === null || params[k] === undefined) continue;
    context.push(k);
    const value = params[k];
    const elements = Array.isArray(value) ? value : [value];
    for (const el of elements) {
      if (!isDict(el)) {
        c.errors.push(`value of '${k}' must be of type dict or list of dicts`);
        continue;
      }
      let aliases = new Map<string, string>();
      try {
        aliases = handleAliases(sub, el);
      } catch (e) {
        if (!(e instanceof ConversionError)) throw e;
        c.errors.push(e.message);
      }
      listNoLogChecked(sub, el, c);
      unsupportedIn(sub, el, aliases, context, c);
      mutuallyExclusive(o.mutually_exclusive, el, context, c);
      setDefaults(sub, el, false, c);
      checkRequired(sub, el, context, c);
      checkTypes(sub, el, context, c);
      checkValues(sub, el, context, c);
      additionalChecks(o, el, context, c);
      setDefaults(sub, el, true, c);
      subSpecs(sub, el, context, c);
    }
    context.pop();
  }
}

/**
 * Validate parameters against an argument spec as ansible-core 2.14's ArgumentSpecValidator does
 * (without top-level mutually_exclusive/required_* lists: neither the role entry point nor the
 * module passes them in 2.14; options of `dict` type carry their own).
 */
export function validateArgumentSpec(spec: ArgSpec, parameters: Record<string, unknown>, opts: ArgSpecOptions = {}): ArgSpecResult {
  const params = structuredClone(parameters);
  const c: Ctx = { errors: [], noLog: new Set(), unsupported: [], supported: new Map(), literal: opts.literal ?? (() => true) };
  let aliases = new Map<string, string>();
  let aliasFailed = false;
  try {
    aliases = handleAliases(spec, params);
  } catch (e) {
    if (!(e instanceof ConversionError)) throw e;
    c.errors.push(e.message);
    aliasFailed = true;
  }
  listNoLogChecked(spec, params, c);
  unsupportedIn(spec, params, aliases, [], c);
  if (aliasFailed && c.unsupported.length) {
    // Ansible's unsupported-parameter listing runs the alias check again and fails the same way.
    c.errors.push(c.errors[0]!);
    c.unsupported = [];
  }
  setDefaults(spec, params, false, c);
  checkRequired(spec, params, [], c);
  checkTypes(spec, params, [], c);
  checkValues(spec, params, [], c);
  setDefaults(spec, params, true, c);
  subSpecs(spec, params, [], c);
  if (c.unsupported.length) {
    const names = c.unsupported.map((u) => (Array.isArray(u) ? u.join('.') : u)).sort();
    // Ansible lists the supported names of whichever unsupported entry its set yields last: the
    // top level when one is there (the only deterministic case), else the first nested one.
    const pick = c.unsupported.find((u) => !Array.isArray(u)) ?? c.unsupported[0]!;
    const s = c.supported.get(Array.isArray(pick) ? pick.join('.') : pick);
    let supported = (s?.params ?? []).join(', ');
    if (s?.aliases.length) supported += ` (${s.aliases.join(', ')})`;
    c.errors.push(`${names.join(', ')}. Supported parameters include: ${supported}.`);
  }
  return { errors: c.errors, validated: params, noLogValues: c.noLog };
}

/** Ansible's remove_values on a message: no_log values become ********. */
export function maskNoLog(text: string, values: Set<string>): string {
  let out = text;
  for (const v of [...values].sort((a, b) => b.length - a.length)) if (v) out = out.split(v).join('********');
  return out;
}
