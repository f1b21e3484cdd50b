import { setTimeout as sleep } from 'node:timers/promises';
import { PLUGIN_API_VERSION, defineExplainerPlugin } from '../../core/plugin-system/define-plugin';
import { seededRandom } from '../../core/util/seeded-random';
import { templateReasoning } from './template';

interface SimulatedLlmOptions {
  minLatencyMs: number;
  maxLatencyMs: number;
  failureRate: number;
}

/**
 * Stands in for an LLM explainer in demos, tests and benchmarks: the template's text after a
 * real wait drawn (seeded by symbol and date) between minLatencyMs and maxLatencyMs, failing
 * at failureRate.
 */
export default defineExplainerPlugin<SimulatedLlmOptions>({
  name: 'simulated-llm',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'The template text after a seeded 100 to 300 ms wait, like an LLM; can fail on purpose.',
  options: {
    minLatencyMs: { doc: 'Shortest wait.', format: 'nat', default: 100 },
    maxLatencyMs: { doc: 'Longest wait.', format: 'nat', default: 300 },
    failureRate: { doc: 'Probability 0..1 that a call fails.', format: Number, default: 0 },
  },
  create({ options, seed }) {
    return {
      async explain(request) {
        const random = seededRandom(seed, 'simulated-llm', request.symbol, request.asOf);
        await sleep(options.minLatencyMs + random() * (options.maxLatencyMs - options.minLatencyMs));
        if (random() < options.failureRate) throw new Error('simulated LLM failure');
        return templateReasoning(request, 3);
      },
    };
  },
});
