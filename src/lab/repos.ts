import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync, chmodSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mustRun } from './docker.js';

/** Where the stand-in package's sources live (shipped with tsplay, test fixture only). */
export const STANDIN_SOURCE_DIR = fileURLToPath(new URL('./recipes/wallarm-node-tarantool/', import.meta.url));

/** The old-node package the lab repositories hold, and what it installs. */
export const WALLARM_STANDIN = {
  package: 'wallarm-node-tarantool',
  version: '4.8.0',
  release: '1',
  /** systemd unit name (without .service). */
  service: 'wallarm-tarantool',
  port: 3313,
  /** Config file the .deb installs (HOST/PORT/SLAB_ALLOC_ARENA). */
  debConfig: '/etc/default/wallarm-tarantool',
  /** Config file the .rpm installs. */
  rpmConfig: '/etc/sysconfig/wallarm-tarantool',
  daemon: '/usr/share/wallarm-tarantool/standin.py',
} as const;

/** How the repositories appear inside every lab image (baked in at build time as file:// repos). */
export const LAB_REPO = {
  dir: '/opt/tsplay-lab-repo',
  aptDir: '/opt/tsplay-lab-repo/apt',
  rpmDir: '/opt/tsplay-lab-repo/rpm',
  aptSourceFile: '/etc/apt/sources.list.d/tsplay-lab.list',
  aptSourceLine: 'deb [trusted=yes] file:/opt/tsplay-lab-repo/apt ./',
  dnfRepoFile: '/etc/yum.repos.d/tsplay-lab.repo',
  dnfRepoId: 'tsplay-lab',
} as const;

export interface BuiltRepos {
  /** Content hash of the package sources (part of every image's recipe hash). */
  hash: string;
  /** Host directory holding `apt/` and `rpm/`. */
  dir: string;
  debFile: string;
  rpmFile: string;
}

/** Hash of everything the repositories are built from. */
export function reposSourceHash(): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(WALLARM_STANDIN));
  h.update(readFileSync(fileURLToPath(import.meta.url)));
  for (const f of readdirSync(STANDIN_SOURCE_DIR).sort()) {
    h.update(f);
    h.update(readFileSync(path.join(STANDIN_SOURCE_DIR, f)));
  }
  return h.digest('hex');
}

/** One `Packages` stanza for a .deb in a flat repository. */
export function debPackagesStanza(control: string, file: { filename: string; content: Buffer }): string {
  const fields = control.trim().replace(/\n+$/, '');
  const sum = (alg: string): string => createHash(alg).update(file.content).digest('hex');
  return `${fields}\nFilename: ./${file.filename}\nSize: ${file.content.length}\n` + `MD5sum: ${sum('md5')}\nSHA1: ${sum('sha1')}\nSHA256: ${sum('sha256')}\n`;
}

/** A flat repository's `Release` (fixed past Date so the output is reproducible and never "not valid yet"). */
export function debRelease(files: Array<{ name: string; content: Buffer }>): string {
  const lines = ['Origin: tsplay-lab', 'Label: tsplay-lab', 'Date: Mon, 01 Jan 2024 00:00:00 UTC'];
  for (const [title, alg] of [
    ['MD5Sum', 'md5'],
    ['SHA256', 'sha256'],
  ] as const) {
    lines.push(`${title}:`);
    for (const f of files) lines.push(` ${createHash(alg).update(f.content).digest('hex')} ${f.content.length} ${f.name}`);
  }
  return lines.join('\n') + '\n';
}

export function debControl(): string {
  const v = `${WALLARM_STANDIN.version}-${WALLARM_STANDIN.release}`;
  return (
    [
      `Package: ${WALLARM_STANDIN.package}`,
      `Version: ${v}`,
      'Architecture: all',
      'Maintainer: tsplay lab <lab@tsplay.invalid>',
      'Depends: python3-minimal | python3',
      'Section: misc',
      'Priority: optional',
      'Description: Wallarm postanalytics (tarantool) - tsplay lab stand-in',
      ' Test fixture built by the tsplay lab so remove-old-node can be tested with a real apt remove.',
    ].join('\n') + '\n'
  );
}

/**
 * Build the apt and dnf repositories holding the stand-in `wallarm-node-tarantool` (cached by
 * source hash under `cacheDir/repos/`). Needs dpkg-deb, rpmbuild and createrepo_c on the host.
 */
export async function buildLabRepos(cacheDir: string, log: (line: string) => void = () => undefined): Promise<BuiltRepos> {
  const hash = reposSourceHash();
  const dir = path.join(cacheDir, 'repos', hash.slice(0, 16));
  const debName = `${WALLARM_STANDIN.package}_${WALLARM_STANDIN.version}-${WALLARM_STANDIN.release}_all.deb`;
  const rpmName = `${WALLARM_STANDIN.package}-${WALLARM_STANDIN.version}-${WALLARM_STANDIN.release}.noarch.rpm`;
  const result: BuiltRepos = { hash, dir, debFile: path.join(dir, 'apt', debName), rpmFile: path.join(dir, 'rpm', rpmName) };
  if (existsSync(path.join(dir, '.complete'))) return result;

  log(`repos: building ${WALLARM_STANDIN.package} ${WALLARM_STANDIN.version} (.deb and .rpm)`);
  const work = `${dir}.work-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  const src = (f: string): string => path.join(STANDIN_SOURCE_DIR, f);

  // .deb
  const pkg = path.join(work, 'deb-root');
  const put = (rel: string, from: string, mode: number): void => {
    const to = path.join(pkg, rel);
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(from, to);
    chmodSync(to, mode);
  };
  mkdirSync(path.join(pkg, 'DEBIAN'), { recursive: true });
  writeFileSync(path.join(pkg, 'DEBIAN', 'control'), debControl());
  writeFileSync(path.join(pkg, 'DEBIAN', 'conffiles'), `${WALLARM_STANDIN.debConfig}\n`);
  for (const s of ['postinst', 'prerm', 'postrm']) put(`DEBIAN/${s}`, src(s), 0o755);
  put(WALLARM_STANDIN.debConfig.slice(1), src('wallarm-tarantool.env'), 0o644);
  put('lib/systemd/system/wallarm-tarantool.service', src('wallarm-tarantool.service'), 0o644);
  put(WALLARM_STANDIN.daemon.slice(1), src('standin.py'), 0o755);
  const aptDir = path.join(work, 'out', 'apt');
  mkdirSync(aptDir, { recursive: true });
  await mustRun('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', pkg, path.join(aptDir, debName)]);
  const deb = readFileSync(path.join(aptDir, debName));
  const packages = Buffer.from(debPackagesStanza(debControl(), { filename: debName, content: deb }));
  writeFileSync(path.join(aptDir, 'Packages'), packages);
  writeFileSync(path.join(aptDir, 'Release'), debRelease([{ name: 'Packages', content: packages }]));

  // .rpm
  const top = path.join(work, 'rpmbuild');
  for (const d of ['SPECS', 'SOURCES', 'BUILD', 'RPMS', 'SRPMS', 'BUILDROOT']) mkdirSync(path.join(top, d), { recursive: true });
  for (const f of ['wallarm-tarantool.env', 'wallarm-tarantool.service', 'standin.py']) copyFileSync(src(f), path.join(top, 'SOURCES', f));
  const spec = readFileSync(src('wallarm-node-tarantool.spec'), 'utf8').replaceAll('@VERSION@', WALLARM_STANDIN.version).replaceAll('@RELEASE@', WALLARM_STANDIN.release);
  writeFileSync(path.join(top, 'SPECS', 'wallarm-node-tarantool.spec'), spec);
  await mustRun('rpmbuild', ['--define', `_topdir ${top}`, '-bb', path.join(top, 'SPECS', 'wallarm-node-tarantool.spec')]);
  const rpmDir = path.join(work, 'out', 'rpm');
  mkdirSync(rpmDir, { recursive: true });
  copyFileSync(path.join(top, 'RPMS', 'noarch', rpmName), path.join(rpmDir, rpmName));
  await mustRun('createrepo_c', ['-q', rpmDir]);

  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.dirname(dir), { recursive: true });
  renameSync(path.join(work, 'out'), dir);
  rmSync(work, { recursive: true, force: true });
  writeFileSync(path.join(dir, '.complete'), hash + '\n');
  log(`repos: ${statSync(result.debFile).size} B .deb, ${statSync(result.rpmFile).size} B .rpm`);
  return result;
}
