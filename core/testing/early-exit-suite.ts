import fc from 'fast-check';
import assert from 'node:assert/strict';
import type { PluginDefinition } from '../plugin-system/define-plugin';
import type { EarlyExitStrategy, SourceInfo, WaveState } from '../plugin-system/plugin-contracts';
import { optionsCheck } from './options-check';
import { holds } from './property';
import type { TestApi } from './test-api';
import { testContext, type TestContextOptions } from './test-context';

/** How the early-exit suite checks a strategy; the sources it plans are named s0…s7. */
export interface EarlyExitSuiteOptions extends TestContextOptions {
  readonly runs?: number;
}

const sourcesArb: fc.Arbitrary<SourceInfo[]> = fc
  .uniqueArray(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 8 })
  .chain((ids) =>
    fc.tuple(...ids.map((id) => fc.record({ name: fc.constant(`s${id}`), weight: fc.double({ min: 0.1, max: 5, noNaN: true }), timeoutMs: fc.integer({ min: 1, max: 5000 }) }))),
  );

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * The conformance suite of an early-exit strategy: options refuse wrong formats; a plan names
 * each configured source exactly once; a decision depends on the state it is given alone (the
 * same state, frozen, gives the same decision, twice and on a fresh instance).
 */
export function earlyExitSuite(api: TestApi, definition: PluginDefinition<'early-exit-strategy'>, suite: EarlyExitSuiteOptions = {}): void {
  const numRuns = suite.runs ?? 300;
  const build = (): Promise<EarlyExitStrategy> => Promise.resolve(definition.create(testContext(definition, suite)));

  api.describe(`early-exit strategy "${definition.name}" (argo-signals/testing)`, () => {
    optionsCheck(api, definition, suite.options);

    api.it('plans every configured source exactly once', async () => {
      const strategy = await build();
      await holds(
        fc.property(sourcesArb, (sources) => {
          const planned = strategy.plan(sources).flat();
          assert.deepEqual([...planned].sort(), sources.map((s) => s.name).sort());
        }),
        { numRuns },
      );
    });

    api.it('decides from the state it is given alone: the same frozen state gives the same decision', async () => {
      const [first, second] = [await build(), await build()];
      await holds(
        fc.property(sourcesArb, fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (sources, partial, bound) => {
          const [head, ...rest] = sources;
          const state: WaveState = deepFreeze({
            symbol: 'SAMPLE-UP',
            asOf: '2024-01-02',
            waveIndex: 0,
            wave: [{ source: head.name, ok: true, opinion: { direction: 'LONG', confidence: partial }, latencyMs: 5 }],
            fetched: [{ source: head.name, weight: head.weight, opinion: { direction: 'LONG', confidence: partial } }],
            remaining: rest,
            partial: { direction: 'LONG', confidence: partial, contributions: { [head.name]: partial } },
            upperBound: Math.max(partial, bound),
            minConfidence: 75,
          });
          const decision = first.afterWave(state);
          assert.ok(decision.stop === false || (decision.stop === true && typeof decision.reason === 'string' && decision.reason !== ''), `decision ${JSON.stringify(decision)}`);
          assert.deepEqual(first.afterWave(state), decision);
          assert.deepEqual(second.afterWave(state), decision);
        }),
        { numRuns },
      );
    });
  });
}
