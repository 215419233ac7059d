import { describe, expect, it } from 'vitest';
import { Redactor, REDACTED } from '../../../src/engine/redact.js';

describe('Redactor', () => {
  it('replaces the values of secret-named keys wherever they appear later', () => {
    const r = new Redactor();
    r.scan({ wallarm_api_token: 'tok-abc-123456', nested: { db_password: 'hunter22' }, harmless: 'visible' });
    const out = r.value({ msg: 'installer -t tok-abc-123456 failed', list: ['x hunter22 y'], harmless: 'visible' });
    expect(out).toEqual({ msg: `installer -t ${REDACTED} failed`, list: [`x ${REDACTED} y`], harmless: 'visible' });
  });

  it('replaces a longer secret whole even when it contains a shorter one', () => {
    const r = new Redactor();
    r.add('abcd');
    r.add('abcdefgh');
    expect(r.text('key=abcdefgh')).toBe(`key=${REDACTED}`);
  });

  it('ignores values too short to be secrets and non-secret keys', () => {
    const r = new Redactor();
    r.scan({ token: 'ab', port: '3313' });
    expect(r.text('port 3313 ab')).toBe('port 3313 ab');
  });
});

describe('Redactor and package_facts', () => {
  it('ansible_facts.packages is package data: a package named passwd does not make its fields secrets', () => {
    const r = new Redactor();
    r.scan({ pf: { ansible_facts: { packages: { passwd: [{ name: 'passwd', category: 'admin', arch: 'amd64' }] }, api_token: 'tok-1234' } } });
    expect(r.text('admin amd64 tok-1234')).toBe('admin amd64 ********');
  });
});

describe('Redactor and getent', () => {
  it('getent_passwd is account data; getent_shadow’s password hashes are secrets', () => {
    const r = new Redactor();
    r.scan({
      e: {
        ansible_facts: {
          getent_passwd: { root: ['x', '0', '0', 'root', '/root', '/bin/bash'] },
          getent_shadow: { alice: ['$6$salt$hashhash', '19000', '0', '99999', '7', '', '', ''], bob: ['!', '1'], dup: [['$y$j9T$dupdup'], ['$y$j9T$again']] },
        },
      },
    });
    expect(r.text('root /root /bin/bash ! $6$salt$hashhash $y$j9T$dupdup $y$j9T$again')).toBe('root /root /bin/bash ! ******** ******** ********');
  });

  it('the user module’s password: NOT_LOGGING_PASSWORD placeholder stays readable', () => {
    const r = new Redactor();
    r.scan({ u: { name: 'alice', password: 'NOT_LOGGING_PASSWORD' }, db_password: 'hunter22' });
    expect(r.text('NOT_LOGGING_PASSWORD hunter22')).toBe('NOT_LOGGING_PASSWORD ********');
  });
});
