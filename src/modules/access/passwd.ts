/** The passwd entry of one user as a probe reads it on the host (`getent passwd`, pwd.getpwnam's source). */
import { raw, sh, type Shell } from '../../commands/quote.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** Shell printing `u <base64 of the passwd line>` when `user` exists (by name, as getpwnam: not by uid). */
export function passwdProbe(user: string): Shell {
  return sh`pw=$(getent passwd -- ${user} 2>/dev/null | head -n 1); if [ -n "$pw" ]; then printf 'u %s\\n' "$(printf %s "$pw" | base64 | tr -d '\\n')"; fi;`;
}

/** The entry from a `u <base64>` line, if it names `user` (getent also answers a numeric uid). */
export function parsePasswdLine(b64: string, user: string): PasswdEntry | undefined {
  const f = Buffer.from(b64, 'base64').toString('utf8').split(':');
  if (f.length < 7 || f[0] !== user) return undefined;
  return { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! };
}

/** Python's os.path.dirname. */
export function pyDirname(p: string): string {
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return head;
}

/** Python's os.path.join for two parts. */
export function pyJoin(a: string, b: string): string {
  if (b.startsWith('/')) return b;
  if (a === '' || a.endsWith('/')) return a + b;
  return `${a}/${b}`;
}

/** Python's str.replace-free text read: the universal-newline translation of open() in text mode. */
export function universalNewlines(s: string): string {
  return s.replace(/\r\n?/g, '\n');
}

/** Decode UTF-8 strictly (Python's text-mode read fails on invalid bytes). */
export function strictUtf8(b: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return undefined;
  }
}

/** The path as the module's type=path expands it (a leading ~ is the connection user's home). */
export function pathExpr(p: string): Shell {
  if (p === '~') return raw('"$HOME"');
  if (p.startsWith('~/')) return raw(`"$HOME"${sh`${p.slice(1)}`.text}`);
  return sh`${p}`;
}
