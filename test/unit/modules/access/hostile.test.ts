import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authorizedKey } from '../../../../src/modules/access/authorized_key.js';
import { knownHosts } from '../../../../src/modules/access/known_hosts.js';
import { opensshKeypair } from '../../../../src/modules/access/openssh_keypair.js';
import { pamLimits } from '../../../../src/modules/access/pam_limits.js';
import type { ModuleDef } from '../../../../src/modules/types.js';
import { debian12 } from '../../../fixtures/modules/system/facts.js';

const dir = mkdtempSync(join(tmpdir(), 'tsplay-access-'));
const marker = join(dir, 'pwned');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = {
  host: 'h1',
  facts: debian12,
  check: false,
  diff: false,
  vars: {},
  readControllerFile: () => Buffer.alloc(0),
  renderTemplateFile: () => '',
  renderTemplate: (t: string) => t,
  evaluate: () => true,
  evaluateValue: () => undefined,
};

/** Run a module's probes in sh as the engine would, and parse them. */
function probeInSh(mod: ModuleDef, args: Record<string, unknown>): Record<string, unknown> {
  const a = mod.args.parse(args);
  const out: Record<string, unknown> = {};
  for (const p of mod.probes!(a, base)) {
    const stdout = execFileSync('sh', ['-c', p.cmd.text], { encoding: 'utf8', env: { ...process.env, HOME: dir } });
    out[p.key] = p.parse({ rc: 0, stdout, stderr: '', durationMs: 0 });
  }
  return out;
}

const hostile = [`x'; touch ${marker}; '`, `$(touch ${marker})`, `\`touch ${marker}\``, `a"; touch ${marker}; "`];

describe('access probes keep hostile text literal', () => {
  it('authorized_key: user and path', () => {
    for (const h of hostile) {
      const p = probeInSh(authorizedKey, { user: h, key: 'ssh-rsa AAAA c', path: join(dir, h) }).keyfile as { file: string; user?: unknown };
      expect(p.file).toBe(join(dir, h));
      expect(p.user).toBeUndefined();
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('known_hosts: name, key and path (ssh-keygen runs only where it is installed)', () => {
    for (const h of hostile) {
      const p = probeInSh(knownHosts, { name: h, key: `${h} ssh-ed25519 AAAA`, path: join(dir, h) }).known_hosts as { path: string };
      expect(p.path).toBe(join(dir, h));
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('pam_limits and openssh_keypair: dest and path', () => {
    for (const h of hostile) {
      writeFileSync(join(dir, 'limits'), '');
      probeInSh(pamLimits, { dest: join(dir, h), domain: h, limit_type: 'soft', limit_item: 'nofile', value: '1' });
      const k = probeInSh(opensshKeypair, { path: join(dir, h) }).keypair as { path: string; privExists: boolean };
      expect(k).toMatchObject({ path: join(dir, h), privExists: false });
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('a ~ path is the home of the user running the probe', () => {
    const p = probeInSh(authorizedKey, { user: 'root', key: 'ssh-rsa AAAA c', path: '~/keys' }).keyfile as { file: string };
    expect(p.file).toBe(join(dir, 'keys'));
  });
});
