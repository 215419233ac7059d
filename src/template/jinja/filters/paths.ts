/** Path and URL filters (controller-side os.path semantics, POSIX). */
import os from 'node:os';
import fs from 'node:fs';
import type { Filter } from '../types.js';
import { PyError, bindArgs, isDict, str, strRepr, tuple, typeName } from '../py.js';
import { filterError, filterTypeError, pyClass } from './common.js';

export function pyBasename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
export function pyDirname(p: string): string {
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return head;
}
export function pySplitext(p: string): [string, string] {
  const sep = p.lastIndexOf('/');
  const dot = p.lastIndexOf('.');
  if (dot > sep) {
    let f = sep + 1;
    while (f < dot) {
      if (p[f] !== '.') return [p.slice(0, dot), p.slice(dot)];
      f++;
    }
  }
  return [p, ''];
}
export function pyJoin(a: string, ...rest: string[]): string {
  let p = a;
  for (const b of rest) {
    if (b.startsWith('/')) p = b;
    else if (!p || p.endsWith('/')) p += b;
    else p += '/' + b;
  }
  return p;
}
export function pyNormpath(p: string): string {
  if (!p) return '.';
  const initial = p.startsWith('/') ? (p.startsWith('//') && !p.startsWith('///') ? 2 : 1) : 0;
  const comps = p.split('/');
  const out: string[] = [];
  for (const c of comps) {
    if (!c || c === '.') continue;
    if (c !== '..' || (!initial && !out.length) || (out.length && out[out.length - 1] === '..')) out.push(c);
    else if (out.length) out.pop();
  }
  const s = '/'.repeat(initial) + out.join('/');
  return s || '.';
}
export function pyAbspath(p: string): string {
  return pyNormpath(p.startsWith('/') ? p : pyJoin(process.cwd(), p));
}
/** Python's os.path.realpath (non-strict: missing components are kept as written). */
export function pyRealpath(p: string): string {
  const seen = new Map<string, string | null>();
  const split = (x: string): [string, string] => {
    const i = x.lastIndexOf('/') + 1;
    let head = x.slice(0, i);
    if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
    return [head, x.slice(i)];
  };
  const joinReal = (base: string, rest: string): [string, boolean] => {
    let cur = base;
    if (rest.startsWith('/')) {
      rest = rest.slice(1);
      cur = '/';
    }
    while (rest) {
      const i = rest.indexOf('/');
      const name = i < 0 ? rest : rest.slice(0, i);
      rest = i < 0 ? '' : rest.slice(i + 1);
      if (!name || name === '.') continue;
      if (name === '..') {
        if (cur) {
          const [h, n] = split(cur);
          cur = n === '..' ? pyJoin(h, '..', '..') : h;
        } else cur = '..';
        continue;
      }
      const next = pyJoin(cur, name);
      let isLink = false;
      try {
        isLink = fs.lstatSync(next).isSymbolicLink();
      } catch {
        isLink = false;
      }
      if (!isLink) {
        cur = next;
        continue;
      }
      if (seen.has(next)) {
        const r = seen.get(next);
        if (r !== null && r !== undefined) {
          cur = r;
          continue;
        }
        return [pyJoin(next, rest), false];
      }
      seen.set(next, null);
      const [resolved, ok] = joinReal(cur, fs.readlinkSync(next));
      if (!ok) return [pyJoin(resolved, rest), false];
      cur = resolved;
      seen.set(next, cur);
    }
    return [cur, true];
  };
  return pyAbspath(joinReal('', p)[0]);
}
export function pyRelpath(p: string, start = '.'): string {
  if (!p) throw new PyError('ValueError', 'no path specified');
  const a = pyAbspath(p).split('/').filter(Boolean);
  const b = pyAbspath(start).split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const rel = [...Array(b.length - i).fill('..'), ...a.slice(i)];
  return rel.length ? rel.join('/') : '.';
}
export function pyExpanduser(p: string): string {
  if (!p.startsWith('~')) return p;
  let i = p.indexOf('/', 1);
  if (i < 0) i = p.length;
  let home: string;
  if (i === 1) home = process.env.HOME ?? os.homedir();
  else {
    const name = p.slice(1, i);
    try {
      const line = fs
        .readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .find((l) => l.split(':')[0] === name);
      if (!line) return p;
      home = line.split(':')[5]!;
    } catch {
      return p;
    }
  }
  home = home.replace(/\/+$/, '');
  return (home || '/') + p.slice(i);
}
export function pyExpandvars(p: string): string {
  if (!p.includes('$')) return p;
  return p.replace(/\$(\w+|\{[^}]*\})/g, (m, name: string) => {
    const n = name.startsWith('{') ? name.slice(1, -1) : name;
    const v = process.env[n];
    return v === undefined ? m : v;
  });
}

/** Python's urllib.parse.urlsplit, as Ansible's helpers.object_to_dict shows it. */
export function urlsplit(url: string): Record<string, unknown> {
  let rest = url.replace(/^[\x00-\x20]+/, '').replace(/[\t\r\n]/g, '');
  let scheme = '';
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
  if (m) {
    scheme = m[1]!.toLowerCase();
    rest = rest.slice(m[0].length);
  }
  let netloc = '';
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    netloc = end < 0 ? rest.slice(2) : rest.slice(2, 2 + end);
    rest = end < 0 ? '' : rest.slice(2 + end);
  }
  let fragment = '';
  let query = '';
  const h = rest.indexOf('#');
  if (h >= 0) {
    fragment = rest.slice(h + 1);
    rest = rest.slice(0, h);
  }
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const at = netloc.lastIndexOf('@');
  const userinfo = at >= 0 ? netloc.slice(0, at) : null;
  const hostport = at >= 0 ? netloc.slice(at + 1) : netloc;
  let username: string | null = null;
  let password: string | null = null;
  if (userinfo !== null) {
    const c = userinfo.indexOf(':');
    username = c >= 0 ? userinfo.slice(0, c) : userinfo;
    password = c >= 0 ? userinfo.slice(c + 1) : null;
  }
  let hostname: string | null;
  let portStr: string | null = null;
  if (hostport.startsWith('[')) {
    const e = hostport.indexOf(']');
    hostname = hostport.slice(1, e);
    const after = hostport.slice(e + 1);
    if (after.startsWith(':')) portStr = after.slice(1);
  } else {
    const c = hostport.indexOf(':');
    hostname = c >= 0 ? hostport.slice(0, c) : hostport;
    if (c >= 0) portStr = hostport.slice(c + 1);
  }
  hostname = hostname ? hostname.toLowerCase() : null;
  let port: number | null = null;
  if (portStr) {
    if (!/^\d+$/.test(portStr)) throw new PyError('ValueError', `Port could not be cast to integer value as ${strRepr(portStr)}`);
    if (+portStr > 65535) throw new PyError('ValueError', 'Port out of range 0-65535');
    port = +portStr;
  }
  return { fragment, hostname, netloc, password, path: rest, port, query, scheme, username };
}

/** fnmatch-style pattern of one path segment → RegExp (*, ?, [...], [!...]); the fileglob filter and lookups share it. */
export function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const j = seg.indexOf(']', i + (seg[i + 1] === '!' ? 3 : 2) - 1 + 1);
      if (j < 0) re += '\\[';
      else {
        let body = seg.slice(i + 1, j);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = j;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}
const hasMagic = (s: string) => /[*?[]/.test(s);

/** Directory entries in the OS's readdir order, as Python's os.scandir gives them (fs.readdirSync sorts). */
function readdirUnsorted(dir: string): string[] {
  const d = fs.opendirSync(dir);
  const out: string[] = [];
  try {
    for (let e = d.readSync(); e; e = d.readSync()) out.push(e.name);
  } finally {
    d.closeSync();
  }
  return out;
}

/** Python's glob.glob (non-recursive, hidden files only for patterns starting with '.'), in directory order. */
export function pyGlob(pattern: string): string[] {
  const abs = pattern.startsWith('/');
  const segs = pattern.split('/').filter((s, i) => s || i === 0);
  let paths = [abs ? '/' : ''];
  segs.forEach((seg, i) => {
    if (abs && i === 0 && seg === '') return;
    const last = i === segs.length - 1;
    const next: string[] = [];
    for (const base of paths) {
      if (!hasMagic(seg)) {
        const p = base ? pyJoin(base, seg) : seg;
        try {
          fs.lstatSync(p);
          next.push(p);
        } catch {
          /* missing */
        }
        continue;
      }
      let names: string[];
      try {
        names = readdirUnsorted(base || '.');
      } catch {
        continue;
      }
      const rx = segmentRegex(seg);
      for (const n of names) {
        if (n.startsWith('.') && !seg.startsWith('.')) continue;
        if (!rx.test(n)) continue;
        const p = base ? pyJoin(base, n) : n;
        if (!last) {
          try {
            if (!fs.statSync(p).isDirectory()) continue;
          } catch {
            continue;
          }
        }
        next.push(p);
      }
    }
    paths = next;
  });
  return paths.filter((p) => p !== '' && p !== '/');
}

const unary =
  (fn: (s: string) => unknown): Filter =>
  (v) =>
    fn(str(v));

export const pathFilters: Record<string, Filter> = {
  basename: unary(pyBasename),
  dirname: unary(pyDirname),
  expanduser: unary(pyExpanduser),
  expandvars: unary(pyExpandvars),
  realpath: unary(pyRealpath),
  relpath: (v, args, kw) => {
    const a = bindArgs('relpath', ['start'], args, kw, { start: '.' });
    return pyRelpath(str(v), str(a.start));
  },
  splitext: (v) => tuple(pySplitext(str(v))),
  win_basename: unary((p) => p.slice(Math.max(p.lastIndexOf('\\'), p.lastIndexOf('/'), /^[A-Za-z]:/.test(p) ? 1 : -1) + 1)),
  win_dirname: unary((p) => {
    const drive = /^[A-Za-z]:/.test(p) ? p.slice(0, 2) : '';
    const rest = p.slice(drive.length);
    const i = Math.max(rest.lastIndexOf('\\'), rest.lastIndexOf('/')) + 1;
    let head = rest.slice(0, i);
    if (head && !/^[\\/]+$/.test(head)) head = head.replace(/[\\/]+$/, '');
    return drive + head;
  }),
  win_splitdrive: unary((p) => {
    const n = p.replace(/\//g, '\\');
    if (n.startsWith('\\\\') && n[2] !== '\\') {
      const i = n.indexOf('\\', 2);
      if (i < 0) return tuple(['', p]);
      let j = n.indexOf('\\', i + 1);
      if (j === i + 1) return tuple(['', p]);
      if (j < 0) j = p.length;
      return tuple([p.slice(0, j), p.slice(j)]);
    }
    return /^[A-Za-z]:/.test(p) ? tuple([p.slice(0, 2), p.slice(2)]) : tuple(['', p]);
  }),
  path_join: (v) => {
    if (typeof v === 'string') return pyJoin(v);
    if (Array.isArray(v)) {
      if (!v.length) throw new PyError('TypeError', "join() missing 1 required positional argument: 'a'");
      for (const x of v) if (typeof x !== 'string') throw new PyError('TypeError', `join() argument must be str, bytes, or os.PathLike object, not '${typeName(x)}'`);
      return pyJoin(...(v as [string, ...string[]]));
    }
    throw filterTypeError(`|path_join expects string or sequence, got ${pyClass(v)} instead.`);
  },
  fileglob: (v) =>
    pyGlob(str(v)).filter((p) => {
      try {
        return fs.statSync(p).isFile();
      } catch {
        return false;
      }
    }),
  urlsplit: (v, args, kw) => {
    const a = bindArgs('split_url', ['query', 'alias'], args, kw, { query: '', alias: 'urlsplit' });
    const r = urlsplit(str(v));
    if (a.query) {
      const q = str(a.query);
      if (!Object.hasOwn(r, q)) throw filterError(`${str(a.alias)}: unknown URL component: ${q}`);
      return r[q];
    }
    return r;
  },
};

export { isDict, typeName };
