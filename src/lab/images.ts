import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { TsplayError } from '../errors.js';
import { LABELS, docker, imageExists, imageLabel, mustRun, requireDocker, runProgram } from './docker.js';
import { debianMirror } from './mirror.js';
import { buildLabRepos, reposSourceHash, type BuiltRepos } from './repos.js';
import { RECIPES, findRecipe, imageTag, type Recipe, type DockerfileRecipe } from './recipes/index.js';
import { pidAlive } from './process.js';

const RECIPE_DIR = fileURLToPath(new URL('./recipes/', import.meta.url));
const CONFIGURE_SCRIPT = path.join(RECIPE_DIR, 'configure-target.sh');
/** Bump when the way root filesystems are made changes (invalidates the rootfs cache). */
const ROOTFS_FORMAT = 1;
/** Bump when the image stage changes without a recipe or script change. */
const IMAGE_FORMAT = 1;

export interface BuildOptions {
  /** Recipe names (`debian-12`, …); default: every recipe. */
  images?: string[];
  /** Rebuild even when the image's recipe hash matches (and re-make the root filesystem). */
  force?: boolean;
  log: (line: string) => void;
  /** Default: $TSPLAY_CACHE_DIR, /var/cache/tsplay as root, else ~/.cache/tsplay. */
  cacheDir?: string;
  /** Builds running at once (default 2: debootstrap is CPU-bound). */
  parallel?: number;
}

export interface ImageBuildResult {
  name: string;
  tag: string;
  status: 'built' | 'cached' | 'skipped' | 'failed';
  /** Recipe hash (the image's `tsplay.recipe-hash` label). */
  hash: string;
  durationMs: number;
  /** Why it was skipped or failed. */
  reason?: string;
  /** Whether the root filesystem came from the tarball cache (debootstrap/derive recipes). */
  rootfsCached?: boolean;
}

export interface BuildSummary {
  images: ImageBuildResult[];
  durationMs: number;
  cacheDir: string;
}

/** Where the lab caches root filesystems, .debs and repositories. */
export function labCacheDir(): string {
  if (process.env['TSPLAY_CACHE_DIR']) return process.env['TSPLAY_CACHE_DIR'];
  if (process.getuid?.() === 0) return '/var/cache/tsplay';
  return path.join(os.homedir(), '.cache', 'tsplay');
}

function sha256(x: unknown): string {
  return createHash('sha256')
    .update(typeof x === 'string' ? x : JSON.stringify(x))
    .digest('hex');
}

/** Hash of what a recipe's root filesystem is made from (parents included). */
export function rootfsKey(recipe: Recipe): string {
  if (recipe.kind === 'dockerfile') return sha256({ ROOTFS_FORMAT, kind: recipe.kind, base: recipe.baseImage });
  if (recipe.kind === 'debootstrap') return sha256({ ROOTFS_FORMAT, kind: recipe.kind, suite: recipe.suite, packages: recipe.packages });
  const parent = findRecipe(recipe.from);
  if (!parent) throw new TsplayError('INTERNAL', `recipe ${recipe.name} derives from unknown ${recipe.from}`);
  return sha256({ ROOTFS_FORMAT, kind: recipe.kind, packages: recipe.packages, parent: rootfsKey(parent) });
}

/** Hash stored in the image label: root filesystem + target configuration + repositories + metadata. */
export function recipeHash(recipe: Recipe, reposHash: string, configureScript = readFileSync(CONFIGURE_SCRIPT, 'utf8')): string {
  const dockerfile = recipe.kind === 'dockerfile' ? readFileSync(path.join(RECIPE_DIR, recipe.dockerfile), 'utf8') : undefined;
  return sha256({ IMAGE_FORMAT, recipe, rootfs: rootfsKey(recipe), configureScript, reposHash, dockerfile });
}

/** Recipes to build for a selection of names (unknown names are a USAGE error listing the known ones). */
export function selectRecipes(names?: string[]): Recipe[] {
  if (!names || names.length === 0) return RECIPES;
  return names.map((n) => {
    const r = findRecipe(n);
    if (!r) {
      throw new TsplayError('USAGE', `unknown lab image "${n}"`, { hint: `known images: ${RECIPES.map((x) => x.name).join(', ')}` });
    }
    return r;
  });
}

function fmtMs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Build the lab's target images (offline: debootstrap from this machine's Debian mirror, docker
 * import). Cached twice: an image whose `tsplay.recipe-hash` label matches is kept; a root
 * filesystem tarball is kept under the cache dir. Registry-based recipes are built only when their
 * base image is present locally; otherwise skipped with the reason. Never throws for one image's
 * failure: that image's result says `failed`.
 */
export async function buildImages(opts: BuildOptions): Promise<BuildSummary> {
  const started = Date.now();
  const log = opts.log;
  await requireDocker();
  const recipes = selectRecipes(opts.images);
  const cacheDir = opts.cacheDir ?? labCacheDir();
  mkdirSync(cacheDir, { recursive: true });
  // Several test runs (or a CLI and a test run) may build at once: one builder at a time, the
  // others wait and then find the images cached.
  const release = await acquireBuildLock(cacheDir, log);
  try {
    return await buildLocked(opts, recipes, cacheDir, started);
  } finally {
    release();
  }
}

async function buildLocked(opts: BuildOptions, recipes: Recipe[], cacheDir: string, started: number): Promise<BuildSummary> {
  const log = opts.log;
  await cleanStaleWork(cacheDir);
  const limit = pLimit(opts.parallel ?? 2);
  const configureScript = readFileSync(CONFIGURE_SCRIPT, 'utf8');

  const reposHash = reposSourceHash();
  // One repository build shared by every image (memoized as a promise: images ask concurrently).
  let reposJob: Promise<BuiltRepos> | undefined;
  const needRepos = (): Promise<BuiltRepos> => (reposJob ??= buildLabRepos(cacheDir, log));

  const rootfsJobs = new Map<string, Promise<{ tar: string; cached: boolean }>>();
  const ensureRootfs = (recipe: Recipe): Promise<{ tar: string; cached: boolean }> => {
    let job = rootfsJobs.get(recipe.name);
    if (!job) {
      job = (async () => {
        const key = rootfsKey(recipe);
        const dir = path.join(cacheDir, 'rootfs');
        const tar = path.join(dir, `${recipe.name}-${key.slice(0, 16)}.tar`);
        if (existsSync(tar) && !opts.force) return { tar, cached: true };
        if (recipe.kind === 'derive') {
          const parent = findRecipe(recipe.from)!;
          const p = await ensureRootfs(parent);
          await limit(() => makeDerivedRootfs(recipe, p.tar, tar, cacheDir, log));
        } else if (recipe.kind === 'debootstrap') {
          await limit(() => makeDebootstrapRootfs(recipe, tar, cacheDir, log));
        }
        pruneOld(dir, recipe.name, tar);
        return { tar, cached: false };
      })();
      rootfsJobs.set(recipe.name, job);
    }
    return job;
  };

  const one = async (recipe: Recipe): Promise<ImageBuildResult> => {
    const t0 = Date.now();
    const tag = imageTag(recipe.name);
    const hash = recipeHash(recipe, reposHash, configureScript);
    const res = (status: ImageBuildResult['status'], extra: Partial<ImageBuildResult> = {}): ImageBuildResult => ({
      name: recipe.name,
      tag,
      status,
      hash,
      durationMs: Date.now() - t0,
      ...extra,
    });
    try {
      if (!opts.force && (await imageLabel(tag, LABELS.recipeHash)) === hash) {
        log(`[${recipe.name}] cached (recipe unchanged)`);
        return res('cached');
      }
      if (recipe.kind === 'dockerfile') {
        if (!(await imageExists(recipe.baseImage))) {
          const reason = `${recipe.baseImage} is not present locally and no registry is reachable here (docker load it to enable ${recipe.name})`;
          log(`[${recipe.name}] skipped: ${reason}`);
          return res('skipped', { reason });
        }
        const r = await needRepos();
        await limit(() => buildFromDockerfile(recipe, hash, r, cacheDir, configureScript, log));
        log(`[${recipe.name}] built in ${fmtMs(Date.now() - t0)}`);
        return res('built');
      }
      requireRoot(recipe.name);
      const [rootfs, r] = await Promise.all([ensureRootfs(recipe), needRepos()]);
      await limit(() => importImage(recipe, hash, rootfs.tar, r, cacheDir, log));
      log(`[${recipe.name}] built in ${fmtMs(Date.now() - t0)}${rootfs.cached ? ' (root filesystem from cache)' : ''}`);
      return res('built', { rootfsCached: rootfs.cached });
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      log(`[${recipe.name}] FAILED: ${reason}`);
      return res('failed', { reason });
    }
  };

  const images = await Promise.all(recipes.map(one));
  // A rebuilt tag leaves the previous image dangling.
  if (images.some((i) => i.status === 'built')) await docker(['image', 'prune', '-f', '--filter', `label=${LABELS.image}=1`]);
  return { images, durationMs: Date.now() - started, cacheDir };
}

/**
 * Remove work dirs an interrupted build left (we hold the lock, so none is in use), unmounting the
 * chroot's /proc first so the removal never walks into it.
 */
async function cleanStaleWork(cacheDir: string): Promise<void> {
  const work = path.join(cacheDir, 'work');
  if (!existsSync(work)) return;
  let mounts: string[] = [];
  try {
    mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '');
  } catch {
    /* no procfs */
  }
  for (const m of mounts
    .filter((x) => x.startsWith(work + '/'))
    .sort()
    .reverse())
    await runProgram('umount', ['-l', m]);
  if (mounts.some((x) => x.startsWith(work + '/') && existsSync(path.join(x, 'self')))) {
    throw new TsplayError('LAB', `a chroot /proc under ${work} is still mounted; unmount it and retry`);
  }
  rmSync(work, { recursive: true, force: true });
}

/** A lock directory holding the owner's pid; a lock whose owner died is taken over. */
async function acquireBuildLock(cacheDir: string, log: (l: string) => void, timeoutMs = 45 * 60_000): Promise<() => void> {
  const dir = path.join(cacheDir, 'build.lock');
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'pid'), String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(path.join(dir, 'pid'), 'utf8'));
    } catch {
      /* being created right now */
    }
    if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new TsplayError('LAB', `another lab build (pid ${owner}) holds ${dir}`, { hint: 'wait for it, or remove the directory if no build is running' });
    if (!said) {
      log(`waiting for another lab build (pid ${Number.isNaN(owner) ? '?' : owner}) to finish`);
      said = true;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function requireRoot(name: string): void {
  if (process.getuid?.() !== 0) {
    throw new TsplayError('LAB', `building ${name} needs root (debootstrap, chroot and mount)`, {
      hint: 'run `sudo npx tsplay lab build` once; later runs reuse the images',
    });
  }
}

/** Delete cached tarballs of a recipe other than the current one. */
function pruneOld(dir: string, name: string, keep: string): void {
  if (!existsSync(dir)) return;
  const re = new RegExp(`^${name.replace(/[.]/g, '\\.')}-[0-9a-f]{16}\\.tar$`);
  for (const f of readdirSync(dir)) {
    const full = path.join(dir, f);
    if (re.test(f) && full !== keep) rmSync(full, { force: true });
  }
}

function workDir(cacheDir: string, name: string): string {
  const dir = path.join(cacheDir, 'work', `${name}-${process.pid}-${Date.now().toString(36)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function tarDir(dir: string, tarFile: string): Promise<void> {
  const tmp = `${tarFile}.partial`;
  await mustRun('tar', ['--numeric-owner', '--xattrs', '-C', dir, '-cf', tmp, '.']);
  renameSync(tmp, tarFile);
}

async function makeDebootstrapRootfs(recipe: Extract<Recipe, { kind: 'debootstrap' }>, tarFile: string, cacheDir: string, log: (l: string) => void): Promise<void> {
  const mirror = debianMirror();
  const t0 = Date.now();
  log(`[${recipe.name}] debootstrap ${recipe.suite} from ${mirror}`);
  const debs = path.join(cacheDir, 'debs', recipe.suite);
  mkdirSync(debs, { recursive: true });
  const dir = workDir(cacheDir, recipe.name);
  try {
    const rootfs = path.join(dir, 'rootfs');
    await mustRun('debootstrap', ['--variant=minbase', `--cache-dir=${debs}`, `--include=${recipe.packages.join(',')}`, recipe.suite, rootfs, mirror]);
    await mustRun('chroot', [rootfs, 'apt-get', 'clean']);
    mkdirSync(path.dirname(tarFile), { recursive: true });
    await tarDir(rootfs, tarFile);
    log(`[${recipe.name}] root filesystem made in ${fmtMs(Date.now() - t0)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run `fn` with the chroot prepared for package installs (proc mounted, services not started). */
async function withChroot<T>(rootfs: string, fn: () => Promise<T>): Promise<T> {
  const policy = path.join(rootfs, 'usr/sbin/policy-rc.d');
  writeFileSync(policy, '#!/bin/sh\nexit 101\n');
  chmodSync(policy, 0o755);
  try {
    cpSync('/etc/resolv.conf', path.join(rootfs, 'etc/resolv.conf'), { dereference: true });
  } catch {
    /* no resolver file on the host: apt uses whatever the rootfs has */
  }
  await mustRun('mount', ['-t', 'proc', 'proc', path.join(rootfs, 'proc')]);
  try {
    return await fn();
  } finally {
    await runProgram('umount', ['-l', path.join(rootfs, 'proc')]);
    rmSync(policy, { force: true });
  }
}

async function extract(tarFile: string, into: string): Promise<void> {
  mkdirSync(into, { recursive: true });
  await mustRun('tar', ['--numeric-owner', '--xattrs', '-C', into, '-xf', tarFile]);
}

async function makeDerivedRootfs(recipe: Extract<Recipe, { kind: 'derive' }>, parentTar: string, tarFile: string, cacheDir: string, log: (l: string) => void): Promise<void> {
  const t0 = Date.now();
  log(`[${recipe.name}] ${recipe.from} + apt-get install ${recipe.packages.join(' ')}`);
  const dir = workDir(cacheDir, recipe.name);
  try {
    const rootfs = path.join(dir, 'rootfs');
    await extract(parentTar, rootfs);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' };
    await withChroot(rootfs, async () => {
      await mustRun('chroot', [rootfs, 'apt-get', 'update', '-qq'], { env });
      await mustRun('chroot', [rootfs, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...recipe.packages], { env });
      await mustRun('chroot', [rootfs, 'apt-get', 'clean'], { env });
    });
    rmSync(path.join(rootfs, 'var/lib/apt/lists'), { recursive: true, force: true });
    mkdirSync(path.join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });
    await tarDir(rootfs, tarFile);
    log(`[${recipe.name}] root filesystem made in ${fmtMs(Date.now() - t0)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function imageLabels(recipe: Recipe, hash: string): Record<string, string> {
  return {
    [LABELS.image]: '1',
    [LABELS.imageName]: recipe.name,
    [LABELS.recipeHash]: hash,
    [LABELS.family]: recipe.family,
    'org.opencontainers.image.description': recipe.description,
  };
}

/** Configure a copy of the root filesystem as an SSH target, bake the repos in, `docker import` it. */
async function importImage(recipe: Recipe, hash: string, rootfsTar: string, repos: BuiltRepos, cacheDir: string, _log: (l: string) => void): Promise<void> {
  const dir = workDir(cacheDir, recipe.name);
  try {
    const rootfs = path.join(dir, 'rootfs');
    await extract(rootfsTar, rootfs);
    const repoDir = path.join(rootfs, 'opt/tsplay-lab-repo');
    rmSync(repoDir, { recursive: true, force: true });
    cpSync(repos.dir, repoDir, { recursive: true, filter: (s) => !s.endsWith('.complete') });
    cpSync(CONFIGURE_SCRIPT, path.join(rootfs, 'tmp/configure-target.sh'));
    writeFileSync(
      path.join(rootfs, 'etc/tsplay-lab-image'),
      `# Written by tsplay lab build. This is a test target, not a distribution image.\nNAME=${recipe.name}\nFAMILY=${recipe.family}\nRECIPE_HASH=${hash}\nDESCRIPTION=${JSON.stringify(recipe.description)}\n`,
    );
    await withChroot(rootfs, () => mustRun('chroot', [rootfs, '/bin/sh', '/tmp/configure-target.sh'], { env: { ...process.env, LC_ALL: 'C' } }));
    rmSync(path.join(rootfs, 'tmp/configure-target.sh'), { force: true });
    await pipeTarToImport(rootfs, [
      'import',
      '-c',
      'CMD ["/sbin/init"]',
      '-c',
      `LABEL ${Object.entries(imageLabels(recipe, hash))
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(' ')}`,
      '-',
      imageTag(recipe.name),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `tar -C dir -c . | docker <args>` without a shell. */
function pipeTarToImport(dir: string, dockerArgs: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['--numeric-owner', '--xattrs', '-C', dir, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const dk = spawn('docker', dockerArgs, { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    tar.stderr.on('data', (b: Buffer) => (err += b.toString()));
    dk.stderr.on('data', (b: Buffer) => (err += b.toString()));
    tar.stdout.pipe(dk.stdin);
    let tarRc: number | null = null;
    tar.on('close', (c) => (tarRc = c));
    tar.on('error', reject);
    dk.on('error', reject);
    dk.on('close', (c) => {
      if (c === 0 && (tarRc === 0 || tarRc === null)) resolve();
      else reject(new TsplayError('LAB', `docker import failed (tar exit ${tarRc}, docker exit ${c}): ${err.trim().slice(-800)}`));
    });
  });
}

async function buildFromDockerfile(recipe: DockerfileRecipe, hash: string, repos: BuiltRepos, cacheDir: string, configureScript: string, log: (l: string) => void): Promise<void> {
  const dir = workDir(cacheDir, recipe.name);
  try {
    cpSync(path.join(RECIPE_DIR, recipe.dockerfile), path.join(dir, 'Dockerfile'));
    writeFileSync(path.join(dir, 'configure-target.sh'), configureScript);
    cpSync(repos.dir, path.join(dir, 'repo'), { recursive: true, filter: (s) => !s.endsWith('.complete') });
    const args = ['build', '--pull=false', '--build-arg', `BASE=${recipe.baseImage}`, '-t', imageTag(recipe.name)];
    for (const [k, v] of Object.entries(imageLabels(recipe, hash))) args.push('--label', `${k}=${v}`);
    log(`[${recipe.name}] docker build FROM ${recipe.baseImage}`);
    const r = await docker([...args, dir]);
    if (r.rc !== 0) throw new TsplayError('LAB', `docker build of ${recipe.name} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-10).join('\n')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One line per image plus the total, for the CLI and CI logs. */
export function formatBuildSummary(s: BuildSummary): string {
  const lines = s.images.map((i) => `  ${i.name.padEnd(20)} ${i.status.padEnd(8)} ${fmtMs(i.durationMs).padStart(8)}${i.reason ? `  ${i.reason}` : ''}`);
  const count = (st: ImageBuildResult['status']): number => s.images.filter((i) => i.status === st).length;
  lines.push(`  total ${fmtMs(s.durationMs)}: ${count('built')} built, ${count('cached')} cached, ${count('skipped')} skipped, ${count('failed')} failed`);
  return lines.join('\n');
}
