// The oracle (issue 9): every differential case (test/differential/cases) run by ansible-core on one
// lab container and by tsplay on its twin; any difference not listed in deliberate.yml fails here
// with the harness's own difference list. Locally it skips without Docker or ansible-playbook (one
// line says why); under CI=true it never skips.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDifferences, formatTable, runHarness } from '../../differential/harness/harness.js';
import { noDocker, labContext } from '../harness/lab-context.js';

const CI = process.env['CI'] === 'true';
const haveAnsible = spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0;
const skipReason = CI
  ? undefined
  : noDocker()
    ? `no Docker (${labContext().reason ?? 'see the e2e set-up line'})`
    : !haveAnsible
      ? 'ansible-playbook is not installed (apt-get install ansible-core, or bash scripts/setup-test-env.sh)'
      : undefined;
if (skipReason) console.log(`differential e2e skipped: ${skipReason}`);

/** Long difference lists are cut: the full list is one `npx tsx test/differential/run.ts` away. */
function clip(text: string, max = 60_000): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n… (${text.length - max} more characters; run \`npx tsx test/differential/run.ts\` for all of it)`;
}

describe('differential: tsplay against ansible-core 2.14 on twin lab containers', () => {
  it.skipIf(skipReason !== undefined)(
    'every difference is listed in test/differential/deliberate.yml, and no listed one is stale',
    async () => {
      // TSPLAY_DIFFERENTIAL_ONLY=<substring> narrows the run while working on a few cases (never in CI).
      const only = CI ? undefined : process.env['TSPLAY_DIFFERENTIAL_ONLY'] || undefined;
      const r = await runHarness({ target: 'docker', only, log: (l) => console.log(`differential: ${l}`) });
      const out = process.env['TSPLAY_DIFFERENTIAL_JSON'];
      if (out) writeFileSync(out, JSON.stringify(r, null, 2) + '\n');
      expect(r.error, r.error).toBeUndefined();
      const table = formatTable(r);
      console.log(table);
      // A run that compared nothing proves nothing.
      expect(r.cases.length, 'no differential cases were found').toBeGreaterThan(0);
      if (r.failed) throw new Error(`tsplay differs from ansible-core:\n\n${clip(formatDifferences(r))}\n\n${table}`);
    },
    // ~25 min for ~700 cases on a heavily loaded 2-core machine; the limit is a safety net.
    2_700_000,
  );
});
