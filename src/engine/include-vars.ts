/**
 * The controller side of include_vars (ansible-core 2.14's action plugin): where a file or a
 * directory is looked for, which files of a directory are read and in what order, and reading them
 * with the one YAML reader (vault-encrypted files included).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { IncludeVarsRequest } from '../modules/system/include_vars.js';
import { readYamlFile } from '../loader/yaml.js';
import { formatError } from '../errors.js';

export interface IncludeVarsWhere {
  /** The task's role directory, if it comes from a role. */
  roleDir?: string;
  /** The file the task is written in. */
  taskFile?: string;
  /** ansible_search_path: role dir, task file dir, playbook dir. */
  searchPath: string[];
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Read what include_vars asks for; an error is ansible's message (the task fails with it). */
export function includeVarsFiles(req: IncludeVarsRequest, where: IncludeVarsWhere): { vars: Record<string, unknown>; files: string[] } | { error: string; files: string[] } {
  const files: string[] = [];
  const vars: Record<string, unknown> = {};
  const load = (file: string, checkExt: boolean): string | undefined => {
    if (checkExt && !req.extensions.includes(path.extname(file).slice(1))) return `${file} does not have a valid extension: ${req.extensions.join(', ')}`;
    const p = readYamlFile(file);
    if (p.errors.length) return p.errors.map(formatError).join('\n');
    const data = p.value ?? {};
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return `${file} must be stored as a dictionary/hash`;
    files.push(file);
    Object.assign(vars, data);
    return undefined;
  };
  if (req.dir === undefined) {
    const name = req.file;
    if (!name) return { error: 'No file or dir was specified', files };
    // _find_needle('vars', name): each search path's vars/NAME, then NAME
    const tried = path.isAbsolute(name) ? [name] : where.searchPath.flatMap((d) => [path.join(d, 'vars', name), path.join(d, name)]);
    const found = tried.find(isFile);
    if (!found) return { error: `Could not find or access '${name}'\nSearched in:\n${tried.map((t) => `\t${t}`).join('\n')}`, files };
    const err = load(found, false);
    return err ? { error: err, files } : { vars, files };
  }
  let dir = req.dir;
  if (!path.isAbsolute(dir)) {
    if (where.roleDir) dir = dir.split('/')[0] === 'vars' && existsSync(path.join(where.roleDir, dir)) ? path.join(where.roleDir, dir) : path.join(where.roleDir, 'vars', dir);
    else if (where.taskFile) dir = path.join(path.dirname(path.resolve(where.taskFile)), dir);
  }
  if (!existsSync(dir)) return { error: `${dir} directory does not exist`, files };
  if (!statSync(dir).isDirectory()) return { error: `${dir} is not a directory`, files };
  let matcher: RegExp | undefined;
  try {
    matcher = req.filesMatching ? new RegExp(req.filesMatching) : undefined;
  } catch {
    return { error: `Invalid regular expression: ${req.filesMatching}`, files };
  }
  const ignored = (f: string) => req.ignoreFiles.some((pat) => new RegExp(`${pat}$`).test(f));
  // os.walk sorted by directory path, files sorted; depth counts directories visited
  const walked: Array<{ root: string; files: string[] }> = [];
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    const fs = entries.filter((e) => isFile(path.join(d, e))).sort();
    walked.push({ root: d, files: fs });
    for (const e of entries.filter((x) => !isFile(path.join(d, x)))) {
      try {
        if (statSync(path.join(d, e)).isDirectory()) walk(path.join(d, e));
      } catch {
        /* unreadable: ansible logs it and goes on */
      }
    }
  };
  walk(dir);
  walked.sort((a, b) => (a.root < b.root ? -1 : a.root > b.root ? 1 : 0));
  let depth = 0;
  for (const { root, files: names } of walked) {
    depth++;
    if (req.depth !== 0 && depth > req.depth) break;
    for (const f of names) {
      // a role's vars/main.yml is never included again
      if (where.roleDir && path.join(where.roleDir, f) === path.join(root, 'vars', 'main.yml')) continue;
      if (matcher && !matcher.test(f)) continue;
      if (ignored(f)) continue;
      if (req.ignoreUnknownExtensions && !req.extensions.includes(path.extname(f).slice(1))) continue;
      const err = load(path.join(root, f), true);
      if (err) return { error: err, files };
    }
  }
  return { vars, files };
}
