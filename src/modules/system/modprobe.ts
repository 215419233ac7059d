/**
 * `modprobe` (community.general.modprobe, collection 6.6.2): load or unload a kernel module, and with
 * `persistent` keep it in /etc/modules-load.d/ and its options in /etc/modprobe.d/, as the module.
 * "Loaded" means listed in /proc/modules or in /lib/modules/$(uname -r)/modules.builtin; a host (or
 * container) without them fails with Python's error for that file, as the module does.
 */
import { z } from 'zod';
import { quote, raw } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { compilePyRegex, PyRegexError, readLines } from '../files/pyregex.js';
import { binLookupScript, missingBin, parseBinLookup, tagged } from '../users/common.js';
import { defineModule, type Outcome, type Plan, type PlanContext, type Probe } from '../types.js';
import { str } from './args.js';
import { shlexSplit, SplitError } from './words.js';

const schema = z.strictObject({
  name: str,
  state: z.enum(['absent', 'present']).optional(),
  params: str.optional(),
  persistent: z.enum(['disabled', 'present', 'absent']).optional(),
});
export type ModprobeArgs = z.infer<typeof schema>;

const LOAD_DIR = '/etc/modules-load.d';
const OPTIONS_DIR = '/etc/modprobe.d';

/** A file the probe read: its text, or the errno name when it could not be read. */
type Read = { text: string } | { error: string };

export interface ModprobeProbe {
  modprobe?: string;
  binPath: string;
  release: string;
  procModules: Read;
  builtin: Read;
  /** Regular files of the two directories (undefined: the directory is missing), in listing order. */
  loadFiles?: Array<{ path: string; text: string }>;
  optionFiles?: Array<{ path: string; text: string }>;
  /** check mode: `modprobe -n NAME PARAMS`'s answer. */
  dryRun?: { rc: number; stdout: string; stderr: string };
}

const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

function readScript(tag: string, path: string): string {
  return `if [ -r ${path} ]; then printf '${tag}\\t'; base64 -w0 < ${path}; echo; elif [ -e ${path} ]; then printf '${tag}-error\\tEACCES\\n'; else printf '${tag}-error\\tENOENT\\n'; fi`;
}

function listScript(tag: string, dir: string): string {
  return `if [ -d ${dir} ]; then printf '${tag}-dir\\tyes\\n'; for f in ${dir}/* ${dir}/.[!.]* ${dir}/..?*; do [ -f "$f" ] || continue; printf '${tag}\\t%s\\t' "$(printf '%s' "$f" | base64 -w0)"; base64 -w0 < "$f"; echo; done; fi`;
}

/** Run modprobe with these words and print its rc, stdout and stderr (base64), tagged `<tag>-rc` … */
function runScript(tag: string, words: string[]): string {
  return [
    `t=$(mktemp -d) || exit 1`,
    `"$mp" ${words.map((w) => quote(w)).join(' ')} >"$t/o" 2>"$t/e"; printf '${tag}-rc\\t%s\\n' $?`,
    `printf '${tag}-out\\t'; base64 -w0 < "$t/o"; echo; printf '${tag}-err\\t'; base64 -w0 < "$t/e"; echo; rm -rf "$t"`,
  ].join('\n');
}

function paramWords(params: string): string[] | string {
  try {
    return shlexSplit(params);
  } catch (e) {
    if (e instanceof SplitError) return `params: cannot split: ${e.message}`;
    throw e;
  }
}

function probeScript(a: ModprobeArgs, check: boolean): string {
  const lines = [
    binLookupScript(['modprobe']).text,
    `printf 'release\\t%s\\n' "$(uname -r)"`,
    readScript('proc', '/proc/modules'),
    `b="/lib/modules/$(uname -r)/modules.builtin"; if [ -r "$b" ]; then printf 'builtin\\t'; base64 -w0 < "$b"; echo; elif [ -e "$b" ]; then printf 'builtin-error\\tEACCES\\n'; else printf 'builtin-error\\tENOENT\\n'; fi`,
  ];
  if ((a.persistent ?? 'disabled') !== 'disabled') lines.push(listScript('load', LOAD_DIR), listScript('opt', OPTIONS_DIR));
  const words = paramWords(a.params ?? '');
  if (check && typeof words !== 'string') {
    // the dry run only where the module would run it: both files readable, and the module not loaded (present) or loaded (absent)
    const present = (a.state ?? 'present') === 'present';
    const dry = present ? ['-n', a.name, ...words] : ['-r', a.name, '-n'];
    const inProc = `awk -v p=${quote(`${a.name.replace(/-/g, '_')} `)} 'index($0, p) == 1 { f = 1 } END { exit !f }' /proc/modules`;
    const inBuiltin = `awk -v s=${quote(`/${a.name}.ko`)} '{ sub(/[ \t\r\n\f\v]+$/, ""); if (length($0) >= length(s) && substr($0, length($0) - length(s) + 1) == s) f = 1 } END { exit !f }' "$b"`;
    const loaded = `{ ${inProc} || { [ -r "$b" ] && ${inBuiltin}; }; }`;
    const wanted = present ? `[ -r /proc/modules ] && ! ${inProc} && [ -r "$b" ] && ! ${inBuiltin}` : `[ -r /proc/modules ] && ${loaded}`;
    lines.push(`if ${wanted}; then mp=$(command -v modprobe || PATH="$PATH:/sbin:/usr/sbin:/usr/local/sbin" command -v modprobe) && { ${runScript('dry', dry)}; }; fi`);
  }
  return lines.join('\n');
}

function parseRead(m: Map<string, string[]>, tag: string): Read {
  const v = m.get(tag)?.[0];
  return v !== undefined ? { text: b64(v) } : { error: m.get(`${tag}-error`)?.[0] ?? 'ENOENT' };
}

function parseRun(m: Map<string, string[]>, tag: string): { rc: number; stdout: string; stderr: string } | undefined {
  const rc = m.get(`${tag}-rc`)?.[0];
  if (rc === undefined) return undefined;
  return { rc: Number(rc), stdout: b64(m.get(`${tag}-out`)?.[0]), stderr: b64(m.get(`${tag}-err`)?.[0]) };
}

export function parseModprobeProbe(r: RunResult): ModprobeProbe {
  const m = tagged(r.stdout);
  const bins = parseBinLookup(r.stdout.split('\n'));
  const files = (tag: string) =>
    m.has(`${tag}-dir`)
      ? (m.get(tag) ?? []).map((l) => {
          const [p, t] = l.split('\t');
          return { path: b64(p), text: b64(t) };
        })
      : undefined;
  return {
    modprobe: bins.found['modprobe'],
    binPath: bins.path,
    release: m.get('release')?.[0] ?? '',
    procModules: parseRead(m, 'proc'),
    builtin: parseRead(m, 'builtin'),
    loadFiles: files('load'),
    optionFiles: files('opt'),
    dryRun: parseRun(m, 'dry'),
  };
}

const ERRNO: Record<string, string> = { ENOENT: '[Errno 2] No such file or directory', EACCES: '[Errno 13] Permission denied' };

/** module_loaded(): in /proc/modules (dashes as underscores), else a builtin; a read error is the failure text. */
export function moduleLoaded(name: string, p: { procModules: Read; builtin: Read; release: string }): boolean | { error: string } {
  if ('error' in p.procModules) return { error: `${ERRNO[p.procModules.error] ?? p.procModules.error}: '/proc/modules'` };
  const prefix = `${name.replace(/-/g, '_')} `;
  if (readLines(p.procModules.text).some((l) => l.startsWith(prefix))) return true;
  const path = `/lib/modules/${p.release}/modules.builtin`;
  if ('error' in p.builtin) return { error: `${ERRNO[p.builtin.error] ?? p.builtin.error}: '${path}'` };
  return readLines(p.builtin.text).some((l) => l.trimEnd().endsWith(`/${name}.ko`));
}

/** The persistent part: which files to write (the module's rules, its quirks kept: '\n'.join of kept line ends). */
export function persistentWrites(a: ModprobeArgs, p: ModprobeProbe): { changed: boolean; writes: Array<{ path: string; text: string }> } | { error: string } {
  const mode = a.persistent ?? 'disabled';
  if (mode === 'disabled') return { changed: false, writes: [] };
  if (!p.loadFiles || !p.optionFiles) return { error: 'MODULE FAILURE\nSee stdout/stderr for the exact error' };
  const params = a.params ?? '';
  let findModule: RegExp;
  let findParams: RegExp;
  let getParams: RegExp;
  try {
    findModule = compilePyRegex(`^ *${a.name} *(?:[#;].*)?\\n?\\Z`, { unicode: true }).re;
    findParams = compilePyRegex(`^options ${a.name} \\w+=\\S+ *(?:[#;].*)?\\n?\\Z`, { unicode: true }).re;
    getParams = compilePyRegex(`^options ${a.name} (\\w+=\\S+) *(?:[#;].*)?\\n?\\Z`, { unicode: true }).re;
  } catch (e) {
    if (e instanceof PyRegexError) return { error: `modprobe: the name is used as a regular expression by the module and this one is invalid: ${e.message}` };
    throw e;
  }
  const loadedPersistently = p.loadFiles.some((f) => readLines(f.text).some((l) => findModule.test(l)));
  const permanent = new Set<string>();
  for (const f of p.optionFiles)
    for (const l of readLines(f.text)) {
      const m = getParams.exec(l);
      if (m?.[1] !== undefined) permanent.add(m[1]);
    }
  const wanted = new Set(params.split(/\s+/).filter(Boolean));
  const paramsSet = wanted.size === permanent.size && [...wanted].every((x) => permanent.has(x));
  const writes: Array<{ path: string; text: string }> = [];
  const commentOut = (files: Array<{ path: string; text: string }>, re: RegExp) => {
    for (const f of files) {
      const lines = readLines(f.text);
      const out = lines.map((l) => (re.test(l) ? `#${l}` : l));
      if (out.some((l, i) => l !== lines[i])) writes.push({ path: f.path, text: out.join('\n') });
    }
  };
  let changed = false;
  if (mode === 'present' && !(loadedPersistently && paramsSet)) {
    if (!loadedPersistently) {
      writes.push({ path: `${LOAD_DIR}/${a.name}.conf`, text: `${a.name}\n` });
      changed = true;
    }
    if (!paramsSet) {
      commentOut(p.optionFiles, findParams);
      writes.push({ path: `${OPTIONS_DIR}/${a.name}.conf`, text: `${[...params.split(/\s+/).filter(Boolean)].map((x) => `options ${a.name} ${x}`).join('\n')}\n` });
      changed = true;
    }
  } else if (mode === 'absent' && (loadedPersistently || permanent.size > 0)) {
    if (loadedPersistently) {
      commentOut(p.loadFiles, findModule);
      changed = true;
    }
    if (permanent.size > 0) {
      commentOut(p.optionFiles, findParams);
      changed = true;
    }
  }
  return { changed, writes };
}

export function planModprobe(a: ModprobeArgs, ctx: PlanContext): Plan {
  const p = ctx.probed['modprobe'] as ModprobeProbe;
  const state = a.state ?? 'present';
  const params = a.params ?? '';
  const base = { name: a.name, params, state };
  const fail = (msg: string, extra: Record<string, unknown> = {}): Plan => ({ changed: false, commands: [], failed: msg, result: { msg, ...extra } });
  if (!p.modprobe) return fail(missingBin('modprobe', { path: p.binPath, found: {} }));
  const words = paramWords(params);
  if (typeof words === 'string') return fail(words);
  const loaded = moduleLoaded(a.name, p);
  if (typeof loaded === 'object') return fail(loaded.error, { ...base, changed: false });
  const needLoad = state === 'present' && !loaded;
  const needUnload = state === 'absent' && loaded;
  const persistent = persistentWrites(a, p);
  if ('error' in persistent) return fail(persistent.error, persistent.error.startsWith('MODULE FAILURE') ? { rc: 1 } : {});
  if (ctx.check) {
    // check mode runs modprobe -n (read-only, done by the probe); the persistent files are not written (deliberate).
    const dry = p.dryRun;
    if ((needLoad || needUnload) && dry && dry.rc !== 0) return fail(dry.stderr, { ...base, changed: false, rc: dry.rc, stdout: dry.stdout, stderr: dry.stderr });
    const changed = needLoad || needUnload || persistent.changed;
    return { changed, commands: [], result: { ...base, changed } };
  }
  const commands: Command[] = [];
  const mp = `mp=${quote(p.modprobe)}`;
  if (needLoad) {
    commands.push({
      kind: 'shell',
      cmd: raw([mp, runScript('run', [a.name, ...words]), runScript('first', ['-n', '--first-time', a.name, ...words]), readScript('proc', '/proc/modules')].join('\n')),
      mayFail: true,
      describe: `modprobe ${[a.name, ...words].join(' ')}`,
    });
  } else if (needUnload) {
    commands.push({ kind: 'shell', cmd: raw([mp, runScript('run', ['-r', a.name])].join('\n')), mayFail: true, describe: `modprobe -r ${a.name}` });
  }
  const kernelStep = commands.length;
  for (const w of persistent.writes) commands.push({ kind: 'put', path: w.path, content: w.text, describe: `write ${w.path}` });
  if (commands.length === 0) return { changed: false, commands: [], result: { ...base, changed: false } };
  const interpret = (outputs: RunResult[]): Outcome => {
    let changed = persistent.changed;
    if (kernelStep > 0) {
      const m = tagged(outputs[0]?.stdout ?? '');
      const run = parseRun(m, 'run');
      if (!run) return { changed: false, failed: `modprobe did not run: ${outputs[0]?.stderr ?? ''}`.trim() };
      if (run.rc !== 0) return { changed: false, failed: run.stderr, result: { ...base, changed: false, rc: run.rc, stdout: run.stdout, stderr: run.stderr, msg: run.stderr } };
      if (needUnload) changed = true;
      else {
        const again = moduleLoaded(a.name, { procModules: parseRead(m, 'proc'), builtin: p.builtin, release: p.release });
        if (typeof again === 'object') return { changed: false, failed: again.error, result: { ...base, changed: false } };
        if (again) changed = true;
      }
    }
    return { changed, result: { ...base, changed } };
  };
  return { changed: true, commands, interpret };
}

export const modprobeModule = defineModule<ModprobeArgs>({
  name: 'modprobe',
  aliases: ['community.general.modprobe'],
  description: 'Load or unload a kernel module (and keep it with persistent), as community.general.modprobe',
  args: schema,
  probes: (a, ctx): Probe[] => [{ key: 'modprobe', cmd: raw(probeScript(a, ctx.check)), parse: parseModprobeProbe }],
  plan: planModprobe,
  returns: { name: 'the module', params: 'its parameters', state: 'the state asked for', rc: "modprobe's exit status when it failed" },
});
