import { expect } from 'chai';
import path from 'node:path';
import { ROOT, comparable, replaySignals } from '../helpers';

const WRAPPED = path.join(ROOT, 'test', 'fixtures', 'plugins', 'wrapped-weighted-consensus.js');

function replay(values: Record<string, unknown>) {
  return replaySignals({ 'data.days': 120, 'consensus.minConfidence': 40, ...values });
}

describe('consensus on the worker pool', function () {
  this.timeout(120000);

  it('gives the same signals as inline, bit for bit, in chunks', async () => {
    const inline = await replay({});
    const pooled = await replay({ 'workers.mode.consensus': 'worker', 'workers.chunkSize': 4 });
    expect(inline.signals.length).to.be.greaterThan(20);
    expect(comparable(pooled.signals)).to.deep.equal(comparable(inline.signals));
    expect(pooled.stats.workers.consensus).to.include({ mode: 'worker', items: pooled.stats.symbolsEvaluated, failedChunks: 0 });
    expect(pooled.stats.workers.consensus.chunks).to.be.at.least(pooled.stats.symbolsEvaluated / 4);
    expect(inline.stats.workers.consensus).to.include({ mode: 'inline', items: 0 });
  });

  it('gives the same signals as inline with the correlation-adjusted consensus, whose history the core keeps', async () => {
    const values = { 'consensus.plugin': 'correlation-adjusted', 'consensus.window': 60, 'consensus.minOverlap': 10 };
    const inline = await replay(values);
    const pooled = await replay({ ...values, 'workers.mode.consensus': 'worker', 'workers.chunkSize': 3 });
    const weighted = await replay({});
    expect(inline.signals.length).to.be.greaterThan(5);
    expect(comparable(pooled.signals)).to.deep.equal(comparable(inline.signals));
    expect(comparable(inline.signals)).to.not.deep.equal(comparable(weighted.signals));
  });

  it('auto keeps the light weighted consensus inline and offloads a heavy one', async () => {
    const light = await replay({ 'workers.mode.consensus': 'auto', 'workers.autoSampleSize': 50 });
    expect(light.stats.workers.consensus).to.include({ mode: 'inline', chunks: 0 });
    const heavy = await replay({ 'workers.mode.consensus': 'auto', 'workers.autoSampleSize': 50, 'consensus.plugin': WRAPPED, 'consensus.behaviour': 'heavy', 'data.days': 60 });
    expect(heavy.stats.workers.consensus.mode).to.equal('worker');
    expect(heavy.stats.workers.consensus.items, 'after 50 calls of warm-up and 50 timed').to.equal(heavy.stats.symbolsEvaluated - 100);
  });

  it('counts a failing chunk and retries it inline, or rejects only its symbols', async () => {
    const plugin = { 'consensus.plugin': WRAPPED, 'consensus.behaviour': 'fails-in-workers' };
    const inline = await replay(plugin);
    const retried = await replay({ ...plugin, 'workers.mode.consensus': 'worker', 'workers.chunkSize': 100 });
    expect(comparable(retried.signals)).to.deep.equal(comparable(inline.signals));
    expect(retried.stats.workers.consensus.failedChunks).to.be.greaterThan(0);
    expect(retried.stats.workers.consensus.retriedInline).to.equal(retried.stats.workers.consensus.failedChunks);
    const failed = await replay({ ...plugin, 'workers.mode.consensus': 'worker', 'workers.retryInline': false });
    expect(failed.signals).to.have.length(0);
    expect(failed.stats.rejections['consensus-failed']).to.equal(failed.stats.symbolsEvaluated);
  });
});
