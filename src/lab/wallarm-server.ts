/**
 * Serves the stand-in Wallarm all-in-one installers (test/standins/wallarm/) over HTTP from a
 * labelled lab container, in meganode's layout: `<base>/<major.minor>/wallarm-<v>.<arch>-glibc.sh`.
 * TEST/DEMO ONLY: production runs download the real installer from `installer_base_url`.
 */
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import { TsplayError } from '../errors.js';
import { docker, imageExists, mustDocker, mustRun, requireDocker } from './docker.js';
import { imageTag } from './recipes/index.js';
import { PACKAGE_ROOT } from '../paths.js';

/** Directory of the stand-in sources (scripts, NGINX module, python services). */
export const STANDIN_DIR = join(PACKAGE_ROOT, 'test', 'standins', 'wallarm') + '/';

/** Label on the server container (sweeps remove leftovers by it). */
export const INSTALLER_SERVER_LABELS: Record<string, string> = {
  'tsplay.lab': '1',
  'tsplay.role': 'wallarm-installer-server',
};

/** Lab images (recipe names) that carry python3-minimal, tried in order for the server container. */
export const SERVER_IMAGES = ['debian-12', 'debian-12-nginx', 'debian-13', 'debian-11'];

/** Debian suites whose packaged NGINX gets a stand-in module by default (11: 1.18, 12: 1.22, 13: 1.26). */
export const DEFAULT_MODULE_SUITES = ['bullseye', 'bookworm', 'trixie'];

export type InstallerArch = 'x86_64' | 'aarch64';

const VERSION_RE = /^(\d+)\.(\d+)\.(\d+)$/;

/** Throws a USAGE error unless `version` looks like `X.Y.Z`. */
export function checkInstallerVersion(version: string): void {
  if (!VERSION_RE.test(version)) {
    throw new TsplayError('USAGE', `bad Wallarm version "${version}"`, { hint: 'use a full version such as 6.12.1' });
  }
}

/** `6.12.1`, `x86_64` → `6.12/wallarm-6.12.1.x86_64-glibc.sh` (meganode's path). */
export function installerPath(version: string, arch: InstallerArch = 'x86_64'): string {
  checkInstallerVersion(version);
  const [maj, min] = version.split('.');
  return `${maj}.${min}/wallarm-${version}.${arch}-glibc.sh`;
}

/** Full download URL of one installer under a base URL (trailing slashes tolerated). */
export function installerUrl(baseUrl: string, version: string, arch: InstallerArch = 'x86_64'): string {
  return `${baseUrl.replace(/\/+$/, '')}/${installerPath(version, arch)}`;
}

/** Default cache directory for the module build (chroots and built .so files). */
export function standinCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.WALLARM_STANDIN_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tsplay', 'wallarm-standin');
}

export interface InstallerServerOptions {
  /** Docker network the server joins (targets download from its address there). Default: bridge. */
  network?: string;
  /** Where installers are generated (kept). Default: a temporary directory removed by stop(). */
  dir?: string;
  /** Wallarm versions to generate, e.g. ['4.10.5', '6.12.1']. */
  versions: string[];
  /** Suites to build NGINX modules for (cached). Default: bullseye, bookworm, trixie. */
  suites?: string[];
  /** Image for the server container. Default: the first of SERVER_IMAGES that exists. */
  image?: string;
  /** Progress lines (module build, generation). */
  log?: (line: string) => void;
  /** Extra container labels (e.g. `tsplay.test` so the e2e sweep removes a leftover server). */
  labels?: Record<string, string>;
}

export interface InstallerServer {
  /** Base URL for `installer_base_url` as seen from containers on `network`. */
  baseUrl: string;
  /** URL to use from this machine (the container's address is routable from the Docker host). */
  hostUrl: string;
  /** Directory holding `<major.minor>/wallarm-*.sh`. */
  dir: string;
  /** nginx versions a module was built for (e.g. ['1.22.1', '1.26.3']). */
  nginxVersions: string[];
  containerId: string;
  stop(): Promise<void>;
}

/** Build the NGINX modules (cached) into `outDir`; returns the nginx versions built. */
export async function buildStandinModules(outDir: string, suites: string[] = DEFAULT_MODULE_SUITES, log: (l: string) => void = () => undefined): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  await mustRun('bash', [join(STANDIN_DIR, 'build-nginx-module.sh'), outDir, ...suites], { onLine: log });
  const r = await mustRun('ls', [outDir]);
  return r.stdout
    .split('\n')
    .map((f) => /^ngx_http_wallarm_module-(.+)\.so$/.exec(f.trim())?.[1])
    .filter((v): v is string => Boolean(v));
}

/** Generate the installers for `versions` into `dir` with the modules from `modulesDir`. */
export async function generateInstallers(dir: string, versions: string[], modulesDir: string, log: (l: string) => void = () => undefined): Promise<void> {
  for (const v of versions) checkInstallerVersion(v);
  await mustRun('bash', [join(STANDIN_DIR, 'make-installers.sh'), '--modules', modulesDir, dir, ...versions], { onLine: log });
}

async function pickImage(explicit?: string): Promise<string> {
  if (explicit) return explicit;
  const tags = SERVER_IMAGES.map(imageTag);
  for (const img of tags) if (await imageExists(img)) return img;
  throw new TsplayError('LAB', `no lab image to run the installer server (${tags.join(', ')})`, {
    hint: 'build the lab images first: `tsplay lab build`',
  });
}

/** Build (cached) and serve the stand-in installers from a labelled container. */
export async function startInstallerServer(opts: InstallerServerOptions): Promise<InstallerServer> {
  await requireDocker();
  if (opts.versions.length === 0) throw new TsplayError('USAGE', 'startInstallerServer: no versions given');
  const log = opts.log ?? (() => undefined);
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'tsplay-wallarm-installers-')));
  await mkdir(dir, { recursive: true });
  const modulesDir = join(standinCacheDir(), 'modules-out');
  const nginxVersions = await buildStandinModules(modulesDir, opts.suites ?? DEFAULT_MODULE_SUITES, log);
  await generateInstallers(dir, opts.versions, modulesDir, log);
  const image = await pickImage(opts.image);
  const network = opts.network ?? 'bridge';
  const args = ['run', '-d', '--rm'];
  for (const [k, v] of Object.entries({ ...INSTALLER_SERVER_LABELS, ...opts.labels })) args.push('--label', `${k}=${v}`);
  args.push(
    '--network',
    network,
    '-v',
    `${dir}:/srv/wallarm:ro`,
    '-v',
    `${join(STANDIN_DIR, 'fileserver.py')}:/usr/local/bin/wallarm-fileserver.py:ro`,
    '--entrypoint',
    '/usr/bin/python3',
    image,
    '/usr/local/bin/wallarm-fileserver.py',
    '/srv/wallarm',
    '8080',
  );
  const id = (await mustDocker(args)).stdout.trim();
  const stop = async (): Promise<void> => {
    await docker(['rm', '-f', id]);
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };
  try {
    const insp = await mustDocker(['inspect', '--format', '{{json .NetworkSettings.Networks}}', id]);
    const nets = JSON.parse(insp.stdout) as Record<string, { IPAddress?: string }>;
    const ip = nets[network]?.IPAddress;
    if (!ip) throw new TsplayError('LAB', `installer server ${id.slice(0, 12)} has no address on ${network}`);
    const hostUrl = `http://${ip}:8080`;
    const probe = installerUrl(hostUrl, opts.versions[0]!);
    for (let i = 0; ; i++) {
      try {
        const res = await fetch(probe, { method: 'HEAD', signal: AbortSignal.timeout(2000) });
        if (res.ok) break;
      } catch {
        /* not listening yet */
      }
      if (i >= 100) throw new TsplayError('LAB', `installer server did not answer on ${hostUrl}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { baseUrl: hostUrl, hostUrl, dir, nginxVersions, containerId: id, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
