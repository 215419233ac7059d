import type { SourceLocation } from '../errors.js';
import { TsplayError } from '../errors.js';
import { hasTemplate, renderValue } from './deps.js';
import { isUnsafe, plainValue } from '../config/unsafe.js';
import { containsVault } from '../config/vault.js';

/**
 * Merge variable layers, lowest precedence first (Ansible's default hash_behaviour=replace:
 * a later layer replaces a key whole).
 */
export function mergeLayers(layers: Array<Record<string, unknown> | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) if (layer) for (const [k, v] of Object.entries(layer)) out[k] = v;
  return out;
}

/**
 * Make variables whose values are templates resolve lazily against the whole context, like
 * Ansible's lazy templating: `url: "{{ base }}/x"` in play vars sees `base` from any layer.
 * Values are rendered on first access and memoised; a self-reference is an error, not a hang.
 */
export function lazyContext(
  merged: Record<string, unknown>,
  loc: SourceLocation,
  fixed: Record<string, unknown> = {},
  onResolved?: (key: string, value: unknown) => void,
): Record<string, unknown> {
  const ctx: Record<string, unknown> = {};
  // Magic values (facts, env, hostvars…) are taken as they are: never scanned for templates,
  // which would also force every lazy hostvars entry to resolve.
  for (const [key, value] of Object.entries(fixed)) ctx[key] = value;
  const resolving = new Set<string>();
  for (const [key, value] of Object.entries(merged)) {
    if (Object.hasOwn(fixed, key)) continue;
    // An `!unsafe` text is never templated (Ansible's AnsibleUnsafeText). Templates then see it as a
    // plain string: the Jinja engine does not know UnsafeText, so filters, tests and == work on it
    // (the mark does not follow the value into set_fact/register results).
    // A `!vault` value (or a structure holding one) is decrypted on first use, like a template.
    if (isUnsafe(value) || (!hasTemplate(value) && !containsVault(value))) {
      ctx[key] = plainValue(value);
      continue;
    }
    let done = false;
    let cached: unknown;
    Object.defineProperty(ctx, key, {
      enumerable: true,
      configurable: true,
      get() {
        if (done) return cached;
        if (resolving.has(key)) {
          throw new TsplayError('TEMPLATE', `variable "${key}" refers to itself`, { location: loc, hint: 'break the loop in its definition' });
        }
        resolving.add(key);
        try {
          cached = renderValue(value, ctx, loc);
          done = true;
          onResolved?.(key, cached);
          return cached;
        } finally {
          resolving.delete(key);
        }
      },
    });
  }
  // A copy with some names set (a loop item, ansible_search_path, a registered result) whose lazy
  // values render against the copy: task vars like `msg: "hello {{ item }}"` see the item.
  Object.defineProperty(ctx, WITH_NAMES, { enumerable: false, value: (extra: Record<string, unknown>) => lazyContext(merged, loc, { ...fixed, ...extra }, onResolved) });
  return ctx;
}

const WITH_NAMES = Symbol('tsplay.withNames');

/** A lazyContext's copy with `extra` names set and its templates re-rendered against it; undefined for other objects. */
export function lazyContextWith(vars: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> | undefined {
  const f = (vars as Record<symbol, unknown>)[WITH_NAMES];
  return typeof f === 'function' ? (f as (e: Record<string, unknown>) => Record<string, unknown>)(extra) : undefined;
}
