import { expect } from 'chai';
import type { WeightedOpinion } from '../../core/domain/domain';
import { cachedConsensus } from '../../core/engine/consensus-cache';
import { CycleStats } from '../../core/engine/cycle-stats';
import type { Consensus } from '../../core/plugin-system/plugin-contracts';
import weighted from '../../plugins/consensus/weighted';

function counting() {
  const inner = weighted.create({} as never) as Consensus;
  const counter = { calls: 0 };
  const wrapped: Consensus = {
    combine: (opinions) => {
      counter.calls++;
      return inner.combine(opinions);
    },
    upperBound: (fetched, rest) => inner.upperBound(fetched, rest),
  };
  return { counter, wrapped };
}

const opinions = (confidence: number, weight = 1): WeightedOpinion[] => [
  { source: 'a', weight, opinion: { direction: 'LONG', confidence } },
  { source: 'b', weight: 2, opinion: { direction: 'LONG', confidence: 90 } },
];

const identity = { name: 'weighted', version: '1.0.0', options: {} };

describe('consensus cache', () => {
  it('answers repeated inputs from the cache with copies, and recomputes when the weights change', async () => {
    const stats = new CycleStats();
    const { counter, wrapped } = counting();
    const cache = cachedConsensus(wrapped, identity, { maxEntries: 100, ttlMs: 1000, bucket: 0 }, Date.now, stats);
    const first = await cache.combine(opinions(80));
    const second = await cache.combine(opinions(80));
    expect(second).to.deep.equal(first);
    expect(second).to.not.equal(first);
    (second.contributions as Record<string, number>).a = 999;
    expect((await cache.combine(opinions(80))).contributions.a).to.not.equal(999);
    expect(counter.calls).to.equal(1);
    await cache.combine(opinions(80, 3));
    expect(counter.calls).to.equal(2);
    expect(stats.report().caches.consensus).to.include({ hits: 2, misses: 2 });
  });

  it('expires entries after the TTL on the run clock and stays within maxEntries', async () => {
    let now = 0;
    const stats = new CycleStats();
    const { counter, wrapped } = counting();
    const cache = cachedConsensus(wrapped, identity, { maxEntries: 2, ttlMs: 100, bucket: 0 }, () => now, stats);
    await cache.combine(opinions(10));
    now = 100;
    await cache.combine(opinions(10));
    expect(counter.calls).to.equal(2);
    await cache.combine(opinions(20));
    await cache.combine(opinions(30));
    expect(stats.report().caches.consensus).to.include({ expirations: 1, evictions: 1 });
  });

  it('keys on exact inputs by default and on rounded confidences only when a bucket is set', async () => {
    const exact = counting();
    const exactCache = cachedConsensus(exact.wrapped, identity, { maxEntries: 10, ttlMs: 1000, bucket: 0 }, Date.now, new CycleStats());
    await exactCache.combine(opinions(80.1));
    await exactCache.combine(opinions(80.2));
    expect(exact.counter.calls).to.equal(2);
    const rounded = counting();
    const roundedCache = cachedConsensus(rounded.wrapped, identity, { maxEntries: 10, ttlMs: 1000, bucket: 1 }, Date.now, new CycleStats());
    await roundedCache.combine(opinions(80.1));
    await roundedCache.combine(opinions(80.2));
    expect(rounded.counter.calls).to.equal(1);
  });
});
