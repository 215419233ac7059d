import type { HostStatus, HostTaskResult } from '../engine/report.js';

/** Above this many hosts a TTY run shows one progress line per task instead of one row per host. */
export const FLEET_THRESHOLD = 20;

const SHOWN: HostStatus[] = ['ok', 'changed', 'failed', 'unreachable', 'skipped'];

/**
 * One task's results across a fleet: counts per status, when each host finished, and who is still
 * running. `now` and the start time are passed in, so rendering is a pure function of the tally.
 */
export class FleetTally {
  private readonly done = new Map<string, { status: HostStatus; ms: number }>();

  constructor(
    readonly hosts: readonly string[],
    readonly startedAt: number,
  ) {}

  add(r: HostTaskResult): void {
    this.done.set(r.host, { status: r.status, ms: r.durationMs });
  }

  get finished(): boolean {
    return this.done.size >= this.hosts.length;
  }

  counts(): Record<HostStatus, number> {
    const c: Record<HostStatus, number> = { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, rescued: 0, ignored: 0 };
    for (const { status } of this.done.values()) c[status]++;
    return c;
  }

  /**
   * The `n` slowest hosts: those still running (longest first, elapsed so far) before those done
   * (by their own duration), so a stuck host is named while the others wait for it.
   */
  slowest(now: number, n = 3): Array<{ host: string; ms: number; running: boolean }> {
    const running = this.hosts.filter((h) => !this.done.has(h)).map((host) => ({ host, ms: now - this.startedAt, running: true }));
    const done = [...this.done].map(([host, d]) => ({ host, ms: d.ms, running: false })).sort((a, b) => b.ms - a.ms);
    return [...running, ...done].slice(0, n);
  }

  failedHosts(): string[] {
    return [...this.done].filter(([, d]) => d.status === 'failed' || d.status === 'unreachable').map(([h]) => h);
  }
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** A text progress bar `[#####-----]` of `width` cells. */
export function progressBar(done: number, total: number, width = 24): string {
  const full = total > 0 ? Math.round((done / total) * width) : width;
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
}

/**
 * What a person sees for one task at fleet size: a bar with done/total and the counts, then the
 * slowest hosts by name (and, once it is over, which hosts failed). No row per host.
 */
export function renderFleetTask(title: string, t: FleetTally, now: number): string[] {
  const c = t.counts();
  const finished = Object.values(c).reduce((a, b) => a + b, 0);
  const counts = SHOWN.filter((s) => s !== 'skipped' || c.skipped > 0)
    .map((s) => `${s}=${c[s]}`)
    .join(' ');
  const lines = [`${title} ${progressBar(finished, t.hosts.length)} ${finished}/${t.hosts.length} ${counts}`];
  const slow = t.slowest(now);
  if (slow.length) lines.push(`  slowest: ${slow.map((s) => `${s.host} ${secs(s.ms)}${s.running ? ' (running)' : ''}`).join(', ')}`);
  const failed = t.failedHosts();
  if (failed.length) lines.push(`  failed/unreachable: ${failed.slice(0, 10).join(', ')}${failed.length > 10 ? ` and ${failed.length - 10} more` : ''}`);
  return lines;
}
