import { expect } from 'chai';
import fc from 'fast-check';
import type { Opinion, WeightedOpinion } from '../../core/domain/domain';
import { OpinionHistories, historyOf } from '../../core/engine/opinion-history';

const SOURCES = ['a', 'b', 'c'];

const opinionSet = fc.subarray(SOURCES).chain((names) =>
  fc.tuple(
    ...names.map((source) =>
      fc.record({
        source: fc.constant(source),
        weight: fc.constant(1),
        opinion: fc.record({ direction: fc.constantFrom('LONG', 'SHORT', 'NEUTRAL'), confidence: fc.integer({ min: 0, max: 100 }) }) as fc.Arbitrary<Opinion>,
      }),
    ),
  ),
) as fc.Arbitrary<WeightedOpinion[]>;

describe('opinion histories', () => {
  it('hold the last window evaluations of each symbol, oldest first, as copies', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.tuple(fc.constantFrom('X', 'Y'), opinionSet), { maxLength: 40 }), (window, evaluations) => {
        const histories = new OpinionHistories(SOURCES, window);
        const seen: Record<string, WeightedOpinion[][]> = { X: [], Y: [] };
        for (const [symbol, opinions] of evaluations) {
          const before = histories.of(symbol);
          const expectedBefore = historyOf(SOURCES, seen[symbol].slice(-window));
          histories.remember(symbol, opinions);
          seen[symbol].push(opinions);
          expect(histories.of(symbol)).to.deep.equal(historyOf(SOURCES, seen[symbol].slice(-window)));
          expect(before, 'an earlier copy is not changed by later evaluations').to.deep.equal(expectedBefore);
        }
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});
