// lookup('url') against a loopback HTTP server (in a child process: the lookup blocks this one
// while it waits) and lookup('config'), with the texts ansible-core 2.14 gives.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateValue } from '../../../src/template/ansible.js';
import { withTemplateWarnings } from '../../../src/template/warnings.js';

const SERVER = `
require('http').createServer((req, res) => {
  if (req.url === '/a.txt') { res.end('line1\\nline2\\r\\n\\nlast'); return; }
  if (req.url === '/agent') { res.end(req.headers['user-agent'] + ' ' + (req.headers['x-k'] || '') + ' ' + (req.headers.authorization || '')); return; }
  if (req.url === '/moved') { res.writeHead(302, { location: '/a.txt' }); res.end(); return; }
  res.writeHead(404, 'File not found'); res.end('no');
}).listen(0, '127.0.0.1', function () { process.stdout.write(String(this.address().port) + '\\n'); });
`;
let server: ChildProcess;
let base = '';

beforeAll(async () => {
  server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => server.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => {
  server.kill();
});

const t = (s: string, extra: Record<string, unknown> = {}): unknown => templateValue(s, { base, ...extra });

describe("lookup('url')", () => {
  it('returns the lines of the body (Python splitlines), or the whole body with split_lines=False', () => {
    expect(t("{{ query('url', base ~ '/a.txt') }}")).toEqual(['line1', 'line2', '', 'last']);
    expect(t("{{ lookup('url', base ~ '/a.txt') }}")).toBe('line1,line2,,last');
    expect(t("{{ lookup('url', base ~ '/a.txt', split_lines=False) }}")).toBe('line1\nline2\r\n\nlast');
    expect(t("{{ lookup('url', base ~ '/moved', split_lines=False) }}")).toBe('line1\nline2\r\n\nlast');
  });

  it('sends ansible-httpget as the agent, headers, and basic auth when forced', () => {
    expect(t("{{ lookup('url', base ~ '/agent', headers={'X-K': 'v'}, username='u', password='p', force_basic_auth=True) }}")).toBe('ansible-httpget v Basic dTpw');
  });

  it("fails with ansible's texts (errors='ignore' gives None)", () => {
    expect(() => t("{{ lookup('url', base ~ '/missing') }}")).toThrow(`Received HTTP error for ${base}/missing : HTTP Error 404: File not found`);
    expect(() => t("{{ lookup('url', 'http://127.0.0.1:1/x') }}")).toThrow('Failed lookup url for http://127.0.0.1:1/x : <urlopen error [Errno 111] Connection refused>');
    expect(t("{{ lookup('url', base ~ '/missing', errors='ignore') is none }}")).toBe(true);
  });

  it('refuses a URL that is not loopback, naming the rule (nothing is fetched)', () => {
    expect(() => t("{{ lookup('url', 'https://example.com/x') }}")).toThrow(/only loopback URLs .* https:\/\/example.com\/x is not one/);
    expect(() => t("{{ lookup('url', 'http://10.0.0.1/x') }}")).toThrow(/only loopback URLs/);
    expect(t("{{ lookup('url', 'http://localhost:1/x', errors='ignore') is none }}")).toBe(true);
  });
});

describe("lookup('config')", () => {
  it('answers the settings tsplay has with the values it uses', () => {
    expect(t("{{ lookup('config', 'DEFAULT_BECOME_USER') }}")).toBe('root');
    expect(t("{{ query('config', 'DEFAULT_BECOME', 'DEFAULT_BECOME_METHOD', 'DEFAULT_REMOTE_USER', 'TASK_TIMEOUT') }}")).toEqual([false, 'sudo', null, 0]);
  });

  it("a missing setting: an error, a warning or nothing (on_missing), and ansible's option errors", () => {
    expect(() => t("{{ lookup('config', 'NOPE') }}")).toThrow(/^Unable to find setting NOPE/);
    const warnings: string[] = [];
    expect(
      withTemplateWarnings(
        (m) => warnings.push(m),
        () => t("{{ query('config', 'NOPE', 'DEFAULT_STRATEGY', on_missing='warn') }}"),
      ),
    ).toEqual(['linear']);
    expect(warnings).toEqual(['Skipping, did not find setting NOPE']);
    expect(t("{{ query('config', 'NOPE', on_missing='skip') }}")).toEqual([]);
    expect(() => t("{{ lookup('config', 'NOPE', on_missing='bad') }}")).toThrow(
      'Invalid value "bad" for configuration option "plugin_type: lookup plugin: config setting: on_missing ", valid values are: error, skip, warn',
    );
    expect(() => t("{{ lookup('config', 5) }}")).toThrow(`Invalid setting identifier, "5" is not a string, its a <class 'int'>`);
    expect(() => t("{{ lookup('config', 'remote_user', plugin_type='connection') }}")).toThrow('Both plugin_type and plugin_name are required, cannot use one without the other');
    // an option error is raised whatever errors= says, as ansible's Templar does
    expect(() => t("{{ lookup('config', 5, errors='ignore') }}")).toThrow(/Invalid setting identifier/);
  });
});
