import { expect } from 'chai';
import { bootstrapDifference, holm } from '../../core/lab/ab-statistics';
import { quantile } from '../../core/util/quantile';

describe('A/B statistics', () => {
  it('interpolates quantiles', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).to.equal(2.5);
    expect(quantile([5], 0.95)).to.equal(5);
    expect(quantile([], 0.5)).to.be.NaN;
  });

  it('adjusts p-values with Holm step-down', () => {
    expect(holm([0.01, 0.04, 0.03])).to.deep.equal([0.03, 0.06, 0.06]);
    expect(holm([0.5, Number.NaN])).to.deep.equal([0.5, Number.NaN]);
  });

  it('bootstraps a difference by day: repeatable, and its interval covers the truth and excludes zero for a clear shift', () => {
    const baseline = Array.from({ length: 200 }, (_, i) => ({ value: Math.sin(i) }));
    const arm = baseline.map((row, i) => ({ value: row.value + 0.5 + 0.1 * Math.cos(i * 7) }));
    const mean = (rows: readonly { value: number }[]) => rows.reduce((t, r) => t + r.value, 0) / rows.length;
    const options = { resamples: 500, seed: 1, label: 'x' };
    const a = bootstrapDifference(arm, baseline, mean, options);
    expect(bootstrapDifference(arm, baseline, mean, options)).to.deep.equal(a);
    expect(a.estimate).to.be.closeTo(0.5, 0.02);
    expect(a.ci95[0]).to.be.above(0.45);
    expect(a.ci95[1]).to.be.below(0.55);
    expect(a.p).to.equal(0);
    const same = bootstrapDifference(baseline, baseline, mean, options);
    expect(same).to.deep.include({ estimate: 0, p: 1 });
  });
});
