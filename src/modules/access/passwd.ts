/** The passwd entry of one user as a probe reads it on the host (`getent passwd`, pwd.getpwnam's source). */
import { sh, type Shell } from '../../commands/quote.js';

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
