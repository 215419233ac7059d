/**
 * `setup` (and `gather_facts`): gather the host's facts again — one run of the facts script — and
 * return them as `ansible_facts` (gather_subset, filter, fact_path as ansible-core 2.14's setup).
 * The engine puts them into the host's fact cache, so ansible_* variables see the new values.
 */
import { z } from 'zod';
import { raw } from '../../commands/quote.js';
import { parseFacts } from '../../facts/gather.js';
import { DEFAULT_FACT_PATH, factsScript } from '../../facts/script.js';
import { resolveGatherSubset, selectAnsibleFacts } from '../../facts/subset.js';
import type { HostFacts } from '../../facts/types.js';
import { TsplayError } from '../../errors.js';
import { defineModule } from '../types.js';
import { int, str, strList } from './args.js';

export const setupArgs = z
  .object({
    gather_subset: strList.optional(),
    gather_timeout: int.optional(),
    filter: strList.optional(),
    fact_path: str.optional(),
    // gather_facts' own option (parallel collectors): accepted, the script is one round trip anyway
    parallel: z.unknown().optional(),
  })
  .strict();
export type SetupArgs = z.infer<typeof setupArgs>;

type Probed = { facts: HostFacts } | { error: string };

export const setupModule = defineModule<SetupArgs>({
  name: 'setup',
  aliases: ['gather_facts'],
  description: "Gather the host's facts (Ansible's names, as ansible_facts), optionally a subset or filtered.",
  args: setupArgs,
  probes(args) {
    const factPath = args.fact_path ?? DEFAULT_FACT_PATH;
    return [
      {
        key: 'facts',
        cmd: raw(factsScript({ factPath })),
        parse: (r): Probed => {
          if (r.rc !== 0 || r.timedOut)
            return { error: `fact gathering failed (rc ${r.rc}${r.timedOut ? ', timed out' : ''}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` };
          try {
            return { facts: parseFacts(r.stdout, { factPath }) };
          } catch (e) {
            return { error: e instanceof TsplayError ? e.message : String(e) };
          }
        },
      },
    ];
  },
  plan(args, ctx) {
    const gatherSubset = args.gather_subset?.length ? args.gather_subset : ['all'];
    try {
      resolveGatherSubset(gatherSubset);
    } catch (e) {
      return { changed: false, commands: [], failed: (e as Error).message };
    }
    const probed = ctx.probed['facts'] as Probed | undefined;
    if (!probed) return { changed: false, commands: [], failed: 'facts were not gathered' };
    if ('error' in probed) return { changed: false, commands: [], failed: probed.error };
    const ansibleFacts = selectAnsibleFacts(probed.facts.ansible ?? {}, { gatherSubset, filter: args.filter ?? [] });
    return { changed: false, commands: [], result: { ansible_facts: ansibleFacts }, gatheredFacts: { facts: probed.facts, ansible: ansibleFacts } };
  },
});
