import { describe, expect, it } from 'vitest';
import { authorizedKey, editAuthorizedKeys, parseKeyFile, parseKeyLine, parseKeyOptions, serializeKeys } from '../../../../src/modules/access/authorized_key.js';
import { cmdTexts, planWith, result } from '../../../fixtures/modules/system/context.js';
import { debian12 } from '../../../fixtures/modules/system/facts.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const K1 = 'ssh-ed25519 AAAAC3Key1 alice@one';
const K2 = 'ssh-rsa AAAAB3Key2 two@host';

/** Probe output for user alice (uid 1001) and her default keys file. */
function probe(opts: { content?: string; user?: boolean; file?: string; real?: string; flags?: string[]; stat?: string } = {}): string {
  const file = opts.file ?? '/home/alice/.ssh/authorized_keys';
  const lines: string[] = [];
  if (opts.user !== false) lines.push(`u ${b64('alice:x:1001:1002:Alice:/home/alice:/bin/sh')}`);
  lines.push(`f ${b64(file)}`, `r ${b64(opts.real ?? file)}`, ...(opts.flags ?? []));
  if (opts.content !== undefined) lines.push('c', b64(opts.content));
  if (opts.stat !== undefined) lines.push('---stat', opts.stat);
  return lines.join('\n') + '\n';
}

const edit = (existing: string, a: Partial<Parameters<typeof editAuthorizedKeys>[1]> & { key: string }) =>
  editAuthorizedKeys(existing, { state: 'present', exclusive: false, ...a });

describe('authorized_key parsing (ansible.posix)', () => {
  it('options split on commas outside quotes; a doubled comma is kept as a flag', () => {
    expect(parseKeyOptions('no-pty,from="a,b",command="x y",,x')).toEqual([
      ['no-pty', null],
      ['from', '"a,b"'],
      ['command', '"x y"'],
      [',,', null],
      ['x', null],
    ]);
    expect(parseKeyOptions('')).toEqual([]);
  });

  it('a line is split on whitespace: options re-joined with one space, comment after the blob', () => {
    expect(parseKeyLine('command="echo  hi" ssh-rsa AAA c  d\n', 0)).toEqual({ id: 'AAA', type: 'ssh-rsa', options: [['command', '"echo hi"']], comment: 'c d', rank: 0 });
    expect(parseKeyLine('# ssh-rsa AAA', 3)).toMatchObject({ type: 'skipped', id: '# ssh-rsa AAA' });
    expect(parseKeyLine('\\# kept', 3)).toMatchObject({ type: 'skipped', id: '# kept' });
    expect(parseKeyLine('not a key', 0)).toBeUndefined();
  });

  it('duplicate lines collapse into the last one; an empty comment is written as a trailing space', () => {
    const text = '# c\n\nssh-rsa A one\n\nssh-rsa A two\n# c\nssh-ed25519 B\n';
    expect(serializeKeys(parseKeyFile(text))).toBe('\nssh-rsa A two\n# c\nssh-ed25519 B \n');
  });
});

describe('authorized_key edits', () => {
  it('a new key goes after the existing lines; the same key again does not write', () => {
    const r = edit('# hi\nssh-rsa OLD x\n', { key: K1 });
    expect(r).toEqual({ content: `# hi\nssh-rsa OLD x\n${K1}\n`, write: true });
    expect(edit(`${K1}\n`, { key: K1 })).toEqual({ content: `${K1}\n`, write: false });
  });

  it('several keys at once skip blank and comment lines; a different comment or options replace the key at the end', () => {
    expect(edit('', { key: `${K1}\n# no\n\n${K2}` })).toEqual({ content: `${K1}\n${K2}\n`, write: true });
    const moved = edit(`${K1}\n${K2}\n`, { key: K1, key_options: 'no-pty', comment: 'new' });
    expect(moved).toEqual({ content: `${K2}\nno-pty ssh-ed25519 AAAAC3Key1 new\n`, write: true });
    // option order alone is no difference (the module compares them as a dict)
    expect(edit(`a,b ${K1}\n`, { key: K1, key_options: 'b,a' })).toMatchObject({ write: false });
  });

  it('absent removes whatever options the key has; exclusive drops comments too', () => {
    expect(edit(`no-pty ${K1}\n${K2}\n`, { key: K1, state: 'absent' })).toEqual({ content: `${K2}\n`, write: true });
    expect(edit(`${K2}\n`, { key: K1, state: 'absent' })).toEqual({ content: `${K2}\n`, write: false });
    expect(edit(`# c\n${K2}\n${K1}\n`, { key: K1, exclusive: true })).toEqual({ content: `${K1}\n`, write: true });
  });

  it('an invalid key is an error naming it', () => {
    expect(edit('', { key: 'nope AAAA' })).toEqual({ error: 'invalid key specified: nope AAAA' });
    expect(edit('', { key: 'ssh-rsa' })).toEqual({ error: 'invalid key specified: ssh-rsa' });
  });
});

describe('authorized_key module', () => {
  it('creates ~/.ssh 0700 and the file 0600 owned by the user, and reports Ansible’s fields', () => {
    const { plan } = planWith(authorizedKey, { args: { user: 'alice', key: K1 }, probes: { keyfile: probe() } });
    expect(plan.changed).toBe(true);
    const texts = cmdTexts(plan.commands);
    expect(texts[0]).toContain('mkdir -m 0700 -- /home/alice/.ssh');
    expect(texts[0]).toContain('chown 1001:1002 -- /home/alice/.ssh && chmod 0700 -- /home/alice/.ssh');
    expect(plan.commands[1]).toMatchObject({ kind: 'put', path: '/home/alice/.ssh/authorized_keys', mode: '0600', owner: '1001', group: '1002' });
    expect(String((plan.commands[1] as { content: Buffer }).content)).toBe(`${K1}\n`);
    expect(plan.result).toEqual({
      user: 'alice',
      key: K1,
      path: null,
      manage_dir: true,
      state: 'present',
      key_options: null,
      exclusive: false,
      comment: null,
      validate_certs: true,
      follow: false,
      keyfile: '/home/alice/.ssh/authorized_keys',
      changed: true,
    });
  });

  it('reads CRLF as LF; an existing directory is only chowned; nothing to do is ok', () => {
    const { plan } = planWith(authorizedKey, { args: { user: 'alice', key: K2 }, probes: { keyfile: probe({ content: `${K1}\r\n`, flags: ['D', 'E', 'R', 'P', 'Q'] }) } });
    expect(cmdTexts(plan.commands)[0]).not.toContain('mkdir');
    expect(String((plan.commands[1] as { content: Buffer }).content)).toBe(`${K1}\n${K2}\n`);
    const same = planWith(authorizedKey, { args: { user: 'alice', key: K1 }, probes: { keyfile: probe({ content: `${K1}\n`, flags: ['D', 'E'] }) } }).plan;
    expect(same).toMatchObject({ changed: false, commands: [] });
  });

  it('check mode writes nothing but reports the change; follow writes the link target', () => {
    const check = planWith(authorizedKey, { args: { user: 'alice', key: K1 }, probes: { keyfile: probe() }, check: true }).plan;
    expect(check).toMatchObject({ changed: true, commands: [] });
    const followed = planWith(authorizedKey, {
      args: { user: 'alice', key: K1, path: '/srv/link', manage_dir: false, follow: true },
      probes: {
        keyfile: probe({
          file: '/srv/link',
          real: '/srv/real/a',
          flags: ['E', 'R', 'P', 'Q'],
          stat: `l a1ff 777 0 root 0 root 6 1 5 6\nt ${b64('real/a')}\ns 81a4 644 1001 alice 1002 alice 0 1 7 6\nr ${b64('/srv/real/a')}`,
        }),
      },
    }).plan;
    expect(followed.commands[1]).toMatchObject({ kind: 'put', path: '/srv/real/a' });
    // the result's path stat is the link's own (lstat), as ansible-core's add_path_info
    expect(followed.result).toMatchObject({ keyfile: '/srv/link', path: '/srv/link', state: 'link', mode: '0777', owner: 'root', size: 6 });
  });

  it('a missing user fails with Ansible’s message; in check mode a path is enough', () => {
    const p = (check: boolean, path?: string) =>
      planWith(authorizedKey, { args: { user: 'bob', key: K1, ...(path ? { path } : {}) }, probes: { keyfile: probe({ user: false }) }, check }).plan;
    expect(p(false).failed).toBe(`Failed to lookup user bob: "getpwnam(): name not found: 'bob'"`);
    expect(p(true).failed).toBe('Either user must exist or you must provide full path to key file in check mode');
    const withPath = p(true, '/srv/keys');
    expect(withPath.changed).toBe(true);
    expect(withPath.failed).toBeUndefined();
  });

  it('--diff: the file diff and the module’s diff result field', () => {
    const args = authorizedKey.args.parse({ user: 'alice', key: K2 });
    const base = {
      host: 'h1',
      facts: debian12,
      check: true,
      diff: true,
      vars: {},
      readControllerFile: () => Buffer.alloc(0),
      renderTemplateFile: () => '',
      renderTemplate: (t: string) => t,
      evaluate: () => true,
      evaluateValue: () => undefined,
    };
    const probed = Object.fromEntries(authorizedKey.probes!(args, base).map((p) => [p.key, p.parse(result(probe({ content: `${K1}\n`, flags: ['D', 'E'] })))]));
    const plan = authorizedKey.plan(args, { ...base, probed });
    const file = '/home/alice/.ssh/authorized_keys';
    expect(plan.diff).toEqual([{ path: file, before: `${K1}\n`, after: `${K1}\n${K2}\n`, beforeHeader: file, afterHeader: file }]);
    expect(plan.result?.diff).toEqual({ before_header: file, after_header: file, before: `${K1}\n`, after: `${K1}\n${K2}\n` });
    expect(plan.commands).toEqual([]);
  });

  it('refuses a URL (network rule) and takes only Ansible’s arguments', () => {
    const url = planWith(authorizedKey, { args: { user: 'alice', key: 'https://github.com/alice.keys' }, probes: { keyfile: probe() } }).plan;
    expect(url.failed).toMatch(/does not download keys.*github\.com/);
    expect(() => authorizedKey.args.parse({ user: 'a', key: K1, unique: true })).toThrow(/unique/);
  });
});
