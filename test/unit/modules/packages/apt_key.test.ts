import { describe, expect, it } from 'vitest';
import { aptKeyModule, parseKeyId, parseKeyIds } from '../../../../src/modules/packages/apt_key.js';
import { cmdTexts, planWith, result } from '../../../fixtures/modules/system/context.js';

const LIST = `/etc/apt/trusted.gpg
--------------------
pub   ed25519/3AD21BAB0AC691F7 2026-12-02 [SC]
      0B1C4B4D1E2A3B4C5D6E7F803AD21BAB0AC691F7
uid                 [ unknown] tsplay lab <lab@tsplay.invalid>
pub   rsa2048/1111222233334444 2020-01-01 [SC] [expired: 2021-01-01]
sub   rsa2048/AAAABBBBCCCCDDDD 2020-01-01 [E]
tsplay-list-rc=0
`;
const GPG = 'tsplay-source\npub:-:255:22:3AD21BAB0AC691F7:1796210189:::-:::scSC:::::ed25519:::0:\nuid:-::::1796210189::X::tsplay lab::::::::::0:\ntsplay-source-rc=0\n';

describe('apt_key', () => {
  it('key ids from apt-key listings and gpg --with-colons, expired ones skipped', () => {
    expect(parseKeyIds(LIST)).toEqual(['3AD21BAB0AC691F7', 'AAAABBBBCCCCDDDD']);
    expect(parseKeyIds(LIST, true)).toEqual(['0AC691F7', 'CCCCDDDD']);
    expect(parseKeyIds(GPG)).toEqual(['3AD21BAB0AC691F7']);
    expect(parseKeyId('0x3ad21bab0ac691f7')).toEqual({ short: '0AC691F7', fp: '3AD21BAB0AC691F7', keyId: '3AD21BAB0AC691F7' });
    expect(parseKeyId('12345')).toBeUndefined();
    expect(parseKeyId('zz')).toBeUndefined();
  });

  it('file: a key already there is ok with ansible’s fields; a new one is added then listed again', () => {
    const ok = planWith(aptKeyModule, { args: { file: '/k.asc' }, probes: { aptkey: LIST.replace('tsplay-list-rc=0\n', 'tsplay-list-rc=0\n') + GPG } }).plan;
    expect(ok.changed).toBe(false);
    expect(ok.result).toEqual({
      changed: false,
      id: '3AD21BAB0AC691F7',
      short_id: '0AC691F7',
      fp: '3AD21BAB0AC691F7',
      key_id: '3AD21BAB0AC691F7',
      before: ['3AD21BAB0AC691F7', 'AAAABBBBCCCCDDDD'],
    });
    const add = planWith(aptKeyModule, { args: { file: '/k.asc', keyring: '/etc/apt/trusted.gpg.d/x.gpg' }, probes: { aptkey: 'tsplay-list-rc=0\n' + GPG } }).plan;
    expect(add.changed).toBe(true);
    expect(cmdTexts(add.commands)[0]).toBe('LANG=C LC_ALL=C LC_MESSAGES=C apt-key --keyring /etc/apt/trusted.gpg.d/x.gpg add /k.asc');
    expect(add.interpret!([result(''), result(LIST)]).result).toMatchObject({ changed: true, after: ['3AD21BAB0AC691F7', 'AAAABBBBCCCCDDDD'] });
    expect(add.interpret!([result(''), result('')]).failed).toMatch(/failed to add the key/);
    expect(add.interpret!([result({ rc: 2, stderr: 'gpg: no valid OpenPGP data found.' }), result('')]).failed).toBe('Unable to add a key from file /k.asc');
  });

  it('data goes through stdin; absent deletes by the short id', () => {
    const d = planWith(aptKeyModule, { args: { data: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n...' }, probes: { aptkey: 'tsplay-list-rc=0\n' + GPG } }).plan;
    expect(d.commands[0]).toMatchObject({ kind: 'shell', stdin: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n...' });
    const rm = planWith(aptKeyModule, { args: { id: '3AD21BAB0AC691F7', state: 'absent' }, probes: { aptkey: LIST } }).plan;
    expect(cmdTexts(rm.commands)[0]).toBe('LANG=C LC_ALL=C LC_MESSAGES=C apt-key del 0AC691F7');
    const none = planWith(aptKeyModule, { args: { id: '99998888', state: 'absent' }, probes: { aptkey: LIST } }).plan;
    expect(none.changed).toBe(false);
  });

  it('without apt-key (Debian 13, apt 3) fails with get_bin_path’s message, sbin directories appended', () => {
    const probe = 'tsplay-path=/usr/bin:/bin\ntsplay-sbin=/sbin\ntsplay-sbin=/usr/sbin\ntsplay-nobin=apt-key\ntsplay-list\nsh: apt-key: not found\ntsplay-list-rc=127\n' + GPG;
    const p = planWith(aptKeyModule, { args: { file: '/k.asc' }, probes: { aptkey: probe } }).plan;
    expect(p.failed).toBe('Failed to find required executable "apt-key" in paths: /usr/bin:/bin:/sbin:/usr/sbin');
    expect(p.commands).toEqual([]);
    const withKey = planWith(aptKeyModule, { args: { file: '/k.asc' }, probes: { aptkey: `tsplay-path=/usr/bin\ntsplay-list\n${LIST}${GPG}` } }).plan;
    expect(withKey.failed).toBeUndefined();
    expect(withKey.result).toMatchObject({ id: '3AD21BAB0AC691F7', before: ['3AD21BAB0AC691F7', 'AAAABBBBCCCCDDDD'] });
  });

  it('refuses the network and bad input clearly', () => {
    const p = (args: Record<string, unknown>, out = 'tsplay-list-rc=0\n') => planWith(aptKeyModule, { args, probes: { aptkey: out } }).plan.failed;
    expect(p({ keyserver: 'keyserver.ubuntu.com', id: '0AC691F7' })).toMatch(/keyserver/);
    expect(p({ url: 'https://example.com/key.asc' })).toMatch(/loopback/);
    expect(p({ id: '12345' })).toBe('Invalid key_id');
    expect(p({ file: '/nope' }, "tsplay-list-rc=0\ntsplay-source\ngpg: can't open\ntsplay-source-rc=2\n")).toBe("Unable to extract key from '/nope'");
    expect(p({ file: '/a', data: 'x' })).toMatch(/mutually exclusive/);
    const { probeCmds } = planWith(aptKeyModule, { args: { url: 'http://127.0.0.1:8080/k.asc' }, probes: { aptkey: 'tsplay-list-rc=0\n' + GPG } });
    expect(probeCmds[0]).toContain('curl -fsSL -- http://127.0.0.1:8080/k.asc | LANG=C');
  });
});
