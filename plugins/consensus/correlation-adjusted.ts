import { PLUGIN_API_VERSION, defineConsensusPlugin, type OpinionHistory, type WeightedOpinion } from '../../core';
import { SIGN, weightedMean, weightedMeanBound } from './weighted-mean';

interface CorrelationOptions {
  window: number;
  minOverlap: number;
}

/** Pearson correlation of two aligned series; 0 when either is flat. */
function correlation(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i];
    sb += b[i];
  }
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}

/**
 * Each source's discount: 1 + the sum of its positive correlations with every other source
 * seen in the history (days where both answered, at least `minOverlap`). It depends on the
 * history only, not on who answered now, so the weighted bound stays valid.
 */
function discounts(history: OpinionHistory, minOverlap: number): Map<string, number> {
  const series = new Map<string, Map<number, number>>();
  history.forEach((set, t) => {
    for (const { source, opinion } of set) {
      let s = series.get(source);
      if (s === undefined) series.set(source, (s = new Map()));
      s.set(t, (SIGN[opinion.direction] * opinion.confidence) / 100);
    }
  });
  const names = [...series.keys()];
  const discount = new Map(names.map((name) => [name, 1]));
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const a: number[] = [];
      const b: number[] = [];
      for (const [t, value] of series.get(names[i])!) {
        const other = series.get(names[j])!.get(t);
        if (other !== undefined) {
          a.push(value);
          b.push(other);
        }
      }
      if (a.length < minOverlap) continue;
      const rho = Math.max(0, correlation(a, b));
      discount.set(names[i], discount.get(names[i])! + rho);
      discount.set(names[j], discount.get(names[j])! + rho);
    }
  }
  return discount;
}

/**
 * Correlation-adjusted consensus: the weighted mean with each source's weight divided by its
 * discount, so five indicators that all read the same trend count about once, not five
 * times. The rolling window of each symbol's earlier opinions is kept by the core
 * (`historyWindow`) and handed in, so the plugin is a pure function: the same inline and on a
 * worker thread. Its upper bound is the weighted one over the discounted fetched weights and
 * the raw remaining weights (never smaller than their discounted values), so the lossless
 * early exit holds for a given history. With early exit, the history holds what was fetched,
 * so a strategy can change later discounts.
 */
export default defineConsensusPlugin<CorrelationOptions>({
  name: 'correlation-adjusted',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Weighted mean with weights discounted by how much each source moved with the others over a rolling window.',
  options: {
    window: { doc: 'Earlier evaluations of the symbol the correlations are measured over.', format: 'nat', default: 250 },
    minOverlap: { doc: 'Evaluations two sources must share before their correlation counts.', format: 'nat', default: 20 },
  },
  create({ options }) {
    const adjust = (opinions: readonly WeightedOpinion[], history: OpinionHistory | undefined): WeightedOpinion[] => {
      const discount = discounts(history ?? [], options.minOverlap);
      return opinions.map((o) => ({ ...o, weight: o.weight / (discount.get(o.source) ?? 1) }));
    };
    return {
      historyWindow: options.window,
      combine: (opinions, history) => weightedMean(adjust(opinions, history)),
      upperBound: (fetched, remainingWeights, history) => weightedMeanBound(adjust(fetched, history), remainingWeights),
    };
  },
});
