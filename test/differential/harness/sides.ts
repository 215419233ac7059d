// The two sides of a differential run: where ansible-core and tsplay each apply the cases.
// docker: twin lab containers (same image), reached over SSH with the lab key (what CI runs).
// local:  this machine, a local connection, each tool in its own temp root (the fast loop).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { docker, runProgram } from '../../../src/lab/docker.js';
import { buildImages } from '../../../src/lab/images.js';
import { runAnsible, runTsplay, TsplayWorkers, type RunSpec, type Tool, type ToolRun } from './tools.js';

export type Target = 'docker' | 'local';

/** One file system entry as the snapshot script saw it. */
export interface Entry {
  type: 'file' | 'dir' | 'link' | 'other' | 'absent';
  mode?: string;
  owner?: string;
  group?: string;
  /** base64 of a file's bytes. */
  data?: string;
  target?: string;
}
export type Snapshot = Record<string, Entry>;

export interface Side {
  tool: Tool;
  /** The `diff_root` this side's cases write under. */
  root: string;
  run(spec: Omit<RunSpec, 'inventory' | 'scratch'>): Promise<ToolRun>;
  /** `mkdir -p` on the target. */
  mkdir(paths: string[]): Promise<void>;
  /** `rm -rf` on the target. */
  remove(paths: string[]): Promise<void>;
  /** Every entry under each path (recursively; absent paths are recorded as absent). */
  snapshot(paths: string[]): Promise<Snapshot>;
}

export interface Sides {
  target: Target;
  ansible: Side;
  tsplay: Side;
  /** Whether a path outside the side's root may be compared (docker: yes; local: no). */
  ownsSystemPaths: boolean;
  /** Controller-side temp dir for generated playbooks (removed by close()). */
  scratchDir: string;
  close(): Promise<void>;
}

// Python on the target (ansible needs it there anyway): one round trip for a whole tree.
const SNAPSHOT_PY = String.raw`
import base64, grp, json, os, pwd, stat, sys
def name(f, i):
    try: return f(i)[0]
    except KeyError: return str(i)
out = {}
def visit(p):
    try: st = os.lstat(p)
    except FileNotFoundError:
        out[p] = {"type": "absent"}; return
    e = {"mode": "%04o" % stat.S_IMODE(st.st_mode), "owner": name(pwd.getpwuid, st.st_uid), "group": name(grp.getgrgid, st.st_gid)}
    if stat.S_ISLNK(st.st_mode): e["type"] = "link"; e["target"] = os.readlink(p)
    elif stat.S_ISDIR(st.st_mode):
        e["type"] = "dir"
        for c in sorted(os.listdir(p)): visit(os.path.join(p, c))
    elif stat.S_ISREG(st.st_mode):
        e["type"] = "file"
        with open(p, "rb") as f: e["data"] = base64.b64encode(f.read()).decode()
    else: e["type"] = "other"
    out[p] = e
for p in sys.argv[1:]: visit(p.rstrip("/") or "/")
print(json.dumps(out))
`;

function parseSnapshot(stdout: string, what: string): Snapshot {
  try {
    return JSON.parse(stdout) as Snapshot;
  } catch {
    throw new Error(`snapshot on ${what} printed no JSON: ${stdout.slice(0, 300)}`);
  }
}

export interface SideOptions {
  /** Run tsplay as `node bin/tsplay.mjs` per playbook instead of in long-lived workers. */
  tsplayCli?: boolean;
  /** docker: the lab image of the twins (default DIFF_IMAGE; a playbook case's `image:`). */
  image?: string;
  /** docker: Linux capabilities for both twins (a case's `cap_add:`). */
  capAdd?: string[];
}

function tsplayRunner(o: SideOptions): { run: (s: RunSpec) => Promise<ToolRun>; close: () => void } {
  if (o.tsplayCli) return { run: (s) => runTsplay(s), close: () => undefined };
  const workers = new TsplayWorkers();
  return { run: (s) => runTsplay(s, workers), close: () => workers.close() };
}

/** Both sides on this machine, local connection, separate temp roots. */
export async function localSides(o: SideOptions = {}): Promise<Sides> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'tsplay-diff-'));
  const tsplay = tsplayRunner(o);
  const make = (tool: Tool): Side => {
    const root = path.join(base, `${tool}-root`);
    const scratch = path.join(base, `${tool}-scratch`);
    mkdirSync(root, { recursive: true });
    mkdirSync(scratch, { recursive: true });
    const inventory = path.join(scratch, 'inventory.yml');
    const hostVars = tool === 'ansible' ? 'ansible_connection: local, ansible_python_interpreter: /usr/bin/python3' : 'ansible_connection: local';
    writeFileSync(inventory, `all:\n  hosts:\n    target: {${hostVars}}\n`);
    writeFileSync(path.join(scratch, 'no-ansible.cfg'), '');
    const runner = tool === 'ansible' ? runAnsible : tsplay.run;
    return {
      tool,
      root,
      run: (spec) => runner({ ...spec, inventory, scratch }),
      mkdir: async (paths) => {
        for (const p of paths) mkdirSync(p, { recursive: true });
      },
      remove: async (paths) => {
        for (const p of paths) rmSync(p, { recursive: true, force: true });
      },
      snapshot: async (paths) => {
        const r = await runProgram('python3', ['-c', SNAPSHOT_PY, ...paths]);
        if (r.rc !== 0) throw new Error(`snapshot failed: ${r.stderr}`);
        return parseSnapshot(r.stdout, 'this machine');
      },
    };
  };
  return {
    target: 'local',
    ansible: make('ansible'),
    tsplay: make('tsplay'),
    ownsSystemPaths: false,
    scratchDir: base,
    close: async () => {
      tsplay.close();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** The lab image the twins run (python3 is in it for ansible-core's modules). */
export const DIFF_IMAGE = 'debian-12';
/** Same path on both twins, so results that name paths compare as they are. */
export const DOCKER_ROOT = '/srv/tsplay-diff';

/** Twin lab containers, one per tool, both named `target` (inventory name and hostname). */
export async function dockerSides(o: SideOptions = {}): Promise<Sides> {
  // Imported here so --target local never loads testcontainers.
  const { startTargets, createTestNetwork } = await import('../../e2e/harness/targets.js');
  // Cached: one `docker image inspect`. Rebuilds an image made from an older recipe (without python3).
  const image = o.image ?? DIFF_IMAGE;
  const built = await buildImages({ images: [image], log: () => undefined });
  const failed = built.images.find((i) => i.status === 'failed' || i.status === 'skipped');
  if (failed) throw new Error(`lab image ${image} could not be built: ${failed.reason ?? failed.status}`);
  const network = await createTestNetwork();
  const base = mkdtempSync(path.join(os.tmpdir(), 'tsplay-diff-'));
  const started: Array<Awaited<ReturnType<typeof startTargets>>> = [];
  const tsplay = tsplayRunner(o);
  const close = async (): Promise<void> => {
    tsplay.close();
    await Promise.all(started.map((t) => t.stop()));
    await docker(['network', 'rm', network]);
    rmSync(base, { recursive: true, force: true });
  };
  try {
    const [a, t] = await Promise.all([
      startTargets([{ image, name: 'target', capAdd: o.capAdd }], { network }),
      startTargets([{ image, name: 'target', capAdd: o.capAdd }], { network }),
    ]);
    started.push(a, t);
    for (const x of [a, t]) {
      const r = await docker(['exec', x.hosts[0]!.container, 'python3', '-c', 'import json']);
      if (r.rc !== 0)
        throw new Error(
          `tsplay/${image} has no full python3 (ansible-core's modules need it): rebuild it with \`npx tsplay lab build --image ${image}\` (${r.stderr.trim().split('\n').pop()})`,
        );
    }
    const make = (tool: Tool, targets: typeof a): Side => {
      const host = targets.hosts[0]!;
      const scratch = path.join(base, `${tool}-scratch`);
      mkdirSync(scratch, { recursive: true });
      writeFileSync(path.join(scratch, 'no-ansible.cfg'), '');
      let inventory = targets.inventoryPath;
      if (tool === 'ansible') {
        inventory = path.join(scratch, 'inventory.yml');
        writeFileSync(
          inventory,
          `all:\n  hosts:\n    target:\n      ansible_host: ${host.address}\n      ansible_user: root\n      ansible_ssh_private_key_file: ${targets.keyPath}\n      ansible_python_interpreter: /usr/bin/python3\n`,
        );
      }
      const runner = tool === 'ansible' ? runAnsible : tsplay.run;
      return {
        tool,
        root: DOCKER_ROOT,
        run: (spec) => runner({ ...spec, inventory, scratch }),
        mkdir: async (paths) => {
          const r = await docker(['exec', host.container, 'mkdir', '-p', ...paths]);
          if (r.rc !== 0) throw new Error(`mkdir on ${tool}'s twin: ${r.stderr}`);
        },
        remove: async (paths) => {
          const r = await docker(['exec', host.container, 'rm', '-rf', '--', ...paths]);
          if (r.rc !== 0) throw new Error(`rm on ${tool}'s twin: ${r.stderr}`);
        },
        snapshot: async (paths) => {
          const r = await docker(['exec', host.container, 'python3', '-c', SNAPSHOT_PY, ...paths]);
          if (r.rc !== 0) throw new Error(`snapshot on ${tool}'s twin failed: ${r.stderr}`);
          return parseSnapshot(r.stdout, `${tool}'s twin`);
        },
      };
    };
    return { target: 'docker', ansible: make('ansible', a), tsplay: make('tsplay', t), ownsSystemPaths: true, scratchDir: base, close };
  } catch (e) {
    await close();
    throw e;
  }
}
