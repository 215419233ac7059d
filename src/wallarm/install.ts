import { z } from 'zod';
import { defineModule, type Plan, type Outcome, type RunResult, type HostFacts } from '../index.js';
import { VERSION_RE, WALLARM_PATHS, CLOUD_API_HOSTS, installerArch, installerFile, installerUrl, checkOs, describeSupported } from './facts.js';
import { script } from './scripts.js';

/**
 * wallarm_preflight (prepare-clean-machine) and wallarm_install (install-postanalytics,
 * install-filtering): the all-in-one installer's rules — supported OS and arch, clean machine,
 * token kinds and labels, idempotence through a non-empty node.yaml of the wanted version.
 */

// ------------------------------------------------------------------ machine state probe

export interface WallarmMachineState {
  optWallarm: boolean;
  registered: boolean;
  version?: string;
  wallarmUser: boolean;
  packages: string[];
  installerSha256?: string;
}

/** One probe for both modules: /opt/wallarm, node.yaml, tsplay's version marker, user, packages (scripts/machine-state.sh). */
function stateProbeCmd(installerPath?: string) {
  const p = WALLARM_PATHS;
  return script('machine-state', { root: p.root, node_yaml: p.nodeYaml, version_marker: p.versionMarker, installer: installerPath ?? '' });
}

export function parseMachineState(stdout: string): WallarmMachineState {
  const st: WallarmMachineState = { optWallarm: false, registered: false, wallarmUser: false, packages: [] };
  for (const line of stdout.split('\n')) {
    const [k, ...rest] = line.trim().split('=');
    const v = rest.join('=');
    if (k === 'opt_wallarm') st.optWallarm = true;
    else if (k === 'registered') st.registered = true;
    else if (k === 'version' && v) st.version = v.trim();
    else if (k === 'user') st.wallarmUser = true;
    else if (k === 'pkg' && v) st.packages.push(v.trim());
    else if (k === 'installer_sha256' && v) st.installerSha256 = v.trim();
  }
  return st;
}

const CLEAN_HINT =
  'the all-in-one installer needs a clean machine (no /opt/wallarm, no wallarm user, no wallarm packages); start over with: systemctl stop wallarm && rm -rf /opt/wallarm';

// ------------------------------------------------------------------ wallarm_preflight

export const wallarmPreflightArgs = z
  .object({
    version: z.string().regex(VERSION_RE, 'a Wallarm version is X.Y.Z'),
    allow_unsupported: z.boolean().default(false),
    force: z.boolean().default(false),
  })
  .strict();
export type WallarmPreflightArgs = z.infer<typeof wallarmPreflightArgs>;

export function planPreflight(a: WallarmPreflightArgs, facts: HostFacts | undefined, st: WallarmMachineState): Plan {
  const notes: string[] = [];
  if (!facts) return { changed: false, commands: [], failed: 'facts are needed to check the OS and arch (gather_facts: true)' };
  const os = checkOs(facts.os, a.version);
  if (!os.ok) {
    if (!a.allow_unsupported) return { changed: false, commands: [], failed: `${os.reason}. Set allow_unsupported: true to try anyway.` };
    notes.push(`unsupported OS accepted (allow_unsupported): ${os.reason}`);
  }
  const arch = installerArch(facts.arch);
  if (!arch) return { changed: false, commands: [], failed: `CPU architecture ${facts.arch} has no Wallarm installer (x86_64 and aarch64 only)` };
  const result: Record<string, unknown> = { arch, os: facts.os.name, supported: describeSupported(a.version) };
  const ours = st.registered && st.version === a.version;
  const dirt: string[] = [];
  if (!ours) {
    if (st.optWallarm) dirt.push(st.registered ? `a registered node in ${WALLARM_PATHS.root}${st.version ? ` (version ${st.version})` : ''}` : `${WALLARM_PATHS.root} exists`);
    if (st.wallarmUser) dirt.push('the system user "wallarm" exists');
    if (st.packages.length) dirt.push(`wallarm packages are installed (${st.packages.join(', ')})`);
  }
  if (dirt.length) {
    if (!a.force) return { changed: false, commands: [], failed: `this machine is not clean: ${dirt.join('; ')}. ${CLEAN_HINT} — or set force: true`, result };
    notes.push(`machine not clean, continuing because force is set: ${dirt.join('; ')}`);
  }
  if (ours) notes.push(`Wallarm ${a.version} is already installed here by tsplay`);
  return { changed: false, commands: [], result: { ...result, clean: dirt.length === 0 }, msg: notes.join('\n') || `clean ${facts.os.name} (${arch})` };
}

export const wallarmPreflightModule = defineModule<WallarmPreflightArgs>({
  name: 'wallarm_preflight',
  returns: {
    arch: 'installer arch of the host (x86_64 or aarch64)',
    os: 'the host OS name from facts',
    supported: 'the supported-OS list for the version',
    clean: 'true when nothing of a Wallarm node was found (false only with force)',
  },
  description: 'Check a machine for the Wallarm all-in-one installer: supported OS for the version, x86_64/aarch64, clean machine (refuse unless force).',
  args: wallarmPreflightArgs,
  probes: () => [{ key: 'state', cmd: stateProbeCmd(), parse: (r) => parseMachineState(r.stdout) }],
  plan: (a, ctx) => planPreflight(a, ctx.facts, (ctx.probed.state as WallarmMachineState) ?? parseMachineState('')),
});

// ------------------------------------------------------------------ wallarm_install

export const wallarmInstallArgs = z
  .object({
    version: z.string().regex(VERSION_RE, 'a Wallarm version is X.Y.Z'),
    component: z.enum(['postanalytics', 'filtering', 'all']),
    token: z.string().min(1, 'the Wallarm token is empty'),
    token_type: z.enum(['api', 'node']).default('api'),
    group: z.string().min(1).optional(),
    cloud: z.enum(['US', 'EU', 'ME']).default('EU'),
    api_host: z.string().min(1).optional(),
    api_port: z.coerce.number().int().min(1).max(65535).optional(),
    base_url: z.string().min(1).default('https://meganode.wallarm.com'),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'sha256 is 64 hex digits')
      .optional(),
    arch: z.enum(['x86_64', 'aarch64']).optional(),
    dest_dir: z.string().min(1).default('/var/tmp/tsplay-wallarm'),
    extra_args: z.array(z.string()).default([]),
    environment: z.record(z.string(), z.string()).default({}),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.token_type === 'api' && !a.group) ctx.addIssue({ code: 'custom', path: ['group'], message: `an API token needs the node group label (WALLARM_LABELS='group=<GROUP>')` });
  });
export type WallarmInstallArgs = z.infer<typeof wallarmInstallArgs>;

/** The installer's words after `--` (the token itself is read from stdin into $WALLARM_TOKEN). */
export function installerArgs(a: WallarmInstallArgs): string[] {
  const words: string[] = ['--batch'];
  if (a.api_host) words.push('-H', a.api_host);
  else if (a.cloud === 'ME') words.push('-H', CLOUD_API_HOSTS.ME);
  else words.push('-c', a.cloud);
  if (a.api_port) words.push('-P', String(a.api_port));
  words.push(...a.extra_args);
  if (a.component !== 'all') words.push(a.component);
  return words;
}

/** scripts/install.sh with this install's values; the token is read from stdin there. */
function installScript(a: WallarmInstallArgs, url: string, dest: string, download: boolean) {
  const p = WALLARM_PATHS;
  return script(
    'install',
    {
      dest_dir: a.dest_dir,
      dest,
      url,
      download: download ? 'yes' : 'no',
      sha256: a.sha256?.toLowerCase() ?? '',
      installer_name: installerFile(a.version, a.arch ?? 'x86_64'),
      version: a.version,
      node_yaml: p.nodeYaml,
      version_marker: p.versionMarker,
    },
    installerArgs(a),
  );
}

/** Turn installer output into a message: token redacted, the known failure lines explained. */
export function explainInstallFailure(out: RunResult, token: string): string {
  const text = redact(`${out.stdout}\n${out.stderr}`, token).trim();
  const tail = text.split('\n').slice(-15).join('\n');
  const hints: string[] = [];
  if (/label "group" is required/.test(text)) hints.push(`the token is an API token: set token_type: api and group: <GROUP> (WALLARM_LABELS='group=<GROUP>')`);
  if (/sha256 mismatch/.test(text)) hints.push('the downloaded installer does not match sha256: check the mirror and the checksum');
  if (/cannot download/.test(text)) hints.push('check installer_base_url and that the host can reach it (proxy: environment https_proxy)');
  if (/user.*wallarm.*exists|not clean|already installed/i.test(text)) hints.push(CLEAN_HINT);
  return `the Wallarm installer failed (rc ${out.rc})${hints.length ? ': ' + hints.join('; ') : ''}\n${tail}`;
}

export function redact(text: string, secret: string): string {
  return secret ? text.split(secret).join('********') : text;
}

export function planInstall(a: WallarmInstallArgs, facts: HostFacts | undefined, st: WallarmMachineState): Plan {
  const arch = a.arch ?? (facts ? installerArch(facts.arch) : undefined);
  if (!arch) return { changed: false, commands: [], failed: `no Wallarm installer for CPU architecture ${facts?.arch ?? '(unknown: gather facts or set arch)'}` };
  const setFacts = { wallarm_installed_version: a.version };
  if (st.registered) {
    if (st.version === a.version)
      return { changed: false, commands: [], setFacts, result: { version: a.version, registered: true }, msg: `Wallarm ${a.version} is already installed and registered` };
    const what = st.version ? `Wallarm ${st.version}` : 'a registered Wallarm node of unknown version (no tsplay marker)';
    return {
      changed: false,
      commands: [],
      failed: `${what} is already on this machine and the installer cannot upgrade in place: install ${a.version} on a clean machine (prepare-clean-machine). ${CLEAN_HINT}`,
    };
  }
  const url = installerUrl(a.base_url, a.version, arch);
  const dest = `${a.dest_dir.replace(/\/+$/, '')}/${installerFile(a.version, arch)}`;
  const download = !(a.sha256 && st.installerSha256 === a.sha256.toLowerCase());
  const env: Record<string, string> = { ...a.environment };
  if (a.token_type === 'api') env.WALLARM_LABELS = `group=${a.group}`;
  return {
    changed: true,
    setFacts,
    commands: [
      {
        kind: 'shell',
        cmd: installScript({ ...a, arch }, url, dest, download),
        stdin: a.token + '\n',
        env,
        mayFail: true,
        describe: `${download ? `download ${url}, ` : ''}run ${installerFile(a.version, arch)} -- ${['-t', '********', ...installerArgs(a)].join(' ')}`,
        timeoutMs: 30 * 60_000,
      },
    ],
    result: { version: a.version, url, component: a.component },
    interpret: (outs): Outcome => {
      const o = outs[outs.length - 1];
      if (!o || o.rc === 0) return { changed: true, result: { version: a.version, url, component: a.component } };
      return { changed: false, failed: explainInstallFailure(o, a.token) };
    },
  };
}

export const wallarmInstallModule = defineModule<WallarmInstallArgs>({
  name: 'wallarm_install',
  returns: {
    version: 'the version installed (or already there)',
    url: 'the installer URL',
    component: 'postanalytics, filtering or all',
    registered: 'true when a node of this version was already registered (nothing ran)',
  },
  description:
    'Download the Wallarm all-in-one installer (<base>/<major.minor>/wallarm-<version>.<arch>-glibc.sh), check sha256, run it in batch mode for postanalytics/filtering with the token from stdin; a registered node of the same version is left alone.',
  args: wallarmInstallArgs,
  probes(a, ctx) {
    const arch = a.arch ?? (ctx.facts ? installerArch(ctx.facts.arch) : undefined);
    const dest = arch ? `${a.dest_dir.replace(/\/+$/, '')}/${installerFile(a.version, arch)}` : undefined;
    return [{ key: 'state', cmd: stateProbeCmd(dest), parse: (r) => parseMachineState(r.stdout) }];
  },
  plan: (a, ctx) => planInstall(a, ctx.facts, (ctx.probed.state as WallarmMachineState) ?? parseMachineState('')),
});
