import { PLUGIN_API_VERSION, defineSourcePlugin } from '../../core/plugin-system/define-plugin';
import { normalDraw, seededRandom } from '../../core/util/seeded-random';

interface SyntheticOptions {
  followTrend: number;
  lookback: number;
  meanConfidence: number;
  spread: number;
}

/**
 * A seeded opinion model standing in for an outside source (sentiment, an LLM): it follows
 * the recent move with probability `followTrend` and answers a random confidence. Combine
 * it with `simulate` in the source entry for latency and failures.
 */
export default defineSourcePlugin<SyntheticOptions>({
  name: 'synthetic',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Seeded opinion model: follows the recent move with a set probability, random confidence.',
  options: {
    followTrend: { doc: 'Probability 0..1 that the direction follows the move over `lookback` bars.', format: Number, default: 0.6 },
    lookback: { doc: 'Bars over which the recent move is measured.', format: 'nat', default: 5 },
    meanConfidence: { doc: 'Mean confidence 0..100 of the answers.', format: Number, default: 65 },
    spread: { doc: 'Standard deviation of the confidence.', format: Number, default: 15 },
  },
  create({ options, seed, instanceName }) {
    return {
      opinion({ symbol, asOf, bars }) {
        const random = seededRandom(seed, instanceName, symbol, asOf);
        const first = bars.at(Math.max(0, bars.length - 1 - options.lookback)).close;
        const rising = bars.last.close >= first;
        const follows = random() < options.followTrend;
        const confidence = Math.min(100, Math.max(0, options.meanConfidence + options.spread * normalDraw(random)));
        return { direction: rising === follows ? 'LONG' : 'SHORT', confidence };
      },
    };
  },
});
