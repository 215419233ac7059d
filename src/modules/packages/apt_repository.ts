/**
 * `apt_repository`: add or remove a one-line apt source in /etc/apt/sources.list(.d/*.list) as
 * ansible-core 2.14 does: the same file names (`file_srv_repo.list`, `filename` + `.list`), the
 * same rewriting of every loaded .list file (its lines normalised: `# ` for disabled entries,
 * single spaces, ` # ` before a comment), files left without lines removed, `mode` on the file a
 * line was added to, `apt-get update` after a change (update_cache, default yes). PPAs need
 * Launchpad (the internet) and are refused.
 */
import { z } from 'zod';
import { quote, raw } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { bool, int, withAliases } from '../system/args.js';
import { defineModule, type FileDiff, type Plan, type Probe } from '../types.js';

export const aptRepositoryArgs = withAliases(
  { 'update-cache': 'update_cache' },
  z.strictObject({
    repo: z.string(),
    state: z.enum(['absent', 'present']).optional(),
    mode: z.union([z.string(), z.number().int()]).optional(),
    update_cache: bool.optional(),
    update_cache_retries: int.optional(),
    update_cache_retry_max_delay: int.optional(),
    filename: z.string().optional(),
    install_python_apt: bool.optional(),
    validate_certs: bool.optional(),
    codename: z.string().optional(),
  }),
);
export type AptRepositoryArgs = z.infer<typeof aptRepositoryArgs>;

const SOURCES_LIST = '/etc/apt/sources.list';
const SOURCES_DIR = '/etc/apt/sources.list.d';

/** One line of a sources file as ansible's SourcesList keeps it: (n, valid, enabled, source, comment). */
export interface SourceLine {
  n: number;
  valid: boolean;
  enabled: boolean;
  source: string;
  comment: string;
}

/** Python's str.strip() / split() whitespace. */
const WS = /^[\s\u001c-\u001f\u0085]+|[\s\u001c-\u001f\u0085]+$/g;
const pyStrip = (s: string) => s.replace(WS, '');
const pySplit = (s: string) =>
  pyStrip(s)
    .split(/[\s\u001c-\u001f\u0085]+/)
    .filter(Boolean);

/** ansible's SourcesList._parse of one line. */
export function parseSourceLine(text: string): Omit<SourceLine, 'n'> & { line: string } {
  let line = pyStrip(text);
  let enabled = true;
  let comment = '';
  let valid = false;
  if (line.startsWith('#')) {
    enabled = false;
    line = line.slice(1);
  }
  const i = line.indexOf('#');
  if (i > 0) {
    comment = pyStrip(line.slice(i + 1));
    line = line.slice(0, i);
  }
  let source = pyStrip(line);
  if (source) {
    const chunks = pySplit(source);
    if (chunks[0] === 'deb' || chunks[0] === 'deb-src') {
      valid = true;
      source = chunks.join(' ');
    }
  }
  return { valid, enabled, source, comment, line };
}

/** The .list file name ansible suggests for a source line (or for `filename`). */
export function suggestFilename(source: string, filename?: string): string {
  if (filename !== undefined) return `${filename}.list`;
  let line = source.replace(/\[[^\]]+\]/g, '').replace(/\w+:\/\//g, '');
  const parts = pySplit(line).filter((p) => p !== 'deb' && p !== 'deb-src');
  if (parts[0]?.includes('@')) parts[0] = parts[0].slice(parts[0].indexOf('@') + 1);
  line = parts.slice(0, 1).join(' ');
  return `${pySplit(line.replace(/[^a-zA-Z0-9]/g, ' ')).join('_')}.list`;
}

const expandPath = (f: string) => (f.includes('/') ? f : `${SOURCES_DIR}/${f}`);

/** A file's text as ansible writes it back (dump/save). */
export function renderSources(lines: SourceLine[]): string {
  return lines.map((l) => `${l.enabled ? '' : '# '}${l.source}${l.comment ? ` # ${l.comment}` : ''}\n`).join('');
}

export interface SourcesFile {
  path: string;
  mode: string;
  content: string;
}

/** Python's text-mode line iteration (keeps universal newlines in mind: \n, \r\n, \r). */
function pyLines(text: string): string[] {
  const out = text.split(/(?<=\r\n|\n|\r(?!\n))/);
  return out.filter((l) => l !== '');
}

export interface SourcesEdit {
  before: Map<string, string>;
  after: Map<string, string>;
  /** Every loaded file (and the new one): its lines after the edit. */
  files: Map<string, SourceLine[]>;
  newRepos: Set<string>;
}

/** add_source / remove_source over the loaded files, without touching the host. */
export function editSources(loaded: SourcesFile[], state: 'present' | 'absent', repo: string, filename?: string): SourcesEdit | { invalid: string } {
  const files = new Map<string, SourceLine[]>();
  for (const f of loaded)
    files.set(
      f.path,
      pyLines(f.content).map((l, n) => ({ n, ...parseSourceLine(l) })),
    );
  const dump = () => new Map([...files].filter(([, l]) => l.length).map(([p, l]) => [p, renderSources(l)]));
  const before = dump();
  const newRepos = new Set<string>();
  const p = parseSourceLine(repo);
  if (!p.valid || !p.enabled) return { invalid: p.line };
  if (state === 'present') {
    let found = false;
    for (const [, lines] of files)
      for (const l of lines)
        if (l.valid && l.source === p.source) {
          lines[l.n] = { ...lines[l.n]!, enabled: true };
          found = true;
        }
    if (!found) {
      const file = expandPath(suggestFilename(p.source, filename));
      const lines = files.get(file) ?? [];
      files.set(file, lines);
      lines.push({ n: lines.length, valid: true, enabled: true, source: p.source, comment: '' });
      newRepos.add(file);
    }
  } else {
    // As ansible's loop: it pops by the line's first number while walking the same list.
    for (const [, lines] of files)
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i]!;
        if (l.valid && l.enabled && l.source === p.source) lines.splice(l.n, 1);
      }
  }
  return { before, after: dump(), files, newRepos };
}

/** `mode` as ansible's set_mode_if_different takes it (an int is the number itself, a string octal). */
function modeString(m: string | number | undefined): string | { error: string } {
  if (m === undefined) return '0644';
  if (typeof m === 'number') return m.toString(8).padStart(4, '0');
  if (/^0?[0-7]{3,4}$/.test(m)) return m.length === 3 ? `0${m}` : m.replace(/^0(?=[0-7]{4})/, '');
  return { error: `mode must be an octal number such as 0644 (tsplay takes no symbolic mode here): ${m}` };
}

const PROBE = raw(
  `for f in ${SOURCES_LIST} ${SOURCES_DIR}/*.list; do [ -f "$f" ] || continue; printf 'file\\t%s\\t%s\\t' "$f" "$(stat -c %a "$f")"; base64 -w0 < "$f"; echo; done`,
);

export function parseSourcesProbe(r: RunResult): SourcesFile[] {
  const out: SourcesFile[] = [];
  for (const line of r.stdout.split('\n')) {
    const [tag, path, mode, b64] = line.split('\t');
    if (tag !== 'file' || !path) continue;
    out.push({ path, mode: (mode ?? '644').padStart(4, '0'), content: Buffer.from(b64 ?? '', 'base64').toString('utf8') });
  }
  // glob order on the host is the directory's; sorted here so runs agree with each other.
  return out.sort((a, b) => (a.path === SOURCES_LIST ? -1 : b.path === SOURCES_LIST ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export const aptRepositoryModule = defineModule<AptRepositoryArgs>({
  name: 'apt_repository',
  description: 'Add or remove an apt source line (/etc/apt/sources.list.d/*.list) as ansible-core 2.14 writes it; apt-get update after a change.',
  args: aptRepositoryArgs,
  probes: (): Probe[] => [{ key: 'sources', cmd: PROBE, parse: parseSourcesProbe }],
  plan(args, ctx): Plan {
    const fail = (msg: string): Plan => ({ changed: false, commands: [], failed: msg, result: { msg } });
    const state = args.state ?? 'present';
    if (ctx.facts.pkgMgr !== 'apt' && !(ctx.facts.pkgMgrs ?? []).includes('apt')) return fail('Module apt_repository is not supported on target.');
    if (!args.repo) return fail("Please set argument 'repo' to a non-empty value");
    if (args.repo.startsWith('ppa:'))
      return fail(`tsplay's apt_repository does not add PPAs (they need Launchpad, on the internet): write the deb line and its key instead (${args.repo})`);
    const mode = modeString(args.mode);
    if (typeof mode !== 'string') return fail(mode.error);
    const loaded = ctx.probed.sources as SourcesFile[];
    const edit = editSources(loaded, state, args.repo, args.filename);
    if ('invalid' in edit) return fail(`Invalid repository string: ${edit.invalid}`);
    const keys = new Set([...edit.before.keys(), ...edit.after.keys()]);
    const changed = edit.before.size !== edit.after.size || [...keys].some((k) => edit.before.get(k) !== edit.after.get(k));
    const result: Record<string, unknown> = { changed, repo: args.repo, state };
    let diff: FileDiff[] | undefined;
    if (changed && ctx.diff) {
      diff = [...keys].map((k) => ({
        path: k,
        before: edit.before.get(k) ?? '',
        after: edit.after.get(k) ?? '',
        beforeHeader: edit.before.has(k) ? k : '/dev/null',
        afterHeader: edit.after.has(k) ? k : '/dev/null',
      }));
      result.diff = diff.map((d) => ({ before: d.before, after: d.after, before_header: d.beforeHeader, after_header: d.afterHeader }));
    } else result.diff = {};
    if (!changed) return { changed: false, commands: [], result };
    // save(): every loaded file is written back (normalised); one left without lines is removed.
    const commands: Command[] = [];
    const modes = new Map(loaded.map((f) => [f.path, f.mode]));
    for (const [path, lines] of edit.files) {
      if (!lines.length) {
        if (modes.has(path)) commands.push({ kind: 'shell', cmd: raw(`rm -f -- ${quote(path)}`), describe: `remove ${path}` });
        continue;
      }
      const content = renderSources(lines);
      const m = edit.newRepos.has(path) ? mode : (modes.get(path) ?? '0644');
      commands.push({ kind: 'put', path, content, mode: m, describe: `write ${path}` });
    }
    if (args.update_cache ?? true)
      commands.push({ kind: 'shell', cmd: raw('DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get update -q'), describe: 'apt-get update', mayFail: true });
    return {
      changed: true,
      commands,
      diff,
      result,
      interpret(outputs) {
        const last = outputs[outputs.length - 1];
        if ((args.update_cache ?? true) && last && last.rc !== 0) {
          const msg = `Failed to update apt cache: ${(last.stderr.trim() || last.stdout.trim()).split('\n').pop()}`;
          return { changed: true, failed: msg, result: { msg } };
        }
        return { changed: true, result };
      },
    };
  },
});
