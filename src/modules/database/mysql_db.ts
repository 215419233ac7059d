/**
 * `mysql_db` (community.mysql.mysql_db 3.7.2): databases present / absent (CREATE / DROP DATABASE
 * through the mysql client), dump (mysqldump) and import (mysql < file, gzip/bzip2/xz too), with
 * the module's checks, messages and registered fields (db, db_list, executed_commands, msg). The
 * dump and import commands are the module's own command lines; `executed_commands` shows them as
 * the module returns them (login_password masked by no_log).
 */
import { z } from 'zod';
import { quote, raw } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { repr } from '../../template/jinja/py.js';
import { bool, str, withAliases } from '../system/args.js';
import { defineModule, type Outcome, type Plan, type Probe } from '../types.js';
import {
  binProbe,
  driverError,
  expandedPath,
  LOGIN_PW_ENV,
  missingBinMessage,
  type MysqlConnection,
  mysqlConnectionAliases,
  mysqlConnectionArgs,
  noClientMessage,
  noLogValues,
  parseSession,
  pathProbe,
  quoteIdentifier,
  remotePath,
  removeNoLogValues,
  type SessionProbe,
  sessionError,
  sessionScript,
  sqlString,
} from './mysql-common.js';

/** Ansible's `type='list'`: a comma-separated text is split (not trimmed: the module strips each name). */
const nameList = z.preprocess((v) => {
  if (typeof v === 'string') return v.split(',');
  if (typeof v === 'number' || typeof v === 'boolean') return [String(v)];
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'number' || typeof x === 'boolean' ? String(x) : x));
  return v;
}, z.array(z.string()));

export const mysqlDbArgs = withAliases(
  { db: 'name', ...mysqlConnectionAliases },
  z.strictObject({
    ...mysqlConnectionArgs,
    name: nameList,
    encoding: str.default(''),
    collation: str.default(''),
    target: str.optional(),
    state: z.enum(['absent', 'dump', 'import', 'present']).default('present'),
    single_transaction: bool.default(false),
    quick: bool.default(true),
    ignore_tables: nameList.default([]),
    hex_blob: bool.default(false),
    force: bool.default(false),
    master_data: z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.union([z.literal(0), z.literal(1), z.literal(2)])).default(0),
    skip_lock_tables: bool.default(false),
    dump_extra_args: str.optional(),
    use_shell: bool.default(false),
    unsafe_login_password: bool.default(false),
    restrict_config_file: bool.default(false),
    check_implicit_admin: bool.default(false),
    config_overrides_defaults: bool.default(false),
    chdir: str.optional(),
    pipefail: bool.default(false),
  }),
);
export type MysqlDbArgs = z.infer<typeof mysqlDbArgs>;

interface DbProbe {
  session: SessionProbe;
  path: string;
  bins: Record<string, string>;
  targetExists: boolean;
  /** chdir's errno when the directory could not be entered (2, 20, 13). */
  chdirErrno?: number;
  /** Whether each name (by index) exists (information_schema.SCHEMATA, as db_exists asks). */
  exists: boolean[];
}

const ext = (t: string): string => {
  const base = t.slice(t.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 && base.slice(0, dot).replace(/\.+$/, '') !== '' ? base.slice(dot) : '';
};

const compressor = (t: string): string | undefined => ({ '.gz': 'gzip', '.bz2': 'bzip2', '.xz': 'xz' })[ext(t)];

/** The names the module works on (stripped), and whether it means --all-databases. */
function names(a: MysqlDbArgs): { db: string[]; all: boolean } {
  const db = a.name.map((n) => n.trim());
  return { db, all: (a.state === 'dump' || a.state === 'import') && db.length === 1 && db[0] === 'all' };
}

function existenceSql(db: string[]): string {
  return db.map((d, i) => `SELECT 'db', ${i}, count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${sqlString(d)};`).join('\n');
}

function probeScript(a: MysqlDbArgs): string {
  const { db, all } = names(a);
  const comp = a.target !== undefined ? compressor(a.target) : undefined;
  const L = [
    ...(a.chdir !== undefined
      ? [
          `d=${remotePath(a.chdir)}; if [ ! -e "$d" ]; then echo chdir=2; elif [ ! -d "$d" ]; then echo chdir=20; elif cd "$d" 2>/dev/null; then echo chdir=ok; else echo chdir=13; fi`,
        ]
      : []),
    pathProbe(),
    binProbe(['mysqldump', ...(comp ? [comp] : [])]),
    ...(a.target !== undefined ? [`if [ -e ${remotePath(a.target)} ]; then echo target=1; fi`] : []),
    sessionScript(conn(a), { implicitAdmin: a.check_implicit_admin, overrides: a.config_overrides_defaults }),
    ...(all ? [] : [`if [ $conn = ok ]; then printf '%s\\n' ${quote(existenceSql(db))} | q -N -B; fi`]),
  ];
  return `${LOGIN_PW_ENV}=${quote(a.login_password ?? '')}\n${L.join('\n')}`;
}

function parseProbe(r: RunResult): DbProbe {
  const lines = r.stdout.split('\n');
  const pre: string[] = [];
  let i = 0;
  const p: DbProbe = { session: parseSession(''), path: '', bins: {}, targetExists: false, exists: [] };
  for (; i < lines.length && !lines[i]!.startsWith('home='); i++) pre.push(lines[i]!);
  for (const l of pre) {
    if (l.startsWith('path=')) p.path = l.slice(5);
    else if (l.startsWith('bin_')) {
      const eq = l.indexOf('=');
      if (l.slice(eq + 1)) p.bins[l.slice(4, eq)] = l.slice(eq + 1);
    } else if (l === 'target=1') p.targetExists = true;
    else if (l.startsWith('chdir=') && l !== 'chdir=ok') p.chdirErrno = Number(l.slice(6));
  }
  p.session = parseSession(lines.slice(i).join('\n'));
  for (const row of p.session.rows) if (row[0] === 'db') p.exists[Number(row[1])] = Number(row[2]) > 0;
  return p;
}

const conn = (a: MysqlDbArgs): MysqlConnection => a;

/** pymysql's cursor.mogrify of db_create's query: the names quoted as identifiers, encoding and collation as literals. */
export function createStatement(name: string, encoding: string, collation: string): string {
  const q = [`CREATE DATABASE ${quoteIdentifier(name, 'database')}`];
  if (encoding) q.push(`CHARACTER SET ${sqlString(encoding)}`);
  if (collation) q.push(`COLLATE ${sqlString(collation)}`);
  return q.join(' ');
}

/** shlex.quote. */
const shq = (s: string): string => (s === '' ? "''" : /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`);

interface Built {
  /** The command as the module returns it in executed_commands (login_password in clear, masked later). */
  shown: string;
  /** The shell tsplay runs (the password read from the secret environment variable). */
  run: string;
}

/** db_dump's command line. */
export function dumpCommand(a: MysqlDbArgs, p: DbProbe, db: string[], all: boolean, configFile: string | undefined, implicit: boolean): Built {
  const shown: string[] = [p.bins['mysqldump']!];
  const run: string[] = [quote(p.bins['mysqldump']!)];
  const both = (s: string, r = s) => {
    shown.push(s);
    run.push(r);
  };
  if (configFile) both(`${a.restrict_config_file ? '--defaults-file' : '--defaults-extra-file'}=${shq(configFile)}`);
  if (implicit) both("--user=root --password=''");
  else {
    if (a.login_user !== undefined) both(`--user=${shq(a.login_user)}`);
    if (a.login_password !== undefined)
      both(
        a.unsafe_login_password ? `--password=${a.login_password}` : `--password=${shq(a.login_password)}`,
        a.unsafe_login_password ? `--password=${a.login_password}` : `--password="$${LOGIN_PW_ENV}"`,
      );
  }
  if (a.client_cert !== undefined) both(`--ssl-cert=${shq(a.client_cert)}`);
  if (a.client_key !== undefined) both(`--ssl-key=${shq(a.client_key)}`);
  if (a.ca_cert !== undefined) both(`--ssl-ca=${shq(a.ca_cert)}`);
  if (a.force) both('--force');
  if (a.login_unix_socket !== undefined) both(`--socket=${shq(a.login_unix_socket)}`);
  else both(`--host=${shq(p.session.host)} --port=${Number(p.session.port)}`);
  if (all) both('--all-databases');
  else if (db.length > 1) both(`--databases ${db.join(' ')}`);
  else both(shq(db.join(' ')));
  if (a.skip_lock_tables) both('--skip-lock-tables');
  if (a.encoding) both(`--default-character-set=${shq(a.encoding)}`);
  if (a.single_transaction) both('--single-transaction=true');
  if (a.quick) both('--quick');
  for (const t of a.ignore_tables) both(`--ignore-table=${t}`);
  if (a.hex_blob) both('--hex-blob');
  if (a.master_data) both(`--master-data=${a.master_data}`);
  if (a.dump_extra_args !== undefined) both(a.dump_extra_args);
  let s = shown.join(' ');
  let r = run.join(' ');
  const comp = compressor(a.target!);
  if (comp) {
    s = `${s} | ${p.bins[comp]} > ${shq(a.target!)}`;
    r = `${r} | ${quote(p.bins[comp]!)} > ${shq(a.target!)}`;
    if (a.pipefail) {
      s = `set -o pipefail && ${s}`;
      r = `set -o pipefail && ${r}`;
    }
  } else {
    s += ` > ${shq(a.target!)}`;
    r += ` > ${shq(a.target!)}`;
  }
  return { shown: s, run: a.pipefail ? `exec bash -c ${quote(r)}` : r };
}

/** db_import's command: the mysql words (a list, as the module builds it) and how it reads the target. */
export function importCommand(a: MysqlDbArgs, p: DbProbe, db: string[], all: boolean, configFile: string | undefined, implicit: boolean): Built {
  const words: string[] = [p.session.mysqlBin!];
  const runWords: string[] = [p.session.mysqlBin!];
  const both = (s: string, r = s) => {
    words.push(s);
    runWords.push(r);
  };
  if (configFile) both(`${a.restrict_config_file ? '--defaults-file' : '--defaults-extra-file'}=${shq(configFile)}`);
  if (implicit) both("--user=root --password=''");
  else {
    if (a.login_user) both(`--user=${shq(a.login_user)}`);
    if (a.login_password) both(a.unsafe_login_password ? `--password=${a.login_password}` : `--password=${shq(a.login_password)}`, '\0PW');
  }
  if (a.client_cert !== undefined) both(`--ssl-cert=${shq(a.client_cert)}`);
  if (a.client_key !== undefined) both(`--ssl-key=${shq(a.client_key)}`);
  if (a.ca_cert !== undefined) both(`--ssl-ca=${shq(a.ca_cert)}`);
  if (a.force) both('-f');
  if (a.login_unix_socket !== undefined) both(`--socket=${shq(a.login_unix_socket)}`);
  else {
    both(`--host=${shq(p.session.host)}`);
    both(`--port=${Number(p.session.port)}`);
  }
  if (a.encoding) both(`--default-character-set=${shq(a.encoding)}`);
  if (!all) {
    both('--one-database');
    both(shq(db.join('')));
  }
  const target = a.target!;
  const comp = compressor(target);
  const pwRun = a.unsafe_login_password ? undefined : `--password="$${LOGIN_PW_ENV}"`;
  if (comp && !a.use_shell) {
    // subprocess.Popen without a shell: every list item is one argv word, as written
    const argv = runWords.map((w) => (w === '\0PW' ? `--password="$${LOGIN_PW_ENV}"` : quote(w))).join(' ');
    const z = quote(p.bins[comp]!);
    return {
      shown: `${p.bins[comp]} -dc ${target} | ${repr(words)}`,
      run: `e1=$(mktemp) && r1=$(mktemp) || exit 1; { ${z} -dc ${quote(target)} 2>"$e1"; echo $? > "$r1"; } | ${argv}; r2=$?; c1=$(cat "$r1"); if [ "$c1" != 0 ]; then cat "$e1" >&2; rm -f "$e1" "$r1"; exit "$c1"; fi; rm -f "$e1" "$r1"; exit $r2`,
    };
  }
  const line = words.join(' ');
  const runLine = runWords.map((w) => (w === '\0PW' ? (pwRun ?? `--password=${a.login_password}`) : w)).join(' ');
  if (comp) return { shown: `${p.bins[comp]} -dc ${target} | ${repr(words)}`, run: `${p.bins[comp]} -dc ${shq(target)} | ${runLine}` };
  return { shown: `${line} < ${shq(target)}`, run: `${runLine} < ${shq(target)}` };
}

export const mysqlDbModule = defineModule<MysqlDbArgs>({
  name: 'mysql_db',
  aliases: ['community.mysql.mysql_db'],
  factsFree: true,
  description: 'Create, drop, dump or import MySQL/MariaDB databases, as community.mysql.mysql_db (through the mysql client on the host).',
  args: mysqlDbArgs,
  probes: (a): Probe[] => [{ key: 'mysql_db', cmd: raw(probeScript(a)), parse: parseProbe }],
  plan(a, ctx): Plan {
    const secrets = noLogValues(a.login_password, a.unsafe_login_password ? 'True' : undefined);
    const mask = <T>(v: T): T => removeNoLogValues(v, secrets);
    const fail = (msg: string, extra: Record<string, unknown> = {}): Plan => ({ changed: false, commands: [], failed: mask(msg), result: mask({ msg, ...extra }) });
    if (a.name.length === 0) return { changed: false, commands: [], result: { changed: false, db: [], db_list: [] } };
    const { db, all } = names(a);
    const p = ctx.probed['mysql_db'] as DbProbe;
    const s = p.session;
    if (a.login_port < 0 || a.login_port > 65535) return fail('login_port must be a valid unix port number (0-65535)');
    if (a.ignore_tables.some((t) => t === '')) return fail('Name of ignored table cannot be empty');
    if (a.chdir !== undefined && p.chdirErrno !== undefined) {
      const why = { 2: 'No such file or directory', 20: 'Not a directory', 13: 'Permission denied' }[p.chdirErrno] ?? 'Permission denied';
      return fail(`Cannot change the current directory to ${a.chdir}: [Errno ${p.chdirErrno}] ${why}: ${repr(a.chdir)}`);
    }
    if (db.length > 1 && a.state === 'import') return fail('Multiple databases are not supported with state=import');
    const dbName = db.join(' ');
    if (a.state === 'dump' || a.state === 'import') {
      if (a.target === undefined) return fail(`with state=${a.state} target is required`);
    } else if (db.length === 1 && db[0] === 'all') return fail("name is not allowed to equal 'all' unless state equals import, or dump.");
    if (!s.mysqlBin) return fail(noClientMessage(p.path));
    const cfgPath = expandedPath(a.config_file, s.home);
    if (!s.connected) {
      const e = sessionError(s, a.config_file);
      return fail(
        s.configExists
          ? `unable to connect to database, check login_user and login_password are correct or ${cfgPath} has the credentials. Exception message: ${e}`
          : `unable to find ${cfgPath}. Exception message: ${e}`,
      );
    }
    const configFile = s.configExists ? cfgPath : undefined;
    const existing = all ? [] : db.filter((_, i) => p.exists[i]);
    const missing = all ? [] : db.filter((_, i) => !p.exists[i]);
    const base = { db: dbName, db_list: db };
    const session = sessionScript(conn(a), { implicitAdmin: a.check_implicit_admin, overrides: a.config_overrides_defaults });
    const env = { [LOGIN_PW_ENV]: a.login_password ?? '' };
    const sqlCommand = (stmts: string[], describe: string): Command => ({
      kind: 'shell',
      cmd: raw(`${session}\n[ $conn = ok ] || { printf '%s\\n' "$e" >&2; exit 1; }\nq -N -B`),
      stdin: `${stmts.join(';\n')};\n`,
      env,
      secretEnv: [LOGIN_PW_ENV],
      mayFail: true,
      describe,
    });
    const ok = (changed: boolean, extra: Record<string, unknown> = {}): Outcome => ({ changed, result: mask({ changed, ...base, ...extra }) });
    const failed = (msg: string, extra: Record<string, unknown> = {}): Outcome => ({ changed: false, failed: mask(msg), result: mask({ msg, ...extra }) });

    if (a.state === 'absent') {
      if (ctx.check) return { changed: existing.length > 0, commands: [], result: mask({ changed: existing.length > 0, ...base }) };
      if (!existing.length) return { changed: false, commands: [], result: mask({ changed: false, ...base, executed_commands: [] }) };
      let stmts: string[];
      try {
        stmts = existing.map((d) => `DROP DATABASE ${quoteIdentifier(d, 'database')}`);
      } catch (e) {
        return fail(`error deleting database: ${(e as Error).message}`);
      }
      return {
        changed: true,
        commands: [sqlCommand(stmts, `DROP DATABASE ${existing.join(', ')}`)],

        interpret(outs) {
          const o = outs[0]!;
          const done = o.rc === 0 ? stmts : stmts.slice(0, failedLine(o.stderr));
          if (o.rc !== 0) return failed(`error deleting database: ${driverError(o.stderr)}`);
          return ok(true, { executed_commands: done });
        },
      };
    }

    let creates: string[];
    try {
      creates = missing.map((d) => createStatement(d, a.encoding, a.collation));
    } catch (e) {
      return fail(`error creating database: ${(e as Error).message}`, { exception: String(e) });
    }
    if (a.state === 'present') {
      if (ctx.check) return { changed: missing.length > 0, commands: [], result: mask({ changed: missing.length > 0, ...base }) };
      if (!missing.length) return { changed: false, commands: [], result: mask({ changed: false, ...base, executed_commands: [] }) };
      return {
        changed: true,
        commands: [sqlCommand(creates, `CREATE DATABASE ${missing.join(', ')}`)],

        interpret(outs) {
          const o = outs[0]!;
          if (o.rc !== 0) return failed(`error creating database: ${driverError(o.stderr)}`);
          return ok(true, { executed_commands: creates });
        },
      };
    }

    if (a.state === 'dump') {
      if (missing.length) return fail(`Cannot dump database(s) ${repr(missing.join(', '))} - not found`);
      if (ctx.check) return { changed: true, commands: [], result: mask({ changed: true, ...base }) };
      if (!p.bins['mysqldump']) return fail(missingBinMessage('mysqldump', p.path));
      const comp = compressor(a.target!);
      if (comp && !p.bins[comp]) return fail(missingBinMessage(comp, p.path));
      const cmd = dumpCommand(a, p, db, all, configFile, s.implicit);
      return {
        changed: true,
        commands: [{ kind: 'shell', cmd: raw(withChdir(a, cmd.run)), env, secretEnv: [LOGIN_PW_ENV], mayFail: true, describe: `mysqldump ${dbName} > ${a.target}` }],

        interpret(outs) {
          const o = outs[0]!;
          if (o.rc !== 0) return failed(o.stderr);
          return ok(true, { msg: o.stdout, executed_commands: [cmd.shown] });
        },
      };
    }

    // import
    if (ctx.check) return { changed: true, commands: [], result: mask({ changed: true, ...base }) };
    const commands: Command[] = [];
    if (creates.length) commands.push(sqlCommand(creates, `CREATE DATABASE ${missing.join(', ')}`));
    const targetMissing = !p.targetExists;
    const comp = compressor(a.target!);
    let cmd: Built | undefined;
    if (!targetMissing) {
      if (comp && !p.bins[comp]) return fail(missingBinMessage(comp, p.path));
      cmd = importCommand(a, p, db, all, configFile, s.implicit);
      commands.push({ kind: 'shell', cmd: raw(withChdir(a, cmd.run)), env, secretEnv: [LOGIN_PW_ENV], mayFail: true, describe: `mysql ${dbName} < ${a.target}` });
    }
    return {
      changed: true,
      commands,

      interpret(outs) {
        let i = 0;
        if (creates.length) {
          const o = outs[i++]!;
          if (o.rc !== 0) return failed(`error creating database: ${driverError(o.stderr)}`, { exception: driverError(o.stderr) });
        }
        if (targetMissing) return failed(`target ${a.target} does not exist on the host`);
        const o = outs[i]!;
        if (o.rc !== 0) return failed(o.stderr);
        return ok(true, { msg: o.stdout, executed_commands: [...creates, cmd!.shown] });
      },
    };
  },
  returns: {
    db: 'the names, separated by spaces',
    db_list: 'the names, as a list',
    executed_commands: 'the statements and commands run (not in check mode; login_password masked)',
    msg: 'dump/import: the output of mysqldump / mysql',
  },
});

/** The statement a batch failed at (the client's "at line N"), 0-based; all of them when it says none. */
function failedLine(stderr: string): number {
  const m = /at line (\d+)/.exec(stderr);
  return m ? Number(m[1]) - 1 : 0;
}

function withChdir(a: MysqlDbArgs, cmd: string): string {
  return a.chdir !== undefined ? `cd ${remotePath(a.chdir)} || exit 1\n${cmd}` : cmd;
}
