import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashHostKey, knownHosts, normalizeHostKey, searchHostKey } from '../../../../src/modules/access/known_hosts.js';
import { cmdTexts, planWith } from '../../../fixtures/modules/system/context.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const K1 = 'ssh-ed25519 AAAAC3K1';
const K3 = 'ecdsa-sha2-nistp256 AAAAE2K3';
const FILE = `example.com,10.0.0.1 ${K1}\n# c\nother.org ${K3}\r\n`;
const STAT = `l 81a0 640 0 root 0 root 10 1 5 6\ns 81a0 640 0 root 0 root 10 1 5 6\nr ${b64('/srv/kh')}\nc\n${b64(FILE)}\n`;

/** Probe output: ssh-keygen present, directory there, the key sane, and `-F` output for the host. */
function probe(search: string | null, opts: { sane?: boolean; file?: boolean } = {}): string {
  const head = [`p ${b64('/srv/kh')}`, 'K', 'D'];
  if (opts.sane !== false) head.push('S');
  if (search !== null) head.push(`rc ${search ? 0 : 1}`, `o ${b64(search)}`, 'e ');
  return `${head.join('\n')}\n---stat\n${opts.file === false ? 'absent\n' : STAT}`;
}
const run = (args: Record<string, unknown>, search: string | null, opts: { sane?: boolean; file?: boolean; check?: boolean } = {}) =>
  planWith(knownHosts, { args: { path: '/srv/kh', ...args }, probes: { known_hosts: probe(search, opts) }, check: opts.check ?? false }).plan;

describe('known_hosts lines', () => {
  it('normalises a line to marker, host, type, key (comments after the key dropped)', () => {
    expect(normalizeHostKey(`h ${K1} user@box\n`)).toEqual({ host: 'h', type: 'ssh-ed25519', key: 'AAAAC3K1' });
    expect(normalizeHostKey(`@revoked h ${K1}`)).toEqual({ options: '@revoked', host: 'h', type: 'ssh-ed25519', key: 'AAAAC3K1' });
    expect(normalizeHostKey('h ssh-rsa')).toBeUndefined();
  });

  it('hash_host: |1|salt|HMAC-SHA1(host) in place of the host field', () => {
    const salt = Buffer.alloc(20, 7);
    const mac = createHmac('sha1', salt).update('example.com').digest('base64');
    expect(hashHostKey('example.com', `example.com ${K1}  c`, salt)).toBe(`|1|${salt.toString('base64')}|${mac} ${K1} c`);
  });

  it('searches ssh-keygen -F output: same key, same type with another key, only other types', () => {
    const out = `# Host example.com found: line 1 \nexample.com,10.0.0.1 ${K1}\n`;
    expect(searchHostKey(out, `example.com,10.0.0.1 ${K1}\n`)).toEqual({ found: true, replace: false, line: 1 });
    expect(searchHostKey(out, `example.com ${K1}\n`)).toEqual({ found: true, replace: true, line: 1 });
    expect(searchHostKey(out, `example.com ${K3}\n`)).toEqual({ found: true, replace: true, line: null });
    expect(searchHostKey('# Host h found: line 2 \n|1|a|b ssh-ed25519 AAAAC3K1\n', `|1|x|y ${K1}\n`)).toEqual({ found: true, replace: false, line: 2 });
  });
});

describe('known_hosts module', () => {
  it('a replaced key drops its line and is appended; CRLF read as LF; mode and owner kept; path stat in the result', () => {
    const p = run({ name: 'example.com', key: `example.com ${K1}` }, `# Host example.com found: line 1 \nexample.com,10.0.0.1 ${K1}\n`);
    expect(p.commands[0]).toMatchObject({ kind: 'put', path: '/srv/kh', mode: '0640', owner: '0', group: '0' });
    expect(String((p.commands[0] as { content: Buffer }).content)).toBe(`# c\nother.org ${K3}\nexample.com ${K1}\n`);
    const done = p.interpret!([
      { rc: 0, stdout: '', stderr: '', durationMs: 0 },
      { rc: 0, stdout: `l 81a0 640 0 root 0 root 99 1 5 6\ns 81a0 640 0 root 0 root 99 1 5 6\nr ${b64('/srv/kh')}\n`, stderr: '', durationMs: 0 },
    ]);
    expect(done.result).toMatchObject({ changed: true, name: 'example.com', path: '/srv/kh', hash_host: false, state: 'file', mode: '0640', size: 99 });
  });

  it('absent without a key removes the whole host with ssh-keygen -R; absent with an unknown key is ok', () => {
    const rm = run({ name: 'Other.ORG', state: 'absent' }, `# Host other.org found: line 3 \nother.org ${K3}\n`);
    expect(cmdTexts(rm.commands)[0]).toBe('ssh-keygen -R other.org -f /srv/kh');
    const none = run({ name: 'other.org', key: `other.org ${K1}`, state: 'absent' }, `# Host other.org found: line 3 \nother.org ${K3}\n`);
    expect(none).toMatchObject({ changed: false, commands: [] });
    expect(none.result).toMatchObject({ changed: false, state: 'file' });
  });

  it('check mode returns only changed and diff; a new file is created 0644', () => {
    const check = run({ name: 'n.org', key: `n.org ${K1}` }, '', { check: true });
    expect(check.commands).toEqual([]);
    expect(check.result).toEqual({
      changed: true,
      diff: { before_header: '/srv/kh', after_header: '/srv/kh', before: FILE.replace('\r\n', '\n'), after: `${FILE.replace('\r\n', '\n')}n.org ${K1}\n` },
    });
    const fresh = run({ host: 'n.org', key: `n.org ${K1}` }, null, { file: false });
    expect(fresh.commands[0]).toMatchObject({ kind: 'put', mode: '0644' });
    expect(fresh.result).toMatchObject({ name: 'n.org', host: 'n.org', diff: { before_header: '/dev/null' } });
  });

  it('fails as the module does', () => {
    expect(run({ name: 'a.org' }, '').failed).toBe('No key specified when adding a host');
    expect(run({ name: 'a.org,b.org', key: `a.org ${K1}` }, '').failed).toMatch(/^Comma separated list of names is not supported/);
    expect(run({ name: 'foo.org', key: `bar.org ${K1}` }, '', { sane: false }).failed).toBe('Host parameter does not match hashed host field in supplied key');
    expect(() => knownHosts.args.parse({ key: K1 })).toThrow(/name/);
  });
});
