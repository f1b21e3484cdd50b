import { EMA, MACD } from 'trading-signals';
import { PLUGIN_API_VERSION, defineSourcePlugin } from '../../core/plugin-system/define-plugin';
import { directionOf, incrementalSource, resultOf, strength } from './incremental-indicator';

interface MacdOptions {
  short: number;
  long: number;
  signal: number;
  fullHistogramPct: number;
}

/** MACD: the histogram (MACD line minus its signal line); LONG when positive. */
export default defineSourcePlugin<MacdOptions>({
  name: 'technical-macd',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  offloadable: true,
  description: 'MACD histogram: its sign gives the direction, its size relative to price the confidence.',
  options: {
    short: { doc: 'Bars in the short EMA.', format: 'nat', default: 12 },
    long: { doc: 'Bars in the long EMA.', format: 'nat', default: 26 },
    signal: { doc: 'Bars in the signal-line EMA.', format: 'nat', default: 9 },
    fullHistogramPct: { doc: 'Histogram, in % of the close, that gives confidence 100.', format: Number, default: 0.4 },
  },
  create({ options }) {
    return incrementalSource(() => {
      const macd = new MACD(new EMA(options.short), new EMA(options.long), new EMA(options.signal));
      return {
        add(bar) {
          macd.add(bar.close);
        },
        read(last) {
          const result = resultOf(macd);
          if (result === null) return null;
          const histogramPct = (100 * result.histogram) / last.close;
          return {
            direction: directionOf(histogramPct),
            confidence: strength(histogramPct, options.fullHistogramPct),
            features: { macd: result.macd, histogramPct },
          };
        },
      };
    });
  },
});
