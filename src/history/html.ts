import type { ItemRow, RunRow } from './store.js';
import { renderDiff } from '../reporters/diff.js';

export type CellState = 'converged' | 'drift' | 'corrected' | 'changed' | 'failed' | 'absent';

const COLORS: Record<CellState, string> = {
  converged: '#2e9d4f',
  drift: '#e0a100',
  corrected: '#2f6fd6',
  changed: '#7a8aa0',
  failed: '#d23c3c',
  absent: '#eeeeee',
};

/** What one host looked like in one run: the cell of the hosts × runs matrix. */
export function cellState(run: RunRow, host: string, items: ItemRow[]): CellState {
  const recap = run.hosts[host];
  if (!recap) return 'absent';
  if (recap.failed > 0 || recap.unreachable > 0) return 'failed';
  const mine = items.filter((i) => i.runId === run.id && i.host === host);
  if (mine.some((i) => i.kind === 'corrective')) return 'corrected';
  if (mine.some((i) => i.kind === 'drift')) return 'drift';
  if (mine.some((i) => i.kind === 'change') || recap.changed > 0) return run.mode === 'drift' || run.mode === 'check' ? 'drift' : 'changed';
  return 'converged';
}

function esc(s: unknown): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function diffHtml(text: string): string {
  return text
    .split('\n')
    .map((l) => {
      const cls = l.startsWith('+++') || l.startsWith('---') ? 'h' : l.startsWith('+') ? 'a' : l.startsWith('-') ? 'd' : l.startsWith('@@') ? 'h' : '';
      return `<span class="${cls}">${esc(l)}</span>`;
    })
    .join('\n');
}

/** One static, self-contained HTML page: hosts × runs with drift and corrections, per-item diffs, trend. */
export function renderHtmlReport(runs: RunRow[], items: ItemRow[], meta: { title?: string; generatedAt?: string; source?: string } = {}): string {
  const chrono = [...runs].sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : a.id - b.id));
  const hosts = [...new Set(chrono.flatMap((r) => Object.keys(r.hosts)))].sort();
  const count = (k: ItemRow['kind']) => items.filter((i) => i.kind === k).length;
  const perRun = chrono.map((r) => ({
    run: r,
    drift: items.filter((i) => i.runId === r.id && i.kind === 'drift').length,
    corrective: items.filter((i) => i.runId === r.id && i.kind === 'corrective').length,
    failure: items.filter((i) => i.runId === r.id && i.kind === 'failure').length,
  }));

  const max = Math.max(1, ...perRun.map((p) => p.drift + p.corrective + p.failure));
  const barW = 16;
  const gap = 8;
  const plotH = 90;
  const left = 28;
  const chartH = plotH + 22;
  const chartW = Math.max(240, left + 8 + perRun.length * (barW + gap));
  const bars = perRun
    .map((p, i) => {
      const x = left + 6 + i * (barW + gap);
      let y = plotH;
      const stack = (['failure', 'corrective', 'drift'] as const)
        .map((k) => {
          const h = Math.round((p[k] / max) * (plotH - 6));
          y -= h;
          const color = k === 'failure' ? COLORS.failed : k === 'corrective' ? COLORS.corrected : COLORS.drift;
          return h > 0 ? `<rect class="bar ${k}" x="${x}" y="${y}" width="${barW}" height="${h}" fill="${color}"><title>run #${p.run.id}: ${p[k]} ${k}</title></rect>` : '';
        })
        .join('');
      const label = perRun.length <= 40 || i % Math.ceil(perRun.length / 40) === 0 ? `<text x="${x + barW / 2}" y="${plotH + 15}" text-anchor="middle">#${p.run.id}</text>` : '';
      return stack + label;
    })
    .join('');
  const axis =
    `<line x1="${left}" y1="${plotH + 0.5}" x2="${chartW}" y2="${plotH + 0.5}" stroke="#bbb"/>` +
    `<line x1="${left - 0.5}" y1="4" x2="${left - 0.5}" y2="${plotH}" stroke="#bbb"/>` +
    `<text x="${left - 5}" y="${plotH}" text-anchor="end">0</text><text x="${left - 5}" y="14" text-anchor="end">${max}</text>`;

  const header = chrono
    .map(
      (r) =>
        `<th class="run" title="${esc(`${r.playbook} (${r.mode}, exit ${r.exitCode})`)}"><a href="#run-${r.id}">#${r.id}</a><br><span class="mode">${esc(r.mode)}</span><br><span class="when">${esc(r.startedAt.slice(5, 10))}<br>${esc(r.startedAt.slice(11, 16))}</span></th>`,
    )
    .join('');
  const rows = hosts
    .map((h) => {
      const cells = chrono
        .map((r) => {
          const st = cellState(r, h, items);
          const n = items.filter((i) => i.runId === r.id && i.host === h && i.kind !== 'change').length;
          return `<td class="cell ${st}" data-state="${st}" title="${esc(`${h} in run #${r.id}: ${st}`)}">${n > 0 ? n : ''}</td>`;
        })
        .join('');
      const driftTotal = items.filter((i) => i.host === h && i.kind === 'drift').length;
      const fixTotal = items.filter((i) => i.host === h && i.kind === 'corrective').length;
      return `<tr data-host="${esc(h)}"><th class="host">${esc(h)}</th><td class="num">${driftTotal}</td><td class="num">${fixTotal}</td>${cells}</tr>`;
    })
    .join('\n');

  const details = [...chrono]
    .reverse()
    .filter((r) => items.some((i) => i.runId === r.id && i.kind !== 'change'))
    .map((r) => {
      const its = items.filter((i) => i.runId === r.id && i.kind !== 'change');
      return `<section id="run-${r.id}"><h3>Run #${r.id} · ${esc(r.mode)} <span class="meta">${esc(r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))} · exit ${r.exitCode}${r.source ? ` · ${esc(r.source)}` : ''}</span></h3><div class="pb">${esc(r.playbook)}</div>
${its
  .map(
    (
      i,
    ) => `<details class="item ${i.kind}"><summary><span class="badge ${i.kind}">${esc({ drift: 'drift', corrective: 'corrected', failure: 'failed', change: 'changed' }[i.kind])}</span> <b>${esc(i.host)}</b> — ${esc(i.task)}${i.msg ? ` <span class="msg">${esc(i.msg.split('\n')[0])}</span>` : ''}</summary>
${(i.diff ?? []).map((d) => `<pre class="diff">${diffHtml(renderDiff(d))}</pre>`).join('') || '<p class="nodiff">no file diff for this item</p>'}</details>`,
  )
  .join('\n')}</section>`;
    })
    .join('\n');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(meta.title ?? 'tsplay drift report')}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin:0 0 4px} .sub{color:#666;margin-bottom:16px}
.cards{display:flex;gap:12px;margin:12px 0 20px}.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px}.card b{font-size:20px;display:block}
table.matrix{border-collapse:collapse}table.matrix th,table.matrix td{border:1px solid #fff;padding:2px 4px;text-align:center}
table.matrix th.host{text-align:left;padding-right:16px;white-space:nowrap;font-family:ui-monospace,monospace} td.num{color:#555;min-width:32px}
th.run{font-weight:normal;font-size:11px;color:#444;white-space:nowrap} .mode{font-weight:bold}.when{color:#888}
.scroll{overflow-x:auto;max-width:100%} table.matrix th.host{position:sticky;left:0;background:#fff;z-index:1}
td.cell{width:44px;height:26px;color:#fff;font-weight:bold}
${(Object.keys(COLORS) as CellState[]).map((k) => `td.${k},.badge.${k === 'corrected' ? 'corrective' : k === 'failed' ? 'failure' : k}{background:${COLORS[k]}}`).join('\n')}
td.absent{color:#999}
.legend span{display:inline-block;padding:2px 8px;margin-right:6px;color:#fff;border-radius:3px}
.badge{color:#fff;border-radius:3px;padding:0 6px;font-size:12px}
pre.diff{background:#f7f7f7;padding:8px;overflow:auto}pre.diff .a{color:#17692f}pre.diff .d{color:#a12020}pre.diff .h{color:#666}
.msg{color:#666} details{margin:4px 0} section{margin-top:18px}
h2{font-size:17px;margin:22px 0 8px} h3{font-size:15px;margin:0 0 2px} h3 .meta{font-weight:normal;color:#777;font-size:13px}
.pb{font:12px ui-monospace,monospace;color:#777;margin-bottom:6px} summary{cursor:pointer}
#trend text{font-size:10px;fill:#777}
</style></head><body>
<h1>${esc(meta.title ?? 'tsplay drift report')}</h1>
<div class="sub">generated ${esc(meta.generatedAt ?? new Date().toISOString())}${meta.source ? ` from ${esc(meta.source)}` : ''} — ${chrono.length} run(s), ${hosts.length} host(s)</div>
<div class="cards"><div class="card"><b id="n-runs">${chrono.length}</b>runs</div><div class="card"><b id="n-drift">${count('drift')}</b>drift items</div><div class="card"><b id="n-corrective">${count('corrective')}</b>corrections</div><div class="card"><b id="n-failures">${count('failure')}</b>failures</div></div>
<h2>Trend</h2>
<svg id="trend" width="${chartW}" height="${chartH}" role="img" aria-label="drift, corrections and failures per run">${axis}${bars}</svg>
<h2>Hosts × runs</h2>
<div class="legend">${(['converged', 'drift', 'corrected', 'changed', 'failed'] as CellState[]).map((k) => `<span style="background:${COLORS[k]}">${k}</span>`).join('')}</div>
<div class="scroll"><table class="matrix"><thead><tr><th class="host">host</th><th>drift</th><th>fixed</th>${header}</tr></thead>
<tbody>
${rows}
</tbody></table></div>
<h2>Items</h2>
${details || '<p>No drift, corrections or failures in this period.</p>'}
</body></html>
`;
}
