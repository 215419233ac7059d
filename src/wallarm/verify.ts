import { z } from 'zod';
import { defineModule, sh, raw, type Plan } from '../index.js';
import { postanalyticsLog, WALLARM_PATHS, type Generation } from './facts.js';

/**
 * wallarm_verify: the check step of the seeds, plus a diagnosis. Everything it does is a read (and
 * the test attack, a GET to localhost), so it runs as a probe: it works in check mode and never
 * reports "changed". The verdict and the diagnosis are pure functions of the evidence (tested as data).
 */

export const wallarmVerifyArgs = z
  .object({
    component: z.enum(['filtering', 'postanalytics']).default('filtering'),
    generation: z.enum(['wstore', 'tarantool']).default('wstore'),
    attack_url: z.string().min(1).default('http://localhost/etc/passwd'),
    status_url: z.string().min(1).default('http://127.0.0.8/wallarm-status'),
    interval_seconds: z.coerce.number().min(0).max(300).default(3),
    nginx_error_log: z.string().min(1).default('/var/log/nginx/error.log'),
    postanalytics_log: z.string().min(1).optional(),
    services: z.array(z.string().min(1)).optional(),
    listen_port: z.coerce.number().int().min(1).max(65535).optional(),
  })
  .strict();
export type WallarmVerifyArgs = z.infer<typeof wallarmVerifyArgs>;

export type WallarmStatus = Record<string, unknown>;

/** What the probe collected. */
export interface VerifyEvidence {
  component: 'filtering' | 'postanalytics';
  generation: Generation;
  services: Record<string, string>;
  attackCodes: string[];
  status: Array<WallarmStatus | { error: string }>;
  /** Log lines written during the check (filtering: NGINX error.log) or the tail (postanalytics log). */
  log: string;
  listening?: string[];
  listenPort?: number;
}

export interface Finding {
  /** Short name of the signature. */
  id: string;
  problem: string;
  remedy: string;
  /** Warnings are reported but do not fail the host. */
  severity: 'error' | 'warning';
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : undefined);
const isStatus = (s: WallarmStatus | { error: string } | undefined): s is WallarmStatus => !!s && !('error' in s && typeof s.error === 'string' && Object.keys(s).length === 1);

/** Map evidence to findings (seed 004 and WALLARM.md signatures). */
export function diagnose(ev: VerifyEvidence): Finding[] {
  const out: Finding[] = [];
  for (const [svc, state] of Object.entries(ev.services)) {
    if (state === 'active' || state === 'unknown') continue;
    out.push({
      id: 'service-inactive',
      problem: `service ${svc} is ${state || 'not running'}`,
      remedy: svc.startsWith('wallarm') ? `systemctl start ${svc}; then check ${postanalyticsLog(ev.generation)}` : `systemctl start ${svc} (and nginx -t for config errors)`,
      severity: 'error',
    });
  }
  const log = ev.log ?? '';
  if (ev.component === 'postanalytics') {
    const port = ev.listenPort;
    const listening = ev.listening ?? [];
    const listens = port === undefined || listening.some((a) => a.endsWith(`:${port}`));
    if (!listens)
      out.push({
        id: 'not-listening',
        problem: `nothing listens on port ${port}`,
        remedy: 'check the listen address in wstore.yaml service.address (4.x: env.list HOST/PORT) and restart wallarm (configure-host-port)',
        severity: 'error',
      });
    if (/failed to bind/i.test(log) && !listens) {
      const line = log
        .split('\n')
        .find((l) => /failed to bind/i.test(l))!
        .trim();
      out.push({
        id: 'failed-to-bind',
        problem: `postanalytics cannot bind its address: ${line}`,
        remedy:
          ev.generation === 'wstore'
            ? 'set service.address in /opt/wallarm/wstore/wstore.yaml (and wstore.host/port in node.yaml) to an address of this host, e.g. 0.0.0.0:3313, then systemctl restart wallarm'
            : 'set HOST/PORT in /opt/wallarm/env.list (and tarantool.host/port in node.yaml) to an address of this host, e.g. 0.0.0.0 and 3313, then systemctl restart wallarm',
        severity: 'error',
      });
    }
    if (/Index 'primary' already exists|can't initialize storage/i.test(log))
      out.push({
        id: 'storage-init',
        problem: 'postanalytics storage did not initialise ("Index \'primary\' already exists" / "can\'t initialize storage")',
        remedy: `delete all files in ${WALLARM_PATHS.tarantoolData} and systemctl restart wallarm`,
        severity: 'error',
      });
    return out;
  }

  // filtering side
  const connect = log.split('\n').filter((l) => /wallarm/i.test(l) && /connect\(\) failed/.test(l));
  if (connect.length) {
    const addrs = [...new Set(connect.map((l) => /wallarm:?\s+(\S+)\s+connect\(\) failed/.exec(l)?.[1]).filter(Boolean))];
    out.push({
      id: 'connect-failed',
      problem: `NGINX cannot reach postanalytics${addrs.length ? ` at ${addrs.join(', ')}` : ''}: "connect() failed" in the NGINX error log`,
      remedy:
        'check that the upstream servers in the NGINX config are the postanalytics addresses and ports (connect-upstream), that postanalytics listens there (verify on the postanalytics hosts) and that its firewall admits this node (open-firewall)',
      severity: 'error',
    });
  }
  if (ev.attackCodes.length && ev.attackCodes.every((c) => !/^[1-5]\d\d$/.test(c)))
    out.push({
      id: 'attack-not-served',
      problem: 'the test attack got no HTTP answer from NGINX on localhost',
      remedy: 'check that NGINX runs and serves the protected application on localhost (systemctl status nginx, nginx -t)',
      severity: 'error',
    });
  const samples = ev.status.filter(isStatus);
  const failures = ev.status.filter((s): s is { error: string } => !isStatus(s));
  if (samples.length < ev.status.length || samples.length === 0) {
    out.push({
      id: 'status-unavailable',
      problem: `the statistics page is not readable${failures[0] ? ` (${failures[0].error})` : ''}`,
      remedy: 'restore the default wallarm-status server block (127.0.0.8:80, location /wallarm-status { wallarm_status on; }) and restart NGINX',
      severity: 'error',
    });
    return out;
  }
  const tnt = samples.map((s) => num(s.tnt_errors));
  const first = tnt[0];
  const last = tnt[tnt.length - 1];
  if (last === undefined)
    out.push({ id: 'status-unavailable', problem: 'the statistics page has no tnt_errors value', remedy: 'check that the Wallarm module is loaded in NGINX', severity: 'error' });
  else if (last > 0) {
    const growing = first !== undefined && last > first;
    out.push({
      id: growing ? 'tnt-errors-growing' : 'tnt-errors',
      problem: `tnt_errors is ${last}${growing ? ` and growing (${first} → ${last})` : ''}: requests are not analysed by postanalytics`,
      remedy:
        'restart NGINX (systemctl restart nginx), check that the wallarm service runs on the postanalytics hosts (systemctl status wallarm) and their log; if postanalytics logs "Index \'primary\' already exists", clear /opt/wallarm/var/lib/wallarm-tarantool and restart wallarm',
      severity: 'error',
    });
  }
  const lastSample = samples[samples.length - 1]!;
  const drops = num(lastSample.export_drops_flag ?? lastSample['gauge-export_drops_flag']);
  const timeframe = num(lastSample.timeframe_size ?? lastSample['gauge-timeframe_size']);
  if (drops === 1)
    out.push({
      id: 'export-drops',
      problem: `export_drops_flag is 1${timeframe !== undefined ? ` (timeframe_size ${timeframe})` : ''}: postanalytics drops requests before sending them to the Cloud`,
      remedy:
        timeframe !== undefined && timeframe < 300
          ? 'raise SLAB_ALLOC_ARENA in /opt/wallarm/env.list on the postanalytics hosts (configure-host-port slab_alloc_arena) and restart wallarm'
          : 'check /opt/wallarm/var/log/wallarm/wcli-out.log (grep reqexp); if timeframe_size < 300, raise SLAB_ALLOC_ARENA',
      severity: 'error',
    });
  const delay = num(lastSample.export_delay ?? lastSample['gauge-export_delay']);
  if (delay !== undefined && delay > 10)
    out.push({
      id: 'export-delay',
      problem: `export_delay is ${delay} s (> 10)`,
      remedy: 'the connection to the Wallarm API is unstable: check access to the API host (proxy, firewall)',
      severity: 'warning',
    });
  const segfaults = num(lastSample.segfaults);
  if (segfaults !== undefined && segfaults > 0)
    out.push({
      id: 'segfaults',
      problem: `segfaults is ${segfaults}`,
      remedy: 'restart NGINX; if it keeps growing collect core files and contact Wallarm support (seed 004)',
      severity: 'warning',
    });
  return out;
}

// ------------------------------------------------------------------ probe

const SEP = '@@tsplay@@';

function defaultServices(a: WallarmVerifyArgs): string[] {
  return a.services ?? (a.component === 'filtering' ? ['nginx'] : ['wallarm']);
}

function probeScript(a: WallarmVerifyArgs) {
  const mark = (n: string) => raw(`echo; echo '${SEP} ${n}'`);
  const services = sh`${mark('services')}
for s in ${defaultServices(a)}; do
  if command -v systemctl >/dev/null 2>&1; then printf '%s %s\\n' "$s" "$(systemctl is-active "$s" 2>/dev/null)"
  else printf '%s unknown\\n' "$s"; fi
done`;
  if (a.component === 'postanalytics') {
    const log = a.postanalytics_log ?? postanalyticsLog(a.generation);
    return sh`${services}
${mark('listening')}
(ss -ltnH 2>/dev/null || netstat -ltn 2>/dev/null) | awk '{for(i=1;i<=NF;i++) if ($i ~ /:[0-9]+$/) {print $i; break}}'
${mark('log')}
tail -n 200 ${log} 2>/dev/null
true`;
  }
  // Each sample is read `interval` after its attack: the node reports a failed postanalytics
  // connection only after the connect timeout, so an immediate read could miss it.
  const attack = (n: number) => sh`${mark(`attack${n}`)}
curl -s -o /dev/null -m 10 -w '%{http_code}' ${a.attack_url} 2>/dev/null
sleep ${a.interval_seconds}
${mark(`status${n}`)}
curl -sS -m 10 ${a.status_url} 2>&1`;
  return sh`size=$(stat -c %s ${a.nginx_error_log} 2>/dev/null || echo 0)
${services}
${attack(1)}
${attack(2)}
${mark('log')}
tail -c +$((size + 1)) ${a.nginx_error_log} 2>/dev/null | tail -n 200
true`;
}

/** Parse the probe output into evidence. Exported for tests. */
export function parseVerifyProbe(stdout: string, a: WallarmVerifyArgs): VerifyEvidence {
  const sections = new Map<string, string>();
  let cur: string | undefined;
  let buf: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith(SEP + ' ')) {
      if (cur) sections.set(cur, buf.join('\n').trim());
      cur = line.slice(SEP.length + 1).trim();
      buf = [];
    } else if (cur) buf.push(line);
  }
  if (cur) sections.set(cur, buf.join('\n').trim());
  const services: Record<string, string> = {};
  for (const l of (sections.get('services') ?? '').split('\n')) {
    const [name, state] = l.trim().split(/\s+/);
    if (name) services[name] = state ?? 'inactive';
  }
  const ev: VerifyEvidence = {
    component: a.component,
    generation: a.generation,
    services,
    attackCodes: [],
    status: [],
    log: sections.get('log') ?? '',
  };
  if (a.component === 'postanalytics') {
    ev.listening = (sections.get('listening') ?? '')
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
    ev.listenPort = a.listen_port;
    return ev;
  }
  for (const n of [1, 2]) {
    if (sections.has(`attack${n}`)) ev.attackCodes.push(sections.get(`attack${n}`)!.trim() || '000');
    if (sections.has(`status${n}`)) ev.status.push(parseStatus(sections.get(`status${n}`)!));
  }
  return ev;
}

export function parseStatus(text: string): WallarmStatus | { error: string } {
  const t = text.trim();
  if (!t) return { error: 'empty answer' };
  try {
    const v = JSON.parse(t) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as WallarmStatus;
    return { error: 'not a JSON object' };
  } catch {
    return { error: t.split('\n')[0]!.slice(0, 200) };
  }
}

/** The verdict: failed when any error-level finding exists; the message lists problem → remedy. */
export function judge(ev: VerifyEvidence, host: string): Plan {
  const findings = diagnose(ev);
  const errors = findings.filter((f) => f.severity === 'error');
  const samples = ev.status.filter(isStatus);
  const last = samples[samples.length - 1];
  const result: Record<string, unknown> = {
    component: ev.component,
    services: ev.services,
    diagnosis: findings,
  };
  if (ev.component === 'filtering') {
    result.tnt_errors = last ? num(last.tnt_errors) : undefined;
    result.tnt_errors_samples = samples.map((s) => num(s.tnt_errors));
    result.requests = last ? num(last.requests) : undefined;
    result.attacks = last ? num(last.attacks) : undefined;
    result.attack_http_codes = ev.attackCodes;
  } else {
    result.listening = ev.listening;
  }
  const lines = findings.map((f) => `  - ${f.severity === 'warning' ? '(warning) ' : ''}${f.problem}\n    remedy: ${f.remedy}`);
  if (errors.length) return { changed: false, commands: [], result, failed: `Wallarm ${ev.component} check failed on ${host}:\n${lines.join('\n')}` };
  const ok = ev.component === 'filtering' ? `tnt_errors ${result.tnt_errors} across ${samples.length} samples` : `wallarm active, port ${ev.listenPort ?? '?'} listening`;
  return { changed: false, commands: [], result, msg: [`Wallarm ${ev.component} OK: ${ok}`, ...lines].join('\n') };
}

export const wallarmVerifyModule = defineModule<WallarmVerifyArgs>({
  name: 'wallarm_verify',
  returns: {
    component: 'filtering or postanalytics',
    services: 'each checked service and its systemctl state',
    diagnosis: 'findings: severity, what was seen, what to do',
    tnt_errors: 'filtering: tnt_errors of the last /wallarm-status sample',
    tnt_errors_samples: 'filtering: tnt_errors of each sample',
    requests: 'filtering: requests counter of the last sample',
    attacks: 'filtering: attacks counter of the last sample',
    attack_http_codes: 'filtering: HTTP code of each test attack',
    listening: 'postanalytics: listening TCP addresses',
  },
  description:
    'Check a Wallarm node: filtering — send the test attack, read /wallarm-status twice (tnt_errors 0 and not growing), services, new NGINX error-log lines; postanalytics — service, listening port, log. On failure: a diagnosis with concrete remedies.',
  args: wallarmVerifyArgs,
  probes: (a) => [{ key: 'evidence', cmd: probeScript(a), parse: (r) => parseVerifyProbe(r.stdout, a) }],
  plan: (a, ctx) => judge((ctx.probed.evidence as VerifyEvidence) ?? parseVerifyProbe('', a), ctx.host),
});
