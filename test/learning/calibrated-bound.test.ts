import { expect } from 'chai';
import fc from 'fast-check';
import type { ConsensusResult, Opinion, WeightedOpinion } from '../../core/domain/domain';
import { probabilityRight, type CalibrationFile } from '../../core/learning/calibration';
import { signed } from '../../core/learning/evaluation-dataset';
import type { Consensus } from '../../core/plugin-system/plugin-contracts';
import weighted from '../../plugins/consensus/weighted';

const consensus = weighted.create({} as never) as Omit<Consensus, 'combine'> & { combine(opinions: readonly WeightedOpinion[]): ConsensusResult };
const SOURCES = ['s0', 's1', 's2', 's3', 's4', 's5'];

const opinion: fc.Arbitrary<Opinion> = fc.record({ direction: fc.constantFrom('LONG', 'SHORT', 'NEUTRAL'), confidence: fc.double({ min: 0, max: 100, noNaN: true }) });
const weight = fc.double({ min: 0.01, max: 10, noNaN: true });
/** A calibration of the six sources: increasing step maps (some read the other way round) and a combiner with weights of either sign. */
const calibration: fc.Arbitrary<CalibrationFile> = fc
  .tuple(
    fc.array(fc.tuple(fc.boolean(), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 })), { minLength: 6, maxLength: 6 }),
    fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 6, maxLength: 6 }),
    fc.double({ min: -2, max: 2, noNaN: true }),
  )
  .map(([maps, weights, intercept]) => ({
    kind: 'argo-signals-calibration',
    version: 1,
    from: '2020-01-01',
    to: '2020-12-31',
    horizon: 10,
    event: 'direction',
    samples: 1000,
    upRate: 0.5,
    sourcesHash: 'x',
    fittedAt: '2021-01-01T00:00:00.000Z',
    sources: maps.map(([decreasing, ys], i) => {
      const y = [...ys].sort((a, b) => a - b);
      return { name: SOURCES[i], samples: 100, decreasing, map: { x: y.map((_, k) => -100 + (200 * (k + 1)) / y.length), y } };
    }),
    combiner: { intercept, weights: Object.fromEntries(SOURCES.map((name, i) => [name, weights[i]])), l2: 1 },
  }));

describe('learning: the bound early exit stays lossless with a calibration and consensus.minProbability', () => {
  it('a symbol bound stops (its confidence cannot reach the gate) never becomes a signal, whatever the calibration and the probability gate', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ weight, opinion }), { maxLength: 6 }),
        fc.array(fc.record({ weight, answer: fc.option(opinion, { nil: null }) }), { maxLength: 6 }),
        calibration,
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (fetchedList, rest, file, minConfidence, minProbability) => {
          const fetched = fetchedList.slice(0, 6).map((w, i) => ({ source: SOURCES[i], ...w }));
          const remaining = rest.slice(0, 6 - fetched.length);
          if (consensus.upperBound(fetched, remaining.map((r) => r.weight)) >= minConfidence) return;
          const completed = [...fetched, ...remaining.flatMap((r, i) => (r.answer === null ? [] : [{ source: SOURCES[fetched.length + i], weight: r.weight, opinion: r.answer }]))];
          const full = consensus.combine(completed);
          const bySource = new Map(completed.map((o) => [o.source, signed(o.opinion.direction, o.opinion.confidence)]));
          const values = file.sources.map((s) => bySource.get(s.name) ?? null);
          // The pipeline's gates, in its order: the confidence first, then the probability.
          const signal = full.direction !== 'NEUTRAL' && full.confidence >= minConfidence && probabilityRight(file, values, full.direction) >= minProbability;
          expect(signal).to.equal(false);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
