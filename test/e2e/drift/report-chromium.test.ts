// `tsplay report --html` rendered by real headless Chromium (Debian's chromium, driven by
// playwright-core): five recorded runs (converge, drift check, drift, fix, a failed run) on three
// local hosts; the screenshot must show one row per host and the cell colours of each run's state.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, FIXTURES, chromiumArgs, noChromium, tsplay } from './helpers.js';

const STATE_RGB: Record<string, [number, number, number]> = {
  converged: [0x2e, 0x9d, 0x4f],
  drift: [0xe0, 0xa1, 0x00],
  corrected: [0x2f, 0x6f, 0xd6],
  changed: [0x7a, 0x8a, 0xa0],
  failed: [0xd2, 0x3c, 0x3c],
};

// Expected matrix: host → state per run, in run order.
const EXPECTED: Record<string, string[]> = {
  db1: ['changed', 'converged', 'converged', 'converged', 'failed'],
  web1: ['changed', 'converged', 'drift', 'corrected', 'converged'],
  web2: ['changed', 'converged', 'converged', 'converged', 'converged'],
};

/** The most frequent colour in a square around (cx, cy): the cell's fill, not its digit. */
function dominantColor(png: PNG, cx: number, cy: number, r: number): [number, number, number] {
  const counts = new Map<string, number>();
  for (let y = Math.round(cy) - r; y <= Math.round(cy) + r; y++) {
    for (let x = Math.round(cx) - r; x <= Math.round(cx) + r; x++) {
      const i = (y * png.width + x) * 4;
      const k = `${png.data[i]},${png.data[i + 1]},${png.data[i + 2]}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  const best = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  return best.split(',').map(Number) as [number, number, number];
}

function near(a: [number, number, number], b: [number, number, number], tol = 6): boolean {
  return a.every((v, i) => Math.abs(v - b[i]!) <= tol);
}

describe.skipIf(noChromium())('HTML drift report in headless Chromium', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsplay-report-e2e-'));
  const hist = path.join(dir, 'history.sqlite');
  const base = path.join(dir, 'hosts');
  const html = path.join(dir, 'report.html');
  const shot = process.env['TSPLAY_REPORT_PNG'] ?? path.join(dir, 'report.png');
  const pb = path.join(FIXTURES, 'report', 'site.yml');
  const inv = path.join(FIXTURES, 'report', 'inventory.yml');
  const common = ['-i', inv, '-e', `base_dir=${base}`, '--history', hist];
  let ctx: BrowserContext | undefined;
  let page: Page;
  let png: PNG;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing and CI=true: install Debian's chromium (apt-get install -y chromium) before the e2e tests`);
    mkdirSync(base);
    const steps: Array<[string[], number]> = [
      [['run', pb, ...common], 0], // converge: every host "changed"
      [['drift', pb, ...common], 0], // converged
      [['drift', pb, ...common], 2], // web1's line was edited → drift
      [['drift', pb, ...common, '--fix'], 0], // corrected
      [['run', pb, ...common], 2], // db1's health check fails
    ];
    for (const [i, [args, want]] of steps.entries()) {
      if (i === 2) writeFileSync(path.join(base, 'web1', 'app.conf'), 'level=debug\n');
      if (i === 4) writeFileSync(path.join(base, 'db1', 'broken'), '');
      const r = await tsplay(args);
      expect(r.code, `${args.join(' ')}\n${r.out}\n${r.err}`).toBe(want);
    }
    const r = await tsplay(['report', '--html', html, '--history', hist]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('5 run(s)');

    const profile = path.join(dir, 'profile');
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: chromiumArgs(profile).filter((a) => !a.startsWith('--user-data-dir')),
      viewport: { width: 1100, height: 800 },
      deviceScaleFactor: 1,
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto(pathToFileURL(html).href);
    // Open web1's drift item so the screenshot shows a diff as people see it.
    await page
      .locator('details.item.drift')
      .first()
      .evaluate((d) => ((d as HTMLDetailsElement).open = true));
    const buf = await page.screenshot({ fullPage: true });
    writeFileSync(shot, buf);
    png = PNG.sync.read(buf);
  });

  afterAll(async () => {
    await ctx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has exactly one row per host, labelled with the host name', async () => {
    const rows = page.locator('table.matrix tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-host')))).toEqual(Object.keys(EXPECTED));
    for (const host of Object.keys(EXPECTED)) {
      const th = page.locator(`tr[data-host="${host}"] th.host`);
      expect((await th.innerText()).trim()).toBe(host);
      const box = await th.boundingBox();
      expect(box, host).not.toBeNull();
      expect(box!.width).toBeGreaterThan(10);
      expect(box!.y + box!.height).toBeLessThanOrEqual(png.height);
    }
  });

  it('paints each cell in the colour of its state (read from the screenshot pixels)', async () => {
    const seen: Record<string, string[]> = {};
    const wrong: string[] = [];
    for (const [host, states] of Object.entries(EXPECTED)) {
      const cells = page.locator(`tr[data-host="${host}"] td.cell`);
      expect(await cells.count(), host).toBe(states.length);
      seen[host] = [];
      for (let i = 0; i < states.length; i++) {
        const cell = cells.nth(i);
        seen[host]!.push((await cell.getAttribute('data-state')) ?? '?');
        const box = (await cell.boundingBox())!;
        const r = Math.max(2, Math.floor(Math.min(box.width, box.height) / 2) - 3);
        const rgb = dominantColor(png, box.x + box.width / 2, box.y + box.height / 2, r);
        if (!near(rgb, STATE_RGB[states[i]!]!)) wrong.push(`${host} run ${i + 1}: expected ${states[i]} rgb(${STATE_RGB[states[i]!]}) got rgb(${rgb})`);
      }
    }
    expect(seen).toEqual(EXPECTED);
    expect(wrong).toEqual([]);
  });

  it('summarises drift, corrections and failures, and shows the drift diff', async () => {
    expect(await page.locator('#n-runs').innerText()).toBe('5');
    expect(await page.locator('#n-drift').innerText()).toBe('1');
    expect(await page.locator('#n-corrective').innerText()).toBe('1');
    expect(await page.locator('#n-failures').innerText()).toBe('1');
    const diff = page.locator('details.item.drift pre.diff').first();
    expect(await diff.isVisible()).toBe(true);
    const text = await diff.innerText();
    expect(text).toContain('-level=debug');
    expect(text).toContain('+level=info');
    // The trend chart draws a bar for the drift, the correction and the failure.
    expect(await page.locator('#trend rect').count()).toBe(3);
  });

  it('is one self-contained file (no network references)', () => {
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/<(script|link|img)\b[^>]*(src|href)=["']?https?:/i);
  });
});
