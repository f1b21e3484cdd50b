import { PLUGIN_API_VERSION, defineEarlyExitPlugin } from '../../core/plugin-system/define-plugin';

/** No early exit: every source in one wave. */
export default defineEarlyExitPlugin({
  name: 'none',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Every source in one wave; never stops early.',
  create() {
    // The same sources give the same plan object: the pipeline checks a plan it has seen once.
    let planned: { sources: readonly unknown[]; waves: string[][] } | undefined;
    return {
      plan: (sources) => (planned?.sources === sources ? planned : (planned = { sources, waves: [sources.map((source) => source.name)] })).waves,
      afterWave: () => ({ stop: false }),
    };
  },
});
