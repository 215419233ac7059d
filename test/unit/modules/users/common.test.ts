import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { needsPathExpansion, parsePasswdLine, parseShadowLine, pathExpansionShell, pySplitLines } from '../../../../src/modules/users/common.js';

const expand = (v: string) =>
  execFileSync('sh', ['-c', `${pathExpansionShell(v, '_e')}\nprintf '%s' "$_e"`], { env: { HOME: '/root/', PATH: process.env.PATH ?? '/usr/bin:/bin', SET: 'v' } }).toString();

describe('users common', () => {
  it('path arguments expand as os.path.expandvars then expanduser, on the host’s shell', () => {
    expect(expand('~')).toBe('/root');
    expect(expand('~/x')).toBe('/root/x');
    expect(expand('~root/y')).toBe('/root/y');
    expect(expand('~tsplay-no-such-user/z')).toBe('~tsplay-no-such-user/z');
    expect(expand('$SET/a${SET}b')).toBe('v/avb');
    expect(expand('$NOPE/c ${NOPE}')).toBe('$NOPE/c ${NOPE}');
    expect(expand("it's $(reboot) `x` $SET")).toBe("it's $(reboot) `x` v");
    expect(needsPathExpansion('/plain/path')).toBe(false);
    expect(needsPathExpansion('~/x')).toBe(true);
    expect(needsPathExpansion('a$B')).toBe(true);
  });

  it('account lines: the shell keeps its colons; an empty shadow number is -1', () => {
    expect(parsePasswdLine('a:x:1:2:G:/h:/bin/sh')).toEqual({ name: 'a', passwd: 'x', uid: 1, gid: 2, gecos: 'G', dir: '/h', shell: '/bin/sh' });
    expect(parsePasswdLine('broken')).toBeUndefined();
    expect(parseShadowLine('a:!:19000::::::')).toEqual({ pwdp: '!', min: -1, max: -1, expire: -1 });
    expect(pySplitLines('a\nb\r\nc\n')).toEqual(['a', 'b', 'c']);
  });
});
