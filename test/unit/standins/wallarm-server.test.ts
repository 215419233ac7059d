import { describe, expect, it } from 'vitest';
import { checkInstallerVersion, installerPath, installerUrl, standinCacheDir } from '../../../src/lab/wallarm-server.js';

describe('installer paths (meganode layout)', () => {
  it('puts an installer under its major.minor directory', () => {
    expect(installerPath('6.12.1')).toBe('6.12/wallarm-6.12.1.x86_64-glibc.sh');
    expect(installerPath('4.10.5', 'aarch64')).toBe('4.10/wallarm-4.10.5.aarch64-glibc.sh');
  });

  it('joins a base URL with or without a trailing slash', () => {
    expect(installerUrl('http://172.18.0.2:8080/', '7.1.0')).toBe('http://172.18.0.2:8080/7.1/wallarm-7.1.0.x86_64-glibc.sh');
    expect(installerUrl('https://meganode.wallarm.com', '5.3.0')).toBe('https://meganode.wallarm.com/5.3/wallarm-5.3.0.x86_64-glibc.sh');
  });

  it('refuses versions that are not X.Y.Z with a usage error', () => {
    expect(() => checkInstallerVersion('6.12')).toThrow(/bad Wallarm version "6.12"/);
    expect(() => installerPath('6.12.1; rm -rf /')).toThrow(/bad Wallarm version/);
  });

  it('takes the cache directory from the environment', () => {
    expect(standinCacheDir({ WALLARM_STANDIN_CACHE: '/c' })).toBe('/c');
    expect(standinCacheDir({ XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/x/tsplay/wallarm-standin');
  });
});
