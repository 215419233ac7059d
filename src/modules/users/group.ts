/**
 * `group`: a local group present or absent, as ansible-core 2.14's group module on Linux
 * (groupadd -g/-o/-r, groupmod -g/-o, groupdel; `local: true` uses libuser's lgroupadd/lgroupmod/
 * lgroupdel and fails, as Ansible does, when the host lacks them). No --diff (Ansible has none).
 */
import { z } from 'zod';
import { argv, quote, raw, Shell } from '../../commands/quote.js';
import type { Command } from '../../commands/types.js';
import type { RunResult } from '../../executors/types.js';
import { bool, int, str } from '../system/args.js';
import { defineModule, type Outcome, type Plan, type Probe } from '../types.js';
import { binLookupScript, type BinLookup, type GroupEntry, missingBin, outputFields, parseBinLookup, parseGroupLine, tagged } from './common.js';

export const groupArgs = z
  .strictObject({
    name: str,
    gid: int.optional(),
    state: z.enum(['absent', 'present']).default('present'),
    system: bool.default(false),
    local: bool.default(false),
    non_unique: bool.default(false),
  })
  .refine((a) => !a.non_unique || a.gid !== undefined, { message: 'non_unique is True but all of the following are missing: gid' });
export type GroupArgs = z.infer<typeof groupArgs>;

export interface GroupProbe {
  /** Every group the host's NSS enumerates (grp.getgrall), in order. */
  groups: GroupEntry[];
  /** `local: true`: whether /etc/group has a line starting with `name:`; undefined: no /etc/group. */
  inGroupFile?: boolean;
  bins: BinLookup;
}

const GROUPFILE = '/etc/group';

/** One probe: all groups, the local group file's verdict (local: true), the l* programs. */
export function groupProbeScript(a: GroupArgs): Shell {
  const parts = [`getent group | sed 's/^/grp\\t/'`];
  if (a.local) {
    parts.push(
      `if [ -e ${GROUPFILE} ]; then while IFS= read -r _l; do case "$_l" in ${quote(`${a.name}:`)}*) echo 'localgrp\tyes'; break ;; esac; done < ${GROUPFILE}; echo 'groupfile\tyes'; fi`,
    );
    parts.push(binLookupScript(['lgroupadd', 'lgroupmod', 'lgroupdel']).text);
  }
  return raw(parts.join('\n'));
}

export function parseGroupProbe(r: RunResult): GroupProbe {
  const t = tagged(r.stdout);
  const groups = (t.get('grp') ?? []).map(parseGroupLine).filter((g): g is GroupEntry => g !== undefined);
  const out: GroupProbe = { groups, bins: parseBinLookup(r.stdout.split('\n')) };
  if (t.has('groupfile')) out.inGroupFile = t.has('localgrp');
  return out;
}

/** The gid of `name` after the commands ran (the last command's `getent group` output). */
function gidAfter(name: string, out: RunResult | undefined): number | undefined {
  for (const line of (out?.stdout ?? '').split('\n')) {
    const g = parseGroupLine(line);
    if (g && g.name === name) return g.gid;
  }
  return undefined;
}

export const groupModule = defineModule<GroupArgs>({
  name: 'group',
  description: 'A local group present or absent (groupadd/groupmod/groupdel), as ansible-core 2.14 on Linux.',
  args: groupArgs,
  returns: {
    name: 'the group name',
    state: 'present or absent',
    gid: 'the group id (when the group exists afterwards)',
    system: 'the system argument (when the group exists afterwards)',
    stdout: "the command's output, when not empty",
    stderr: "the command's error output, when not empty",
  },
  probes: (a): Probe[] => [{ key: 'group', cmd: groupProbeScript(a), parse: parseGroupProbe }],
  plan(a, ctx): Plan {
    const p = ctx.probed.group as GroupProbe;
    const warnings: string[] = [];
    const fail = (msg: string, extra: Record<string, unknown> = {}): Plan => ({ changed: false, commands: [], failed: msg, result: { ...extra, msg }, warnings });
    if (a.local && p.inGroupFile === undefined) return fail(`'local: true' specified but unable to find local group file ${GROUPFILE} to parse.`);
    const info = p.groups.find((g) => g.name === a.name);
    let exists: boolean;
    if (a.local) {
      exists = p.inGroupFile === true;
      if (!exists)
        warnings.push(
          `'local: true' specified and group was not found in ${GROUPFILE}. The local group may already exist if the local group database exists somewhere other than ${GROUPFILE}.`,
        );
    } else exists = info !== undefined;
    const base = { name: a.name, state: a.state };
    const bin = (plain: string, local: string): string | { failed: string } => {
      if (!a.local) return plain;
      return p.bins.found[local] ?? { failed: missingBin(local, p.bins) };
    };
    const gidTaken = (): string | undefined => {
      if (!a.local || a.gid === undefined) return undefined;
      const other = p.groups.find((g) => g.gid === a.gid && g.name !== a.name);
      return other ? `GID '${a.gid}' already exists with group '${other.name}'` : undefined;
    };
    const ok = (): Plan => {
      const r: Record<string, unknown> = { ...base, changed: false };
      // Ansible reports gid and system whenever the group exists (through NSS) afterwards.
      if (exists && info) Object.assign(r, { system: a.system, gid: info.gid });
      return { changed: false, commands: [], result: r, warnings };
    };

    let words: string[];
    if (a.state === 'absent') {
      if (!exists) return ok();
      if (ctx.check) return { changed: true, commands: [], result: { changed: true }, warnings };
      const b = bin('groupdel', 'lgroupdel');
      if (typeof b !== 'string') return fail(b.failed);
      words = [b, a.name];
    } else if (!exists) {
      if (ctx.check) return { changed: true, commands: [], result: { changed: true }, warnings };
      const taken = gidTaken();
      if (taken) return fail(taken);
      const b = bin('groupadd', 'lgroupadd');
      if (typeof b !== 'string') return fail(b.failed);
      words = [b];
      if (a.gid !== undefined) words.push('-g', String(a.gid), ...(a.non_unique ? ['-o'] : []));
      if (a.system) words.push('-r');
      words.push(a.name);
    } else {
      const taken = gidTaken();
      if (taken) return fail(taken);
      const b = bin('groupmod', 'lgroupmod');
      if (typeof b !== 'string') return fail(b.failed);
      if (!info) return fail(`group ${a.name} is in ${GROUPFILE} but the host's group database does not return it`);
      if (a.gid === undefined || info.gid === a.gid) return ok();
      if (ctx.check) return { changed: true, commands: [], result: { ...base, changed: true, system: a.system, gid: info.gid }, warnings };
      words = [b, '-g', String(a.gid), ...(a.non_unique ? ['-o'] : []), a.name];
    }
    const commands: Command[] = [
      { kind: 'shell', cmd: argv(words), describe: words.join(' '), mayFail: true },
      { kind: 'shell', cmd: new Shell(`getent group ${quote(a.name)} || true`), describe: `getent group ${a.name}`, mayFail: true },
    ];
    return {
      changed: true,
      commands,
      warnings,
      interpret(outputs): Outcome {
        const run = outputs[0];
        if (run?.rc !== 0) return { changed: false, failed: run?.stderr ?? 'did not run', result: { name: a.name, msg: run?.stderr ?? '' } };
        const r: Record<string, unknown> = { ...base, changed: true };
        Object.assign(r, outputFields(run.stdout, run.stderr));
        const gid = gidAfter(a.name, outputs[1]);
        if (gid !== undefined) Object.assign(r, { system: a.system, gid });
        return { changed: true, result: r };
      },
    };
  },
});
