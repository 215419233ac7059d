import { isIP } from 'node:net';
import { z } from 'zod';
import { ansibleBoolean, secret, type RoleExpandContext } from '../index.js';
import { VERSION_RE } from './facts.js';

/** Zod pieces and inventory helpers shared by the Wallarm roles (roles/*). */

export const versionParam = z
  .string()
  .regex(VERSION_RE, 'a Wallarm version is X.Y.Z, e.g. 6.12.1')
  .describe('Wallarm node version, X.Y.Z (e.g. 4.10.5, 6.12.1); 6.x and later use wstore, 4.x/5.x Tarantool');

export const portParam = (d: number, what: string) => z.coerce.number().int().min(1).max(65535).default(d).describe(what);

/** Accept a YAML list or a comma/space separated string (what a template renders to). */
export const stringList = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(/[,\s]+/)
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z.array(item),
  );

/**
 * Optional param that a playbook may pass as `{{ x | default('') }}`: '' and null mean "not set"
 * (pass `orFalse` to treat false the same, for objects like tls).
 */
export const blank = <T extends z.ZodType>(schema: T, orFalse = false) =>
  z.preprocess((v) => (v === '' || v === null || (orFalse && (v === false || v === 'false')) ? undefined : v), schema);

export const boolParam = z.preprocess((v) => (v === '' ? false : typeof v === 'string' ? (ansibleBoolean(v) ?? v) : v), z.boolean());

/** The installer options both install roles take. */
export const installerParams = {
  version: versionParam,
  token: secret(
    z
      .string()
      .min(1, 'the Wallarm token is empty (export WALLARM_API_TOKEN, or set wallarm_token)')
      .describe('Wallarm API token or node token; a secret: pass it from the environment ({{ env.WALLARM_API_TOKEN }}), never as a literal'),
  ),
  token_type: z.enum(['api', 'node']).default('api').describe('api: an API token of usage "Node deployment/Deployment" (needs group); node: a node token (no labels)'),
  group: blank(z.string().min(1).optional()).describe("node group label, sent as WALLARM_LABELS='group=<GROUP>' (required with an API token)"),
  cloud: z.enum(['US', 'EU', 'ME']).default('EU').describe('Wallarm Cloud: US (us1.api.wallarm.com), EU (api.wallarm.com) or ME (me1.api.wallarm.com)'),
  api_host: blank(z.string().min(1).optional()).describe('explicit Wallarm API host (installer -H); overrides cloud'),
  api_port: blank(z.coerce.number().int().min(1).max(65535).optional()).describe('Wallarm API port (installer -P)'),
  installer_base_url: z
    .string()
    .min(1)
    .default('https://meganode.wallarm.com')
    .describe('where installers live: <base>/<major.minor>/wallarm-<version>.<arch>-glibc.sh (a mirror or file server for air-gapped sites; file:// works)'),
  installer_sha256: blank(
    z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'installer_sha256 is 64 hex digits')
      .optional(),
  ).describe('expected sha256 of the installer; the run stops on a mismatch'),
  installer_dir: z.string().min(1).default('/var/tmp/tsplay-wallarm').describe('download directory on the host'),
  installer_extra_args: stringList(z.string()).default([]).describe('more installer options after -- (e.g. --no-verify, --skip-ngx-config)'),
  environment: z.record(z.string(), z.string()).default({}).describe('extra environment for the installer (https_proxy, http_proxy, no_proxy)'),
};

/** API token ⇒ group label (the installer fails with `label "group" is required` otherwise). */
export function requireGroupForApiToken(p: { token_type: 'api' | 'node'; group?: string }, ctx: z.RefinementCtx): void {
  if (p.token_type === 'api' && !p.group)
    ctx.addIssue({
      code: 'custom',
      path: ['group'],
      message: `an API token needs the node group label: set group (sent as WALLARM_LABELS='group=<GROUP>'), or token_type: node for a node token`,
    });
}

function isLoopback(a: string): boolean {
  return a === 'localhost' || a === '::1' || a.startsWith('127.');
}

/**
 * The address other nodes use to reach `host`, in this order: the host var `wallarm_address`,
 * the host's default IPv4 from its facts (`facts.defaultIpv4` or Ansible's
 * `ansible_default_ipv4.address`), `ansible_host` unless it is loopback, the inventory name if it
 * is an IP. Undefined when none applies.
 */
export function hostAddress(ctx: RoleExpandContext, host: string): string | undefined {
  const hv = ctx.hostvars(host) ?? {};
  const pick = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  const explicit = pick(hv.wallarm_address);
  if (explicit) return explicit;
  const facts = (hv.facts ?? hv.tsplay_facts) as { defaultIpv4?: string } | undefined;
  const fromFacts = pick(facts?.defaultIpv4) ?? pick((hv.ansible_default_ipv4 as { address?: string } | undefined)?.address);
  if (fromFacts) return fromFacts;
  if (host === ctx.host) {
    const own = (ctx.facts as { defaultIpv4?: string } | undefined)?.defaultIpv4;
    if (pick(own)) return own;
  }
  const ah = pick(hv.ansible_host) ?? pick(hv.tsplay_host);
  if (ah && !isLoopback(ah)) return ah;
  return isIP(host) ? host : undefined;
}

/** Addresses of a group's hosts; `missing` lists hosts whose address cannot be told. */
export function groupAddresses(ctx: RoleExpandContext, group: string): { addresses: string[]; missing: string[]; hosts: string[] } {
  const hosts = ctx.groups[group] ?? [];
  const addresses: string[] = [];
  const missing: string[] = [];
  for (const h of hosts) {
    const a = hostAddress(ctx, h);
    if (a) addresses.push(a);
    else missing.push(h);
  }
  return { addresses: [...new Set(addresses)], missing, hosts };
}

/** A `fail` task: how roles refuse at expansion time with a clear message. */
export function failTask(name: string, msg: string): Record<string, unknown> {
  return { name, fail: { msg } };
}

/** `wallarm_install` args from a role's validated installer params (install-postanalytics, install-filtering). */
export function installArgs(p: z.infer<z.ZodObject<typeof installerParams>>, component: 'postanalytics' | 'filtering'): Record<string, unknown> {
  return {
    version: p.version,
    component,
    token: p.token,
    token_type: p.token_type,
    ...(p.token_type === 'api' ? { group: p.group } : {}),
    cloud: p.cloud,
    ...(p.api_host ? { api_host: p.api_host } : {}),
    ...(p.api_port ? { api_port: p.api_port } : {}),
    base_url: p.installer_base_url,
    ...(p.installer_sha256 ? { sha256: p.installer_sha256 } : {}),
    dest_dir: p.installer_dir,
    extra_args: p.installer_extra_args,
    environment: p.environment,
  };
}
