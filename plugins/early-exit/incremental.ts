import { PLUGIN_API_VERSION, defineEarlyExitPlugin } from '../../core/plugin-system/define-plugin';
import { byWeight, pickSources } from './wave-order';

interface IncrementalOptions {
  groups: string[][];
  minToContinue: number;
}

/** Waves of configured groups (one source a wave by weight by default); stops when the partial confidence is weak. */
export default defineEarlyExitPlugin<IncrementalOptions>({
  name: 'incremental',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Waves of source groups; after each, reject when the partial confidence is below minToContinue. Lossy.',
  options: {
    groups: { doc: 'Waves as lists of source names; sources in no group form a last wave. Empty: one source a wave, by weight.', format: Array, default: [] },
    minToContinue: { doc: 'Partial confidence (0..100) below which the symbol is rejected after a wave.', format: Number, default: 60 },
  },
  create({ options }) {
    return {
      plan(sources) {
        if (options.groups.length === 0) return byWeight(sources).map((s) => [s.name]);
        const waves = options.groups.map((group, i) => pickSources(sources, group, `earlyExit.groups[${i}]`));
        const rest = sources.map((s) => s.name).filter((name) => !waves.some((wave) => wave.includes(name)));
        return rest.length > 0 ? [...waves, rest] : waves;
      },
      afterWave: ({ partial }) => (partial.confidence < options.minToContinue ? { stop: true, reason: 'incremental' } : { stop: false }),
    };
  },
});
