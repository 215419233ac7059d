/**
 * `pip`: Python packages with pip, in the system or a virtualenv (ansible-core 2.14's
 * modules/pip.py). As there, the real run always calls `pip install`/`uninstall` and pip decides:
 * "changed" is pip saying "Successfully installed/uninstalled" (or the `pip list` before and after
 * differing, for requirements files and VCS links); check mode compares `pip list` with the
 * requirements. The virtualenv is made first when its `bin/activate` is missing.
 */
import { z } from 'zod';
import { quote, raw, Shell } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { bool, str, strList } from '../system/args.js';
import { shlexSplit, SplitError } from '../system/words.js';
import { defineModule, type Outcome, type Plan } from '../types.js';
import { canonicalName, parseRequirement, requirementText, satisfies } from './pep440.js';

const STATES = { present: ['install'], absent: ['uninstall', '-y'], latest: ['install', '-U'], forcereinstall: ['install', '-U', '--force-reinstall'] } as const;

export const pipArgs = z
  .strictObject({
    state: z.enum(['present', 'absent', 'latest', 'forcereinstall']).optional(),
    name: strList.optional(),
    version: str.optional(),
    requirements: str.optional(),
    virtualenv: str.optional(),
    virtualenv_site_packages: bool.optional(),
    virtualenv_command: str.optional(),
    virtualenv_python: str.optional(),
    extra_args: str.optional(),
    editable: bool.optional(),
    chdir: str.optional(),
    executable: str.optional(),
    umask: z.union([str, z.number().int()]).optional(),
  })
  .refine((a) => a.name !== undefined || a.requirements !== undefined, { message: 'one of the following is required: name, requirements' })
  .refine((a) => a.name === undefined || a.requirements === undefined, { message: 'parameters are mutually exclusive: name|requirements' })
  .refine((a) => a.executable === undefined || a.virtualenv === undefined, { message: 'parameters are mutually exclusive: executable|virtualenv' });
export type PipArgs = z.infer<typeof pipArgs>;

const OPS_START = ['>=', '<=', '>', '<', '==', '!=', '~='];

/** pip.py's _recover_package_name: `['django>1.1', '<2', 'six']` → `['django>1.1,<2', 'six']`. */
export function recoverPackageNames(names: string[]): string[] {
  const parts = names.flatMap((n) => n.split(','));
  const out: string[] = [];
  let cur: string[] = [];
  let inBrackets = false;
  for (const name of parts) {
    if (!OPS_START.some((o) => name.trimStart().startsWith(o)) && !inBrackets) {
      if (cur.length) out.push(cur.join(','));
      cur = [];
    }
    if (name.includes('[')) inBrackets = true;
    if (inBrackets && name.includes(']')) inBrackets = false;
    cur.push(name);
  }
  out.push(cur.join(','));
  return out;
}

/** pip.py's Package: the command-line word, the canonical name and the parsed requirement if plain. */
export interface PipPackage {
  word: string;
  name: string;
  req?: ReturnType<typeof parseRequirement>;
}

export function pipPackage(nameString: string, version?: string): PipPackage {
  let text = nameString;
  if (version) {
    const v = version.trimStart();
    text = `${nameString}${/^\d/.test(v) ? '==' : ' '}${v}`;
  }
  const req = parseRequirement(text);
  if (!req) return { word: nameString, name: nameString };
  const setuptools = req.name.toLowerCase() === 'distribute' && text.includes('setuptools');
  return { word: requirementText(req), name: setuptools ? 'setuptools' : canonicalName(req.name), req };
}

/** `pip list --format=freeze` lines: is a package satisfying the requirement installed? */
export function isPresent(pkg: PipPackage, freeze: string): boolean {
  if (!pkg.req) return false;
  for (const line of freeze.split('\n')) {
    if (!line.includes('==')) continue;
    const [n, v] = line.split('==') as [string, string];
    if (canonicalName(n) === pkg.name && satisfies(pkg.req, v.trim())) return true;
  }
  return false;
}

/** Where pip is and how the venv is made, as shell lines (each failure prints `fail=<base64 msg>`). */
function locateScript(a: PipArgs, env: string | undefined): string {
  const lines: string[] = [];
  if (a.executable !== undefined) {
    if (a.executable.startsWith('/')) lines.push(`pip=${quote(a.executable)}`);
    else lines.push(`pip=$(command -v ${quote(a.executable)}) || fail ${quote(`Unable to find any of ${a.executable} to use.  pip needs to be installed.`)}`);
  } else if (env === undefined) {
    lines.push(
      `if "$py" -c 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec("pip") else 1)' 2>/dev/null; then pip="$py -m pip.__main__"`,
      `else pip=$(command -v pip3) || fail ${quote('Unable to find any of pip3 to use.  pip needs to be installed.')}; fi`,
    );
  } else {
    const bin = `${env}/bin`;
    lines.push(
      `if [ -x ${quote(`${bin}/pip3`)} ] && [ -f ${quote(`${bin}/pip3`)} ]; then pip=${quote(`${bin}/pip3`)}`,
      `elif [ -x ${quote(`${bin}/pip`)} ] && [ -f ${quote(`${bin}/pip`)} ]; then pip=${quote(`${bin}/pip`)}`,
      `else fail ${quote(`Unable to find pip in the virtualenv, ${env}, under any of these names: pip3, pip. Make sure pip is present in the virtualenv.`)}; fi`,
    );
  }
  lines.push('echo "pip=$(printf %s "$pip" | base64 | tr -d \'\\n\')"');
  return lines.join('\n');
}

/** Shell lines that make the virtualenv (pip.py's setup_virtualenv). */
function venvScript(a: PipArgs, env: string, venvCmd: string[]): string {
  const cmd0 = venvCmd[0]!;
  const usesVenvModule = ['pyvenv', '-m venv'].some((x) => (a.virtualenv_command ?? 'virtualenv').includes(x));
  const lines = [
    `if [ ! -e ${quote(`${env}/bin/activate`)} ]; then`,
    cmd0.includes('/')
      ? `  c0=${quote(cmd0)}`
      : `  c0=$(command -v ${quote(cmd0)}) || fail "$(printf 'Failed to find required executable "%s" in paths: %s' ${quote(cmd0)} "$PATH")"`,
    `  set -- "$c0" ${venvCmd
      .slice(1)
      .map((w) => quote(w))
      .join(' ')}`,
  ];
  if (a.virtualenv_site_packages) lines.push('  set -- "$@" --system-site-packages');
  else {
    // _get_cmd_options: `CMD --help` must succeed; its words starting with -- are the options.
    lines.push(
      '  "$c0" --help >"$o" 2>"$e"; rc=$?',
      '  if [ $rc -ne 0 ]; then m=$(cat "$o" "$e"; echo x); fail "Could not get output from $c0 --help: ${m%x}"; fi',
      '  if tr -s " \\t" "\\n\\n" <"$o" | grep -qx -- --no-site-packages; then set -- "$@" --no-site-packages; fi',
    );
  }
  if (!usesVenvModule) lines.push(a.virtualenv_python ? `  set -- "$@" ${quote(`-p${a.virtualenv_python}`)}` : '  set -- "$@" "-p$py"');
  lines.push(
    `  set -- "$@" ${quote(env)}`,
    '  "$@" >"$o" 2>"$e"; rc=$?',
    '  echo "venv_cmd=$(printf "%s\\n" "$@" | base64 | tr -d \'\\n\')"; section venv',
    '  [ $rc -eq 0 ] || exit 0',
    'fi',
  );
  return lines.join('\n');
}

/** Sections of the script's output: `key=<base64>` lines. */
function sections(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([a-z_]+)=([A-Za-z0-9+/=]*)$/.exec(line.trim());
    if (m) out[m[1]!] = Buffer.from(m[2]!, 'base64').toString('utf8');
  }
  return out;
}

const PRELUDE = [
  'o=$(mktemp) && e=$(mktemp) || exit 1',
  // the target's Python (pip.py runs as the interpreter Ansible found: `python3 -m pip.__main__`)
  'py=$(command -v python3 || command -v python || echo /usr/bin/python3)',
  'trap \'rm -f "$o" "$e"\' EXIT',
  'fail() { echo "fail=$(printf %s "$1" | base64 | tr -d \'\\n\')"; exit 0; }',
  // section NAME: the last command's rc, stdout and stderr, each as base64
  'section() { echo "${1}_rc=$(printf %s "$rc" | base64)"; echo "${1}_out=$(base64 < "$o" | tr -d \'\\n\')"; echo "${1}_err=$(base64 < "$e" | tr -d \'\\n\')"; }',
  'list() { LANG=C LC_ALL=C LC_MESSAGES=C $pip list --format=freeze >"$o" 2>"$e"; rc=$?; if [ $rc -ne 0 ]; then $pip freeze >"$o" 2>"$e"; rc=$?; echo "list_cmd=$(printf %s "$pip freeze" | base64 | tr -d \'\\n\')"; else echo "list_cmd=$(printf %s "$pip list --format=freeze" | base64 | tr -d \'\\n\')"; fi; section "$1"; }',
].join('\n');

/** `_fail`: "stdout: …\n:stderr: …". */
function failMsg(out: string, err: string): string {
  let msg = '';
  if (out) msg += `stdout: ${out}`;
  if (err) msg += `\n:stderr: ${err}`;
  return msg;
}

interface Prepared {
  env?: string;
  chdir: string;
  venvCmd: string[];
  packages?: PipPackage[];
  tail: string[];
  hasVcs: boolean;
}

function prepare(a: PipArgs): Prepared | string {
  if ((a.state ?? 'present') === 'latest' && a.version !== undefined) return 'version is incompatible with state=latest';
  let env = a.virtualenv;
  if (env !== undefined && a.chdir !== undefined && !env.startsWith('/')) env = `${a.chdir.replace(/\/+$/, '')}/${env}`;
  let venvCmd: string[];
  let extra: string[] = [];
  try {
    venvCmd = shlexSplit(a.virtualenv_command ?? 'virtualenv');
    let extraArgs = a.extra_args;
    if (a.editable) {
      const list = extraArgs ? extraArgs.split(' ') : [];
      if (!list.includes('-e')) extraArgs = [...list, '-e'].join(' ');
    }
    if (extraArgs) extra = shlexSplit(extraArgs);
  } catch (e) {
    if (e instanceof SplitError) return `cannot split the arguments: ${e.message}`;
    throw e;
  }
  if (env !== undefined && a.virtualenv_python && ['pyvenv', '-m venv'].some((x) => (a.virtualenv_command ?? '').includes(x))) {
    return 'virtualenv_python should not be used when using the venv module or pyvenv as virtualenv_command';
  }
  let packages: PipPackage[] | undefined;
  if (a.name) {
    packages = recoverPackageNames(a.name).map((n) => pipPackage(n));
    if (a.version !== undefined) {
      if (packages.length > 1)
        return "'version' argument is ambiguous when installing multiple package distributions. Please specify version restrictions next to each package in 'name' argument.";
      if (packages[0]!.req?.specs.length)
        return "The 'version' argument conflicts with any version specifier provided along with a package name. Please keep the version specifier, but remove the 'version' argument.";
      packages[0] = pipPackage(packages[0]!.word, a.version);
    }
  }
  const tail = [...extra, ...(packages ? packages.map((p) => p.word) : ['-r', a.requirements!])];
  const hasVcs = (a.name ?? []).some((n) => /^(svn|git|hg|bzr)\+/.test(n));
  return { env, chdir: a.chdir ?? '/tmp', venvCmd, packages, tail, hasVcs };
}

export const pipModule = defineModule<PipArgs>({
  name: 'pip',
  description: 'Install, upgrade or remove Python packages with pip, in the system Python or a virtualenv (made when missing).',
  args: pipArgs,
  probes(a, ctx) {
    if (!ctx.check) return [];
    const p = prepare(a);
    if (typeof p === 'string') return [];
    // check mode: a missing virtualenv means "changed" at once; otherwise pip list
    const script = [
      PRELUDE,
      p.env !== undefined ? `[ -e ${quote(`${p.env}/bin/activate`)} ] || { echo novenv=; exit 0; }` : '',
      locateScript(a, p.env),
      `cd ${quote(p.chdir)} 2>/dev/null || fail ${quote(`Unable to change directory to ${p.chdir}`)}`,
      'list list',
    ].join('\n');
    return [{ key: 'pip', cmd: new Shell(`sh -c ${quote(script)}`), parse: (r: RunResult) => sections(r.stdout) }];
  },
  plan(a, ctx): Plan {
    const p = prepare(a);
    if (typeof p === 'string') return { changed: false, commands: [], failed: p };
    const state = a.state ?? 'present';
    if (ctx.check) {
      const s = (ctx.probed.pip ?? {}) as Record<string, string>;
      if ('novenv' in s) return { changed: true, commands: [] };
      if (s.fail !== undefined) return { changed: false, commands: [], failed: s.fail };
      if (a.extra_args || a.requirements || state === 'latest' || !a.name) return { changed: true, commands: [] };
      if (s.list_rc !== '0') return { changed: false, commands: [], failed: failMsg(s.list_out ?? '', s.list_err ?? ''), result: { cmd: s.list_cmd } };
      const list = (s.list_out ?? '')
        .split('\n')
        .filter((l) => l && !l.startsWith('You are using') && !l.startsWith('You should consider'))
        .join('\n');
      const changed = p.packages!.some((pkg) => {
        const present = isPresent(pkg, list);
        return (state === 'present' && !present) || (state === 'absent' && present);
      });
      return { changed, commands: [], result: { cmd: s.list_cmd, stdout: s.list_out ?? '', stderr: s.list_err ?? '' } };
    }
    const freezeAround = !!a.requirements || p.hasVcs;
    const umask = a.umask === undefined ? undefined : typeof a.umask === 'number' ? a.umask.toString(8) : a.umask;
    if (umask !== undefined && !/^[0-7]+$/.test(umask)) return { changed: false, commands: [], failed: 'umask must be an octal integer' };
    const script = [
      PRELUDE,
      umask !== undefined ? `umask ${umask}` : '',
      `cd ${quote(p.chdir)} 2>/dev/null || fail ${quote(`Unable to change directory to ${p.chdir}`)}`,
      p.env !== undefined ? venvScript(a, p.env, p.venvCmd) : '',
      locateScript(a, p.env),
      p.env !== undefined ? `PATH=${quote(`${p.env}/bin`)}:$PATH; export PATH` : '',
      freezeAround ? 'list before' : '',
      `$pip ${[...STATES[state], ...p.tail].map((w) => quote(w)).join(' ')} >"$o" 2>"$e"; rc=$?; section run`,
      freezeAround ? 'list after' : '',
    ]
      .filter((l) => l !== '')
      .join('\n');
    return {
      changed: true,
      unpredictable: true,
      commands: [{ kind: 'shell', cmd: raw(`sh -c ${quote(script)}`), mayFail: true, describe: `pip ${STATES[state].join(' ')} ${p.tail.join(' ')}` }],
      interpret: (outs) => interpretPip(a, p, state, outs[0]),
    };
  },
});

function interpretPip(a: PipArgs, p: Prepared, state: keyof typeof STATES, r: RunResult | undefined): Outcome {
  if (!r) return { changed: false, failed: 'pip did not run' };
  const s = sections(r.stdout);
  let out = s.venv_out ?? '';
  let err = s.venv_err ?? '';
  if (s.venv_rc !== undefined && s.venv_rc !== '0') {
    return { changed: false, failed: failMsg(out, err), result: { cmd: (s.venv_cmd ?? '').split('\n').filter((w) => w) } };
  }
  if (s.fail !== undefined) return { changed: false, failed: s.fail };
  const pip = (s.pip ?? '').split(' ');
  const cmd = [...pip, ...STATES[state], ...p.tail];
  if (s.run_rc === undefined) return { changed: false, failed: r.stderr.trim() || 'pip did not run', result: { cmd } };
  out += s.run_out ?? '';
  err += s.run_err ?? '';
  const rc = Number(s.run_rc);
  const notInstalled = (s.run_out ?? '').includes('not installed') || (s.run_err ?? '').includes('not installed');
  if (rc !== 0 && !(rc === 1 && state === 'absent' && notInstalled)) return { changed: false, failed: failMsg(out, err), result: { cmd } };
  let changed: boolean;
  if (state === 'absent') changed = (s.run_out ?? '').includes('Successfully uninstalled');
  else if (s.before_out !== undefined) changed = s.before_out !== s.after_out;
  else changed = (s.run_out ?? '').includes('Successfully installed');
  changed = changed || s.venv_rc === '0';
  return {
    changed,
    result: { cmd, name: a.name ?? null, version: a.version ?? null, state, requirements: a.requirements ?? null, virtualenv: p.env ?? null, stdout: out, stderr: err },
  };
}
