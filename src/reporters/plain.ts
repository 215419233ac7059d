import type { HostTaskResult, Reporter, RunEvent, RunReport } from '../engine/report.js';
import { renderDiff } from './diff.js';

export interface PlainOptions {
  write: (text: string) => void;
  diff?: boolean;
  verbose?: number;
  color?: boolean;
}

const COLORS: Record<string, string> = { ok: '32', changed: '33', failed: '31', unreachable: '31', skipped: '36', ignored: '36', rescued: '35' };

/** Ansible-style line output: PLAY / TASK headers, one line per host, PLAY RECAP. For CI and pipes. */
export class PlainReporter implements Reporter {
  private module = '';
  constructor(private readonly o: PlainOptions) {}

  private c(status: string, text: string): string {
    return this.o.color && COLORS[status] ? `\x1b[${COLORS[status]}m${text}\x1b[0m` : text;
  }

  onEvent(e: RunEvent): void {
    const w = this.o.write;
    switch (e.type) {
      case 'play-start':
        w(`\n${banner(`PLAY [${e.play}]`)}\n`);
        break;
      case 'task-start':
        this.module = e.module;
        w(`\n${banner(`${e.handler ? 'RUNNING HANDLER' : 'TASK'} [${e.task}]`)}\n`);
        break;
      case 'host-result':
        w(this.formatResult(e.result));
        break;
      case 'warning':
        w(`${this.c('failed', '[WARNING]')}: ${e.host ? `[${e.host}] ` : ''}${e.message}\n`);
        break;
      case 'run-end':
        w(formatRecap(e.report, (s, t) => this.c(s, t)));
        break;
      default:
        break;
    }
  }

  private formatResult(r: HostTaskResult): string {
    const word = { ok: 'ok', changed: 'changed', failed: 'fatal', unreachable: 'fatal', skipped: 'skipping', ignored: 'failed', rescued: 'rescued' }[r.status];
    let line = `${word}: [${r.host}]`;
    if (r.status === 'unreachable') line += ': UNREACHABLE!';
    if (r.status === 'failed') line += ': FAILED!';
    if (r.check && r.changed) line += ' (check mode: would change)';
    if ((r.status === 'failed' || r.status === 'unreachable' || r.status === 'ignored') && r.msg) line += ` => ${r.msg}`;
    else if (r.msg && ((this.o.verbose ?? 0) > 0 || this.module === 'debug')) line += ` => ${r.msg}`;
    if (r.status === 'ignored') line += ' ...ignoring';
    // A loop shows its items only, as ansible-core's default callback does (_process_items).
    let out = r.items?.length ? '' : this.c(r.status, line) + '\n';
    for (const it of r.items ?? []) {
      const iw = { ok: 'ok', changed: 'changed', failed: 'failed', unreachable: 'fatal', skipped: 'skipping', ignored: 'failed', rescued: 'rescued' }[it.status];
      out +=
        this.c(
          it.status,
          `${iw}: [${r.host}] => (item=${typeof it.item === 'string' ? it.item : JSON.stringify(it.item)})${(it.status === 'failed' || (this.module === 'debug' && it.status !== 'skipped')) && it.msg ? ` => ${it.msg}` : ''}`,
        ) + '\n';
    }
    if (r.items?.length && r.status === 'ignored') out += this.c(r.status, '...ignoring') + '\n';
    if (this.o.diff && r.diff) for (const d of r.diff) out += renderDiff(d) + '\n';
    if ((this.o.verbose ?? 0) > 1 && r.result) out += JSON.stringify(r.result, null, 2) + '\n';
    return out;
  }
}

function banner(title: string): string {
  return `${title} ${'*'.repeat(Math.max(3, 78 - title.length))}`;
}

/** The PLAY RECAP block, one line per host, Ansible's column names. */
export function formatRecap(report: RunReport, color: (status: string, t: string) => string = (_s, t) => t): string {
  const hosts = Object.keys(report.recap);
  const width = Math.max(0, ...hosts.map((h) => h.length));
  let out = `\n${banner('PLAY RECAP')}\n`;
  for (const h of hosts) {
    const r = report.recap[h]!;
    const status = r.failed || r.unreachable ? 'failed' : r.changed ? 'changed' : 'ok';
    out += `${color(status, h.padEnd(width))} : ${color('ok', `ok=${r.ok}`)}  ${color('changed', `changed=${r.changed}`)}  unreachable=${r.unreachable}  failed=${r.failed}  skipped=${r.skipped}  rescued=${r.rescued}  ignored=${r.ignored}\n`;
  }
  if (report.aborted) out += `\nrun stopped: ${report.aborted}\n`;
  return out;
}
