import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TsplayError } from '../errors.js';
import { decryptIfVaulted } from '../config/vault.js';
import { readUserFileSync } from '../config/user-file.js';

/**
 * Where controller-side files (copy `src`, template `src`) are looked up, in Ansible's order:
 * the role's files/ or templates/ dir, the role dir, then beside the playbook.
 */
/** The path of a controller-side file, in Ansible's search order (undefined-safe: throws a clear error). */
export function controllerFileResolver(playbookDir: string, roleDir?: string) {
  return (p: string, kind: 'files' | 'templates'): string => {
    const candidates = path.isAbsolute(p)
      ? [p]
      : [...(roleDir ? [path.join(roleDir, kind, p), path.join(roleDir, p)] : []), path.join(playbookDir, kind, p), path.join(playbookDir, p)];
    for (const c of candidates) if (existsSync(c)) return c;
    throw new TsplayError('VALIDATION', `could not find ${kind === 'templates' ? 'template' : 'file'} "${p}"`, {
      hint: `looked in: ${candidates.join(', ')}`,
    });
  };
}

export function controllerFileReader(playbookDir: string, roleDir?: string) {
  return (p: string, kind: 'files' | 'templates', opts: { decrypt?: boolean } = {}): Buffer => {
    const candidates = path.isAbsolute(p)
      ? [p]
      : [...(roleDir ? [path.join(roleDir, kind, p), path.join(roleDir, p)] : []), path.join(playbookDir, kind, p), path.join(playbookDir, p)];
    // A vault-encrypted source is decrypted on the controller, as Ansible's copy does (decrypt: yes).
    for (const c of candidates) if (existsSync(c)) return opts.decrypt === false ? readUserFileSync(c) : decryptIfVaulted(readUserFileSync(c), c);
    throw new TsplayError('VALIDATION', `could not find ${kind === 'templates' ? 'template' : 'file'} "${p}"`, {
      hint: `looked in: ${candidates.join(', ')}`,
    });
  };
}

/** The mode of a controller-side file as four octal digits (copy/template `mode: preserve`). */
export function controllerFileModeReader(playbookDir: string, roleDir?: string) {
  const resolve = controllerFileResolver(playbookDir, roleDir);
  return (p: string, kind: 'files' | 'templates'): string => (statSync(resolve(p, kind)).mode & 0o7777).toString(8).padStart(4, '0');
}

/** A controller-side directory's entries with each regular file's bytes (assemble with remote_src: false). */
export function controllerDirReader(playbookDir: string, roleDir?: string) {
  const resolve = controllerFileResolver(playbookDir, roleDir);
  return (p: string, opts: { decrypt?: boolean } = {}) => {
    const dir = resolve(p, 'files');
    if (!statSync(dir).isDirectory()) return { path: dir, isDir: false, entries: [] };
    const entries = readdirSync(dir, { encoding: 'buffer' }).map((name) => {
      const full = Buffer.concat([Buffer.from(`${dir}/`), name]);
      const isFile = (() => {
        try {
          return statSync(full).isFile();
        } catch {
          return false;
        }
      })();
      const shown = `${dir}/${name.toString()}`;
      const content = isFile ? (opts.decrypt === false ? readFileSync(full) : decryptIfVaulted(readFileSync(full), shown)) : undefined;
      return { name: name.toString('latin1'), isFile, ...(content ? { content } : {}) };
    });
    return { path: dir, isDir: true, entries };
  };
}

/** What is at a controller path (fetch's dest): missing, a directory, a file with its bytes, or something else. */
export function inspectControllerPath(p: string): { kind: 'missing' | 'dir' | 'other' } | { kind: 'file'; content: Buffer } {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(p);
  } catch {
    return { kind: 'missing' };
  }
  if (st.isDirectory()) return { kind: 'dir' };
  if (!st.isFile()) return { kind: 'other' };
  try {
    return { kind: 'file', content: readFileSync(p) };
  } catch {
    return { kind: 'other' };
  }
}

/** Python's os.path.expandvars: $NAME and ${NAME} from the controller's environment, unknown names kept. */
function expandVars(p: string): string {
  return p.replace(/\$(\w+|\{[^}]*\})/g, (m, n: string) => {
    const v = process.env[n.startsWith('{') ? n.slice(1, -1) : n];
    return v === undefined ? m : v;
  });
}

/** Ansible's loader.path_dwim: an absolute or ~ path as given, else beside the playbook; ~ and $VAR expanded, normalised. */
export function controllerDwim(playbookDir: string) {
  return (given: string): string => {
    let p = given.startsWith('/') || given.startsWith('~') ? given : path.join(playbookDir, given);
    p = expandVars(p);
    const m = /^~([^/]*)/.exec(p);
    if (m && (m[1] === '' || m[1] === os.userInfo().username)) p = os.homedir() + p.slice(m[0].length);
    // path.resolve also normalises (as unfrackpath's abspath + normpath)
    return path.resolve(p);
  };
}

/** Write a controller file for a `controller-write` command; the outcome as that command documents. */
export function writeControllerFile(p: string, content: Buffer): { rc: number; stdout: string; stderr: string; durationMs: number } {
  const started = Date.now();
  let step = 'mkdir';
  try {
    mkdirSync(path.dirname(p), { recursive: true });
    step = 'write';
    writeFileSync(p, content);
    return { rc: 0, stdout: '', stderr: '', durationMs: Date.now() - started };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { rc: 1, stdout: `${step} ${err.code ?? 'EIO'}`, stderr: err.message, durationMs: Date.now() - started };
  }
}
