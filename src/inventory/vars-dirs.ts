import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TsplayError } from '../errors.js';
import { readVarsYaml } from './yaml.js';
import { readUserFile } from '../config/user-file.js';

/** Extensions Ansible accepts for vars files (C.YAML_FILENAME_EXTENSIONS), after the bare name. */
const VARS_EXTENSIONS = ['', '.yml', '.yaml', '.json'];

/**
 * One `group_vars/` or `host_vars/` folder, read lazily per entity the way Ansible's host_group_vars
 * plugin does: the first of NAME, NAME.yml, NAME.yaml, NAME.json wins; a NAME/ directory merges its
 * files (recursively, sorted, hidden and backup files skipped).
 */
export class VarsFolder {
  private entries?: Set<string>;
  private readonly cache = new Map<string, Record<string, unknown>>();
  /** What the YAML reader warned about in the files read so far (duplicate keys). */
  readonly warnings: string[] = [];

  constructor(readonly dir: string) {}

  /** Load the folder listing once; a missing folder is simply empty. */
  async open(): Promise<void> {
    try {
      this.entries = new Set(await readdir(this.dir));
    } catch {
      this.entries = new Set();
    }
  }

  get isEmpty(): boolean {
    return !this.entries || this.entries.size === 0;
  }

  /** Variables for one group or host name ({} when there is no file). */
  async load(name: string): Promise<Record<string, unknown>> {
    const hit = this.cache.get(name);
    if (hit) return hit;
    let vars: Record<string, unknown> = {};
    for (const ext of VARS_EXTENSIONS) {
      if (!this.entries?.has(name + ext)) continue;
      const path = join(this.dir, name + ext);
      const st = await statVars(path);
      if (st.isDirectory()) {
        for (const file of await listVarsDir(path, 0)) vars = { ...vars, ...(await readVarsFile(file, this.warnings)) };
      } else {
        vars = await readVarsFile(path, this.warnings);
      }
      break;
    }
    this.cache.set(name, vars);
    return vars;
  }
}

/** stat, with a dangling or looping symlink named as such (not a stack trace). */
async function statVars(path: string): Promise<Awaited<ReturnType<typeof stat>>> {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const what =
      code === 'ENOENT' ? 'is a dangling symlink (its target does not exist)' : code === 'ELOOP' ? 'is a symlink loop' : `cannot be read (${code ?? (e as Error).message})`;
    throw new TsplayError('VALIDATION', `this variables file ${what}`, { location: { file: path }, hint: 'fix or remove the link' });
  }
}

/** Nested vars directories deeper than this are a loop of directory symlinks, not a layout. */
const MAX_VARS_DEPTH = 32;

async function listVarsDir(dir: string, depth: number): Promise<string[]> {
  if (depth > MAX_VARS_DEPTH)
    throw new TsplayError('VALIDATION', `this variables directory is nested more than ${MAX_VARS_DEPTH} levels deep (a symlink loop?)`, { location: { file: dir } });
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const full = join(dir, name);
    const ext = /\.[^.]*$/.exec(name)?.[0] ?? '';
    const st = await statVars(full);
    if (st.isDirectory() && !ext) out.push(...(await listVarsDir(full, depth + 1)));
    else if (st.isFile() && (!ext || VARS_EXTENSIONS.includes(ext))) out.push(full);
  }
  return out;
}

async function readVarsFile(path: string, warnings: string[]): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readUserFile(path, 'utf8');
  } catch (e) {
    if (e instanceof TsplayError) throw e;
    throw new TsplayError('VALIDATION', `cannot read variables file: ${(e as Error).message}`, { location: { file: path } });
  }
  return readVarsYaml(text, path, (m) => warnings.push(m));
}
