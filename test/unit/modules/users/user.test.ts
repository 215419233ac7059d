import { describe, expect, it } from 'vitest';
import { passwordWarning, userModule } from '../../../../src/modules/users/user.js';
import { cmdTexts, planWith, result } from '../../../fixtures/modules/system/context.js';

const HASH = '$6$tsplaysalt$othsPFXrsjJPhSLz/73MSI9lgNoXgesNTsQLFFTxOAjHmUilR9DiN2JHsl2p.ZuMWgefKUQel9WMIj1qom4nd0';
const GROUPS = ['grp\troot:x:0:', 'grp\tusers:x:100:', 'grp\tdev:x:1500:alice', 'grp\tops:x:1501:', 'grp\talice:x:1000:', 'grp\tbob:x:1600:'].join('\n');
const BASE = `${GROUPS}\nhost\tweb1\nbinpath\t/usr/bin:/bin:/usr/sbin\nappend\tyes\n`;
const ALICE = `pw\talice:x:1000:1000:Alice:/home/alice:/bin/bash\nsp\talice:${HASH}:19000:0:99999:7:::\nhomeexists\tyes\n`;
const plan = (args: Record<string, unknown>, probe = BASE, check = false) => planWith(userModule, { args, probes: { user: probe }, check }).plan;

describe('user: a new account', () => {
  it('useradd gets Ansible’s flags in its order; the hash goes through a secret env variable', () => {
    const p = plan(
      {
        name: 'carol',
        uid: 2001,
        non_unique: true,
        group: 'dev',
        groups: ['ops', 'dev'],
        comment: 'Carol C',
        home: '/home/carol',
        shell: '/bin/zsh',
        password: HASH,
        expires: 1798761600,
        system: true,
        skeleton: '/etc/skel2',
        umask: '0077',
      },
      `${BASE}homeparent\tyes\n`,
    );
    const [cmd, post] = p.commands;
    expect(cmdTexts([cmd!])[0]).toBe(
      `useradd -u 2001 -o -g dev -G ops,dev -c 'Carol C' -d /home/carol -s /bin/zsh -e 2027-01-01 -p "$TSPLAY_USER_PASSWORD" -m -k /etc/skel2 -K UMASK=0077 -r carol`,
    );
    expect(cmd).toMatchObject({ env: { TSPLAY_USER_PASSWORD: HASH }, secretEnv: ['TSPLAY_USER_PASSWORD'] });
    expect(JSON.stringify(cmd?.kind === 'shell' && cmd.describe)).not.toContain(HASH);
    expect(post?.kind).toBe('shell');
    const out = p.interpret!([result(''), result('pw\tcarol:x:2001:1500:Carol C:/home/carol:/bin/zsh\n')]);
    expect(out.result).toEqual({
      name: 'carol',
      state: 'present',
      system: true,
      create_home: true,
      password: 'NOT_LOGGING_PASSWORD',
      uid: 2001,
      group: 1500,
      comment: 'Carol C',
      home: '/home/carol',
      shell: '/bin/zsh',
      groups: 'ops,dev',
      changed: true,
    });
  });

  it('a group named as the user means -N; create_home false is -M; password_lock prefixes "!"', () => {
    const p = plan({ name: 'bob', create_home: false, password: HASH, password_lock: true });
    expect(cmdTexts(p.commands)[0]).toBe('useradd -N -p "$TSPLAY_USER_PASSWORD" -M bob');
    expect(p.commands[0]).toMatchObject({ env: { TSPLAY_USER_PASSWORD: `!${HASH}` } });
  });

  it('a home under a missing parent is made from the skeleton first (useradd cannot)', () => {
    const p = plan({ name: 'deep', home: '/srv/a/b/deep' });
    expect(p.commands).toHaveLength(3);
    expect(cmdTexts(p.commands)[0]).toContain('cp -a -- /etc/skel /srv/a/b/deep');
    expect(cmdTexts(p.commands)[2]).toContain('chown -R "$_uid:$_gid" -- /srv/a/b/deep');
  });

  it('check mode runs nothing and reports only changed, as Ansible exits early', () => {
    expect(plan({ name: 'new' }, BASE, true)).toMatchObject({ changed: true, commands: [], result: { changed: true } });
  });

  it('missing groups fail before anything runs; a failing useradd fails with its stderr and rc', () => {
    expect(plan({ name: 'x', group: 'nope' }).failed).toBe('Group nope does not exist');
    expect(plan({ name: 'x', groups: 'ops,nope' }).failed).toBe('Group nope does not exist');
    const p = plan({ name: 'x', uid: 1000 });
    expect(p.interpret!([result({ rc: 4, stderr: 'useradd: UID 1000 is not unique\n' })])).toMatchObject({
      failed: 'useradd: UID 1000 is not unique\n',
      result: { name: 'x', msg: 'useradd: UID 1000 is not unique\n', rc: 4 },
    });
  });
});

describe('user: an existing account', () => {
  it('nothing differs: ok, no usermod; the result has the account fields and append/move_home', () => {
    const p = plan({ name: 'alice', shell: '/bin/bash', groups: 'dev', password: HASH }, BASE + ALICE);
    expect(cmdTexts(p.commands)).toHaveLength(1); // only the read-back script
    expect(p.changed).toBe(false);
    const out = p.interpret!([result('pw\talice:x:1000:1000:Alice:/home/alice:/bin/bash\n')]);
    expect(out).toEqual({
      changed: false,
      result: {
        name: 'alice',
        state: 'present',
        append: false,
        move_home: false,
        password: 'NOT_LOGGING_PASSWORD',
        uid: 1000,
        group: 1000,
        comment: 'Alice',
        home: '/home/alice',
        shell: '/bin/bash',
        groups: 'dev',
        changed: false,
      },
    });
  });

  it('groups: append adds -a -G; replace is -G; [] removes every supplementary group', () => {
    expect(cmdTexts(plan({ name: 'alice', groups: ['ops'], append: true }, BASE + ALICE).commands)[0]).toBe('usermod -a -G ops alice');
    expect(cmdTexts(plan({ name: 'alice', groups: ['ops'], append: true }, `${GROUPS}\nbinpath\t/usr/bin\n${ALICE}`).commands)[0]).toBe('usermod -A dev,ops alice');
    expect(cmdTexts(plan({ name: 'alice', groups: 'ops' }, BASE + ALICE).commands)[0]).toBe('usermod -G ops alice');
    expect(cmdTexts(plan({ name: 'alice', groups: [] }, BASE + ALICE).commands)[0]).toBe("usermod -G '' alice");
    expect(plan({ name: 'alice', groups: ['dev'], append: true }, BASE + ALICE).changed).toBe(false);
  });

  it('uid, primary group (as a gid), comment, home with move, shell, expires', () => {
    const p = plan({ name: 'alice', uid: 1001, group: 'ops', comment: 'A', home: '/srv/alice', move_home: true, shell: '/bin/sh', expires: -1 }, BASE + ALICE);
    expect(cmdTexts(p.commands)[0]).toBe('usermod -u 1001 -g 1501 -c A -d /srv/alice -m -s /bin/sh alice');
    // an empty expiry field is -1: expires -1 asks for nothing; a date sets -e
    expect(cmdTexts(plan({ name: 'alice', expires: 1798761600 }, BASE + ALICE).commands)[0]).toBe('usermod -e 2027-01-01 alice');
  });

  it('password: changed hash sets -p (dropping -L/-U); same hash with lock is -L; on_create leaves it', () => {
    const other = HASH.replace('oths', 'xxxx');
    const p = plan({ name: 'alice', password: other, password_lock: true }, BASE + ALICE);
    expect(cmdTexts(p.commands)[0]).toBe('usermod -p "$TSPLAY_USER_PASSWORD" alice');
    expect(p.commands[0]).toMatchObject({ env: { TSPLAY_USER_PASSWORD: `!${other}` } });
    expect(cmdTexts(plan({ name: 'alice', password: HASH, password_lock: true }, BASE + ALICE).commands)[0]).toBe('usermod -L alice');
    expect(plan({ name: 'alice', password: other, update_password: 'on_create' }, BASE + ALICE).changed).toBe(false);
    const locked = ALICE.replace(`alice:${HASH}`, `alice:!${HASH}`);
    expect(cmdTexts(plan({ name: 'alice', password_lock: false }, BASE + locked).commands)[0]).toBe('usermod -U alice');
  });

  it('check mode: a would-be usermod or a missing home is changed, from the probe alone', () => {
    const c = plan({ name: 'alice', shell: '/bin/sh' }, BASE + ALICE, true);
    expect(c).toMatchObject({ changed: true, commands: [], result: { changed: true, shell: '/bin/bash', uid: 1000 } });
    const noHome = plan({ name: 'alice' }, BASE + ALICE.replace('homeexists\tyes\n', ''), true);
    expect(noHome.changed).toBe(true);
    expect(plan({ name: 'alice', create_home: false }, BASE + ALICE.replace('homeexists\tyes\n', ''), true).changed).toBe(false);
  });

  it('absent: userdel -f -r; check mode only changed; a missing account is ok', () => {
    const p = plan({ name: 'alice', state: 'absent', force: true, remove: true }, BASE + ALICE);
    expect(cmdTexts(p.commands)).toEqual(['userdel -f -r alice']);
    expect(p.interpret!([result({ stderr: 'userdel: alice mail spool (/var/mail/alice) not found\n' })]).result).toEqual({
      name: 'alice',
      state: 'absent',
      force: true,
      remove: true,
      changed: true,
      stderr: 'userdel: alice mail spool (/var/mail/alice) not found\n',
      stderr_lines: ['userdel: alice mail spool (/var/mail/alice) not found'],
    });
    expect(plan({ name: 'alice', state: 'absent' }, BASE + ALICE, true).result).toEqual({ changed: true });
    expect(plan({ name: 'zed', state: 'absent' }).result).toEqual({ name: 'zed', state: 'absent', changed: false });
  });
});

describe('user: arguments', () => {
  it('aliases user and createhome; local: true without libuser fails as Ansible; umask with local refused', () => {
    expect(cmdTexts(plan({ user: 'dan', createhome: false }).commands)[0]).toBe('useradd -M dan');
    const local = `${BASE}pwfile\tyes\n`;
    expect(plan({ name: 'dan', local: true }, local).failed).toBe('Failed to find required executable "lgroupmod" in paths: /usr/bin:/bin:/usr/sbin');
    expect(plan({ name: 'dan', local: true, umask: '077' }, local).failed).toBe("'umask' can not be used with 'local'");
    expect(() => plan({ name: 'dan', home_dir: '/x' })).toThrow();
  });

  it('a password that is not a crypt hash warns as Ansible', () => {
    expect(passwordWarning('secret')).toMatch(/appears not to have been hashed/);
    expect(passwordWarning(HASH)).toBeUndefined();
    expect(passwordWarning('!')).toBeUndefined();
    expect(passwordWarning('$6$salt$short')).toMatch(/not to have been hashed/);
    expect(plan({ name: 'x', password: 'plain' }).warnings).toContain(
      "The input password appears not to have been hashed. The 'password' argument must be encrypted for this module to work properly.",
    );
  });

  it('hostile names are quoted in the probe and in commands', () => {
    const { probeCmds, plan: p } = planWith(userModule, { args: { name: "a'b;rm -rf /" }, probes: { user: BASE } });
    expect(probeCmds[0]).toContain(`export TSPLAY_U='a'"'"'b;rm -rf /'`);
    expect(cmdTexts(p.commands)[0]).toBe(`useradd -m 'a'"'"'b;rm -rf /'`);
  });
});

describe('user: ssh keys and password ageing', () => {
  const SSH = 'sshdir\tyes\nkey\tyes\npub\tyes\nfpout\t3072 SHA256:abc c (RSA)\npubkey\tssh-rsa AAAA c\n';

  it('ssh-keygen gets -t/-b/-C/-f and the passphrase from a secret variable, never in the command text', () => {
    const p = plan({ name: 'alice', generate_ssh_key: true, ssh_key_type: 'ed25519', ssh_key_bits: 256, ssh_key_passphrase: 's3cret-phrase' }, BASE + ALICE);
    const post = p.commands[p.commands.length - 1]!;
    const text = cmdTexts([post])[0]!;
    expect(text).toContain('ssh-keygen -t ed25519 -b 256 -C \'ansible-generated on web1\' -f "$_k" -N "$TSPLAY_SSH_PASSPHRASE"');
    expect(text).not.toContain('s3cret-phrase');
    expect(post).toMatchObject({ env: { TSPLAY_SSH_PASSPHRASE: 's3cret-phrase' }, secretEnv: ['TSPLAY_SSH_PASSPHRASE'] });
    const out = p.interpret!([
      result('sshgen\tyes\nkeyfile\t/home/alice/.ssh/id_ed25519\nfpout\t256 SHA256:x c (ED25519)\npubkey\tssh-ed25519 AAAA c\npw\talice:x:1000:1000:Alice:/home/alice:/bin/bash\n'),
    ]);
    expect(out).toMatchObject({
      changed: true,
      result: { ssh_key_file: '/home/alice/.ssh/id_ed25519', ssh_fingerprint: '256 SHA256:x c (ED25519)', ssh_public_key: 'ssh-ed25519 AAAA c' },
    });
  });

  it('an existing key: Ansible’s warning, nothing generated, the key’s fingerprint reported (check mode too)', () => {
    const p = plan({ name: 'alice', generate_ssh_key: true }, BASE + ALICE + SSH, true);
    expect(p.warnings).toEqual(['Found existing ssh key private file "/home/alice/.ssh/id_rsa", no force, so skipping ssh-keygen generation']);
    expect(p.result).toMatchObject({ changed: false, ssh_fingerprint: '3072 SHA256:abc c (RSA)', ssh_key_file: '/home/alice/.ssh/id_rsa', ssh_public_key: 'ssh-rsa AAAA c' });
    const fresh = plan({ name: 'alice', generate_ssh_key: true, ssh_key_file: '/srv/k' }, BASE + ALICE, true);
    expect(fresh.result).toMatchObject({ changed: true, ssh_fingerprint: '', ssh_key_file: '/srv/k', ssh_public_key: null });
  });

  it('a failure on the host (ssh-keygen, chage) fails with its message and rc', () => {
    const p = plan({ name: 'alice', generate_ssh_key: true }, BASE + ALICE);
    const msg = Buffer.from('Failed to create /x/.ssh').toString('base64');
    expect(p.interpret!([result(`fail\t1\t${msg}\n`)])).toEqual({
      changed: false,
      failed: 'Failed to create /x/.ssh',
      result: { name: 'alice', msg: 'Failed to create /x/.ssh', rc: 1 },
    });
  });

  it('password_expire_min/max: chage when the shadow entry differs; check mode says changed', () => {
    expect(plan({ name: 'alice', password_expire_max: 99999, password_expire_min: 0 }, BASE + ALICE, true).changed).toBe(false);
    expect(plan({ name: 'alice', password_expire_max: 30 }, BASE + ALICE, true).changed).toBe(true);
    const p = plan({ name: 'alice', password_expire_max: 30 }, BASE + ALICE);
    expect(cmdTexts(p.commands)[0]).toContain('_c="$_c -M 30"');
    expect(p.interpret!([result('chage\tyes\npw\talice:x:1000:1000:Alice:/home/alice:/bin/bash\n')]).changed).toBe(true);
  });
});
