import { BollingerBands } from 'trading-signals';
import { PLUGIN_API_VERSION, defineSourcePlugin } from '../../core/plugin-system/define-plugin';
import { directionOf, incrementalSource, resultOf } from './incremental-indicator';

interface VolatilityOptions {
  period: number;
  deviations: number;
}

/** Volatility: where the close sits in its Bollinger bands; LONG in the upper half. */
export default defineSourcePlugin<VolatilityOptions>({
  name: 'technical-volatility',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  offloadable: true,
  description: 'Bollinger bands: LONG in the upper half, SHORT in the lower, confidence from the distance to the middle.',
  options: {
    period: { doc: 'Bars in the bands.', format: 'nat', default: 20 },
    deviations: { doc: 'Band width in standard deviations.', format: Number, default: 2 },
  },
  create({ options }) {
    return incrementalSource(() => {
      const bands = new BollingerBands(options.period, options.deviations);
      return {
        add(bar) {
          bands.add(bar.close);
        },
        read(last) {
          const result = resultOf(bands);
          if (result === null) return null;
          const width = result.upper - result.lower;
          const percentB = width === 0 ? 0.5 : (last.close - result.lower) / width;
          const offset = percentB - 0.5;
          return { direction: directionOf(offset), confidence: Math.min(100, Math.abs(offset) * 200), features: { percentB } };
        },
      };
    });
  },
});
