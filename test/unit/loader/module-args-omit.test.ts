import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlaybook } from '../../../src/loader/index.js';
import { TsplayErrors, formatError } from '../../../src/errors.js';

async function errorsOf(playbook: string): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsplay-omitarg-'));
  writeFileSync(path.join(dir, 'site.yml'), playbook);
  try {
    await loadPlaybook(path.join(dir, 'site.yml'));
    return [];
  } catch (e) {
    if (e instanceof TsplayErrors)
      return e.errors.map((x) =>
        formatError(x)
          .split('\n')[0]!
          .replace(dir + '/', ''),
      );
    throw e;
  }
}

describe('an unknown module argument whose template may render to omit', () => {
  it('is left to the run (zabbix_server: shell args warn: "{{ produce_warn | default(omit) }}"); a literal or another template is still refused', async () => {
    const play = (warn: string) => `- hosts: all\n  tasks:\n    - shell: apt-get clean\n      args:\n        warn: ${warn}\n`;
    expect(await errorsOf(play('"{{ produce_warn | default(omit) }}"'))).toEqual([]);
    expect(await errorsOf(play('false'))).toEqual(["site.yml:5:9: unknown argument 'warn' for module shell"]);
    expect(await errorsOf(play('"{{ produce_warn }}"'))).toEqual(["site.yml:5:9: unknown argument 'warn' for module shell"]);
  });
});
