import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import type { Io } from './io.js';
import { reportError } from './exit-codes.js';
import { EXIT } from './exit-codes.js';
import { reportersFor, runWithSignals } from './run-options.js';
import type { RunReport } from '../engine/report.js';
import { formatRecap } from '../reporters/plain.js';
import type { Scenario } from '../demo/scenario.js';

/** The lab and the demo scenario load with `tsplay demo`, not with every command. */
async function loadDemo() {
  return { ...(await import('../lab/docker.js')), ...(await import('../lab/lab.js')), ...(await import('../demo/scenario.js')) };
}

export const DEMO_LAB = 'demo';
const PLAYBOOK = 'playbooks/upgrade.yml';

interface DemoFlags {
  keep?: boolean;
  json?: string;
  wallarmVersion: string;
}

/** `--json FILE` keeps the upgrade run there and the idempotence re-run beside it. */
export function rerunJsonPath(file: string): string {
  return file.endsWith('.json') ? `${file.slice(0, -5)}.rerun.json` : `${file}.rerun.json`;
}

/** `tsplay demo`: the Wallarm blue/green upgrade on a local lab, twice (the second must change nothing). */
export async function demoCommand(flags: DemoFlags, io: Io): Promise<number> {
  const t0 = Date.now();
  const log = (l: string): void => io.out(`demo: ${l}\n`);
  const secs = (): string => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
  let scenario: Scenario | undefined;
  let code: number = EXIT.OK;
  const { LABELS, labDown, labStateDir, LAB_NETWORK, changedTasks, startScenario, verifiedTntErrors } = await loadDemo();
  try {
    // A lab left by `tsplay demo --keep` is replaced.
    await labDown({ name: DEMO_LAB, log: () => undefined });
    log('starting the lab: old postanalytics (package), 2 new postanalytics hosts, 2 NGINX filtering nodes on the old upstream');
    scenario = await startScenario({
      name: DEMO_LAB,
      version: flags.wallarmVersion,
      network: LAB_NETWORK,
      removeNetwork: false,
      labels: { [LABELS.labInstance]: DEMO_LAB },
      stateDir: labStateDir(DEMO_LAB),
      // As in inventory/example.yml: configure-host-port then has real work (and a wallarm restart).
      vars: { wallarm_slab_alloc_arena: 2 },
      log,
    });
    log(`lab ready after ${secs()}; inventory: ${scenario.inventoryPath}`);

    io.out(`\n==> tsplay run ${PLAYBOOK} (upgrade to Wallarm ${scenario.version})\n`);
    const first = await runWithSignals(scenario.runOptions(PLAYBOOK, { reporters: reportersFor(runFlags(flags.json), io) }));
    if (first.exitCode !== 0) {
      io.err(`demo: the upgrade failed (exit ${first.exitCode}); see the output above.\n`);
      code = first.exitCode;
      return code;
    }
    io.out(`\n==> tsplay run ${PLAYBOOK} again: nothing may change\n`);
    const second = await runWithSignals(scenario.runOptions(PLAYBOOK, { reporters: reportersFor(runFlags(flags.json && rerunJsonPath(flags.json)), io) }));
    if (second.exitCode !== 0) {
      io.err(`demo: the second run failed (exit ${second.exitCode})\n`);
      code = second.exitCode;
      return code;
    }
    const changed = changedTasks(second);
    io.out(summary(first, second, scenario, verifiedTntErrors));
    if (changed.length) {
      io.err(`demo: NOT idempotent: the second run changed ${changed.length} task result(s):\n${changed.map((c) => `  ${c}`).join('\n')}\n`);
      code = EXIT.HOST_FAILED;
      return code;
    }
    io.out(`demo: done in ${secs()}: upgraded, verified, old node removed, second run changed=0\n`);
    return code;
  } catch (e) {
    code = reportError(e, io);
    return code;
  } finally {
    if (scenario && flags.keep) {
      io.out(keepText(scenario));
    } else if (scenario) {
      log('removing the lab (use --keep to leave it up)');
      await scenario.stop().catch((e: unknown) => io.err(`demo: cleanup: ${(e as Error).message}\n`));
      await labDown({ name: DEMO_LAB, log: () => undefined }).catch(() => undefined);
      rmSync(labStateDir(DEMO_LAB), { recursive: true, force: true });
    }
  }
}

function runFlags(json: string | undefined) {
  return { inventory: [], tags: [], skipTags: [], extraVars: [], forks: 10, verbose: 0, ...(json ? { json } : {}) };
}

function summary(
  first: RunReport,
  second: RunReport,
  s: Scenario,
  verifiedTntErrors: (r: RunReport) => ReturnType<Awaited<ReturnType<typeof loadDemo>>['verifiedTntErrors']>,
): string {
  let out = `\n==> summary\nupgrade run (exit ${first.exitCode}, ${(first.durationMs / 1000).toFixed(1)} s):${formatRecap(first)}`;
  out += `\nsecond run (exit ${second.exitCode}, ${(second.durationMs / 1000).toFixed(1)} s):${formatRecap(second)}`;
  const tnt = verifiedTntErrors(first);
  const tnt2 = verifiedTntErrors(second);
  out += '\nverified tnt_errors per filtering node (upgrade run / second run):\n';
  for (const f of s.byRole('filtering')) out += `  ${f.name.padEnd(10)} ${f.address.padEnd(15)} tnt_errors=${tnt[f.name] ?? '?'} / ${tnt2[f.name] ?? '?'}\n`;
  return out;
}

function keepText(s: Scenario): string {
  const lines = ['', `demo: the lab is still up (--keep). Inventory: ${s.inventoryPath}`];
  for (const h of s.hosts) lines.push(`  ${h.name.padEnd(10)} ${h.address.padEnd(15)} ${h.image.padEnd(16)} docker exec -it ${h.container} bash`);
  lines.push(`  ssh: ssh -i ${s.keyPath} -o StrictHostKeyChecking=no root@<address>`);
  lines.push(`  run it again: WALLARM_API_TOKEN=api-anything tsplay run ${PLAYBOOK} -i ${s.inventoryPath}`);
  lines.push(`  remove it:    tsplay lab down --name ${DEMO_LAB}`);
  return lines.join('\n') + '\n';
}

export function registerDemoCommand(program: Command, io: Io, setCode: (c: number) => void): void {
  program
    .command('demo')
    .description('the Wallarm postanalytics upgrade (playbooks/upgrade.yml) on a local Docker lab, run twice; cleans up unless --keep')
    .option('--keep', 'leave the lab running afterwards (remove it with `tsplay lab down --name demo`)')
    .option('--json <file>', 'write the upgrade run report as JSON (the second run beside it, *.rerun.json)')
    .option('--wallarm-version <x.y.z>', 'Wallarm version to upgrade to', '6.12.1')
    .action(async (flags: DemoFlags) => {
      setCode(await demoCommand(flags, io));
    });
}
