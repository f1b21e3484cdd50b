import { PLUGIN_API_VERSION, defineEarlyExitPlugin } from '../../core/plugin-system/define-plugin';
import { chunk } from './wave-order';

interface BoundOptions {
  waveSize: number;
  latencyPriorMs: number;
  latencySmoothing: number;
}

/** Slack against floating-point error: a stop needs the bound clearly below the bar, so no passing symbol is ever cut. */
const EPSILON = 1e-9;

/**
 * Lossless early exit: stops as soon as the consensus plugin's upper bound on the reachable
 * confidence is below `consensus.minConfidence`, so it rejects only symbols that fetching
 * every source would reject too. Sources are asked in order of weight per expected latency
 * (an exponential moving average of what each source took, learned as the run goes), so the
 * most informative cheap sources come first.
 */
export default defineEarlyExitPlugin<BoundOptions>({
  name: 'bound',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Stops when the reachable confidence bound falls below minConfidence: the signals of `none`, fewer calls.',
  options: {
    waveSize: { doc: 'Sources fetched in parallel per wave.', format: 'nat', default: 1 },
    latencyPriorMs: { doc: 'Latency assumed for a source not yet observed.', format: Number, default: 100 },
    latencySmoothing: { doc: 'Weight 0..1 of the newest observation in the latency average.', format: Number, default: 0.2 },
  },
  create({ options }) {
    const latency = new Map<string, number>();
    const expected = (name: string) => Math.max(latency.get(name) ?? options.latencyPriorMs, 1e-3);
    return {
      plan(sources) {
        const ordered = [...sources].sort((a, b) => b.weight / expected(b.name) - a.weight / expected(a.name));
        return chunk(
          ordered.map((s) => s.name),
          Math.max(1, options.waveSize),
        );
      },
      afterWave: ({ upperBound, minConfidence }) => (upperBound < minConfidence - EPSILON ? { stop: true, reason: 'bound' } : { stop: false }),
      observe(wave) {
        for (const { source, latencyMs } of wave) {
          const previous = latency.get(source);
          latency.set(source, previous === undefined ? latencyMs : previous + options.latencySmoothing * (latencyMs - previous));
        }
      },
    };
  },
});
