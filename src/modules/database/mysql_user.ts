/**
 * `mysql_user` (community.mysql.mysql_user 3.7.2): a MySQL/MariaDB account, its password (hashed
 * here as mysql_native_password, as the module asks the server to), authentication plugin,
 * privileges (`db.table:PRIV,PRIV/…` or a dict; replace, append_privs, subtract_privs), TLS
 * requirements and resource limits. The probe reads what the module reads (mysql.user rows, SHOW
 * GRANTS, SHOW CREATE USER); the plan follows user_add / user_mod / user_delete step by step,
 * check mode included (it stops at the first change with that step's message, as the module does).
 */
import { z } from 'zod';
import { quote, raw } from '../../commands/quote.js';
import { shlexSplit } from '../../commands/shlex.js';
import type { RunResult } from '../../executors/types.js';
import { repr, str as pyStr } from '../../template/jinja/py.js';
import { bool, str, withAliases } from '../system/args.js';
import { defineModule, type Outcome, type Plan, type Probe } from '../types.js';
import {
  driverError,
  expandedPath,
  LOGIN_PW_ENV,
  mysqlConnectionAliases,
  mysqlConnectionArgs,
  nativePasswordHash,
  noClientMessage,
  noLogValues,
  parseSession,
  pathProbe,
  quoteIdentifier,
  removeNoLogValues,
  type SessionProbe,
  sessionError,
  sessionScript,
  sqlLiteral,
  sqlString,
  unhex,
} from './mysql-common.js';

const dictArg = z.record(z.string(), z.unknown());

export const mysqlUserArgs = withAliases(
  { name: 'user', ...mysqlConnectionAliases },
  z
    .strictObject({
      ...mysqlConnectionArgs,
      user: str,
      password: str.optional(),
      encrypted: bool.default(false),
      host: str.default('localhost'),
      host_all: bool.default(false),
      state: z.enum(['absent', 'present']).default('present'),
      priv: z.unknown().optional(),
      tls_requires: dictArg.nullable().optional(),
      append_privs: bool.default(false),
      subtract_privs: bool.default(false),
      check_implicit_admin: bool.default(false),
      update_password: z.enum(['always', 'on_create', 'on_new_username']).default('always'),
      sql_log_bin: bool.default(true),
      plugin: str.optional(),
      plugin_hash_string: str.optional(),
      plugin_auth_string: str.optional(),
      resource_limits: dictArg.nullable().optional(),
      force_context: bool.default(false),
      session_vars: dictArg.nullable().optional(),
    })
    .refine((a) => !(a.append_privs && a.subtract_privs), { message: 'parameters are mutually exclusive: append_privs|subtract_privs' }),
);
export type MysqlUserArgs = z.infer<typeof mysqlUserArgs>;

/** Privileges by object (`*.*`, `` `db`.* ``), as privileges_get / privileges_unpack return them (insertion order kept). */
export type PrivMap = Map<string, string[]>;

interface HostRow {
  host: string;
  /** The hash user_mod compares: Password, else authentication_string (NULL when both are empty). */
  pwHash?: string;
  plugin: string;
  authString: string;
  limits: Record<string, number>;
  grants: string[];
  create?: string;
}

interface UserProbe {
  session: SessionProbe;
  path: string;
  version: string;
  sqlMode: string;
  exists: boolean;
  /** The account's rows (mysql.user WHERE user = …), each host with what the module reads about it. */
  hosts: HostRow[];
  /** get_existing_authentication: the distinct (plugin, auth) pairs, at most two. */
  auth: Array<{ plugin: string; auth: string }>;
  /** The first session statement the server refused: its index and the client's error. */
  sessionVarError?: { index: number; error: string };
}

export class InvalidPrivsError extends Error {}

/** Ansible's `str.split(sep, 1)` from the right. */
function rsplit1(s: string, sep: string): string[] {
  const i = s.lastIndexOf(sep);
  return i < 0 ? [s] : [s.slice(0, i), s.slice(i + sep.length)];
}

const stripChar = (s: string, c: string): string => {
  let a = 0;
  let b = s.length;
  while (a < b && s[a] === c) a++;
  while (b > a && s[b - 1] === c) b--;
  return s.slice(a, b);
};

function sortColumnOrder(statement: string): string {
  const tmp = statement.split('(');
  const name = tmp[0]!;
  const cols = (tmp[1] ?? '')
    .replace(/\)+$/, '')
    .split(',')
    .map((c) => stripChar(c.trim(), '`'));
  cols.sort();
  return `${name}(${cols.join(', ')})`;
}

/** normalize_col_grants: `SELECT (a`, `b)` joined back as `SELECT (a, b)`, the columns sorted. */
export function normalizeColGrants(privs: string[]): string[] {
  let out = privs;
  for (const grant of ['SELECT', 'UPDATE', 'INSERT', 'REFERENCES']) {
    let start: number | undefined;
    let end: number | undefined;
    for (const [n, p] of out.entries()) {
      if (p.includes(`${grant} (`)) start = n;
      if (start !== undefined && p.includes(')')) {
        end = n;
        break;
      }
    }
    if (start === undefined || end === undefined) continue;
    if (start !== end) out = [...out.slice(0, start), sortColumnOrder(out.slice(start, end + 1).join(', ')), ...out.slice(end + 1)];
    else {
      out = [...out];
      out[start] = sortColumnOrder(out[start]!);
    }
  }
  return out;
}

/** privileges_unpack: the `priv` text as a map; `*.*: USAGE` added unless given (ensure_usage). */
export function privilegesUnpack(priv: string, mode: 'ANSI' | 'NOTANSI', ensureUsage: boolean): PrivMap {
  const quoteChar = mode === 'ANSI' ? '"' : '`';
  const out: PrivMap = new Map();
  let privs: string[] = [];
  for (const item of priv.trim().split('/')) {
    const pieces = rsplit1(item.trim(), ':');
    if (pieces.length < 2) throw new InvalidPrivsError('MODULE FAILURE: list index out of range');
    const dbpriv = rsplit1(pieces[0]!, '.');
    const sp = dbpriv[0]!.indexOf(' ');
    let objectType = '';
    if (sp >= 0) {
      const head = dbpriv[0]!.slice(0, sp);
      if (head === 'FUNCTION' || head === 'PROCEDURE') {
        objectType = `${head} `;
        dbpriv[0] = dbpriv[0]!.slice(sp + 1);
      }
    }
    for (const [i, side] of dbpriv.entries()) if (stripChar(side, '`') !== '*') dbpriv[i] = `${quoteChar}${stripChar(side, '`')}${quoteChar}`;
    const key = objectType + dbpriv.join('.');
    const p = pieces[1]!.toUpperCase();
    if (p.includes('(')) {
      const list = p.split(/,\s*(?=[^)]*(?:\(|$))/);
      out.set(key, list);
      // the module's `privs` still names the previous object's list: the bare names land there (its GRANT then fails)
      for (const x of list) privs.push(x.replace(/\s*\(.*\)/, ''));
    } else {
      const list = p.split(',');
      out.set(key, list);
      privs = list;
    }
    out.set(key, normalizeColGrants(out.get(key)!));
  }
  if (ensureUsage && !out.has('*.*')) out.set('*.*', ['USAGE']);
  return out;
}

const GRANT_LINE = /^GRANT (.+) ON (.+) TO (['`"]).*\3@(['`"]).*\4( IDENTIFIED BY PASSWORD (['`"]).+\6)? ?(.*)/;

/** privileges_get: SHOW GRANTS lines parsed (role grants skipped); an unparsable line is the module's error. */
export function privilegesGet(grants: string[]): PrivMap {
  const out: PrivMap = new Map();
  for (const g of grants) {
    const res = GRANT_LINE.exec(g);
    if (!res) {
      if (/^GRANT (.+) TO (['`"]).*/.test(g)) continue;
      throw new InvalidPrivsError(`unable to parse the MySQL grant string: ${g}`);
    }
    let privs = res[1]!.split(',').map((x) => {
      const t = x.trim();
      return t === 'ALL PRIVILEGES' ? 'ALL' : t;
    });
    privs = normalizeColGrants(privs);
    if ((res[7] ?? '').includes('WITH GRANT OPTION')) privs.push('GRANT');
    const db = res[2]!;
    out.set(db, [...(out.get(db) ?? []), ...privs]);
  }
  return out;
}

function samePrivs(a: PrivMap, b: PrivMap): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || w.length !== v.length || v.some((x, i) => x !== w[i])) return false;
  }
  return true;
}

/** sanitize_requires: keys upper-cased; SSL / X509 as a word, else the dict of SUBJECT / ISSUER / CIPHER. */
export function sanitizeRequires(t: Record<string, unknown> | null | undefined): string | Record<string, unknown> | undefined {
  if (!t || Object.keys(t).length === 0) return undefined;
  const s: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) s[k.toUpperCase()] = v;
  if (['CIPHER', 'ISSUER', 'SUBJECT'].some((k) => k in s)) {
    delete s['SSL'];
    delete s['X509'];
    return s;
  }
  return 'X509' in s ? 'X509' : 'SSL';
}

/** get_tls_requires from SHOW CREATE USER's line. */
export function currentRequires(create: string | undefined): string | Record<string, string> | undefined {
  if (!create?.includes('REQUIRE')) return undefined;
  const m = /(?<=\bREQUIRE\b)(.*?)(?=(?:\bPASSWORD\b|$))/.exec(create);
  const req = m ? m[0].trim() : '';
  if (['SSL', 'X509', 'NONE'].some((r) => req.startsWith(r))) {
    const w = req.split(/\s+/)[0]!;
    return w === 'NONE' ? undefined : w;
  }
  const items = shlexSplit(req);
  const d: Record<string, string> = {};
  for (let i = 0; i + 1 < items.length; i += 2) d[items[i]!] = items[i + 1]!;
  return Object.keys(d).length ? d : undefined;
}

function sameRequires(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined || typeof a === 'string' || typeof b === 'string') return a === b;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return Object.keys(x).length === Object.keys(y).length && Object.keys(x).every((k) => k in y && pyStr(x[k]) === pyStr(y[k]));
}

/** convert_priv_dict_to_str. */
function privDictToStr(d: Record<string, unknown>): string {
  return Object.entries(d)
    .map(([k, v]) => `${k}:${pyStr(v)}`)
    .join('/');
}

/** Python's type() name of a value, as `%s` prints it. */
function pyType(v: unknown): string {
  const t = Array.isArray(v) ? 'list' : typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : v === null ? 'NoneType' : 'dict';
  return `<class '${t}'>`;
}

/** Python's int() of a resource limit value, or undefined where it raises. */
function pyInt(v: unknown): number | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) return Number(v.trim());
  return undefined;
}

const LIMIT_KEYS = ['MAX_QUERIES_PER_HOUR', 'MAX_UPDATES_PER_HOUR', 'MAX_CONNECTIONS_PER_HOUR', 'MAX_USER_CONNECTIONS'];

function probeSql(a: MysqlUserArgs): { first: string; gen: string } {
  const u = sqlString(a.user);
  const host = a.host.toLowerCase();
  const hostCond = a.host_all ? '' : ` AND host = ${sqlString(host)}`;
  const curHash = "HEX(COALESCE(CASE WHEN Password = '' THEN NULL ELSE Password END, CASE WHEN authentication_string = '' THEN NULL ELSE authentication_string END))";
  const first = [
    "SELECT 'version', HEX(VERSION());",
    "SELECT 'sqlmode', HEX(@@GLOBAL.sql_mode);",
    `SELECT 'exists', count(*) FROM mysql.user WHERE user = ${u}${hostCond};`,
    `SELECT 'row', HEX(Host), ${curHash}, HEX(plugin), HEX(authentication_string), max_questions, max_updates, max_connections, max_user_connections, max_statement_time FROM mysql.user WHERE user = ${u};`,
    // MySQL has neither Password nor max_statement_time: its own row and auth queries (used when MariaDB's return nothing)
    `SELECT 'rowm', HEX(Host), HEX(NULLIF(authentication_string, '')), HEX(plugin), HEX(authentication_string), max_questions, max_updates, max_connections, max_user_connections, 0 FROM mysql.user WHERE user = ${u};`,
    `SELECT 'authm', HEX(plugin), HEX(authentication_string) FROM mysql.user WHERE user = ${u} GROUP BY plugin, authentication_string LIMIT 2;`,
    `SELECT 'auth', HEX(plugin), HEX(auth) FROM (SELECT plugin, password AS auth FROM mysql.user WHERE user = ${u} UNION SELECT plugin, authentication_string AS auth FROM mysql.user WHERE user = ${u}) x GROUP BY plugin, auth LIMIT 2;`,
  ].join('\n');
  const gen = `SELECT CONCAT('SELECT ''grants'', ', QUOTE(HEX(Host)), ';\\nSHOW GRANTS FOR ', QUOTE(User), '@', QUOTE(Host), ';\\nSELECT ''create'', ', QUOTE(HEX(Host)), ';\\nSHOW CREATE USER ', QUOTE(User), '@', QUOTE(Host), ';') FROM mysql.user WHERE user = ${u}${hostCond};`;
  return { first, gen };
}

/** sql_log_bin and session_vars: run first on the connection, as the module does. */
function sessionStatements(a: MysqlUserArgs): string[] {
  const out: string[] = [];
  if (!a.sql_log_bin) out.push('SET SQL_LOG_BIN=0;');
  for (const [k, v] of Object.entries(a.session_vars ?? {})) out.push(`SET SESSION ${quoteIdentifier(k, 'vars')} = ${sqlLiteral(v)};`);
  return out;
}

function probeScript(a: MysqlUserArgs): string {
  const { first, gen } = probeSql(a);
  return [
    `${LOGIN_PW_ENV}=${quote(a.login_password ?? '')}`,
    pathProbe(),
    sessionScript(a, { implicitAdmin: a.check_implicit_admin, database: a.force_context ? 'mysql' : undefined }),
    'if [ $conn = ok ]; then',
    // set_session_vars fails the module on the first variable the server refuses
    ...sessionStatements(a).map((st, i) => `  if ! e=$(printf '%s\\n' ${quote(st)} | q 2>&1 >/dev/null); then printf 'sverr=%s\\n' "${i}:$(printf %s "$e" | base64 -w0)"; fi`),
    `  printf '%s\\n' ${quote(first)} | q -N -B --force 2>/dev/null`,
    `  t=$(mktemp) && printf '%s\\n' ${quote(gen)} | q -N -B --raw > "$t" 2>/dev/null && q -N -B --force < "$t" 2>/dev/null; rm -f "$t"`,
    'fi',
  ].join('\n');
}

function parseProbe(r: RunResult): UserProbe {
  const lines = r.stdout.split('\n');
  const i = lines.findIndex((l) => l.startsWith('home='));
  const path = lines.find((l) => l.startsWith('path='))?.slice(5) ?? '';
  const session = parseSession(lines.slice(i < 0 ? lines.length : i).join('\n'));
  const p: UserProbe = { session, path, version: '', sqlMode: '', exists: false, hosts: [], auth: [] };
  let cur: { row: HostRow; kind: 'grants' | 'create' } | undefined;
  let mariaRows = false;
  for (const row of session.rows) {
    const [k] = row;
    if (k?.startsWith('sverr=') && !p.sessionVarError) {
      const [idx, e] = k.slice(6).split(':');
      p.sessionVarError = { index: Number(idx), error: Buffer.from(e ?? '', 'base64').toString('utf8') };
    } else if (k === 'version') p.version = unhex(row[1]) ?? '';
    else if (k === 'sqlmode') p.sqlMode = unhex(row[1]) ?? '';
    else if (k === 'exists') p.exists = Number(row[1]) > 0;
    else if ((k === 'row' || k === 'rowm') && row.length >= 10) {
      if (k === 'rowm' && mariaRows) continue;
      if (k === 'row') mariaRows = true;
      const num = (x: string | undefined) => (x === undefined || x === 'NULL' ? 0 : Number(x));
      p.hosts.push({
        host: unhex(row[1]) ?? '',
        pwHash: unhex(row[2]),
        plugin: unhex(row[3]) ?? '',
        authString: unhex(row[4]) ?? '',
        limits: {
          MAX_QUERIES_PER_HOUR: num(row[5]),
          MAX_UPDATES_PER_HOUR: num(row[6]),
          MAX_CONNECTIONS_PER_HOUR: num(row[7]),
          MAX_USER_CONNECTIONS: num(row[8]),
          MAX_STATEMENT_TIME: num(row[9]),
        },
        grants: [],
      });
    } else if (k === 'auth' || (k === 'authm' && !p.version.toLowerCase().includes('mariadb'))) p.auth.push({ plugin: unhex(row[1]) ?? '', auth: unhex(row[2]) ?? '' });
    else if ((k === 'grants' || k === 'create') && row.length === 2) {
      const h = unhex(row[1]) ?? '';
      const hr = p.hosts.find((x) => x.host === h);
      cur = hr ? { row: hr, kind: k } : undefined;
    } else if (cur && row.length === 1) {
      if (cur.kind === 'grants') cur.row.grants.push(row[0]!);
      else cur.row.create = row[0]!;
    }
  }
  return p;
}

/** One statement of the batch, and how the module words its failure. */
interface Stmt {
  sql: string;
  /** InvalidPrivsError's wording of a failed GRANT. */
  grant?: { privString: string; params: string; query: string };
}

const acct = (u: string, h: string) => `${sqlString(u)}@${sqlString(h)}`;

/** What the module decided: its result, or the statements to run and the result they give. */
interface Decision {
  stmts: Stmt[];
  changed: boolean;
  msg?: string;
  passwordChanged: boolean | null;
  /** Hosts whose privileges are compared after the statements (user_mod's after_priv). */
  privChecks: Array<{ host: string; before: PrivMap }>;
  failed?: string;
}

function grantStmt(user: string, host: string, dbTable: string, priv: string[], tls: unknown): Stmt {
  const privString = priv.filter((p) => p !== 'GRANT').join(',');
  const grantOpt = priv.includes('GRANT') ? ' WITH GRANT OPTION' : '';
  void tls; // MariaDB ≥ 10.2 / MySQL ≥ 5.7 put REQUIRE on CREATE/ALTER USER, never on GRANT
  return {
    sql: `GRANT ${privString} ON ${dbTable} TO ${acct(user, host)}${grantOpt}`,
    grant: { privString, params: repr([user, host]).replace(/^\[/, '(').replace(/\]$/, ')'), query: `GRANT ${privString} ON ${dbTable} TO %s@%s${grantOpt}` },
  };
}

function revokeStmts(user: string, host: string, dbTable: string, priv: string[], grantOption: boolean): Stmt[] {
  const out: Stmt[] = [];
  if (grantOption) out.push({ sql: `REVOKE GRANT OPTION ON ${dbTable} FROM ${acct(user, host)}` });
  const ps = priv.filter((p) => p !== 'GRANT').join(',');
  if (ps !== '') out.push({ sql: `REVOKE ${ps} ON ${dbTable} FROM ${acct(user, host)}` });
  out.push({ sql: 'FLUSH PRIVILEGES' });
  return out;
}

function requireClause(tls: unknown): string {
  if (tls === undefined) return '';
  if (typeof tls === 'string') return ` REQUIRE ${tls}`;
  return ` REQUIRE ${Object.entries(tls as Record<string, unknown>)
    .map(([k, v]) => `${k} ${sqlLiteral(v)}`)
    .join(' AND ')}`;
}

const isHash = (pw: string) => pw.length === 41 && pw[0] === '*' && /^[0-9a-fA-F]+$/.test(pw.slice(1));

function userAdd(a: MysqlUserArgs, p: UserProbe, host: string, newPriv: PrivMap | undefined, tls: unknown, check: boolean): Decision {
  if (check) return { stmts: [], changed: true, passwordChanged: null, privChecks: [] };
  let password = a.password;
  let plugin = a.plugin;
  let hashString = a.plugin_hash_string;
  let usedExisting = false;
  if (a.update_password === 'on_new_username' && p.auth.length === 1) {
    plugin = p.auth[0]!.plugin;
    hashString = p.auth[0]!.auth;
    password = undefined;
    usedExisting = true;
  }
  const who = acct(a.user, host);
  const mariadb = p.version.toLowerCase().includes('mariadb');
  let q: string;
  if (password && a.encrypted)
    q =
      mariadb || !/^([89]|\d\d)/.test(p.version)
        ? `CREATE USER ${who} IDENTIFIED BY PASSWORD ${sqlString(password)}`
        : `CREATE USER ${who} IDENTIFIED WITH mysql_native_password AS ${sqlString(password)}`;
  else if (password) q = `CREATE USER ${who} IDENTIFIED WITH mysql_native_password AS ${sqlString(nativePasswordHash(password))}`;
  else if (plugin && hashString) q = `CREATE USER ${who} IDENTIFIED WITH ${sqlString(plugin)} AS ${sqlString(hashString)}`;
  else if (plugin && a.plugin_auth_string) q = `CREATE USER ${who} IDENTIFIED WITH ${sqlString(plugin)} ${plugin === 'pam' ? 'USING' : 'BY'} ${sqlString(a.plugin_auth_string)}`;
  else if (plugin) q = `CREATE USER ${who} IDENTIFIED WITH ${sqlString(plugin)}`;
  else q = `CREATE USER ${who}`;
  const stmts: Stmt[] = [{ sql: q + requireClause(tls) }];
  for (const [dbTable, priv] of newPriv ?? []) stmts.push(grantStmt(a.user, host, dbTable, priv, tls));
  return { stmts, changed: true, passwordChanged: !usedExisting, privChecks: [] };
}

function userMod(
  a: MysqlUserArgs,
  p: UserProbe,
  host: string,
  password: string | undefined,
  plugin: string | undefined,
  newPriv: PrivMap | undefined,
  tls: unknown,
  check: boolean,
): Decision {
  const d: Decision = { stmts: [], changed: false, msg: 'User unchanged', passwordChanged: false, privChecks: [] };
  const early = (msg: string): Decision => ({ ...d, stmts: [], changed: true, msg, privChecks: [] });
  const hostnames = a.host_all ? p.hosts.map((h) => h.host) : [host];
  let grantOption = false;
  for (const h of hostnames) {
    const row = p.hosts.find((x) => x.host === h);
    if (password) {
      let hash: string;
      if (a.encrypted) {
        if (!isHash(password)) return { ...d, failed: 'encrypted was specified however it does not appear to be a valid hash expecting: *SHA1(SHA1(your_password))' };
        hash = password;
      } else hash = nativePasswordHash(password);
      if (row?.pwHash !== hash) {
        d.passwordChanged = true;
        d.msg = 'Password updated';
        if (check) return early(d.msg);
        d.stmts.push({ sql: `ALTER USER ${acct(a.user, h)} IDENTIFIED WITH mysql_native_password AS ${sqlString(hash)}` });
        d.msg = 'Password updated (new style)';
        d.changed = true;
      }
    }
    if (plugin) {
      const update =
        row?.plugin !== plugin || (a.plugin_hash_string && row?.authString !== a.plugin_hash_string) || (a.plugin_auth_string && row?.authString !== a.plugin_auth_string);
      if (update) {
        // The module runs this ALTER even in check mode; tsplay does not change anything in check mode.
        const who = acct(a.user, h);
        let q: string;
        if (a.plugin_hash_string) q = `ALTER USER ${who} IDENTIFIED WITH ${sqlString(plugin)} AS ${sqlString(a.plugin_hash_string)}`;
        else if (a.plugin_auth_string) q = `ALTER USER ${who} IDENTIFIED WITH ${sqlString(plugin)} ${plugin === 'pam' ? 'USING' : 'BY'} ${sqlString(a.plugin_auth_string)}`;
        else q = `ALTER USER ${who} IDENTIFIED WITH ${sqlString(plugin)}`;
        if (!check) d.stmts.push({ sql: q });
        d.passwordChanged = true;
        d.changed = true;
      }
    }
    if (newPriv) {
      const curr = privilegesGet(row?.grants ?? []);
      if (!a.append_privs && !a.subtract_privs) {
        for (const [dbTable, priv] of curr) {
          if (priv.includes('GRANT')) grantOption = true;
          if (!newPriv.has(dbTable) && a.user !== 'root' && !priv.includes('PROXY')) {
            d.msg = 'Privileges updated';
            if (check) return early(d.msg);
            d.stmts.push(...revokeStmts(a.user, h, dbTable, priv, grantOption));
            d.changed = true;
          }
        }
      }
      if (!a.subtract_privs) {
        for (const [dbTable, priv] of newPriv) {
          if (!curr.has(dbTable)) {
            d.msg = 'New privileges granted';
            if (check) return early(d.msg);
            d.stmts.push(grantStmt(a.user, h, dbTable, priv, tls));
            d.changed = true;
          }
        }
      }
      for (const dbTable of [...newPriv.keys()].filter((k) => curr.has(k))) {
        const want = newPriv.get(dbTable)!;
        const have = curr.get(dbTable)!;
        let grant: string[] = [];
        let revoke: string[] = [];
        if (a.append_privs) grant = [...new Set(want.filter((x) => !have.includes(x)))];
        else if (a.subtract_privs) revoke = [...new Set(want.filter((x) => have.includes(x)))];
        else {
          grant = [...new Set(want.filter((x) => !have.includes(x)))];
          revoke = [...new Set(have.filter((x) => !want.includes(x)))];
          if (grant.includes('ALL') || grant.includes('ALL PRIVILEGES')) revoke = revoke.filter((x) => x === 'GRANT' || x === 'PROXY');
          grantOption = revoke.includes('GRANT') && !grant.includes('GRANT');
        }
        if (grant.length === 1 && grant[0] === 'GRANT') grant.push('USAGE');
        if (grant.length + revoke.length > 0) {
          d.msg = `Privileges updated: granted ${repr(grant)}, revoked ${repr(revoke)}`;
          if (check) return early(d.msg);
          if (revoke.length) d.stmts.push(...revokeStmts(a.user, h, dbTable, revoke, grantOption));
          if (grant.length) d.stmts.push(grantStmt(a.user, h, dbTable, grant, tls));
        }
      }
      d.privChecks.push({ host: h, before: curr });
    }
    const cur = currentRequires(row?.create);
    if (!sameRequires(cur, tls)) {
      d.msg = 'TLS requires updated';
      if (check) return early(d.msg);
      d.stmts.push({ sql: `ALTER USER ${acct(a.user, h)}${tls === undefined ? ' REQUIRE NONE' : requireClause(tls)}` });
      d.changed = true;
    }
  }
  return d;
}

export const mysqlUserModule = defineModule<MysqlUserArgs>({
  name: 'mysql_user',
  aliases: ['community.mysql.mysql_user'],
  factsFree: true,
  description: 'Add, change or remove a MySQL/MariaDB account and its privileges, as community.mysql.mysql_user (through the mysql client on the host).',
  args: mysqlUserArgs,
  probes: (a): Probe[] => [{ key: 'mysql_user', cmd: raw(probeScript(a)), parse: parseProbe }],
  plan(a, ctx): Plan {
    const secrets = noLogValues(a.login_password, a.password);
    const mask = <T>(v: T): T => removeNoLogValues(v, secrets);
    const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: mask(msg), result: mask({ msg }) });
    const p = ctx.probed['mysql_user'] as UserProbe;
    const s = p.session;
    let priv = a.priv;
    const truthy =
      priv !== undefined &&
      priv !== null &&
      priv !== '' &&
      priv !== false &&
      priv !== 0 &&
      !(Array.isArray(priv) && priv.length === 0) &&
      !(typeof priv === 'object' && Object.keys(priv).length === 0);
    const isDict = typeof priv === 'object' && priv !== null && !Array.isArray(priv);
    if (truthy && typeof priv !== 'string' && !isDict) return fail(`priv parameter must be str or dict but ${pyType(priv)} was passed`);
    if (truthy && isDict) priv = privDictToStr(priv as Record<string, unknown>);
    const tls = sanitizeRequires(a.tls_requires);
    if (!s.mysqlBin) return fail(noClientMessage(p.path));
    if (!s.connected)
      return fail(
        `unable to connect to database, check login_user and login_password are correct or ${expandedPath(a.config_file, s.home)} has the credentials. Exception message: ${sessionError(s, a.config_file)}`,
      );
    if (p.sessionVarError) {
      const [k, v] = Object.entries(a.session_vars ?? {})[p.sessionVarError.index - (a.sql_log_bin ? 0 : 1)] ?? ['', ''];
      return fail(`Failed to execute SET SESSION ${quoteIdentifier(k, 'vars')} = ${pyStr(v)}: ${driverError(p.sessionVarError.error)}`);
    }
    const host = a.host.toLowerCase();
    let newPriv: PrivMap | undefined;
    if (priv !== undefined && priv !== null) {
      if (typeof priv !== 'string') return fail("MODULE FAILURE: 'dict' object has no attribute 'strip'");
      try {
        newPriv = privilegesUnpack(priv, p.sqlMode.includes('ANSI') ? 'ANSI' : 'NOTANSI', !a.subtract_privs);
      } catch (e) {
        return fail((e as Error).message);
      }
    }
    let d: Decision;
    let created = false;
    try {
      if (a.state === 'present') {
        if (p.exists) {
          d =
            a.update_password === 'always'
              ? userMod(a, p, host, a.password, a.plugin, newPriv, tls, ctx.check)
              : userMod(a, p, host, undefined, undefined, newPriv, tls, ctx.check);
        } else {
          if (a.host_all) return fail('host_all parameter cannot be used when adding a user');
          d = userAdd(a, p, host, a.subtract_privs ? undefined : newPriv, tls, ctx.check);
          d.msg = 'User added';
          created = true;
        }
      } else if (p.exists) {
        const hostnames = a.host_all ? p.hosts.map((h) => h.host) : [host];
        d = {
          stmts: ctx.check ? [] : hostnames.map((h) => ({ sql: `DROP USER IF EXISTS ${acct(a.user, h)}` })),
          changed: true,
          msg: 'User deleted',
          passwordChanged: false,
          privChecks: [],
        };
      } else d = { stmts: [], changed: false, msg: "User doesn't exist", passwordChanged: false, privChecks: [] };
    } catch (e) {
      return fail((e as Error).message);
    }
    if (d.failed) return fail(d.failed);
    // resource_limits: compared with the account's row (a new account's limits are all 0)
    let limitsChanged = false;
    if (a.state === 'present' && a.resource_limits && Object.keys(a.resource_limits).length) {
      const mariadb = p.version.toLowerCase().includes('mariadb');
      if (!mariadb && 'MAX_STATEMENT_TIME' in a.resource_limits) return fail('MAX_STATEMENT_TIME resource limit is only supported by MariaDB.');
      const row = p.hosts.find((h) => h.host === host);
      const zero = Object.fromEntries([...LIMIT_KEYS, ...(mariadb ? ['MAX_STATEMENT_TIME'] : [])].map((k) => [k, 0]));
      const current = row ? row.limits : created && !ctx.check ? zero : undefined;
      const change: Array<[string, unknown]> = [];
      if (!current) change.push(...Object.entries(a.resource_limits));
      else
        for (const [k, v] of Object.entries(a.resource_limits)) {
          if (!(k in current) || (!mariadb && k === 'MAX_STATEMENT_TIME')) return fail(`resource_limits: key '${k}' is unsupported.`);
          const n = pyInt(v);
          if (n === undefined) return fail(`Can't convert value '${pyStr(v)}' to integer.`);
          if (n !== current[k]) change.push([k, n]);
        }
      if (change.length) {
        limitsChanged = true;
        if (!ctx.check) d.stmts.push({ sql: `ALTER USER ${acct(a.user, host)} WITH ${change.map(([k, v]) => `${k} ${pyStr(v)}`).join(' ')}` });
      }
    }
    const result = (changed: boolean) => mask({ changed, user: a.user, msg: d.msg, password_changed: d.passwordChanged });
    const staticChanged = d.changed || limitsChanged;
    if (ctx.check || (d.stmts.length === 0 && d.privChecks.length === 0)) return { changed: staticChanged, commands: [], result: result(staticChanged), msg: d.msg };
    if (d.stmts.length === 0) return { changed: staticChanged, commands: [], result: result(staticChanged), msg: d.msg };
    const pre = sessionStatements(a).map((x) => x.replace(/;$/, ''));
    const batch = [...pre.map((sql) => ({ sql }) as Stmt), ...d.stmts];
    const checks = d.privChecks.map((c) => `SELECT 'after', HEX(${sqlString(c.host)});\nSHOW GRANTS FOR ${acct(a.user, c.host)};`);
    const session = sessionScript(a, { implicitAdmin: a.check_implicit_admin, database: a.force_context ? 'mysql' : undefined });
    return {
      changed: true,
      commands: [
        {
          kind: 'shell',
          cmd: raw(`${session}\n[ $conn = ok ] || { printf '%s\\n' "$e" >&2; exit 1; }\nq -N -B`),
          stdin: `${batch.map((x) => `${x.sql};`).join('\n')}\n${checks.join('\n')}\n`,
          env: { [LOGIN_PW_ENV]: a.login_password ?? '', TSPLAY_MYSQL_USER_PW: a.password ?? '' },
          secretEnv: [LOGIN_PW_ENV, 'TSPLAY_MYSQL_USER_PW'],
          mayFail: true,
          describe: `${a.state === 'absent' ? 'DROP USER' : created ? 'CREATE USER' : 'ALTER USER / GRANT'} ${a.user}@${a.host_all ? '%(all hosts)' : host}`,
        },
      ],

      interpret(outs): Outcome {
        const o = outs[0]!;
        if (o.rc !== 0) {
          const at = /at line (\d+)/.exec(o.stderr);
          const st = at ? batch[Number(at[1]) - 1] : undefined;
          const e = driverError(o.stderr);
          const msg = st?.grant
            ? `Error granting privileges, invalid priv string: ${st.grant.privString} , params: ${st.grant.params}, query: ${st.grant.query} , exception: ${e}.`
            : e;
          return { changed: false, failed: mask(msg), result: mask({ msg }) };
        }
        let changed = staticChanged;
        if (d.privChecks.length) {
          const after = new Map<string, string[]>();
          let cur: string | undefined;
          for (const row of parseSession(o.stdout.slice(o.stdout.indexOf('home='))).rows) {
            if (row[0] === 'after' && row.length === 2) {
              cur = unhex(row[1]);
              after.set(cur ?? '', []);
            } else if (cur !== undefined && row.length === 1) after.get(cur)!.push(row[0]!);
          }
          for (const c of d.privChecks) {
            try {
              if (!samePrivs(c.before, privilegesGet(after.get(c.host) ?? []))) changed = true;
            } catch (e) {
              return { changed: false, failed: mask((e as Error).message), result: mask({ msg: (e as Error).message }) };
            }
          }
        }
        return { changed, result: result(changed) };
      },
    };
  },
  returns: {
    user: 'the user name, as given',
    msg: "what was done: 'User added', 'Password updated (new style)', 'Privileges updated…', 'User deleted', 'User unchanged'…",
    password_changed: 'whether the password (or plugin) was set (null for a user added in check mode)',
  },
});
