import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SOURCES } from '../../core/config/config-schema';
import { ROOT, argoErrorOf, comparable, createRun, replaySignals, tempDir, writeJson } from '../helpers';

const FAULT_SOURCE = path.join(ROOT, 'test', 'fixtures', 'plugins', 'worker-fault-source.js');

function replay(values: Record<string, unknown>) {
  return replaySignals({ 'data.days': 120, 'consensus.minConfidence': 40, ...values });
}

/** The five technical sources plus the fixture source with `options`. */
function withFaultSource(options: Record<string, unknown>) {
  return { sources: [...DEFAULT_SOURCES, { name: 'fault', plugin: FAULT_SOURCE, weight: 1, options }] };
}

describe('indicators and reasoning on the worker pool', function () {
  this.timeout(120000);

  it('computes the technical indicators on the pool with the same signals as inline, bit for bit', async () => {
    const inline = await replay({});
    const pooled = await replay({ 'workers.mode.indicators': 'worker', 'workers.chunkSize': 7 });
    expect(inline.signals.length).to.be.greaterThan(20);
    expect(comparable(pooled.signals)).to.deep.equal(comparable(inline.signals));
    const calls = pooled.stats.sourceCalls.made;
    expect(pooled.stats.workers.indicators).to.include({ mode: 'worker', items: calls, failedChunks: 0 });
    expect(pooled.stats.workers.indicators.chunks).to.be.at.least(calls / 7);
    expect(pooled.stats.sourceCalls.failed).to.equal(0);
  });

  it('keeps sources not marked offloadable on the main thread', async () => {
    const sources = [...DEFAULT_SOURCES.slice(0, 2), { name: 'noise', plugin: 'synthetic', weight: 1 }];
    const inline = await replay({ sources });
    const pooled = await replay({ sources, 'workers.mode.indicators': 'worker' });
    expect(comparable(pooled.signals)).to.deep.equal(comparable(inline.signals));
    expect(pooled.stats.workers.indicators.items).to.equal(pooled.stats.sourceCalls.bySource.trend.made * 2);
  });

  it('auto keeps the cheap technical indicators inline', async () => {
    const auto = await replay({ 'workers.mode.indicators': 'auto', 'workers.autoSampleSize': 500 });
    expect(auto.stats.workers.indicators).to.include({ mode: 'inline', chunks: 0 });
  });

  it('fails only the source call that throws on a worker, as inline would fail it', async () => {
    const values = withFaultSource({ behaviour: 'throw', atLength: 60 });
    const pooled = await replay({ ...values, 'workers.mode.indicators': 'worker' });
    const fault = pooled.stats.sourceCalls.bySource.fault;
    expect(fault.failed).to.equal(pooled.stats.symbolsEvaluated / pooled.stats.cycles);
    expect(pooled.stats.sourceCalls.failed).to.equal(fault.failed);
    expect(pooled.stats.workers.indicators.failedChunks).to.equal(0);
  });

  it('survives a worker that exits: the chunk is retried inline, the new worker gets the bars again, signals stay the same', async () => {
    const marker = path.join(tempDir(), 'exited');
    const values = withFaultSource({ behaviour: 'exit-once', atLength: 60, marker });
    const inline = await replay(values);
    expect(existsSync(marker), 'inline never exits').to.equal(false);
    const pooled = await replay({ ...values, 'workers.mode.indicators': 'worker' });
    expect(existsSync(marker), 'the worker exited').to.equal(true);
    expect(pooled.stats.workers.indicators.failedChunks).to.be.greaterThan(0);
    expect(pooled.stats.workers.indicators.retriedInline).to.equal(pooled.stats.workers.indicators.failedChunks);
    expect(pooled.stats.sourceCalls.failed).to.equal(0);
    expect(comparable(pooled.signals)).to.deep.equal(comparable(inline.signals));
  });

  it('refuses to start when a plugin placed on the pool cannot be built in a worker, naming it', async () => {
    const error = await argoErrorOf(() => createRun({ values: { ...withFaultSource({ behaviour: 'fail-to-load' }), 'workers.mode.indicators': 'worker' } }));
    expect(error.code).to.equal('ARGO_ERR_WORKER_LOAD');
    expect(error.message).to.contain('workers.mode').and.contain('source "fault"').and.contain('needs the main thread');
  });

  it('refuses, naming workers.mode, a run that offloads a stage in a program that registered no stage executor (the engine alone, without a composition root)', () => {
    const script = `
      const { loadConfig } = require('./dist/core/config/config-loader');
      const { Run } = require('./dist/core/engine/run');
      const { PluginRegistry } = require('./dist/core/plugin-system/plugin-registry');
      const { builtinPlugins } = require('./dist/plugins');
      const { createLogger } = require('./dist/core/util/logger');
      const registry = new PluginRegistry();
      for (const plugin of builtinPlugins) registry.register(plugin);
      const run = (mode) => Run.create(loadConfig(registry, { values: { 'workers.mode.consensus': mode, 'storage.plugin': 'memory' } }), createLogger('error'));
      run('inline')
        .then((inline) => inline.close())
        .then(() => run('auto'))
        .then(() => process.exit(3), (error) => process.stdout.write(error.code + ' ' + error.message));`;
    const child = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(child.stderr).to.equal('');
    expect(child.status).to.equal(0);
    expect(child.stdout).to.match(/^ARGO_ERR_CONFIG_INVALID .*workers\.mode\.consensus: "auto" needs a stage executor and none is registered/);
  });

  it('writes the same reasoning on the pool as inline, in sync and cached mode', async () => {
    for (const mode of ['sync', 'cached']) {
      const inline = await replay({ 'reasoning.mode': mode });
      const pooled = await replay({ 'reasoning.mode': mode, 'workers.mode.reasoning': 'worker', 'workers.chunkSize': 2 });
      expect(inline.signals.length).to.be.greaterThan(20);
      expect(pooled.signals.map((s) => s.reasoning)).to.deep.equal(inline.signals.map((s) => s.reasoning));
      expect(pooled.stats.workers.reasoning.mode).to.equal('worker');
      expect(pooled.stats.workers.reasoning.items).to.equal(pooled.stats.reasoning.explained);
    }
  });

  it('builds the explainer in a worker with the context the main thread gives it: the environment and the config folder', async () => {
    const explainer = path.join(ROOT, 'test', 'fixtures', 'plugins', 'context-explainer.js');
    const dir = tempDir();
    const run = async (values: Record<string, unknown>) => {
      const file = writeJson(dir, 'config.json', {});
      const created = await createRun({ file, values: { 'reasoning.explainer': explainer, 'consensus.minConfidence': 30, ...values }, env: { CONTEXT_KEY: 'secret' } });
      const report = await created.cycle();
      await created.close();
      return report.results.flatMap((r) => (r.signal ? [r.signal.reasoning] : []));
    };
    const inline = await run({});
    const pooled = await run({ 'workers.mode.reasoning': 'worker' });
    expect(inline.length).to.be.greaterThan(0);
    expect(inline[0]).to.contain('key present').and.contain(path.join(dir, 'notes.txt'));
    expect(pooled).to.deep.equal(inline);
  });

  it('writes deferred texts on the pool: every stored signal ends with its text, as with inline deferred reasoning', async () => {
    const deferred = async (values: Record<string, unknown>) => {
      const run = await createRun({ values: { 'data.days': 120, 'consensus.minConfidence': 40, 'reasoning.mode': 'deferred', ...values } });
      await run.replay({ from: '2000-01-01', to: '2100-01-01' });
      await run.close();
      return { stored: await run.storage.querySignals({}), stats: run.stats.workers.reasoning };
    };
    const inline = await deferred({});
    const pooled = await deferred({ 'workers.mode.reasoning': 'worker', 'workers.chunkSize': 3 });
    expect(inline.stored.length).to.be.greaterThan(20);
    expect(pooled.stored.map((s) => s.id)).to.deep.equal(inline.stored.map((s) => s.id));
    // Which signal's text a cache key keeps first depends on when texts come back (the cache key
    // has no date), so texts are compared by what they must say, not verbatim.
    for (const s of pooled.stored) {
      expect(s.reasoningStatus).to.equal('done');
      expect(s.reasoning).to.match(new RegExp(`^${s.action} ${s.symbol} as of `));
    }
    expect(pooled.stats.mode).to.equal('worker');
    expect(pooled.stats.items).to.be.greaterThan(0);
  });

  it('runs all three stages on the pool at once with the same signals as inline', async () => {
    const values = { 'consensus.plugin': 'correlation-adjusted', 'consensus.window': 60, 'consensus.minOverlap': 10 };
    const inline = await replay(values);
    const pooled = await replay({
      ...values,
      'workers.mode.consensus': 'worker',
      'workers.mode.reasoning': 'worker',
      'workers.mode.indicators': 'worker',
    });
    expect(comparable(pooled.signals)).to.deep.equal(comparable(inline.signals));
    for (const stage of ['consensus', 'reasoning', 'indicators'] as const) expect(pooled.stats.workers[stage].items, stage).to.be.greaterThan(0);
  });
});
