import { type Command, InvalidArgumentError } from 'commander';
import type { Io } from './io.js';
import { EXIT } from './exit-codes.js';
import { TsplayError } from '../errors.js';
import { RECIPES, findRecipe } from '../lab/recipes/index.js';

/** Docker, debootstrap and the image builder load with a `tsplay lab` command, not with every command. */
const loadLab = () => import('../lab/index.js');

const collect = (v: string, prev: string[] = []) => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

function hostsArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--hosts takes a whole number ≥ 1, got "${v}"`);
  return n;
}

/** `tsplay lab build|up|down`: local Docker targets for trying playbooks (see docs/lab.md). */
export function registerLabCommands(program: Command, io: Io, setCode: (c: number) => void): void {
  const log = (l: string): void => io.out(`${l}\n`);
  const lab = program.command('lab').description('local Docker targets (systemd + sshd) to run playbooks against');

  lab
    .command('build')
    .description(`build the lab images (offline debootstrap, cached): ${RECIPES.map((r) => r.name).join(', ')}`)
    .option('--image <name>', 'only this image (repeatable, comma-separated)', collect, [])
    .option('--force', 'rebuild even when cached')
    .action(async (flags: { image: string[]; force?: boolean }) => {
      const unknown = flags.image.filter((i) => !findRecipe(i));
      if (unknown.length) throw new TsplayError('USAGE', `unknown lab image "${unknown[0]}"`, { hint: `known images: ${RECIPES.map((r) => r.name).join(', ')}` });
      const { buildImages, formatBuildSummary } = await loadLab();
      const summary = await buildImages({ images: flags.image.length ? flags.image : undefined, force: flags.force, log });
      io.out(`${formatBuildSummary(summary)}\n`);
      setCode(summary.images.some((i) => i.status === 'failed') ? EXIT.HOST_FAILED : EXIT.OK);
    });

  lab
    .command('up')
    .description('start N targets on the tsplay-lab network and write an inventory reaching them')
    .requiredOption('--hosts <n>', 'number of targets', hostsArg)
    .option('--image <name>', 'image(s), dealt out round-robin (repeatable, comma-separated; default debian-12)', collect, [])
    .option('--inventory <path>', 'where to write the inventory (default .tsplay/lab/<name>/inventory.yml)')
    .option('--name <name>', 'lab name (several labs can run side by side)', 'lab')
    .action(async (flags: { hosts: number; image: string[]; inventory?: string; name: string }) => {
      const { labUp } = await loadLab();
      const r = await labUp({ hosts: flags.hosts, images: flags.image, inventoryPath: flags.inventory, name: flags.name, log });
      for (const h of r.hosts) io.out(`  ${h.name.padEnd(12)} ${h.address.padEnd(15)} ${h.image}\n`);
      io.out(`inventory: ${r.inventoryPath}\n`);
      io.out(`try:       tsplay run PLAYBOOK -i ${r.inventoryPath}\n`);
      io.out(`remove:    tsplay lab down${flags.name === 'lab' ? '' : ` --name ${flags.name}`}\n`);
      setCode(EXIT.OK);
    });

  lab
    .command('down')
    .description('remove a lab: its containers, its inventory and state, the network when unused')
    .option('--name <name>', 'lab name', 'lab')
    .action(async (flags: { name: string }) => {
      const { labDown } = await loadLab();
      await labDown({ name: flags.name, log });
      setCode(EXIT.OK);
    });
}
