/**
 * Lab image recipes. Adding an image = adding an entry here (see docs/lab.md). The recipe object
 * is hashed into the image's `tsplay.recipe-hash` label: change it and `tsplay lab build` rebuilds.
 */

/** Packages every Debian-based SSH target gets. */
export const TARGET_PACKAGES = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'openssh-server',
  'ca-certificates',
  'curl',
  'iproute2',
  'procps',
  'sudo',
  'python3-minimal',
  'nftables',
  'iptables',
];

interface RecipeBase {
  /** Short name: the image is `tsplay/<name>` and `--image <name>` picks it. */
  name: string;
  description: string;
  /** `tsplay.family` label: what package/service world the image exercises. */
  family: 'debian' | 'ubuntu' | 'rhel' | 'rpm-on-debian';
}

/** A root filesystem made by debootstrap from Debian's archive. */
export interface DebootstrapRecipe extends RecipeBase {
  kind: 'debootstrap';
  suite: string;
  packages: string[];
}

/** Another recipe's root filesystem plus packages installed with apt-get in a chroot. */
export interface DeriveRecipe extends RecipeBase {
  kind: 'derive';
  from: string;
  packages: string[];
}

/**
 * A registry image (`docker load`ed or pullable) made into an SSH target by a Dockerfile in this
 * folder. Built only when the base image is present locally; otherwise skipped, saying why.
 */
export interface DockerfileRecipe extends RecipeBase {
  kind: 'dockerfile';
  baseImage: string;
  dockerfile: string;
}

export type Recipe = DebootstrapRecipe | DeriveRecipe | DockerfileRecipe;

export const RECIPES: Recipe[] = [
  // Full python3 (not only -minimal, which lacks json) on 11, 12 and 13: ansible-core's modules run
  // there — on the twins of the differential harness (test/differential/, debian-12) and in the
  // facts oracle (test/e2e/facts/, every image).
  {
    kind: 'debootstrap',
    name: 'debian-11',
    family: 'debian',
    suite: 'bullseye',
    packages: [...TARGET_PACKAGES, 'python3'],
    description: 'Debian 11 (bullseye), systemd + OpenSSH + python3',
  },
  {
    kind: 'debootstrap',
    name: 'debian-12',
    family: 'debian',
    suite: 'bookworm',
    packages: [...TARGET_PACKAGES, 'python3'],
    description: 'Debian 12 (bookworm), systemd + OpenSSH + python3',
  },
  {
    kind: 'debootstrap',
    name: 'debian-13',
    family: 'debian',
    suite: 'trixie',
    packages: [...TARGET_PACKAGES, 'python3'],
    description: 'Debian 13 (trixie), systemd + OpenSSH + python3',
  },
  { kind: 'derive', name: 'debian-12-nginx', family: 'debian', from: 'debian-12', packages: ['nginx'], description: 'Debian 12 + NGINX (filtering-node tests)' },
  { kind: 'derive', name: 'debian-13-nginx', family: 'debian', from: 'debian-13', packages: ['nginx'], description: 'Debian 13 + NGINX (filtering-node tests)' },
  {
    kind: 'derive',
    name: 'rpmfamily-debian12',
    family: 'rpm-on-debian',
    from: 'debian-12',
    packages: ['dnf', 'rpm', 'firewalld', 'python3'],
    description: "NOT Rocky/RHEL: Debian 12 with Debian's dnf, rpm and firewalld, so the dnf/rpm/firewalld code paths run for real (os-release stays Debian's)",
  },
  // The package-module cases of the differential harness (apt, apt_repository, apt_key,
  // package_facts; dnf, rpm_key; git): ansible-core's apt modules need python3-apt on the target (without
  // it they fetch it from the internet), apt-key needs gpg and gpg-agent; apt-ftparchive and createrepo_c let a
  // case build its own local repository on the target.
  {
    kind: 'derive',
    name: 'debian-12-pkg',
    family: 'debian',
    from: 'debian-12',
    packages: ['python3-apt', 'gpg', 'gpg-agent', 'apt-utils', 'git'],
    description: 'Debian 12 + python3-apt, gpg, gpg-agent, apt-utils, git (package-module and git differential cases)',
  },
  // The same package cases on Debian 11 and 13 (their apt, python3-apt and gpg differ from 12's).
  {
    kind: 'derive',
    name: 'debian-11-pkg',
    family: 'debian',
    from: 'debian-11',
    packages: ['python3-apt', 'gpg', 'gpg-agent', 'apt-utils', 'git'],
    description: 'Debian 11 + python3-apt, gpg, gpg-agent, apt-utils, git (package-module differential cases on bullseye)',
  },
  {
    kind: 'derive',
    name: 'debian-13-pkg',
    family: 'debian',
    from: 'debian-13',
    packages: ['python3-apt', 'gpg', 'gpg-agent', 'apt-utils', 'git'],
    description: 'Debian 13 + python3-apt, gpg, gpg-agent, apt-utils, git (package-module differential cases on trixie)',
  },
  {
    kind: 'derive',
    name: 'rpmfamily-debian12-pkg',
    family: 'rpm-on-debian',
    from: 'rpmfamily-debian12',
    packages: ['createrepo-c', 'git'],
    description: 'rpmfamily-debian12 + createrepo-c, git (dnf/rpm package-module and git differential cases)',
  },
  {
    kind: 'dockerfile',
    name: 'ubuntu-22.04',
    family: 'ubuntu',
    baseImage: 'ubuntu:22.04',
    dockerfile: 'apt-registry.Dockerfile',
    description: 'Ubuntu 22.04 registry image + systemd + OpenSSH',
  },
  {
    kind: 'dockerfile',
    name: 'ubuntu-24.04',
    family: 'ubuntu',
    baseImage: 'ubuntu:24.04',
    dockerfile: 'apt-registry.Dockerfile',
    description: 'Ubuntu 24.04 registry image + systemd + OpenSSH',
  },
  {
    kind: 'dockerfile',
    name: 'rocky-9',
    family: 'rhel',
    baseImage: 'rockylinux:9',
    dockerfile: 'dnf-registry.Dockerfile',
    description: 'Rocky Linux 9 registry image + systemd + OpenSSH',
  },
];

export function findRecipe(name: string): Recipe | undefined {
  const prefix = imagePrefix();
  let short = name.replace(/:latest$/, '');
  if (short.startsWith(prefix)) short = short.slice(prefix.length);
  else short = short.replace(/^tsplay\//, '');
  return RECIPES.find((r) => r.name === short);
}

/**
 * Repository prefix of the lab's image tags: $TSPLAY_IMAGE_PREFIX, default `tsplay/`. CI sets its
 * own per run, so images another run (or an older checkout) tagged are never taken for its own.
 */
export function imagePrefix(): string {
  return process.env['TSPLAY_IMAGE_PREFIX'] || 'tsplay/';
}

/** Docker image reference for a recipe name. */
export function imageTag(name: string): string {
  return `${imagePrefix()}${name}`;
}
