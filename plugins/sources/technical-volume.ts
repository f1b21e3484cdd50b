import { OBV, SMA } from 'trading-signals';
import { PLUGIN_API_VERSION, defineSourcePlugin } from '../../core/plugin-system/define-plugin';
import { directionOf, incrementalSource, resultOf, strength } from './incremental-indicator';

interface VolumeOptions {
  period: number;
  fullVolumeDays: number;
}

/** Volume: on-balance volume against its own moving average; LONG when volume flows in. */
export default defineSourcePlugin<VolumeOptions>({
  name: 'technical-volume',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  offloadable: true,
  description: 'On-balance volume above (LONG) or below (SHORT) its moving average, confidence in days of average volume.',
  options: {
    period: { doc: 'Bars in the moving averages of OBV and of volume.', format: 'nat', default: 20 },
    fullVolumeDays: { doc: 'OBV distance from its average, in days of average volume, that gives confidence 100.', format: Number, default: 3 },
  },
  create({ options }) {
    return incrementalSource(() => {
      const obv = new OBV(2);
      const obvAverage = new SMA(options.period);
      const volumeAverage = new SMA(options.period);
      return {
        add(bar) {
          volumeAverage.add(bar.volume);
          const value = obv.add(bar);
          if (value !== null) obvAverage.add(value);
        },
        read() {
          const value = resultOf(obv);
          const average = resultOf(obvAverage);
          const volume = resultOf(volumeAverage);
          if (value === null || average === null || volume === null || volume === 0) return null;
          const flowDays = (value - average) / volume;
          return { direction: directionOf(flowDays), confidence: strength(flowDays, options.fullVolumeDays), features: { flowDays } };
        },
      };
    });
  },
});
