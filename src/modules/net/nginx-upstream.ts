import { z } from 'zod';
import { defineModule, type Plan, type Outcome } from '../types.js';
import type { Command } from '../../commands/types.js';
import { sh, raw, argv } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { parseConf, printConf, makeDirective, makeBlock, indentOf, parseDirectiveText, NginxParseError, type ConfNode, type Directive, type ConfFile } from './nginx-conf.js';

const serverAddress = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/, 'a server is HOST:PORT (IPv6 as [ADDR]:PORT)');
const directiveName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an NGINX directive name is letters, digits and _');

/** A YAML list or a comma/space separated string (what a template renders to). */
const wordList = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(/[,\s]+/)
            .map((x) => x.trim())
            .filter(Boolean)
        : v,
    z.array(item),
  );

export const nginxUpstreamArgs = z
  .object({
    path: z.string().min(1).default('/etc/nginx/nginx.conf').describe('NGINX file holding http {} (or a conf.d file included inside http {})'),
    action: z.enum(['ensure', 'restore']).default('ensure').describe('ensure the upstream, or restore the backup taken by a previous ensure'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .optional()
      .describe('upstream block name (required with action: ensure)'),
    servers: wordList(serverAddress).default([]).describe('HOST:PORT of each server of the upstream'),
    server_params: wordList(z.string()).default([]).describe('parameters after each server address (e.g. max_fails=0 max_conns=1)'),
    keepalive: z.coerce.number().int().positive().optional().describe('keepalive connections of the upstream (unset: a keepalive line is left as it is)'),
    directive: directiveName
      .optional()
      .describe('a directive of http {} that names the upstream (`DIRECTIVE NAME ARGS;`), kept present exactly once; a commented-out one is uncommented'),
    directive_args: wordList(z.string()).default([]).describe('more words after the upstream name in that directive (e.g. ssl=on)'),
    directive_aliases: wordList(directiveName).default([]).describe('other names of the same directive (an older spelling), replaced by `directive`'),
    directives: z
      .record(directiveName, z.union([z.string(), z.array(z.string()), z.null()]))
      .default({})
      .describe('more directives of http {}, each present once with these words (after `directive`); null removes it'),
    remove_upstreams: wordList(z.string()).default([]).describe('other upstream blocks to remove (e.g. an upstream renamed by an upgrade)'),
    create: z.boolean().default(false).describe('create the file when it does not exist (conf.d files)'),
    backup: z.boolean().default(true).describe('keep PATH.tsplay-backup after a successful change'),
    validate: z.boolean().default(true).describe('run the validate command after writing; restore the backup if it fails'),
    validate_command: z.array(z.string()).min(1).default(['nginx', '-t']).describe('the validate command (argv)'),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.action === 'restore') return;
    if (!a.name) ctx.addIssue({ code: 'custom', path: ['name'], message: 'the upstream name is required (action: ensure)' });
    if (a.servers.length === 0) ctx.addIssue({ code: 'custom', path: ['servers'], message: 'at least one server is needed' });
    if (!a.directive && (a.directive_args.length || a.directive_aliases.length))
      ctx.addIssue({ code: 'custom', path: ['directive'], message: 'directive_args and directive_aliases need directive' });
  });

export type NginxUpstreamArgs = z.infer<typeof nginxUpstreamArgs>;

/** What the probe saw: the file (absent or its mode and text) and whether a backup exists. */
export interface NginxFileState {
  exists: boolean;
  mode?: string;
  content: string;
  backupExists: boolean;
  backupContent?: string;
}

export function backupPath(path: string): string {
  return `${path}.tsplay-backup`;
}

const MARK = '@@tsplay-file@@';
const BMARK = '@@tsplay-backup@@';
const EMARK = '@@tsplay-end@@';

/** Parse the probe's output (see `probes`). Exported for tests. */
export function parseNginxProbe(stdout: string): NginxFileState {
  const st: NginxFileState = { exists: false, content: '', backupExists: false };
  // The end marker keeps trailing newlines of the file even if a transport trims output.
  const e = stdout.lastIndexOf(EMARK);
  if (e !== -1) stdout = stdout.slice(0, e);
  const b = stdout.indexOf(BMARK);
  const filePart = b === -1 ? stdout : stdout.slice(0, b);
  const backupPart = b === -1 ? '' : stdout.slice(b + BMARK.length + 1);
  const m = /^@@tsplay-file@@ (present (\d+)|absent)\n/.exec(filePart);
  if (m?.[2]) {
    st.exists = true;
    st.mode = m[2].padStart(4, '0');
    st.content = filePart.slice(m[0].length);
  }
  if (b !== -1) {
    st.backupExists = true;
    st.backupContent = backupPart;
  }
  return st;
}

/** The edit itself: pure text → text. Exported for tests and reuse. */
export function ensureUpstream(text: string, a: NginxUpstreamArgs): string {
  const name = a.name;
  if (!name) throw new Error('nginx_upstream: ensure without a name (the schema requires one)');
  const file = parseConf(text);
  const scope = findHttpScope(file);
  const list = scope.children;
  const ind = scope.indent;
  const family = a.directive ? [a.directive, ...a.directive_aliases] : [];

  // 1. upstream NAME { server ...; keepalive N; }
  for (const other of a.remove_upstreams) {
    if (other === name) continue;
    for (let i = list.length - 1; i >= 0; i--) if (isUpstream(list[i]!, other)) list.splice(i, 1);
  }
  const existingIdx = list.findIndex((n) => isUpstream(n, name));
  if (existingIdx !== -1) {
    rewriteUpstream(list[existingIdx] as Directive, a, ind);
  } else {
    const inner = ind + unitIndent(ind);
    const children: ConfNode[] = a.servers.map((s) => makeDirective('\n' + inner, 'server', [s, ...a.server_params]));
    if (a.keepalive !== undefined) children.push(makeDirective('\n\n' + inner, 'keepalive', [String(a.keepalive)]));
    const block = makeBlock('\n' + ind, 'upstream', [name], children, '\n' + ind);
    // A new block goes just before the (possibly commented-out) directive that names it.
    const anchor = family.length ? list.findIndex((n) => isDirectiveNamed(n, family) || isCommentedDirective(n, family)) : -1;
    if (anchor !== -1) {
      block.pre = list[anchor]!.pre;
      list.splice(anchor, 0, block);
      list[anchor + 1]!.pre = '\n\n' + ind;
    } else {
      const lastUp = lastIndexWhere(list, (n) => n.kind === 'directive' && n.name.value === 'upstream');
      insertAt(scope, lastUp === -1 ? list.length : lastUp + 1, block, '\n\n' + ind);
    }
  }

  // 2. the directive naming the upstream, present exactly once.
  let after = list.findIndex((n) => isUpstream(n, name));
  if (a.directive) after = ensureSingle(scope, family, a.directive, [name, ...a.directive_args], () => list.findIndex((n) => isUpstream(n, name)) + 1);

  // 3. more directives: present once with their words (in the order given), or removed (null).
  for (const [dname, value] of Object.entries(a.directives)) {
    if (value === null) {
      for (let i = list.length - 1; i >= 0; i--) if (isDirectiveNamed(list[i]!, [dname])) list.splice(i, 1);
      continue;
    }
    const at = after;
    after = ensureSingle(scope, [dname], dname, Array.isArray(value) ? value : [value], () => at + 1);
  }
  return printConf(file);
}

interface Scope {
  children: ConfNode[];
  indent: string;
  /** Set when the scope is a block (so an empty block can get a closing newline). */
  block?: { closePre: string };
  parentIndent: string;
}

function findHttpScope(file: ConfFile): Scope {
  const http = file.children.find((n): n is Directive => n.kind === 'directive' && n.name.value === 'http' && !!n.block);
  if (!http?.block) {
    const first = file.children.find((n) => n.kind === 'directive');
    return { children: file.children, indent: first ? indentOf(first.pre) : '', parentIndent: '' };
  }
  const parentIndent = indentOf(http.pre);
  const first = http.block.children.find((n) => n.kind === 'directive') ?? http.block.children[0];
  const indent = first ? indentOf(first.pre) : parentIndent + '    ';
  return { children: http.block.children, indent, block: http.block, parentIndent };
}

function unitIndent(ind: string): string {
  if (ind.startsWith('\t')) return '\t';
  return '    ';
}

function insertAt(scope: Scope, index: number, node: ConfNode, pre: string): void {
  node.pre = scope.children.length === 0 || index === 0 ? '\n' + scope.indent : pre;
  scope.children.splice(index, 0, node);
  if (scope.block && !scope.block.closePre.includes('\n')) scope.block.closePre = '\n' + scope.parentIndent;
}

function lastIndexWhere<T>(xs: T[], f: (x: T) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (f(xs[i]!)) return i;
  return -1;
}

function isUpstream(n: ConfNode, name: string): n is Directive {
  return n.kind === 'directive' && n.name.value === 'upstream' && !!n.block && n.args[0]?.value === name;
}

function isDirectiveNamed(n: ConfNode, names: readonly string[]): n is Directive {
  return n.kind === 'directive' && !n.block && names.includes(n.name.value);
}

function commentedDirective(n: ConfNode, names: readonly string[]): Directive | undefined {
  if (n.kind !== 'comment') return undefined;
  const m = /^#+\s*(.*)$/.exec(n.text);
  if (!m) return undefined;
  const d = parseDirectiveText(m[1]!);
  return d && names.includes(d.name.value) ? d : undefined;
}

function isCommentedDirective(n: ConfNode, names: readonly string[]): boolean {
  return commentedDirective(n, names) !== undefined;
}

function sameArgs(d: Directive, want: string[]): boolean {
  return d.args.length === want.length && d.args.every((w, i) => w.value === want[i]);
}

/**
 * Make exactly one active `name args;` among directives called any of `family` in the scope:
 * keep (and fix) the first active one, else uncomment the first commented-out one, else insert at
 * `where()`. Returns the index of the directive afterwards.
 */
function ensureSingle(scope: Scope, family: readonly string[], name: string, args: string[], where: () => number): number {
  const list = scope.children;
  const active = list.map((n, i) => (isDirectiveNamed(n, family) ? i : -1)).filter((i) => i !== -1);
  if (active.length > 0) {
    const keep = active[0]!;
    for (const i of active.slice(1).reverse()) list.splice(i, 1);
    const d = list[keep] as Directive;
    if (d.name.value !== name || !sameArgs(d, args)) list[keep] = makeDirective(d.pre, name, args);
    return keep;
  }
  const commented = list.findIndex((n) => isCommentedDirective(n, family));
  if (commented !== -1) {
    list[commented] = makeDirective(list[commented]!.pre, name, args);
    return commented;
  }
  const at = Math.max(0, Math.min(where(), list.length));
  insertAt(scope, at, makeDirective('', name, args), '\n\n' + scope.indent);
  return at;
}

function rewriteUpstream(up: Directive, a: NginxUpstreamArgs, ind: string): void {
  const keepalive = a.keepalive;
  const block = up.block!;
  const firstDirective = block.children.find((n) => n.kind === 'directive');
  const inner = firstDirective ? indentOf(firstDirective.pre) : indentOf(up.pre) + unitIndent(ind);
  const wantServers = a.servers.map((s) => [s, ...a.server_params]);
  const servers = block.children.filter((n): n is Directive => n.kind === 'directive' && n.name.value === 'server');
  const serversOk = servers.length === wantServers.length && servers.every((d, i) => sameArgs(d, wantServers[i]!));
  const out: ConfNode[] = [];
  let serversPlaced = false;
  let keepalivePlaced = false;
  for (const n of block.children) {
    if (n.kind === 'directive' && n.name.value === 'server') {
      if (serversOk) {
        out.push(n);
        serversPlaced = true;
      } else if (!serversPlaced) {
        wantServers.forEach((args, i) => {
          out.push(makeDirective(i === 0 ? n.pre : '\n' + inner, 'server', args));
        });
        serversPlaced = true;
      }
      continue;
    }
    if (n.kind === 'directive' && n.name.value === 'keepalive' && keepalive !== undefined) {
      if (keepalivePlaced) continue;
      out.push(sameArgs(n, [String(keepalive)]) ? n : makeDirective(n.pre, 'keepalive', [String(keepalive)]));
      keepalivePlaced = true;
      continue;
    }
    out.push(n);
  }
  if (!serversPlaced) out.unshift(...wantServers.map((args) => makeDirective('\n' + inner, 'server', args)));
  if (!keepalivePlaced && keepalive !== undefined) {
    const lastServer = lastIndexWhere(out, (n) => n.kind === 'directive' && n.name.value === 'server');
    out.splice(lastServer + 1, 0, makeDirective('\n\n' + inner, 'keepalive', [String(keepalive)]));
  }
  if (!block.closePre.includes('\n')) block.closePre = '\n' + indentOf(up.pre);
  block.children = out;
}

function validateScript(a: NginxUpstreamArgs, path: string, restore: 'backup' | 'remove' | 'none') {
  const undo = restore === 'backup' ? sh`cp -p -- ${backupPath(path)} ${path}` : restore === 'remove' ? sh`rm -f -- ${path}` : raw(':');
  return sh`out=$(${argv(a.validate_command)} 2>&1); rc=$?; printf '%s\\n' "$out"; echo "@@tsplay-validate rc=$rc"; if [ "$rc" -ne 0 ]; then ${undo}; exit 3; fi`;
}

/** Find the validate marker among command outputs: nginx's message and its exit code. */
export function readValidation(outputs: RunResult[]): { rc: number; message: string } | undefined {
  for (const o of [...outputs].reverse()) {
    const m = /@@tsplay-validate rc=(\d+)/.exec(o.stdout ?? '');
    if (m) return { rc: Number(m[1]), message: o.stdout.slice(0, m.index).trim() };
  }
  return undefined;
}

function planEnsure(a: NginxUpstreamArgs, st: NginxFileState): Plan {
  if (!st.exists && !a.create) return { changed: false, commands: [], failed: `${a.path} does not exist (set create: true for a new conf.d file)` };
  let after: string;
  try {
    after = ensureUpstream(st.content, a);
  } catch (e) {
    if (e instanceof NginxParseError) return { changed: false, commands: [], failed: `cannot parse ${a.path}: ${e.message}` };
    throw e;
  }
  const backup = backupPath(a.path);
  const result: Record<string, unknown> = { path: a.path, upstream: a.name, servers: a.servers };
  if (after === st.content && st.exists) return { changed: false, commands: [], result, msg: `${a.path}: upstream ${a.name} already as wanted` };
  const commands: Command[] = [];
  if (st.exists) commands.push({ kind: 'shell', cmd: sh`cp -p -- ${a.path} ${backup}`, describe: `back up ${a.path} to ${backup}` });
  commands.push({ kind: 'put', path: a.path, content: after, mode: st.mode ?? '0644', describe: `write ${a.path}` });
  if (a.validate)
    commands.push({
      kind: 'shell',
      cmd: validateScript(a, a.path, st.exists ? 'backup' : 'remove'),
      mayFail: true,
      describe: `${a.validate_command.join(' ')} (restore ${st.exists ? backup : 'nothing'} on failure)`,
    });
  if (st.exists && !a.backup) commands.push({ kind: 'shell', cmd: sh`rm -f -- ${backup}`, describe: `drop ${backup}` });
  if (st.exists && a.backup) result.backup_file = backup;
  return {
    changed: true,
    commands,
    diff: [{ path: a.path, before: st.content, after }],
    result,
    interpret: a.validate ? (outs) => interpretValidate(outs, a.path, st.exists ? backup : undefined, result) : undefined,
  };
}

function interpretValidate(outputs: RunResult[], path: string, backup: string | undefined, result: Record<string, unknown>): Outcome {
  const v = readValidation(outputs);
  if (!v) return { changed: true, result };
  if (v.rc === 0) return { changed: true, result: { ...result, validation: v.message } };
  const restored = backup ? `${path} was restored from ${backup}` : `${path} was removed again`;
  return {
    changed: false,
    failed: `NGINX rejected the new configuration (${restored}):\n${v.message}`,
    result: { ...result, validation: v.message },
  };
}

function planRestore(a: NginxUpstreamArgs, st: NginxFileState): Plan {
  const backup = backupPath(a.path);
  if (!st.backupExists) return { changed: false, commands: [], failed: `no backup to restore: ${backup} does not exist` };
  if (st.exists && st.backupContent === st.content) return { changed: false, commands: [], msg: `${a.path} already equals ${backup}` };
  const commands: Command[] = [{ kind: 'shell', cmd: sh`cp -p -- ${backup} ${a.path}`, describe: `restore ${a.path} from ${backup}` }];
  if (a.validate) commands.push({ kind: 'shell', cmd: validateScript(a, a.path, 'none'), mayFail: true, describe: a.validate_command.join(' ') });
  return {
    changed: true,
    commands,
    diff: [{ path: a.path, before: st.content, after: st.backupContent ?? '' }],
    result: { path: a.path, restored_from: backup },
    interpret: a.validate
      ? (outs) => {
          const v = readValidation(outs);
          if (v && v.rc !== 0) return { changed: true, failed: `restored ${a.path} from ${backup}, but NGINX rejects it:\n${v.message}` };
          return { changed: true, result: { path: a.path, restored_from: backup } };
        }
      : undefined,
  };
}

export const nginxUpstreamModule = defineModule<NginxUpstreamArgs>({
  name: 'nginx_upstream',
  factsFree: true,
  returns: {
    path: 'the edited file',
    upstream: 'the upstream name',
    servers: 'the servers written',
    backup_file: 'PATH.tsplay-backup when kept',
    validation: 'output of the validate command',
    restored_from: 'action restore: the backup copied back',
  },
  description:
    'Ensure an upstream block (servers, keepalive) in http {} of an NGINX config and, optionally, a directive that names it plus more http-level directives, editing the file structurally; backup, validate with nginx -t, restore on failure.',
  args: nginxUpstreamArgs,
  probes(a) {
    const backup = backupPath(a.path);
    return [
      {
        key: 'file',
        cmd: sh`if [ -f ${a.path} ]; then printf '${raw(MARK)} present %s\\n' "$(stat -c %a ${a.path})"; cat -- ${a.path}; else echo '${raw(MARK)} absent'; fi; if [ -f ${backup} ]; then echo '${raw(BMARK)}'; cat -- ${backup}; fi; echo '${raw(EMARK)}'`,
        parse: (r) => parseNginxProbe(r.stdout),
      },
    ];
  },
  plan(a, ctx) {
    const st = (ctx.probed.file as NginxFileState | undefined) ?? { exists: false, content: '', backupExists: false };
    return a.action === 'restore' ? planRestore(a, st) : planEnsure(a, st);
  },
});
