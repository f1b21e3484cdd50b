import { PLUGIN_API_VERSION, defineEarlyExitPlugin } from '../../core/plugin-system/define-plugin';

/** No early exit: every source in one wave. */
export default defineEarlyExitPlugin({
  name: 'none',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Every source in one wave; never stops early.',
  create() {
    return {
      plan: (sources) => [sources.map((source) => source.name)],
      afterWave: () => ({ stop: false }),
    };
  },
});
