import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageModule, aptModule, dnfModule, parseAptProbe, dnfRunResults, dnfTableResults } from '../../../../src/modules/system/package.js';
import { cmdTexts, planWith, result } from '../../../fixtures/modules/system/context.js';
import { debian12, rocky9, centos7 } from '../../../fixtures/modules/system/facts.js';
import { runLocal } from '../../../fixtures/modules/system/sh.js';

/** A PATH dir with fake tools, so the real probe scripts run locally. */
function fakeBin(tools: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsplay-bin-'));
  for (const [name, body] of Object.entries(tools)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

const APT = `DEBIAN_FRONTEND=noninteractive DEBIAN_PRIORITY=critical LC_ALL=C LANG=C apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -o DPkg::Lock::Timeout=60`;

/** One probe line as the apt probe prints it. */
const pkgLine = (name: string, o: { cand?: string; prov?: number; versions?: string[]; status?: string; version?: string } = {}) =>
  `pkg\t${name}\t${o.cand ?? ''}\t${o.prov ?? 0}\t${(o.versions ?? []).join(' ')}\t${o.status ?? ''}\t${o.version ?? ''}\n`;
const inst = (name: string, version: string, cand = version, versions = [cand]) => pkgLine(name, { cand, versions, status: 'install ok installed', version });
const avail = (name: string, cand: string, versions = [cand]) => pkgLine(name, { cand, versions });
const TIME = 'now=2000000000\ncache_time=1999990000\n';

describe('package on Debian (apt)', () => {
  const dpkgFake = fakeBin({
    'dpkg-query': `for a; do p=$a; done
case "$p" in
  curl) printf 'install ok installed\\t7.88.1-10\\n';;
  oldconf) printf 'deinstall ok config-files\\t1.0\\n';;
  *) echo "dpkg-query: no packages found matching $p" >&2; exit 1;;
esac`,
    'apt-cache': `for a; do p=$a; done
case "$1" in
  policy) case "$p" in curl) echo '  Installed: 7.88.1-10'; echo '  Candidate: 7.88.1-10+deb12u5';; jq) echo '  Candidate: 1.6-2.1';; oldconf) echo '  Candidate: (none)';; esac;;
  madison) case "$p" in curl) echo ' curl | 7.88.1-10+deb12u5 | file:/x Packages'; echo ' curl | 7.88.1-10 | file:/y Packages';; jq) echo ' jq | 1.6-2.1 | file:/x Packages';; esac;;
  showpkg) case "$p" in mail-transport-agent) printf 'Package: x\\nReverse Provides: \\nexim4 4.96\\n';; esac;;
esac`,
    stat: 'echo 1999990000',
    date: 'echo 2000000000',
  });
  const probeWithFakes = (args: Record<string, unknown>) => {
    const { probeCmds } = planWith(aptModule, { args, probes: { apt: '' } });
    return runLocal(probeCmds[0]!, { env: { PATH: `${dpkgFake}:${process.env.PATH}` } }).stdout;
  };

  it('the probe script reads status, candidate, versions and providers in one run', () => {
    const out = probeWithFakes({ name: ['curl', 'jq', 'nosuch', 'mail-transport-agent', 'oldconf'] });
    const probe = parseAptProbe(result(out));
    expect(probe.pkgs.curl).toEqual({ status: 'installed', version: '7.88.1-10', candidate: '7.88.1-10+deb12u5', providers: 0, versions: ['7.88.1-10+deb12u5', '7.88.1-10'] });
    expect(probe.pkgs.jq).toMatchObject({ status: 'not-installed', candidate: '1.6-2.1' });
    expect(probe.pkgs.nosuch).toMatchObject({ candidate: undefined, providers: 0 });
    expect(probe.pkgs['mail-transport-agent']).toMatchObject({ providers: 1 });
    expect(probe.pkgs.oldconf?.status).toBe('config-files');
    expect(probe.cacheTime).toBe(1999990000);
  });

  it('converged: installed packages → no commands, changed false with cache fields (ansible: cache_updated, cache_update_time)', () => {
    const { plan } = planWith(packageModule, { args: { name: ['curl'] }, probes: { apt: inst('curl', '7.88.1-10', '7.88.1-10+deb12u5') + TIME } });
    expect(plan.changed).toBe(false);
    expect(plan.commands).toEqual([]);
    expect(plan.result).toEqual({ changed: false, cache_updated: false, cache_update_time: 1999990000 });
  });

  it('installs the missing ones pinned to the candidate, as ansible does, then marks them manual', () => {
    const { plan } = planWith(packageModule, { args: { name: 'curl,jq', state: 'installed' }, probes: { apt: inst('curl', '7.88.1-10') + avail('jq', '1.6-2.1') + TIME } });
    expect(plan.changed).toBe(true);
    expect(cmdTexts(plan.commands)).toEqual([`${APT} install jq=1.6-2.1`, 'apt-mark manual curl jq >/dev/null']);
    const o = plan.interpret!([
      result('Reading state information...\nThe following NEW packages will be installed:\n  jq\n0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded.\n'),
      result(''),
    ]);
    expect(o.changed).toBe(true);
    expect(o.result).toMatchObject({ changed: true, cache_updated: false, cache_update_time: 1999990000, stderr: '' });
  });

  it('a package the archive does not have fails in check mode too (ansible: No package matching)', () => {
    const { plan } = planWith(aptModule, { args: { name: ['nosuch'] }, check: true, probes: { apt: pkgLine('nosuch') + TIME } });
    expect(plan.failed).toBe("No package matching 'nosuch' is available");
    const virt = planWith(aptModule, { args: { name: ['mail-transport-agent'] }, probes: { apt: pkgLine('mail-transport-agent', { prov: 1 }) + TIME } }).plan;
    expect(cmdTexts(virt.commands)[0]).toBe(`${APT} install mail-transport-agent`);
  });

  it('latest upgrades to the candidate; present leaves an older installed version alone', () => {
    const probe = inst('curl', '7.88.1-10', '7.88.1-10+deb12u5') + TIME;
    expect(cmdTexts(planWith(aptModule, { args: { name: 'curl', state: 'latest' }, probes: { apt: probe } }).plan.commands)[0]).toBe(`${APT} install curl=7.88.1-10+deb12u5`);
    expect(planWith(aptModule, { args: { name: 'curl' }, probes: { apt: probe } }).plan.commands).toEqual([]);
  });

  it('name=version: glob against the installed version, pins the best matching one; >= compares Debian versions', () => {
    const probe = inst('curl', '7.88.1-10', '7.88.1-10+deb12u5', ['7.88.1-10+deb12u5', '7.88.1-10', '7.74.0-1']) + TIME;
    expect(planWith(aptModule, { args: { name: 'curl=7.88*' }, probes: { apt: probe } }).plan.commands.length).toBe(2); // ansible's legacy re-install of a matching glob
    expect(cmdTexts(planWith(aptModule, { args: { name: 'curl=7.74*', allow_downgrade: true }, probes: { apt: probe } }).plan.commands)[0]).toBe(
      `${APT} install curl=7.74.0-1 --allow-downgrades`,
    );
    expect(planWith(aptModule, { args: { name: 'curl>=7.80' }, probes: { apt: probe } }).plan.commands).toEqual([]);
    expect(planWith(aptModule, { args: { name: 'curl=9*' }, probes: { apt: probe } }).plan.failed).toBe('no available installation candidate for curl=9*');
  });

  it('default_release, install_recommends, only_upgrade, policy_rc_d reach the command line', () => {
    const probe = inst('curl', '7.88.1-10', '7.88.1-10+deb12u5') + avail('jq', '1.6-2.1') + TIME;
    const p = planWith(aptModule, {
      args: { name: ['curl', 'jq'], state: 'latest', default_release: 'bookworm-backports', install_recommends: false, only_upgrade: true, policy_rc_d: 101 },
      probes: { apt: probe },
    }).plan;
    const cmd = cmdTexts(p.commands)[0]!;
    expect(cmd).toContain('-o APT::Default-Release=bookworm-backports');
    expect(cmd).toContain('--only-upgrade install curl=7.88.1-10+deb12u5 -t bookworm-backports -o APT::Install-Recommends=no');
    expect(cmd).not.toContain('jq');
    expect(cmd).toMatch(/^b=; if \[ -e \/usr\/sbin\/policy-rc.d \]/);
    expect(cmd).toContain("printf '#!/bin/sh\\nexit %d\\n' 101 > /usr/sbin/policy-rc.d");
  });

  it('policy_rc_d: the wrapper puts a previous policy-rc.d back and keeps the command’s exit code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-rcd-'));
    const p = planWith(aptModule, { args: { name: 'jq', policy_rc_d: 101 }, probes: { apt: avail('jq', '1') + TIME } }).plan;
    const text = cmdTexts(p.commands)[0]!.replaceAll('/usr/sbin/policy-rc.d', `${dir}/policy-rc.d`);
    const wrapped = text.replace(/\{ .* \}; rc=/, `{ cat ${dir}/policy-rc.d; exit 7; }; rc=`).replace('exit 7; }', 'false; }');
    writeFileSync(join(dir, 'policy-rc.d'), 'old\n');
    const r = runLocal(wrapped);
    expect(r.stdout).toBe('#!/bin/sh\nexit 101\n');
    expect(r.rc).toBe(1);
    expect(readFileSync(join(dir, 'policy-rc.d'), 'utf8')).toBe('old\n');
  });

  it('absent removes installed ones (apt-get -q remove), purge also clears config-files leftovers; nothing to remove → just changed false', () => {
    const probe = inst('curl', '7.88.1-10') + pkgLine('jq', { cand: '1' }) + pkgLine('oldconf', { status: 'deinstall ok config-files', version: '1.0' }) + TIME;
    const rm = planWith(aptModule, { args: { name: ['curl', 'jq', 'oldconf'], state: 'absent' }, probes: { apt: probe } }).plan;
    expect(cmdTexts(rm.commands)).toEqual([`${APT} -q remove curl`]);
    const purge = planWith(aptModule, { args: { name: ['curl', 'jq', 'oldconf'], state: 'absent', purge: true, autoremove: true }, probes: { apt: probe } }).plan;
    expect(cmdTexts(purge.commands)).toEqual([`${APT} -q --purge --auto-remove remove curl oldconf`]);
    const none = planWith(aptModule, { args: { name: ['jq'], state: 'removed' }, probes: { apt: probe } }).plan;
    expect(none.commands).toEqual([]);
    expect(none.result).toEqual({ changed: false });
  });

  it('update_cache alone: changed when the cache was updated; cache_valid_time skips a fresh cache', () => {
    const { plan } = planWith(aptModule, { args: { update_cache: true }, probes: { apt: TIME } });
    expect(plan.changed).toBe(true);
    expect(cmdTexts(plan.commands)[0]).toMatch(/apt-get update -q && echo "tsplay-cache-time=/);
    const o = plan.interpret!([result('Reading package lists...\ntsplay-cache-time=2000000001\n')]);
    expect(o.result).toEqual({ changed: true, cache_updated: true, cache_update_time: 2000000001 });
    const fresh = planWith(aptModule, { args: { update_cache: true, cache_valid_time: 36000 }, probes: { apt: TIME } }).plan;
    expect(fresh.commands).toEqual([]);
    expect(fresh.result).toEqual({ changed: false, cache_updated: false, cache_update_time: 1999990000 });
    const stale = planWith(aptModule, { args: { update_cache: true, cache_valid_time: 60 }, probes: { apt: TIME } }).plan;
    expect(stale.commands).toHaveLength(1);
    const bad = plan.interpret!([result({ rc: 100, stderr: 'E: Failed to fetch file:/nowhere\n' })]);
    expect(bad.failed).toBe('Failed to update apt cache: E: Failed to fetch file:/nowhere');
  });

  it('update_cache with names: the cache is updated first and the packages are looked up again in the new cache, as Ansible re-opens it', () => {
    // Before the update the archive lists nothing: a plan from that probe alone would fail.
    const first = planWith(aptModule, { args: { name: 'python3-pip', update_cache: true }, probes: { apt: TIME } }).plan;
    expect(first.failed).toBeUndefined();
    expect(first.commands).toEqual([]);
    expect(cmdTexts(first.stage!)[0]).toMatch(/apt-get update -q && echo "tsplay-cache-time=.*&& echo tsplay-cache-before=1999990000$/);
    const updated = 'Reading package lists...\ntsplay-cache-time=2000000001\ntsplay-cache-before=1999990000\n';
    const again = planWith(aptModule, {
      args: { name: 'python3-pip', update_cache: true },
      probes: { apt: avail('python3-pip', '23.0.1') + 'cache_time=2000000001\nnow=2000000002\n' },
      staged: [updated],
    }).plan;
    expect(again.stage).toBeUndefined();
    expect(cmdTexts(again.commands)[0]).toMatch(/install python3-pip=23\.0\.1$/);
    expect(again.result).toMatchObject({ cache_updated: true, cache_update_time: 2000000001 });
    // Still missing after the update: Ansible's message.
    const missing = planWith(aptModule, { args: { name: 'nosuch', update_cache: true }, probes: { apt: TIME }, staged: [updated] }).plan;
    expect(missing.failed).toBe("No package matching 'nosuch' is available");
    const broken = planWith(aptModule, { args: { name: 'jq', update_cache: true }, probes: { apt: TIME }, staged: [{ rc: 100, stderr: 'E: Failed to fetch x\n' }] }).plan;
    expect(broken.failed).toBe('Failed to update apt cache: E: Failed to fetch x');
    // Check mode never updates (Ansible skips cache.update() there): planned from the old cache.
    expect(planWith(aptModule, { args: { name: 'nosuch', update_cache: true }, probes: { apt: TIME }, check: true }).plan.stage).toBeUndefined();
  });

  it('upgrade: one apt-get call, predicted from apt-get -s, changed from its summary', () => {
    const none = planWith(aptModule, { args: { upgrade: 'dist' }, probes: { apt: TIME + 'upgrade=0\n' } }).plan;
    expect(none.changed).toBe(false);
    const p = planWith(aptModule, { args: { upgrade: 'safe', autoremove: true }, probes: { apt: TIME + 'upgrade=2\n' } }).plan;
    expect(cmdTexts(p.commands)).toEqual([`${APT} upgrade --with-new-pkgs --auto-remove`]);
    expect(p.interpret!([result('Reading...\n0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n')]).changed).toBe(false);
    expect(planWith(aptModule, { args: { upgrade: 'yes', name: 'x' }, probes: { apt: TIME } }).plan.failed).toMatch(/mutually exclusive/);
  });

  it('autoremove / autoclean alone: changed from apt’s own words', () => {
    const p = planWith(aptModule, { args: { autoremove: true }, probes: { apt: TIME + 'autoremove=1\n' } }).plan;
    expect(cmdTexts(p.commands)).toEqual([`${APT} autoremove`]);
    expect(p.interpret!([result('The following packages will be REMOVED:\n  libfoo\n')]).changed).toBe(true);
    const c = planWith(aptModule, { args: { autoclean: true, update_cache: false }, probes: { apt: TIME + 'autoclean=0\n' } }).plan;
    expect(c.changed).toBe(false);
    expect(c.interpret!([result('Reading package lists...\n')]).changed).toBe(false);
  });

  it('deb: installs a local .deb with dpkg -i unless that version is installed; a URL is refused clearly', () => {
    const same = planWith(aptModule, { args: { deb: '/tmp/x.deb' }, probes: { apt: TIME + 'deb\tx\t1.0-1\t1.0-1\n' } }).plan;
    expect(same.commands).toEqual([]);
    const p = planWith(aptModule, { args: { deb: '/tmp/x.deb' }, probes: { apt: TIME + 'deb\tx\t1.0-2\t1.0-1\n' } }).plan;
    expect(cmdTexts(p.commands)).toEqual([`DEBIAN_FRONTEND=noninteractive DEBIAN_PRIORITY=critical LC_ALL=C LANG=C dpkg --force-confdef --force-confold -i /tmp/x.deb`]);
    expect(planWith(aptModule, { args: { deb: '/tmp/x.deb' }, probes: { apt: TIME + 'deberr\tdpkg-deb: error: failed to read archive\n' } }).plan.failed).toMatch(
      /^Unable to install package: dpkg-deb/,
    );
    expect(planWith(aptModule, { args: { deb: 'https://example.invalid/x.deb' }, probes: { apt: TIME } }).plan.failed).toMatch(/not from a URL/);
  });

  it('unknown args are refused naming the argument; every documented one is taken', () => {
    expect(() => planWith(aptModule, { args: { name: 'x', bogus: 1 }, probes: { apt: TIME } })).toThrow(/bogus/);
    const all = {
      name: 'curl',
      update_cache_retries: 3,
      update_cache_retry_max_delay: 5,
      force_apt_get: true,
      allow_change_held_packages: true,
      lock_timeout: 5,
      fail_on_autoremove: true,
      dpkg_options: 'force-confnew',
    };
    const p = planWith(aptModule, { args: all, probes: { apt: avail('curl', '1') + TIME } }).plan;
    expect(cmdTexts(p.commands)[0]).toBe(
      'DEBIAN_FRONTEND=noninteractive DEBIAN_PRIORITY=critical LC_ALL=C LANG=C apt-get -y -o Dpkg::Options::=--force-confnew -o DPkg::Lock::Timeout=5 --no-remove install curl=1 --allow-change-held-packages',
    );
  });

  it('hostile package names are quoted or refused', () => {
    expect(() => planWith(aptModule, { args: { name: '-o=APT::x' }, probes: { apt: '' } })).toThrow();
    const { plan, probeCmds } = planWith(aptModule, { args: { name: ['x$(id)'] }, probes: { apt: pkgLine('x$(id)', { cand: '1' }) + TIME } });
    expect(cmdTexts(plan.commands)[0]).toContain("install 'x$(id)=1'");
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

describe('package passes the other args to the backend module', () => {
  it('purge and default_release work on apt; dnf names what it does not take', () => {
    const a = planWith(packageModule, { args: { name: 'curl', state: 'absent', purge: true }, probes: { apt: inst('curl', '7.88') + TIME } }).plan;
    expect(cmdTexts(a.commands)).toEqual([`${APT} -q --purge remove curl`]);
    const d = planWith(packageModule, { args: { name: 'curl', state: 'absent', purge: true }, facts: rocky9, probes: { dnf: '' } }).plan;
    expect(d.failed).toBe('Unsupported parameters for (dnf) module: purge');
    const u = planWith(packageModule, { args: { name: 'curl', use: 'apt', nonsense: 1 }, probes: { apt: TIME } }).plan;
    expect(u.failed).toBe('Unsupported parameters for (apt) module: nonsense');
  });

  it('dnf: exclude, installroot, conf_file and friends become dnf options', () => {
    const { plan } = planWith(dnfModule, {
      args: { name: 'jq', exclude: ['kernel*'], installroot: '/mnt/r', conf_file: '/etc/my.conf', disable_gpg_check: true, enablerepo: 'tsplay-lab', disablerepo: '*' },
      facts: rocky9,
      probes: { dnf: 'pkg\tjq\t\n' },
    });
    expect(cmdTexts(plan.commands)).toEqual([
      "dnf -y '--disablerepo=*' --enablerepo=tsplay-lab --nogpgcheck '--exclude=kernel*' --installroot=/mnt/r --config=/etc/my.conf install -- jq",
    ]);
    expect(() => planWith(dnfModule, { args: { name: 'jq', list: 'installed' }, facts: rocky9, probes: { dnf: '' } })).toThrow(/list/);
  });
});

describe('dnf results as ansible names them', () => {
  it('check mode reads the --assumeno transaction table; a real run reads the Installed/Removed lists', () => {
    const table = [
      'Dependencies resolved.',
      'Installing:',
      ' wallarm-node-tarantool      noarch      4.8.0-1        tsplay-lab      5.0 k',
      'Installing dependencies:',
      ' libfoo                      x86_64      2:1.0-3.el9    baseos          20 k',
      'Removing:',
      ' oldpkg                      noarch      1-1            @System         1.0 k',
      'Transaction Summary',
    ];
    expect(dnfTableResults(table)).toEqual(['Installed: wallarm-node-tarantool-4.8.0-1.noarch', 'Installed: libfoo-2:1.0-3.el9.x86_64', 'Removed: oldpkg-1-1.noarch']);
    expect(dnfRunResults('Running transaction\nInstalled:\n  a-1-1.noarch  b-2-1.x86_64\n\nRemoved:\n  c-1-1.noarch\n\nComplete!\n')).toEqual([
      'Installed: a-1-1.noarch',
      'Installed: b-2-1.x86_64',
      'Removed: c-1-1.noarch',
    ]);
    const { plan, probeCmds } = planWith(dnfModule, {
      args: { name: 'jq' },
      facts: rocky9,
      check: true,
      probes: { dnf: 'pkg\tjq\t\ntx\tInstalling:\ntx\t jq   x86_64   1.6-15.el9   appstream   186 k\n' },
    });
    expect(probeCmds[0]).toContain('dnf --assumeno  install -- jq');
    expect(plan.result).toMatchObject({ msg: 'Check mode: No changes made, but would have if not in check mode', results: ['Installed: jq-1.6-15.el9.x86_64'] });
  });
});
