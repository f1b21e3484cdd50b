import { PLUGIN_API_VERSION, defineEarlyExitPlugin } from '../../core/plugin-system/define-plugin';
import { byWeight, pickSources } from './wave-order';

interface StagedOptions {
  firstWave: string[];
  stage1Min: number;
}

/** Two stages: a first wave (the highest-weight source by default), then the rest unless the partial consensus is weak. */
export default defineEarlyExitPlugin<StagedOptions>({
  name: 'staged',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'First wave, then reject when its partial confidence is below stage1Min; otherwise the rest in parallel. Lossy.',
  options: {
    firstWave: { doc: 'Sources of the first wave; empty means the highest-weight source.', format: Array, default: [] },
    stage1Min: { doc: 'Partial confidence (0..100) after the first wave below which the symbol is rejected.', format: Number, default: 50 },
  },
  create({ options }) {
    return {
      plan(sources) {
        const first = options.firstWave.length > 0 ? pickSources(sources, options.firstWave, 'earlyExit.firstWave') : [byWeight(sources)[0].name];
        const rest = sources.map((s) => s.name).filter((name) => !first.includes(name));
        return rest.length > 0 ? [first, rest] : [first];
      },
      afterWave: ({ partial }) => (partial.confidence < options.stage1Min ? { stop: true, reason: 'stage1' } : { stop: false }),
    };
  },
});
