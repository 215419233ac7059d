/**
 * Pictures of the editor experience for docs/editor.md: the YAML language server (VS Code's YAML
 * extension's engine) is given a playbook with the schema header; what it answers — its squiggles
 * and their messages, the completion list at a cursor — is drawn as an editor would and
 * screenshotted with headless Chromium. `npx tsx scripts/editor-screenshot.ts [OUTDIR]`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromiumArgs } from '../test/e2e/drift/helpers.js';
import { YamlLanguageServer, type CompletionItem, type Diagnostic } from '../test/support/lsp.js';

const root = path.resolve(import.meta.dirname, '..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'docs/images'));
mkdirSync(out, { recursive: true });
const work = mkdtempSync(path.join(os.tmpdir(), 'tsplay-shot-'));
const header = `# yaml-language-server: $schema=${pathToFileURL(path.join(root, 'schemas/playbook.json')).href}`;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function page(title: string, lines: string[], diags: Diagnostic[], popup?: { line: number; col: number; html: string }): string {
  const rows = lines.map((l, i) => {
    const marks = diags.filter((d) => d.range.start.line === i);
    let html = '';
    let pos = 0;
    for (const d of marks.sort((a, b) => a.range.start.character - b.range.start.character)) {
      const s = d.range.start.character;
      const e = d.range.end.line === i ? d.range.end.character : l.length;
      html += esc(l.slice(pos, s)) + `<span class="sq">${esc(l.slice(s, e))}</span>`;
      pos = e;
    }
    html += esc(l.slice(pos));
    const msg = marks.length ? `<span class="msg">${esc(marks.map((m) => m.message.split('\n')[0]).join(' · '))}</span>` : '';
    return `<div class="row"><span class="ln">${i + 1}</span><span class="code">${html || '&nbsp;'}</span>${msg}</div>`;
  });
  const pop = popup ? `<div class="pop" style="top:${(popup.line + 1) * 22 + 38}px;left:${popup.col * 8.4 + 56}px">${popup.html}</div>` : '';
  return `<!doctype html><meta charset="utf-8"><style>
body{margin:0;background:#1e1e1e;font:14px/22px "DejaVu Sans Mono",monospace;color:#d4d4d4}
.bar{background:#2d2d2d;color:#ccc;padding:8px 14px;font:13px sans-serif}
.ed{position:relative;padding:6px 0}.row{white-space:pre;height:22px}.ln{display:inline-block;width:40px;text-align:right;color:#858585;margin-right:16px}
.sq{text-decoration:underline wavy #f14c4c;text-underline-offset:3px}.msg{color:#f14c4c;margin-left:24px;font-style:italic}
.pop{position:absolute;background:#252526;border:1px solid #454545;box-shadow:0 2px 8px #000;min-width:420px;font-size:13px}
.it{padding:1px 8px;white-space:nowrap}.it b{color:#4fc1ff;font-weight:normal;display:inline-block;min-width:170px}.it i{color:#999}.sel{background:#04395e}
</style><div class="bar">${esc(title)}</div><div class="ed">${rows.join('')}${pop}</div>`;
}

function shoot(name: string, html: string, height: number): string {
  const file = path.join(work, `${name}.html`);
  writeFileSync(file, html);
  const png = path.join(out, `${name}.png`);
  execFileSync('/usr/bin/chromium', [...chromiumArgs(path.join(work, 'chrome')), `--window-size=1200,${height}`, `--screenshot=${png}`, pathToFileURL(file).href], {
    stdio: 'ignore',
    timeout: 60_000,
  });
  return png;
}

const ls = new YamlLanguageServer();
await ls.start();
try {
  const site = [
    header,
    '- hosts: web',
    '  become: yes',
    '  tasks:',
    '    - name: install nginx',
    '      apt:',
    '        name: nginx',
    '        stat: present',
    '      registr: out',
    '    - name: the message of the day',
    '      copy:',
    '        dest: /etc/motd',
    '        content: "{{ motd }}"',
    '        mode: "0644"',
    '      when: ansible_os_family == "Debian"',
    '',
  ];
  const uri = pathToFileURL(path.join(work, 'site.yml')).href;
  const diags = await ls.open(uri, site.join('\n'));
  console.log(
    'diagnostics:',
    diags.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`),
  );
  console.log(shoot('editor-squiggles', page('site.yml — YAML language server 1.25 with schemas/playbook.json', site, diags), 440));

  const comp = [header, '- hosts: web', '  tasks:', '    - name: the message of the day', '      copy:', '        dest: /etc/motd', '        ', ''];
  const curi = pathToFileURL(path.join(work, 'complete.yml')).href;
  await ls.open(curi, comp.join('\n'));
  const items: CompletionItem[] = await ls.completion(curi, 6, 8);
  console.log(
    'completion:',
    items.map((i) => i.label),
  );
  const doc = (i: CompletionItem) => (typeof i.documentation === 'string' ? i.documentation : ((i.documentation as { value?: string } | undefined)?.value ?? ''));
  const list = items
    .slice(0, 14)
    .map((i, n) => `<div class="it${n === 0 ? ' sel' : ''}"><b>${esc(i.label)}</b><i>${esc(doc(i).split('\n')[0]!.slice(0, 70))}</i></div>`)
    .join('');
  console.log(shoot('editor-completion', page('complete.yml — completion of copy’s arguments (Ctrl+Space)', comp, [], { line: 6, col: 8, html: list }), 560));
} finally {
  await ls.stop();
}
