import { spawn } from 'node:child_process';
import { TsplayError } from '../errors.js';

/** Labels every lab image / container / network carries, so sweeps can find them. */
export const LABELS = {
  /** On every image `tsplay lab build` made. */
  image: 'tsplay.lab',
  imageName: 'tsplay.image',
  recipeHash: 'tsplay.recipe-hash',
  family: 'tsplay.family',
  /** On containers and networks started by `tsplay lab up` (value: the lab name). */
  labInstance: 'tsplay.lab.instance',
  /** On containers and networks started by the e2e test harness. */
  test: 'tsplay.test',
} as const;

export interface ProcResult {
  rc: number;
  stdout: string;
  stderr: string;
}

/**
 * Run a host program with an argv array (never through a shell). Rejects only when the program
 * cannot be started; a non-zero exit is data (`rc`). `input` is piped to stdin.
 */
export function runProgram(
  cmd: string,
  args: string[],
  opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string; onLine?: (line: string) => void } = {},
): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let partial = '';
    const feed = (b: Buffer): void => {
      if (!opts.onLine) return;
      partial += b.toString('utf8');
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) opts.onLine(l);
    };
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      feed(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      err.push(b);
      feed(b);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        reject(new TsplayError('LAB', `${cmd} is not installed on this machine`, { hint: 'run `bash scripts/setup-docker.sh` (as root) to install the lab tools', cause: e }));
      } else reject(e);
    });
    child.on('close', (code, signal) => {
      if (opts.onLine && partial.trim()) opts.onLine(partial);
      resolve({ rc: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => undefined);
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Like runProgram but a non-zero exit becomes a TsplayError('LAB') naming the command and its stderr. */
export async function mustRun(cmd: string, args: string[], opts: Parameters<typeof runProgram>[2] = {}): Promise<ProcResult> {
  const r = await runProgram(cmd, args, opts);
  if (r.rc !== 0) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-15).join('\n');
    throw new TsplayError('LAB', `\`${cmd} ${args.slice(0, 4).join(' ')}${args.length > 4 ? ' …' : ''}\` failed (exit ${r.rc}):\n${tail}`);
  }
  return r;
}

/** Run the docker CLI. */
export function docker(args: string[], opts: Parameters<typeof runProgram>[2] = {}): Promise<ProcResult> {
  return runProgram('docker', args, opts);
}

export function mustDocker(args: string[], opts: Parameters<typeof runProgram>[2] = {}): Promise<ProcResult> {
  return mustRun('docker', args, opts);
}

/** Whether a Docker engine answers (`docker info`). Never throws. */
export async function dockerAvailable(): Promise<{ ok: boolean; reason?: string }> {
  try {
    const r = await docker(['info', '--format', '{{.ServerVersion}}']);
    if (r.rc === 0) return { ok: true };
    return { ok: false, reason: (r.stderr.trim().split('\n').pop() ?? 'docker info failed').slice(0, 300) };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

/** Throw a clear LAB error when no Docker engine answers. */
export async function requireDocker(): Promise<void> {
  const d = await dockerAvailable();
  if (!d.ok) {
    throw new TsplayError('LAB', `no Docker engine is reachable: ${d.reason}`, {
      hint: 'run `bash scripts/setup-docker.sh` (installs docker.io from Debian and starts dockerd)',
    });
  }
}

/** The value of one label on an image, or null when the image does not exist. */
export async function imageLabel(image: string, label: string): Promise<string | null | undefined> {
  const r = await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', image]);
  if (r.rc !== 0) return null;
  const labels = JSON.parse(r.stdout.trim() || 'null') as Record<string, string> | null;
  return labels?.[label];
}

export async function imageExists(image: string): Promise<boolean> {
  return (await docker(['image', 'inspect', '--format', '{{.Id}}', image])).rc === 0;
}

/** IDs of containers (running or not) carrying a label (`key` or `key=value`). */
export async function containersWithLabel(label: string): Promise<string[]> {
  const r = await mustDocker(['ps', '-aq', '--filter', `label=${label}`]);
  return r.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function networksWithLabel(label: string): Promise<string[]> {
  const r = await mustDocker(['network', 'ls', '-q', '--filter', `label=${label}`]);
  return r.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Create a bridge network unless it exists. */
export async function ensureNetwork(name: string, labels: Record<string, string>): Promise<void> {
  if ((await docker(['network', 'inspect', name])).rc === 0) return;
  const args = ['network', 'create', '--driver', 'bridge'];
  for (const [k, v] of Object.entries(labels)) args.push('--label', `${k}=${v}`);
  const r = await docker([...args, name]);
  // Two labs starting at once may race to create it.
  if (r.rc !== 0 && !/already exists/.test(r.stderr)) throw new TsplayError('LAB', `cannot create docker network ${name}: ${r.stderr.trim()}`);
}

/** Remove a network when no container is attached to it any more. */
export async function removeNetworkIfUnused(name: string): Promise<boolean> {
  const r = await docker(['network', 'inspect', '--format', '{{len .Containers}}', name]);
  if (r.rc !== 0) return false;
  if (r.stdout.trim() !== '0') return false;
  return (await docker(['network', 'rm', name])).rc === 0;
}

/** IP address of a container on a given network. */
export async function containerIp(container: string, network: string): Promise<string> {
  const r = await mustDocker(['inspect', '--format', '{{json .NetworkSettings.Networks}}', container]);
  const nets = JSON.parse(r.stdout) as Record<string, { IPAddress?: string }>;
  const ip = nets[network]?.IPAddress;
  if (!ip) throw new TsplayError('LAB', `container ${container} has no address on network ${network}`);
  return ip;
}
