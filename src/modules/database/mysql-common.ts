/**
 * What community.mysql's modules share (community.mysql 3.7.2, Debian 12's `ansible` 7.7.0): the
 * connection arguments, how a connection is made, SQL quoting, the messages a failed connection
 * gives. tsplay talks to the server through the `mysql` command-line client on the host, never
 * through Python: the session is set up the way community.mysql's mysql_connect sets up PyMySQL
 * (the `[client]` section of `config_file` read as PyMySQL's option parser reads it; login_user /
 * login_password given win over it; a unix socket from the argument or the file, else TCP to
 * login_host:login_port), then `mysql --no-defaults` runs with exactly those settings.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { quote } from '../../commands/quote.js';
import { strRepr } from '../../template/jinja/py.js';
import { bool, int, str } from '../system/args.js';
import { maskNoLog } from '../system/argspec.js';

/** mysql_common_argument_spec (module_utils/mysql.py). */
export const mysqlConnectionArgs = {
  login_user: str.optional(),
  login_password: str.optional(),
  login_host: str.default('localhost'),
  login_port: int.default(3306),
  login_unix_socket: str.optional(),
  config_file: str.default('~/.my.cnf'),
  connect_timeout: int.default(30),
  client_cert: str.optional(),
  client_key: str.optional(),
  ca_cert: str.optional(),
  check_hostname: bool.optional(),
};

/** The connection arguments' aliases. */
export const mysqlConnectionAliases: Record<string, string> = { ssl_cert: 'client_cert', ssl_key: 'client_key', ssl_ca: 'ca_cert' };

export interface MysqlConnection {
  login_user?: string;
  login_password?: string;
  login_host: string;
  login_port: number;
  login_unix_socket?: string;
  config_file: string;
  connect_timeout: number;
  client_cert?: string;
  client_key?: string;
  ca_cert?: string;
  check_hostname?: boolean;
}

/** The environment variable the login password travels in (marked secret, never in a command line tsplay shows). */
export const LOGIN_PW_ENV = 'TSPLAY_MYSQL_LOGIN_PW';

const SBIN = '/sbin:/usr/sbin:/usr/local/sbin';

/** A shell expression for a `type='path'` value as the host expands it (`~` and `~/…` are the remote user's home). */
export function remotePath(p: string): string {
  if (p === '~') return '"$HOME"';
  if (p.startsWith('~/')) return `"$HOME"${quote(p.slice(1))}`;
  return quote(p);
}

/** The path as the module sees it after expanduser (for messages), given the remote HOME. */
export function expandedPath(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return home.replace(/\/$/, '') + p.slice(1);
  return p;
}

/**
 * awk reading an option file as PyMySQL's Parser (a RawConfigParser: `#`/`;` comment lines, `key =
 * value` or `key: value`, keys lower-cased with `_` as `-`, one pair of quotes removed) and printing
 * the `[client]` values PyMySQL uses as shell assignments; `cf_err=…` when the file does not parse.
 */
const OPTION_FILE_AWK = String.raw`
function q(s) { gsub(/'/, "'\\''", s); return "'" s "'" }
function unq(v,  c) { c = substr(v, 1, 1); if (length(v) >= 2 && (c == "\"" || c == "'") && substr(v, length(v), 1) == c) return substr(v, 2, length(v) - 2); return v }
BEGIN { sec = "" }
{
  s = $0; sub(/\r$/, "", s); gsub(/^[ \t]+|[ \t]+$/, "", s)
  if (s == "" || substr(s, 1, 1) == "#" || substr(s, 1, 1) == ";") next
  if (s ~ /^\[.+\]/) { h = s; sub(/^\[/, "", h); sub(/\][^\]]*$/, "", h); if (h in secs) { print "cf_err=" q("dupsection:" NR ":" h); exit } secs[h] = 1; sec = h; next }
  if (sec == "") { print "cf_err=" q("nosection:" NR ":" $0); exit }
  i = index(s, "="); j = index(s, ":"); if (j && (!i || j < i)) i = j
  if (i) { k = substr(s, 1, i - 1); v = substr(s, i + 1) } else { k = s; v = "" }
  gsub(/[ \t]+$/, "", k); gsub(/^[ \t]+/, "", v); k = tolower(k); gsub(/_/, "-", k)
  if ((sec SUBSEP k) in seen) { print "cf_err=" q("dupoption:" NR ":" sec ":" k); exit }
  seen[sec SUBSEP k] = 1
  if (sec != "client" || !i) next
  v = unq(v)
  if (k == "user") print "cf_user=" q(v)
  else if (k == "password") print "cf_password=" q(v)
  else if (k == "socket") print "cf_socket=" q(v)
  else if (k == "host") print "cf_host=" q(v)
  else if (k == "port") print "cf_port=" q(v)
  else if (k == "database") print "cf_database=" q(v)
  else if (k == "default-character-set") print "cf_charset=" q(v)
}`;

export interface SessionOptions {
  /** check_implicit_admin: try root with no password (the file's, as PyMySQL's rule) first. */
  implicitAdmin: boolean;
  /** The database to connect to (mysql_user force_context: mysql). */
  database?: string;
  /** mysql_db config_overrides_defaults: the file's host and port replace login_host / login_port. */
  overrides?: boolean;
}

/**
 * Shell that sets up a session as mysql_connect does and defines `q` (the mysql client with those
 * settings; extra words after it). It prints `home=`, `cf=` (the config file exists), `cferr=`,
 * `mysqlbin=`, `conn=ok|fail`, `connerr=` (base64 of the client's error) and `implicit=`. The login
 * password is read from $TSPLAY_MYSQL_LOGIN_PW.
 */
export function sessionScript(c: MysqlConnection, o: SessionOptions): string {
  const ssl: string[] = [];
  if (c.ca_cert !== undefined || c.client_cert !== undefined || c.client_key !== undefined || c.check_hostname !== undefined) ssl.push('--ssl');
  if (c.ca_cert !== undefined) ssl.push(`--ssl-ca=${quote(c.ca_cert)}`);
  if (c.client_cert !== undefined) ssl.push(`--ssl-cert=${quote(c.client_cert)}`);
  if (c.client_key !== undefined) ssl.push(`--ssl-key=${quote(c.client_key)}`);
  // PyMySQL verifies the server's certificate and name only when a CA is given (check_hostname defaults to true then)
  if (c.ca_cert !== undefined && c.check_hostname !== false) ssl.push('--ssl-verify-server-cert');
  const L = [
    `cf=${c.config_file === '' ? "''" : remotePath(c.config_file)}`,
    'cf_exists=0; cf_err=; cf_user=; cf_password=; cf_socket=; cf_host=; cf_port=; cf_database=; cf_charset=',
    `if [ -n "$cf" ] && [ -e "$cf" ]; then cf_exists=1; eval "$(awk ${quote(OPTION_FILE_AWK)} "$cf" 2>/dev/null)"; fi`,
    `printf 'home=%s\\ncf=%s\\ncferr=%s\\n' "$(printf %s "$HOME" | base64 -w0)" "$cf_exists" "$(printf %s "$cf_err" | base64 -w0)"`,
    `mysqlbin=$(PATH="$PATH:${SBIN}" command -v mysql)`,
    `printf 'mysqlbin=%s\\n' "$mysqlbin"`,
    `sock=${quote(c.login_unix_socket ?? '')}; proto=tcp`,
    'if [ -n "$sock" ]; then proto=socket; elif [ -n "$cf_socket" ]; then proto=socket; sock=$cf_socket; fi',
    `h=${quote(c.login_host)}; [ -n "$h" ] || h=\${cf_host:-localhost}`,
    `pt=${c.login_port}; [ "$pt" != 0 ] || pt=\${cf_port:-3306}`,
    ...(o.overrides ? ['[ -n "$cf_host" ] && h=$cf_host', '[ -n "$cf_port" ] && pt=$cf_port'] : []),
    `printf 'host=%s\\nport=%s\\n' "$(printf %s "$h" | base64 -w0)" "$(printf %s "$pt" | base64 -w0)"`,
    `db=${quote(o.database ?? '')}; [ -n "$db" ] || db=$cf_database`,
    'cs=${cf_charset:-utf8mb4}',
    `u=${quote(c.login_user ?? '')}; [ -n "$u" ] || u=$cf_user; [ -n "$u" ] || u=\${LOGNAME:-\${USER:-$(id -un)}}`,
    `p=$${LOGIN_PW_ENV}; [ -n "$p" ] || p=$cf_password`,
    'q() {',
    '  if [ "$proto" = socket ]; then set -- --protocol=socket --socket="$sock" "$@"; else set -- --protocol=tcp --host="$h" --port="$pt" "$@"; fi',
    '  if [ -n "$db" ]; then set -- --database="$db" "$@"; fi',
    '  if [ -n "$p" ]; then set -- --password="$p" "$@"; fi',
    `  "$mysqlbin" --no-defaults --user="$u" --default-character-set="$cs" --connect-timeout=${c.connect_timeout} ${ssl.join(' ')} "$@"`,
    '}',
    'conn=fail; implicit=0',
    'if [ -n "$mysqlbin" ] && [ -z "$cf_err" ]; then',
    ...(o.implicitAdmin ? ['  su=$u; sp=$p; u=root; p=$cf_password', "  if printf 'SELECT 1;\\n' | q >/dev/null 2>&1; then conn=ok; implicit=1; else u=$su; p=$sp; fi"] : []),
    '  if [ $conn = fail ]; then if e=$(printf \'SELECT 1;\\n\' | q 2>&1 >/dev/null); then conn=ok; else printf \'connerr=%s\\n\' "$(printf %s "$e" | base64 -w0)"; fi; fi',
    'fi',
    "printf 'conn=%s\\nimplicit=%s\\n' $conn $implicit",
  ];
  return L.join('\n');
}

/** What the session part of a probe said. */
export interface SessionProbe {
  home: string;
  configExists: boolean;
  configError?: string;
  mysqlBin?: string;
  connected: boolean;
  connectError?: string;
  implicit: boolean;
  host: string;
  port: string;
  /** The SQL output rows (tab-separated columns, batch escapes decoded), by their first column. */
  rows: string[][];
}

const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** mysql --batch's escapes (\\, \t, \n, \0) undone. */
export function unescapeBatch(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === '0' ? '\0' : c));
}

/** Parse a probe's output: the session lines, then the SQL rows. */
export function parseSession(stdout: string): SessionProbe {
  const p: SessionProbe = { home: '/root', configExists: false, connected: false, implicit: false, host: 'localhost', port: '3306', rows: [] };
  let inSql = false;
  for (const line of stdout.split('\n')) {
    if (!inSql) {
      const eq = line.indexOf('=');
      const k = eq < 0 ? line : line.slice(0, eq);
      const v = eq < 0 ? '' : line.slice(eq + 1);
      if (k === 'home') p.home = b64(v);
      else if (k === 'cf') p.configExists = v === '1';
      else if (k === 'cferr') p.configError = b64(v) || undefined;
      else if (k === 'mysqlbin') p.mysqlBin = v || undefined;
      else if (k === 'host') p.host = b64(v);
      else if (k === 'port') p.port = b64(v);
      else if (k === 'connerr') p.connectError = b64(v);
      else if (k === 'conn') p.connected = v === 'ok';
      else if (k === 'implicit') {
        p.implicit = v === '1';
        inSql = true;
      }
      continue;
    }
    if (line === '') continue;
    p.rows.push(line.split('\t').map(unescapeBatch));
  }
  return p;
}

/** A hex column (HEX(x)) as text; NULL stays undefined. */
export function unhex(v: string | undefined): string | undefined {
  if (v === undefined || v === 'NULL') return undefined;
  return Buffer.from(v, 'hex').toString('utf8');
}

/**
 * PyMySQL's str() of an error from the client's message: `ERROR 1045 (28000): Access denied…` →
 * `(1045, "Access denied…")`; the client's "can't connect" errors as PyMySQL's 2003.
 */
export function driverError(stderr: string, host = 'localhost'): string {
  const line =
    stderr
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.startsWith('ERROR ')) ?? stderr.trim();
  const m = /^ERROR (\d+) \([0-9A-Z]+\)(?: at line \d+)?: (.*)$/.exec(line);
  if (!m) return line;
  const code = Number(m[1]);
  const msg = m[2]!;
  if (code === 2002 || code === 2003) {
    // PyMySQL names the OS error of its socket: a missing unix socket, a refused TCP port
    const errno = /\((\d+)\)\s*$/.exec(msg)?.[1];
    const os = errno === '2' ? '[Errno 2] No such file or directory' : errno === '111' || errno === '115' ? '[Errno 111] Connection refused' : msg;
    return `(2003, ${strRepr(`Can't connect to MySQL server on ${strRepr(host)} (${os})`)})`;
  }
  return `(${code}, ${strRepr(msg)})`;
}

/** The message of an option file PyMySQL could not parse (configparser's errors). */
export function configErrorMessage(err: string, path: string): string {
  const [kind, line, ...rest] = err.split(':');
  if (kind === 'nosection') return `File contains no section headers.\nfile: ${strRepr(path)}, line: ${line}\n${strRepr(`${rest.join(':')}\n`)}`;
  if (kind === 'dupsection') return `While reading from ${strRepr(path)} [line ${String(line).padStart(2)}]: section ${strRepr(rest.join(':'))} already exists`;
  const [sec, key] = [rest[0] ?? '', rest.slice(1).join(':')];
  return `While reading from ${strRepr(path)} [line ${String(line).padStart(2)}]: option ${strRepr(key)} in section ${strRepr(sec)} already exists`;
}

/** The Python driver's message for a session that did not connect (the error mysql_connect raised). */
export function sessionError(s: SessionProbe, configFile: string): string {
  if (s.configError) return configErrorMessage(s.configError, expandedPath(configFile, s.home));
  return driverError(s.connectError ?? '', s.host || 'localhost');
}

/** PyMySQL's escape_string inside quotes: a string literal as the driver sends a parameter. */
export function sqlString(s: string): string {
  return `'${s.replace(/[\0\n\r\x1a'"\\]/g, (c) => ({ '\0': '\\0', '\n': '\\n', '\r': '\\r', '\x1a': '\\Z', "'": "\\'", '"': '\\"', '\\': '\\\\' })[c]!)}'`;
}

/** A parameter as PyMySQL's literal(): numbers as they are, booleans 1/0, text quoted. */
export function sqlLiteral(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (v === null || v === undefined) return 'NULL';
  return sqlString(String(v));
}

export class SqlParseError extends Error {}

function findEndQuote(identifier: string, q: string): number {
  let acc = 0;
  let rest = identifier;
  for (;;) {
    const i = rest.indexOf(q);
    if (i < 0) throw new SqlParseError('unclosed');
    acc += i;
    if (i + 1 >= rest.length) return acc;
    if (rest[i + 1] === q) {
      rest = rest.slice(i + 2);
      acc += 2;
    } else return acc;
  }
}

function identifierParse(identifier: string, q: string): string[] {
  if (!identifier) throw new SqlParseError('Identifier name unspecified or unquoted trailing dot');
  let alreadyQuoted = false;
  let further: string[] = [];
  if (identifier.startsWith(q)) {
    alreadyQuoted = true;
    let end: number | undefined;
    try {
      end = findEndQuote(identifier.slice(1), q) + 1;
    } catch {
      alreadyQuoted = false;
    }
    if (end !== undefined) {
      if (end < identifier.length - 1) {
        if (identifier[end + 1] === '.') {
          further = identifierParse(identifier.slice(end + 2), q);
          further.unshift(identifier.slice(0, end + 1));
        } else throw new SqlParseError('User escaped identifiers must escape extra quotes');
      } else further = [identifier];
    }
  }
  if (!alreadyQuoted) {
    const dot = identifier.indexOf('.');
    const wrap = (s: string) => q + s.split(q).join(q + q) + q;
    if (dot < 0 || dot === 0 || dot >= identifier.length - 1) further = [wrap(identifier)];
    else {
      further = identifierParse(identifier.slice(dot + 1), q);
      further.unshift(wrap(identifier.slice(0, dot)));
    }
  }
  return further;
}

const DOT_LEVEL = { database: 1, table: 2, column: 3, role: 1, vars: 1 } as const;

/** module_utils/database.py mysql_quote_identifier. */
export function quoteIdentifier(identifier: string, type: keyof typeof DOT_LEVEL): string {
  const parts = identifierParse(identifier, '`');
  if (parts.length - 1 > DOT_LEVEL[type]) throw new SqlParseError(`MySQL does not support ${type} with more than ${DOT_LEVEL[type]} dots`);
  return parts.map((f) => (f === '`*`' ? '*' : f)).join('.');
}

/** The mysql_native_password hash of a password, as `CONCAT('*', UCASE(SHA1(UNHEX(SHA1(pw)))))` on a utf8mb4 connection. */
export function nativePasswordHash(pw: string): string {
  const inner = createHash('sha1').update(Buffer.from(pw, 'utf8')).digest();
  return `*${createHash('sha1').update(inner).digest('hex').toUpperCase()}`;
}

/** The values of no_log arguments (AnsibleModule's no_log_values: non-empty strings, numbers as text). */
export function noLogValues(...vals: unknown[]): Set<string> {
  const out = new Set<string>();
  for (const v of vals) {
    if (typeof v === 'string' && v) out.add(v);
    else if (typeof v === 'number') out.add(String(v));
  }
  return out;
}

/** AnsibleModule's remove_values on a result: a string equal to a no_log value is replaced whole, others have it masked. */
export function removeNoLogValues<T>(value: T, secrets: Set<string>): T {
  if (secrets.size === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      return secrets.has(v) ? 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' : maskNoLog(v, secrets);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** ansible's get_bin_path search: PATH then the sbin directories; a probe line `bin_NAME=PATH`. */
export function binProbe(names: string[]): string {
  return names.map((n) => `printf 'bin_${n}=%s\\n' "$(PATH="$PATH:${SBIN}" command -v ${n})"`).join('\n');
}

/** The PATH the host's probe saw, for get_bin_path's failure message. */
export function pathProbe(): string {
  return `printf 'path=%s\\n' "$PATH"`;
}

/** get_bin_path's failure message. */
export function missingBinMessage(name: string, path: string): string {
  const dirs = path.split(':');
  for (const d of SBIN.split(':')) if (!dirs.includes(d)) dirs.push(d);
  return `Failed to find required executable "${name}" in paths: ${dirs.join(':')}`;
}

/** tsplay's own requirement: the mysql command-line client (the module itself needs only PyMySQL). */
export function noClientMessage(path: string): string {
  return `tsplay runs community.mysql modules through the mysql command-line client on the host (package mariadb-client or mysql-client): ${missingBinMessage('mysql', path)}`;
}

/** Arguments given as a zod schema's own keys (for the refusal of arguments tsplay does not implement). */
export const anyDict = z.record(z.string(), z.unknown());
