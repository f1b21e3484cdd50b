import { expect } from 'chai';
import type { Dataset, DatasetRow } from '../../core/learning/evaluation-dataset';
import { pooled, walkForward } from '../../core/learning/walk-forward';
import { seededRandom } from '../../core/util/seeded-random';
import { findRealData, runCliAsync } from '../helpers';

/** 300 weekday-like dates of 20 symbols; a contrarian source; 5-bar outcomes resolved 5 dates later. */
function dataset(): Dataset {
  const random = seededRandom(9, 'walk');
  const dates = Array.from({ length: 300 }, (_, d) => new Date(Date.UTC(2020, 0, 1 + d)).toISOString().slice(0, 10));
  const rows: DatasetRow[] = [];
  dates.forEach((asOf, d) => {
    for (let s = 0; s < 20; s++) {
      const c = Math.round((random() * 2 - 1) * 100);
      const resolved = dates[d + 5] ?? null;
      const rise = random() < 0.5 - c / 400;
      rows.push({ symbol: `S${s}`, asOf, sources: [c], consensus: c, returns: [resolved === null ? null : rise ? 0.01 : -0.01], resolvedAt: [resolved] });
    }
  });
  return { version: 1, event: 'direction', sources: ['contrarian'], horizons: [5], rows };
}

describe('learning: walk-forward calibration', () => {
  const options = { horizon: 5, trainDates: 100, testDates: 50, expanding: false, sourcesHash: 'x' };

  it('fits each window only on outcomes resolved before it starts: the same fit whether the data ends with the window or goes on', () => {
    const full = dataset();
    const windows = walkForward(full, options);
    expect(windows.map((w) => w.testFrom)).to.deep.equal(['2020-04-10', '2020-05-30', '2020-07-19', '2020-09-07']);
    for (const window of windows) {
      // The data as it stood on the window's last day: later rows unknown, later outcomes unresolved.
      const asThen: Dataset = {
        ...full,
        rows: full.rows.filter((r) => r.asOf <= window.testTo).map((r) => (r.resolvedAt[0] !== null && r.resolvedAt[0] > window.testTo ? { ...r, returns: [null], resolvedAt: [null] } : r)),
      };
      const then = walkForward(asThen, options).find((w) => w.testFrom === window.testFrom)!;
      expect([then.fitted, then.combiner], window.testFrom).to.deep.equal([window.fitted, window.combiner]);
    }
    // The first fit saw only outcomes resolved before 2020-04-10: rows up to 5 dates before it.
    expect(windows[0].fitted).to.equal(95 * 20);
  });

  it('pools the test windows into one reliability, calibrated far better than the raw confidence', () => {
    const windows = walkForward(dataset(), { ...options, expanding: true });
    const calibrated = pooled(windows, 'calibrated');
    const raw = pooled(windows, 'raw');
    expect(calibrated.samples).to.equal(windows.reduce((n, w) => n + w.calibrated.samples, 0));
    expect(calibrated.ece).to.be.below(0.05);
    expect(raw.ece).to.be.above(0.2);
  });

  const data = findRealData();
  it('argo-signals walk-forward on real data: windows after the training dates, each scored against raw confidence and the base rate', async function () {
    if (data === undefined) this.skip();
    this.timeout(120_000);
    const result = await runCliAsync(['walk-forward', '--data', data, '--symbols', 'AAPL,AMZN,BA,CAT,CHK,ABBV,ADBE,AIG,A,AAL', '--from', '2014-01-01', '--to', '2016-12-31', '--train-dates', '252', '--test-dates', '126', '--json']);
    expect(result.code, result.stderr).to.equal(0);
    const report = JSON.parse(result.stdout);
    expect(report.windows.length).to.equal(4);
    expect(report.windows[0].testFrom > '2014-12-31').to.equal(true);
    for (const w of report.windows) expect(w.calibrated.samples).to.equal(w.raw.samples);
    expect(report.raw.ece).to.be.above(report.calibrated.ece);
  });
});
