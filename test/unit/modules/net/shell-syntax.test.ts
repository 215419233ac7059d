import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { netModules } from '../../../../src/modules/net/index.js';
import wallarm from '../../../../src/wallarm/index.js';
import { planInstall, wallarmInstallArgs, parseMachineState } from '../../../../src/wallarm/install.js';
import { nginxUpstreamModule, nginxUpstreamArgs } from '../../../../src/modules/net/nginx-upstream.js';
import { ctx, facts } from './helpers.js';

/** `sh -n`: the generated scripts must parse in a POSIX shell (dash), not only in bash. */
function shellParses(text: string): string {
  const r = spawnSync('sh', ['-n'], { input: text });
  return r.status === 0 ? 'ok' : String(r.stderr);
}

const sampleArgs: Record<string, Record<string, unknown>> = {
  nginx_upstream: { name: 'wallarm_wstore', servers: ['10.0.0.1:3313'], directive: 'wallarm_wstore_upstream' },
  firewall_port: { port: 3313, sources: ['10.0.0.2'] },
  firewalld: { service: 'https', zone: "o'zone", permanent: true, state: 'enabled' },
  ufw: { rule: 'allow', port: '22', proto: 'tcp', from_ip: '10.0.0.0/8', comment: "it's ssh" },
  wallarm_preflight: { version: '6.12.1' },
  wallarm_install: { version: '6.12.1', component: 'postanalytics', token: 't', group: 'g', sha256: 'a'.repeat(64) },
  wallarm_verify: {},
  wallarm_remove: {},
};

describe('generated shell parses', () => {
  const allTools = facts({ firewall: { nft: true, iptables: true, ufw: true, firewalld: true } });
  const all = [...netModules, ...(wallarm.modules ?? [])];
  it('covers every net and Wallarm module', () => expect(Object.keys(sampleArgs).sort()).toEqual(all.map((m) => m.name).sort()));
  for (const m of all) {
    it(`${m.name} probes`, () => {
      const args = m.args.parse(sampleArgs[m.name]);
      for (const p of m.probes?.(args, ctx({}, allTools)) ?? []) expect(shellParses(p.cmd.text)).toBe('ok');
    });
  }
  it('wallarm_verify postanalytics probe', () => {
    const m = all.find((x) => x.name === 'wallarm_verify')!;
    const args = m.args.parse({ component: 'postanalytics', listen_port: 3313 });
    expect(shellParses(m.probes!(args, ctx({}))[0]!.cmd.text)).toBe('ok');
  });
  it('wallarm_install and nginx_upstream commands', () => {
    const install = planInstall(wallarmInstallArgs.parse(sampleArgs.wallarm_install), facts(), parseMachineState(''));
    const up = nginxUpstreamModule.plan(nginxUpstreamArgs.parse(sampleArgs.nginx_upstream), ctx({ file: { exists: true, content: 'http {\n}\n', backupExists: false } }));
    for (const c of [...install.commands, ...up.commands]) if (c.kind === 'shell') expect(shellParses(c.cmd.text)).toBe('ok');
  });
});
