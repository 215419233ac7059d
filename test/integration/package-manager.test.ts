// An explicit package manager (`dnf:`, `package: use: dnf`) is used when the host has it even if
// facts prefer another (the lab's rpm-family image is Debian with dnf installed).
import { describe, expect, it } from 'vitest';
import { managerFor } from '../../src/modules/system/package.js';
import { EMPTY_FACTS } from '../../src/engine/context.js';
import { parseFacts } from '../../src/facts/gather.js';

const debianWithDnf = { ...EMPTY_FACTS, os: { ...EMPTY_FACTS.os, name: 'Debian GNU/Linux 12 (bookworm)' }, pkgMgr: 'apt' as const, pkgMgrs: ['apt' as const, 'dnf' as const] };

describe('managerFor', () => {
  it('auto picks the preferred manager; dnf is used when present besides apt', () => {
    expect(managerFor('auto', debianWithDnf)).toEqual({ mgr: 'apt' });
    expect(managerFor('dnf', debianWithDnf)).toEqual({ mgr: 'dnf' });
    expect(managerFor('yum', debianWithDnf)).toEqual({ mgr: 'dnf' });
  });
  it('a manager the host lacks is still a clear failure', () => {
    const plain = { ...debianWithDnf, pkgMgrs: ['apt' as const] };
    expect(managerFor('dnf', plain)).toEqual({ error: 'dnf is not available on this host (Debian GNU/Linux 12 (bookworm) uses apt)' });
    expect(managerFor('apt', { ...plain, pkgMgr: 'dnf', pkgMgrs: ['dnf'] })).toHaveProperty('error');
  });
});

describe('facts', () => {
  it('record every package manager found, apt first when apt-get is there', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../unit/facts/fixtures/debian12.txt', import.meta.url), 'utf8');
    const withDnf = text.replace(/(\n\S* ?pkg\n(?:.*\n)*?)apt-get\n/, '$1apt-get\ndnf\n');
    expect(withDnf).not.toBe(text);
    const f = parseFacts(withDnf);
    expect(f.pkgMgr).toBe('apt');
    expect(f.pkgMgrs).toEqual(['apt', 'dnf']);
  });
});
