import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupProjects, localInventory, project, run } from './project.js';

afterAll(cleanupProjects);

describe('gather_timeout', { timeout: 60_000 }, () => {
  it("bounds the play's fact gathering: a host whose gathering takes longer fails with 'timed out'", async () => {
    const p = project({
      'inventory.ini': localInventory({ web: { h1: '' } }),
      'site.yml': '- hosts: web\n  gather_timeout: 1\n  tasks:\n    - debug: msg=after\n',
    });
    // A uname that takes 4 s: the facts script calls it, and finds it first on PATH.
    const bin = p.path('slowbin');
    mkdirSync(bin);
    writeFileSync(`${bin}/uname`, '#!/bin/sh\nsleep 4\nexec /bin/uname "$@"\n');
    chmodSync(`${bin}/uname`, 0o755);
    const saved = process.env['PATH'];
    process.env['PATH'] = `${bin}:${saved}`;
    try {
      const r = await run(p);
      expect(r.code).toBe(2);
      expect(r.all).toMatch(/fact gathering on h1 failed \(rc .*timed out\)/);
      expect(r.all).not.toMatch(/=> after/);
    } finally {
      process.env['PATH'] = saved;
    }
  });
});
