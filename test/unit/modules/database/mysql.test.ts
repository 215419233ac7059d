import { describe, expect, it } from 'vitest';
import { mysqlDbModule } from '../../../../src/modules/database/mysql_db.js';
import { mysqlUserModule, privilegesGet, privilegesUnpack, currentRequires, sanitizeRequires } from '../../../../src/modules/database/mysql_user.js';
import { driverError, nativePasswordHash, quoteIdentifier, removeNoLogValues, sqlString, sessionScript } from '../../../../src/modules/database/mysql-common.js';
import { planWith, result } from '../../../fixtures/modules/system/context.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const hex = (s: string) => Buffer.from(s).toString('hex').toUpperCase();
const session = (o: { cf?: boolean; conn?: boolean; err?: string } = {}) =>
  `home=${b64('/root')}\ncf=${o.cf ? 1 : 0}\ncferr=\nmysqlbin=/usr/bin/mysql\nhost=${b64('localhost')}\nport=${b64('3306')}\n${o.conn === false ? `connerr=${b64(o.err ?? '')}\n` : ''}conn=${o.conn === false ? 'fail' : 'ok'}\nimplicit=0\n`;
const VERSION = `version\t${hex('10.11.6-MariaDB-0+deb12u1')}\nsqlmode\t${hex('STRICT_TRANS_TABLES')}\n`;

interface Acct {
  host?: string;
  hash?: string;
  plugin?: string;
  grants?: string[];
  create?: string;
  limits?: number[];
}
/** A mysql_user probe: the session, then what the server says about the account's hosts. */
function userProbe(accts: Acct[], o: { exists?: boolean } = {}): string {
  let out = `path=/usr/bin:/bin\n${session()}${VERSION}exists\t${(o.exists ?? accts.length > 0) ? 1 : 0}\n`;
  for (const a of accts) {
    const h = a.host ?? 'localhost';
    const l = a.limits ?? [0, 0, 0, 0];
    out += `row\t${hex(h)}\t${a.hash ? hex(a.hash) : 'NULL'}\t${hex(a.plugin ?? 'mysql_native_password')}\t${a.hash ? hex(a.hash) : ''}\t${l.join('\t')}\t0.000000\n`;
  }
  for (const a of accts) {
    const h = a.host ?? 'localhost';
    out += `grants\t${hex(h)}\n${(a.grants ?? [`GRANT USAGE ON *.* TO \`app\`@\`${h}\``]).join('\n')}\ncreate\t${hex(h)}\n${a.create ?? `CREATE USER \`app\`@\`${h}\``}\n`;
  }
  return out;
}
const user = (args: Record<string, unknown>, probe: string, check = false) =>
  planWith(mysqlUserModule, { args: { name: 'app', ...args }, probes: { mysql_user: probe }, check }).plan;
/** What the task registers: the plan's result, or after its command ran (a session with no rows). */
const res = (p: ReturnType<typeof user>) => (p.interpret && p.commands.length ? p.interpret([result(session())]).result : p.result);
const sqlOf = (p: ReturnType<typeof user>) => (p.commands[0]?.kind === 'shell' ? String(p.commands[0].stdin) : '');

describe('mysql_user', () => {
  const h1 = nativePasswordHash('pw-one-1');

  it('adds a user with a mysql_native_password hash and its grants; check mode says so without running', () => {
    const p = user({ password: 'pw-one-1', priv: 'shop.*:ALL' }, userProbe([]));
    expect(p.changed).toBe(true);
    expect(sqlOf(p)).toContain(`CREATE USER 'app'@'localhost' IDENTIFIED WITH mysql_native_password AS '${h1}';`);
    expect(sqlOf(p)).toContain("GRANT ALL ON `shop`.* TO 'app'@'localhost';");
    expect(sqlOf(p)).toContain("GRANT USAGE ON *.* TO 'app'@'localhost';");
    expect(sqlOf(p)).not.toContain('pw-one-1');
    expect(p.interpret!([result(session())]).result).toEqual({ changed: true, user: 'app', msg: 'User added', password_changed: true });
    const c = user({ password: 'pw-one-1', priv: 'shop.*:ALL' }, userProbe([]), true);
    expect(c.commands).toHaveLength(0);
    expect(c.result).toEqual({ changed: true, user: 'app', msg: 'User added', password_changed: null });
  });

  it('is unchanged when hash and grants match; a new password is set, and only with update_password always', () => {
    const grants = ["GRANT USAGE ON *.* TO `app`@`localhost` IDENTIFIED BY PASSWORD 'x'", 'GRANT ALL PRIVILEGES ON `shop`.* TO `app`@`localhost`'];
    const same = user({ password: 'pw-one-1', priv: 'shop.*:ALL' }, userProbe([{ hash: h1, grants }]));
    expect(same.changed).toBe(false);
    expect(same.result).toMatchObject({ msg: 'User unchanged', password_changed: false });
    const pw = user({ password: 'pw-two-2', priv: 'shop.*:ALL' }, userProbe([{ hash: h1, grants }]));
    expect(sqlOf(pw)).toContain(`ALTER USER 'app'@'localhost' IDENTIFIED WITH mysql_native_password AS '${nativePasswordHash('pw-two-2')}'`);
    expect(res(pw)).toMatchObject({ msg: 'Password updated (new style)', password_changed: true });
    expect(user({ password: 'pw-two-2', priv: 'shop.*:ALL' }, userProbe([{ hash: h1, grants }]), true).result).toMatchObject({ changed: true, msg: 'Password updated' });
    expect(user({ password: 'pw-two-2', update_password: 'on_create', priv: 'shop.*:ALL' }, userProbe([{ hash: h1, grants }])).changed).toBe(false);
  });

  it('replaces privileges (revoking others and GRANT OPTION), appends with append_privs, subtracts with subtract_privs', () => {
    const grants = [
      'GRANT USAGE ON *.* TO `app`@`localhost`',
      'GRANT ALL PRIVILEGES ON `db1`.* TO `app`@`localhost` WITH GRANT OPTION',
      'GRANT SELECT ON `db2`.* TO `app`@`localhost`',
    ];
    const r = user({ priv: 'db1.*:ALL' }, userProbe([{ grants }]));
    expect(sqlOf(r)).toContain("REVOKE GRANT OPTION ON `db2`.* FROM 'app'@'localhost';\nREVOKE SELECT ON `db2`.* FROM 'app'@'localhost';\nFLUSH PRIVILEGES;");
    expect(sqlOf(r)).toContain("REVOKE GRANT OPTION ON `db1`.* FROM 'app'@'localhost';\nFLUSH PRIVILEGES;");
    expect(res(r)).toMatchObject({ msg: "Privileges updated: granted [], revoked ['GRANT']" });
    const ap = user({ priv: 'db3.*:SELECT', append_privs: true }, userProbe([{ grants }]));
    expect(sqlOf(ap)).not.toContain('REVOKE');
    expect(res(ap)).toMatchObject({ msg: 'New privileges granted' });
    const sub = user({ priv: 'db2.*:SELECT', subtract_privs: true }, userProbe([{ grants }]));
    expect(sqlOf(sub)).toContain("REVOKE SELECT ON `db2`.* FROM 'app'@'localhost'");
    expect(() => user({ priv: 'a.*:X', append_privs: true, subtract_privs: true }, userProbe([]))).toThrow(/mutually exclusive: append_privs\|subtract_privs/);
  });

  it('an intersect-only change is "changed" only when SHOW GRANTS differs afterwards', () => {
    const grants = ['GRANT USAGE ON *.* TO `app`@`localhost`', 'GRANT SELECT (`id`, `name`) ON `shop`.`items` TO `app`@`localhost`'];
    const p = user({ priv: 'shop.items:SELECT (name, id)' }, userProbe([{ grants }]));
    expect(p.interpret!([result(`${session()}after\t${hex('localhost')}\n${grants.join('\n')}\n`)]).result).toMatchObject({
      msg: "Privileges updated: granted ['SELECT (ID, NAME)'], revoked ['SELECT (id, name)']",
    });
    const after = `${session()}after\t${hex('localhost')}\n${grants.join('\n')}\n`;
    expect(p.interpret!([result(after)]).changed).toBe(false);
  });

  it('absent drops the user on every host with host_all; a missing user is ok', () => {
    const p = user({ state: 'absent', host_all: true }, userProbe([{ host: 'localhost' }, { host: '%' }]));
    expect(sqlOf(p)).toBe("DROP USER IF EXISTS 'app'@'localhost';\nDROP USER IF EXISTS 'app'@'%';\n\n");
    expect(user({ state: 'absent' }, userProbe([])).result).toMatchObject({ changed: false, msg: "User doesn't exist" });
    expect(user({ password: 'x', host_all: true }, userProbe([])).failed).toBe('host_all parameter cannot be used when adding a user');
  });

  it('resource_limits: only the values that differ, then unchanged', () => {
    const p = user({ resource_limits: { MAX_QUERIES_PER_HOUR: 10, MAX_USER_CONNECTIONS: '0' } }, userProbe([{}]));
    expect(sqlOf(p)).toContain("ALTER USER 'app'@'localhost' WITH MAX_QUERIES_PER_HOUR 10;");
    expect(res(p)).toMatchObject({ changed: true, msg: 'User unchanged' });
    expect(user({ resource_limits: { MAX_QUERIES_PER_HOUR: 10 } }, userProbe([{ limits: [10, 0, 0, 0] }])).changed).toBe(false);
    expect(user({ resource_limits: { FOO: 1 } }, userProbe([{}])).failed).toBe("resource_limits: key 'FOO' is unsupported.");
  });

  it("fails with the module's messages: connection, grant errors, encrypted without a hash", () => {
    const probe = `path=/bin\n${session({ conn: false, err: "ERROR 1698 (28000): Access denied for user 'root'@'localhost'" })}`;
    expect(user({}, probe).failed).toBe(
      `unable to connect to database, check login_user and login_password are correct or /root/.my.cnf has the credentials. Exception message: (1698, "Access denied for user 'root'@'localhost'")`,
    );
    const g = user({ password: 'pw-one-1', priv: 'shop.*:BOGUS' }, userProbe([]));
    const o = g.interpret!([result({ rc: 1, stderr: "ERROR 1064 (42000) at line 2: You have an error near 'BOGUS' at line 1\n" })]);
    expect(o.failed).toBe(
      `Error granting privileges, invalid priv string: BOGUS , params: ('app', 'localhost'), query: GRANT BOGUS ON \`shop\`.* TO %s@%s , exception: (1064, "You have an error near 'BOGUS' at line 1").`,
    );
    expect(user({ password: 'nothash', encrypted: true }, userProbe([{}])).failed).toMatch(/^encrypted was specified however/);
    expect(user({ priv: ['a'] }, userProbe([])).failed).toBe("priv parameter must be str or dict but <class 'list'> was passed");
  });

  it('a no_log value is masked in the result as AnsibleModule does', () => {
    expect(res(user({ name: 'sam', password: 'sam' }, userProbe([])))).toMatchObject({ user: 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' });
    expect(removeNoLogValues({ a: 'x pw1234 y', b: ['pw1234'] }, new Set(['pw1234']))).toEqual({ a: 'x ******** y', b: ['VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'] });
  });

  it('the login password travels in a secret environment variable, never in the command text', () => {
    const p = user({ password: 'pw-one-1', login_password: 'L0gin-secret' }, userProbe([]));
    const c = p.commands[0]!;
    expect(c.kind === 'shell' && c.secretEnv).toContain('TSPLAY_MYSQL_LOGIN_PW');
    expect(c.kind === 'shell' && c.cmd.text).not.toContain('L0gin-secret');
  });
});

describe('mysql_user privilege strings', () => {
  it('unpacks as privileges_unpack and parses SHOW GRANTS as privileges_get', () => {
    expect([...privilegesUnpack('db.*:select,insert/other.t:ALL,GRANT', 'NOTANSI', true)]).toEqual([
      ['`db`.*', ['SELECT', 'INSERT']],
      ['`other`.`t`', ['ALL', 'GRANT']],
      ['*.*', ['USAGE']],
    ]);
    expect([...privilegesUnpack('FUNCTION db.f:EXECUTE', 'ANSI', false)]).toEqual([['FUNCTION "db"."f"', ['EXECUTE']]]);
    const g = privilegesGet([
      "GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` IDENTIFIED VIA mysql_native_password USING 'invalid' OR unix_socket WITH GRANT OPTION",
      "GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION",
      'GRANT `admin` TO `bob`@`localhost`',
      'GRANT SELECT (`b`, `a`), INSERT ON `db`.`t` TO `bob`@`localhost`',
    ]);
    expect([...g]).toEqual([
      ['*.*', ['ALL', 'GRANT']],
      ["''@'%'", ['PROXY', 'GRANT']],
      ['`db`.`t`', ['SELECT (a, b)', 'INSERT']],
    ]);
  });

  it('reads REQUIRE from SHOW CREATE USER as get_tls_requires', () => {
    expect(currentRequires("CREATE USER `t`@`localhost` IDENTIFIED BY PASSWORD '*A' REQUIRE SSL")).toBe('SSL');
    expect(currentRequires('CREATE USER `t`@`localhost`')).toBeUndefined();
    expect(currentRequires("CREATE USER `t`@`h` REQUIRE SUBJECT '/CN=a b' AND CIPHER 'x'")).toEqual({ SUBJECT: '/CN=a b', AND: 'CIPHER', x: undefined } as never);
    expect(sanitizeRequires({ ssl: null })).toBe('SSL');
    expect(sanitizeRequires({ x509: null, ssl: null })).toBe('X509');
    expect(sanitizeRequires({})).toBeUndefined();
  });
});

const dbProbe = (exists: boolean[], extra = '') =>
  `path=/usr/bin:/bin\nbin_mysqldump=/usr/bin/mysqldump\nbin_gzip=/usr/bin/gzip\n${extra}${session({ cf: true })}${exists.map((e, i) => `db\t${i}\t${e ? 1 : 0}\n`).join('')}`;
const db = (args: Record<string, unknown>, probe: string, check = false) => planWith(mysqlDbModule, { args, probes: { mysql_db: probe }, check }).plan;

describe('mysql_db', () => {
  it('creates the missing databases with encoding and collation as pymysql mogrifies them', () => {
    const p = db({ name: ['shop', 'old'], encoding: 'utf8mb4', collation: 'utf8mb4_unicode_ci' }, dbProbe([false, true]));
    const st = "CREATE DATABASE `shop` CHARACTER SET 'utf8mb4' COLLATE 'utf8mb4_unicode_ci'";
    expect(p.commands[0]!.kind === 'shell' && p.commands[0]!.stdin).toBe(`${st};\n`);
    expect(p.interpret!([result('')]).result).toEqual({ changed: true, db: 'shop old', db_list: ['shop', 'old'], executed_commands: [st] });
    expect(db({ name: 'shop', state: 'present' }, dbProbe([true])).result).toEqual({ changed: false, db: 'shop', db_list: ['shop'], executed_commands: [] });
    expect(db({ name: 'a, b' }, dbProbe([false, false]), true).result).toEqual({ changed: true, db: 'a b', db_list: ['a', 'b'] });
  });

  it('drops the existing ones; check mode reports without executed_commands', () => {
    const p = db({ name: ['a', 'gone'], state: 'absent' }, dbProbe([true, false]));
    expect(p.interpret!([result('')]).result).toEqual({ changed: true, db: 'a gone', db_list: ['a', 'gone'], executed_commands: ['DROP DATABASE `a`'] });
    expect(db({ name: 'gone', state: 'absent' }, dbProbe([false]), true).changed).toBe(false);
  });

  it("dumps and imports with the module's command lines, the login password masked", () => {
    const p = db({ name: 'shop', state: 'dump', target: '/tmp/s.sql.gz', login_user: 'dba', login_password: 'Dba-pw-1' }, dbProbe([true]));
    const o = p.interpret!([result('')]);
    expect(o.result?.['executed_commands']).toEqual([
      '/usr/bin/mysqldump --defaults-extra-file=/root/.my.cnf --user=dba --password=******** --host=localhost --port=3306 shop --quick | /usr/bin/gzip > /tmp/s.sql.gz',
    ]);
    const c = p.commands[0]!;
    expect(c.kind === 'shell' && c.cmd.text).not.toContain('Dba-pw-1');
    const i = db({ name: 'copy', state: 'import', target: '/tmp/s.sql' }, dbProbe([false], 'target=1\n'));
    expect(i.interpret!([result(''), result('')]).result?.['executed_commands']).toEqual([
      'CREATE DATABASE `copy`',
      '/usr/bin/mysql --defaults-extra-file=/root/.my.cnf --host=localhost --port=3306 --one-database copy < /tmp/s.sql',
    ]);
    const gz = db({ name: 'copy', state: 'import', target: '/tmp/s.sql.gz' }, dbProbe([true], 'target=1\n'));
    expect(gz.interpret!([result('')]).result?.['executed_commands']).toEqual([
      "/usr/bin/gzip -dc /tmp/s.sql.gz | ['/usr/bin/mysql', '--defaults-extra-file=/root/.my.cnf', '--host=localhost', '--port=3306', '--one-database', 'copy']",
    ]);
  });

  it('refuses as the module does: all for present, a missing dump source, a missing import target after creating the database', () => {
    expect(db({ name: 'all' }, dbProbe([])).failed).toBe("name is not allowed to equal 'all' unless state equals import, or dump.");
    expect(db({ name: ['x', 'y'], state: 'dump', target: '/t' }, dbProbe([false, true])).failed).toBe("Cannot dump database(s) 'x' - not found");
    expect(db({ name: 'x', state: 'dump' }, dbProbe([true])).failed).toBe('with state=dump target is required');
    const i = db({ name: 'x', state: 'import', target: '/none.sql' }, dbProbe([false]));
    expect(i.commands).toHaveLength(1);
    expect(i.interpret!([result('')]).failed).toBe('target /none.sql does not exist on the host');
    expect(db({ name: ['a', 'b'], state: 'import', target: '/t' }, dbProbe([true, true])).failed).toBe('Multiple databases are not supported with state=import');
    expect(db({ name: [] }, dbProbe([])).result).toEqual({ changed: false, db: [], db_list: [] });
    const probe = `path=/bin\nbin_mysqldump=\n${session({ conn: false, err: "ERROR 1698 (28000): Access denied for user 'root'@'localhost'" })}`;
    expect(db({ name: 'x' }, probe).failed).toBe(`unable to find /root/.my.cnf. Exception message: (1698, "Access denied for user 'root'@'localhost'")`);
  });
});

describe('mysql helpers', () => {
  it('quotes identifiers and strings as the module and PyMySQL do', () => {
    expect(quoteIdentifier('my`db', 'database')).toBe('`my``db`');
    expect(quoteIdentifier('`a`.`b`', 'table')).toBe('`a`.`b`');
    expect(() => quoteIdentifier('a.b.c', 'database')).toThrow(/more than 1 dots/);
    expect(sqlString("it's a \\ \n")).toBe("'it\\'s a \\\\ \\n'");
    expect(nativePasswordHash('password')).toBe('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19');
  });

  it("maps the client errors to the driver's", () => {
    expect(driverError("ERROR 1045 (28000): Access denied for user 'x'@'localhost' (using password: YES)")).toBe(
      `(1045, "Access denied for user 'x'@'localhost' (using password: YES)")`,
    );
    expect(driverError("ERROR 2002 (HY000): Can't connect to local server through socket '/nope' (2)")).toBe(
      `(2003, "Can't connect to MySQL server on 'localhost' ([Errno 2] No such file or directory)")`,
    );
  });

  it('the session script is valid sh and reads hostile values quoted', () => {
    const s = sessionScript({ login_host: "h'; rm -rf /", login_port: 3306, config_file: "~/x'y.cnf", connect_timeout: 5, login_user: '$(id)' }, { implicitAdmin: true });
    expect(s).toContain(`h='h'"'"'; rm -rf /'`);
    expect(s).toContain(`u='$(id)'`);
    expect(s).toContain(`cf="$HOME"'/x'"'"'y.cnf'`);
  });
});

describe('mysql_user privileges_unpack quirks', () => {
  it("a column privilege's bare name is added to the previous object's list, as the module's aliased list does", () => {
    expect([...privilegesUnpack('a.*:SELECT/b.*:ALL/c.t:SELECT (x)', 'NOTANSI', true)]).toEqual([
      ['`a`.*', ['SELECT']],
      ['`b`.*', ['ALL', 'SELECT']],
      ['`c`.`t`', ['SELECT (X)']],
      ['*.*', ['USAGE']],
    ]);
  });
});
