import { RSI } from 'trading-signals';
import { PLUGIN_API_VERSION, defineSourcePlugin } from '../../core/plugin-system/define-plugin';
import { directionOf, incrementalSource, resultOf, strength } from './incremental-indicator';

interface MomentumOptions {
  period: number;
  fullDistance: number;
}

/** Momentum: the relative strength index; LONG above 50, SHORT below. */
export default defineSourcePlugin<MomentumOptions>({
  name: 'technical-momentum',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  offloadable: true,
  description: 'RSI momentum: LONG above 50, SHORT below, confidence from the distance to 50.',
  options: {
    period: { doc: 'RSI period in bars.', format: 'nat', default: 14 },
    fullDistance: { doc: 'Distance of the RSI from 50 that gives confidence 100.', format: Number, default: 20 },
  },
  create({ options }) {
    return incrementalSource(() => {
      const rsi = new RSI(options.period);
      return {
        add(bar) {
          rsi.add(bar.close);
        },
        read() {
          const value = resultOf(rsi);
          if (value === null) return null;
          return { direction: directionOf(value - 50), confidence: strength(value - 50, options.fullDistance), features: { rsi: value } };
        },
      };
    });
  },
});
