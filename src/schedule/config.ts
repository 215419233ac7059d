import path from 'node:path';
import { parseYaml } from '../loader/yaml.js';
import { z } from 'zod';
import { Cron } from 'croner';
import { TsplayError, TsplayErrors } from '../errors.js';
import { readUserFileSync } from '../config/user-file.js';

/** One scheduled playbook run. */
export const ScheduleEntrySchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, ".", "_" and "-" (it names lock files and systemd units)'),
    playbook: z.string().min(1),
    inventory: z.union([z.string(), z.array(z.string())]).optional(),
    cron: z.string().min(1).describe('five-field cron expression (minute hour day-of-month month day-of-week)'),
    mode: z.enum(['check', 'fix']).default('check'),
    limit: z.string().optional(),
    groups: z.array(z.string().min(1)).optional().describe('for `schedule install --pull`: groups this machine belongs to (tsplay pull -g)'),
    tags: z.array(z.string()).optional(),
    jitter: z.number().int().min(0).default(0).describe('random delay before each run, in seconds'),
    extra_vars: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export const ScheduleFileSchema = z
  .object({
    history: z.string().optional(),
    schedules: z.array(ScheduleEntrySchema).min(1),
  })
  .strict();

export interface ScheduleEntry {
  name: string;
  playbook: string;
  inventory: string[];
  cron: string;
  mode: 'check' | 'fix';
  limit?: string;
  /** Groups the machine is in when the entry runs as `tsplay pull` (units written with --pull). */
  groups?: string[];
  tags?: string[];
  jitter: number;
  extraVars?: Record<string, unknown>;
}

export interface ScheduleFile {
  file: string;
  history?: string;
  entries: ScheduleEntry[];
}

/** Load schedules.yml; paths inside are relative to the file. All errors at once, with file:line. */
export function loadSchedules(file: string): ScheduleFile {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = readUserFileSync(abs, 'utf8');
  } catch (e) {
    if (e instanceof TsplayError) throw e;
    throw new TsplayError('USAGE', `cannot read schedule file ${abs}`, { hint: 'give the path of a schedules YAML file' });
  }
  // The same YAML reader as playbooks and inventories (YAML 1.1 as Ansible reads it).
  const parsed = parseYaml(text, abs);
  if (parsed.errors.length) throw parsed.errors[0]!;
  const errors: TsplayError[] = [];
  const locOf = (p: PropertyKey[]) => {
    // The deepest part of the path that exists, down from the top.
    let node: unknown = parsed.value;
    let loc = parsed.map.of(node, { file: abs, line: 1, col: 1 });
    for (const k of p) {
      if (node === null || typeof node !== 'object' || !Object.hasOwn(node, k as string)) break;
      loc = parsed.map.value(node, k as string | number);
      node = (node as Record<PropertyKey, unknown>)[k];
    }
    return loc;
  };
  const issue = (p: PropertyKey[], message: string) => errors.push(new TsplayError('VALIDATION', `${p.join('.') || 'schedule file'}: ${message}`, { location: locOf(p) }));
  const raw = parsed.value;
  const top = z
    .object({ history: z.string().optional(), schedules: z.array(z.unknown()).min(1) })
    .strict()
    .safeParse(raw);
  if (!top.success) {
    for (const i of top.error.issues) issue(i.path, i.message);
    throw new TsplayErrors(errors);
  }
  // Each entry is checked on its own so every mistake in the file is reported at once.
  const dir = path.dirname(abs);
  const names = new Set<string>();
  const entries: ScheduleEntry[] = [];
  top.data.schedules.forEach((rawEntry, idx) => {
    const cron = (rawEntry as { cron?: unknown } | null)?.cron;
    const name = String((rawEntry as { name?: unknown } | null)?.name ?? `#${idx + 1}`);
    if (typeof cron === 'string') {
      try {
        new Cron(cron, { paused: true });
      } catch (e) {
        errors.push(
          new TsplayError('VALIDATION', `schedule "${name}": bad cron expression "${cron}": ${(e as Error).message}`, {
            location: locOf(['schedules', idx, 'cron']),
            hint: 'five fields: minute hour day-of-month month day-of-week, e.g. "*/30 * * * *"',
          }),
        );
      }
    }
    const r = ScheduleEntrySchema.safeParse(rawEntry);
    if (!r.success) {
      for (const i of r.error.issues) issue(['schedules', idx, ...i.path], i.message);
      return;
    }
    const s = r.data;
    if (names.has(s.name))
      errors.push(
        new TsplayError('VALIDATION', `schedule "${s.name}" is defined twice`, { location: locOf(['schedules', idx, 'name']), hint: 'names must be unique: they key the locks' }),
      );
    names.add(s.name);
    const inv = s.inventory === undefined ? [] : Array.isArray(s.inventory) ? s.inventory : [s.inventory];
    entries.push({
      name: s.name,
      playbook: path.resolve(dir, s.playbook),
      inventory: inv.map((i) => path.resolve(dir, i)),
      cron: s.cron,
      mode: s.mode,
      limit: s.limit,
      groups: s.groups,
      tags: s.tags,
      jitter: s.jitter,
      extraVars: s.extra_vars,
    });
  });
  if (errors.length) throw new TsplayErrors(errors);
  return { file: abs, history: top.data.history ? path.resolve(dir, top.data.history) : undefined, entries };
}
