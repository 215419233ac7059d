/**
 * Vault passwords from the command line (ansible's CLI.setup_vault_secrets) and `tsplay vault`
 * (ansible-vault's encrypt, decrypt, view, encrypt_string, rekey, create, edit). The crypto and the secrets'
 * registry are in src/config/vault.ts.
 */
import { readUserFileSync } from '../config/user-file.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, chmodSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { TsplayError } from '../errors.js';
import { DEFAULT_VAULT_ID, decryptVault, encryptVault, isVaultEncrypted, parseVaultEnvelope, setVaultSecrets, type VaultSecret } from '../config/vault.js';
import { shlexSplit } from '../commands/shlex.js';
import type { Io } from './io.js';
import { EXIT } from './exit-codes.js';

/** The vault flags every command that reads playbooks, inventories or vars files takes. */
export interface VaultFlags {
  vaultId?: string[];
  vaultPasswordFile?: string[];
  askVaultPass?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Add --vault-id, --vault-password-file and --ask-vault-pass (ansible's add_vault_options). */
export function addVaultOptions(cmd: Command): Command {
  return (
    cmd
      .option('--vault-id <[id@]source>', 'vault identity: a password file, an executable script or "prompt" (repeatable)', collect, [])
      .option('--vault-password-file <file>', 'vault password file, or a script printing the password (repeatable)', collect, [])
      .option('-J, --ask-vault-pass', 'ask for the vault password on the terminal')
      // Ansible's other spellings of the same two flags.
      .addOption(new Option('--vault-pass-file <file>').hideHelp().argParser(collect))
      .addOption(new Option('--ask-vault-password').hideHelp())
  );
}

/** The flags as one shape, whichever spelling was used. */
function vaultFlagsOf(flags: VaultFlags & { vaultPassFile?: string[]; askVaultPassword?: boolean }): VaultFlags {
  return {
    vaultId: flags.vaultId,
    vaultPasswordFile: [...(flags.vaultPasswordFile ?? []), ...(flags.vaultPassFile ?? [])],
    askVaultPass: flags.askVaultPass || flags.askVaultPassword,
  };
}

/** `id@source` → [id, source]; without `@` the id is not given (Ansible's split_vault_id). */
function splitVaultId(slug: string): [string | undefined, string] {
  const at = slug.indexOf('@');
  return at < 0 ? [undefined, slug] : [slug.slice(0, at), slug.slice(at + 1)];
}

interface SetupOptions {
  /** Prompt when no source is given at all (ansible-vault does; ansible-playbook does not). */
  autoPrompt?: boolean;
  /** Ask twice (a new password, for encrypting). */
  confirm?: boolean;
  /** Where prompts are written. */
  io: Io;
}

/**
 * The vault secrets named by the flags and the environment, in Ansible's order: ANSIBLE_VAULT_IDENTITY_LIST,
 * --vault-id, --vault-password-file and ANSIBLE_VAULT_PASSWORD_FILE, then --ask-vault-pass. A source
 * that fails is a warning while another one works, else the error.
 */
export async function vaultSecretsFrom(given: VaultFlags, o: SetupOptions): Promise<VaultSecret[]> {
  const flags = vaultFlagsOf(given);
  const env = process.env;
  const ids = [
    ...(env['ANSIBLE_VAULT_IDENTITY_LIST'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    ...(flags.vaultId ?? []),
  ];
  for (const id of ids) {
    if (splitVaultId(id)[0]?.includes(';')) throw new TsplayError('USAGE', `'${id}' is not a valid vault id. The character ';' is not allowed in vault ids`);
  }
  const files = [...(flags.vaultPasswordFile ?? []), ...(env['ANSIBLE_VAULT_PASSWORD_FILE'] ? [env['ANSIBLE_VAULT_PASSWORD_FILE']] : [])];
  for (const f of files) ids.push(`${DEFAULT_VAULT_ID}@${f}`);
  if (flags.askVaultPass || (ids.length === 0 && o.autoPrompt)) ids.push(`${DEFAULT_VAULT_ID}@prompt_ask_vault_pass`);

  const secrets: VaultSecret[] = [];
  let lastError: TsplayError | undefined;
  for (const slug of ids) {
    const [name, source] = splitVaultId(slug);
    if (source === 'prompt' || source === 'prompt_ask_vault_pass') {
      const id = name ?? DEFAULT_VAULT_ID;
      const label = source === 'prompt' ? `Vault password (${id}): ` : 'Vault password: ';
      const pw = await promptPassword(o.confirm ? `New ${label.replace(/^Vault/, 'vault')}` : label, o.io);
      if (o.confirm && (await promptPassword(`Confirm new ${label.replace(/^Vault /, 'vault ')}`, o.io)) !== pw) {
        throw new TsplayError('USAGE', 'Passwords do not match');
      }
      secrets.push({ id, password: Buffer.from(pw, 'utf8'), source: 'prompt' });
      setVaultSecrets(secrets);
      continue;
    }
    try {
      secrets.push({ id: name ?? DEFAULT_VAULT_ID, password: readPasswordSource(source, name), source });
      // A later password file may itself be vault-encrypted with an earlier secret.
      setVaultSecrets(secrets);
    } catch (e) {
      if (!(e instanceof TsplayError)) throw e;
      o.io.err(`[WARNING]: Error getting vault password file (${name ?? DEFAULT_VAULT_ID}): ${e.message}\n`);
      lastError = e;
    }
  }
  if (lastError && secrets.length === 0) throw lastError;
  return secrets;
}

/** A password file's contents (stripped), or an executable's stdout; `-client` scripts get --vault-id. */
function readPasswordSource(source: string, vaultId: string | undefined): Buffer {
  const file = path.resolve(source.startsWith('~/') ? path.join(process.env['HOME'] ?? '', source.slice(2)) : source);
  const hint = 'give an existing file holding the vault password (or an executable script printing it)';
  if (source.trim() === '') throw new TsplayError('USAGE', 'an empty vault password file name (--vault-password-file / --vault-id)', { hint });
  if (!existsSync(file)) throw new TsplayError('USAGE', `The vault password file ${file} was not found`, { hint });
  let executable = false;
  try {
    accessSync(file, constants.X_OK);
    executable = statSync(file).isFile();
  } catch {
    /* not executable */
  }
  let pw: Buffer;
  if (executable) {
    const client = /-client$/.test(path.basename(file).replace(/\.[^.]*$/, ''));
    const args = client && vaultId ? ['--vault-id', vaultId] : [];
    try {
      // A plain script's stderr stays on the terminal (it may prompt there), as in Ansible.
      pw = execFileSync(file, args, { stdio: ['inherit', 'pipe', client ? 'pipe' : 'inherit'], maxBuffer: 1 << 20 });
    } catch (e) {
      const err = e as { status?: number | null; stderr?: Buffer; message: string };
      const stderr = err.stderr ? `: ${err.stderr.toString('utf8').trim()}` : '';
      if (client && err.status === 2) throw new TsplayError('USAGE', `Vault password client script ${file} did not find a secret for vault-id=${vaultId}${stderr}`);
      if (err.status === undefined || err.status === null) {
        throw new TsplayError('USAGE', `Problem running vault password script ${file} (${err.message}). If this is not a script, remove the executable bit from the file.`);
      }
      throw new TsplayError('USAGE', `Vault password script ${file} returned non-zero (${err.status})${stderr}`);
    }
    pw = stripNewlines(pw);
    if (pw.length === 0) throw new TsplayError('USAGE', `Invalid vault password was provided from script (${file})`);
    return pw;
  }
  try {
    // a regular file of bounded size: /dev/zero or a FIFO would never end or block forever
    pw = Buffer.from(readUserFileSync(file).toString('latin1').trim(), 'latin1');
  } catch (e) {
    throw new TsplayError('USAGE', `Could not read vault password file ${file}: ${(e as Error).message}`, { hint });
  }
  if (isVaultEncrypted(pw)) pw = decryptVault(pw.toString('latin1'), `the vault password file ${file}`, { file }).plaintext;
  pw = stripNewlines(pw);
  if (pw.length === 0) throw new TsplayError('USAGE', `Invalid vault password was provided from file (${file})`, { hint });
  return pw;
}

function stripNewlines(b: Buffer): Buffer {
  let s = 0;
  let e = b.length;
  while (s < e && (b[s] === 10 || b[s] === 13)) s++;
  while (e > s && (b[e - 1] === 10 || b[e - 1] === 13)) e--;
  return b.subarray(s, e);
}

/** Ask for a password on the terminal without echoing it; without a terminal, a clear error. */
export async function promptPassword(
  prompt: string,
  io: Io,
  what = 'vault password',
  hint = 'give the password with --vault-password-file FILE or --vault-id ID@FILE (or set ANSIBLE_VAULT_PASSWORD_FILE)',
): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') {
    throw new TsplayError('USAGE', `a ${what} prompt needs a terminal, and stdin is not one`, { hint });
  }
  io.err(prompt);
  return new Promise((resolve, reject) => {
    let buf = '';
    stdin.setRawMode(true);
    stdin.resume();
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      io.err('\n');
      if (err) reject(err);
      else resolve(buf.trim());
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new TsplayError('INTERRUPTED', `interrupted at the ${what} prompt`));
        if (ch === '\u0004') return done(new TsplayError('USAGE', `EOF (ctrl-d) at the ${what} prompt`));
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    stdin.on('data', onData);
  }).then((pw) => {
    if (!pw) throw new TsplayError('USAGE', `Invalid ${what} was provided (empty)`);
    return pw as string;
  });
}

/**
 * Set this command's vault secrets from its flags (a preAction hook runs it for every command that
 * takes the vault flags, before anything is loaded).
 */
export async function setupVaultSecrets(flags: VaultFlags, io: Io): Promise<void> {
  setVaultSecrets(await vaultSecretsFrom(flags, { io }));
}

// ---------------------------------------------------------------------------------------------
// tsplay vault …

interface VaultCommandFlags extends VaultFlags {
  output?: string;
  encryptVaultId?: string;
}

/** The secret to encrypt with (match_encrypt_secret): --encrypt-vault-id, else the only one. */
function encryptSecret(secrets: VaultSecret[], wanted?: string): VaultSecret {
  if (secrets.length === 0)
    throw new TsplayError('USAGE', "A vault password is required to use Ansible's Vault", { hint: 'pass --vault-password-file FILE or --vault-id [ID@]FILE' });
  if (wanted) {
    const s = secrets.find((x) => x.id === wanted);
    if (!s) throw new TsplayError('USAGE', `Did not find a match for --encrypt-vault-id=${wanted} in the known vault-ids ${JSON.stringify(secrets.map((x) => x.id))}`);
    return s;
  }
  if (secrets.length > 1) {
    throw new TsplayError('USAGE', `The vault-ids ${secrets.map((x) => x.id).join(',')} are available to encrypt. Specify the vault-id to encrypt with --encrypt-vault-id`);
  }
  return secrets[0]!;
}

function readInput(file: string): Buffer {
  if (file === '-') return readFileSync(0);
  try {
    return readFileSync(file);
  } catch (e) {
    throw new TsplayError('USAGE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

/** Write to a file (replaced whole, keeping an existing file's mode, 0600 for a new one) or stdout. */
function writeOutput(data: Buffer | string, file: string, io: Io): void {
  if (file === '-') {
    io.out(typeof data === 'string' ? data : data.toString('utf8'));
    return;
  }
  const mode = existsSync(file) ? statSync(file).mode & 0o7777 : 0o600;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tsplay-${process.pid}`);
  try {
    writeFileSync(tmp, data, { mode: 0o600 });
    chmodSync(tmp, mode);
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* not created */
    }
    throw new TsplayError('USAGE', `cannot write ${file}: ${(e as Error).message}`);
  }
}

/** Ansible's format_ciphertext_yaml: `name: !vault |` and the envelope indented by 10 spaces. */
export function formatVaultYaml(envelope: string, name?: string): string {
  return [
    `${name ? `${name}: ` : ''}!vault |`,
    ...envelope
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => ' '.repeat(10) + l),
  ].join('\n');
}

export function registerVaultCommands(program: Command, io: Io, setCode: (c: number) => void): void {
  const vault = program.command('vault').description('encrypt and decrypt ansible-vault data (files and strings ansible-vault reads)');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const action =
    <A extends any[]>(fn: (...a: A) => Promise<void>) =>
    async (...a: A) => {
      await fn(...a);
      setCode(EXIT.OK);
    };
  const secretsFor = (flags: VaultFlags, confirm = false) => vaultSecretsFrom(flags, { io, autoPrompt: true, confirm });

  addVaultOptions(vault.command('encrypt').description('encrypt files in place (or to --output)').argument('[files...]', 'files; none or - reads stdin'))
    .option('--output <file>', 'write here instead (- for stdout)')
    .option('--encrypt-vault-id <id>', 'the vault id to encrypt with (needed when several are given)')
    .action(
      action(async (files: string[], flags: VaultCommandFlags) => {
        const secret = encryptSecret(await secretsFor(flags, true), flags.encryptVaultId);
        const list = files.length ? files : ['-'];
        if (flags.output && list.length > 1) throw new TsplayError('USAGE', 'At most one input file may be used with the --output option');
        for (const f of list) {
          const data = readInput(f);
          if (isVaultEncrypted(data)) throw new TsplayError('USAGE', `input is already encrypted: ${f}`);
          writeOutput(encryptVault(data, secret.password, secret.id), flags.output ?? f, io);
        }
        if (process.stderr.isTTY) io.err('Encryption successful\n');
      }),
    );

  addVaultOptions(vault.command('decrypt').description('decrypt files in place (or to --output)').argument('[files...]', 'files; none or - reads stdin'))
    .option('--output <file>', 'write here instead (- for stdout)')
    .action(
      action(async (files: string[], flags: VaultCommandFlags) => {
        setVaultSecrets(await secretsFor(flags));
        const list = files.length ? files : ['-'];
        if (flags.output && list.length > 1) throw new TsplayError('USAGE', 'At most one input file may be used with the --output option');
        for (const f of list) {
          const data = readInput(f);
          const name = f === '-' ? 'stdin' : f;
          if (!isVaultEncrypted(data)) throw new TsplayError('USAGE', `input is not vault encrypted data. ${name} is not a vault encrypted file`);
          writeOutput(decryptVault(data.toString('latin1'), 'this vault file', { file: name }).plaintext, flags.output ?? f, io);
        }
        if (process.stderr.isTTY) io.err('Decryption successful\n');
      }),
    );

  addVaultOptions(vault.command('view').description('print the plaintext of vault files').argument('<files...>', 'files')).action(
    action(async (files: string[], flags: VaultCommandFlags) => {
      setVaultSecrets(await secretsFor(flags));
      for (const f of files) {
        const data = readInput(f);
        if (!isVaultEncrypted(data)) throw new TsplayError('USAGE', `input is not vault encrypted data. ${f} is not a vault encrypted file`);
        io.out(decryptVault(data.toString('latin1'), 'this vault file', { file: f }).plaintext.toString('utf8'));
      }
    }),
  );

  addVaultOptions(
    vault.command('encrypt_string').alias('encrypt-string').description('encrypt strings into `name: !vault |` YAML').argument('[strings...]', 'strings; none or - reads stdin'),
  )
    .option('--output <file>', 'write here instead of stdout')
    .option('--encrypt-vault-id <id>', 'the vault id to encrypt with (needed when several are given)')
    .option('-n, --name <name>', 'variable name for the next string (repeatable)', collect, [])
    .option('--stdin-name <name>', 'variable name for the string read from stdin')
    .action(
      action(async (strings: string[], flags: VaultCommandFlags & { name: string[]; stdinName?: string }) => {
        const secret = encryptSecret(await secretsFor(flags, true), flags.encryptVaultId);
        const items: Array<{ text: Buffer; name?: string; from: string }> = [];
        const args = strings.filter((s) => s !== '-');
        if (strings.includes('-') || strings.length === 0 || flags.stdinName) {
          const text = readFileSync(0);
          if (text.length === 0) throw new TsplayError('USAGE', 'stdin was empty, not encrypting');
          items.push({ text, name: flags.stdinName, from: 'stdin' });
        }
        if (args.length > flags.name.length && flags.name.length > 0) {
          io.err('The number of --name options do not match the number of args.\n');
          io.err(`The last named variable will be "${flags.name[flags.name.length - 1]}". The rest will not have names.\n`);
        }
        args.forEach((a, i) => {
          if (a === '') throw new TsplayError('USAGE', 'The plaintext provided from the command line args was empty, not encrypting');
          items.push({ text: Buffer.from(a, 'utf8'), name: flags.name[i], from: 'the command line args' });
        });
        const outs = items.map((it, i) => {
          if (items.length > 1) {
            io.err(
              it.name
                ? `# The encrypted version of variable ("${it.name}", the string #${i + 1} from ${it.from}).\n`
                : `# The encrypted version of the string #${i + 1} from ${it.from}.)\n`,
            );
          }
          return formatVaultYaml(encryptVault(it.text, secret.password, secret.id), it.name);
        });
        writeOutput(outs.join('\n'), flags.output ?? '-', io);
        if (process.stdout.isTTY && !flags.output) io.out('\n');
      }),
    );

  addVaultOptions(vault.command('create').description('create a new encrypted file in $EDITOR').argument('<file>', 'the new file'))
    .option('--encrypt-vault-id <id>', 'the vault id to encrypt with (needed when several are given)')
    .action(
      action(async (file: string, flags: VaultCommandFlags) => {
        const secret = encryptSecret(await secretsFor(flags, true), flags.encryptVaultId);
        if (existsSync(file) && statSync(file).isFile()) throw new TsplayError('USAGE', `${file} exists, please use 'edit' instead`);
        const dir = path.dirname(file);
        if (!existsSync(dir)) {
          io.err(`[WARNING]: ${dir} does not exist, creating...\n`);
          mkdirSync(dir, { recursive: true });
        }
        const edited = editInEditor(file, undefined);
        writeOutput(encryptVault(edited, secret.password, secret.id), file, io);
      }),
    );

  addVaultOptions(vault.command('edit').description('edit encrypted files in $EDITOR (re-encrypted with the same vault id)').argument('<files...>', 'files')).action(
    action(async (files: string[], flags: VaultCommandFlags) => {
      setVaultSecrets(await secretsFor(flags));
      for (const f of files) {
        const data = readInput(f);
        if (!isVaultEncrypted(data)) throw new TsplayError('USAGE', `input is not vault encrypted data. ${f} is not a vault encrypted file`);
        const text = data.toString('latin1');
        const { plaintext, secret } = decryptVault(text, 'this vault file', { file: f });
        const edited = editInEditor(f, plaintext);
        // Unchanged: the file is left as it is (Ansible does not re-encrypt).
        if (!edited.equals(plaintext)) writeOutput(encryptVault(edited, secret.password, parseVaultEnvelope(text).vaultId), f, io);
      }
    }),
  );

  addVaultOptions(vault.command('rekey').description('re-encrypt vault files with a new password').argument('<files...>', 'files'))
    .option('--new-vault-password-file <file>', 'the new password file')
    .option('--new-vault-id <[id@]source>', 'the new vault identity')
    .option('--encrypt-vault-id <id>', 'the vault id to encrypt with')
    .action(
      action(async (files: string[], flags: VaultCommandFlags & { newVaultPasswordFile?: string; newVaultId?: string }) => {
        setVaultSecrets(await secretsFor(flags));
        if (flags.newVaultPasswordFile && flags.newVaultId) throw new TsplayError('USAGE', '--new-vault-password-file and --new-vault-id exclude each other');
        const newIds = flags.newVaultId ? [flags.newVaultId] : [];
        const newFiles = flags.newVaultPasswordFile ? [flags.newVaultPasswordFile] : [];
        const fresh = await vaultSecretsFrom({ vaultId: newIds, vaultPasswordFile: newFiles }, { io, autoPrompt: newIds.length + newFiles.length === 0, confirm: true });
        const secret = encryptSecret(fresh, flags.encryptVaultId);
        for (const f of files) {
          const data = readInput(f);
          if (!isVaultEncrypted(data)) throw new TsplayError('USAGE', `input is not vault encrypted data. ${f} is not a vault encrypted file`);
          const plain = decryptVault(data.toString('latin1'), 'this vault file', { file: f }).plaintext;
          writeOutput(encryptVault(plain, secret.password, secret.id), f, io);
        }
        io.err('Rekey successful\n');
      }),
    );
}

/**
 * Run $EDITOR (default vi, split as a shell would) on a private temporary copy and return what it
 * saved; the temporary file is overwritten and removed whatever happens.
 */
function editInEditor(file: string, initial: Buffer | undefined): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-vault-edit-'));
  const tmp = path.join(dir, `edit${path.extname(file)}`);
  try {
    writeFileSync(tmp, initial ?? '', { mode: 0o600 });
    const [cmd, ...args] = shlexSplit(process.env['EDITOR'] || 'vi');
    const r = spawnSync(cmd!, [...args, tmp], { stdio: 'inherit' });
    if (r.error)
      throw new TsplayError('USAGE', `Unable to execute the command "${[cmd, ...args, tmp].join(' ')}": ${r.error.message}`, { hint: 'set EDITOR to an editor that exists' });
    return readFileSync(tmp);
  } finally {
    try {
      const size = statSync(tmp).size;
      writeFileSync(tmp, Buffer.alloc(size));
    } catch {
      /* already gone */
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
