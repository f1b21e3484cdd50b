import { PLUGIN_API_VERSION, defineConsensusPlugin } from '../core/plugin-system/define-plugin';
import weighted from '../plugins/consensus/weighted';

/**
 * A consensus plugin for benchmarks only: the weighted consensus, after `iterations` rounds of
 * arithmetic (20,000 rounds, about 0.8 ms here), standing in for a consensus that does real work.
 * A module of its own so worker threads can build it from its path.
 */
export default defineConsensusPlugin<{ iterations: number }>({
  name: 'bench-heavy',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Benchmarks only: the weighted consensus after a fixed amount of arithmetic.',
  options: { iterations: { doc: 'Rounds of arithmetic per combine.', format: 'nat', default: 20000 } },
  async create(context) {
    const inner = await weighted.create({ ...context, options: {} });
    return {
      combine(opinions) {
        let x = 0;
        for (let i = 0; i < context.options.iterations; i++) x += Math.sin(i + x);
        return x === Number.POSITIVE_INFINITY ? inner.combine([]) : inner.combine(opinions);
      },
      upperBound: (fetched, remaining) => inner.upperBound(fetched, remaining),
    };
  },
});
