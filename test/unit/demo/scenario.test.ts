// The pieces of the demo scenario that need no Docker: the inventory it writes, what it reads back
// from a run report, and the CLI's usage errors for `lab` / `demo`.
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { changedTasks, scenarioImages, scenarioInventoryYaml, verifiedTntErrors, DEMO_IMAGES, type ScenarioHost } from '../../../src/demo/scenario.js';
import { rerunJsonPath } from '../../../src/cli/demo.js';
import { main, type Io } from '../../../src/cli/main.js';
import type { HostTaskResult, RunReport } from '../../../src/engine/report.js';

const hosts: ScenarioHost[] = [
  { name: 'pa-old-1', role: 'postanalytics_old', container: 'c0', image: 'debian-12', address: '10.1.0.2' },
  { name: 'pa-new-1', role: 'postanalytics', container: 'c1', image: 'debian-12', address: '10.1.0.3' },
  { name: 'nginx-1', role: 'filtering', container: 'c2', image: 'debian-12-nginx', address: '10.1.0.4' },
  { name: 'outsider', role: 'outsider', container: 'c3', image: 'debian-12', address: '10.1.0.5' },
];

describe('scenario inventory', () => {
  const inv = YAML.parse(
    scenarioInventoryYaml(hosts, {
      keyPath: '/k',
      knownHostsPath: '/kh',
      version: '6.12.1',
      group: 'g',
      installerBaseUrl: 'http://10.1.0.9:8080',
      groupVars: { postanalytics: { wallarm_port: 3314 } },
    }),
  ) as { all: { vars: Record<string, unknown>; children: Record<string, { hosts: Record<string, Record<string, unknown>>; vars?: Record<string, unknown> }> } };

  it('has the three groups of inventory/example.yml, wallarm_address per host, and leaves the outsider out', () => {
    expect(Object.keys(inv.all.children)).toEqual(['postanalytics_old', 'postanalytics', 'filtering']);
    expect(inv.all.children['postanalytics']!.hosts['pa-new-1']).toMatchObject({ ansible_host: '10.1.0.3', wallarm_address: '10.1.0.3' });
    expect(inv.all.children['postanalytics']!.vars).toEqual({ wallarm_port: 3314 });
    expect(JSON.stringify(inv)).not.toContain('outsider');
  });

  it('reads the token from the environment (never a literal) and carries version, group and installer URL', () => {
    expect(inv.all.vars).toMatchObject({
      wallarm_token: '{{ env.WALLARM_API_TOKEN }}',
      wallarm_token_type: 'api',
      wallarm_version: '6.12.1',
      wallarm_group: 'g',
      installer_base_url: 'http://10.1.0.9:8080',
      ansible_ssh_private_key_file: '/k',
      tsplay_host_key_checking: 'accept-new',
    });
  });

  it('a scenario without the old node has no postanalytics_old group', () => {
    const y = YAML.parse(scenarioInventoryYaml(hosts.slice(1), { keyPath: '/k', knownHostsPath: '/kh', version: '6.12.1', group: 'g', installerBaseUrl: 'http://x' })) as {
      all: { children: Record<string, unknown> };
    };
    expect(Object.keys(y.all.children)).toEqual(['postanalytics', 'filtering']);
  });

  it('needs the installer server image besides the node images, each once', () => {
    expect(scenarioImages(DEMO_IMAGES, false)).toEqual(['debian-12', 'debian-13', 'debian-12-nginx', 'debian-13-nginx']);
    expect(scenarioImages({ ...DEMO_IMAGES, postanalytics: ['debian-11'], filtering: ['debian-12-nginx'] }, false, false)).toEqual(['debian-11', 'debian-12-nginx', 'debian-12']);
  });
});

function result(host: string, status: HostTaskResult['status'], extra: Partial<HostTaskResult> = {}): HostTaskResult {
  return { host, status, changed: status === 'changed', durationMs: 1, ...extra };
}

const report: RunReport = {
  tool: 'tsplay',
  version: '0',
  playbook: 'p.yml',
  inventory: [],
  mode: 'run',
  startedAt: '',
  finishedAt: '',
  durationMs: 1,
  exitCode: 0,
  recap: {},
  plays: [
    {
      name: 'postanalytics',
      hosts: ['pa-new-1'],
      tasks: [
        {
          name: 'Check the Wallarm postanalytics node',
          module: 'wallarm_verify',
          results: [result('pa-new-1', 'ok', { result: { component: 'postanalytics', listening: true } })],
        },
        { name: 'Set SLAB_ALLOC_ARENA', module: 'env_file', results: [result('pa-new-1', 'changed')] },
      ],
    },
    {
      name: 'switch',
      hosts: ['nginx-1', 'nginx-2'],
      tasks: [
        {
          name: 'Check the Wallarm filtering node',
          module: 'wallarm_verify',
          results: [
            result('nginx-1', 'ok', { result: { component: 'filtering', tnt_errors: 0 } }),
            result('nginx-2', 'failed', { result: { component: 'filtering', tnt_errors: 3 } }),
          ],
        },
      ],
    },
  ],
};

describe('reading a run report', () => {
  it('verifiedTntErrors: the filtering nodes only, with their last tnt_errors', () => {
    expect(verifiedTntErrors(report)).toEqual({ 'nginx-1': 0, 'nginx-2': 3 });
  });

  it('changedTasks names host, play, task and module', () => {
    expect(changedTasks(report)).toEqual(['pa-new-1: postanalytics / Set SLAB_ALLOC_ARENA [env_file]']);
  });

  it('the re-run report goes beside --json FILE', () => {
    expect(rerunJsonPath('/tmp/demo.json')).toBe('/tmp/demo.rerun.json');
    expect(rerunJsonPath('out')).toBe('out.rerun.json');
  });
});

describe('CLI usage errors (no Docker needed)', () => {
  const io = (): Io & { text: () => string } => {
    let t = '';
    return { out: (s) => (t += s), err: (s) => (t += s), isTTY: false, text: () => t };
  };

  it('lab up without --hosts, or with a bad number, is a usage error (exit 5)', async () => {
    const a = io();
    expect(await main(['lab', 'up'], a)).toBe(5);
    expect(a.text()).toContain("required option '--hosts <n>' not specified");
    const b = io();
    expect(await main(['lab', 'up', '--hosts', '0'], b)).toBe(5);
    expect(b.text()).toContain('--hosts takes a whole number ≥ 1, got "0"');
  });

  it('lab build with an unknown image names the known ones (exit 5)', async () => {
    const a = io();
    expect(await main(['lab', 'build', '--image', 'debian-99'], a)).toBe(5);
    expect(a.text()).toContain('unknown lab image "debian-99"');
    expect(a.text()).toContain('debian-12-nginx');
  });
});
