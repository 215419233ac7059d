/**
 * Ansible's `!unsafe`: text that is never templated (Ansible's AnsibleUnsafeText). JavaScript has no
 * string subclass that stays a primitive, so an unsafe text is a `String` object of this class:
 * `String(v)`, `${v}` and JSON give its text, `typeof v` is 'object'. Use `isUnsafe` to recognise it
 * and `plainValue` to turn a value that may hold unsafe texts into plain strings where a module or a
 * schema needs them.
 */
export class UnsafeText extends String {
  /** The text as a primitive string. */
  get text(): string {
    return this.valueOf();
  }

  toJSON(): string {
    return this.valueOf();
  }
}

/** Mark a text as never to be templated. */
export function unsafe(s: string): UnsafeText {
  return new UnsafeText(s);
}

/** Is this value an `!unsafe` text? */
export function isUnsafe(v: unknown): v is UnsafeText {
  return v instanceof UnsafeText;
}

/** Mark every string inside a value as unsafe (Ansible's wrap_var: lists and mappings too; keys stay plain). */
export function unsafeDeep(v: unknown): unknown {
  if (typeof v === 'string') return new UnsafeText(v);
  if (Array.isArray(v)) return v.map(unsafeDeep);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: unsafeDeep(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/** The same value with every unsafe text replaced by its primitive string (other values untouched, shared when nothing changes). */
export function plainValue<T>(v: T): T {
  if (v instanceof UnsafeText) return v.valueOf() as T;
  if (Array.isArray(v)) {
    let changed = false;
    const out = v.map((x) => {
      const p = plainValue(x);
      if (p !== x) changed = true;
      return p;
    });
    return (changed ? out : v) as T;
  }
  if (isPlainObject(v)) {
    // Lazy values (getters: hostvars, lazily templated vars) are left alone rather than forced.
    const descs = Object.getOwnPropertyDescriptors(v);
    if (Object.values(descs).some((d) => d.get !== undefined)) return v;
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const p = plainValue(x);
      if (p !== x) changed = true;
      Object.defineProperty(out, k, { value: p, enumerable: true, writable: true, configurable: true });
    }
    return (changed ? out : v) as T;
  }
  return v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
