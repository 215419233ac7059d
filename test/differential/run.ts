// The differential harness's command line (test/differential/README.md):
//   npx tsx test/differential/run.ts [--target docker|local] [--only SUBSTRING] [--json OUT]
//                                    [--markdown] [--parallel N] [--shards N] [--tsplay-cli] [--notes] [--quiet]
//                                    [--from-json FILE]  (print / --markdown a saved --json report, run nothing)
// Exit status: 0 when every difference is listed in deliberate.yml and no entry there is stale;
// 1 on any other difference; 2 when the harness could not run (no Docker, no ansible-playbook).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DIFF_DIR, formatDifferences, formatMarkdown, formatTable, interruptHarness, loadDeliberate, runHarness, writeMarkdown, type HarnessResult } from './harness/harness.js';
import { REPO } from './harness/tools.js';
import type { Target } from './harness/sides.js';

const USAGE =
  'usage: npx tsx test/differential/run.ts [--target docker|local] [--only SUBSTRING] [--json OUT] [--markdown] [--parallel N] [--shards N] [--tsplay-cli] [--notes] [--quiet] [--from-json FILE]';

async function main(argv: string[]): Promise<number> {
  let target: Target = 'docker';
  let only: string | undefined;
  let json: string | undefined;
  let markdown = false;
  let notes = false;
  let quiet = false;
  let parallel: number | undefined;
  let shards: number | undefined;
  let tsplayCli = false;
  let fromJson: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--target') {
      const v = val();
      if (v !== 'docker' && v !== 'local') throw new Error(`--target must be docker or local\n${USAGE}`);
      target = v;
    } else if (a === '--only') only = val();
    else if (a === '--json') json = val();
    else if (a === '--parallel') parallel = Number(val());
    else if (a === '--shards') shards = Number(val());
    else if (a === '--markdown') markdown = true;
    else if (a === '--tsplay-cli') tsplayCli = true;
    else if (a === '--from-json') fromJson = val();
    else if (a === '--notes') notes = true;
    else if (a === '--quiet') quiet = true;
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      return 0;
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  const log = quiet ? undefined : (l: string): void => console.error(`differential: ${l}`);
  const r: HarnessResult = fromJson ? (JSON.parse(readFileSync(fromJson, 'utf8')) as HarnessResult) : await runHarness({ target, only, parallel, shards, tsplayCli, log });
  if (json) writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  if (r.error) {
    console.error(`differential: ${r.error}`);
    return 2;
  }
  const diffs = formatDifferences(r, { notes });
  if (diffs) console.log(diffs + '\n');
  console.log(formatTable(r));
  if (markdown) {
    if (only) console.error('differential: --markdown with --only: the table would cover only some cases; not written');
    else {
      const doc = path.join(REPO, 'docs', 'ansible-compat.md');
      writeMarkdown(doc, formatMarkdown(r, loadDeliberate(path.join(DIFF_DIR, 'deliberate.yml'))));
      console.error(`differential: table written to ${path.relative(process.cwd(), doc)}`);
    }
  }
  return r.failed ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`differential: ${sig}: stopping the tool runs and removing the targets`);
    void interruptHarness().finally(() => process.exit(130));
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 2;
  },
);
