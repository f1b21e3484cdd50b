import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { tempDir } from '../helpers';
import { json, serve } from './serving';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((file) => existsSync(file));

describe('serve: the live dashboard', function () {
  this.timeout(120_000);

  it('shows, in headless Chromium, a signal of a cycle triggered through the API as it streams in', async function () {
    if (CHROMIUM === undefined) {
      console.log('    (chromium not installed: skipped; .ci/run installs it)');
      this.skip();
    }
    const service = await serve(tempDir(), ['service.schedule.every=1h', 'consensus.minConfidence=1', 'storage.plugin=memory']);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const failures: string[] = [];
      page.on('pageerror', (error) => failures.push(error.message));
      await page.goto(service.url);
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
      expect(await page.locator('#status').textContent()).to.equal('live');
      expect(failures).to.deep.equal([]);
    } finally {
      await browser.close();
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });
});
