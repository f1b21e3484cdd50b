import { SMA } from 'trading-signals';
import { PLUGIN_API_VERSION, defineSourcePlugin } from '../../core/plugin-system/define-plugin';
import { directionOf, incrementalSource, resultOf, strength } from './incremental-indicator';

interface TrendOptions {
  fast: number;
  slow: number;
  fullGapPct: number;
}

/** Trend: a fast and a slow simple moving average; LONG when the fast one is above. */
export default defineSourcePlugin<TrendOptions>({
  name: 'technical-trend',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  offloadable: true,
  description: 'Moving-average cross: direction of the fast SMA against the slow one, confidence from their gap.',
  options: {
    fast: { doc: 'Bars in the fast moving average.', format: 'nat', default: 20 },
    slow: { doc: 'Bars in the slow moving average.', format: 'nat', default: 50 },
    fullGapPct: { doc: 'Gap between the averages, in % of the slow one, that gives confidence 100.', format: Number, default: 4 },
  },
  create({ options }) {
    return incrementalSource(() => {
      const fast = new SMA(options.fast);
      const slow = new SMA(options.slow);
      return {
        add(bar) {
          fast.add(bar.close);
          slow.add(bar.close);
        },
        read() {
          const f = resultOf(fast);
          const s = resultOf(slow);
          if (f === null || s === null) return null;
          const gapPct = (100 * (f - s)) / s;
          return { direction: directionOf(gapPct), confidence: strength(gapPct, options.fullGapPct), features: { gapPct } };
        },
      };
    });
  },
});
