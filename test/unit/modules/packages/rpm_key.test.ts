import { describe, expect, it } from 'vitest';
import { parseRpmKeyProbe, rpmKeyModule } from '../../../../src/modules/packages/rpm_key.js';
import { cmdTexts, planWith, result } from '../../../fixtures/modules/system/context.js';
import { rocky9 } from '../../../fixtures/modules/system/facts.js';

const FILE = 'isfile\nf\tpub:-:255:22:3AD21BAB0AC691F7:1796210189:::-:::scSC:::::ed25519:::0:\nf\tfpr:::::::::0B1C4B4D1E2A3B4C5D6E7F803AD21BAB0AC691F7:\n';
const IMPORTED = 'i\tpub:-:2048:1:4E5E4C6CBC25A5D7:1796210189:::-:::scSC::::::23::0:\n';
const run = (args: Record<string, unknown>, out: string, check = false) => planWith(rpmKeyModule, { args, facts: rocky9, check, probes: { rpmkey: out } }).plan;

describe('rpm_key', () => {
  it('imports a key file whose id is not imported yet; an imported one is ok', () => {
    const p = run({ key: '/k.asc' }, FILE + IMPORTED);
    expect(cmdTexts(p.commands)).toEqual(['rpm --import /k.asc']);
    expect(p.result).toEqual({ changed: true });
    expect(p.interpret!([result({ rc: 1, stderr: 'error: /k.asc: import read failed(2).' })]).failed).toBe('error: /k.asc: import read failed(2).');
    expect(run({ key: '/k.asc' }, FILE + 'i\tpub:-:255:22:3AD21BAB0AC691F7:1:::-:::scSC:::::ed25519:::0:\n').changed).toBe(false);
  });

  it('fingerprint is compared without spaces; removal erases gpg-pubkey-<last 8>', () => {
    expect(run({ key: '/k.asc', fingerprint: '0000 1111' }, FILE).failed).toBe(
      "The specified fingerprint, '00001111', does not match the key fingerprint '0B1C4B4D1E2A3B4C5D6E7F803AD21BAB0AC691F7'",
    );
    expect(run({ key: '/k.asc', fingerprint: '0b1c 4b4d 1e2a 3b4c 5d6e 7f80 3ad2 1bab 0ac6 91f7' }, FILE).changed).toBe(true);
    expect(cmdTexts(run({ key: '0x4e5e4c6cbc25a5d7', state: 'absent' }, IMPORTED).commands)).toEqual(['rpm --erase --allmatches gpg-pubkey-bc25a5d7']);
    expect(run({ key: 'BC25A5D7', state: 'absent' }, '').changed).toBe(false);
  });

  it('refuses what ansible refuses, and URLs (no download)', () => {
    expect(run({ key: 'BC25A5D7' }, '').failed).toBe('When importing a key, a valid file must be given');
    expect(run({ key: '/nope.asc' }, '').failed).toBe('Not a valid key /nope.asc');
    expect(run({ key: 'https://example.com/k.asc' }, '').failed).toMatch(/does not download/);
    expect(parseRpmKeyProbe(result('isfile\nferr\tgpg: no valid OpenPGP data found.\n')).fileError).toBe('gpg: no valid OpenPGP data found.');
  });
});
