import { describe, expect, it } from 'vitest';
import { keySize, opensshKeypair, parsePrivateKey, parsePublicKeyFile, parsePublicKeyString } from '../../../../src/modules/access/openssh_keypair.js';
import { cmdTexts, planWith } from '../../../fixtures/modules/system/context.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const PUB = 'ssh-ed25519 AAAAC3NzaKEY';
const statLine = (mode: string) =>
  `l 81${mode === '600' ? '80' : 'a4'} ${mode} 0 root 0 root 10 1 5 6\ns 81${mode === '600' ? '80' : 'a4'} ${mode} 0 root 0 root 10 1 5 6\nr ${b64('/k/id')}\n`;

/** Probe output for /k/id: an existing ed25519 key (readable), its .pub, or nothing. */
function probe(opts: { key?: boolean; pub?: string | null; list?: string; yrc?: number; yerr?: string } = {}): string {
  const key = opts.key !== false;
  const lines = [`p ${b64('/k/id')}`, 'K', 'B'];
  if (key)
    lines.push(
      'E',
      `l ${b64(opts.list ?? '256 SHA256:abcdef me@lab (ED25519)\n')}`,
      `yrc ${opts.yrc ?? 0}`,
      `y ${b64(opts.yrc ? '' : `${PUB} me@lab\n`)}`,
      `ye ${b64(opts.yerr ?? '')}`,
    );
  const pub = opts.pub === undefined ? `${PUB} me@lab\n` : opts.pub;
  if (pub !== null) lines.push('F', `q ${b64(pub)}`);
  return `${lines.join('\n')}\n---priv\n${key ? statLine('600') : 'absent\n'}---pub\n${pub !== null ? statLine('644') : 'absent\n'}`;
}
const run = (args: Record<string, unknown>, p: string, check = false) => planWith(opensshKeypair, { args: { path: '/k/id', ...args }, probes: { keypair: p }, check }).plan;

describe('openssh_keypair parsing', () => {
  it('reads ssh-keygen -l, the .pub file and ssh-keygen -y as the module does', () => {
    expect(parsePrivateKey('3072 SHA256:xyz some comment (RSA)\n')).toEqual({ size: 3072, type: 'rsa', fingerprint: 'SHA256:xyz' });
    expect(parsePrivateKey('')).toBeUndefined();
    expect(parsePublicKeyFile(`${PUB} a b c\n`)).toEqual({ typeString: 'ssh-ed25519', data: 'AAAAC3NzaKEY', comment: 'a b c' });
    expect(parsePublicKeyFile(`${PUB}\n`)).toMatchObject({ comment: '' });
    expect(parsePublicKeyFile('garbage')).toBeUndefined();
    expect(parsePublicKeyString(`${PUB} c\n`)).toMatchObject({ comment: 'c' });
  });

  it('sizes as _get_size: defaults, ed25519 fixed, the module’s errors', () => {
    expect(keySize('rsa', undefined)).toBe(4096);
    expect(keySize('ecdsa', undefined)).toBe(256);
    expect(keySize('ed25519', 4096)).toBe(256);
    expect(keySize('dsa', 2048)).toEqual({ error: 'DSA keys must be exactly 1024 bits as specified by FIPS 186-2.' });
    expect(keySize('rsa', 512)).toMatchObject({ error: expect.stringMatching(/^For RSA keys, the minimum size is 1024/) });
  });
});

describe('openssh_keypair module', () => {
  it('a missing key is generated with ssh-keygen in a temporary directory beside it, then read back', () => {
    const p = run({ type: 'ed25519', comment: 'me@lab' }, probe({ key: false, pub: null }));
    expect(p.changed).toBe(true);
    const [gen] = cmdTexts(p.commands);
    expect(gen).toContain('ssh-keygen -q -N \'\' -b 256 -t ed25519 -f "$d/key" -C me@lab');
    expect(gen).toContain('mktemp -d /k/.tsplay-keypair.XXXXXX');
    const back = `p x\nE\nl ${b64('256 SHA256:new me@lab (ED25519)\n')}\nyrc 0\nF\nq ${b64(`${PUB} me@lab\n`)}\n---priv\n${statLine('600')}---pub\n${statLine('644')}`;
    const out = p.interpret!([
      { rc: 0, stdout: '', stderr: '', durationMs: 0 },
      { rc: 0, stdout: back, stderr: '', durationMs: 0 },
    ]);
    expect(out.result).toEqual({ size: 256, type: 'ed25519', filename: '/k/id', fingerprint: 'SHA256:new', public_key: PUB, comment: 'me@lab', changed: true });
  });

  it('a matching key is ok; another size or type regenerates (partial_idempotence); never and fail do not', () => {
    expect(run({ type: 'ed25519' }, probe())).toMatchObject({ changed: false, commands: [] });
    expect(run({ type: 'ed25519' }, probe()).result).toMatchObject({ fingerprint: 'SHA256:abcdef', public_key: PUB, comment: 'me@lab', size: 256 });
    expect(run({ type: 'rsa' }, probe()).changed).toBe(true);
    expect(run({ type: 'rsa', regenerate: 'never' }, probe()).changed).toBe(false);
    expect(run({ type: 'rsa', regenerate: 'fail' }, probe()).failed).toMatch(/^Key has wrong type and\/or size/);
    expect(run({ type: 'ed25519', force: true }, probe()).changed).toBe(true);
  });

  it('an unreadable key fails unless full_idempotence; a missing or different .pub is restored', () => {
    const bad = probe({ list: '', yrc: 255, yerr: 'Load key "/k/id": invalid format' });
    expect(run({ type: 'ed25519' }, bad).failed).toMatch(/^Unable to read the key/);
    expect(run({ type: 'ed25519', regenerate: 'full_idempotence' }, bad).changed).toBe(true);
    const restore = run({ type: 'ed25519', comment: 'new' }, probe());
    expect(cmdTexts(restore.commands)[0]).toContain('ssh-keygen -q -o -c -C new -f /k/id');
    expect(cmdTexts(run({ type: 'ed25519' }, probe({ pub: null })).commands)[0]).toContain("ssh-keygen -P '' -y -f /k/id");
  });

  it('mode applies to both files; check mode plans nothing; absent removes both', () => {
    const moded = run({ type: 'ed25519', mode: '0600' }, probe());
    expect(cmdTexts(moded.commands).slice(0, 1)).toEqual(['chmod 0600 -- /k/id.pub']);
    const check = run({ type: 'ed25519' }, probe({ key: false, pub: null }), true);
    expect(check).toMatchObject({ changed: true, commands: [] });
    const rm = run({ state: 'absent' }, probe());
    expect(cmdTexts(rm.commands)).toEqual(['rm -f -- /k/id /k/id.pub']);
    expect(rm.result).toMatchObject({ changed: true, fingerprint: 'SHA256:abcdef', size: 4096, type: 'rsa' });
  });

  it('refuses the cryptography backend and passphrase clearly', () => {
    expect(run({ passphrase: 'x' }, probe()).failed).toMatch(/cryptography backend \(and so passphrase\) is not supported/);
    expect(run({ backend: 'cryptography' }, probe()).failed).toMatch(/ssh-keygen only/);
    expect(run({ private_key_format: 'pkcs8' }, probe()).failed).toBe("'auto' is the only valid option for 'private_key_format' when 'backend' is not 'cryptography'");
  });
});
