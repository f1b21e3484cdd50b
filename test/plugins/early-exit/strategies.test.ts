import { expect } from 'chai';
import fc from 'fast-check';
import type { ConsensusResult } from '../../../core/domain/domain';
import type { EarlyExitStrategy, SourceInfo, WaveState } from '../../../core/plugin-system/plugin-contracts';
import { validateOptions } from '../../../core/plugin-system/plugin-loader';
import bound from '../../../plugins/early-exit/bound';
import incremental from '../../../plugins/early-exit/incremental';
import staged from '../../../plugins/early-exit/staged';
import path from 'node:path';
import { ROOT, argoErrorOf, comparable, findRealData, replaySignals, runCli } from '../../helpers';

const SOURCES: SourceInfo[] = [
  { name: 'a', weight: 1, timeoutMs: 100 },
  { name: 'b', weight: 3, timeoutMs: 100 },
  { name: 'c', weight: 2, timeoutMs: 100 },
];

function build(def: typeof staged | typeof incremental | typeof bound, options: Record<string, unknown> = {}): EarlyExitStrategy {
  return def.create({ options: validateOptions(def, options, 'earlyExit') } as never) as EarlyExitStrategy;
}

function state(confidence: number, upperBound: number): WaveState {
  const partial: ConsensusResult = { direction: 'LONG', confidence, contributions: {} };
  return { symbol: 'X', asOf: '2017-01-03', waveIndex: 0, wave: [], fetched: [], remaining: [], partial, upperBound, minConfidence: 75 };
}


describe('early-exit strategies', () => {
  it('staged: the highest-weight source first, then the rest; stops below stage1Min', async () => {
    const strategy = build(staged);
    expect(strategy.plan(SOURCES)).to.deep.equal([['b'], ['a', 'c']]);
    expect(build(staged, { firstWave: ['a', 'c'] }).plan(SOURCES)).to.deep.equal([['a', 'c'], ['b']]);
    expect(strategy.afterWave(state(49, 100))).to.deep.equal({ stop: true, reason: 'stage1' });
    expect(strategy.afterWave(state(50, 100))).to.deep.equal({ stop: false });
    expect((await argoErrorOf(() => build(staged, { firstWave: ['zz'] }).plan(SOURCES))).code).to.equal('ARGO_ERR_PLUGIN_OPTIONS');
  });

  it('incremental: one source a wave by weight, or the configured groups; stops below minToContinue', () => {
    expect(build(incremental).plan(SOURCES)).to.deep.equal([['b'], ['c'], ['a']]);
    expect(build(incremental, { groups: [['a'], ['b']] }).plan(SOURCES)).to.deep.equal([['a'], ['b'], ['c']]);
    expect(build(incremental).afterWave(state(59, 100))).to.deep.equal({ stop: true, reason: 'incremental' });
    expect(build(incremental).afterWave(state(60, 100))).to.deep.equal({ stop: false });
  });

  it('bound: stops only when the bound is below the bar, and (order weight-per-latency) orders by weight per observed latency', () => {
    const strategy = build(bound, { waveSize: 2, order: 'weight-per-latency' });
    expect(strategy.afterWave(state(10, 74.9))).to.deep.equal({ stop: true, reason: 'bound' });
    expect(strategy.afterWave(state(10, 75))).to.deep.equal({ stop: false });
    expect(strategy.plan(SOURCES)).to.deep.equal([['b', 'c'], ['a']]);
    strategy.observe!([
      { source: 'b', ok: true, opinion: { direction: 'LONG', confidence: 1 }, latencyMs: 3000 },
      { source: 'a', ok: true, opinion: { direction: 'LONG', confidence: 1 }, latencyMs: 1 },
    ]);
    expect(strategy.plan(SOURCES)).to.deep.equal([['a', 'c'], ['b']]);
  });

  it('bound (order settling, the default): asks first the sources whose answers have lowered the bound most, latency counting a little', () => {
    const strategy = build(bound, { latencyExponent: 0 });
    const answer = (source: string, direction: 'LONG' | 'NEUTRAL', confidence: number, latencyMs = 10) => ({ source, ok: true as const, opinion: { direction, confidence }, latencyMs });
    // Equal weights: a source that answers 90% LONG barely lowers the bound; a NEUTRAL one lowers it by its whole weight.
    const equal = SOURCES.map((s) => ({ ...s, weight: 1 }));
    strategy.observe!([answer('a', 'LONG', 90), answer('b', 'NEUTRAL', 0), answer('c', 'LONG', 40)]);
    expect(strategy.plan(equal).flat()).to.deep.equal(['b', 'c', 'a']);
    // A failure counts as a whole weight off the bound too: after failing a while, `a` comes before `c`.
    for (let i = 0; i < 10; i++) strategy.observe!([{ source: 'a', ok: false, failure: 'error', code: 'X', message: 'down', latencyMs: 10 }]);
    expect(strategy.plan(equal).flat()).to.deep.equal(['b', 'a', 'c']);
    // With latency counted fully, a slow settler goes after a fast one.
    const timed = build(bound, { latencyExponent: 1 });
    timed.observe!([answer('a', 'NEUTRAL', 0, 1000), answer('b', 'LONG', 50, 10), answer('c', 'LONG', 50, 10)]);
    expect(timed.plan(equal).flat().at(-1)).to.equal('a');
  });

  it('bound yields exactly the signals of none on any generated sources, weights, failures and threshold', async () => {
    const sourceSpec = fc.record({
      weight: fc.double({ min: 0.1, max: 5, noNaN: true }),
      meanConfidence: fc.integer({ min: 20, max: 95 }),
      spread: fc.integer({ min: 0, max: 40 }),
      followTrend: fc.double({ min: 0, max: 1, noNaN: true }),
      failureRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
      latencyMs: fc.integer({ min: 1, max: 500 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(sourceSpec, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 40, max: 95 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 1000 }),
        async (specs, minConfidence, waveSize, seed) => {
          const sources = specs.map((spec, i) => ({
            name: `s${i}`,
            plugin: 'synthetic',
            weight: spec.weight,
            options: { meanConfidence: spec.meanConfidence, spread: spec.spread, followTrend: spec.followTrend },
            simulate: { latencyMs: spec.latencyMs, sigma: 0.5, failureRate: spec.failureRate, timeoutRate: 0 },
          }));
          const base = { sources, seed, 'consensus.minConfidence': minConfidence, 'data.days': 40, 'data.symbols': ['AA', 'BB', 'CC', 'DD'] };
          const all = await replaySignals({ ...base, 'earlyExit.strategy': 'none' }, '2000-01-01', '2100-01-01');
          const early = await replaySignals({ ...base, 'earlyExit.strategy': 'bound', 'earlyExit.waveSize': waveSize }, '2000-01-01', '2100-01-01');
          expect(comparable(early.signals)).to.deep.equal(comparable(all.signals));
          expect(early.stats.sourceCalls.made).to.be.at.most(all.stats.sourceCalls.made);
        },
      ),
      { numRuns: 25 },
    );
  });

  describe('on the real data', function () {
    const dir = findRealData();
    const symbols = ['AAPL', 'AMZN', 'BA', 'CAT', 'CHK', 'ABBV', 'ADBE', 'AIG', 'BHF', 'APTV'];
    before(function () {
      if (dir === undefined) {
        console.log('    (../shared/data absent: skipped)');
        this.skip();
      }
    });

    it('bound gives the signals of none with fewer source calls', async () => {
      const base = { 'data.dir': dir, symbols };
      const all = await replaySignals({ ...base, 'earlyExit.strategy': 'none' }, '2016-01-01', '2017-12-31');
      const early = await replaySignals({ ...base, 'earlyExit.strategy': 'bound' }, '2016-01-01', '2017-12-31');
      expect(all.signals.length).to.be.greaterThan(50);
      expect(comparable(early.signals)).to.deep.equal(comparable(all.signals));
      expect(early.stats.sourceCalls.made).to.be.below(all.stats.sourceCalls.made * 0.8);
      expect(early.stats.sourceCalls.made + early.stats.sourceCalls.skipped).to.equal(all.stats.sourceCalls.made);
    });

    it('shadow fetches measure the miss rate without changing the output: zero for bound, counted for a lossy strategy', async () => {
      const base = { 'data.dir': dir, symbols, 'earlyExit.shadowRate': 1 };
      const lossy = await replaySignals({ ...base, 'earlyExit.strategy': 'incremental' }, '2017-01-01', '2017-12-31');
      const plain = await replaySignals({ ...base, 'earlyExit.strategy': 'incremental', 'earlyExit.shadowRate': 0 }, '2017-01-01', '2017-12-31');
      expect(comparable(lossy.signals)).to.deep.equal(comparable(plain.signals));
      expect(lossy.stats.shadow.checked).to.equal(lossy.stats.rejections['early-exit:incremental']);
      expect(lossy.stats.shadow.missed).to.be.greaterThan(0);
      expect(lossy.stats.shadow.missRate).to.equal(lossy.stats.shadow.missed / lossy.stats.shadow.checked);
      const lossless = await replaySignals({ ...base, 'earlyExit.strategy': 'bound' }, '2017-01-01', '2017-12-31');
      expect(lossless.stats.shadow.checked).to.be.greaterThan(0);
      expect(lossless.stats.shadow.missed).to.equal(0);
    });
  });

  describe('the consensus bound contract, guarded at run time', () => {
    const lying = path.join(ROOT, 'test', 'fixtures', 'plugins', 'lying-bound-consensus.js');

    it('counts no violation for the built-in weighted bound, under the bound strategy or a staged one', async () => {
      for (const strategy of ['bound', 'staged']) {
        const { stats } = await replaySignals({ 'earlyExit.strategy': strategy, 'data.days': 120 });
        expect(stats.contract.violations, strategy).to.deep.equal({});
      }
    });

    it('catches a bound that is always 0, though it makes the bound strategy reject every symbol, by following up early exits until a check could fail', async () => {
      const { signals, stats } = await replaySignals({ 'earlyExit.strategy': 'bound', 'consensus.plugin': lying, 'data.days': 120 });
      expect(signals).to.have.length(0);
      expect(stats.contract.violations).to.deep.equal({ [`consensus:${lying}`]: 1 });
      expect(stats.contract.boundProbeCalls).to.be.above(0);
    });

    it('counts every symbol whose final confidence exceeds a bound given for it earlier', async () => {
      const { stats } = await replaySignals({ 'earlyExit.strategy': 'staged', 'earlyExit.stage1Min': 0, 'consensus.plugin': lying, 'consensus.bound': 'half', 'data.days': 120 });
      expect(stats.contract.violations[`consensus:${lying}`]).to.be.above(10);
    });

    it('makes run and replay warn loudly, with the code, when the bound strategy meets a broken bound', () => {
      const { code, stderr } = runCli(['replay', '--from', '2024-01-01', '--to', '2024-12-31', '--set', 'earlyExit.strategy=bound', '--set', `consensus.plugin=${lying}`, '--set', 'storage.plugin=memory']);
      expect(code, stderr).to.equal(0);
      expect(stderr).to.contain('WARNING: ARGO_ERR_PLUGIN_CONTRACT').and.contain('NOT lossless');
    });
  });
});
