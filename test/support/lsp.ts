import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * A minimal Language Server Protocol client over stdio, enough to drive the YAML language server
 * (the one VS Code's YAML extension runs) as an editor does: open a document, read the squiggles
 * it publishes, ask for completion and hover.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const SERVER = path.join(ROOT, 'node_modules/yaml-language-server/bin/yaml-language-server');

export interface Diagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  message: string;
  severity?: number;
}

export interface CompletionItem {
  label: string;
  documentation?: unknown;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class YamlLanguageServer {
  private proc: ChildProcess;
  private buf = Buffer.alloc(0);
  private id = 0;
  private pending = new Map<number, Pending>();
  private diagnostics = new Map<string, Diagnostic[]>();
  private waiters: Array<{ uri: string; resolve: (d: Diagnostic[]) => void }> = [];
  private version = 0;
  readonly settings: Record<string, unknown>;

  constructor(settings: Record<string, unknown> = {}) {
    // the editor settings docs/editor.md gives (YAML 1.1 as Ansible, Ansible's tags)
    this.settings = {
      yaml: { validate: true, completion: true, hover: true, yamlVersion: '1.1', customTags: ['!vault scalar', '!unsafe scalar'], schemaStore: { enable: false }, ...settings },
    };
    this.proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (d: Buffer) => this.onData(d));
    this.proc.stderr!.resume();
  }

  private send(msg: Record<string, unknown>): void {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...msg }), 'utf8');
    this.proc.stdin!.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.proc.stdin!.write(body);
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const head = this.buf.indexOf('\r\n\r\n');
      if (head < 0) return;
      const m = /Content-Length: (\d+)/i.exec(this.buf.subarray(0, head).toString());
      const len = Number(m?.[1] ?? 0);
      if (this.buf.length < head + 4 + len) return;
      const msg = JSON.parse(this.buf.subarray(head + 4, head + 4 + len).toString('utf8')) as Record<string, unknown>;
      this.buf = this.buf.subarray(head + 4 + len);
      this.onMessage(msg);
    }
  }

  private onMessage(msg: Record<string, unknown>): void {
    if (msg.id !== undefined && msg.method === undefined) {
      const p = this.pending.get(msg.id as number);
      this.pending.delete(msg.id as number);
      if (msg.error) p?.reject(new Error(JSON.stringify(msg.error)));
      else p?.resolve(msg.result);
      return;
    }
    if (msg.method === 'textDocument/publishDiagnostics') {
      const { uri, diagnostics } = msg.params as { uri: string; diagnostics: Diagnostic[] };
      this.diagnostics.set(uri, diagnostics);
      for (const w of this.waiters.filter((x) => x.uri === uri)) w.resolve(diagnostics);
      this.waiters = this.waiters.filter((x) => x.uri !== uri);
      return;
    }
    if (msg.id !== undefined && msg.method !== undefined) {
      // a request from the server: the settings it asks for, nothing for the rest
      const items = ((msg.params as { items?: Array<{ section?: string }> })?.items ?? []).map((i) =>
        i.section ? i.section.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], this.settings) : this.settings,
      );
      this.send({ id: msg.id, result: msg.method === 'workspace/configuration' ? items : null });
    }
  }

  request<T>(method: string, params: unknown): Promise<T> {
    const id = ++this.id;
    this.send({ id, method, params });
    return new Promise<T>((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
  }

  notify(method: string, params: unknown): void {
    this.send({ method, params });
  }

  async start(): Promise<void> {
    await this.request('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(ROOT).href,
      capabilities: {
        workspace: { configuration: true },
        textDocument: {
          completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          publishDiagnostics: {},
        },
      },
    });
    this.notify('initialized', {});
    this.notify('workspace/didChangeConfiguration', { settings: this.settings });
  }

  /** Open (or replace) a document; resolves with the diagnostics the server publishes for it. */
  open(uri: string, text: string): Promise<Diagnostic[]> {
    const done = new Promise<Diagnostic[]>((resolve) => this.waiters.push({ uri, resolve }));
    if (this.version === 0 || !this.diagnostics.has(uri)) this.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: ++this.version, text } });
    else this.notify('textDocument/didChange', { textDocument: { uri, version: ++this.version }, contentChanges: [{ text }] });
    return done;
  }

  async completion(uri: string, line: number, character: number): Promise<CompletionItem[]> {
    const r = await this.request<{ items: CompletionItem[] } | CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: { line, character } });
    return Array.isArray(r) ? r : r.items;
  }

  async hover(uri: string, line: number, character: number): Promise<string> {
    const r = await this.request<{ contents: unknown } | null>('textDocument/hover', { textDocument: { uri }, position: { line, character } });
    const c = r?.contents;
    if (!c) return '';
    if (typeof c === 'string') return c;
    if (Array.isArray(c)) return c.map((x) => (typeof x === 'string' ? x : (x as { value: string }).value)).join('\n');
    return (c as { value: string }).value;
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.request('shutdown', null), new Promise((r) => setTimeout(r, 2000))]);
      this.notify('exit', null);
    } finally {
      this.proc.kill();
    }
  }
}
