import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  entryMatches,
  fingerprint,
  hashHostName,
  keyTypeOfBlob,
  knownHostName,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  verifyHostKey,
} from '../../../src/executors/known-hosts.js';

// Written by `ssh-keygen -H` (OpenSSH 9.2) from "[127.0.0.1]:2222 K1" and "web1.example.org K2".
const K1 = 'AAAAC3NzaC1lZDI1NTE5AAAAILDxRs5y2t7T0EcTykmYy05wgjLxAxL4X9BEa1G/ASzz';
const K2 = 'AAAAC3NzaC1lZDI1NTE5AAAAINJxzGryq0V3+T67a9fo3nZFauyTQFYQroCEtFFklmvh';
const HASHED = [
  `|1|OnahpKOfsy7qe2iRAI/y4/tZJcA=|r/HC9qOAE4Mw7x/0URnuo1KL/7o= ssh-ed25519 ${K1}`,
  `|1|QSjumIHSh/fepm9+mPuoMuTvGFo=|mFj5+SBdXozvrnDPYdqKQzD1YvI= ssh-ed25519 ${K2}`,
].join('\n');
const blob = (b64: string): Buffer => Buffer.from(b64, 'base64');

function tmpFile(content?: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'tsplay-kh-')), 'known_hosts');
  if (content !== undefined) writeFileSync(f, content);
  return f;
}

describe('parseKnownHosts', () => {
  it('reads plain, hashed, marker and comment lines with their line numbers', () => {
    const entries = parseKnownHosts(['# comment', '', `web1,10.0.0.1 ssh-ed25519 ${K1} a comment`, HASHED.split('\n')[0], `@revoked * ssh-ed25519 ${K2}`, 'garbage'].join('\n'));
    expect(entries).toHaveLength(3);
    expect(entries[0]).toMatchObject({ line: 3, patterns: ['web1', '10.0.0.1'], keyType: 'ssh-ed25519', key: K1 });
    expect(entries[1]!.hashed).toBeDefined();
    expect(entries[1]!.line).toBe(4);
    expect(entries[2]).toMatchObject({ line: 5, marker: '@revoked', patterns: ['*'] });
  });
});

describe('host matching', () => {
  it('matches hashed entries written by ssh-keygen -H, including [host]:port', () => {
    const [a, b] = parseKnownHosts(HASHED);
    expect(entryMatches(a!, '[127.0.0.1]:2222')).toBe(true);
    expect(entryMatches(a!, '127.0.0.1')).toBe(false);
    expect(entryMatches(a!, '[127.0.0.1]:2223')).toBe(false);
    expect(entryMatches(b!, 'web1.example.org')).toBe(true);
    expect(entryMatches(b!, 'web2.example.org')).toBe(false);
  });

  it('hashHostName round-trips through the matcher', () => {
    const [e] = parseKnownHosts(`${hashHostName('[db]:2200')} ssh-ed25519 ${K1}`);
    expect(entryMatches(e!, '[db]:2200')).toBe(true);
    expect(entryMatches(e!, 'db')).toBe(false);
  });

  it('plain patterns: wildcards, negation, case-insensitive', () => {
    const [e] = parseKnownHosts(`*.example.org,!bad.example.org ssh-ed25519 ${K1}`);
    expect(entryMatches(e!, 'WEB.example.org')).toBe(true);
    expect(entryMatches(e!, 'bad.example.org')).toBe(false);
    expect(entryMatches(e!, 'example.org')).toBe(false);
  });

  it('names non-22 ports in brackets', () => {
    expect(knownHostName('h', 22)).toBe('h');
    expect(knownHostName('h', 2222)).toBe('[h]:2222');
  });

  it('reads the key type from the blob and fingerprints like ssh-keygen -l', () => {
    expect(keyTypeOfBlob(blob(K1))).toBe('ssh-ed25519');
    expect(fingerprint(blob(K1))).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('prefers host key algorithms of the keys already known', () => {
    const entries = parseKnownHosts(`h ssh-rsa AAAA\nh ssh-ed25519 ${K1}\nother ecdsa-sha2-nistp256 AAAA`);
    expect(preferredHostKeyAlgorithms(entries, 'h')).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
  });
});

describe('verifyHostKey policies', () => {
  const base = { host: 'web1', names: ['[127.0.0.1]:2222'] };

  it('accept-new: an unknown host is appended to known_hosts (file created)', () => {
    const file = tmpFile();
    expect(existsSync(file)).toBe(false);
    expect(verifyHostKey({ ...base, blob: blob(K1), policy: 'accept-new', file })).toEqual({ ok: true, added: true });
    expect(readFileSync(file, 'utf8')).toBe(`[127.0.0.1]:2222 ssh-ed25519 ${K1}\n`);
    // and the next connection finds it
    expect(verifyHostKey({ ...base, blob: blob(K1), policy: 'strict', file })).toEqual({ ok: true });
  });

  it('accept-new: a changed key is refused, naming the file and the line to remove', () => {
    const file = tmpFile(`# header\n${HASHED}\n`);
    const v = verifyHostKey({ ...base, blob: blob(K2), policy: 'accept-new', file });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.error.code).toBe('CONNECTION');
    expect(v.error.message).toContain('HOST KEY CHANGED');
    expect(v.error.message).toContain(`${file}:2`);
    expect(v.error.hint).toContain(`remove line 2 of ${file}`);
    expect(readFileSync(file, 'utf8')).toBe(`# header\n${HASHED}\n`); // untouched
  });

  it('strict: an unknown host is refused and nothing is written', () => {
    const file = tmpFile('');
    const v = verifyHostKey({ ...base, blob: blob(K1), policy: 'strict', file });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error.message).toMatch(/not in .* strict/);
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it('strict: a known hashed entry is accepted', () => {
    expect(verifyHostKey({ ...base, blob: blob(K1), policy: 'strict', file: tmpFile(HASHED) })).toEqual({ ok: true });
  });

  it('off: anything goes and nothing is written', () => {
    const file = tmpFile(HASHED);
    expect(verifyHostKey({ ...base, blob: blob(K2), policy: 'off', file })).toEqual({ ok: true });
    expect(readFileSync(file, 'utf8')).toBe(HASHED);
  });

  it('@revoked keys are refused even under accept-new', () => {
    const v = verifyHostKey({ ...base, blob: blob(K1), policy: 'accept-new', file: tmpFile(`@revoked * ssh-ed25519 ${K1}\n`) });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.error.message).toContain('@revoked');
  });

  it('appends on a new line when the file lacks a trailing newline', () => {
    const file = tmpFile(`other ssh-ed25519 ${K2}`);
    verifyHostKey({ ...base, blob: blob(K1), policy: 'accept-new', file });
    expect(readFileSync(file, 'utf8')).toBe(`other ssh-ed25519 ${K2}\n[127.0.0.1]:2222 ssh-ed25519 ${K1}\n`);
  });
});
