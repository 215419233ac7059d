import { describe, expect, it } from 'vitest';
import { serviceModule, systemdModule } from '../../../../src/modules/system/service.js';
import { cmdTexts, planWith, result } from '../../../fixtures/modules/system/context.js';
import { debianNoSystemd } from '../../../fixtures/modules/system/facts.js';

function unit(props: Record<string, string>, isEnabled: string, rc: number): string {
  return (
    Object.entries({ Id: 'nginx.service', LoadState: 'loaded', SubState: 'running', ...props })
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + `\nshow_rc=0\nis_enabled_rc=${rc}\nis_enabled=${isEnabled}\n`
  );
}
const RUNNING_ENABLED = unit({ ActiveState: 'active', UnitFileState: 'enabled' }, 'enabled', 0);
const STOPPED_DISABLED = unit({ ActiveState: 'inactive', SubState: 'dead', UnitFileState: 'disabled' }, 'disabled', 1);
const NOT_FOUND = unit({ LoadState: 'not-found', ActiveState: 'inactive', UnitFileState: '' }, '', 1);

describe('service on systemd', () => {
  it('converged: running and enabled → no commands', () => {
    const { plan, probeKeys } = planWith(serviceModule, { args: { name: 'nginx', state: 'started', enabled: true }, probes: { unit: RUNNING_ENABLED } });
    expect(probeKeys).toEqual(['unit']);
    expect(plan.changed).toBe(false);
    expect(plan.commands).toEqual([]);
    expect(plan.interpret!(plan.commands.map(() => ({ rc: 0, stdout: '', stderr: '', durationMs: 1 }))).result).toMatchObject({
      name: 'nginx',
      state: 'started',
      enabled: true,
      status: { ActiveState: 'active' },
    });
  });

  it('restarted/reloaded on a unit that is not running start it and report started; a failed start carries only msg', () => {
    for (const state of ['restarted', 'reloaded']) {
      const { plan } = planWith(systemdModule, { args: { name: 'nginx', state }, probes: { unit: STOPPED_DISABLED } });
      expect(cmdTexts(plan.commands)).toEqual(['systemctl start -- nginx']);
      const failed = plan.interpret!([{ rc: 1, stdout: '', stderr: 'Job for nginx.service failed.\n', durationMs: 1 }]);
      expect(failed.failed).toBe('Unable to start service nginx: Job for nginx.service failed.');
      expect(failed.result).toEqual({ msg: 'Unable to start service nginx: Job for nginx.service failed.' });
    }
    const running = planWith(systemdModule, { args: { name: 'nginx', state: 'restarted' }, probes: { unit: RUNNING_ENABLED } }).plan;
    expect(cmdTexts(running.commands)).toEqual(['systemctl restart -- nginx']);
    expect(running.interpret!([{ rc: 0, stdout: '', stderr: '', durationMs: 1 }]).result).toMatchObject({ state: 'started', changed: true });
  });

  it('starts and enables a stopped, disabled unit (enable first)', () => {
    const { plan } = planWith(serviceModule, { args: { name: 'nginx', state: 'started', enabled: 'yes' }, probes: { unit: STOPPED_DISABLED } });
    expect(plan.changed).toBe(true);
    expect(cmdTexts(plan.commands)).toEqual(['systemctl enable -- nginx', 'systemctl start -- nginx']);
  });

  it('stops and disables a running unit', () => {
    const { plan } = planWith(serviceModule, { args: { name: 'nginx', state: 'stopped', enabled: false }, probes: { unit: RUNNING_ENABLED } });
    expect(cmdTexts(plan.commands)).toEqual(['systemctl disable -- nginx', 'systemctl stop -- nginx']);
  });

  it('restarted always runs; reloaded starts a stopped unit', () => {
    const r = planWith(serviceModule, { args: { name: 'nginx', state: 'restarted' }, probes: { unit: RUNNING_ENABLED } }).plan;
    expect(r.changed).toBe(true);
    expect(cmdTexts(r.commands)).toEqual(['systemctl restart -- nginx']);
    const rl = planWith(serviceModule, { args: { name: 'nginx', state: 'reloaded' }, probes: { unit: RUNNING_ENABLED } }).plan;
    expect(cmdTexts(rl.commands)).toEqual(['systemctl reload -- nginx']);
    const st = planWith(serviceModule, { args: { name: 'nginx', state: 'reloaded' }, probes: { unit: STOPPED_DISABLED } }).plan;
    expect(cmdTexts(st.commands)).toEqual(['systemctl start -- nginx']);
  });

  it('an unknown unit fails with Ansible’s message (but check mode plans it)', () => {
    const { plan } = planWith(serviceModule, { args: { name: 'nope', state: 'started' }, probes: { unit: NOT_FOUND } });
    expect(plan.failed).toBe('Could not find the requested service nope: host');
    expect(plan.commands).toEqual([]);
    const check = planWith(serviceModule, { args: { name: 'nope', state: 'started' }, probes: { unit: NOT_FOUND }, check: true }).plan;
    expect(check.changed).toBe(true);
  });

  it('systemctl itself failing (no systemd as PID 1) is a clear failure', () => {
    const { plan } = planWith(serviceModule, {
      args: { name: 'nginx', state: 'started' },
      probes: {
        unit: "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\nshow_rc=1\nis_enabled_rc=1\nis_enabled=\n",
      },
    });
    expect(plan.failed).toMatch(/^Could not query service nginx on h1: System has not been booted with systemd/);
  });

  it('static units are not "disabled" every run', () => {
    const { plan } = planWith(serviceModule, { args: { name: 'x', enabled: false }, probes: { unit: unit({ ActiveState: 'inactive', UnitFileState: 'static' }, 'static', 0) } });
    expect(plan.commands).toEqual([]);
  });

  it('interpret: a failed start carries systemctl’s message', () => {
    const { plan } = planWith(serviceModule, { args: { name: 'nginx', state: 'started' }, probes: { unit: STOPPED_DISABLED } });
    const o = plan.interpret!([result({ rc: 1, stderr: 'Job for nginx.service failed because the control process exited with error code.\n' })]);
    expect(o.failed).toBe('Unable to start service nginx: Job for nginx.service failed because the control process exited with error code.');
  });

  it('hostile unit names are quoted', () => {
    const { plan, probeCmds } = planWith(serviceModule, { args: { name: "x'; reboot; '", state: 'restarted' }, probes: { unit: RUNNING_ENABLED } });
    expect(cmdTexts(plan.commands)).toEqual([`systemctl restart -- 'x'"'"'; reboot; '"'"''`]);
    expect(probeCmds[0]).toContain(`-- 'x'"'"'; reboot; '"'"''`);
  });
});

describe('systemd module', () => {
  it('daemon_reload runs but does not count as a change', () => {
    const { plan, probeKeys } = planWith(systemdModule, { args: { daemon_reload: true } });
    expect(probeKeys).toEqual([]);
    expect(plan.changed).toBe(false);
    expect(cmdTexts(plan.commands)).toEqual(['systemctl daemon-reload']);
    expect(plan.interpret!([result('')]).changed).toBe(false);
  });

  it('daemon_reload + a unit not yet loaded plans reload then start', () => {
    const { plan } = planWith(systemdModule, { args: { name: 'app', state: 'started', daemon_reload: true }, probes: { unit: NOT_FOUND } });
    expect(cmdTexts(plan.commands)).toEqual(['systemctl daemon-reload', 'systemctl start -- app']);
    expect(plan.changed).toBe(true);
  });

  it('masked: true masks, and unmasks before starting', () => {
    const m = planWith(systemdModule, { args: { name: 'nginx', masked: true }, probes: { unit: STOPPED_DISABLED } }).plan;
    expect(cmdTexts(m.commands)).toEqual(['systemctl mask -- nginx']);
    const masked = unit({ ActiveState: 'inactive', UnitFileState: 'masked' }, 'masked', 1);
    const u = planWith(systemdModule, { args: { name: 'nginx', masked: false, state: 'started' }, probes: { unit: masked } }).plan;
    expect(cmdTexts(u.commands)).toEqual(['systemctl unmask -- nginx', 'systemctl start -- nginx']);
  });

  it('fails on a host without systemd', () => {
    const { plan } = planWith(systemdModule, { args: { name: 'nginx', state: 'started' }, facts: debianNoSystemd, probes: { unit: RUNNING_ENABLED } });
    expect(plan.failed).toMatch(/systemd is not the service manager/);
  });
});

describe('service without systemd', () => {
  const sysv = (o: { exists?: number; rc?: number; tool?: string; enabled?: number }) =>
    `exists=${o.exists ?? 1}\nhas_service=1\nstatus_rc=${o.rc ?? 3}\ntool=${o.tool ?? 'update-rc.d'}\nenabled=${o.enabled ?? 0}\n`;

  it('uses the service command and update-rc.d', () => {
    const { plan, probeKeys } = planWith(serviceModule, { args: { name: 'nginx', state: 'started', enabled: true }, facts: debianNoSystemd, probes: { sysv: sysv({}) } });
    expect(probeKeys).toEqual(['sysv']);
    expect(cmdTexts(plan.commands)).toEqual(['update-rc.d nginx defaults && update-rc.d nginx enable', 'service nginx start']);
  });

  it('converged → no commands', () => {
    const { plan } = planWith(serviceModule, { args: { name: 'nginx', state: 'started', enabled: true }, facts: debianNoSystemd, probes: { sysv: sysv({ rc: 0, enabled: 1 }) } });
    expect(plan.commands).toEqual([]);
    expect(plan.changed).toBe(false);
  });

  it('chkconfig hosts use chkconfig; no tool → clear failure for enabled', () => {
    const c = planWith(serviceModule, { args: { name: 'httpd', enabled: false }, facts: debianNoSystemd, probes: { sysv: sysv({ tool: 'chkconfig', enabled: 1 }) } }).plan;
    expect(cmdTexts(c.commands)).toEqual(['chkconfig httpd off']);
    const n = planWith(serviceModule, { args: { name: 'httpd', enabled: true }, facts: debianNoSystemd, probes: { sysv: sysv({ tool: 'none' }) } }).plan;
    expect(n.failed).toMatch(/Unable to enable service httpd/);
  });

  it('a missing init script fails with the not-found message', () => {
    const { plan } = planWith(serviceModule, { args: { name: 'nope', state: 'started' }, facts: debianNoSystemd, probes: { sysv: sysv({ exists: 0, rc: 1 }) } });
    expect(plan.failed).toBe('Could not find the requested service nope: host');
  });

  it('requires state or enabled without systemd; on systemd a name alone only reports the unit (ansible routes to systemd)', () => {
    const { plan } = planWith(serviceModule, { args: { name: 'nginx' }, facts: debianNoSystemd, probes: { sysv: sysv({}) } });
    expect(plan.failed).toBe('one of the following is required: state, enabled');
    const onSystemd = planWith(serviceModule, { args: { name: 'nginx' }, probes: { unit: RUNNING_ENABLED } }).plan;
    expect(onSystemd.failed).toBeUndefined();
    expect(onSystemd.commands).toEqual([]);
  });

  it('daemon_reload without a name runs systemctl daemon-reload on systemd, unchanged; the service module refuses it', () => {
    const { plan, probeKeys } = planWith(serviceModule, { args: { daemon_reload: true } });
    expect(probeKeys).toEqual([]);
    expect(cmdTexts(plan.commands)).toEqual(['systemctl daemon-reload']);
    expect(plan.changed).toBe(false);
    expect(plan.interpret!(plan.commands.map(() => ({ rc: 0, stdout: '', stderr: '', durationMs: 1 }))).result).toMatchObject({ name: null, status: {} });
    const legacy = planWith(serviceModule, { args: { name: 'nginx', state: 'started', 'daemon-reload': 'yes' }, facts: debianNoSystemd, probes: { sysv: sysv({}) } }).plan;
    expect(legacy.failed).toMatch(/^Unsupported parameters for \(ansible.legacy.service\) module: daemon_reload\. Supported parameters include: arguments, enabled, name, pattern/);
    expect(planWith(serviceModule, { args: { daemon_reload: true }, facts: debianNoSystemd }).plan.failed).toBe('missing required arguments: name');
  });

  it('a name is required unless daemon_reload or daemon_reexec is given', () => {
    expect(serviceModule.args.safeParse({ state: 'started' }).success).toBe(false);
    expect(serviceModule.args.safeParse({ daemon_reexec: false }).success).toBe(true);
  });
});

describe('service probes are valid shell', () => {
  it('the init-script probe runs under /bin/sh and parses', async () => {
    const { runLocal } = await import('../../../fixtures/modules/system/sh.js');
    const { parseSysvStatus } = await import('../../../../src/modules/system/service.js');
    const { probeCmds } = planWith(serviceModule, { args: { name: 'tsplay-no-such-svc', state: 'started' }, facts: debianNoSystemd, probes: { sysv: '' } });
    const r = runLocal(probeCmds[0]!);
    expect(r.stderr).toBe('');
    const st = parseSysvStatus(r);
    expect(st.exists).toBe(false);
    expect(st.enabled).toBe(false);
  });
});

describe('systemd probe against a fake systemctl', () => {
  it('captures show properties and is-enabled’s rc', async () => {
    const { mkdtempSync, writeFileSync, chmodSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { runLocal } = await import('../../../fixtures/modules/system/sh.js');
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-sd-'));
    writeFileSync(
      join(dir, 'systemctl'),
      `#!/bin/sh
case "$1" in
  show) printf 'Id=nginx.service\\nLoadState=loaded\\nActiveState=inactive\\nSubState=dead\\nUnitFileState=disabled\\n';;
  is-enabled) echo disabled; exit 1;;
esac
`,
    );
    chmodSync(join(dir, 'systemctl'), 0o755);
    const first = planWith(serviceModule, { args: { name: 'nginx', state: 'started', enabled: true }, probes: { unit: RUNNING_ENABLED } });
    const out = runLocal(first.probeCmds[0]!, { env: { PATH: `${dir}:${process.env.PATH}` } });
    const { plan } = planWith(serviceModule, { args: { name: 'nginx', state: 'started', enabled: true }, probes: { unit: out.stdout } });
    expect(cmdTexts(plan.commands)).toEqual(['systemctl enable -- nginx', 'systemctl start -- nginx']);
    expect(plan.interpret!(plan.commands.map(() => ({ rc: 0, stdout: '', stderr: '', durationMs: 1 }))).result).toMatchObject({
      status: { ActiveState: 'inactive', UnitFileState: 'disabled' },
      enabled: true,
    });
  });
});
