// `ferret report` opened in a real browser: Debian's Chromium driven by playwright-core, on a
// report written from a real profiled run (Profiler + SqliteSpanStore writing a file).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openSpanReader, SqliteSpanStore, type StackFrame } from '@ferret/store-sqlite';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDuration } from '../src/formatNumbers.js';
import { main } from '../src/index.js';
import { captureIo } from './support/captureIo.js';
import { HOSTILE_NAME, writeProfiledRun } from './support/profiledRun.js';

/** Screenshots kept as CI artefacts (git-ignored). */
const ARTIFACTS = resolve(fileURLToPath(new URL('../../../artifacts', import.meta.url)));

function chromiumPath(): string {
  return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
}

let dir: string;
let browser: Browser;
let reportPath: string;
let emptyReportPath: string;
let stacks: StackFrame;

async function writeReport(db: string, out: string): Promise<void> {
  const cli = captureIo();
  expect(await main(['report', db, '-o', out], cli.io)).toBe(0);
  expect(cli.stderr).toBe('');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferret-report-'));
  const db = join(dir, 'ferret.db');
  await writeProfiledRun(db, { runId: 'browser-run', requests: 400, maxSpansPerSecond: 300 });
  const reader = openSpanReader(db);
  try {
    stacks = reader.profile().stacks;
  } finally {
    reader.close();
  }
  reportPath = join(dir, 'report.html');
  await writeReport(db, reportPath);

  // A run with calls counted but no span stored.
  const emptyDb = join(dir, 'empty.db');
  const store = new SqliteSpanStore({ path: emptyDb, worker: false });
  const t = Date.now();
  store.writeCounts([
    {
      name: 'GET /',
      calls: 5,
      recorded: 0,
      dropped: 5,
      intervalStart: t,
      intervalEnd: t + 1000,
      runId: 'empty-run',
    },
  ]);
  await store.close();
  emptyReportPath = join(dir, 'empty.html');
  await writeReport(emptyDb, emptyReportPath);

  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a report, collecting console errors, page errors, dialogs and non-file requests. */
async function open(path: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('request', (request) => {
    if (!request.url().startsWith('file:')) problems.push(`network request: ${request.url()}`);
  });
  await page.goto(pathToFileURL(path).href);
  return { page, problems };
}

/** The rect of the flame-graph frame whose label is `name` (the first one). */
async function frameBox(page: Page, name: string) {
  const frame = page.locator('#flame-graph g', {
    has: page.locator('.d3-flame-graph-label', {
      hasText: new RegExp(`^${name.replace(/[/*]/g, '\\$&')}$`),
    }),
  });
  return frame.first().locator('rect').boundingBox();
}

describe('ferret report in Chromium', () => {
  it('draws the whole-run flame graph with the run’s names and totals, zooms on click, no errors', async () => {
    const { page, problems } = await open(reportPath);
    // Labels appear after the flame graph's transition.
    for (const name of ['GET /orders', 'GET /users/:id', 'db.query', 'render']) {
      await page
        .locator('#flame-graph .d3-flame-graph-label', { hasText: name })
        .first()
        .waitFor({ state: 'visible' });
    }

    // Hover shows the frame's calls, self and total as the reader computed them.
    const orders = stacks.children.find((f) => f.name === 'GET /orders')!;
    const ordersBox = await frameBox(page, 'GET /orders');
    expect(ordersBox).not.toBeNull();
    await page.mouse.move(
      ordersBox!.x + ordersBox!.width / 2,
      ordersBox!.y + ordersBox!.height / 2,
    );
    const tip = page.locator('.d3-flame-graph-tip');
    await expect.poll(() => tip.textContent()).toContain('GET /orders');
    const tipText = (await tip.textContent()) ?? '';
    expect(tipText).toContain(`total ${formatDuration(Math.round(orders.totalMs * 100) / 100)}`);
    expect(tipText).toContain(`self ${formatDuration(Math.round(orders.selfMs * 100) / 100)}`);
    expect(tipText).toContain(`${orders.recorded} spans`);

    // Clicking a narrower frame zooms: it grows to the chart's width.
    const users = await frameBox(page, 'GET /users/:id');
    const chartWidth = (await page.locator('#flame-graph svg').boundingBox())!.width;
    expect(users!.width).toBeLessThan(chartWidth * 0.9);
    await page.mouse.click(users!.x + users!.width / 2, users!.y + users!.height / 2);
    await expect
      .poll(async () => (await frameBox(page, 'GET /users/:id'))!.width, { timeout: 5_000 })
      .toBeGreaterThan(chartWidth * 0.95);
    expect(await page.locator('#frame-details').textContent()).toContain(
      'zoomed to: GET /users/:id',
    );

    // The other sections are drawn, and the hostile name is text, not markup.
    expect(await page.locator('#timeline-chart canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#latency-chart canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('.waterfall').count()).toBeGreaterThan(0);
    const names = await page.locator('table.summary td.name').allTextContents();
    expect(names).toContain('</script><img src=x onerror=alert(1)>\\x1b[2J\\x07');
    expect(names).not.toContain(HOSTILE_NAME);
    expect(await page.locator('img').count()).toBe(0);

    // Sorting the table by calls puts the most-called name first.
    await page.locator('table.summary th', { hasText: /^calls$/ }).click();
    expect(await page.locator('table.summary tbody tr:first-child td.name').textContent()).toBe(
      'db.query',
    );

    await page.mouse.move(5, 5);
    mkdirSync(ARTIFACTS, { recursive: true });
    const screenshot = join(ARTIFACTS, 'report-browser.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`report screenshot: ${screenshot}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('says so for a run without spans', async () => {
    const { page, problems } = await open(emptyReportPath);
    await expect
      .poll(() => page.locator('#empty-run').textContent())
      .toBe('No spans recorded in this run.');
    expect(await page.locator('#flame-graph').count()).toBe(0);
    expect(await page.locator('table.summary td.name').allTextContents()).toEqual(['GET /']);
    expect(problems).toEqual([]);
    await page.close();
  });
});
