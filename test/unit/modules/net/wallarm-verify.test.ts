import { describe, it, expect } from 'vitest';
import { wallarmVerifyArgs, parseVerifyProbe, diagnose, judge, parseStatus, wallarmVerifyModule, type VerifyEvidence } from '../../../../src/wallarm/verify.js';
import { ctx } from './helpers.js';

const status = (o: Record<string, unknown>) =>
  JSON.stringify({
    requests: 2,
    attacks: 2,
    blocked: 0,
    tnt_errors: 0,
    api_errors: 0,
    requests_lost: 0,
    segfaults: 0,
    export_drops_flag: 0,
    timeframe_size: 600,
    export_delay: 0,
    ...o,
  });

const filteringOutput = (s1: string, s2: string, log = '', nginx = 'active') =>
  [
    '',
    '@@tsplay@@ services',
    `nginx ${nginx}`,
    '',
    '@@tsplay@@ attack1',
    '404',
    '@@tsplay@@ status1',
    s1,
    '',
    '@@tsplay@@ attack2',
    '404',
    '@@tsplay@@ status2',
    s2,
    '',
    '@@tsplay@@ log',
    log,
  ].join('\n');

const filtering = wallarmVerifyArgs.parse({});
const verdict = (out: string, a = filtering) => judge(parseVerifyProbe(out, a), 'nginx-1');

describe('wallarm_verify: filtering node', () => {
  it('passes with tnt_errors 0 in both samples and reports the numbers', () => {
    const p = verdict(filteringOutput(status({ requests: 1 }), status({ requests: 2 })));
    expect(p.failed).toBeUndefined();
    expect(p).toMatchObject({ changed: false, commands: [] });
    expect(p.result).toMatchObject({ tnt_errors: 0, tnt_errors_samples: [0, 0], requests: 2, attack_http_codes: ['404', '404'] });
  });

  it('fails on a wrong upstream port with the connect() failed diagnosis and tnt_errors growing', () => {
    const log = '2025/01/01 10:00:00 [error] 123#456: wallarm: 10.0.0.11:3314 connect() failed (111: Connection refused)';
    const p = verdict(filteringOutput(status({ tnt_errors: 1 }), status({ tnt_errors: 2 }), log));
    expect(p.failed).toMatch(/NGINX cannot reach postanalytics at 10\.0\.0\.11:3314: "connect\(\) failed"/);
    expect(p.failed).toMatch(/remedy: check that the upstream servers in the NGINX config/);
    expect(p.failed).toMatch(/tnt_errors is 2 and growing \(1 → 2\)/);
    expect((p.result!.diagnosis as Array<{ id: string }>).map((d) => d.id)).toEqual(['connect-failed', 'tnt-errors-growing']);
  });

  it('export_drops_flag with a small timeframe_size → raise SLAB_ALLOC_ARENA; export_delay > 10 is a warning only', () => {
    const drops = verdict(filteringOutput(status({}), status({ export_drops_flag: 1, timeframe_size: 150 })));
    expect(drops.failed).toMatch(/export_drops_flag is 1 \(timeframe_size 150\)/);
    expect(drops.failed).toMatch(/raise SLAB_ALLOC_ARENA/);
    const slow = verdict(filteringOutput(status({}), status({ export_delay: 25 })));
    expect(slow.failed).toBeUndefined();
    expect(slow.msg).toMatch(/\(warning\) export_delay is 25 s/);
  });

  it('inactive NGINX, unreadable status page and no HTTP answer are each diagnosed', () => {
    const p = verdict(filteringOutput('curl: (7) Failed to connect to 127.0.0.8 port 80', '<html>404</html>', '', 'inactive').replace(/^404$/gm, '000'));
    const ids = (p.result!.diagnosis as Array<{ id: string }>).map((d) => d.id);
    expect(ids).toEqual(['service-inactive', 'attack-not-served', 'status-unavailable']);
    expect(p.failed).toMatch(/service nginx is inactive/);
    expect(p.failed).toMatch(/wallarm-status server block \(127\.0\.0\.8:80/);
  });

  it('reads status JSON or keeps the error text', () => {
    expect(parseStatus('{"tnt_errors":0}')).toEqual({ tnt_errors: 0 });
    expect(parseStatus('')).toEqual({ error: 'empty answer' });
    expect(parseStatus('Bad Gateway\nmore')).toEqual({ error: 'Bad Gateway' });
  });

  it('sends the attack and reads the status twice, each sample after the interval, and reads only new error-log lines', () => {
    const text = wallarmVerifyModule.probes!(filtering, ctx({}))[0]!.cmd.text;
    expect(text.match(/curl -s -o \/dev\/null -m 10 -w '%\{http_code\}' http:\/\/localhost\/etc\/passwd/g)).toHaveLength(2);
    expect(text.match(/sleep 3\necho; echo '@@tsplay@@ status\d'\ncurl -sS -m 10 http:\/\/127\.0\.0\.8\/wallarm-status/g)).toHaveLength(2);
    expect(text).toContain('tail -c +$((size + 1)) /var/log/nginx/error.log');
  });
});

describe('wallarm_verify: postanalytics node', () => {
  const pa = wallarmVerifyArgs.parse({ component: 'postanalytics', listen_port: 3313 });
  const out = (listening: string, log = '', state = 'active') =>
    ['', '@@tsplay@@ services', `wallarm ${state}`, '', '@@tsplay@@ listening', listening, '', '@@tsplay@@ log', log].join('\n');

  it('passes when wallarm is active and the port listens (old bind failures in the log are history)', () => {
    const p = judge(parseVerifyProbe(out('0.0.0.0:3313\n127.0.0.1:22', 'SystemError binary: failed to bind: Cannot assign requested address'), pa), 'pa-1');
    expect(p.failed).toBeUndefined();
  });

  it('failed to bind with nothing listening → the listen-address remedy for the generation', () => {
    const ev = parseVerifyProbe(out('0.0.0.0:22', 'SystemError binary: failed to bind: Cannot assign requested address', 'failed'), pa);
    const p = judge(ev, 'pa-1');
    expect(p.failed).toMatch(/service wallarm is failed/);
    expect(p.failed).toMatch(/nothing listens on port 3313/);
    expect(p.failed).toMatch(/cannot bind its address: SystemError binary: failed to bind/);
    expect(p.failed).toMatch(/service\.address in \/opt\/wallarm\/wstore\/wstore\.yaml/);
    const tnt = diagnose({ ...ev, generation: 'tarantool' } as VerifyEvidence).find((f) => f.id === 'failed-to-bind')!;
    expect(tnt.remedy).toMatch(/HOST\/PORT in \/opt\/wallarm\/env\.list/);
  });

  it('"Index \'primary\' already exists" → clear the tarantool data directory', () => {
    const p = judge(parseVerifyProbe(out('0.0.0.0:3313', "main/101/init.lua E> Index 'primary' already exists"), pa), 'pa-1');
    expect(p.failed).toMatch(/delete all files in \/opt\/wallarm\/var\/lib\/wallarm-tarantool/);
  });
});
