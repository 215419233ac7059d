/** Paths and file text on the host as the Python modules see them (type=path, os.path, text-mode reads). */
import { fileStateCommand } from '../files/state.js';

/** Python's os.path.dirname. */
export function pyDirname(p: string): string {
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return head;
}

/** Python's str.replace-free text read: the universal-newline translation of open() in text mode. */
export function universalNewlines(s: string): string {
  return s.replace(/\r\n?/g, '\n');
}

/** Decode UTF-8 strictly (Python's text-mode read fails on invalid bytes). */
export function strictUtf8(b: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return undefined;
  }
}

const PLACEHOLDER = '/tsplay-access-path';

/**
 * fileStateCommand (see files/state.ts) for a path held in a shell variable (`"$f"`): the command is
 * built for a fixed placeholder path, which quote() leaves bare, then pointed at the variable.
 */
export function statOfVar(v: string, opts: { content?: boolean } = {}): string {
  return fileStateCommand(PLACEHOLDER, opts).text.split(PLACEHOLDER).join(v);
}
