import { expect } from 'chai';
import fc from 'fast-check';
import path from 'node:path';
import type { ConsensusResult, Opinion, WeightedOpinion } from '../../core/domain/domain';
import type { Consensus } from '../../core/plugin-system/plugin-contracts';
import weighted from '../../plugins/consensus/weighted';
import type { PluginRef } from '../../core/engine/stage-executor';
import { WorkerPool } from '../../workers/worker-pool';
import { ROOT } from '../helpers';

const FAULTY = path.join(ROOT, 'test', 'fixtures', 'plugins', 'faulty-consensus.js');
const WEIGHTED: PluginRef = { kind: 'consensus', specifier: 'weighted', baseDir: ROOT, options: {}, seed: 7 };
const FAULTY_REF: PluginRef = { ...WEIGHTED, specifier: FAULTY };

const opinion = (source: string, confidence = 50): WeightedOpinion => ({ source, weight: 1, opinion: { direction: 'LONG', confidence } });

describe('worker pool', function () {
  this.timeout(60000);
  let pool: WorkerPool;
  beforeEach(() => (pool = new WorkerPool({ minThreads: 1, maxThreads: 2 })));
  afterEach(() => pool.close());

  it('starts only when first used and gives the same consensus as inline, bit for bit', async () => {
    expect(pool.started).to.equal(false);
    const inputs = fc.sample(
      fc.array(
        fc.record({
          source: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
          weight: fc.double({ min: 0.1, max: 5, noNaN: true }),
          opinion: fc.record({ direction: fc.constantFrom('LONG', 'SHORT', 'NEUTRAL'), confidence: fc.double({ min: 0, max: 100, noNaN: true }) }) as fc.Arbitrary<Opinion>,
        }),
        { maxLength: 6 },
      ),
      { numRuns: 2000, seed: 11 },
    );
    const inline = weighted.create({} as never) as Consensus;
    const expected = inputs.map((o) => inline.combine(o) as ConsensusResult);
    const chunks = [inputs.slice(0, 1000), inputs.slice(1000)];
    const results = (await Promise.all(chunks.map((chunk) => pool.run({ stage: 'consensus', plugin: WEIGHTED, items: chunk.map((opinions) => ({ opinions })) })))).flat();
    expect(pool.started).to.equal(true);
    expect(results).to.deep.equal(expected);
  });

  it('fails only the batch whose task throws, naming the error', async () => {
    const [bad, good] = await Promise.allSettled([
      pool.run({ stage: 'consensus', plugin: FAULTY_REF, items: [{ opinions: [opinion('a')] }, { opinions: [opinion('boom')] }] }),
      pool.run({ stage: 'consensus', plugin: FAULTY_REF, items: [{ opinions: [opinion('a', 80)] }] }),
    ]);
    expect(bad.status).to.equal('rejected');
    expect((bad as PromiseRejectedResult).reason.message).to.contain('boom in consensus');
    expect(good).to.deep.equal({ status: 'fulfilled', value: [{ direction: 'LONG', confidence: 80, contributions: {} }] });
  });

  it('replaces a worker that exits and keeps serving', async () => {
    const died = await pool.run({ stage: 'consensus', plugin: FAULTY_REF, items: [{ opinions: [opinion('exit')] }] }).then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    expect(died).to.not.equal('resolved');
    expect(await pool.run({ stage: 'consensus', plugin: FAULTY_REF, items: [{ opinions: [opinion('a', 40)] }] })).to.deep.equal([{ direction: 'LONG', confidence: 40, contributions: {} }]);
  });

  it('closes under load without hanging or dropping a result', async () => {
    const batches = Array.from({ length: 30 }, (_, i) => pool.run({ stage: 'consensus', plugin: FAULTY_REF, items: Array.from({ length: 200 }, () => ({ opinions: [opinion('a', i)] })) }));
    await pool.close();
    const results = await Promise.all(batches);
    expect(results.map((r) => r.length)).to.deep.equal(batches.map(() => 200));
    expect(results.map((r) => r[0].confidence)).to.deep.equal(batches.map((_, i) => i));
  });

  it('runs the tasks of a lane in the order they were sent, even when they queue up', async () => {
    // Bars cross as deltas, so a lane that reordered its queue would see gaps (Piscina does by default).
    const bars = Array.from({ length: 300 }, (_, i) => ({ date: `2017-${String(i).padStart(5, '0')}`, open: 10 + i, high: 11 + i, low: 9 + i, close: 10 + i, volume: 1000 }));
    const plugins = [{ kind: 'source' as const, specifier: 'technical-trend', baseDir: ROOT, options: { fast: 5, slow: 20, fullGapPct: 3 }, seed: 7 }];
    const tasks = [pool.run({ stage: 'indicators', plugins, bars: [{ series: 0, symbol: 'A', from: 0, bars: bars.slice(0, 200) }], items: new Int32Array([0, 0, 200]) }, 0)];
    for (let length = 201; length <= 300; length++) {
      const delta = [{ series: 0, symbol: 'A', from: length - 1, bars: bars.slice(length - 1, length) }];
      tasks.push(pool.run({ stage: 'indicators', plugins, bars: delta, items: new Int32Array([0, 0, length]) }, 0));
    }
    const answers = (await Promise.all(tasks)).map(([answer]) => answer);
    expect(answers.filter((a) => !('opinion' in a))).to.deep.equal([]);
  });

  it('asks for the whole series again when a lane lacks the bars an item needs', async () => {
    const plugins = [{ kind: 'source' as const, specifier: 'technical-trend', baseDir: ROOT, options: { fast: 5, slow: 20, fullGapPct: 3 }, seed: 7 }];
    const bar = { date: '2017-01-02', open: 1, high: 1, low: 1, close: 1, volume: 1 };
    const [unknown, gap] = await pool.run({ stage: 'indicators', plugins, bars: [{ series: 5, symbol: 'B', from: 10, bars: [bar] }], items: new Int32Array([0, 9, 3, 0, 5, 11]) }, 1);
    expect([unknown, gap]).to.deep.equal([{ resync: true }, { resync: true }]);
  });
});
