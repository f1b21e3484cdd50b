import { expect } from 'chai';
import type { ConsensusResult, WeightedOpinion } from '../../core/domain/domain';
import type { Consensus } from '../../core/plugin-system/plugin-contracts';
import { oracleCalls } from '../../bench/early-exit-oracle';
import weighted from '../../plugins/consensus/weighted';

const consensus = weighted.create({} as never) as Omit<Consensus, 'combine'> & { combine(opinions: readonly WeightedOpinion[]): ConsensusResult };
const SOURCES = ['a', 'b', 'c'].map((name) => ({ name, weight: 1 }));
const says = (source: string, direction: 'LONG' | 'SHORT', confidence: number): WeightedOpinion => ({ source, weight: 1, opinion: { direction, confidence } });

describe('bench: the early-exit oracle', () => {
  it('needs every source for a signal, and for a rejection the fewest calls whose bound is below the bar', () => {
    const passing = [says('a', 'LONG', 90), says('b', 'LONG', 80), says('c', 'LONG', 85)];
    expect(oracleCalls(consensus, SOURCES, passing, consensus.combine(passing), 75)).to.equal(3);
    // c alone (LONG 10) leaves at most (10 + 200) / 3 = 70 < 75: one call settles it.
    const rejected = [says('a', 'LONG', 100), says('b', 'SHORT', 100), says('c', 'LONG', 10)];
    expect(oracleCalls(consensus, SOURCES, rejected, consensus.combine(rejected), 75)).to.equal(1);
    // With a bar of 60, no single answer settles it (c alone still reaches 70); a and b together do (33).
    expect(oracleCalls(consensus, SOURCES, rejected, consensus.combine(rejected), 60)).to.equal(2);
    // A source that failed: asking it removes its weight from what could still come.
    const failedOne = [says('a', 'LONG', 50), says('b', 'LONG', 50)];
    expect(oracleCalls(consensus, SOURCES, failedOne, consensus.combine(failedOne), 75)).to.equal(2);
  });
});
