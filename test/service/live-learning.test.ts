import { expect } from 'chai';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { weekdaysEndingAt } from '../../core/domain/weekdays';
import { runCliAsync, tempDir, writeSyntheticCsvs } from '../helpers';
import { eventually } from '../servers';
import { json, serve, type Serving } from './serving';

const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'];
const DATES = weekdaysEndingAt('2020-12-31', 700);
const HORIZON = 10;

/** The next weekday's bar of every symbol appended to its CSV: a new bar arrives. */
function appendBar(dir: string, date: string): void {
  for (const symbol of SYMBOLS) {
    const file = path.join(dir, `${symbol}.csv`);
    const last = readFileSync(file, 'utf8').trim().split('\n').at(-1)!.split(',');
    const close = Number(last[4]) * 1.01;
    appendFileSync(file, `\n${date},${last[4]},${close * 1.01},${Number(last[4]) * 0.99},${close},1000000`);
  }
}

describe('serve: outcomes, rolling calibration figures, drift and the refit', function () {
  this.timeout(180_000);
  const dir = tempDir();
  const data = writeSyntheticCsvs(tempDir(), SYMBOLS, DATES, '2020-07-31');
  const db = path.join(dir, 'signals.db');
  const config = path.join(dir, 'config.json');
  const writeConfig = (minSamples: number) =>
    writeFileSync(
      config,
      JSON.stringify({
        symbols: SYMBOLS,
        data: { plugin: 'csv-bars', dir: data },
        consensus: { minConfidence: 0 },
        storage: { path: db },
        service: { schedule: { every: '1h' } },
        learning: { minSamples, drift: { maxEce: 0.01 } },
        log: { level: 'info' },
      }),
    );
  let service: Serving;

  before(async () => {
    writeConfig(100);
    const replay = await runCliAsync(['replay', '-c', config, '--from', '2019-06-01', '--to', '2020-06-30']);
    expect(replay.code, replay.stderr).to.equal(0);
    service = await serve(dir, [], { args: ['-c', config] });
  });
  after(async () => {
    service?.child.kill('SIGTERM');
    await service?.exited;
  });

  it('resolves the stored signals whose bars have arrived, stores the outcomes and serves them', async () => {
    const { body: stored } = await json(`${service.url}/v1/signals?limit=10000&to=2020-06-30`);
    expect(stored.signals.length).to.be.greaterThan(500);
    expect((await json(`${service.url}/v1/cycles`, { method: 'POST' })).status).to.equal(200);
    await eventually('outcomes resolved', async () => (await json(`${service.url}/v1/learning`)).body.resolved >= stored.signals.length);
    const { status, body } = await json(`${service.url}/v1/outcomes?limit=10000`);
    expect(status).to.equal(200);
    // Every replayed signal has its 10 bars by 2020-07-31; the cycle's own (2020-07-31) waits for its bars.
    expect(body.outcomes.map((o: { signalId: string }) => o.signalId).sort()).to.deep.equal(stored.signals.map((s: { id: string }) => s.id).sort());
    expect(body.outcomes[0].asOf >= body.outcomes.at(-1).asOf, 'newest first').to.equal(true);
    // The forward return is the close 10 bars on against the signal's bar, read from the CSV.
    const outcome = body.outcomes[body.outcomes.length >> 1];
    const rows = readFileSync(path.join(data, `${outcome.symbol}.csv`), 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
    const at = rows.findIndex((row) => row[0] === outcome.asOf);
    expect(outcome.forwardReturn).to.be.closeTo(Number(rows[at + HORIZON][4]) / Number(rows[at][4]) - 1, 1e-12);
    expect(outcome.right).to.equal(Math.sign(outcome.forwardReturn) === (outcome.direction === 'LONG' ? 1 : -1));
    expect(outcome.resolvedAt >= rows[at + HORIZON][0]).to.equal(true);
    expect(Object.keys(outcome.sources).length).to.be.greaterThan(0);
    expect(['win', 'loss', 'expired']).to.include(outcome.firstTouch);
    if (outcome.firstTouch === 'loss') expect(outcome.rMultiple).to.equal(-1);
    expect([true, false, null]).to.include(outcome.upFirst);
    const bySymbol = await json(`${service.url}/v1/outcomes?symbol=${outcome.symbol}&from=${outcome.asOf}&to=${outcome.asOf}`);
    expect(bySymbol.body.outcomes.map((o: { signalId: string }) => o.signalId)).to.deep.equal([outcome.signalId]);
    expect((await json(`${service.url}/v1/outcomes?nope=1`)).status).to.equal(400);
  });

  it('shows the rolling hit rate, Brier and ECE of the signals and of each source, and warns of drift', async () => {
    const { body } = await json(`${service.url}/v1/learning`);
    expect(body.rolling.outcomes).to.equal(500);
    expect(body.rolling.predictors.map((p: { name: string }) => p.name)).to.deep.equal(['signals', 'trend', 'macd', 'momentum', 'volatility', 'volume']);
    const signals = body.rolling.predictors[0];
    expect(signals.samples).to.be.within(400, 500);
    expect(signals.hitRate).to.be.within(0, 1);
    expect(signals.ece).to.be.above(0.01);
    expect(body.drift).to.include({ drifting: true, maxEce: 0.01 });
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).to.match(/argo_learning_ece\{predictor="signals"\} 0\.\d+/);
    expect(metrics).to.contain('argo_learning_drift 1');
    expect(metrics).to.match(/argo_learning_outcomes_resolved_total \d{3,}/);
    expect(service.stderr()).to.contain('drift: the rolling calibration error of the signals exceeds learning.drift.maxEce');
  });

  it('refits on the resolved outcomes and swaps the calibration in at the next cycle; the new signals record its version', async () => {
    const refit = await json(`${service.url}/v1/learning/refit`, { method: 'POST' });
    expect(refit.status).to.equal(200);
    expect(refit.body).to.include({ result: 'staged', error: null });
    expect(refit.body.samples).to.be.at.least(100);
    const staged = (await json(`${service.url}/v1/learning`)).body.calibration;
    expect(staged).to.deep.equal({ active: null, staged: true });
    appendBar(data, '2020-08-03');
    expect((await json(`${service.url}/v1/cycles`, { method: 'POST' })).status).to.equal(200);
    const { body } = await json(`${service.url}/v1/signals?from=2020-08-03`);
    expect(body.signals.length).to.equal(SYMBOLS.length);
    for (const signal of body.signals) {
      expect(signal.calibration).to.equal(refit.body.calibration);
      expect(signal.probability).to.be.within(0, 1);
    }
    expect((await json(`${service.url}/v1/learning`)).body.calibration).to.deep.equal({ active: refit.body.calibration, staged: false });
  });

  it('keeps the last good calibration across a reload and when a refit has too few outcomes', async () => {
    const before = (await json(`${service.url}/v1/learning`)).body.calibration.active;
    writeConfig(1_000_000);
    expect((await json(`${service.url}/v1/reload`, { method: 'POST' })).body.changed).to.equal(true);
    const refit = await json(`${service.url}/v1/learning/refit`, { method: 'POST' });
    expect(refit.body.result).to.equal('too-few');
    expect(refit.body.error).to.match(/fewer than learning\.minSamples \(1000000\)/);
    appendBar(data, '2020-08-04');
    expect((await json(`${service.url}/v1/cycles`, { method: 'POST' })).status).to.equal(200);
    const { body } = await json(`${service.url}/v1/signals?from=2020-08-04`);
    expect(body.signals.map((s: { calibration: string }) => s.calibration)).to.deep.equal(SYMBOLS.map(() => before));
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).to.contain('argo_learning_refits_total{result="staged"} 1');
    expect(metrics).to.contain('argo_learning_refits_total{result="too-few"} 1');
  });
});

describe('serve: learning on a storage without outcomes, on a schedule, and sharded', function () {
  this.timeout(120_000);
  const data = writeSyntheticCsvs(tempDir(), SYMBOLS, DATES, '2020-07-31');

  it('answers 501 naming the storage, and still refits on learning.refit.cron (counted as failed, nothing swapped)', async () => {
    const dir = tempDir();
    const service = await serve(dir, ['storage.plugin=jsonl', `storage.path=${path.join(dir, 'signals.jsonl')}`, `data.dir=${data}`, 'data.plugin=csv-bars', `symbols=${SYMBOLS.join(',')}`, 'learning.refit.cron=* * * * * *']);
    try {
      const outcomes = await json(`${service.url}/v1/outcomes`);
      expect(outcomes.status).to.equal(501);
      expect(outcomes.body.error.code).to.equal('ARGO_ERR_OUTCOMES_UNAVAILABLE');
      expect(outcomes.body.error.message).to.contain('storage.plugin "jsonl" keeps no outcomes');
      expect((await json(`${service.url}/v1/learning/refit`, { method: 'POST' })).status).to.equal(501);
      const { body } = await json(`${service.url}/v1/learning`);
      expect(body.unavailable).to.contain('jsonl');
      expect(body.refit.cron).to.equal('* * * * * *');
      expect(Date.parse(body.refit.next)).to.be.above(Date.now() - 1000);
      await eventually('a scheduled refit', async () => (await json(`${service.url}/v1/learning`)).body.refit.last !== null);
      const last = (await json(`${service.url}/v1/learning`)).body.refit.last;
      expect(last).to.include({ result: 'failed', calibration: null });
      expect((await json(`${service.url}/v1/learning`)).body.calibration.active).to.equal(null);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });

  it('refuses learning.refit.cron on a sharded serve (exit 2, naming the key)', async () => {
    const dir = tempDir();
    const result = await runCliAsync(['serve', '--processes', '1', '--set', 'service.port=0', '--set', `data.dir=${data}`, '--set', 'data.plugin=csv-bars', '--set', `symbols=${SYMBOLS.join(',')}`, '--set', 'learning.refit.cron=0 0 * * * *'], { cwd: dir });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('learning.refit.cron: a refit is applied by this process');
  });
});
