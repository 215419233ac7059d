import type { HostFacts } from '../index.js';

/**
 * Wallarm knowledge shared by the modules and the roles: versions, generations, supported systems,
 * installer names, file locations. Sources: ../shared/WALLARM.md and the seeds (see docs/wallarm.md).
 */

export const VERSION_RE = /^(\d+)\.(\d+)\.(\d+)$/;

export interface WallarmVersion {
  major: number;
  minor: number;
  patch: number;
  text: string;
}

export function parseVersion(v: string): WallarmVersion | undefined {
  const m = VERSION_RE.exec(String(v).trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), text: `${m[1]}.${m[2]}.${m[3]}` };
}

/** -1 / 0 / 1 like a comparator; unparsable versions compare as equal (callers validate first). */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) return 0;
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}

/** 4.x/5.x keep the postanalytics data in Tarantool; 6.x and later in wstore. */
export type Generation = 'tarantool' | 'wstore';

export function generationOf(version: string): Generation {
  const v = parseVersion(version);
  return v && v.major >= 6 ? 'wstore' : 'tarantool';
}

/** TLS/mTLS between NGINX and postanalytics exists from 6.2.0. */
export function supportsTls(version: string): boolean {
  const v = parseVersion(version);
  return !!v && (v.major > 6 || (v.major === 6 && v.minor >= 2));
}

export const WALLARM_PATHS = {
  root: '/opt/wallarm',
  envList: '/opt/wallarm/env.list',
  nodeYaml: '/opt/wallarm/etc/wallarm/node.yaml',
  wstoreYaml: '/opt/wallarm/wstore/wstore.yaml',
  logDir: '/opt/wallarm/var/log/wallarm',
  tarantoolData: '/opt/wallarm/var/lib/wallarm-tarantool',
  /** Written by tsplay after a successful install: the version the installer put there. */
  versionMarker: '/opt/wallarm/.tsplay-version',
} as const;

export function postanalyticsLog(gen: Generation): string {
  return `${WALLARM_PATHS.logDir}/${gen === 'wstore' ? 'wstore-out.log' : 'tarantool-out.log'}`;
}

export function upstreamNames(gen: Generation): { upstream: string; directive: 'wallarm_wstore_upstream' | 'wallarm_tarantool_upstream' } {
  return gen === 'wstore' ? { upstream: 'wallarm_wstore', directive: 'wallarm_wstore_upstream' } : { upstream: 'wallarm_tarantool', directive: 'wallarm_tarantool_upstream' };
}

/** The installer's arch words; anything else is refused. */
export function installerArch(unameM: string): 'x86_64' | 'aarch64' | undefined {
  if (unameM === 'x86_64' || unameM === 'amd64') return 'x86_64';
  if (unameM === 'aarch64' || unameM === 'arm64') return 'aarch64';
  return undefined;
}

/** `<base>/<major.minor>/wallarm-<version>.<arch>-glibc.sh` */
export function installerUrl(base: string, version: string, arch: string): string {
  const v = parseVersion(version);
  const mm = v ? `${v.major}.${v.minor}` : version;
  return `${base.replace(/\/+$/, '')}/${mm}/${installerFile(version, arch)}`;
}

export function installerFile(version: string, arch: string): string {
  return `wallarm-${version}.${arch}-glibc.sh`;
}

export const CLOUD_API_HOSTS = { US: 'us1.api.wallarm.com', EU: 'api.wallarm.com', ME: 'me1.api.wallarm.com' } as const;
export type Cloud = keyof typeof CLOUD_API_HOSTS;

// ------------------------------------------------------------------ supported systems

interface OsRule {
  ids: string[];
  label: string;
  versions: string[];
  /** Compare VERSION_ID's major only (RHEL family "9.4" → "9"). */
  byMajor: boolean;
}

/** The installer's current list (WALLARM.md, "Supported OS"), used for 5.x and later. */
const LATEST: OsRule[] = [
  { ids: ['debian'], label: 'Debian', versions: ['10', '11', '12', '13'], byMajor: true },
  { ids: ['ubuntu'], label: 'Ubuntu', versions: ['18.04', '20.04', '22.04', '24.04', '24.10', '25.04', '25.10'], byMajor: false },
  { ids: ['centos'], label: 'CentOS (7, Stream)', versions: ['7', '8', '9', '10'], byMajor: true },
  { ids: ['almalinux'], label: 'AlmaLinux', versions: ['9', '10'], byMajor: true },
  { ids: ['rocky'], label: 'Rocky Linux', versions: ['9'], byMajor: true },
  { ids: ['rhel'], label: 'RHEL', versions: ['8', '9', '10'], byMajor: true },
  { ids: ['ol'], label: 'Oracle Linux', versions: ['8', '9', '10'], byMajor: true },
];

/** The upgrade seed's older list (4.x): no Debian 13, no Ubuntu 24.04, RHEL 8/9, Oracle 8. */
const SEED_4X: OsRule[] = [
  { ids: ['debian'], label: 'Debian', versions: ['10', '11', '12'], byMajor: true },
  { ids: ['ubuntu'], label: 'Ubuntu', versions: ['18.04', '20.04', '22.04'], byMajor: false },
  { ids: ['centos'], label: 'CentOS (7, Stream)', versions: ['7', '8', '9'], byMajor: true },
  { ids: ['almalinux'], label: 'AlmaLinux', versions: ['9'], byMajor: true },
  { ids: ['rocky'], label: 'Rocky Linux', versions: ['9'], byMajor: true },
  { ids: ['rhel'], label: 'RHEL', versions: ['8', '9'], byMajor: true },
  { ids: ['ol'], label: 'Oracle Linux', versions: ['8'], byMajor: true },
];

export function supportedOsRules(version: string): OsRule[] {
  const v = parseVersion(version);
  return v && v.major < 5 ? SEED_4X : LATEST;
}

/** "Debian 10, 11, 12; Ubuntu 18.04, ..." for messages. */
export function describeSupported(version: string): string {
  return supportedOsRules(version)
    .map((r) => `${r.label} ${r.versions.join(', ')}`)
    .join('; ');
}

export interface OsCheck {
  ok: boolean;
  reason?: string;
}

export function checkOs(os: HostFacts['os'], version: string): OsCheck {
  const rules = supportedOsRules(version);
  const rule = rules.find((r) => r.ids.includes(os.id));
  const name = os.name || `${os.id} ${os.version}`;
  const list = describeSupported(version);
  if (!rule) return { ok: false, reason: `${name} is not on the supported list for Wallarm ${version} (${list})` };
  const have = rule.byMajor ? os.major || os.version.split('.')[0]! : os.version;
  if (!rule.versions.includes(have)) return { ok: false, reason: `${name} (version ${os.version}) is not on the supported list for Wallarm ${version} (${list})` };
  return { ok: true };
}
