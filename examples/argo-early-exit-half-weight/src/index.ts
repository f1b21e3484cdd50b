import { defineEarlyExitPlugin } from 'argo-signals/plugin';

interface Options {
  minWeightShare: number;
}

/**
 * Asks the sources one at a time, heaviest first, and never stops before `minWeightShare` of
 * the total weight has answered; past that, it stops as soon as the consensus plugin's upper
 * bound says the minimum confidence is out of reach. With a sound bound it drops no signal
 * the full fetch would have given, and saves the calls of the light sources.
 */
export default defineEarlyExitPlugin<Options>({
  name: 'half-weight',
  version: '1.0.0',
  apiVersion: '^1.0.0',
  description: 'One source a wave, heaviest first; may stop once half the weight answered and the bound is below the minimum.',
  options: {
    minWeightShare: { doc: 'Share 0..1 of the total weight that must have answered before any stop.', format: Number, default: 0.5 },
  },
  create({ options }) {
    if (!(options.minWeightShare >= 0 && options.minWeightShare <= 1)) {
      throw new RangeError(`earlyExit.minWeightShare must be within 0..1, was ${options.minWeightShare}`);
    }
    return {
      plan: (sources) => [...sources].sort((a, b) => b.weight - a.weight || a.name.localeCompare(b.name)).map((s) => [s.name]),
      afterWave({ fetched, remaining, upperBound, minConfidence }) {
        const answered = fetched.reduce((sum, o) => sum + o.weight, 0);
        const total = answered + remaining.reduce((sum, s) => sum + s.weight, 0);
        if (total === 0 || answered / total < options.minWeightShare) return { stop: false };
        return upperBound < minConfidence ? { stop: true, reason: 'half-weight' } : { stop: false };
      },
    };
  },
});
