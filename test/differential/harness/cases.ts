// Reading the differential cases (test/differential/README.md) and generating the batched
// playbooks both tools run. Values are copied into the generated YAML as the case's own source
// text (re-indented), never re-serialised: YAML 1.1 scalars such as `0644`, `yes` or `1:30` must
// reach each tool exactly as a user would write them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML, { isMap, isScalar, type Pair } from 'yaml';

export type Kind = 'templates' | 'values' | 'playbooks';
export const KINDS: Kind[] = ['templates', 'values', 'playbooks'];

export interface PlaybookMeta {
  description?: string;
  /** Paths to compare, `{{ diff_root }}` not yet substituted. */
  paths: string[];
  registered: string[];
  registeredExact: boolean;
  /** `names: true`: the task names each tool shows (its TASK banners) are compared too. */
  names?: boolean;
  fails: boolean;
  /** docker: a lab image of its own (fresh twins for this case alone), e.g. `debian-12-pkg`. */
  image?: string;
  /**
   * docker: more lab images the case also runs on, each as its own case `<id>@<image>`. With
   * `image:` each copy gets fresh twins of its own; without it the copies share one pair of twins
   * per image (as the cases without `image:` share the default debian-12 pair).
   */
  alsoImages?: string[];
  /** docker: the case runs on the shared twins of this image (an `also_images` copy of a case without `image:`). */
  sharedImage?: string;
  /** docker, with `image:`: Linux capabilities the twins get (`cap_add:` in case.yml), e.g. `[NET_ADMIN]` for a firewall daemon. */
  capAdd?: string[];
  /** ansible-playbook flags given to both tools (`cli_args:` in case.yml), e.g. `[-b, --become-user, nobody]`. */
  cliArgs?: string[];
}

export interface Case {
  kind: Kind;
  name: string;
  /** `<kind>/<name>`, the key deliberate.yml uses. */
  id: string;
  dir: string;
  fails: boolean;
  /** The case itself is malformed (unreadable YAML, missing file): reported, never run. */
  error?: string;
  playbook?: PlaybookMeta;
}

/** A top-level `key: value` of a YAML mapping as source text. */
export interface RawPair {
  key: string;
  /** The key as written (quotes included). */
  keySource: string;
  /** Everything after the colon up to the end of the value (tag, anchor, block scalar, …). */
  valueSource: string;
  value: unknown;
}

/** The top-level pairs of a YAML mapping document, as source text (YAML 1.1, as Ansible reads). */
export function rawPairs(src: string, file: string): RawPair[] {
  // Tags such as !unsafe or !vault are the tools' business: only the source ranges matter here.
  const doc = YAML.parseDocument(src, { version: '1.1', logLevel: 'error' });
  if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === undefined))) return [];
  if (!isMap(root)) throw new Error(`${file}: expected a mapping at the top`);
  return root.items.map((p: Pair) => {
    const k = p.key as { range?: [number, number, number]; value?: unknown } | null;
    if (!k?.range || !isScalar(p.key)) throw new Error(`${file}: keys must be plain strings`);
    const v = p.value as { range?: [number, number, number] } | null;
    const keyEnd = k.range[1];
    const end = v?.range ? v.range[1] : k.range[2];
    const after = src.slice(keyEnd, end).replace(/^[ \t]*:/, '');
    return { key: String(k.value), keySource: src.slice(k.range[0], keyEnd), valueSource: after, value: (p.value as { toJSON?: () => unknown } | null)?.toJSON?.() ?? null };
  });
}

/** `key:<value source>` placed at `indent`: continuation lines keep their relative indentation. */
export function emitPair(keySource: string, valueSource: string, indent: string): string[] {
  const lines = `${keySource}:${valueSource.replace(/\n+$/, (m) => (m.length > 1 ? m.slice(1) : ''))}`.split('\n');
  return lines.map((l, i) => (i === 0 || l === '' ? (i === 0 ? indent + l : l) : indent + l));
}

function readIf(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function loadOne(kind: Kind, dir: string, name: string): Case {
  const c: Case = { kind, name, id: `${kind}/${name}`, dir, fails: false };
  try {
    if (kind === 'templates') {
      if (!existsSync(path.join(dir, 'template.j2'))) throw new Error('template.j2 is missing');
      c.fails = existsSync(path.join(dir, 'fails'));
      for (const f of ['vars.yml', 'task.yml']) {
        const s = readIf(path.join(dir, f));
        if (s !== undefined) rawPairs(s, path.join(dir, f));
      }
    } else if (kind === 'values') {
      const file = path.join(dir, 'case.yml');
      const s = readIf(file);
      if (s === undefined) throw new Error('case.yml is missing');
      const pairs = rawPairs(s, file);
      if (!pairs.some((p) => p.key === 'value')) throw new Error('case.yml has no `value:`');
      c.fails = pairs.some((p) => p.key === 'fails' && p.value === true);
    } else {
      if (!existsSync(path.join(dir, 'playbook.yml'))) throw new Error('playbook.yml is missing');
      const file = path.join(dir, 'case.yml');
      const meta = (YAML.parse(readIf(file) ?? '{}', { version: '1.1' }) ?? {}) as Record<string, unknown>;
      const list = (k: string): string[] => {
        const v = meta[k];
        if (v === undefined || v === null) return [];
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`case.yml: ${k} must be a list of strings`);
        return v as string[];
      };
      c.fails = meta['fails'] === true;
      c.playbook = {
        description: typeof meta['description'] === 'string' ? meta['description'] : undefined,
        paths: list('paths'),
        registered: list('registered'),
        registeredExact: meta['registered_exact'] === true,
        names: meta['names'] === true,
        fails: c.fails,
      };
      if (meta['cli_args'] !== undefined) {
        const a = meta['cli_args'];
        if (!Array.isArray(a) || !a.every((x) => typeof x === 'string')) throw new Error('case.yml: cli_args must be a list of strings (command-line flags for both tools)');
        c.playbook.cliArgs = a as string[];
      }
      if (meta['image'] !== undefined) {
        if (typeof meta['image'] !== 'string' || !meta['image']) throw new Error('case.yml: image must be a lab image name');
        c.playbook.image = meta['image'];
      }
      const caps = list('cap_add');
      if (caps.length && !c.playbook.image) throw new Error('case.yml: cap_add needs image (the twins of a case of its own get the capabilities)');
      if (caps.length) c.playbook.capAdd = caps;
      const also = list('also_images');
      if (also.length) c.playbook.alsoImages = also;
    }
  } catch (e) {
    c.error = (e as Error).message;
  }
  return c;
}

/**
 * Every case of every kind under `casesDir`. Folders starting with `_` or `.` are not cases, except
 * the harness's own `_sample-*` when `only` asks for them (`--only _sample-`: a quick self-check).
 */
export function loadCases(casesDir: string, only?: string): Case[] {
  const samples = only?.includes('_sample') ?? false;
  const out: Case[] = [];
  for (const kind of KINDS) {
    const kdir = path.join(casesDir, kind);
    if (!existsSync(kdir)) continue;
    for (const name of readdirSync(kdir).sort()) {
      if (name.startsWith('_') && !(samples && name.startsWith('_sample-'))) continue;
      if (name.startsWith('.')) continue;
      const dir = path.join(kdir, name);
      if (!statSync(dir).isDirectory()) continue;
      // `--only NAME@IMAGE` (or `@IMAGE`) picks one image's twin of a case with also_images.
      if (only && !`${kind}/${name}`.includes(only.split('@')[0]!)) continue;
      for (const c of withImageTwins(loadOne(kind, dir, name))) if (!only || c.id.includes(only)) out.push(c);
    }
  }
  return out;
}

/** A case with `also_images` and one copy per further image, named `<id>@<image>` (deliberate.yml's key); shared twins where the case has no `image:`. */
function withImageTwins(c: Case): Case[] {
  const also = c.playbook?.alsoImages ?? [];
  const own = c.playbook?.image !== undefined;
  return [c, ...also.map((image) => ({ ...c, id: `${c.id}@${image}`, playbook: { ...c.playbook!, ...(own ? { image } : { sharedImage: image }), alsoImages: [] } }))];
}

export interface Generated {
  text: string;
  /** Line range (1-based, inclusive) of each case's play in `text`. */
  lines: Map<string, [number, number]>;
}

/** Task names the harness gives each case (the results of both tools are looked up by them). */
export const taskNames = {
  template: (c: Case): string => c.id,
  setFact: (c: Case): string => `${c.id} set_fact`,
  copy: (c: Case): string => `${c.id} copy`,
};

const q = (s: string): string => JSON.stringify(s);

function play(c: Case, varsLines: string[], tasks: string[]): string[] {
  return [`- name: ${q(c.id)}`, '  hosts: all', '  gather_facts: false', ...varsLines, '  tasks:', ...tasks];
}

/**
 * Every template case as its own play in one playbook: play vars = `_vars.yml` with the case's
 * vars.yml laid over it, one `template:` task with the case's task.yml options, ignore_errors.
 */
export function generateTemplates(cases: Case[], casesDir: string): Generated {
  const sharedFile = path.join(casesDir, 'templates', '_vars.yml');
  const shared = existsSync(sharedFile) ? rawPairs(readFileSync(sharedFile, 'utf8'), sharedFile) : [];
  return assemble(cases, (c) => {
    const vf = path.join(c.dir, 'vars.yml');
    const own = existsSync(vf) ? rawPairs(readFileSync(vf, 'utf8'), vf) : [];
    const ownKeys = new Set(own.map((p) => p.key));
    const vars = [...shared.filter((p) => !ownKeys.has(p.key)), ...own];
    const varsLines = vars.length ? ['  vars:', ...vars.flatMap((p) => emitPair(p.keySource, p.valueSource, '    '))] : [];
    const tf = path.join(c.dir, 'task.yml');
    const opts = existsSync(tf) ? rawPairs(readFileSync(tf, 'utf8'), tf) : [];
    const tasks = [
      `    - name: ${q(taskNames.template(c))}`,
      '      template:',
      `        src: ${q(path.join(c.dir, 'template.j2'))}`,
      `        dest: ${q(`{{ diff_root }}/templates/${c.name}`)}`,
      ...opts.filter((p) => p.key !== 'src' && p.key !== 'dest').flatMap((p) => emitPair(p.keySource, p.valueSource, '        ')),
      '      ignore_errors: true',
    ];
    return play(c, varsLines, tasks);
  });
}

/**
 * Every value case as its own play: `set_fact` of the value (the case's vars as play vars), then
 * `copy: content:` of its type, JSON and string form. The fact is named per case so a case whose
 * set_fact fails cannot write the previous case's value.
 */
export function generateValues(cases: Case[]): Generated {
  return assemble(cases, (c, i) => {
    const file = path.join(c.dir, 'case.yml');
    const pairs = rawPairs(readFileSync(file, 'utf8'), file);
    const value = pairs.find((p) => p.key === 'value')!;
    const vars = pairs.find((p) => p.key === 'vars');
    const fact = `diff_v${i}`;
    const varsLines = vars && vars.value !== null ? emitPair('vars', vars.valueSource, '  ') : [];
    const content = `{{ ${fact} | type_debug }}\n{{ ${fact} | to_json }}\n{{ ${fact} }}`;
    const tasks = [
      `    - name: ${q(taskNames.setFact(c))}`,
      '      set_fact:',
      ...emitPair(fact, value.valueSource, '        '),
      '      ignore_errors: true',
      `    - name: ${q(taskNames.copy(c))}`,
      '      copy:',
      `        content: ${q(content)}`,
      `        dest: ${q(`{{ diff_root }}/values/${c.name}`)}`,
      '      ignore_errors: true',
    ];
    return play(c, varsLines, tasks);
  });
}

function assemble(cases: Case[], one: (c: Case, i: number) => string[]): Generated {
  const out: string[] = ['# Generated by test/differential/run.ts: one play per case.'];
  const lines = new Map<string, [number, number]>();
  cases.forEach((c, i) => {
    const start = out.length + 1;
    out.push(...one(c, i));
    lines.set(c.id, [start, out.length]);
  });
  return { text: out.join('\n') + '\n', lines };
}
