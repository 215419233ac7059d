/**
 * ansible-playbook 2.14's connection and privilege flags (-c, -u, --private-key, -T, --ssh-*-args,
 * -k, -b, --become-*, -K) and what they become: run defaults that play keywords and host variables
 * override, as ansible-core's play context has them.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CliDefaults } from '../engine/api.js';
import { TsplayError } from '../errors.js';
import type { Io } from './io.js';
import { promptPassword } from './vault.js';

export interface ConnectionFlags {
  connection?: string;
  user?: string;
  privateKey?: string;
  keyFile?: string;
  timeout?: number;
  sshCommonArgs?: string;
  sshExtraArgs?: string;
  sftpExtraArgs?: string;
  scpExtraArgs?: string;
  askPass?: boolean;
  connectionPasswordFile?: string;
  connPassFile?: string;
  become?: boolean;
  becomeMethod?: string;
  becomeUser?: string;
  askBecomePass?: boolean;
  becomePasswordFile?: string;
  becomePassFile?: string;
  flushCache?: boolean;
  modulePath?: string[];
}

/** Add ansible-playbook's connection and privilege options (same names, short forms and meaning). */
export function addConnectionOptions(cmd: Command): Command {
  const hidden = (flags: string, desc: string) => new Option(flags, desc).hideHelp();
  return cmd
    .option('-c, --connection <connection>', 'connection type to use: ssh (also smart, paramiko) or local (default: ssh); ansible_connection and the play keyword win')
    .option('-u, --user <remote_user>', 'connect as this user; the remote_user keyword and ansible_user win')
    .option('--private-key <file>', '(also --key-file) use this file to authenticate the connection; ansible_ssh_private_key_file wins')
    .addOption(hidden('--key-file <file>', 'alias of --private-key'))
    .addOption(new Option('-T, --timeout <seconds>', 'connection timeout in seconds; ansible_timeout wins').argParser((v) => seconds(v, '--timeout')))
    .option('--ssh-common-args <args>', 'extra ssh arguments (tsplay reads -o options, -J and ProxyCommand from them); ansible_ssh_common_args wins')
    .option('--ssh-extra-args <args>', 'extra ssh-only arguments (read as --ssh-common-args); ansible_ssh_extra_args wins')
    .option('--sftp-extra-args <args>', 'accepted for compatibility, no effect: tsplay speaks SFTP in-process, without the sftp program')
    .option('--scp-extra-args <args>', 'accepted for compatibility, no effect: tsplay never runs scp')
    .option('-k, --ask-pass', 'ask for the connection password (needs a terminal)')
    .option('--connection-password-file <file>', "(also --conn-pass-file) read the connection password from a file ('-': stdin; an executable: its output)")
    .addOption(hidden('--conn-pass-file <file>', 'alias of --connection-password-file'))
    .option('-b, --become', 'run operations with become (does not imply a password prompt); become keywords and ansible_become win')
    .option('--become-method <method>', 'privilege escalation method: sudo or su (default: sudo); the become_method keyword and ansible_become_method win')
    .option('--become-user <user>', 'become this user (default: root); become_user and ansible_become_user win')
    .option('-K, --ask-become-pass', 'ask for the privilege escalation password (needs a terminal)')
    .option('--become-password-file <file>', "(also --become-pass-file) read the become password from a file ('-': stdin; an executable: its output)")
    .addOption(hidden('--become-pass-file <file>', 'alias of --become-password-file'))
    .option('--flush-cache', 'accepted for compatibility, no effect: tsplay keeps no fact cache between runs')
    .option('-M, --module-path <path>', 'refused: tsplay runs no Python modules; register TS modules in tsplay.config.*', (v: string, prev: string[] = []) => [...prev, v]);
}

function seconds(v: string, name: string): number {
  const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} takes a whole number of seconds, got "${v}"`);
  return n;
}

/** The run defaults the flags set; reads password files and asks on the terminal for -k / -K. */
export async function cliDefaultsFrom(f: ConnectionFlags, io: Io): Promise<CliDefaults | undefined> {
  if (f.modulePath?.length) {
    throw new TsplayError('USAGE', '-M/--module-path is not supported: tsplay does not run Python modules', {
      hint: 'tsplay implements the builtin modules itself; a team module is a TS module registered in tsplay.config.*',
    });
  }
  const d: CliDefaults = {};
  const vars: Record<string, string> = {};
  if (f.connection !== undefined) d.connection = f.connection;
  if (f.user !== undefined) d.remoteUser = f.user;
  if (f.becomeMethod !== undefined) d.becomeMethod = f.becomeMethod;
  if (f.become) d.become = true;
  if (f.becomeUser !== undefined) d.becomeUser = f.becomeUser;
  const key = f.privateKey ?? f.keyFile;
  if (key !== undefined) vars['ansible_ssh_private_key_file'] = key;
  if (f.timeout !== undefined) vars['ansible_timeout'] = String(f.timeout);
  if (f.sshCommonArgs !== undefined) vars['ansible_ssh_common_args'] = f.sshCommonArgs;
  if (f.sshExtraArgs !== undefined) vars['ansible_ssh_extra_args'] = f.sshExtraArgs;

  let conn: string | undefined;
  const connFile = f.connectionPasswordFile ?? f.connPassFile;
  if (connFile !== undefined) conn = readPasswordFile(connFile, 'connection');
  else if (f.askPass) conn = await promptPassword('SSH password: ', io, 'connection password', 'give it with --connection-password-file FILE');
  let become: string | undefined;
  const becomeFile = f.becomePasswordFile ?? f.becomePassFile;
  if (becomeFile !== undefined) become = readPasswordFile(becomeFile, 'become');
  else if (f.askBecomePass) {
    // As ansible-playbook: with -k too, an empty answer means "the SSH password".
    const prompt = conn !== undefined && f.askPass ? 'BECOME password[defaults to SSH password]: ' : 'BECOME password: ';
    become = await promptPassword(prompt, io, 'become password', 'give it with --become-password-file FILE').catch((e: unknown) => {
      if (conn !== undefined && f.askPass && e instanceof TsplayError && /empty/.test(e.message)) return conn;
      throw e;
    });
  }
  if (conn !== undefined) vars['ansible_password'] = conn;
  if (become !== undefined) vars['ansible_become_password'] = become;
  if (Object.keys(vars).length) d.connectionVars = vars;
  return Object.keys(d).length ? d : undefined;
}

/** A password file as ansible-core reads one: '-' is stdin, an executable is run, surrounding whitespace stripped. */
export function readPasswordFile(source: string, what: 'connection' | 'become'): string {
  const flag = what === 'connection' ? '--connection-password-file' : '--become-password-file';
  let raw: Buffer;
  if (source === '-') raw = readFileSync(0);
  else {
    const file = path.resolve(source.startsWith('~/') ? path.join(process.env['HOME'] ?? '', source.slice(2)) : source);
    if (!existsSync(file)) throw new TsplayError('USAGE', `The password file ${file} was not found (${flag})`);
    let executable = false;
    try {
      accessSync(file, constants.X_OK);
      executable = statSync(file).isFile();
    } catch {
      /* not executable */
    }
    try {
      raw = executable ? execFileSync(file, [], { stdio: ['inherit', 'pipe', 'pipe'], maxBuffer: 1 << 20 }) : readFileSync(file);
    } catch (e) {
      const status = (e as { status?: number | null }).status;
      throw new TsplayError('USAGE', executable ? `The password script ${file} returned an error (rc=${status ?? '?'})` : `Could not read the password file ${file} (${flag})`);
    }
  }
  return raw.toString('utf8').trim();
}
