import { expect } from 'chai';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { weekdaysEndingAt } from '../../core/domain/weekdays';
import { runCliAsync, tempDir, writeSyntheticCsvs } from '../helpers';
import { eventually } from '../servers';
import { json, serve, type Serving } from './serving';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((file) => existsSync(file));
/** Where a run leaves the pages it saw, to look at (ARGO_SCREENSHOTS=DIR); nowhere by default. */
const SHOTS = process.env.ARGO_SCREENSHOTS;

describe('serve: the live dashboard', function () {
  this.timeout(120_000);
  let browser: Browser;
  before(async function () {
    if (CHROMIUM === undefined) {
      console.log('    (chromium not installed: skipped; .ci/run installs it)');
      this.skip();
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => browser?.close());

  /** A page on `service` at `hash`, with the errors it throws collected. */
  async function open(service: Serving, hash = ''): Promise<{ page: Page; failures: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    await page.goto(`${service.url}/${hash}`);
    return { page, failures };
  }

  async function stop(service: Serving): Promise<void> {
    service.child.kill('SIGTERM');
    await service.exited;
  }

  it('shows, in headless Chromium, a signal of a cycle triggered through the API as it streams in, with a ready strip and no sideways scroll', async () => {
    const service = await serve(tempDir(), ['service.schedule.every=1h', 'consensus.minConfidence=1', 'storage.plugin=memory']);
    try {
      const { page, failures } = await open(service);
      await page.waitForSelector('body[data-stream="open"]');
      expect(await page.locator('#signals tr').count(), 'no signal before the first cycle').to.equal(0);
      const cycle = (await json(`${service.url}/v1/cycles`, { method: 'POST' })).body;
      expect(cycle.signals).to.be.greaterThan(0);
      await page.waitForSelector('body[data-cycles="1"]');
      await page.waitForFunction((n) => document.querySelectorAll('#signals tr').length === n, cycle.signals);
      const stored = (await json(`${service.url}/v1/signals`)).body.signals as { id: string; symbol: string }[];
      const shown = await page.$$eval('#signals tr', (rows) => rows.map((row) => (row as HTMLElement).dataset.id));
      expect([...shown].sort()).to.deep.equal(stored.map((s) => s.id).sort());
      expect(await page.locator('#sources tr').count()).to.equal(5);
      expect(await page.locator('h1').textContent()).to.equal('argo-signals stream live');
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.locator('#bars-as-of').textContent()).to.equal(cycle.barsAsOf);
      expect(await page.locator('#failed-cycles').textContent()).to.equal('0');
      expect(await page.locator('#next-slot').textContent()).to.match(/\d/);
      // The reasoning texts are long: they wrap in their column, the page does not scroll sideways.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).to.equal(true);
      if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'dashboard-live.png'), fullPage: true });
      expect(failures).to.deep.equal([]);
    } finally {
      await stop(service);
    }
  });

  it('shows the outcomes card: the rolling figures per predictor, the calibration, the refit and a drift warning', async () => {
    const symbols = ['AAA', 'BBB', 'CCC', 'DDD'];
    const dir = tempDir();
    const sets = [`data.dir=${writeSyntheticCsvs(tempDir(), symbols, weekdaysEndingAt('2020-12-31', 500), '2020-07-31')}`, 'data.plugin=csv-bars', `symbols=${symbols.join(',')}`, 'consensus.minConfidence=0', `storage.path=${path.join(dir, 'db.sqlite')}`];
    const replay = await runCliAsync(['replay', '--from', '2020-01-01', '--to', '2020-06-30', ...sets.flatMap((set) => ['--set', set])]);
    expect(replay.code, replay.stderr).to.equal(0);
    const service = await serve(dir, [...sets, 'service.schedule.every=1h', 'learning.minSamples=50', 'learning.drift.maxEce=0.01']);
    try {
      await json(`${service.url}/v1/cycles`, { method: 'POST' });
      await eventually('outcomes resolved', async () => (await json(`${service.url}/v1/learning`)).body.rolling.outcomes > 0);
      expect((await json(`${service.url}/v1/learning/refit`, { method: 'POST' })).body.result).to.equal('staged');
      const { page, failures } = await open(service);
      await page.waitForSelector('body[data-learning="drift"]');
      expect(await page.locator('#predictors tr').count()).to.equal(6);
      expect(await page.locator('#predictors tr:first-child td:first-child').textContent()).to.equal('signals');
      expect(await page.locator('#learning-drift').textContent()).to.match(/^DRIFT: ECE 0\.\d{3} > 0\.01$/);
      expect(await page.locator('#learning-refit').textContent()).to.match(/^staged at .+, \d+ outcomes$/);
      expect(await page.locator('#learning-calibration').textContent()).to.contain('a refit waits for the next cycle');
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).to.equal(true);
      if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'dashboard-learning.png'), fullPage: true });
      expect(failures).to.deep.equal([]);
    } finally {
      await stop(service);
    }
  });

  it('shows a line per sink: its status, lag and last error', async () => {
    const { Receiver } = await import('../delivery/receivers');
    const down = await Receiver.start(() => ({ status: 503 }));
    const dir = tempDir();
    const sinks = JSON.stringify([{ name: 'hook', plugin: 'webhook', options: { url: `${down.url}/in` } }]);
    const service = await serve(dir, ['service.schedule.every=1h', 'consensus.minConfidence=1', `storage.path=${path.join(dir, 'db.sqlite')}`, `sinks=${sinks}`, 'delivery.retryBaseMs=60000']);
    try {
      await json(`${service.url}/v1/cycles`, { method: 'POST' });
      await eventually('the sink fails', async () => (await json(`${service.url}/v1/sinks`)).body.sinks[0].status === 'retrying');
      const { page, failures } = await open(service);
      await page.waitForSelector('tr[data-sink="hook"]');
      await page.waitForFunction(() => document.querySelector('tr[data-sink="hook"] td:nth-child(2)')?.textContent === 'retrying');
      const cells = await page.$$eval('tr[data-sink="hook"] td', (tds) => tds.map((td) => td.textContent));
      expect(cells[0]).to.equal('hook (webhook)');
      expect(Number(cells[2])).to.be.greaterThan(0);
      expect(cells[7]).to.match(/^webhook: http:\/\/127\.0\.0\.1:\d+\/…: HTTP 503$/);
      if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'dashboard-sinks.png'), fullPage: true });
      expect(failures).to.deep.equal([]);
    } finally {
      await stop(service);
      await down.close();
    }
  });

  it('shows a service whose every cycle fails as not ready, with why, the failed cycles and the last error', async () => {
    const dir = tempDir();
    const service = await serve(dir, ['service.schedule.every=1h', 'storage.plugin=memory', 'data.plugin=csv-bars', `data.dir=${dir}`, 'symbols=NOPE']);
    try {
      for (let i = 0; i < 2; i++) expect((await json(`${service.url}/v1/cycles`, { method: 'POST' })).body.error).to.contain('ARGO_ERR_DATA_SYMBOL_MISSING');
      const { page, failures } = await open(service);
      await page.waitForSelector('body[data-ready="false"]');
      expect(await page.locator('#verdict').textContent()).to.equal('NOT READY');
      expect(await page.locator('#failed-cycles').textContent()).to.equal('2');
      expect(await page.locator('#last-cycle').textContent()).to.match(/^#2 at .+ \(failed\)$/);
      expect(await page.locator('#why').textContent()).to.contain('the last cycle failed: ARGO_ERR_DATA_SYMBOL_MISSING');
      expect(await page.evaluate(() => (window as unknown as { Chart: { getChart(id: string): { data: { datasets: { pointBackgroundColor: string[] }[] } } } }).Chart.getChart('cycles')!.data.datasets[0].pointBackgroundColor)).to.deep.equal(['#b3261e', '#b3261e']);
      if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'dashboard-failing.png'), fullPage: true });
      expect(failures).to.deep.equal([]);
    } finally {
      await stop(service);
    }
  });

  it('tells a visitor without the token to open /#token=…, instead of reconnecting forever', async () => {
    const service = await serve(tempDir(), ['service.schedule.every=1h', 'storage.plugin=memory', 'service.auth.tokenEnv=ARGO_TEST_TOKEN'], { env: { ARGO_TEST_TOKEN: 'tok-dash-51c0e2' } });
    try {
      for (const [hash, says] of [
        ['', 'this API needs its token: open /#token=<the API token>'],
        ['#token=wrong', 'the token in the address is refused: open /#token=<the API token>'],
      ]) {
        const { page } = await open(service, hash);
        await page.waitForSelector('body[data-stream="unauthorized"]');
        expect(await page.locator('#status').textContent()).to.equal(says);
        await page.close();
      }
      const { page } = await open(service, '#token=tok-dash-51c0e2');
      await page.waitForSelector('body[data-stream="open"]');
    } finally {
      await stop(service);
    }
  });
});
