/**
 * `include_vars` (ansible.builtin.include_vars): variables from YAML/JSON files on the controller,
 * for the rest of the run (precedence 'include_vars': above task vars, below set_fact). The files
 * are read by the engine (ctx.includeVars: the one YAML reader, vault included); this module checks
 * the arguments as ansible-core's action does and shapes the result.
 */
import { z } from 'zod';
import { defineModule } from '../types.js';

const FILE_ARGS = ['file', '_raw_params'];
const DIR_ARGS = ['dir', 'depth', 'files_matching', 'ignore_files', 'extensions', 'ignore_unknown_extensions'];
const ALL_ARGS = ['name', 'hash_behaviour'];

export const includeVarsArgs = z.record(z.string(), z.unknown()).superRefine((a, ctx) => {
  let dirs = 0;
  let files = 0;
  for (const k of Object.keys(a)) {
    if (DIR_ARGS.includes(k)) dirs++;
    else if (FILE_ARGS.includes(k)) files++;
    else if (!ALL_ARGS.includes(k)) ctx.addIssue({ code: 'custom', path: [k], message: `${k} is not a valid option in include_vars` });
  }
  if (dirs && files) ctx.addIssue({ code: 'custom', message: 'You are mixing file only and dir only arguments, these are incompatible' });
  if (a.hash_behaviour !== undefined && a.hash_behaviour !== null && !['replace', 'merge'].includes(String(a.hash_behaviour))) {
    ctx.addIssue({ code: 'custom', path: ['hash_behaviour'], message: 'value of hash_behaviour must be one of: replace, merge' });
  }
});

/** The arguments, as the engine's reader takes them. */
export interface IncludeVarsRequest {
  file?: string;
  dir?: string;
  depth: number;
  filesMatching?: string;
  ignoreFiles: string[];
  extensions: string[];
  ignoreUnknownExtensions: boolean;
}

export const includeVarsModule = defineModule<Record<string, unknown>>({
  name: 'include_vars',
  description: 'Load variables from YAML/JSON files on the controller (a file, or a directory).',
  args: includeVarsArgs,
  freeForm: '_raw_params',
  // Ansible splits `include_vars: file=x.yml` as key=value (check_raw is only for command-like modules).
  freeFormKeyValues: true,
  local: true,
  plan(args, ctx) {
    const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
    const file = str(args.file) ?? (args.dir === undefined ? str(args._raw_params)?.replace(/\n+$/, '') : undefined);
    const ext = args.extensions;
    const req: IncludeVarsRequest = {
      depth: Number(args.depth ?? 0) || 0,
      ignoreFiles: Array.isArray(args.ignore_files) ? args.ignore_files.map(String) : typeof args.ignore_files === 'string' ? args.ignore_files.split(/\s+/).filter(Boolean) : [],
      extensions: Array.isArray(ext) ? ext.map(String) : typeof ext === 'string' ? [...ext] : ['yaml', 'yml', 'json'],
      ignoreUnknownExtensions: args.ignore_unknown_extensions === true || /^(yes|true|on|1)$/i.test(String(args.ignore_unknown_extensions ?? '')),
    };
    if (file !== undefined) req.file = file;
    const dir = str(args.dir);
    if (dir !== undefined) req.dir = dir;
    const fm = str(args.files_matching);
    if (fm !== undefined) req.filesMatching = fm;
    if (!ctx.includeVars) return { changed: false, commands: [], failed: 'include_vars needs the controller' };
    const got = ctx.includeVars(req);
    if ('error' in got) return { changed: false, commands: [], failed: got.error, result: { message: got.error, ansible_included_var_files: got.files } };
    let facts: Record<string, unknown> = got.vars;
    const name = str(args.name);
    if (name) facts = { [name]: facts };
    if (args.hash_behaviour === 'merge') {
      for (const [k, v] of Object.entries(facts)) facts[k] = mergeHashes(ctx.vars[k], v);
    }
    return { changed: false, commands: [], includedVars: facts, result: { ansible_facts: facts, ansible_included_var_files: got.files } };
  },
});

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Ansible's combine_vars(merge=True): mappings merged recursively, anything else replaced. */
function mergeHashes(old: unknown, value: unknown): unknown {
  if (!isMap(old) || !isMap(value)) return value;
  const out: Record<string, unknown> = { ...old };
  for (const [k, v] of Object.entries(value)) out[k] = mergeHashes(out[k], v);
  return out;
}
