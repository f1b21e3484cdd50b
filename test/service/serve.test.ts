import { expect } from 'chai';
import path from 'node:path';
import { Connection } from '../../plugins/storage/sqlite/connection';
import { ArgoError } from '../../core/errors/errors';
import { CycleStats } from '../../core/engine/cycle-stats';
import { LiveService } from '../../core/service/live-service';
import { TradingSession } from '../../core/service/trading-session';
import { createLogger } from '../../core/util/logger';
import { runCli, tempDir } from '../helpers';
import { json, serve } from './serving';

describe('serve', function () {
  this.timeout(60_000);

  it('keeps one run across cycles, answers its API over real HTTP, and stops on SIGTERM with everything stored (exit 143)', async () => {
    const dir = tempDir();
    const service = await serve(dir, ['service.schedule.every=1h']);
    try {
      expect((await json(`${service.url}/healthz`)).body).to.deep.equal({ ok: true });
      expect((await json(`${service.url}/readyz`)).body).to.deep.equal({ ready: true, reason: 'waiting for the first cycle (POST /v1/cycles runs one now)' });
      const unknownKey = await json(`${service.url}/v1/signals?symbl=FB`);
      expect([unknownKey.status, unknownKey.body.error.message]).to.deep.equal([400, 'invalid request: querystring must NOT have additional properties: "symbl"']);
      const filteredStream = await json(`${service.url}/v1/stream?symbol=FB`);
      expect([filteredStream.status, filteredStream.body.error.message], 'the stream takes no filter: refused, not ignored').to.deep.equal([400, 'invalid request: querystring must NOT have additional properties: "symbol"']);
      const first = await json(`${service.url}/v1/cycles`, { method: 'POST' });
      expect(first.status).to.equal(200);
      expect(first.body).to.include({ number: 1, trigger: 'request', symbols: 6, error: null });
      const second = await json(`${service.url}/v1/cycles`, { method: 'POST' });
      expect(second.body.number).to.equal(2);
      const cycles = await json(`${service.url}/v1/cycles`);
      expect(cycles.body.cycles.map((c: { number: number }) => c.number)).to.deep.equal([2, 1]);
      for (const route of ['/v1/signals?limit=1000', '/']) {
        const answer = await fetch(`${service.url}${route}`, { headers: { 'accept-encoding': 'gzip' } });
        expect(answer.headers.get('content-encoding'), `${route} compressed`).to.equal('gzip');
      }
      const signals = await json(`${service.url}/v1/signals?limit=1000`);
      // The same bars both times: the second cycle's signals are the first's, stored once.
      expect(signals.body.signals).to.have.length(first.body.signals);
      const one = await json(`${service.url}/v1/signals?symbol=${signals.body.signals[0].symbol}&limit=1`);
      expect(one.body.signals).to.have.length(1);
      const bad = await json(`${service.url}/v1/signals?limit=abc`);
      expect(bad.status).to.equal(400);
      expect(bad.body.error.code).to.equal('ARGO_ERR_USAGE');
      const reversed = await json(`${service.url}/v1/signals?from=2024-12-31&to=2024-01-01`);
      expect([reversed.status, reversed.body.error.code]).to.deep.equal([400, 'ARGO_ERR_USAGE_DATE']);
      expect((await json(`${service.url}/v1/runs`)).status).to.equal(200);
      const sources = (await json(`${service.url}/v1/sources`)).body.sources as { source: string; calls: { made: number }; circuit: string }[];
      expect(sources.map((s) => s.source)).to.deep.equal(['trend', 'macd', 'momentum', 'volatility', 'volume']);
      expect(sources.every((s) => s.calls.made === 12 && s.circuit === 'off')).to.equal(true);
      expect((await json(`${service.url}/readyz`)).body).to.deep.equal({ ready: true });
    } finally {
      service.child.kill('SIGTERM');
    }
    expect(await service.exited, service.stderr()).to.equal(143);
    const reader = await Connection.open(path.join(dir, 'data', 'argo-signals.db'), 'readonly', 1000);
    const [{ n }] = await reader.all<{ n: number }>('SELECT count(*) AS n FROM runs');
    await reader.close();
    expect(n, 'the run is recorded at shutdown').to.equal(1);
  });

  it('runs cycles on its schedule, and stops on SIGINT (exit 130)', async () => {
    const service = await serve(tempDir(), ['service.schedule.every=200ms']);
    try {
      let cycles: { number: number; trigger: string }[] = [];
      for (let tries = 0; tries < 200 && cycles.length < 3; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        cycles = (await json(`${service.url}/v1/cycles`)).body.cycles;
      }
      expect(cycles.length).to.be.at.least(3);
      expect(cycles.every((c) => c.trigger === 'schedule')).to.equal(true);
    } finally {
      service.child.kill('SIGINT');
    }
    expect(await service.exited).to.equal(130);
  });

  it('refuses to listen beyond this machine without authentication, naming the key', () => {
    const { code, stderr } = runCli(['serve', '--set', 'service.host=0.0.0.0', '--set', 'storage.plugin=memory']);
    expect(code).to.equal(2);
    expect(stderr).to.contain('ARGO_ERR_CONFIG_INVALID').and.contain('service.host');
  });

  describe('its cycles', () => {
    /** A run whose cycles end only when the test says so. */
    function heldRun() {
      const releases: (() => void)[] = [];
      const stats = new CycleStats();
      const run = { stats, cycle: () => new Promise((resolve) => releases.push(() => resolve({ results: [], stats: stats.report() }))) };
      return { run: run as never, release: () => releases.shift()?.() };
    }
    const options = (every: string) => ({
      schedule: { every, cron: '', timezone: 'UTC' },
      session: new TradingSession({ calendar: 'always', holidays: [] }),
      historySize: 3,
      logger: createLogger('silent'),
    });

    it('refuses a second cycle while one runs (ARGO_ERR_SERVICE_BUSY), and keeps a bounded history', async () => {
      const held = heldRun();
      const service = new LiveService(held.run, options('1h'));
      const first = service.cycleNow();
      expect(() => service.cycleNow()).to.throw(ArgoError).with.property('code', 'ARGO_ERR_SERVICE_BUSY');
      held.release();
      expect((await first).number).to.equal(1);
      for (let i = 0; i < 4; i++) {
        const next = service.cycleNow();
        held.release();
        await next;
      }
      expect(service.history().map((c) => c.number)).to.deep.equal([5, 4, 3]);
    });

    it('skips the slots that come while a cycle overruns, counting them', async () => {
      const held = heldRun();
      const service = new LiveService(held.run, options('10ms'));
      service.start();
      for (let tries = 0; tries < 500 && service.counters().overruns < 3; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(service.counters()).to.include({ cycles: 1, running: true });
      expect(service.counters().overruns).to.be.at.least(3);
      held.release();
      expect(await service.stop(1000)).to.equal(true);
    });
  });
});
