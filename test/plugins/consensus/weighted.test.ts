import { expect } from 'chai';
import fc from 'fast-check';
import type { ConsensusResult, Opinion, WeightedOpinion } from '../../../core/domain/domain';
import type { Consensus } from '../../../core/plugin-system/plugin-contracts';
import weighted from '../../../plugins/consensus/weighted';

/** The weighted consensus answers synchronously. */
const consensus = weighted.create({} as never) as Omit<Consensus, 'combine'> & { combine(opinions: readonly WeightedOpinion[]): ConsensusResult };

const opinion: fc.Arbitrary<Opinion> = fc.record({
  direction: fc.constantFrom('LONG', 'SHORT', 'NEUTRAL'),
  confidence: fc.double({ min: 0, max: 100, noNaN: true }),
});
const weight = fc.double({ min: 0.01, max: 10, noNaN: true });
const weightedOpinions = fc.array(fc.record({ weight, opinion }), { maxLength: 6 });
/** Each remaining source: its weight, and what it does in one completion (an opinion, or null for a failure). */
const remainder = fc.array(fc.record({ weight, answer: fc.option(opinion, { nil: null }) }), { maxLength: 6 });

function named(list: readonly { weight: number; opinion: Opinion }[], prefix: string): WeightedOpinion[] {
  return list.map((w, i) => ({ source: `${prefix}${i}`, ...w }));
}

describe('weighted consensus', () => {
  it('renormalises weights over the sources that answered', () => {
    const result = consensus.combine([
      { source: 'a', weight: 3, opinion: { direction: 'LONG', confidence: 80 } },
      { source: 'b', weight: 1, opinion: { direction: 'SHORT', confidence: 40 } },
    ]);
    expect(result.direction).to.equal('LONG');
    expect(result.confidence).to.be.closeTo((3 * 80 - 40) / 4, 1e-9);
    expect(result.contributions).to.deep.equal({ a: 60, b: -10 });
    expect(consensus.combine([])).to.deep.equal({ direction: 'NEUTRAL', confidence: 0, contributions: {} });
  });

  it('never bounds below what any completion of the remaining sources reaches', () => {
    fc.assert(
      fc.property(weightedOpinions, remainder, (fetchedList, rest) => {
        const fetched = named(fetchedList, 'f');
        const bound = consensus.upperBound(fetched, rest.map((r) => r.weight));
        const completed = [...fetched, ...named(rest.flatMap((r) => (r.answer === null ? [] : [{ weight: r.weight, opinion: r.answer }])), 'r')];
        expect(consensus.combine(completed).confidence).to.be.at.most(bound + 1e-9);
      }),
      { numRuns: 2000 },
    );
  });

  it('bounds tightly: the remaining sources all answering 100 on the leading side reach the bound', () => {
    fc.assert(
      fc.property(weightedOpinions, fc.array(weight, { maxLength: 6 }), (fetchedList, rest) => {
        const fetched = named(fetchedList, 'f');
        const bound = consensus.upperBound(fetched, rest);
        const leading = consensus.combine(fetched).direction === 'SHORT' ? 'SHORT' : 'LONG';
        const witness = named(rest.map((w) => ({ weight: w, opinion: { direction: leading, confidence: 100 } as Opinion })), 'r');
        expect(consensus.combine([...fetched, ...witness]).confidence).to.be.closeTo(bound, 1e-9);
      }),
      { numRuns: 2000 },
    );
  });
});
