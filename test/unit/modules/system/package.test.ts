import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageModule, aptModule, dnfModule } from '../../../../src/modules/system/package.js';
import { cmdTexts, planWith, result } from '../../../fixtures/modules/system/context.js';
import { debian12, rocky9, centos7 } from '../../../fixtures/modules/system/facts.js';
import { runLocal } from '../../../fixtures/modules/system/sh.js';

const APT = 'DEBIAN_FRONTEND=noninteractive apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold';

/** A PATH dir with fake tools, so the real probe scripts run locally. */
function fakeBin(tools: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-bin-'));
  for (const [name, body] of Object.entries(tools)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

describe('package on Debian (apt)', () => {
  const dpkgFake = fakeBin({
    'dpkg-query': `for a; do p=$a; done
case "$p" in
  curl) printf 'install ok installed\\t7.88.1-10\\n';;
  nginx) printf 'install ok installed\\t1.22.1-9\\n';;
  oldconf) printf 'deinstall ok config-files\\t1.0\\n';;
  *) echo "dpkg-query: no packages found matching $p" >&2; exit 1;;
esac`,
    'apt-cache': `case "$2" in curl) echo '  Installed: 7.88.1-10'; echo '  Candidate: 7.88.1-10+deb12u5';; nginx) echo '  Candidate: 1.22.1-9';; *) echo '  Candidate: (none)';; esac`,
  });
  const probeWithFakes = (args: Record<string, unknown>) => {
    const { probeCmds } = planWith(packageModule, { args, probes: { apt: '' } });
    return runLocal(probeCmds[0]!, { env: { PATH: `${dpkgFake}:${process.env.PATH}` } }).stdout;
  };

  it('converged: every package installed → no commands, not changed', () => {
    const out = probeWithFakes({ name: ['curl', 'nginx'] });
    const { plan } = planWith(packageModule, { args: { name: ['curl', 'nginx'] }, probes: { apt: out } });
    expect(plan.changed).toBe(false);
    expect(plan.commands).toEqual([]);
  });

  it('installs only the missing packages, non-interactively', () => {
    const out = probeWithFakes({ name: 'curl,jq' });
    const { plan } = planWith(packageModule, { args: { name: 'curl,jq', state: 'installed' }, probes: { apt: out } });
    expect(plan.changed).toBe(true);
    expect(cmdTexts(plan.commands)).toEqual([`${APT} install jq`]);
  });

  it('latest upgrades when the candidate differs from the installed version', () => {
    const out = probeWithFakes({ name: ['curl', 'nginx'], state: 'latest' });
    const { plan } = planWith(packageModule, { args: { name: ['curl', 'nginx'], state: 'latest' }, probes: { apt: out } });
    expect(cmdTexts(plan.commands)).toEqual([`${APT} install curl`]);
  });

  it('pinned versions compare with the installed one (glob allowed)', () => {
    const out = probeWithFakes({ name: ['nginx=1.22*', 'curl=8.0'] });
    const { plan } = planWith(aptModule, { args: { name: ['nginx=1.22*', 'curl=8.0'] }, probes: { apt: out } });
    expect(cmdTexts(plan.commands)).toEqual([`${APT} install curl=8.0`]);
  });

  it('absent removes installed ones; purge also clears config-files leftovers', () => {
    const out = probeWithFakes({ name: ['curl', 'jq', 'oldconf'] });
    const rm = planWith(aptModule, { args: { name: ['curl', 'jq', 'oldconf'], state: 'absent' }, probes: { apt: out } }).plan;
    expect(cmdTexts(rm.commands)).toEqual([`${APT} remove curl`]);
    const purge = planWith(aptModule, { args: { name: ['curl', 'jq', 'oldconf'], state: 'absent', purge: true }, probes: { apt: out } }).plan;
    expect(cmdTexts(purge.commands)).toEqual([`${APT} purge curl oldconf`]);
    const none = planWith(aptModule, { args: { name: ['jq'], state: 'removed' }, probes: { apt: out } }).plan;
    expect(none.commands).toEqual([]);
  });

  it('update_cache runs apt-get update but alone does not report changed', () => {
    const { plan } = planWith(aptModule, { args: { name: 'curl', update_cache: true }, probes: { apt: 'pkg\tcurl\t\tinstall ok installed\t7.88\n' } });
    expect(plan.changed).toBe(false);
    expect(cmdTexts(plan.commands)).toEqual(['DEBIAN_FRONTEND=noninteractive apt-get update -q']);
    const o = plan.interpret!([result('Hit:1 http://deb.debian.org/debian bookworm InRelease\nReading package lists...')]);
    expect(o.changed).toBe(false);
    expect(o.result?.cache_updated).toBe(true);
  });

  it('cache_valid_time skips a fresh cache', () => {
    const { plan } = planWith(aptModule, {
      args: { name: 'curl', update_cache: true, cache_valid_time: 3600 },
      probes: { apt: 'pkg\tcurl\t\tinstall ok installed\t7.88\ncache_age=120\n' },
    });
    expect(plan.commands).toEqual([]);
    const stale = planWith(aptModule, {
      args: { name: 'curl', update_cache: true, cache_valid_time: 3600 },
      probes: { apt: 'pkg\tcurl\t\tinstall ok installed\t7.88\ncache_age=7200\n' },
    }).plan;
    expect(stale.commands).toHaveLength(1);
  });

  it('interpret takes changed from apt’s summary line, and fails with the command and stderr', () => {
    const { plan } = planWith(packageModule, { args: { name: 'jq' }, probes: { apt: '' } });
    expect(plan.changed).toBe(true);
    expect(plan.interpret!([result('0 upgraded, 1 newly installed, 0 to remove and 3 not upgraded.\n')]).changed).toBe(true);
    expect(plan.interpret!([result('0 upgraded, 0 newly installed, 0 to remove and 3 not upgraded.\n')]).changed).toBe(false);
    const bad = plan.interpret!([result({ rc: 100, stderr: 'E: Unable to locate package jq\n' })]);
    expect(bad.failed).toBe("'apt-get install jq' failed: E: Unable to locate package jq");
    expect(bad.result).toMatchObject({ rc: 100 });
  });

  it('autoremove and upgrade are predicted from apt-get -s counts', () => {
    const probe = 'pkg\tcurl\t\tinstall ok installed\t7.88\nautoremove=0\nupgrade=0\n';
    const conv = planWith(aptModule, { args: { name: 'curl', autoremove: true, upgrade: 'dist' }, probes: { apt: probe } }).plan;
    expect(conv.commands).toEqual([]);
    const probe2 = 'pkg\tcurl\t\tinstall ok installed\t7.88\nautoremove=2\nupgrade=5\n';
    const p = planWith(aptModule, { args: { name: 'curl', autoremove: true, upgrade: 'dist' }, probes: { apt: probe2 } }).plan;
    expect(p.changed).toBe(true);
    expect(cmdTexts(p.commands)).toEqual([`${APT} dist-upgrade`, `${APT} autoremove`]);
  });

  it('hostile package names are quoted or refused', () => {
    expect(() => planWith(aptModule, { args: { name: '-o=APT::x' }, probes: { apt: '' } })).toThrow();
    const { plan, probeCmds } = planWith(aptModule, { args: { name: ['x$(id)'] }, probes: { apt: '' } });
    expect(cmdTexts(plan.commands)[0]).toContain("install 'x$(id)'");
    expect(probeCmds[0]).toContain("set -- 'x$(id)'");
  });

  it('apt on an rpm host fails clearly', () => {
    const { plan } = planWith(aptModule, { args: { name: 'curl' }, facts: rocky9 });
    expect(plan.failed).toMatch(/apt is not available on this host \(Rocky Linux 9\.4 \(Blue Onyx\) uses dnf\)/);
  });
});

describe('package on Rocky 9 (dnf) and CentOS 7 (yum)', () => {
  const rpmFake = fakeBin({
    rpm: `last=; for a; do last=$a; done
case "$*" in *--whatprovides*) case "$last" in /usr/bin/curl) printf 'curl\\t7.76.1-29.el9\\n'; exit 0;; esac; echo "no package provides $last"; exit 1;; esac
case "$last" in curl) printf 'curl\\t7.76.1-29.el9\\n';; nginx) printf 'nginx\\t1.20.1-14.el9\\n';; *) echo "package $last is not installed"; exit 1;; esac`,
    dnf: `echo; echo 'nginx.x86_64   2:1.20.1-16.el9   appstream'; echo 'Obsoleting Packages'; echo 'curl.x86_64  7.99-1  baseos'; exit 100`,
  });
  const probeOut = (mod: typeof dnfModule | typeof packageModule, args: Record<string, unknown>) => {
    const { probeCmds } = planWith(mod, { args, facts: rocky9, probes: { dnf: '' } });
    return runLocal(probeCmds[0]!, { env: { PATH: `${rpmFake}:${process.env.PATH}` } }).stdout;
  };

  it('converged → no commands (provides count as installed)', () => {
    const out = probeOut(packageModule, { name: ['curl', '/usr/bin/curl', 'nginx'] });
    const { plan } = planWith(packageModule, { args: { name: ['curl', '/usr/bin/curl', 'nginx'] }, facts: rocky9, probes: { dnf: out } });
    expect(plan.commands).toEqual([]);
    expect(plan.changed).toBe(false);
    expect(plan.result?.msg).toBe('Nothing to do');
  });

  it('installs missing, upgrades outdated with latest, using dnf -y', () => {
    const out = probeOut(dnfModule, { name: ['curl', 'nginx', 'jq'], state: 'latest' });
    const { plan } = planWith(dnfModule, { args: { name: ['curl', 'nginx', 'jq'], state: 'latest' }, facts: rocky9, probes: { dnf: out } });
    expect(cmdTexts(plan.commands)).toEqual(['dnf -y install -- jq', 'dnf -y upgrade -- nginx']);
    expect(plan.result?.results).toEqual(['Installed: jq', 'Upgraded: nginx']);
  });

  it('absent removes only installed packages; yum alias uses yum on a yum host', () => {
    const out = 'pkg\tcurl\tcurl\t7.29\npkg\tjq\t\n';
    const { plan } = planWith(dnfModule, { args: { name: ['curl', 'jq'], state: 'absent' }, facts: centos7, probes: { dnf: out } });
    expect(cmdTexts(plan.commands)).toEqual(['yum -y remove -- curl']);
  });

  it('interpret: "Nothing to do" → not changed; failures carry the command', () => {
    const { plan } = planWith(dnfModule, { args: { name: 'jq' }, facts: rocky9, probes: { dnf: 'pkg\tjq\t\n' } });
    expect(plan.interpret!([result('Dependencies resolved.\nNothing to do.\nComplete!\n')]).changed).toBe(false);
    expect(plan.interpret!([result('Installed:\n  jq-1.6-15.el9.x86_64\nComplete!\n')]).changed).toBe(true);
    const bad = plan.interpret!([result({ rc: 1, stderr: 'Error: Unable to find a match: jq\n' })]);
    expect(bad.failed).toBe("'dnf install jq' failed: Error: Unable to find a match: jq");
  });

  it('package on an unsupported manager fails clearly', () => {
    const { plan } = planWith(packageModule, { args: { name: 'curl' }, facts: { ...debian12, pkgMgr: 'apk', os: { ...debian12.os, name: 'Alpine Linux v3.19' } } });
    expect(plan.failed).toMatch(/does not support the package manager 'apk'/);
  });
});

describe('package passes apt-only args through', () => {
  it('purge works on apt and is refused on dnf', () => {
    const a = planWith(packageModule, { args: { name: 'curl', state: 'absent', purge: true }, probes: { apt: 'pkg\tcurl\t\tinstall ok installed\t7.88\n' } }).plan;
    expect(cmdTexts(a.commands)).toEqual([`${APT} purge curl`]);
    const d = planWith(packageModule, { args: { name: 'curl', state: 'absent', purge: true }, facts: rocky9, probes: { dnf: '' } }).plan;
    expect(d.failed).toBe('Unsupported parameters for (dnf) module: purge');
  });
});
