import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { YamlLanguageServer } from '../../support/lsp.js';
import { ROOT } from './support.js';

/**
 * The shipped schemas in a real editor's engine: the YAML language server (what VS Code's YAML
 * extension runs), given a playbook with the one-line header docs/editor.md gives, flags a typo'd
 * keyword and argument where they are written, leaves correct lines alone, completes keywords,
 * modules and a module's arguments, and shows the schemas' descriptions on hover.
 */

const header = `# yaml-language-server: $schema=${pathToFileURL(path.join(ROOT, 'schemas/playbook.json')).href}\n`;
const work = mkdtempSync(path.join(os.tmpdir(), 'tsplay-lsp-'));
const uri = (name: string) => pathToFileURL(path.join(work, name)).href;

const site = `${header}- hosts: all
  become: yes
  tasks:
    - name: install nginx
      apt:
        name: nginx
        stat: present
      registr: out
    - name: the message of the day
      copy:
        dest: /etc/motd
        content: "{{ motd | default('hi') }}"
        backup: yes
      when: ansible_os_family == "Debian"
      notify: restart nginx
  handlers:
    - name: restart nginx
      service: {name: nginx, state: restarted}
`;

describe('YAML language server with the tsplay schema', () => {
  const ls = new YamlLanguageServer();
  beforeAll(async () => {
    await ls.start();
  }, 60_000);
  afterAll(async () => {
    await ls.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('squiggles the typo of a keyword and of a module argument, nothing else', async () => {
    writeFileSync(path.join(work, 'site.yml'), site);
    const diags = await ls.open(uri('site.yml'), site);
    const lines = site.split('\n');
    const at = diags.map((d) => `${d.range.start.line}:${lines[d.range.start.line]!.trim()}`);
    expect(at.some((a) => a.includes('stat: present'))).toBe(true);
    expect(at.some((a) => a.includes('registr: out'))).toBe(true);
    const flagged = new Set(diags.map((d) => d.range.start.line));
    const expected = new Set([lines.findIndex((l) => l.includes('stat: present')), lines.findIndex((l) => l.includes('registr: out'))]);
    expect([...flagged].filter((l) => !expected.has(l)).map((l) => lines[l])).toEqual([]);
    expect(diags.map((d) => d.message).join('\n')).toMatch(/not allowed/i);
  }, 60_000);

  it('accepts the same playbook once the typos are fixed', async () => {
    const fixed = site.replace('stat: present', 'state: present').replace('registr: out', 'register: out');
    const diags = await ls.open(uri('site.yml'), fixed);
    expect(diags.map((d) => d.message)).toEqual([]);
  }, 60_000);

  it('completes task keywords and module names, FQCN included, and a module’s arguments', async () => {
    const text = `${header}- hosts: all\n  tasks:\n    - name: x\n      \n    - name: y\n      copy:\n        \n`;
    await ls.open(uri('complete.yml'), text);
    const task = (await ls.completion(uri('complete.yml'), 4, 6)).map((i) => i.label);
    for (const want of ['register', 'when', 'loop', 'block', 'copy', 'ansible.builtin.copy', 'apt', 'include_tasks']) expect(task).toContain(want);
    const args = (await ls.completion(uri('complete.yml'), 7, 8)).map((i) => i.label);
    for (const want of ['dest', 'content', 'backup', 'mode', 'owner']) expect(args).toContain(want);
    expect(args).not.toContain('register');
  }, 60_000);

  it('shows the keyword’s description on hover, the words `tsplay validate` and the loader use', async () => {
    const text = site.replace('stat: present', 'state: present').replace('registr: out', 'register: out');
    await ls.open(uri('site.yml'), text);
    const line = text.split('\n').findIndex((l) => l.includes('when: ansible_os_family'));
    expect(await ls.hover(uri('site.yml'), line, 7)).toContain('a condition, or a list of conditions that must all hold');
  }, 60_000);
});
