import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { TsplayError, TsplayErrors, formatError } from '../errors.js';
import { VERSION } from '../version.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import type { Reporter } from '../engine/report.js';
import { registerCommands } from './commands.js';

/** Where the CLI writes; tests pass their own to capture output in-process. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
}

export const defaultIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTTY: !!process.stdout.isTTY && !process.env['CI'],
};

/** Parse argv, run the command, return the exit code (Ansible's codes). Never throws. */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const program = new Command('tsplay')
    .description('Declarative playbooks and typed roles, applied idempotently over SSH or locally')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run tsplay --help for usage)');
  let code: number = EXIT.OK;
  registerCommands(program, io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.OK;
      return EXIT.USAGE;
    }
    return reportError(e, io);
  }
}

/** Print a user error plainly (file:line:col, hint) or a bug with its stack; return the exit code. */
export function reportError(e: unknown, io: Io): number {
  if (e instanceof TsplayErrors) {
    io.err(`${e.errors.length} error${e.errors.length === 1 ? '' : 's'}:\n`);
    for (const x of e.errors) io.err(`${formatError(x)}\n`);
    return exitCodeFor(e.errors[0]!);
  }
  if (e instanceof TsplayError) {
    io.err(`error: ${formatError(e)}\n`);
    return exitCodeFor(e);
  }
  io.err(`internal error (a bug in tsplay, please report it):\n${(e as Error)?.stack ?? String(e)}\n`);
  return EXIT.INTERNAL;
}

/** `-e key=value`, `-e '{"json": 1}'`, `-e @vars.yml`, repeated; later ones win. */
export function parseExtraVars(values: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const v of values) {
    if (v.startsWith('@')) {
      const file = v.slice(1);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        throw new TsplayError('USAGE', `-e @${file}: cannot read the file`, { hint: 'give a path to a YAML or JSON file of variables' });
      }
      const doc = YAML.parseDocument(text);
      if (doc.errors.length) throw new TsplayError('PARSE', `-e @${file}: ${doc.errors[0]!.message.split('\n')[0]}`, { location: { file: path.resolve(file), line: doc.errors[0]!.linePos?.[0]?.line } });
      Object.assign(out, doc.toJS() ?? {});
      continue;
    }
    const t = v.trim();
    if (t.startsWith('{')) {
      try {
        Object.assign(out, JSON.parse(t));
      } catch {
        const y = YAML.parse(t);
        Object.assign(out, y);
      }
      continue;
    }
    for (const pair of splitPairs(t)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new TsplayError('USAGE', `-e ${JSON.stringify(v)}: expected key=value`, { hint: 'e.g. -e version=6.12.1 or -e @vars.yml' });
      out[pair.slice(0, eq)] = unquote(pair.slice(eq + 1));
    }
  }
  return out;
}

function splitPairs(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q: string | null = null;
  for (const ch of s) {
    if (q) {
      if (ch === q) q = null;
      cur += ch;
    } else if (ch === '"' || ch === "'") {
      q = ch;
      cur += ch;
    } else if (/\s/.test(ch)) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

function unquote(s: string): string {
  return /^(['"]).*\1$/s.test(s) ? s.slice(1, -1) : s;
}

export type { Reporter, Option };
