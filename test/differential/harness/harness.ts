// The differential harness: run every case with ansible-core and with tsplay, compare, report.
// test/differential/README.md defines the cases; run.ts is the command line around runHarness().
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import YAML from 'yaml';
import { generateTemplates, generateValues, KINDS, loadCases, taskNames, type Case, type Generated, type Kind } from './cases.js';
import {
  CONTROLLER_TOKEN,
  compareFiles,
  compareRecap,
  compareRegistered,
  compareSequence,
  compareStatus,
  normalizeRoot,
  relativeSnapshot,
  type Comparison,
  type SideOutcome,
} from './compare.js';
import { dockerSides, localSides, type Side, type Sides, type Target } from './sides.js';
import { runProgram } from '../../../src/lab/docker.js';
import { killRunning, REPO, type ToolRun } from './tools.js';

export const DIFF_DIR = path.join(REPO, 'test', 'differential');

export type Verdict = 'identical' | 'different' | 'deliberate' | 'stale' | 'skipped';

export interface CaseVerdict {
  id: string;
  kind: Kind;
  verdict: Verdict;
  differences: string[];
  notes: string[];
  /** deliberate.yml's reason, for deliberate and stale cases. */
  reason?: string;
  statuses?: { ansible: string[]; tsplay: string[] };
}

export interface KindSummary {
  kind: Kind;
  cases: number;
  identical: number;
  deliberate: number;
  different: number;
  stale: number;
  skipped: number;
  seconds: number;
}

export interface HarnessResult {
  target: Target;
  startedAt: string;
  seconds: number;
  summary: KindSummary[];
  cases: CaseVerdict[];
  /** deliberate.yml entries naming no case that exists. */
  unknownDeliberate: string[];
  /** True when the run must fail: an unlisted difference, a stale or unknown deliberate entry. */
  failed: boolean;
  /** Set when the harness could not run at all (no Docker, no ansible-playbook). */
  error?: string;
}

export interface HarnessOptions {
  target: Target;
  only?: string;
  casesDir?: string;
  deliberateFile?: string;
  /** Playbook cases run this many at a time (each runs both tools at once). */
  parallel?: number;
  /** Run tsplay as a fresh `node bin/tsplay.mjs` per playbook (default: long-lived workers). */
  tsplayCli?: boolean;
  /** Template and value cases: ansible-core runs this many batch playbooks at once (tsplay one). */
  shards?: number;
  log?: (line: string) => void;
}

interface Deliberate {
  case: string;
  reason: string;
}

export function loadDeliberate(file: string): Deliberate[] {
  if (!existsSync(file)) return [];
  const list = (YAML.parse(readFileSync(file, 'utf8')) ?? []) as unknown;
  if (!Array.isArray(list)) throw new Error(`${file}: expected a list of {case, reason}`);
  return list.map((e, i) => {
    const x = e as Partial<Deliberate>;
    if (typeof x?.case !== 'string' || typeof x.reason !== 'string' || !x.reason.trim()) throw new Error(`${file}: entry ${i + 1} needs case: <kind>/<name> and a reason`);
    return { case: x.case, reason: x.reason };
  });
}

/** One batch run of some cases of one kind on one side; a refused batch is split until each case has its own verdict. */
export async function runBatched(
  side: Side,
  kind: 'templates' | 'values',
  cases: Case[],
  gen: (cs: Case[]) => Generated,
  scratch: string,
  shard: string,
  log: (l: string) => void,
): Promise<Map<string, SideOutcome>> {
  const out = new Map<string, SideOutcome>();
  let n = 0;
  const attempt = async (cs: Case[]): Promise<void> => {
    if (!cs.length) return;
    const g = gen(cs);
    const file = path.join(scratch, `${side.tool}-${kind}-${shard}-${++n}.yml`);
    writeFileSync(file, g.text);
    // A retried case must start from nothing, or its second run would report ok instead of changed.
    await side.remove(cs.map((c) => `${side.root}/${kind}/${c.name}`));
    // Generous: a loaded 2-core machine has been seen to take 3 s per template task.
    const r = await side.run({ playbook: file, extraVars: { diff_root: side.root }, timeoutMs: 120_000 + cs.length * 10_000 });
    log(`${side.tool}: ${kind} shard ${shard}: ${cs.length} case(s) ran in ${(r.durationMs / 1000).toFixed(1)} s (exit ${r.exitCode})`);
    const why = firstMessage(r);
    if (r.rows || r.timedOut) {
      // A run killed at its timeout is not split (that would only repeat the wait): the cases it
      // did not finish are reported as such.
      for (const c of cs) {
        const rows = (r.rows ?? []).filter((row) => row.play === c.id);
        out.set(c.id, r.timedOut && !rows.length ? { rows, rejected: `no result: ${why}`, files: {} } : { rows, files: {} });
      }
      return;
    }
    if (cs.length === 1) {
      out.set(cs[0]!.id, { rows: [], rejected: why, files: {} });
      return;
    }
    // Errors that point into one case (its lines in the generated playbook, or its own files)
    // settle that case; the rest run again. Nothing located: split in halves.
    const located = new Map<string, string[]>();
    for (const e of r.errors) {
      let hit: Case | undefined;
      if (path.resolve(e.file) === file) hit = cs.find((c) => e.line >= g.lines.get(c.id)![0] && e.line <= g.lines.get(c.id)![1]);
      else hit = cs.find((c) => path.resolve(e.file).startsWith(c.dir + path.sep));
      if (hit) located.set(hit.id, [...(located.get(hit.id) ?? []), e.message]);
    }
    if (located.size) {
      for (const c of cs) if (located.has(c.id)) out.set(c.id, { rows: [], rejected: located.get(c.id)!.join('; '), files: {} });
      log(`${side.tool}: ${kind}: ${located.size} case(s) rejected, running the other ${cs.length - located.size} again`);
      await attempt(cs.filter((c) => !located.has(c.id)));
      return;
    }
    log(`${side.tool}: ${kind}: batch of ${cs.length} refused without a case location (${why.slice(0, 120)}); splitting`);
    const mid = Math.ceil(cs.length / 2);
    await attempt(cs.slice(0, mid));
    await attempt(cs.slice(mid));
  };
  await attempt(cases);
  return out;
}

function firstMessage(r: ToolRun): string {
  // Located errors carry the message itself (tsplay prints "2 errors:" above them).
  if (r.errors.length)
    return `exit ${r.exitCode}: ${r.errors
      .slice(0, 3)
      .map((e) => e.message)
      .join('; ')}`.slice(0, 600);
  const lines = r.output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const err = lines.find((l) => /error|ERROR!|fatal/i.test(l)) ?? lines[lines.length - 1] ?? '';
  return `exit ${r.exitCode}: ${err}`.slice(0, 600);
}

function rowsFor(o: SideOutcome, root: string, controllerRoot?: string): SideOutcome {
  const norm = <T>(v: T): T => {
    const r = normalizeRoot(v, root);
    return controllerRoot ? normalizeRoot(r, controllerRoot, CONTROLLER_TOKEN) : r;
  };
  return {
    ...o,
    rows: o.rows.map((r) => ({ ...r, result: norm(r.result) })),
    rejected: o.rejected && norm(o.rejected),
    registered: norm(o.registered),
  };
}

async function runBatchKind(
  kind: 'templates' | 'values',
  cases: Case[],
  sides: Sides,
  casesDir: string,
  scratch: string,
  shards: number,
  log: (l: string) => void,
): Promise<Map<string, [SideOutcome, SideOutcome]>> {
  const gen = kind === 'templates' ? (cs: Case[]) => generateTemplates(cs, casesDir) : (cs: Case[]) => generateValues(cs);
  const [a, t] = await Promise.all(
    [sides.ansible, sides.tsplay].map(async (side) => {
      await side.mkdir([`${side.root}/${kind}`]);
      // ansible-core needs ~0.5 CPU-s per template task, spread over several processes and waits:
      // its batch is split into shards (of 20 cases at least) that run side by side. tsplay is quicker: one process.
      const n = side.tool === 'ansible' ? Math.max(1, Math.min(shards, Math.ceil(cases.length / 20))) : 1;
      const size = Math.max(1, Math.ceil(cases.length / n));
      const parts = Array.from({ length: Math.ceil(cases.length / size) }, (_, i) => cases.slice(i * size, (i + 1) * size));
      const res = new Map<string, SideOutcome>();
      for (const m of await Promise.all(parts.map((p, i) => runBatched(side, kind, p, gen, scratch, `${i + 1}`, log)))) for (const [k, v] of m) res.set(k, v);
      const snap = relativeSnapshot(await side.snapshot([`${side.root}/${kind}`]), side.root);
      for (const c of cases) {
        const o = res.get(c.id)!;
        const prefix = `<diff_root>/${kind}/${c.name}`;
        o.files = Object.fromEntries(Object.entries(snap).filter(([p]) => p === prefix || p.startsWith(prefix + '/')));
        if (!o.files[prefix]) o.files[prefix] = { type: 'absent' };
        res.set(c.id, rowsFor(o, side.root));
      }
      return res;
    }),
  );
  return new Map(cases.map((c) => [c.id, [a!.get(c.id)!, t!.get(c.id)!]]));
}

function compareBatchCase(c: Case, a: SideOutcome, t: SideOutcome): Comparison & { statuses: { ansible: string[]; tsplay: string[] } } {
  const cmp: Comparison = { differences: [], notes: [] };
  for (const [tool, o] of [
    ['ansible-core', a],
    ['tsplay', t],
  ] as const)
    if (o.rejected !== undefined)
      (c.fails && !o.rejected.startsWith('no result:') ? cmp.notes : cmp.differences).push(
        `${tool} rejected the case: ${o.rejected.length > 400 ? o.rejected.slice(0, 400) + '…' : o.rejected}`,
      );
  const tasks = c.kind === 'templates' ? [taskNames.template(c)] : [taskNames.setFact(c), taskNames.copy(c)];
  const statuses = { ansible: [] as string[], tsplay: [] as string[] };
  for (const task of tasks) {
    const s = compareStatus(tasks.length > 1 ? `${task.slice(c.id.length + 1)}: ` : '', a, t, task, cmp);
    statuses.ansible.push(s.ansible);
    statuses.tsplay.push(s.tsplay);
  }
  cmp.differences.push(...compareFiles(a.files, t.files));
  const ansibleFailed = statuses.ansible.some((s) => s === 'failed' || s === 'rejected');
  if (c.fails && !ansibleFailed) cmp.differences.push('the case is marked `fails` but ansible-core did not fail: fix the case');
  if (!c.fails && ansibleFailed) cmp.notes.push('ansible-core failed on a case not marked `fails`');
  return { ...cmp, statuses };
}

/** `{{ diff_root }}` in a case.yml path → the side's root; relative paths are under the root. */
export function resolveCasePath(p: string, root: string): string {
  const s = p.replace(/\{\{\s*diff_root\s*\}\}/g, root);
  return s.startsWith('/') ? s : `${root}/${s}`;
}

type PlaybookRun = { verdict?: 'skipped'; cmp: Comparison; statuses?: { ansible: string[]; tsplay: string[] } };

/**
 * A case with its own `image:` runs on fresh twins of that image (docker only), stopped afterwards;
 * an `also_images` copy of a case without one runs on the shared twins of its image (`shared`).
 */
async function runPlaybookCaseOn(c: Case, sides: Sides, o: HarnessOptions, shared: (image: string) => Promise<Sides>): Promise<PlaybookRun> {
  const image = c.playbook!.image ?? c.playbook!.sharedImage;
  if (!image) return runPlaybookCase(c, sides);
  if (sides.target !== 'docker') return { verdict: 'skipped', cmp: { differences: [], notes: [`runs on the lab image ${image}: only with --target docker`] } };
  const ownTwins = c.playbook!.image !== undefined;
  let own: Sides;
  try {
    own = ownTwins ? await dockerSides({ tsplayCli: o.tsplayCli, image, capAdd: c.playbook!.capAdd }) : await shared(image);
  } catch (e) {
    return { cmp: { differences: [`could not start twins of ${image}: ${(e as Error).message}`], notes: [] } };
  }
  if (!ownTwins) return runPlaybookCase(c, own);
  openSides.add(own);
  try {
    return await runPlaybookCase(c, own);
  } finally {
    openSides.delete(own);
    await own.close();
  }
}

async function runPlaybookCase(c: Case, sides: Sides): Promise<PlaybookRun> {
  const meta = c.playbook!;
  const outside = meta.paths.filter((p) => {
    const r = resolveCasePath(p, '/ROOT');
    return !(r === '/ROOT' || r.startsWith('/ROOT/'));
  });
  if (outside.length && !sides.ownsSystemPaths) {
    return { verdict: 'skipped', cmp: { differences: [], notes: [`compares paths outside {{ diff_root }} (${outside.join(', ')}): only with --target docker`] } };
  }
  const [a, t] = await Promise.all(
    [sides.ansible, sides.tsplay].map(async (side): Promise<SideOutcome> => {
      const root = `${side.root}/playbooks/${c.name}`;
      await side.remove([root]);
      await side.mkdir([root]);
      const vaultPass = path.join(c.dir, 'vault-pass.txt');
      // A dir of its own on the controller per tool (fetch's dest): read as <controller_root> when compared.
      const controllerRoot = path.join(sides.scratchDir, `${side.tool}-controller`, c.name);
      rmSync(controllerRoot, { recursive: true, force: true });
      mkdirSync(controllerRoot, { recursive: true });
      const r = await side.run({
        playbook: path.join(c.dir, 'playbook.yml'),
        extraVars: { diff_root: root, controller_root: controllerRoot },
        cwd: c.dir,
        timeoutMs: 300_000,
        vaultPasswordFile: existsSync(vaultPass) ? vaultPass : undefined,
        cliArgs: meta.cliArgs,
      });
      const snap = relativeSnapshot(await side.snapshot(meta.paths.map((p) => resolveCasePath(p, root))), root);
      const o: SideOutcome = { rows: r.rows ?? [], files: snap, exitCode: r.exitCode, recap: r.recap?.['target'], registered: r.registered['target'] };
      if (!r.rows) o.rejected = firstMessage(r);
      return rowsFor(o, root, controllerRoot);
    }),
  );
  const cmp: Comparison = { differences: [], notes: [] };
  if (a!.rejected !== undefined && t!.rejected === undefined) cmp.differences.push(`ansible-core rejected the playbook: ${a!.rejected}`);
  if (t!.rejected !== undefined && a!.rejected === undefined) cmp.differences.push(`tsplay rejected the playbook: ${t!.rejected}`);
  if (a!.exitCode !== t!.exitCode) cmp.differences.push(`exit code: ansible ${a!.exitCode}; tsplay ${t!.exitCode}`);
  const host = (rows: NonNullable<typeof a>['rows']) => rows.filter((r) => r.host === 'target');
  compareSequence(host(a!.rows), host(t!.rows), cmp);
  if (meta.names) {
    const na = host(a!.rows).map((r) => r.task);
    const nt = host(t!.rows).map((r) => r.task);
    if (JSON.stringify(na) !== JSON.stringify(nt)) cmp.differences.push(`task names differ: ansible ${JSON.stringify(na)}; tsplay ${JSON.stringify(nt)}`);
  }
  compareRecap(a!.recap, t!.recap, cmp);
  for (const name of meta.registered) compareRegistered(name, a!.registered?.[name], t!.registered?.[name], meta.registeredExact, cmp);
  cmp.differences.push(...compareFiles(a!.files, t!.files));
  const failedA = (a!.recap?.failed ?? 0) > 0 || a!.rejected !== undefined;
  if (meta.fails && !failedA) cmp.differences.push('the case is marked `fails: true` but ansible-core did not fail: fix the case');
  return { cmp, statuses: { ansible: host(a!.rows).map((r) => r.status), tsplay: host(t!.rows).map((r) => r.status) } };
}

const openSides = new Set<Sides>();

/** Ctrl-C / SIGTERM: kill the tool runs under way and remove the targets (containers, temp dirs). */
export async function interruptHarness(): Promise<void> {
  killRunning();
  await Promise.all([...openSides].map((s) => s.close().catch(() => undefined)));
  openSides.clear();
}

/** Run the harness: start the sides, run every kind, compare, classify against deliberate.yml. */
export async function runHarness(o: HarnessOptions): Promise<HarnessResult> {
  const t0 = Date.now();
  const log = o.log ?? (() => undefined);
  const casesDir = o.casesDir ?? path.join(DIFF_DIR, 'cases');
  const deliberate = loadDeliberate(o.deliberateFile ?? path.join(DIFF_DIR, 'deliberate.yml'));
  const cases = loadCases(casesDir, o.only);
  const allIds = new Set([...loadCases(casesDir), ...loadCases(casesDir, '_sample-')].map((c) => c.id));
  const unknownDeliberate = deliberate.filter((d) => !allIds.has(d.case)).map((d) => d.case);
  const reasons = new Map(deliberate.map((d) => [d.case, d.reason]));
  const verdicts: CaseVerdict[] = [];
  const summary: KindSummary[] = [];
  const result = (): HarnessResult => ({
    target: o.target,
    startedAt: new Date(t0).toISOString(),
    seconds: (Date.now() - t0) / 1000,
    summary,
    cases: verdicts,
    unknownDeliberate,
    failed: unknownDeliberate.length > 0 || verdicts.some((v) => v.verdict === 'different' || v.verdict === 'stale'),
  });

  const classify = (c: Case, cmp: Comparison, statuses?: CaseVerdict['statuses'], skipped = false): void => {
    const reason = reasons.get(c.id);
    const differs = cmp.differences.length > 0;
    const verdict: Verdict = skipped ? 'skipped' : differs ? (reason ? 'deliberate' : 'different') : reason ? 'stale' : 'identical';
    const v: CaseVerdict = { id: c.id, kind: c.kind, verdict, differences: cmp.differences, notes: cmp.notes, reason, statuses };
    if (verdict === 'stale') v.differences = ['listed in deliberate.yml but both tools now agree: remove the entry'];
    verdicts.push(v);
  };

  log(`${cases.length} case(s); target ${o.target}`);
  const v = await runProgram('ansible-playbook', ['--version']).catch(() => ({ rc: 127, stdout: '' }));
  if (v.rc !== 0)
    return { ...result(), failed: true, error: 'ansible-playbook is not installed: apt-get install ansible-core python3-jinja2 (bash scripts/setup-test-env.sh does)' };
  if (!/core 2\.14\./.test(v.stdout)) log(`warning: the oracle is ansible-core 2.14; this is ${v.stdout.split('\n')[0]}`);
  let sides: Sides;
  try {
    sides = o.target === 'docker' ? await dockerSides({ tsplayCli: o.tsplayCli }) : await localSides({ tsplayCli: o.tsplayCli });
  } catch (e) {
    return { ...result(), failed: true, error: `could not start the ${o.target} targets: ${(e as Error).message}` };
  }
  openSides.add(sides);
  log(`targets up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const scratch = path.join(sides.scratchDir, 'generated');
  mkdirSync(scratch, { recursive: true });
  // The shared twins of the `also_images` copies of cases without `image:`: started on first use.
  const sharedTwins = new Map<string, Promise<Sides>>();
  const shared = (image: string): Promise<Sides> => {
    let p = sharedTwins.get(image);
    if (!p) {
      p = dockerSides({ tsplayCli: o.tsplayCli, image }).then((s) => {
        openSides.add(s);
        return s;
      });
      sharedTwins.set(image, p);
    }
    return p;
  };
  try {
    for (const kind of KINDS) {
      const k0 = Date.now();
      const mine = cases.filter((c) => c.kind === kind);
      const broken = mine.filter((c) => c.error);
      for (const c of broken) classify(c, { differences: [`the case cannot be read: ${c.error}`], notes: [] });
      const runnable = mine.filter((c) => !c.error);
      if (runnable.length) {
        if (kind === 'playbooks') {
          const limit = pLimit(Math.max(1, o.parallel ?? 2));
          const done = await Promise.all(runnable.map((c) => limit(async () => ({ c, r: await runPlaybookCaseOn(c, sides, o, shared) }))));
          for (const { c, r } of done) classify(c, r.cmp, r.statuses, r.verdict === 'skipped');
        } else {
          const res = await runBatchKind(kind, runnable, sides, casesDir, scratch, o.shards ?? 3, log);
          for (const c of runnable) {
            const [a, t] = res.get(c.id)!;
            const cmp = compareBatchCase(c, a, t);
            classify(c, cmp, cmp.statuses);
          }
        }
      }
      const vs = verdicts.filter((v) => v.kind === kind);
      const count = (x: Verdict): number => vs.filter((v) => v.verdict === x).length;
      summary.push({
        kind,
        cases: mine.length,
        identical: count('identical'),
        deliberate: count('deliberate'),
        different: count('different'),
        stale: count('stale'),
        skipped: count('skipped'),
        seconds: (Date.now() - k0) / 1000,
      });
      if (mine.length) log(`${kind}: ${mine.length} case(s) in ${((Date.now() - k0) / 1000).toFixed(1)} s`);
    }
  } finally {
    openSides.delete(sides);
    const twins = await Promise.all([...sharedTwins.values()].map((p) => p.catch(() => undefined)));
    await Promise.all(
      [sides, ...twins].map(async (s) => {
        if (!s) return;
        openSides.delete(s);
        await s.close();
      }),
    );
  }
  return result();
}

/** The summary table (kind, cases, identical, deliberate, different, …) as aligned text. */
export function formatTable(r: HarnessResult): string {
  const head = ['kind', 'cases', 'identical', 'deliberate', 'different', 'stale', 'skipped', 'seconds'];
  const rows = r.summary.map((s) => [s.kind, s.cases, s.identical, s.deliberate, s.different, s.stale, s.skipped, s.seconds.toFixed(1)].map(String));
  const tot = (k: keyof KindSummary): number => r.summary.reduce((n, s) => n + (s[k] as number), 0);
  rows.push(['total', tot('cases'), tot('identical'), tot('deliberate'), tot('different'), tot('stale'), tot('skipped'), r.seconds.toFixed(1)].map(String));
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
  const fmt = (x: string[]): string => x.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

/** Every failing case with its differences (and deliberate ones, shorter), for the terminal. */
export function formatDifferences(r: HarnessResult, o: { deliberate?: boolean; notes?: boolean } = {}): string {
  const out: string[] = [];
  for (const v of r.cases) {
    if (v.verdict === 'different' || v.verdict === 'stale' || (o.deliberate && v.verdict === 'deliberate')) {
      out.push(`✗ ${v.id} [${v.verdict}]${v.reason ? ` (deliberate: ${v.reason})` : ''}`);
      for (const d of v.differences) out.push(`    ${d.split('\n').join('\n    ')}`);
      if (o.notes) for (const n of v.notes) out.push(`    note: ${n}`);
    }
  }
  for (const u of r.unknownDeliberate) out.push(`✗ deliberate.yml names ${u}, which is not a case`);
  return out.join('\n');
}

export const MARK_BEGIN = '<!-- differential:begin (written by `npx tsx test/differential/run.ts --markdown`) -->';
export const MARK_END = '<!-- differential:end -->';

/** The markdown block written between the markers in docs/ansible-compat.md. */
export function formatMarkdown(r: HarnessResult, deliberate: Deliberate[]): string {
  const lines = [
    `Last run: ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, target \`${r.target}\`, ansible-core 2.14.`,
    '',
    '| kind | cases | identical | deliberate | different | stale | skipped |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...r.summary.map((s) => `| ${s.kind} | ${s.cases} | ${s.identical} | ${s.deliberate} | ${s.different} | ${s.stale} | ${s.skipped} |`),
  ];
  lines.push('', deliberate.length ? '| deliberate difference | reason |' : '_No deliberate differences are listed._');
  if (deliberate.length) lines.push('|---|---|', ...deliberate.map((d) => `| \`${d.case}\` | ${d.reason.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`));
  return lines.join('\n');
}

/** Replace the block between the markers of `doc` (the doc must have both markers). */
export function writeMarkdown(doc: string, block: string): void {
  const text = readFileSync(doc, 'utf8');
  const b = text.indexOf(MARK_BEGIN);
  const e = text.indexOf(MARK_END);
  if (b < 0 || e < b) throw new Error(`${doc} has no ${MARK_BEGIN} … ${MARK_END} block`);
  writeFileSync(doc, `${text.slice(0, b + MARK_BEGIN.length)}\n${block}\n${text.slice(e)}`);
}
