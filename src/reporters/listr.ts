import type { ListrTaskWrapper } from 'listr2';

/** listr2 loads with the first task a TTY run shows, not with every command. */
let listr2: Promise<typeof import('listr2')> | undefined;
const loadListr = (): Promise<typeof import('listr2')> => (listr2 ??= import('listr2'));
import type { HostTaskResult, Reporter, RunEvent } from '../engine/report.js';
import { formatRecap } from './plain.js';
import { renderDiff } from './diff.js';
import { FLEET_THRESHOLD, FleetTally, renderFleetTask } from './fleet.js';

interface Pending {
  resolve: (r: HostTaskResult) => void;
  promise: Promise<HostTaskResult>;
}

/**
 * Live tree on a terminal (listr2): each task is a node whose children are the hosts, updated as
 * results arrive. Plain lines (PlainReporter) are used when stdout is not a TTY or under CI.
 */
export class ListrReporter implements Reporter {
  private pending = new Map<string, Pending>();
  private tallies = new Map<string, FleetTally>();
  private current?: Promise<unknown>;
  private chain: Promise<unknown> = Promise.resolve();

  /** `fleetThreshold`: above this many hosts a task is one progress line, not one row per host. */
  constructor(private readonly o: { write: (t: string) => void; diff?: boolean; fleetThreshold?: number }) {}

  onEvent(e: RunEvent): void {
    switch (e.type) {
      case 'play-start':
        this.enqueue(async () => this.o.write(`\nPLAY [${e.play}] — ${e.hosts.length} host(s)\n`));
        break;
      case 'task-start': {
        const slots = new Map<string, Pending>();
        for (const h of e.hosts) {
          let resolve!: (r: HostTaskResult) => void;
          const promise = new Promise<HostTaskResult>((r) => (resolve = r));
          const p = { resolve, promise };
          slots.set(h, p);
          this.pending.set(`${e.task}\u0000${h}`, p);
        }
        const title = `${e.handler ? 'handler' : 'task'}: ${e.task}`;
        if (e.hosts.length > (this.o.fleetThreshold ?? FLEET_THRESHOLD)) {
          this.fleetTask(title, e.task, e.hosts, slots);
          break;
        }
        this.enqueue(async () => {
          const { Listr } = await loadListr();
          return new Listr(
            [
              {
                title,
                task: (_ctx, task) =>
                  task.newListr(
                    e.hosts.map((h) => ({
                      title: h,
                      task: async (_c: unknown, t: ListrTaskWrapper<unknown, any, any>) => {
                        const r = await slots.get(h)!.promise;
                        const showMsg = r.msg && ((r.status !== 'ok' && r.status !== 'changed') || e.module === 'debug');
                        t.title = `${h}: ${r.status}${showMsg ? ` — ${r.msg!.split('\n')[0]}` : ''}`;
                        if (r.status === 'skipped') t.skip(t.title);
                        if (r.status === 'failed' || r.status === 'unreachable') throw new Error(t.title);
                      },
                    })),
                    { concurrent: true, exitOnError: false },
                  ),
              },
            ],
            { exitOnError: false, rendererOptions: { collapseSubtasks: false, collapseErrors: false } },
          )
            .run()
            .catch(() => undefined);
        });
        break;
      }
      case 'host-result': {
        const key = `${e.task}\u0000${e.result.host}`;
        this.tallies.get(e.task)?.add(e.result);
        this.pending.get(key)?.resolve(e.result);
        this.pending.delete(key);
        if (this.o.diff && e.result.diff) {
          const text = e.result.diff.map(renderDiff).join('\n');
          this.enqueue(async () => this.o.write(text + '\n'));
        }
        break;
      }
      case 'warning':
        this.enqueue(async () => this.o.write(`[WARNING] ${e.host ? `[${e.host}] ` : ''}${e.message}\n`));
        break;
      case 'run-end':
        this.enqueue(async () => this.o.write(formatRecap(e.report)));
        break;
      default:
        break;
    }
  }

  /** At fleet size: one listr node per task whose title is the bar, the counts and the slowest hosts. */
  private fleetTask(title: string, task: string, hosts: string[], slots: Map<string, Pending>): void {
    const tally = new FleetTally(hosts, Date.now());
    this.tallies.set(task, tally);
    const all = Promise.all([...slots.values()].map((s) => s.promise));
    this.enqueue(async () => {
      const { Listr } = await loadListr();
      return new Listr(
        [
          {
            title,
            task: async (_ctx, t) => {
              let over = false;
              void all.then(() => (over = true));
              while (!over) {
                t.title = renderFleetTask(title, tally, Date.now()).join('\n');
                await Promise.race([all, new Promise((r) => setTimeout(r, 200))]);
              }
              this.tallies.delete(task);
              t.title = renderFleetTask(title, tally, Date.now()).join('\n');
              if (tally.failedHosts().length) throw new Error(t.title);
            },
          },
        ],
        { exitOnError: false, rendererOptions: { collapseErrors: false } },
      )
        .run()
        .catch(() => undefined);
    });
  }

  private enqueue(fn: () => Promise<unknown>): void {
    this.chain = this.chain.then(fn, fn);
    this.current = this.chain;
  }

  async close(): Promise<void> {
    await this.current;
  }
}
