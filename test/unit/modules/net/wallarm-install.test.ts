import { describe, it, expect } from 'vitest';
import {
  wallarmInstallArgs,
  wallarmPreflightArgs,
  planInstall,
  planPreflight,
  parseMachineState,
  installerArgs,
  explainInstallFailure,
  wallarmInstallModule,
} from '../../../../src/wallarm/install.js';
import { installerUrl, checkOs, generationOf, supportsTls, compareVersions } from '../../../../src/wallarm/facts.js';
import { facts, cmds, ctx } from './helpers.js';

const TOKEN = 'api-Zm9vYmFyc2VjcmV0dG9rZW4';
const clean = parseMachineState('@@tsplay@@\n');
const install = (a: Record<string, unknown>) => wallarmInstallArgs.parse({ version: '6.12.1', component: 'postanalytics', token: TOKEN, group: 'prod', ...a });

describe('Wallarm facts', () => {
  it('builds the installer URL from base, major.minor, version and arch', () => {
    expect(installerUrl('https://meganode.wallarm.com', '6.12.1', 'x86_64')).toBe('https://meganode.wallarm.com/6.12/wallarm-6.12.1.x86_64-glibc.sh');
    expect(installerUrl('http://10.9.0.2:8080/mirror/', '4.10.5', 'aarch64')).toBe('http://10.9.0.2:8080/mirror/4.10/wallarm-4.10.5.aarch64-glibc.sh');
  });
  it('chooses the generation and TLS support from the version', () => {
    expect(generationOf('4.10.5')).toBe('tarantool');
    expect(generationOf('5.3.0')).toBe('tarantool');
    expect(generationOf('6.0.0')).toBe('wstore');
    expect(supportsTls('6.1.9')).toBe(false);
    expect(supportsTls('6.2.0')).toBe(true);
    expect(compareVersions('6.10.0', '6.9.9')).toBeGreaterThan(0);
  });
  it('checks the OS against the list of the version (the 4.x seed list is older)', () => {
    const os = (id: string, version: string) => ({ id, idLike: [], family: 'debian' as const, version, major: version.split('.')[0]!, name: `${id} ${version}` });
    expect(checkOs(os('debian', '13'), '6.12.1').ok).toBe(true);
    expect(checkOs(os('debian', '13'), '4.10.5').ok).toBe(false);
    expect(checkOs(os('ubuntu', '24.04'), '4.10.5').ok).toBe(false);
    expect(checkOs(os('ubuntu', '22.04'), '4.10.5').ok).toBe(true);
    expect(checkOs(os('rocky', '9.4'), '6.12.1').ok).toBe(true);
    const arch = checkOs(os('arch', 'rolling'), '6.12.1');
    expect(arch.ok).toBe(false);
    expect(arch.reason).toMatch(/not on the supported list for Wallarm 6\.12\.1 \(Debian 10, 11, 12, 13; Ubuntu 18\.04/);
  });
});

describe('wallarm_preflight', () => {
  const pre = (a: Record<string, unknown>) => wallarmPreflightArgs.parse({ version: '6.12.1', ...a });
  it('passes a clean supported machine and reports the installer arch', () => {
    const p = planPreflight(pre({}), facts({ arch: 'aarch64' }), clean);
    expect(p.failed).toBeUndefined();
    expect(p.commands).toEqual([]);
    expect(p.result).toMatchObject({ arch: 'aarch64', clean: true });
  });
  it('refuses an unsupported OS naming the list, unless allow_unsupported', () => {
    const f = facts({ os: { id: 'fedora', idLike: [], family: 'redhat', version: '40', major: '40', name: 'Fedora Linux 40' } });
    expect(planPreflight(pre({}), f, clean).failed).toMatch(/Fedora Linux 40 is not on the supported list.*RHEL 8, 9, 10.*allow_unsupported/);
    expect(planPreflight(pre({ allow_unsupported: true }), f, clean).failed).toBeUndefined();
  });
  it('refuses an unknown CPU architecture', () => {
    expect(planPreflight(pre({}), facts({ arch: 'ppc64le' }), clean).failed).toMatch(/ppc64le has no Wallarm installer/);
  });
  it('refuses a machine that is not clean, listing what it found, unless force', () => {
    const dirty = parseMachineState('@@tsplay@@\nopt_wallarm=yes\nuser=yes\npkg=wallarm-node-tarantool\n');
    const p = planPreflight(pre({}), facts(), dirty);
    expect(p.failed).toMatch(/not clean: \/opt\/wallarm exists; the system user "wallarm" exists; wallarm packages are installed \(wallarm-node-tarantool\)/);
    expect(p.failed).toMatch(/systemctl stop wallarm && rm -rf \/opt\/wallarm/);
    expect(planPreflight(pre({ force: true }), facts(), dirty).failed).toBeUndefined();
  });
  it('accepts its own install of the same version (second run), not another version', () => {
    const ours = parseMachineState('opt_wallarm=yes\nregistered=yes\nversion=6.12.1\nuser=yes\n');
    expect(planPreflight(pre({}), facts(), ours).failed).toBeUndefined();
    expect(planPreflight(pre({ version: '6.13.0' }), facts(), ours).failed).toMatch(/version 6\.12\.1/);
  });
});

describe('wallarm_install', () => {
  it('API token without group is a schema error; a node token needs no group', () => {
    expect(() => wallarmInstallArgs.parse({ version: '6.12.1', component: 'postanalytics', token: TOKEN })).toThrow(/WALLARM_LABELS='group=<GROUP>'/);
    expect(() => wallarmInstallArgs.parse({ version: '6.12.1', component: 'postanalytics', token: 'n1', token_type: 'node' })).not.toThrow();
    expect(() => install({ cloud: 'APAC' })).toThrow();
    expect(() => install({ version: '6.12' })).toThrow(/X\.Y\.Z/);
  });

  it('downloads, runs the installer with the token from stdin (never on the command line) and labels the group', () => {
    const p = planInstall(install({}), facts(), clean);
    expect(p.changed).toBe(true);
    const c = p.commands[0]!;
    expect(c.kind).toBe('shell');
    if (c.kind !== 'shell') return;
    expect(c.cmd.text).not.toContain(TOKEN);
    expect(c.describe).not.toContain(TOKEN);
    expect(c.stdin).toBe(TOKEN + '\n');
    expect(c.env).toEqual({ WALLARM_LABELS: 'group=prod' });
    // scripts/install.sh, its inputs assigned first (quoted), the installer's words as "$@".
    expect(c.cmd.text).toContain('\nurl=https://meganode.wallarm.com/6.12/wallarm-6.12.1.x86_64-glibc.sh\n');
    expect(c.cmd.text).toContain('\ndest=/var/tmp/tsplay-wallarm/wallarm-6.12.1.x86_64-glibc.sh\n');
    expect(c.cmd.text).toContain('\ndownload=yes\n');
    expect(c.cmd.text).toContain('\nset -- --batch -c EU postanalytics\n');
    expect(c.cmd.text).toContain('curl -fsSL --retry 3 -o "$dest.part" "$url"');
    expect(c.cmd.text).toContain('sh "$dest" -- -t "$WALLARM_TOKEN" "$@"');
    expect(c.cmd.text).toContain('\nversion=6.12.1\nnode_yaml=/opt/wallarm/etc/wallarm/node.yaml\nversion_marker=/opt/wallarm/.tsplay-version\n');
    expect(p.setFacts).toEqual({ wallarm_installed_version: '6.12.1' });
  });

  it('node token: no labels; ME cloud and explicit API host go through -H; filtering part', () => {
    const node = planInstall(install({ token_type: 'node', group: undefined, cloud: 'ME', component: 'filtering' }), facts(), clean);
    const c = node.commands[0]!;
    expect(c.kind === 'shell' && c.env).toEqual({});
    expect(installerArgs(install({ cloud: 'ME' }))).toEqual(['--batch', '-H', 'me1.api.wallarm.com', 'postanalytics']);
    expect(installerArgs(install({ api_host: 'api.example.test', api_port: 8443, component: 'filtering' }))).toEqual([
      '--batch',
      '-H',
      'api.example.test',
      '-P',
      '8443',
      'filtering',
    ]);
    expect(installerArgs(install({ cloud: 'US', component: 'all' }))).toEqual(['--batch', '-c', 'US']);
  });

  it('checks sha256 and skips the download when the file already matches', () => {
    const sha = 'a'.repeat(64);
    const p = planInstall(install({ sha256: sha }), facts(), clean);
    expect(cmds(p)[0]).toContain(`\nsha256=${sha}\n`);
    expect(cmds(p)[0]).toContain('if [ "$got" != "$sha256" ]');
    const cached = planInstall(install({ sha256: sha }), facts(), { ...clean, installerSha256: sha });
    expect(cmds(cached)[0]).toContain('\ndownload=no\n');
  });

  it('leaves a registered node of the wanted version alone (idempotent)', () => {
    const p = planInstall(install({}), facts(), parseMachineState('opt_wallarm=yes\nregistered=yes\nversion=6.12.1\n'));
    expect(p).toMatchObject({ changed: false, commands: [] });
    expect(p.msg).toMatch(/already installed/);
  });

  it('refuses another version on the machine, pointing to the clean-machine rule', () => {
    const p = planInstall(install({}), facts(), parseMachineState('opt_wallarm=yes\nregistered=yes\nversion=4.10.5\n'));
    expect(p.failed).toMatch(/Wallarm 4\.10\.5 is already on this machine.*cannot upgrade in place.*clean machine/);
    const unknown = planInstall(install({}), facts(), parseMachineState('opt_wallarm=yes\nregistered=yes\n'));
    expect(unknown.failed).toMatch(/unknown version/);
  });

  it('explains installer failures with the token redacted', () => {
    const p = planInstall(install({}), facts(), clean);
    const out = p.interpret!([
      {
        rc: 4,
        stdout: `using token ${TOKEN}\nERROR: registration failed: label "group" is required for this registration type\ntsplay: installer exited 4\n`,
        stderr: '',
        durationMs: 1,
      },
    ]);
    expect(out.failed).toMatch(/set token_type: api and group/);
    expect(out.failed).not.toContain(TOKEN);
    expect(explainInstallFailure({ rc: 93, stdout: 'tsplay: sha256 mismatch for x', stderr: '', durationMs: 1 }, TOKEN)).toMatch(/does not match sha256/);
    expect(p.interpret!([{ rc: 0, stdout: '', stderr: '', durationMs: 1 }])).toMatchObject({ changed: true });
  });

  it('probes node.yaml, the version marker (or setup.sh --version), the user, packages and a cached installer', () => {
    const probe = wallarmInstallModule.probes!(install({}), ctx({}))[0]!;
    expect(probe.cmd.text).toContain('\nnode_yaml=/opt/wallarm/etc/wallarm/node.yaml\n');
    expect(probe.cmd.text).toContain('\ninstaller=/var/tmp/tsplay-wallarm/wallarm-6.12.1.x86_64-glibc.sh\n');
    expect(probe.cmd.text).toContain('sh "$root/setup.sh" --version');
    expect(probe.cmd.text).toContain("dpkg-query -W -f='pkg=${Package} ${Status}\\n' 'wallarm*'");
    expect(parseMachineState('opt_wallarm=yes\nregistered=yes\nversion=6.12.1\nuser=yes\npkg=wallarm-node\ninstaller_sha256=abc\n')).toEqual({
      optWallarm: true,
      registered: true,
      version: '6.12.1',
      wallarmUser: true,
      packages: ['wallarm-node'],
      installerSha256: 'abc',
    });
  });
});

describe('scripts/machine-state.sh, run for real (read-only)', () => {
  it('reports a cached installer by its sha256, also at a path a shell would split', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { execFileSync } = await import('node:child_process');
    const { createHash } = await import('node:crypto');
    const dir = mkdtempSync(join(tmpdir(), "wallarm state $(x) '"));
    try {
      const file = join(dir, 'wallarm-6.12.1.x86_64-glibc.sh');
      writeFileSync(file, 'installer bytes\n');
      const probe = wallarmInstallModule.probes!(install({ dest_dir: dir }), ctx({}))[0]!;
      const out = execFileSync('sh', ['-c', probe.cmd.text], { encoding: 'utf8' });
      expect(parseMachineState(out).installerSha256).toBe(createHash('sha256').update('installer bytes\n').digest('hex'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
