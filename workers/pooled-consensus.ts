import type { EngineConfig } from '../core/config-schema';
import type { CycleStats } from '../core/cycle-stats';
import type { ConsensusResult, WeightedOpinion } from '../core/domain';
import { messageOf } from '../core/errors';
import type { Logger } from '../core/logger';
import type { OpinionHistory } from '../core/opinion-history';
import type { Consensus } from '../core/plugin-contracts';
import type { ConsensusInput, PluginRef } from './plugin-task';
import type { WorkerPool } from './worker-pool';

interface Pending extends ConsensusInput {
  readonly resolve: (result: ConsensusResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Consensus on the worker pool. The pipeline asks for one symbol at a time; the calls made
 * in one turn of the event loop (every symbol of a cycle that reached its consensus) are
 * queued and sent in chunks of `workers.chunkSize`, so each ~40 µs round trip carries real
 * work. In `auto` mode the first `autoSampleSize` calls run inline and are timed; only a
 * consensus whose median cost exceeds `autoThresholdUs` per item goes to the pool. A chunk whose task
 * fails is counted and logged, then run inline (`retryInline`) or failed item by item.
 * `upperBound` always runs inline: early exit needs it per wave and it is cheap.
 */
export function pooledConsensus(
  inline: Consensus,
  pool: WorkerPool,
  plugin: PluginRef,
  config: EngineConfig['workers'],
  stats: CycleStats,
  logger: Logger,
): Consensus {
  let mode: 'inline' | 'worker' | null = config.consensus === 'worker' ? 'worker' : config.consensus === 'inline' ? 'inline' : null;
  const sampledUs: number[] = [];
  let queue: Pending[] = [];
  stats.workerMode = mode;

  async function runChunk(chunk: readonly Pending[]): Promise<void> {
    stats.workerChunks++;
    stats.workerItems += chunk.length;
    try {
      const results = await pool.combineBatch({ plugin, inputs: chunk.map(({ opinions, history }) => ({ opinions, history })) });
      chunk.forEach((p, i) => p.resolve(results[i]));
    } catch (error) {
      stats.workerFailedChunks++;
      logger.error({ items: chunk.length, err: messageOf(error), retryInline: config.retryInline }, 'consensus chunk failed on the worker pool');
      if (!config.retryInline) {
        for (const p of chunk) p.reject(error);
        return;
      }
      stats.workerRetriedInline++;
      for (const p of chunk) {
        try {
          p.resolve(await inline.combine(p.opinions, p.history));
        } catch (inlineError) {
          p.reject(inlineError);
        }
      }
    }
  }

  function flush(): void {
    const items = queue;
    queue = [];
    for (let start = 0; start < items.length; start += config.chunkSize) void runChunk(items.slice(start, start + config.chunkSize));
  }

  // The median, not the mean: the first calls pay for JIT compilation and would tip a light consensus onto the pool.
  // Timed without awaiting: across an await the clock would also count other symbols' work.
  async function sample(opinions: readonly WeightedOpinion[], history: OpinionHistory | undefined): Promise<ConsensusResult> {
    const started = performance.now();
    const answer = inline.combine(opinions, history);
    const result = answer instanceof Promise ? await answer : answer;
    sampledUs.push((performance.now() - started) * 1000);
    if (mode === null && sampledUs.length >= config.autoSampleSize) {
      const medianUs = [...sampledUs].sort((a, b) => a - b)[sampledUs.length >> 1];
      mode = medianUs > config.autoThresholdUs ? 'worker' : 'inline';
      stats.workerMode = mode;
      logger.info({ mode, microsecondsPerItem: medianUs }, 'auto placement of consensus decided');
    }
    return result;
  }

  return {
    historyWindow: inline.historyWindow,
    combine(opinions, history) {
      if (mode === null) return sample(opinions, history);
      if (mode === 'inline') return inline.combine(opinions, history);
      return new Promise<ConsensusResult>((resolve, reject) => {
        if (queue.length === 0) setImmediate(flush);
        queue.push({ opinions, history, resolve, reject });
      });
    },
    upperBound: (fetched, remainingWeights, history) => inline.upperBound(fetched, remainingWeights, history),
  };
}
