// Shared by the Wallarm end-to-end files: the scenario of src/demo/scenario.ts on a labelled test
// network (the e2e sweep removes leftovers), plus read-only probes used in the assertions.
import '../harness/env.js';
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { LABELS } from '../../../src/lab/docker.js';
import { testRunLabel } from '../../../src/lab/lab.js';
import { startScenario, statusUntil, type Scenario, type ScenarioHost, type ScenarioOptions } from '../../../src/demo/scenario.js';
import { createTestNetwork } from '../harness/targets.js';
import { runTsplay, type TsplayRun } from '../harness/check-role.js';

export type { Scenario, ScenarioHost };

/** Start the scenario on a fresh labelled network; progress lines go to the test log. */
export async function startTestScenario(opts: ScenarioOptions = {}): Promise<Scenario> {
  const network = await createTestNetwork();
  return startScenario({
    name: `e2e-${randomBytes(3).toString('hex')}`,
    network,
    removeNetwork: true,
    labels: { [LABELS.test]: testRunLabel() },
    log: (l) => console.log(`scenario: ${l}`),
    ...opts,
  });
}

/** `tsplay run PLAYBOOK -i <scenario inventory> ARGS…` through the CLI (exit code + --json report). */
export function runPlaybookCli(s: Scenario, playbook: string, args: string[] = []): Promise<TsplayRun> {
  return runTsplay(['run', playbook, '-i', s.inventoryPath, ...args]);
}

/** A TCP connect from one container to another's port: 'open', 'refused' or 'timeout'. */
export async function tcpConnect(s: Scenario, from: ScenarioHost, to: string, port: number): Promise<string> {
  const r = await s.exec(
    from,
    `python3 -c 'import socket,sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3); print("open")
except socket.timeout: print("timeout")
except ConnectionRefusedError: print("refused")
except OSError as e: print("error", e)' ${to} ${port}`,
  );
  return r.stdout.trim();
}

/** The servers of one upstream block of /etc/nginx/nginx.conf (`ip:port`), read from the file. */
export async function upstreamServers(s: Scenario, f: ScenarioHost, name: string): Promise<string[]> {
  const conf = (await s.exec(f, 'cat /etc/nginx/nginx.conf')).stdout;
  const block = new RegExp(`upstream\\s+${name}\\s*\\{([^}]*)\\}`).exec(conf);
  if (!block) return [];
  return [...block[1]!.matchAll(/^\s*server\s+(\S+)/gm)].map((m) => m[1]!);
}

export async function nginxTest(s: Scenario, f: ScenarioHost): Promise<{ rc: number; out: string }> {
  const r = await s.exec(f, 'nginx -t 2>&1');
  return { rc: r.rc, out: r.stdout + r.stderr };
}

/** Send a request with a unique marker through a filtering node; return the new postanalytics host that recorded it. */
export async function attackReaches(s: Scenario, f: ScenarioHost, targets: ScenarioHost[]): Promise<{ host: string; record: Record<string, unknown> } | undefined> {
  const marker = `e2e${randomBytes(4).toString('hex')}`;
  const r = await s.exec(f, `curl -s -o /dev/null -w '%{http_code}' 'http://localhost/etc/passwd?${marker}'`);
  expect(r.rc, r.stderr).toBe(0);
  for (let i = 0; i < 50; i++) {
    for (const t of targets) {
      const g = await s.exec(t, `grep -h ${marker} /opt/wallarm/var/lib/wallarm-standin/requests.jsonl 2>/dev/null`);
      if (g.rc === 0 && g.stdout.trim()) return { host: t.name, record: JSON.parse(g.stdout.trim().split('\n')[0]!) as Record<string, unknown> };
    }
    await new Promise((res) => setTimeout(res, 200));
  }
  return undefined;
}

/** The live /wallarm-status of a filtering node once it counted at least `minRequests`. */
export async function liveStatus(s: Scenario, f: ScenarioHost, minRequests = 1, tries = 50): Promise<Record<string, unknown> | undefined> {
  return statusUntil(
    f,
    (h, c) => s.exec(h, c),
    (st) => Number(st['requests']) >= minRequests,
    tries,
  );
}

/** Whether dpkg has the package installed ("install ok installed"; removed-with-config does not count). */
export async function dpkgInstalled(s: Scenario, h: ScenarioHost, pkg: string): Promise<boolean> {
  const r = await s.exec(h, `dpkg-query -W -f='\${Status}' ${pkg} 2>/dev/null`);
  return r.rc === 0 && r.stdout.trim() === 'install ok installed';
}

/** Output tail for failure messages. */
export function tail(run: TsplayRun, n = 60): string {
  return (run.stdout + '\n' + run.stderr).trim().split('\n').slice(-n).join('\n');
}
