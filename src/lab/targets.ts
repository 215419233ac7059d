import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import ssh2 from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader (tsx at run time) gives no named exports, only the default.
const sshUtils = ssh2.utils;
import { TsplayError } from '../errors.js';
import { docker } from './docker.js';

/** Where a target's sshd reads the lab's public key (root-owned, 0644; valid for root and deploy). */
export const AUTHORIZED_KEYS_PATH = '/etc/ssh/tsplay_authorized_keys';
/** The non-root sudo (NOPASSWD) user every lab image has. */
export const SUDO_USER = 'deploy';

/** What a systemd target container needs (no --privileged: it fails on these machines). */
export function systemdRunArgs(): string[] {
  const args = ['--tmpfs', '/run', '--tmpfs', '/run/lock'];
  // cgroup v1 (these machines): a read-only bind of the host's hierarchy is enough for systemd.
  // cgroup v2: systemd needs its own writable cgroup namespace.
  if (isCgroupV2()) args.push('--cgroupns=private', '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw');
  else args.push('-v', '/sys/fs/cgroup:/sys/fs/cgroup:ro');
  return args;
}

export function isCgroupV2(): boolean {
  return existsSync('/sys/fs/cgroup/cgroup.controllers');
}

/** An ed25519 key pair in OpenSSH format (what ssh-keygen writes), made with ssh2. */
export function makeKeyPair(comment = 'tsplay-lab'): { privateKey: string; publicKey: string } {
  const kp = sshUtils.generateKeyPairSync('ed25519', { comment });
  return { privateKey: kp.private, publicKey: kp.public.trim() + '\n' };
}

/**
 * Systemd runs out of inotify instances past ~25 containers (default 128): raise the limits when we
 * can (root). Returns what was done, for the log.
 */
export function raiseInotifyLimits(): string | undefined {
  const want: Array<[string, number]> = [
    ['/proc/sys/fs/inotify/max_user_instances', 8192],
    ['/proc/sys/fs/inotify/max_user_watches', 1048576],
  ];
  const done: string[] = [];
  for (const [file, value] of want) {
    try {
      const now = Number(readFileSync(file, 'utf8').trim());
      if (now < value) {
        writeFileSync(file, String(value));
        done.push(`${file.split('/').pop()}=${value}`);
      }
    } catch {
      /* not root or no procfs: scripts/setup-docker.sh raises them with sysctl */
    }
  }
  return done.length ? `raised inotify limits: ${done.join(' ')}` : undefined;
}

export interface ExecResult {
  rc: number;
  stdout: string;
  stderr: string;
}

/** `docker exec CONTAINER sh -c COMMAND` (the command is a shell line built by the caller). */
export async function execIn(container: string, command: string): Promise<ExecResult> {
  return docker(['exec', container, 'sh', '-c', command]);
}

/**
 * Wait until a target has booted (`systemctl is-system-running --wait`) and sshd is active.
 * Throws TsplayError('LAB') with the state and failed units when it does not come up.
 */
export async function waitForTarget(container: string, timeoutMs = 90_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let state = '';
  while (Date.now() < deadline) {
    const secs = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    const r = await docker(['exec', container, 'timeout', String(secs), 'systemctl', 'is-system-running', '--wait']);
    state = r.stdout.trim();
    if (state === 'running' || state === 'degraded') break;
    if (r.rc !== 0 && /is not running|No such container/.test(r.stderr)) {
      const logs = await docker(['logs', '--tail', '20', container]);
      throw new TsplayError('LAB', `target container ${container} stopped while booting: ${(logs.stdout + logs.stderr).trim().slice(-600)}`, {
        hint: 'many containers at once? raise fs.inotify.max_user_instances (bash scripts/setup-docker.sh does)',
      });
    }
    await new Promise((r2) => setTimeout(r2, 300));
  }
  const ssh = await docker(['exec', container, 'sh', '-c', 'systemctl is-active ssh 2>/dev/null || systemctl is-active sshd']);
  if (ssh.stdout.trim().split('\n').pop() !== 'active') {
    const failed = await docker(['exec', container, 'systemctl', '--failed', '--no-legend', '--plain']);
    throw new TsplayError('LAB', `sshd did not start in ${container} (system state "${state}"); failed units: ${failed.stdout.trim() || 'none'}`);
  }
  return state;
}
