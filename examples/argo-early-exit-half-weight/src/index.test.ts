import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EarlyExitStrategy } from 'argo-signals/plugin';
import { earlyExitSuite, testContext } from 'argo-signals/testing';
import plugin from './index';

// The conformance suite argo-signals runs on its own early-exit strategies.
earlyExitSuite({ describe, it }, plugin);

describe('half-weight', () => {
  // This strategy's factory is synchronous; the contract allows a promise.
  const strategy = plugin.create(testContext(plugin, { options: { minWeightShare: 0.5 } })) as EarlyExitStrategy;
  const state = (answered: number, remaining: number, upperBound: number) => ({
    symbol: 'X',
    asOf: '2024-01-02',
    waveIndex: 0,
    wave: [],
    fetched: [{ source: 'a', weight: answered, opinion: { direction: 'LONG' as const, confidence: 40 } }],
    remaining: [{ name: 'b', weight: remaining, timeoutMs: 100 }],
    partial: { direction: 'LONG' as const, confidence: 40, contributions: {} },
    upperBound,
    minConfidence: 75,
  });

  it('never stops before half the weight answered, however low the bound', () => {
    assert.deepEqual(strategy.afterWave(state(1, 3, 10)), { stop: false });
  });

  it('stops once half the weight answered and the bound is below the minimum', () => {
    assert.deepEqual(strategy.afterWave(state(3, 1, 60)), { stop: true, reason: 'half-weight' });
    assert.deepEqual(strategy.afterWave(state(3, 1, 80)), { stop: false });
  });

  it('refuses a share outside 0..1 when built', () => {
    assert.throws(() => plugin.create(testContext(plugin, { options: { minWeightShare: 1.5 } })), /minWeightShare must be within 0\.\.1/);
  });
});
