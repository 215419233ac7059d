/**
 * Python requirement strings and PEP 440 versions, as far as the pip module needs them (what
 * pkg_resources.Requirement gives ansible-core's pip.py): a name with extras and specifiers, its
 * canonical name, its normalised text, and whether an installed version satisfies it.
 */

/** A parsed requirement (`Django[bcrypt]>1.11,<2`). */
export interface Requirement {
  name: string;
  extras: string[];
  specs: Array<[op: string, version: string]>;
}

const OPS = ['===', '~=', '==', '!=', '<=', '>=', '<', '>'];

/** pip.py's Package.canonicalize_name: runs of `-_.` become `-`, lower case. */
export function canonicalName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** Requirement.parse: undefined when the text is not a plain requirement (a URL, a path, a VCS link). */
export function parseRequirement(text: string): Requirement | undefined {
  const m = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*(.*?)\s*$/.exec(text);
  if (!m) return undefined;
  const extras = (m[2] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e);
  const specs: Array<[string, string]> = [];
  const rest = m[3] ?? '';
  if (rest !== '') {
    for (const part of rest.split(',')) {
      const p = part.trim();
      const op = OPS.find((o) => p.startsWith(o));
      if (!op) return undefined;
      const v = p.slice(op.length).trim();
      if (!/^[A-Za-z0-9.*+!_-]+$/.test(v)) return undefined;
      specs.push([op, v]);
    }
  }
  return { name: m[1]!, extras, specs };
}

/** str(Requirement): the name, sorted extras, the specifiers sorted as text and comma-joined. */
export function requirementText(r: Requirement): string {
  const extras = r.extras.length ? `[${[...r.extras].sort().join(',')}]` : '';
  return `${r.name}${extras}${r.specs
    .map(([op, v]) => `${op}${v}`)
    .sort()
    .join(',')}`;
}

interface Version {
  epoch: number;
  release: number[];
  pre?: [number, number];
  post?: number;
  dev?: number;
  local: string;
}

/** A PEP 440 version (normalising a/alpha, b/beta, c/rc/pre/preview, post/rev/r, dev), or undefined. */
export function parseVersion(text: string): Version | undefined {
  const m =
    /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?(?:(?:-(\d+))|(?:[-_.]?(post|rev|r)[-_.]?(\d*)))?(?:[-_.]?dev[-_.]?(\d*))?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i.exec(
      text,
    );
  if (!m) return undefined;
  const preKind = m[3]?.toLowerCase();
  const pre: [number, number] | undefined = preKind ? [preKind.startsWith('a') ? 0 : preKind.startsWith('b') ? 1 : 2, Number(m[4] || 0)] : undefined;
  const post = m[5] !== undefined ? Number(m[5]) : m[6] !== undefined ? Number(m[7] || 0) : undefined;
  return { epoch: Number(m[1] ?? 0), release: m[2]!.split('.').map(Number), pre, post, dev: m[8] !== undefined ? Number(m[8] || 0) : undefined, local: m[9] ?? '' };
}

function cmpNum(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** PEP 440 ordering (dev < pre < release < post; local versions after their public one). */
export function compareVersions(a: Version, b: Version): number {
  if (a.epoch !== b.epoch) return cmpNum(a.epoch, b.epoch);
  const n = Math.max(a.release.length, b.release.length);
  for (let i = 0; i < n; i++) {
    const c = cmpNum(a.release[i] ?? 0, b.release[i] ?? 0);
    if (c) return c;
  }
  // a release's sort key: dev-only releases sort before its pre-releases
  const preKey = (v: Version): [number, number] => (v.pre ? v.pre : v.dev !== undefined && v.post === undefined ? [-1, 0] : [3, 0]);
  const [pa, pb] = [preKey(a), preKey(b)];
  if (pa[0] !== pb[0]) return cmpNum(pa[0], pb[0]);
  if (pa[1] !== pb[1]) return cmpNum(pa[1], pb[1]);
  const c = cmpNum(a.post ?? -1, b.post ?? -1);
  if (c) return c;
  const d = cmpNum(a.dev ?? Number.POSITIVE_INFINITY, b.dev ?? Number.POSITIVE_INFINITY);
  if (d) return d;
  return a.local === b.local ? 0 : a.local < b.local ? -1 : 1;
}

function withoutLocal(v: Version): Version {
  return { ...v, local: '' };
}

/** One specifier against a version (SpecifierSet.contains with prereleases=True). */
function specHolds(op: string, spec: string, v: Version, raw: string): boolean {
  if (op === '===') return raw.trim().toLowerCase() === spec.toLowerCase();
  if ((op === '==' || op === '!=') && spec.endsWith('.*')) {
    const prefix = parseVersion(spec.slice(0, -2));
    if (!prefix) return false;
    const same = prefix.epoch === v.epoch && prefix.release.every((n, i) => (v.release[i] ?? 0) === n);
    return op === '==' ? same : !same;
  }
  const s = parseVersion(spec);
  if (!s) return false;
  const c = compareVersions(s.local ? v : withoutLocal(v), s);
  switch (op) {
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<=':
      return c <= 0;
    case '>=':
      return c >= 0;
    case '<':
      // PEP 440: <V excludes post releases of V... and pre-releases of V unless V is one
      return c < 0 && !(s.pre === undefined && v.pre !== undefined && v.release.join('.') === s.release.join('.'));
    case '>':
      return c > 0 && !(s.post === undefined && v.post !== undefined && v.release.join('.') === s.release.join('.'));
    case '~=': {
      if (s.release.length < 2) return false;
      const prefix = s.release.slice(0, -1);
      return c >= 0 && prefix.every((n, i) => (v.release[i] ?? 0) === n);
    }
    default:
      return false;
  }
}

/** Does an installed version satisfy every specifier of the requirement? */
export function satisfies(r: Requirement, version: string): boolean {
  const v = parseVersion(version);
  if (!v) return r.specs.every(([op, s]) => op === '===' && s.toLowerCase() === version.toLowerCase());
  return r.specs.every(([op, s]) => specHolds(op, s, v, version));
}
