import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import type { RunResult } from '../../loadgen/result.js';
import type { Plan } from '../../calculators/plan.js';
import { writeReport } from '../../reports/report.js';
import { pngInfo } from '../helpers/png.js';

const CHROMIUM = process.env.BFG_CHROMIUM ?? '/usr/bin/chromium';

test('report.html opens in headless Chromium with no console errors, no network requests, and is not blank', async () => {
  // no skip: a missing browser is a failure that names the fix
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: run scripts/setup.sh (installs Debian's chromium) or set BFG_CHROMIUM`);
  const run = JSON.parse(readFileSync('test/fixtures/run.json', 'utf8')) as RunResult;
  const plan = JSON.parse(readFileSync('test/fixtures/plan.json', 'utf8')) as Plan;
  const out = mkdtempSync(join(tmpdir(), 'bfg-browser-'));
  const w = await writeReport(run, { plan, out });
  const url = pathToFileURL(w.html).href;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => { if (r.url() !== url && !r.url().startsWith('data:')) requests.push(r.url()); });
    await page.goto(url, { waitUntil: 'load' });
    const images = await page.$$eval('img', (imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
    assert.equal(images.length, 7);
    assert.ok(images.every((w) => w > 0), 'every chart image decoded in the browser');
    const shot = await page.screenshot({ fullPage: false });
    assert.deepEqual(errors, [], 'no console errors');
    assert.deepEqual(requests, [], 'no network requests');
    assert.ok(pngInfo(shot).colours > 8, 'the screenshot is not blank');
  } finally {
    await browser.close();
  }
});
