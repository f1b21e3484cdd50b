import type { WeightedOpinion } from '../../core/domain/domain';
import type { OpinionHistory } from '../../core/engine/opinion-history';
import { PLUGIN_API_VERSION, defineConsensusPlugin } from '../../core/plugin-system/define-plugin';
import { weightedMean, weightedMeanBound } from './weighted-mean';

interface CorrelationOptions {
  window: number;
  minOverlap: number;
}

/**
 * Each source's discount: 1 + the sum of its positive correlations with every other column
 * of the history (rows where both answered, at least `minOverlap`). It depends on the history
 * only, not on who answered now, so the weighted bound stays valid.
 */
function discounts(history: OpinionHistory, minOverlap: number): Map<string, number> {
  const { sources, rows, values } = history;
  const width = sources.length;
  const discount = sources.map(() => 1);
  for (let i = 0; i < width; i++) {
    for (let j = i + 1; j < width; j++) {
      let n = 0;
      let sa = 0;
      let sb = 0;
      let saa = 0;
      let sbb = 0;
      let sab = 0;
      for (let t = 0; t < rows; t++) {
        const a = values[t * width + i];
        const b = values[t * width + j];
        if (Number.isNaN(a) || Number.isNaN(b)) continue;
        n++;
        sa += a;
        sb += b;
        saa += a * a;
        sbb += b * b;
        sab += a * b;
      }
      if (n < minOverlap) continue;
      const cov = sab - (sa * sb) / n;
      const va = saa - (sa * sa) / n;
      const vb = sbb - (sb * sb) / n;
      if (va <= 1e-12 || vb <= 1e-12) continue;
      const rho = Math.max(0, cov / Math.sqrt(va * vb));
      discount[i] += rho;
      discount[j] += rho;
    }
  }
  return new Map(sources.map((name, i) => [name, discount[i]]));
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
    // With a multi-wave early exit, one evaluation asks for the partial consensus and the bound
    // after each wave and then the final consensus, all with one history object (an immutable
    // copy): its discounts are computed once.
    const discountsOf = new WeakMap<OpinionHistory, Map<string, number>>();
    const adjust = (opinions: readonly WeightedOpinion[], history: OpinionHistory | undefined): readonly WeightedOpinion[] => {
      if (history === undefined) return opinions;
      let discount = discountsOf.get(history);
      if (discount === undefined) discountsOf.set(history, (discount = discounts(history, options.minOverlap)));
      return opinions.map((o) => ({ ...o, weight: o.weight / (discount.get(o.source) ?? 1) }));
    };
    return {
      historyWindow: options.window,
      combine: (opinions, history) => weightedMean(adjust(opinions, history)),
      upperBound: (fetched, remainingWeights, history) => weightedMeanBound(adjust(fetched, history), remainingWeights),
    };
  },
});
