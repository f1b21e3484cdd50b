/**
 * A cache in front of any consensus plugin, on Keyv over lru-cache. Off by default: for the
 * built-in weighted consensus (about 1 µs) a lookup costs more than it saves (see
 * docs/performance.md); it pays for consensus plugins that do real work.
 */
import type { CycleStats } from './cycle-stats';
import { ExpiringKeyv, lruKeyv } from '../util/expiring-keyv';
import type { ConsensusResult, WeightedOpinion } from '../domain/domain';
import { createHash } from 'node:crypto';
import type { OpinionHistory } from './opinion-history';
import type { Consensus } from '../plugin-system/plugin-contracts';
import { hashOf } from '../util/stable-hash';

/** How the consensus cache behaves (`consensus.cache.*`). */
export interface ConsensusCacheConfig {
  readonly maxEntries: number;
  readonly ttlMs: number;
  /** 0: exact inputs. Otherwise confidences are rounded to this many points in the key: approximate. */
  readonly bucket: number;
}

function copy(result: ConsensusResult): ConsensusResult {
  return { ...result, contributions: { ...result.contributions } };
}

/**
 * Wraps `inner`: `combine` answers from the cache when the same plugin (name, version,
 * options) saw the same weighted opinions (and history, for a plugin that keeps one) within the TTL. Weights are part of the inputs,
 * so a change of weights changes every key. Callers get copies, never the cached object.
 */
export function cachedConsensus(
  inner: Consensus,
  identity: { name: string; version: string; options: unknown },
  config: ConsensusCacheConfig,
  now: () => number,
  stats: CycleStats,
): Consensus {
  let hits = 0;
  let misses = 0;
  const { keyv, evictions } = lruKeyv(config.maxEntries, 'consensus');
  const cache = new ExpiringKeyv<ConsensusResult>(keyv, config.ttlMs, now);
  const plugin = hashOf(identity, 8);
  const round = (confidence: number) => (config.bucket > 0 ? Math.round(confidence / config.bucket) * config.bucket : confidence);
  const historyKey = (history: OpinionHistory | undefined) =>
    history === undefined ? '' : createHash('sha256').update(new Uint8Array(history.values.buffer, history.values.byteOffset, history.values.byteLength)).digest('hex').slice(0, 16);
  const keyOf = (opinions: readonly WeightedOpinion[], history: OpinionHistory | undefined) =>
    `${plugin}|${hashOf(opinions.map((o) => [o.source, o.weight, o.opinion.direction, round(o.opinion.confidence)]))}|${historyKey(history)}`;
  stats.caches.consensus = () => ({ hits, misses, evictions: evictions(), expirations: cache.expirations, joins: 0 });
  return {
    historyWindow: inner.historyWindow,
    async combine(opinions, history) {
      const key = keyOf(opinions, history);
      const cached = await cache.get(key);
      if (cached !== undefined) {
        hits++;
        return copy(cached);
      }
      misses++;
      const result = await inner.combine(opinions, history);
      await cache.set(key, copy(result));
      return copy(result);
    },
    upperBound: (fetched, remainingWeights, history) => inner.upperBound(fetched, remainingWeights, history),
  };
}
