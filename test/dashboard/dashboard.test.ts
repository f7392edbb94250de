/**
 * The dashboard in a real browser: Debian's headless Chromium driven by playwright-core. Submits
 * a job from the form (after an invalid one shows its errors inline), watches the loss chart gain
 * points while it trains and sees it finish, reloads a running job's page (history replayed, still
 * live) and cancels it, and downloads the ONNX model from the download menu. The API key is typed into the page and must travel only in headers.
 * Skips when /usr/bin/chromium is missing (.ci/run installs it).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../../src/artifacts/onnx/proto.js';
import { longJob, simpleNNJob } from '../helpers/jobs.js';
import { testConfig, useTestService } from '../helpers/service.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available)
  console.warn(`dashboard browser test skipped: ${CHROMIUM} not found (apt-get install chromium)`);

const KEY = 'dashboard-key-0123456789abcdef';
const SCREENSHOT = resolve('test-results/dashboard-job.png');

describe.skipIf(!available)('dashboard in headless Chromium', () => {
  const service = useTestService(testConfig({ API_KEYS: `acme:${KEY}` }));
  let browser: Browser;
  let page: Page;
  const urls: string[] = [];
  const authHeaders: (string | undefined)[] = [];

  beforeAll(async () => {
    // playwright starts Chromium with a fresh temporary profile (--user-data-dir) of its own.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('request', (req) => {
      urls.push(req.url());
      if (req.url().includes('/v1/')) authHeaders.push(req.headers().authorization);
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  const points = async () => Number(await page.getByTestId('loss-chart').getAttribute('data-points'));
  const status = () => page.locator('h1 + span [data-testid=status]').textContent();

  it('submits a job from the form, charts it live, and shows it finished', async () => {
    await page.goto(`${service.url}/`);
    await page.locator('#api-key').fill(KEY);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.goto(`${service.url}/#/submit`);
    const editor = page.getByTestId('editor');
    expect(await editor.inputValue()).toContain('"in_features": 10');

    // Invalid: the server's field errors appear next to the editor.
    const invalid = { ...simpleNNJob({ epochs: 5 }), optimizer: { type: 'Adam', lr: -1 } };
    await editor.fill(JSON.stringify(invalid, null, 2));
    await page.getByTestId('submit').click();
    await expect
      .poll(() => page.getByTestId('errors').textContent())
      .toContain('optimizer.lr: Invalid learning rate: -1');
    await editor.fill('{"model": ');
    await expect.poll(() => page.getByTestId('errors').textContent()).toContain('Not valid JSON');

    const job = simpleNNJob({ epochs: 150, samples: 3000, name: 'from-the-form' });
    await editor.fill(JSON.stringify({ ...job, training: { ...job.training, validation_split: 0.2 } }));
    await page.getByTestId('submit').click();
    await page.waitForURL(/#\/jobs\/job_/);
    const first = await expect.poll(points, { timeout: 20_000 }).toBeGreaterThan(0).then(points);
    await expect.poll(points, { timeout: 20_000 }).toBeGreaterThan(first);
    await expect.poll(status, { timeout: 60_000 }).toBe('succeeded');
    await expect.poll(points).toBe(150);
    // The final table follows the status badge: it is filled from a fetch once `done` arrives.
    await expect.poll(() => page.getByTestId('final').textContent()).toContain('samples_per_sec');
    expect(await page.getByTestId('download').isEnabled()).toBe(true);
    // The download menu: the ONNX model arrives as <job id>.onnx, fetched with the key in a header.
    await page.getByTestId('download-format').selectOption('onnx');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('download').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^job_\w+\.onnx$/);
    const onnx = decodeModel(readFileSync((await download.path()) as string)) as {
      opset_import: { version: number }[];
    };
    expect(onnx.opset_import[0].version).toBe(17);
    expect(await page.getByTestId('lr-chart').getAttribute('data-points')).toBe('150');

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`dashboard screenshot: ${SCREENSHOT}`);
  });

  it('replays a running job after a reload, stays live, and cancels it', async () => {
    const res = await fetch(`${service.url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify(longJob()),
    });
    const { id } = (await res.json()) as { id: string };
    await page.goto(`${service.url}/#/jobs/${id}`);
    await expect.poll(points, { timeout: 20_000 }).toBeGreaterThan(5);
    await page.reload();
    const replayed = await expect.poll(points, { timeout: 20_000 }).toBeGreaterThan(5).then(points);
    await expect.poll(points, { timeout: 20_000 }).toBeGreaterThan(replayed);
    expect(await status()).toBe('running');

    await page.getByTestId('cancel').click();
    await expect.poll(status, { timeout: 20_000 }).toBe('cancelled');
    expect(await page.getByTestId('cancel').isDisabled()).toBe(true);

    await page.goto(`${service.url}/#/`);
    await expect
      .poll(() => page.locator(`tr[data-job-id="${id}"] [data-testid=status]`).textContent())
      .toBe('cancelled');
  });

  it('sent the key only in Authorization headers, never in a URL', () => {
    // Before the key was saved the jobs list asked without one (and showed the 401's hint).
    const sent = authHeaders.slice(authHeaders.indexOf(`Bearer ${KEY}`));
    expect(sent.length).toBeGreaterThan(5);
    expect(sent.every((h) => h === `Bearer ${KEY}`)).toBe(true);
    expect(urls.some((u) => u.includes(KEY))).toBe(false);
  });
});
