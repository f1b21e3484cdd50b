import { expect } from 'chai';
import fc from 'fast-check';
import type { ConsensusResult, Opinion, WeightedOpinion } from '../../../core/domain/domain';
import { historyOf, type OpinionHistory } from '../../../core/engine/opinion-history';
import type { Consensus } from '../../../core/plugin-system/plugin-contracts';
import { validateOptions } from '../../../core/plugin-system/plugin-loader';
import correlationAdjusted from '../../../plugins/consensus/correlation-adjusted';

type SyncConsensus = Omit<Consensus, 'combine'> & { combine(opinions: readonly WeightedOpinion[], history?: OpinionHistory): ConsensusResult };

const consensus = correlationAdjusted.create({ options: validateOptions(correlationAdjusted, { minOverlap: 10 }, 'consensus') } as never) as SyncConsensus;

const signed = (source: string, value: number, weight = 1): WeightedOpinion => ({
  source,
  weight,
  opinion: { direction: value >= 0 ? 'LONG' : 'SHORT', confidence: Math.min(100, Math.abs(value) * 100) },
});

describe('correlation-adjusted consensus', () => {
  it('asks the core for a rolling window of history', () => {
    expect(consensus.historyWindow).to.equal(250);
  });

  it('counts three sources that always agree about once, and an independent one fully', () => {
    const history = historyOf(
      ['a', 'b', 'c', 'd'],
      Array.from({ length: 40 }, (_, t) => {
        const trend = Math.sin((2 * Math.PI * t) / 40);
        return [signed('a', trend), signed('b', trend), signed('c', trend), signed('d', Math.cos((2 * Math.PI * t) / 40))];
      }),
    );
    const now = ['a', 'b', 'c', 'd'].map((source) => signed(source, 0.8));
    const result = consensus.combine(now, history);
    expect(result.contributions.a).to.be.closeTo(result.contributions.d / 3, 1e-6);
    expect(result.confidence).to.be.closeTo(80, 1e-9);
    const plain = consensus.combine([signed('a', 0.8), signed('b', 0.8), signed('c', 0.8), signed('d', -0.8)], history);
    expect(plain.direction).to.equal('NEUTRAL');
    expect(consensus.combine(now, historyOf(['a', 'b', 'c', 'd'], []))).to.deep.include({ confidence: 80 });
  });

  it('never bounds below what any completion reaches, for any history', () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const opinion: fc.Arbitrary<Opinion> = fc.record({ direction: fc.constantFrom('LONG', 'SHORT', 'NEUTRAL'), confidence: fc.double({ min: 0, max: 100, noNaN: true }) });
    const entry = (source: string) => fc.record({ source: fc.constant(source), weight: fc.double({ min: 0.1, max: 3, noNaN: true }), opinion });
    const set = fc.subarray(names).chain((chosen) => fc.tuple(...chosen.map(entry)));
    fc.assert(
      fc.property(fc.array(set, { minLength: 0, maxLength: 40 }), fc.subarray(names), fc.array(fc.option(opinion, { nil: null }), { minLength: 5, maxLength: 5 }), (sets, fetchedNames, answers) => {
        const history = historyOf(names, sets);
        const weights = new Map(names.map((n, i) => [n, 0.5 + i]));
        const fetched = fetchedNames.map((source, i) => ({ source, weight: weights.get(source)!, opinion: answers[i] ?? { direction: 'NEUTRAL' as const, confidence: 0 } }));
        const rest = names.filter((n) => !fetchedNames.includes(n));
        const bound = consensus.upperBound(fetched, rest.map((n) => weights.get(n)!), history);
        const completion = rest.flatMap((source, i) => (answers[i] === null ? [] : [{ source, weight: weights.get(source)!, opinion: answers[i]! }]));
        expect(consensus.combine([...fetched, ...completion], history).confidence).to.be.at.most(bound + 1e-9);
      }),
      { numRuns: 500 },
    );
  });
});
