import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlaybook } from '../../../src/loader/index.js';
import { TsplayErrors, formatError } from '../../../src/errors.js';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsplay-tplval-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

async function errorsOf(file: string): Promise<string[]> {
  try {
    await loadPlaybook(file);
    return [];
  } catch (e) {
    if (e instanceof TsplayErrors) return e.errors.map((x) => formatError(x).split('\n')[0]!);
    throw e;
  }
}

describe('validate compiles every template it can reach', () => {
  it('template files a task names: syntax errors with the file line:col, missing files, unknown filters; role defaults/vars', async () => {
    const dir = project({
      'site.yml': '- hosts: all\n  roles: [web]\n  tasks:\n    - template: { src: missing.j2, dest: /tmp/x }\n    - template: { src: "{{ name }}.j2", dest: /tmp/y }\n',
      'roles/web/tasks/main.yml': '- template: { src: good.j2, dest: /tmp/a }\n- template: { src: bad.j2, dest: /tmp/b }\n- template: { src: filt.j2, dest: /tmp/c }\n',
      'roles/web/templates/good.j2': '{% for x in xs %}\n{{ x | upper }}\n{% endfor %}\n',
      'roles/web/templates/bad.j2': 'line one\n{% for x in xs %}\n  {{ x }\n{% endfor %}\n',
      'roles/web/templates/filt.j2': 'a\n{{ x | no_such_filter }}\n',
      'roles/web/defaults/main.yml': 'ok: "{{ a | default(1) }}"\nbroken: "{{ a + }}"\n',
      'roles/web/vars/main.yml': 'v: "{% if x %}"\n',
    });
    const errs = await errorsOf(path.join(dir, 'site.yml'));
    const rel = errs.map((e) => e.replace(dir + '/', ''));
    expect(rel).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^roles\/web\/templates\/bad\.j2:3:\d+: template error: /),
        expect.stringMatching(/^roles\/web\/templates\/filt\.j2:2:\d+: template error: No filter named 'no_such_filter'/),
        expect.stringMatching(/^roles\/web\/defaults\/main\.yml:2:\d+: template error: /),
        expect.stringMatching(/^roles\/web\/vars\/main\.yml:1:\d+: template error: .*endif/),
        expect.stringMatching(/^site\.yml:4:\d+: template file 'missing\.j2' not found/),
      ]),
    );
    // a templated src is resolved at run time; good.j2 compiles
    expect(rel.some((e) => e.includes('good.j2') || e.includes('{{ name }}'))).toBe(false);
    expect(rel).toHaveLength(5);
  });
});
