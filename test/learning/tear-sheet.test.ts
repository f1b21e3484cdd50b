import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PackedSeries } from '../../core/domain/packed-series';
import { DatasetBuilder, type Dataset, type DatasetRow } from '../../core/learning/evaluation-dataset';
import { blockBootstrap, calibrationOf, tearSheet } from '../../core/learning/tear-sheet';
import { seededRandom } from '../../core/util/seeded-random';
import { findRealData, runCliAsync, tempDir } from '../helpers';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((file) => existsSync(file));
const row = (symbol: string, asOf: string, confidence: number, ret: number | null): DatasetRow => ({ symbol, asOf, sources: [confidence], consensus: confidence, returns: [ret], resolvedAt: [ret === null ? null : asOf] });
const read = (r: DatasetRow) => r.sources[0];

const LEVELS = { atrPeriod: 14, stopAtr: 1, targetAtr: 2 };

describe('learning: the tear sheet', () => {
  it('reads a confidence as a probability: hit rates, Brier score, log loss and ECE of constructed outcomes', () => {
    // 10 at 85% right 8 times, 10 at -25% (SHORT) right 5 times; a neutral and an unresolved row do not count.
    const rows = [
      ...Array.from({ length: 10 }, (_, i) => row(`L${i}`, '2020-01-02', 85, i < 8 ? 0.01 : -0.01)),
      ...Array.from({ length: 10 }, (_, i) => row(`S${i}`, '2020-01-02', -25, i < 5 ? -0.02 : 0.02)),
      row('N', '2020-01-02', 0, 0.05),
      row('U', '2020-01-02', 60, null),
    ];
    const c = calibrationOf(rows, read, 0, 10);
    expect(c.samples).to.equal(20);
    expect(c.hitRate).to.equal(13 / 20);
    const high = c.buckets[8];
    expect([high.count, high.hitRate]).to.deep.equal([10, 0.8]);
    expect(high.predicted).to.be.closeTo(0.85, 1e-12);
    expect(high.meanReturn).to.be.closeTo((8 * 0.01 - 2 * 0.01) / 10, 1e-12);
    const low = c.buckets[2];
    expect([low.count, low.hitRate]).to.deep.equal([10, 0.5]);
    expect(low.predicted).to.be.closeTo(0.25, 1e-12);
    expect(c.ece).to.be.closeTo(0.5 * 0.05 + 0.5 * 0.25, 1e-12);
    const brier = (8 * 0.15 ** 2 + 2 * 0.85 ** 2 + 5 * 0.75 ** 2 + 5 * 0.25 ** 2) / 20;
    expect(c.brier).to.be.closeTo(brier, 1e-12);
    expect(c.logLoss).to.be.closeTo(-(8 * Math.log(0.85) + 2 * Math.log(0.15) + 5 * Math.log(0.25) + 5 * Math.log(0.75)) / 20, 1e-12);
    expect(c.coverage[5]).to.deep.equal({ threshold: 50, kept: 0.5, hitRate: 0.8 });
  });

  it('gives a perfect ranker a Rank IC of 1 with a tight interval, and a random one an interval around 0', () => {
    const dates = Array.from({ length: 60 }, (_, d) => `2020-${String(1 + Math.floor(d / 28)).padStart(2, '0')}-${String(1 + (d % 28)).padStart(2, '0')}`);
    const perfect: DatasetRow[] = dates.flatMap((date) => Array.from({ length: 8 }, (_, s) => row(`S${s}`, date, s * 10 - 35, (s - 3.5) / 100)));
    const sheet = tearSheet({ version: 1, event: 'direction', sources: ['only'], horizons: [1], rows: perfect }, { resamples: 200 });
    const ic = sheet.predictors[0].ic[0];
    expect(ic.dates).to.equal(60);
    expect(ic.meanRankIc).to.be.closeTo(1, 1e-9);
    expect(ic.rankIcCi95[0]).to.be.closeTo(1, 1e-9);
    const [confidences, returns] = [seededRandom(7, 'confidence'), seededRandom(7, 'return')];
    const random: DatasetRow[] = dates.flatMap((date) => Array.from({ length: 8 }, (_, s) => row(`S${s}`, date, (confidences() * 2 - 1) * 100, (returns() * 2 - 1) / 100)));
    const [lo, hi] = tearSheet({ version: 1, event: 'direction', sources: ['only'], horizons: [1], rows: random }, { resamples: 500 }).predictors[0].ic[0].rankIcCi95;
    expect(lo).to.be.below(0);
    expect(hi).to.be.above(0);
  });

  it('widens the interval for overlapping horizons: blocks keep the dependence a single-date bootstrap drops', () => {
    // Each value repeated 10 times in a row, as overlapping 10-bar returns are.
    const series = Array.from({ length: 400 }, (_, i) => Math.sin(Math.floor(i / 10) * 12.9898) * 0.1);
    const width = ([lo, hi]: [number, number]) => hi - lo;
    expect(width(blockBootstrap(series, 10, 1000, 1, 'x'))).to.be.greaterThan(1.8 * width(blockBootstrap(series, 1, 1000, 1, 'x')));
  });

  it('resolves forward returns from the bars after a date, and leaves the last dates unresolved', () => {
    const bars = [100, 110, 99, 121].map((close, i) => ({ date: `2020-01-0${i + 1}`, open: close, high: close, low: close, close, volume: 1 }));
    const series = PackedSeries.of({ symbol: 'A', bars, malformedRows: 0 });
    const builder = new DatasetBuilder(['s'], [1, 2], { kind: 'direction', levels: LEVELS });
    for (const date of ['2020-01-02', '2020-01-03']) {
      builder.add({ symbol: 'A', asOf: date, opinions: [{ source: 's', weight: 1, opinion: { direction: 'SHORT', confidence: 40 } }], consensus: { direction: 'SHORT', confidence: 40, contributions: { s: -40 } } });
    }
    const { rows } = builder.build(() => series);
    expect(rows.map((r) => [r.sources[0], r.consensus, r.returns, r.resolvedAt])).to.deep.equal([
      [-40, -40, [99 / 110 - 1, 121 / 110 - 1], ['2020-01-03', '2020-01-04']],
      [-40, -40, [121 / 99 - 1, null], ['2020-01-04', null]],
    ]);
  });

  it('resolves the first-touch event: which level of a long trade came first, the same for every predictor; neither is left out', () => {
    // 20 quiet bars (true range 2, so ATR 2: a LONG from 100 has its stop at 98, its target at 104), then a bar up to 105, then quiet again.
    const closes = [...Array.from({ length: 20 }, () => 100), 103, 103, 103];
    const bars = closes.map((close, i) => ({ date: new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10), open: close, high: i === 20 ? 105 : close + 1, low: close - 1, close, volume: 1 }));
    const series = PackedSeries.of({ symbol: 'A', bars, malformedRows: 0 });
    const builder = new DatasetBuilder(['s'], [1, 2], { kind: 'first-touch', levels: LEVELS });
    const add = (asOf: string, direction: 'LONG' | 'SHORT' | 'NEUTRAL') =>
      builder.add({ symbol: 'A', asOf, opinions: [{ source: 's', weight: 1, opinion: { direction, confidence: 40 } }], consensus: { direction, confidence: 40, contributions: { s: 40 } } });
    add('2020-01-20', 'LONG');
    add('2020-01-20', 'SHORT');
    add('2020-01-20', 'NEUTRAL');
    add('2020-01-21', 'LONG');
    const dataset = builder.build(() => series);
    expect(dataset.event).to.equal('first-touch');
    expect(dataset.rows.map((r) => [r.returns, r.resolvedAt])).to.deep.equal([
      // The upper level (104) came first on the next bar, whatever the consensus said: right for the LONG, wrong for the SHORT.
      [[1, 1], ['2020-01-21', '2020-01-21']],
      [[1, 1], ['2020-01-21', '2020-01-21']],
      [[1, 1], ['2020-01-21', '2020-01-21']],
      // From the close of 103 after it, neither level is touched within 1 or 2 bars: expired, left out.
      [[null, null], [null, null]],
    ]);
  });

  const data = findRealData();
  it('argo-signals evaluate on real data: a tear sheet per source and the consensus, the dataset it was computed from, and a report whose charts draw in headless Chromium', async function () {
    if (data === undefined) this.skip();
    this.timeout(120_000);
    const dir = tempDir();
    const result = await runCliAsync(['evaluate', '--data', data, '--from', '2016-01-01', '--to', '2016-12-31', '--symbols', 'AAPL,AMZN,BA,CAT,CHK,ABBV,ADBE,AIG,A,AAL', '--horizons', '10,1,5', '--dataset', 'set.json', '--report', 'report', '--json'], { cwd: dir });
    expect(result.code, result.stderr).to.equal(0);
    const sheet = JSON.parse(result.stdout) as ReturnType<typeof tearSheet>;
    expect(sheet.horizons).to.deep.equal([1, 5, 10]);
    expect(sheet.predictors.map((p) => p.name)).to.deep.equal(['trend', 'macd', 'momentum', 'volatility', 'volume', 'consensus']);
    const dataset = JSON.parse(readFileSync(path.join(dir, 'set.json'), 'utf8')) as Dataset;
    expect(dataset.rows.length).to.equal(sheet.rows);
    expect(sheet.rows).to.be.within(2400, 2520);
    for (const p of sheet.predictors) {
      // A date counts when at least 5 symbols have an opinion and a resolved return.
      for (const ic of p.ic) expect(ic.dates).to.be.within(sheet.dates - 15, sheet.dates);
      expect(p.calibration.ece).to.be.within(0, 1);
      expect(p.calibration.buckets.reduce((n, b) => n + b.count, 0)).to.equal(p.calibration.samples);
    }
    expect(sheet.sourceCorrelation.matrix[0][0]).to.be.closeTo(1, 1e-9);
    if (CHROMIUM !== undefined) {
      const browser = spawnSync(
        CHROMIUM,
        ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${tempDir()}`, '--dump-dom', `file://${path.join(dir, 'report', 'tear-sheet.html')}`],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(browser.stdout, browser.stderr).to.match(/data-charts-rendered="3"/);
      for (const painted of /data-chart-ink="([\d,]+)"/.exec(browser.stdout)![1].split(',').map(Number)) expect(painted).to.be.greaterThan(1000);
    } else {
      console.log('    (chromium not installed: the report is not rendered; .ci/run installs it)');
    }
    const bad = await runCliAsync(['evaluate', '--from', '2024-01-01', '--to', '2024-02-01', '--horizons', '0,5'], { cwd: dir });
    expect([bad.code, bad.stderr.trim()]).to.deep.equal([2, 'ARGO_ERR_USAGE: --horizons must be bar counts 1..250 separated by commas, was "0,5"']);
  });
});
