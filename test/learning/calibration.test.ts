import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { fitCalibration, probabilityRight, probabilityUp, scoreCalibration, type CalibrationFile } from '../../core/learning/calibration';
import type { Dataset, DatasetRow } from '../../core/learning/evaluation-dataset';
import { applyIsotonic, fitIsotonic } from '../../core/learning/isotonic';
import { fitLogistic, predictLogistic } from '../../core/learning/logistic';
import { seededRandom } from '../../core/util/seeded-random';
import { findRealData, runCliAsync, tempDir } from '../helpers';

describe('learning: calibration', () => {
  it('isotonic: the fit never decreases, each step rests on at least minBlock samples, and it is the pooled mean where outcomes rise', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -100, max: 100 }), fc.integer({ min: 0, max: 1 })), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 40 }), (points, minBlock) => {
        const map = fitIsotonic(points.map(([x]) => x), points.map(([, y]) => y), minBlock);
        for (let i = 1; i < map.y.length; i++) expect(map.y[i]).to.be.at.least(map.y[i - 1]);
        for (let i = 1; i < map.x.length; i++) expect(map.x[i]).to.be.above(map.x[i - 1]);
        const sizes = map.x.map((edge, i) => points.filter(([x]) => x <= edge && (i === 0 || x > map.x[i - 1])).length);
        if (points.length >= minBlock) for (const n of sizes) expect(n).to.be.at.least(minBlock);
      }),
      { seed: 22, numRuns: 200 },
    );
    // Rising outcomes 0,0,1,0,1,1 in blocks of 2: means 0, 0.5, 1.
    const map = fitIsotonic([1, 2, 3, 4, 5, 6], [0, 0, 1, 0, 1, 1], 2);
    expect(map).to.deep.equal({ x: [2, 4, 6], y: [0, 0.5, 1] });
    expect([applyIsotonic(map, -50), applyIsotonic(map, 3), applyIsotonic(map, 99)]).to.deep.equal([0, 0.5, 1]);
    // A violation is pooled: 1,1 then 0,0 becomes one block of 0.5.
    expect(fitIsotonic([1, 2, 3, 4], [1, 1, 0, 0], 2)).to.deep.equal({ x: [4], y: [0.5] });
  });

  it('logistic regression recovers the weights it was drawn from, a negative one included', () => {
    const random = seededRandom(3, 'logistic');
    const truth = { intercept: 0.3, weights: [2, -1.5] };
    const rows = Array.from({ length: 20000 }, () => [random() * 2 - 1, random() * 2 - 1]);
    const outcomes = rows.map((x) => (random() < predictLogistic(truth, x) ? 1 : 0));
    const fitted = fitLogistic(rows, outcomes, 1e-6);
    expect(fitted.intercept).to.be.closeTo(0.3, 0.06);
    expect(fitted.weights[0]).to.be.closeTo(2, 0.1);
    expect(fitted.weights[1]).to.be.closeTo(-1.5, 0.1);
  });

  /** Rows whose rises follow `skill` of a source's signed confidence, resolved the day after. */
  function dataset(days: number, skill: (confidence: number) => number, seed: number): Dataset {
    const random = seededRandom(seed, 'rows');
    const rows: DatasetRow[] = [];
    for (let d = 0; d < days; d++) {
      const asOf = new Date(Date.UTC(2020, 0, 1 + d)).toISOString().slice(0, 10);
      const next = new Date(Date.UTC(2020, 0, 2 + d)).toISOString().slice(0, 10);
      for (let s = 0; s < 20; s++) {
        const c = Math.round((random() * 2 - 1) * 100);
        const rise = random() < skill(c);
        rows.push({ symbol: `S${s}`, asOf, sources: [c, null], consensus: c, returns: [rise ? 0.01 : -0.01], resolvedAt: [next] });
      }
    }
    return { version: 1, event: 'direction', sources: ['contrarian', 'silent'], horizons: [1], rows };
  }

  it('fits a contrarian source the other way round and gives probabilities that are right as often as they say, out of sample', () => {
    // Rises are likelier the lower the confidence: 0.5 - c/400 (a LONG 100 is right 25% of the time).
    const skill = (c: number) => 0.5 - c / 400;
    const train = dataset(200, skill, 1);
    const file = fitCalibration(train, { from: '2020-01-01', to: '2020-12-31', horizon: 1, sourcesHash: 'x', now: () => new Date(0) });
    expect(file.sources[0].decreasing).to.equal(true);
    expect(file.sources[1].samples).to.equal(0);
    expect(probabilityRight(file, [100, null], 'LONG')).to.be.closeTo(0.25, 0.05);
    expect(probabilityRight(file, [100, null], 'SHORT')).to.be.closeTo(0.75, 0.05);
    expect(probabilityUp(file, [-100, null])).to.be.closeTo(0.75, 0.05);
    const test = dataset(200, skill, 2);
    const { calibrated, raw } = scoreCalibration(file, test, '2020-01-01', '2020-12-31');
    expect(calibrated.ece).to.be.below(0.03);
    expect(raw.ece).to.be.above(0.2);
    expect(calibrated.brier).to.be.below(raw.brier);
  });

  it('fits only on outcomes resolved by the end of its window', () => {
    const data = dataset(10, () => 0.5, 4);
    const late = data.rows.map((r, i): DatasetRow => (i % 2 === 0 ? r : { ...r, resolvedAt: ['2021-06-01'] }));
    const file = fitCalibration({ ...data, rows: late }, { from: '2020-01-01', to: '2020-12-31', horizon: 1, sourcesHash: 'x' });
    expect(file.samples).to.equal(data.rows.filter((r) => r.returns[0] !== 0).length / 2);
  });

  const data = findRealData();
  it('argo-signals calibrate: a file naming its window, horizon and sources, scored in and out of sample; a test window inside the fitted one is refused', async function () {
    if (data === undefined) this.skip();
    this.timeout(120_000);
    const dir = tempDir();
    const symbols = ['--symbols', 'AAPL,AMZN,BA,CAT,CHK,ABBV,ADBE,AIG,A,AAL'];
    const result = await runCliAsync(['calibrate', '--data', data, ...symbols, '--from', '2014-01-01', '--to', '2015-12-31', '--test-from', '2016-01-15', '--test-to', '2016-12-31', '--out', 'cal.json', '--json'], { cwd: dir });
    expect(result.code, result.stderr).to.equal(0);
    const file = JSON.parse(readFileSync(path.join(dir, 'cal.json'), 'utf8')) as CalibrationFile;
    expect(file).to.include({ kind: 'argo-signals-calibration', version: 1, from: '2014-01-01', to: '2015-12-31', horizon: 10, event: 'direction' });
    expect(file.sources.map((s) => s.name)).to.deep.equal(['trend', 'macd', 'momentum', 'volatility', 'volume']);
    expect(file.samples).to.be.within(4500, 5100);
    const report = JSON.parse(result.stdout);
    expect(report.outOfSample.calibrated.samples).to.be.above(2000);
    expect(report.outOfSample.calibrated.ece).to.be.below(report.outOfSample.raw.ece);
    const inside = await runCliAsync(['calibrate', '--data', data, ...symbols, '--from', '2014-01-01', '--to', '2015-12-31', '--test-from', '2015-06-01', '--test-to', '2016-12-31'], { cwd: dir });
    expect([inside.code, inside.stderr.trim()]).to.deep.equal([2, 'ARGO_ERR_USAGE: --test-from (2015-06-01) must come after --to (2015-12-31): a test window is never fitted on']);
  });
});
