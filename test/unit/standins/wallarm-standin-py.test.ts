// The stand-in services run on python3-minimal (no json, no yaml): their tiny parsers are tested
// here with the host's python3.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../standins/wallarm/', import.meta.url));

function py(code: string): string {
  return execFileSync('python3', ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(dir)}); import wallarm_standin as w\n${code}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('wallarm_standin.py helpers', () => {
  it('reads the wstore.yaml shape the docs show (nested TLS, quotes, comments)', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'wstore-'));
    const f = join(tmp, 'wstore.yaml');
    writeFileSync(
      f,
      [
        'service:',
        '  address: 192.158.1.38:3313',
        '  TLS:',
        '    enabled: true',
        '    address: 0.0.0.0:6388',
        '    certFile: "/opt/wallarm/wstore/wstore.crt"',
        '    # caCertFile: "/opt/wallarm/wstore/wstore-ca.crt"',
        '    mutualTLS:',
        '      enabled: true # on',
        'other: x',
      ].join('\n'),
    );
    const out = py(`c = w.read_yaml_mapping(${JSON.stringify(f)}); print(w.jdump(c))`);
    expect(JSON.parse(out)).toEqual({
      service: {
        address: '192.158.1.38:3313',
        TLS: { enabled: true, address: '0.0.0.0:6388', certFile: '/opt/wallarm/wstore/wstore.crt', mutualTLS: { enabled: true } },
      },
      other: 'x',
    });
  });

  it('splits listen addresses in the three documented forms', () => {
    const out = py(`print(w.jdump([list(w.split_addr(a)) for a in ['10.0.0.5:3313', ':3300', '[::1]:6388']]))`);
    expect(JSON.parse(out)).toEqual([
      ['10.0.0.5', 3313],
      ['0.0.0.0', 3300],
      ['::1', 6388],
    ]);
  });

  it('rejects an address without a port', () => {
    expect(() => py(`w.split_addr('10.0.0.5')`)).toThrow(/bad address/);
  });

  it('emits valid JSON for hostile strings', () => {
    const out = py(`print(w.jdump({'a"b': 'x\\\\y\\n\\u0001', 'n': [1, 2.5, None, True]}))`);
    expect(JSON.parse(out)).toEqual({ 'a"b': 'x\\y\n\u0001', n: [1, 2.5, null, true] });
  });

  it('reads env.list values with quotes and comments', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'envlist-'));
    const f = join(tmp, 'env.list');
    writeFileSync(f, "# tarantool\nHOST='10.0.0.5'\nPORT=3300\nSLAB_ALLOC_ARENA=2.0\n\n");
    const out = py(`print(w.jdump(w.read_env_list(${JSON.stringify(f)})))`);
    expect(JSON.parse(out)).toEqual({ HOST: '10.0.0.5', PORT: '3300', SLAB_ALLOC_ARENA: '2.0' });
  });
});
