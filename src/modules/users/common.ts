/**
 * What the user and group modules share: the account databases read on the host (getent lines),
 * and programs looked up the way Ansible's get_bin_path does (PATH, then the sbin directories).
 */
import { quote, raw, type Shell } from '../../commands/quote.js';

/** One /etc/group entry (grp.struct_group). */
export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** One /etc/passwd entry (pwd.struct_passwd). */
export interface PasswdEntry {
  name: string;
  passwd: string;
  uid: number;
  gid: number;
  gecos: string;
  dir: string;
  shell: string;
}

/** One /etc/shadow entry: the fields Ansible reads (spwd.struct_spwd; an empty number is -1). */
export interface ShadowEntry {
  pwdp: string;
  min: number;
  max: number;
  expire: number;
}

export function parseGroupLine(line: string): GroupEntry | undefined {
  const f = line.split(':');
  if (f.length < 4 || !/^-?\d+$/.test(f[2] ?? '')) return undefined;
  return { name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter((m) => m !== '') };
}

export function parsePasswdLine(line: string): PasswdEntry | undefined {
  const f = line.split(':');
  if (f.length < 7 || !/^\d+$/.test(f[2] ?? '') || !/^\d+$/.test(f[3] ?? '')) return undefined;
  return { name: f[0]!, passwd: f[1]!, uid: Number(f[2]), gid: Number(f[3]), gecos: f[4]!, dir: f[5]!, shell: f.slice(6).join(':') };
}

const spNum = (s: string | undefined): number => (s !== undefined && /^-?\d+$/.test(s) ? Number(s) : -1);

export function parseShadowLine(line: string): ShadowEntry | undefined {
  const f = line.split(':');
  if (f.length < 8) return undefined;
  return { pwdp: f[1]!, min: spNum(f[3]), max: spNum(f[4]), expire: spNum(f[7]) };
}

/**
 * Shell lines printing `binpath\t<the search path>` and `bin\t<name>\t<path>` for each program
 * found: PATH, then /sbin, /usr/sbin, /usr/local/sbin when PATH lacks them (get_bin_path).
 */
export function binLookupScript(names: string[]): Shell {
  const words = names.map((n) => quote(n)).join(' ');
  return raw(
    [
      `_p="$PATH"; for _d in /sbin /usr/sbin /usr/local/sbin; do case ":$_p:" in *":$_d:"*) ;; *) [ -e "$_d" ] && _p="$_p:$_d" ;; esac; done`,
      `printf 'binpath\\t%s\\n' "$_p"`,
      `for _b in ${words}; do _o="$IFS"; IFS=:; for _d in $_p; do if [ -n "$_d" ] && [ -f "$_d/$_b" ] && [ -x "$_d/$_b" ]; then printf 'bin\\t%s\\t%s\\n' "$_b" "$_d/$_b"; break; fi; done; IFS="$_o"; done`,
    ].join('\n'),
  );
}

/** Programs found on the host, and the search path (for Ansible's "Failed to find" message). */
export interface BinLookup {
  path: string;
  found: Record<string, string>;
}

/** Read `binpath` / `bin` lines out of a probe's tagged output. */
export function parseBinLookup(lines: string[]): BinLookup {
  const out: BinLookup = { path: '', found: {} };
  for (const l of lines) {
    const [tag, a, b] = l.split('\t');
    if (tag === 'binpath') out.path = a ?? '';
    else if (tag === 'bin' && a && b) out.found[a] = b;
  }
  return out;
}

/** get_bin_path's error when a required program is missing. */
export function missingBin(name: string, bins: BinLookup): string {
  return `Failed to find required executable "${name}" in paths: ${bins.path}`;
}

/** Split a probe's stdout into lines tagged `tag\t...`, keyed by tag (values in order). */
export function tagged(stdout: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('\t');
    if (i < 0) continue;
    const tag = line.slice(0, i);
    const list = m.get(tag) ?? [];
    list.push(line.slice(i + 1));
    m.set(tag, list);
  }
  return m;
}

/** Python's str.splitlines() (Ansible adds stdout_lines / stderr_lines to a result this way). */
export function pySplitLines(s: string): string[] {
  const parts = s.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** stdout / stderr in a result when not empty, each with its _lines list, as Ansible returns them. */
export function outputFields(stdout: string, stderr: string): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  if (stdout) Object.assign(r, { stdout, stdout_lines: pySplitLines(stdout) });
  if (stderr) Object.assign(r, { stderr, stderr_lines: pySplitLines(stderr) });
  return r;
}

/** Whether Ansible's `path` type would change the value (os.path.expandvars, then expanduser). */
export function needsPathExpansion(v: string): boolean {
  return v.startsWith('~') || /\$(\w+|\{[^}]*\})/.test(v);
}

/**
 * Shell lines setting `$<v>` to `value` as Ansible's `path` type expands it on the host:
 * os.path.expandvars ($NAME, ${NAME}; an unset variable stays as written, values are not rescanned),
 * then os.path.expanduser (~ is $HOME, ~user that user's home; an unknown user stays as written).
 * The literal parts are quoted; only variable names that are shell identifiers are looked up.
 */
export function pathExpansionShell(value: string, v: string): string {
  const lines = [`${v}=''`];
  const re = /\$(\w+|\{[^}]*\})/g;
  let last = 0;
  for (const m of value.matchAll(re)) {
    const lit = value.slice(last, m.index);
    if (lit) lines.push(`${v}="$${v}"${quote(lit)}`);
    const name = m[1]!.startsWith('{') ? m[1]!.slice(1, -1) : m[1]!;
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) lines.push(`if [ "\${${name}+set}" = set ]; then ${v}="$${v}$${name}"; else ${v}="$${v}"${quote(m[0])}; fi`);
    else lines.push(`${v}="$${v}"${quote(m[0])}`);
    last = m.index + m[0].length;
  }
  if (last < value.length) lines.push(`${v}="$${v}"${quote(value.slice(last))}`);
  lines.push(
    `case "$${v}" in '~'*) _r=\${${v}#?}; _n=\${_r%%/*}; _t=\${_r#"$_n"}; _ok=''`,
    `  if [ -z "$_n" ]; then if [ "\${HOME+set}" = set ]; then _uh=$HOME; else _uh=$(getent passwd "$(id -u)" | cut -d: -f6); fi; _ok=1`,
    `  else _pe=$(getent passwd "$_n" 2>/dev/null | head -n 1); [ "\${_pe%%:*}" = "$_n" ] && { _uh=$(printf '%s' "$_pe" | cut -d: -f6); _ok=1; }; fi`,
    `  if [ -n "$_ok" ]; then _uh=$(printf '%s' "$_uh" | sed 's:/*$::'); ${v}="$_uh$_t"; [ -n "$${v}" ] || ${v}=/; fi ;;`,
    'esac',
  );
  return lines.join('\n');
}
