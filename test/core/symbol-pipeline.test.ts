import { expect } from 'chai';
import path from 'node:path';
import { virtualCycleMs } from '../../core/engine/cycle-runner';
import { ArgoError } from '../../core/errors/errors';
import { ROOT, createRun } from '../helpers';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'plugins');
const misbehaving = path.join(FIXTURES, 'misbehaving-source.js');

describe('symbol pipeline and cycle', () => {
  it('goes on when sources throw, hang or lie, counting each failure per source', async () => {
    const run = await createRun({
      values: {
        'data.days': 80,
        sources: [
          { name: 'good', plugin: misbehaving, options: { mode: 'good' } },
          { name: 'thrower', plugin: misbehaving, options: { mode: 'throw' } },
          { name: 'hanger', plugin: misbehaving, timeoutMs: 30, options: { mode: 'hang' } },
          { name: 'liar', plugin: misbehaving, options: { mode: 'over' } },
        ],
      },
    });
    const report = await run.cycle();
    await run.close();
    const { bySource } = report.stats.sourceCalls;
    expect(report.stats.symbolsEvaluated).to.equal(6);
    expect(bySource.good).to.include({ made: 6, failed: 0 });
    expect(bySource.thrower).to.include({ made: 6, failed: 6 });
    expect(bySource.hanger).to.include({ made: 6, failed: 6, timeouts: 6 });
    expect(bySource.liar).to.include({ made: 6, failed: 6, malformed: 6 });
    // Only the good source answered: LONG 90 renormalised over itself passes 75.
    expect(report.stats.signals).to.equal(6);
    const signal = report.results[0].signal!;
    expect(signal.sources.map((s) => s.ok)).to.deep.equal([true, false, false, false]);
    expect(signal.action).to.equal('BUY');
    expect(signal.stop).to.be.below(signal.entry);
    expect(signal.target).to.be.above(signal.entry);
  });

  it('rejects a symbol whose sources all failed as no-opinions', async () => {
    const run = await createRun({ values: { 'data.days': 30, sources: [{ name: 'thrower', plugin: misbehaving }] } });
    const report = await run.cycle();
    await run.close();
    expect(report.stats.rejections).to.deep.equal({ 'no-opinions': 6 });
  });

  it('stops after a wave when the strategy says so and never calls the rest', async () => {
    const run = await createRun({ values: { 'data.days': 80, 'earlyExit.strategy': path.join(FIXTURES, 'stop-after-first-wave.js') } });
    const report = await run.cycle();
    await run.close();
    expect(report.stats.rejections).to.deep.equal({ 'early-exit:always': 6 });
    expect(report.stats.sourceCalls.made).to.equal(6);
    expect(report.stats.sourceCalls.skipped).to.equal(6 * 4);
  });

  it('fails the run with the strategy named when its plan names an unknown source', async () => {
    const run = await createRun({
      values: { 'data.days': 30, 'earlyExit.strategy': path.join(FIXTURES, 'stop-after-first-wave.js'), 'earlyExit.planUnknown': true },
    });
    try {
      await run.cycle();
      expect.fail('should throw');
    } catch (error) {
      expect((error as ArgoError).code).to.equal('ARGO_ERR_PLUGIN_CONTRACT');
      expect((error as Error).message).to.contain('ghost');
    } finally {
      await run.close();
    }
  });

  it('gives the same signal ids to the same inputs', async () => {
    const ids = async () => {
      const run = await createRun({ values: { 'consensus.minConfidence': 10 } });
      const report = await run.cycle();
      await run.close();
      return report.results.map((r) => r.signal?.id);
    };
    const first = await ids();
    expect(first.filter(Boolean).length).to.be.greaterThan(0);
    expect(await ids()).to.deep.equal(first);
  });

  it('simulates cycle time as symbols spread over concurrency lanes', () => {
    expect(virtualCycleMs([100, 100, 100, 100], 2)).to.equal(200);
    expect(virtualCycleMs([300, 100, 100, 100], 2)).to.equal(300);
    expect(virtualCycleMs([100, 100], 8)).to.equal(100);
    expect(virtualCycleMs([], 4)).to.equal(0);
  });
});
